//! A project's dashboard: KPIs, cost and requests over time, errors over
//! time, and the share of each model, assistant and end user (as tables,
//! and for models and assistants as contribution charts beside them). The range and
//! environment live in the URL (`/o/<org>/projects/<slug>/dashboard?range=7d&env=production`),
//! so reloads and shared links keep them; while new numbers load, the old
//! ones stay on screen.
use crate::api::analytics::load_dashboard;
use crate::components::analytics_page::{AnalyticsPage, ExportLinks, Stat};
use crate::components::chart::ChartCard;
use crate::components::first_event::FirstEvent;
use crate::components::table::DataTable;
use crate::domain::analytics::{Filters, ProjectDashboard, UsageGroup};
use crate::domain::analytics::{NO_MODEL, NOT_NAMED};
use crate::domain::money::{Nanos, basis_points, count, percent};
use leptos::prelude::*;

#[component]
pub fn ProjectDashboardPage() -> impl IntoView {
    view! { <AnalyticsPage section="dashboard" load=load_dashboard environments=|d: &ProjectDashboard| d.environments.clone() render=|d, base, filters| view! { <Dashboard d base filters /> } /> }
}

#[component]
fn Dashboard(d: ProjectDashboard, base: String, filters: Filters) -> impl IntoView {
    let t = d.totals.clone();
    if t.requests == 0 {
        return view! { <FirstEvent title=format!("No usage in {}", d.window.label) endpoint=d.endpoint base=base.clone() /> }.into_any();
    }
    // No-break spaces keep each figure with its unit and each "/" with the
    // figure before it: a KPI may wrap after a "/", never inside a figure.
    let ms = |v: Option<i64>| v.map(|ms| format!("{}\u{a0}ms", count(ms))).unwrap_or_else(|| "—".into());
    let per_request = Nanos(t.cost.0 / t.requests.max(1)).usd_display();
    view! {
        <dl class="stats">
            <Stat label="Total cost" value=t.cost.usd_display() />
            <Stat label="Cost per request" value=per_request />
            <Stat label="Requests" value=count(t.requests) />
            <Stat label="Errors" value=format!("{}\u{a0}({})", count(t.errors), t.error_rate()) />
            <Stat label="Average latency" value=ms(t.avg_latency_ms) />
            <Stat label="Latency p50 / p95 / p99" value=format!("{}\u{a0}/ {}\u{a0}/ {}", ms(t.p50_latency_ms), ms(t.p95_latency_ms), ms(t.p99_latency_ms)) />
        </dl>
        {(d.unpriced > 0).then(|| view! {
            <p class="alert alert-info">
                {format!("{} calls use a model with no price yet; their cost counts as $0.00 until a price is added.", count(d.unpriced))}
            </p>
        })}
        <ChartCard title="Cost and requests (UTC)" chart=d.usage_chart script=d.charts_script.clone() />
        <ChartCard title="Errors (UTC)" chart=d.errors_chart script=d.charts_script />
        <div class="dashboard-tables">
            <div class="contribution">
                <Groups label="Cost by model" columns=&["Model", "Requests", "Tokens", "Cost", "Share of cost"] rows=d.models none=NO_MODEL total=t.cost />
                <ChartCard title="Contribution of models" chart=d.models_share script=None />
            </div>
            <div class="contribution">
                <Groups label="Cost by assistant" columns=&["Assistant", "Requests", "Tokens", "Cost", "Share of cost"] rows=d.assistants none=NOT_NAMED total=t.cost />
                <ChartCard title="Contribution of assistants" chart=d.assistants_share script=None />
            </div>
            <Groups label="Costliest end users" columns=&["End user", "Requests", "Tokens", "Cost", "Share of cost"] rows=d.users none=NOT_NAMED total=t.cost />
        </div>
        <ExportLinks base filters links=&[("by day", "usage.csv?group_by=day"), ("by model", "usage.csv?group_by=model"), ("by assistant", "usage.csv?group_by=assistant"), ("by end user", "usage.csv?group_by=user")] />
    }
    .into_any()
}

/// A model's, assistant's or end user's share of requests and cost.
#[component]
fn Groups(label: &'static str, columns: &'static [&'static str], rows: Vec<UsageGroup>, none: &'static str, total: Nanos) -> impl IntoView {
    let cost = total.0;
    // As the contribution chart beside it words the same share.
    let share = |part: i64, whole: i64| if whole <= 0 { "—".to_string() } else { percent(basis_points(part, whole)) };
    view! {
        <section class="stack">
            <h2 class="card-title">{label}</h2>
            <DataTable label=label columns>
                {rows
                    .into_iter()
                    .map(|r| {
                        view! {
                            <tr>
                                <td>{r.key.unwrap_or_else(|| none.to_string())}</td>
                                <td class="num">{count(r.requests)}</td>
                                <td class="num">{count(r.tokens)}</td>
                                <td class="num">{r.cost.usd_display()}</td>
                                <td class="num">{share(r.cost.0, cost)}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </DataTable>
        </section>
    }
}
