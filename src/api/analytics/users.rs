//! End users: how many were active, what one costs on average, the top ten
//! by cost and by requests, per-user averages over time, and the costliest
//! users × the models they called. Only calls that named an end user count.
use crate::domain::analytics::Filters;
use crate::domain::reports::UsersReport;
use crate::error::AppError;
use leptos::prelude::*;

/// Model columns in the users × models table; the rest merge into "(others)".
pub const PIVOT_MODELS: usize = 6;

#[server(endpoint = "analytics/users")]
pub async fn load_users(org: crate::domain::project::Slug, slug: String, #[server(default)] filters: Filters) -> Result<UsersReport, AppError> {
    use super::{grid, shared};
    use crate::api::prelude::*;
    use crate::domain::analytics::{ChartData, TOP_ROWS, TextTable, UsageGroup};
    use crate::domain::money::{Nanos, count};
    use crate::domain::reports::{Pivot, PivotRow, ratio};
    use crate::server::charts;
    use crate::server::usage::query::{self as usage, GroupBy, Rank, UsageRow};
    use crate::server::usage::report;
    let ctx = guard::project_at(&org, &slug, ProjectAction::View).await?;
    let (window, scope) = shared::window_scope(&ctx, &filters)?;
    let db = ctx.db();

    let named = usage::active_users(db, &scope, None).await?.pop().unwrap_or_default();
    let all_requests = report::total(&usage::summary(db, &scope, shared::step(&window)).await?).requests;
    let top = |rows: Vec<UsageRow>| -> Vec<UsageGroup> {
        rows.into_iter()
            .filter(|r| r.key.is_some())
            .take(TOP_ROWS)
            .map(|r| UsageGroup { key: r.key, requests: r.requests, tokens: r.input_tokens.saturating_add(r.output_tokens), cost: r.cost })
            .collect()
    };
    // One more than shown: the calls that named no end user may be among them.
    let top_by_cost = top(usage::top(db, &scope, GroupBy::User, Rank::Cost, TOP_ROWS as u64 + 1).await?);
    let top_by_requests = top(usage::top(db, &scope, GroupBy::User, Rank::Requests, TOP_ROWS as u64 + 1).await?);

    // Averages per active user, each step of the window.
    let spans = usage::active_users(db, &scope, Some(shared::step(&window))).await?;
    let mut labels = Vec::new();
    let (mut cost_per_user, mut requests_per_user) = (Vec::new(), Vec::new());
    let mut table = TextTable { columns: ["When (UTC)", "Active users", "Cost per user", "Requests per user"].map(String::from).to_vec(), rows: vec![] };
    for (label, key) in shared::steps(&window) {
        let span = spans.iter().find(|s| s.key.as_deref() == Some(key.as_str())).cloned().unwrap_or_default();
        let cost = Nanos(if span.users > 0 { span.cost.0 / span.users } else { 0 });
        if span.users > 0 {
            table.rows.push(vec![label.clone(), count(span.users), cost.usd_display(), ratio(span.requests, span.users)]);
        }
        cost_per_user.push(cost);
        requests_per_user.push(if span.users > 0 { span.requests as f64 / span.users as f64 } else { 0.0 });
        labels.push(label);
    }
    let summary = if named.users > 0 {
        format!(
            "Average cost and requests per active end user, per {} over {}: {} users in all, {} and {} requests each on average.",
            shared::unit(&window),
            window.label,
            count(named.users),
            Nanos(named.cost.0 / named.users).usd_display(),
            ratio(named.requests, named.users)
        )
    } else {
        format!("No calls named an end user in {}.", window.label)
    };

    // The top users by cost × the models they called.
    let firsts: Vec<Option<String>> = top_by_cost.iter().map(|g| g.key.clone()).collect();
    let names: Vec<String> = firsts.iter().flatten().cloned().collect();
    // The top users only: far below the pairs' cap, which cannot cut it.
    let pairs = if names.is_empty() { vec![] } else { usage::pairs(db, &scope, GroupBy::User, GroupBy::Model, Rank::Cost, Some(&names)).await?.rows };
    let (models, cells) = grid::layout(&pairs, &firsts, PIVOT_MODELS, |p| p.cost.0, "(no model)");
    let pivot = Pivot { models, rows: names.into_iter().zip(cells).map(|(user, cells)| PivotRow { user, cells }).collect() };

    Ok(UsersReport {
        active_users: named.users,
        requests: named.requests,
        cost: named.cost,
        unnamed_requests: all_requests.saturating_sub(named.requests).max(0),
        top_by_cost,
        top_by_requests,
        timeline: ChartData { option: charts::per_user(&labels, &cost_per_user, &requests_per_user), summary, table },
        pivot,
        environments: usage::environments(db, ctx.project.id).await?,
        charts_script: shared::charts_script(&ctx),
        endpoint: shared::endpoint(&ctx),
        window,
    })
}
