//! A project's dashboard: usage over the last 7, 30 or 90 days (UTC), with
//! its daily chart and the costliest models and end users. Anyone who may
//! view the project may see it (`ProjectAction::View`).
use crate::domain::analytics::ProjectDashboard;
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "analytics/dashboard")]
pub async fn load_dashboard(slug: String, days: u32) -> Result<ProjectDashboard, AppError> {
    use crate::api::prelude::*;
    use crate::domain::analytics::{RANGES, TOP_ROWS, UsageGroup, UsageTotals};
    use crate::domain::money::Nanos;
    use crate::server::charts::{self, Day};
    use crate::server::repo::usage::{GroupBy, summary, unpriced};
    if !RANGES.contains(&days) {
        return Err(AppError::invalid("Choose a range of 7, 30 or 90 days."));
    }
    let ctx = guard::project_by_slug_for(&slug, ProjectAction::View).await?;
    let (db, project) = (ctx.db(), ctx.project.id);
    let today = chrono::Utc::now().timestamp().div_euclid(86_400);
    let (first_day, end_day) = (today - i64::from(days) + 1, today + 1);
    let (from, to) = (first_day * 24, end_day * 24);

    let by_day = summary(db, project, from, to, GroupBy::Day).await?;
    let mut totals = UsageTotals::default();
    let (mut latency_sum, mut latency_count) = (0i64, 0i64);
    for r in &by_day {
        totals.requests += r.requests;
        totals.errors += r.errors;
        totals.input_tokens = totals.input_tokens.saturating_add(r.input_tokens);
        totals.output_tokens = totals.output_tokens.saturating_add(r.output_tokens);
        totals.cost = Nanos(totals.cost.0.saturating_add(r.cost.0));
        latency_sum = latency_sum.saturating_add(r.latency_sum_ms);
        latency_count += r.latency_count;
    }
    totals.avg_latency_ms = (latency_count > 0).then(|| latency_sum / latency_count);
    // Every day of the range, with zeros where nothing was reported.
    let chart_days: Vec<Day> = (first_day..end_day)
        .map(|d| {
            let label = chrono::DateTime::from_timestamp(d * 86_400, 0).map(|t| t.format("%Y-%m-%d").to_string()).unwrap_or_default();
            let row = by_day.iter().find(|r| r.key.as_deref() == Some(label.as_str()));
            Day { cost: row.map(|r| r.cost).unwrap_or_default(), requests: row.map(|r| r.requests).unwrap_or(0), label }
        })
        .collect();
    let top = |rows: Vec<crate::server::repo::usage::UsageRow>| -> Vec<UsageGroup> {
        rows.into_iter()
            .take(TOP_ROWS)
            .map(|r| UsageGroup { key: r.key, requests: r.requests, tokens: r.input_tokens.saturating_add(r.output_tokens), cost: r.cost })
            .collect()
    };
    let busiest = chart_days.iter().max_by_key(|d| d.cost);
    let chart_summary = match busiest {
        Some(d) if totals.requests > 0 => format!(
            "Cost per day over {days} days: {} in all; the costliest day was {} at {}.",
            totals.cost.usd_display(),
            d.label,
            d.cost.usd_display()
        ),
        _ => format!("No usage in the last {days} days."),
    };
    Ok(ProjectDashboard {
        days,
        daily_chart: charts::daily_usage(&chart_days),
        chart_summary,
        models: top(summary(db, project, from, to, GroupBy::Model).await?),
        users: top(summary(db, project, from, to, GroupBy::User).await?),
        unpriced: unpriced(db, project, from, to).await?,
        charts_script: ctx.org.app.charts_script.as_deref().map(str::to_string),
        totals,
    })
}
