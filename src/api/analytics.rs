//! A project's dashboard over a time window and environment (see
//! `domain::analytics::Filters`), read from the hourly rollups: the cost of
//! a load grows with the range, not with the number of events. Anyone who
//! may view the project may see it (`ProjectAction::View`).
use crate::domain::analytics::{Filters, ProjectDashboard};
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "analytics/dashboard")]
pub async fn load_dashboard(slug: String, #[server(default)] filters: Filters) -> Result<ProjectDashboard, AppError> {
    use crate::api::prelude::*;
    use crate::domain::analytics::{ChartData, TOP_ROWS, UsageGroup, UsageTotals, latency_percentile};
    use crate::domain::money::Nanos;
    use crate::server::charts::{self, Day};
    use crate::server::repo::usage::{self, GroupBy, Scope, UsageRow};
    let ctx = guard::project_by_slug_for(&slug, ProjectAction::View).await?;
    let window = filters.window(chrono::Utc::now().timestamp().div_euclid(3_600)).map_err(AppError::invalid)?;
    let db = ctx.db();
    let scope = Scope { project_id: ctx.project.id, from_hour: window.from_hour, to_hour: window.to_hour, environment: filters.environment().map(str::to_string) };

    let by_time = usage::summary(db, &scope, if window.hourly { GroupBy::Hour } else { GroupBy::Day }).await?;
    let mut totals = UsageTotals::default();
    let (mut latency_sum, mut latency_count) = (0i64, 0i64);
    for r in &by_time {
        totals.requests = totals.requests.saturating_add(r.requests);
        totals.errors = totals.errors.saturating_add(r.errors);
        totals.input_tokens = totals.input_tokens.saturating_add(r.input_tokens);
        totals.output_tokens = totals.output_tokens.saturating_add(r.output_tokens);
        totals.cost = Nanos(totals.cost.0.saturating_add(r.cost.0));
        latency_sum = latency_sum.saturating_add(r.latency_sum_ms);
        latency_count = latency_count.saturating_add(r.latency_count);
    }
    totals.avg_latency_ms = (latency_count > 0).then(|| latency_sum / latency_count);
    let buckets = usage::latency_buckets(db, &scope).await?;
    totals.p50_latency_ms = latency_percentile(&buckets, 50);
    totals.p95_latency_ms = latency_percentile(&buckets, 95);

    // Every hour or day of the window, with zeros where nothing was reported.
    let step = if window.hourly { 1 } else { 24 };
    let points: Vec<Day> = (window.from_hour..window.to_hour)
        .step_by(step)
        .map(|h| {
            let t = chrono::DateTime::from_timestamp(h * 3_600, 0).unwrap_or_default();
            let (label, key) = if window.hourly {
                (t.format("%H:00").to_string(), t.format("%Y-%m-%dT%H:00:00Z").to_string())
            } else {
                (t.format("%Y-%m-%d").to_string(), t.format("%Y-%m-%d").to_string())
            };
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
    let unit = if window.hourly { "hour" } else { "day" };
    let usage_summary = match points.iter().max_by_key(|d| d.cost) {
        Some(d) if totals.requests > 0 => {
            format!("Cost per {unit} over {}: {} in all; the costliest {unit} was {} at {}.", window.label, totals.cost.usd_display(), d.label, d.cost.usd_display())
        }
        _ => format!("No usage in {}.", window.label),
    };
    let errors_summary = match points.iter().max_by_key(|d| d.errors) {
        Some(d) if totals.errors > 0 => format!("Errors per {unit} over {}: {} in all; the most were {} at {}.", window.label, totals.errors, d.errors, d.label),
        _ => format!("No errors in {}.", window.label),
    };
    Ok(ProjectDashboard {
        usage_chart: ChartData { option: charts::daily_usage(&points), summary: usage_summary },
        errors_chart: ChartData { option: charts::errors_over_time(&points), summary: errors_summary },
        models: top(usage::summary(db, &scope, GroupBy::Model).await?),
        assistants: top(usage::summary(db, &scope, GroupBy::Assistant).await?),
        users: top(usage::summary(db, &scope, GroupBy::User).await?),
        environments: usage::environments(db, ctx.project.id).await?,
        unpriced: usage::unpriced(db, &scope).await?,
        charts_script: ctx.org.app.charts_script.as_deref().map(str::to_string),
        endpoint: ctx.org.app.config.public_url.join("/api/v1/events").map(|u| u.to_string()).unwrap_or_default(),
        totals,
        window,
    })
}
