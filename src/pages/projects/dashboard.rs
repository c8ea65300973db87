//! A project's dashboard: usage totals, cost and requests per day, and the
//! costliest models and end users over 7, 30 or 90 days. The range lives in
//! the URL (`/projects/<slug>/dashboard?days=7`), so reloads and shared
//! links keep it; while a new range loads, the old numbers stay on screen.
use crate::api::analytics::load_dashboard;
use crate::components::chart::Chart;
use crate::components::feedback::{ErrorAlert, Loading};
use crate::components::table::DataTable;
use crate::domain::analytics::{ProjectDashboard, RANGES, UsageGroup, parse_range};
use crate::domain::money::count;
use leptos::Params;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query};
use leptos_router::params::Params;

#[derive(Params, Clone, Debug, Default, PartialEq)]
pub struct DashboardQuery {
    pub days: Option<u32>,
}

#[component]
pub fn ProjectDashboardPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query::<DashboardQuery>();
    let days = Memo::new(move |_| parse_range(query.get().ok().and_then(|q| q.days)));
    let slug = Memo::new(move |_| params.read().get("slug").unwrap_or_default());
    let data = Resource::new(move || (slug.get(), days.get()), |(slug, days)| load_dashboard(slug, days));
    let pending = RwSignal::new(false);
    view! {
        <nav class="range-picker" aria-label="Range">
            {RANGES
                .into_iter()
                .map(|d| {
                    let current = move || (days.get() == d).then_some("page");
                    view! { <A href=move || format!("/projects/{}/dashboard?days={d}", slug.get()) attr:aria-current=current>{format!("Last {d} days")}</A> }
                })
                .collect_view()}
        </nav>
        // Dimming the old numbers would fail contrast; a status line says instead.
        <p class="muted" role="status">{move || pending.get().then_some("Updating…")}</p>
        <Transition fallback=|| view! { <Loading /> } set_pending=pending>
            <div class:refreshing=move || pending.get() aria-busy=move || pending.get().to_string()>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(d) => view! { <Dashboard d slug=slug.get_untracked() /> }.into_any(),
                        Err(error) => view! { <ErrorAlert error /> }.into_any(),
                    }
                })}
            </div>
        </Transition>
    }
}

#[component]
fn Dashboard(d: ProjectDashboard, slug: String) -> impl IntoView {
    let t = d.totals.clone();
    if t.requests == 0 {
        return view! {
            <section class="empty-state">
                <h2>{format!("No usage in the last {} days", d.days)}</h2>
                <p class="muted">"Create an API key with the ingest scope, then report each LLM call to " <code>"POST /api/v1/events"</code> "."</p>
                <A href=format!("/projects/{slug}/keys")>"Create an API key"</A>
            </section>
        }
        .into_any();
    }
    let tokens = format!("{} in · {} out", count(t.input_tokens), count(t.output_tokens));
    let latency = t.avg_latency_ms.map(|ms| format!("{} ms", count(ms))).unwrap_or_else(|| "—".into());
    view! {
        <dl class="stats">
            <Stat label="Cost" value=t.cost.usd_display() />
            <Stat label="Requests" value=count(t.requests) />
            <Stat label="Error rate" value=t.error_rate() />
            <Stat label="Tokens" value=tokens />
            <Stat label="Average latency" value=latency />
        </dl>
        {(d.unpriced > 0).then(|| view! {
            <p class="alert alert-info">
                {format!("{} calls use a model with no price yet; their cost counts as $0.00 until a price is added.", count(d.unpriced))}
            </p>
        })}
        <section class="card stack">
            <h2 class="card-title">"Cost and requests per day (UTC)"</h2>
            <Chart option=d.daily_chart summary=d.chart_summary script=d.charts_script />
        </section>
        <div class="dashboard-tables">
            <Groups label="Costliest models" columns=&["Model", "Requests", "Tokens", "Cost"] rows=d.models none="(no model)" />
            <Groups label="Costliest end users" columns=&["End user", "Requests", "Tokens", "Cost"] rows=d.users none="(not named)" />
        </div>
    }
    .into_any()
}

#[component]
fn Stat(label: &'static str, #[prop(into)] value: String) -> impl IntoView {
    view! {
        <div class="stat">
            <dt class="stat-label">{label}</dt>
            <dd class="stat-value">{value}</dd>
        </div>
    }
}

#[component]
fn Groups(label: &'static str, columns: &'static [&'static str], rows: Vec<UsageGroup>, none: &'static str) -> impl IntoView {
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
                            </tr>
                        }
                    })
                    .collect_view()}
            </DataTable>
        </section>
    }
}
