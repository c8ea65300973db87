//! The dashboard: KPIs, cost, requests and errors over time, and the share
//! of each model, assistant and end user.
use crate::domain::analytics::{Filters, ProjectDashboard};
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "analytics/dashboard")]
pub async fn load_dashboard(org: crate::domain::project::Slug, slug: String, #[server(default)] filters: Filters) -> Result<ProjectDashboard, AppError> {
    use super::shared;
    use crate::api::prelude::*;
    use crate::domain::analytics::{ChartData, TOP_ROWS, TextTable, UsageGroup, UsageTotals};
    use crate::domain::money::count;
    use crate::server::charts::{self, Day};
    use crate::server::usage::query::{self as usage, GroupBy, UsageRow};
    use crate::server::usage::report;
    let ctx = guard::project_at(&org, &slug, ProjectAction::View).await?;
    let (window, scope) = shared::window_scope(&ctx, &filters)?;
    let db = ctx.db();

    let by_time = usage::summary(db, &scope, shared::step(&window)).await?;
    let sum = report::total(&by_time);
    let latencies = usage::latencies(db, &scope).await?;
    let totals = UsageTotals {
        requests: sum.requests,
        errors: sum.errors,
        input_tokens: sum.input_tokens,
        output_tokens: sum.output_tokens,
        cost: sum.cost,
        avg_latency_ms: sum.avg_latency_ms(),
        p50_latency_ms: latencies.percentile(50),
        p95_latency_ms: latencies.percentile(95),
        p99_latency_ms: latencies.percentile(99),
    };

    let points: Vec<Day> = shared::steps(&window)
        .into_iter()
        .map(|(label, key)| {
            let row = by_time.iter().find(|r| r.key.as_deref() == Some(key.as_str()));
            Day { cost: row.map(|r| r.cost).unwrap_or_default(), requests: row.map_or(0, |r| r.requests), errors: row.map_or(0, |r| r.errors), label }
        })
        .collect();
    let top = |rows: Vec<UsageRow>| -> Vec<UsageGroup> {
        rows.into_iter()
            .take(TOP_ROWS)
            .map(|r| UsageGroup { key: r.key, requests: r.requests, tokens: r.input_tokens.saturating_add(r.output_tokens), cost: r.cost })
            .collect()
    };
    let unit = shared::unit(&window);
    // The charts' numbers as tables, the steps with calls only.
    let table = |columns: &[&str], cells: &dyn Fn(&Day) -> Vec<String>| TextTable {
        columns: columns.iter().map(|c| c.to_string()).collect(),
        rows: points.iter().filter(|d| d.requests > 0).map(|d| [vec![d.label.clone()], cells(d)].concat()).collect(),
    };
    let usage_table = table(&["When (UTC)", "Cost", "Requests"], &|d| vec![d.cost.usd_display(), count(d.requests)]);
    let errors_table = table(&["When (UTC)", "Errors"], &|d| vec![count(d.errors)]);
    let usage_summary = match points.iter().max_by_key(|d| d.cost) {
        Some(d) if totals.requests > 0 => {
            format!(
                "Cost per {unit} over {}: {} in all; the costliest {unit} was {} at {}.",
                window.label,
                totals.cost.usd_display(),
                d.label,
                d.cost.usd_display()
            )
        }
        _ => format!("No usage in {}.", window.label),
    };
    let errors_summary = match points.iter().max_by_key(|d| d.errors) {
        Some(d) if totals.errors > 0 => {
            format!("Errors per {unit} over {}: {} in all; the most were {} at {}.", window.label, totals.errors, d.errors, d.label)
        }
        _ => format!("No errors in {}.", window.label),
    };
    Ok(ProjectDashboard {
        usage_chart: ChartData { option: charts::daily_usage(&points), summary: usage_summary, table: usage_table },
        errors_chart: ChartData { option: charts::errors_over_time(&points), summary: errors_summary, table: errors_table },
        models: top(usage::summary(db, &scope, GroupBy::Model).await?),
        assistants: top(usage::summary(db, &scope, GroupBy::Assistant).await?),
        users: top(usage::summary(db, &scope, GroupBy::User).await?),
        environments: usage::environments(db, ctx.project.id).await?,
        unpriced: usage::unpriced(db, &scope).await?,
        charts_script: shared::charts_script(&ctx),
        endpoint: shared::endpoint(&ctx),
        totals,
        window,
    })
}
