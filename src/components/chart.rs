//! A chart the server built (an ECharts option as JSON). The loader script
//! (`components/charts.js`, served hashed from `/pkg`) draws every
//! `data-chart` element and redraws it when the option changes; it loads
//! ECharts on first use. For screen readers the chart is an image whose
//! label says what it shows, and its numbers are a table one click away.
use crate::components::table::TableFrame;
use crate::domain::analytics::{ChartData, TextTable};
use leptos::prelude::*;

#[component]
pub fn Chart(#[prop(into)] option: Signal<String>, #[prop(into)] summary: Signal<String>, script: Option<String>) -> impl IntoView {
    view! {
        <div class="chart" role="img" aria-label=summary data-chart=option></div>
        // A script element the router inserts runs too, so client-side
        // navigation to a chart page loads the loader as a full load does.
        {script.map(|src| view! { <script src=src async></script> })}
    }
}

/// A titled card with a chart and, under "Show the numbers", its table.
#[component]
pub fn ChartCard(title: &'static str, chart: ChartData, script: Option<String>) -> impl IntoView {
    let ChartData { option, summary, table } = chart;
    view! {
        <section class="card stack">
            <h2 class="card-title">{title}</h2>
            <Chart option summary script />
            <details class="chart-numbers">
                <summary>"Show the numbers"</summary>
                <NumbersTable label=format!("{title}: the numbers") table />
            </details>
        </section>
    }
}

/// A `TextTable` as a table; the first column names the rows.
#[component]
pub fn NumbersTable(label: String, table: TextTable) -> impl IntoView {
    if table.rows.is_empty() {
        return view! { <p class="muted">"Nothing to show for this range."</p> }.into_any();
    }
    view! {
        <TableFrame label>
            <table class="table">
                <thead>
                    <tr>{table.columns.into_iter().map(|c| view! { <th scope="col">{c}</th> }).collect_view()}</tr>
                </thead>
                <tbody>
                    {table
                        .rows
                        .into_iter()
                        .map(|row| {
                            let mut cells = row.into_iter();
                            let head = cells.next().unwrap_or_default();
                            view! {
                                <tr>
                                    <th scope="row">{head}</th>
                                    {cells.map(|c| view! { <td class="num">{c}</td> }).collect_view()}
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </TableFrame>
    }
    .into_any()
}
