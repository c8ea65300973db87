//! A chart the server built (an ECharts option as JSON). The loader script
//! (`components/charts.js`, served hashed from `/pkg`) draws every
//! `data-chart` element and redraws it when the option changes; it loads
//! ECharts on first use. For screen readers the chart is an image whose
//! label says what it shows; the page's tables hold the same numbers.
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
