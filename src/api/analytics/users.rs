//! End users: how many were active, what one costs on average, the top ten
//! by cost and by requests, per-user averages over time, and the costliest
//! users × the models they called. Only calls that named an end user count.
use crate::domain::analytics::Filters;
use crate::domain::reports::UsersReport;
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "analytics/users")]
pub async fn load_users(org: crate::domain::project::Slug, slug: String, #[server(default)] filters: Filters) -> Result<UsersReport, AppError> {
    use super::shared;
    use crate::api::prelude::*;
    use crate::domain::analytics::TOP_ROWS;
    use crate::server::usage::query::{self as usage, GroupBy, Rank};
    use crate::server::usage::report;
    let ctx = guard::project_at(&org, &slug, ProjectAction::View).await?;
    let (window, scope) = shared::window_scope(&ctx, &filters)?;
    let db = ctx.db();

    let named = usage::active_users(db, &scope, None).await?.pop().unwrap_or_default();
    let all_requests = report::total(&usage::summary(db, &scope, report::step(&window)).await?).requests;
    // One more than shown: the calls that named no end user may be among them.
    let top_by_cost = report::top_named(usage::top(db, &scope, GroupBy::User, Rank::Cost, TOP_ROWS as u64 + 1).await?, TOP_ROWS);
    let top_by_requests = report::top_named(usage::top(db, &scope, GroupBy::User, Rank::Requests, TOP_ROWS as u64 + 1).await?, TOP_ROWS);

    let spans = usage::active_users(db, &scope, Some(report::step(&window))).await?;
    let timeline = report::per_user(&window, &spans, &named);

    // The top users by cost × the models they called: far below the pairs'
    // cap, which cannot cut it.
    let names: Vec<String> = top_by_cost.iter().filter_map(|g| g.key.clone()).collect();
    let pairs = if names.is_empty() { vec![] } else { usage::pairs(db, &scope, GroupBy::User, GroupBy::Model, Rank::Cost, Some(&names)).await?.rows };
    let pivot = report::users_by_model(&pairs, &names);

    Ok(UsersReport {
        active_users: named.users,
        requests: named.requests,
        cost: named.cost,
        unnamed_requests: all_requests.saturating_sub(named.requests).max(0),
        top_by_cost,
        top_by_requests,
        timeline,
        pivot,
        environments: usage::environments(db, ctx.project.id).await?,
        charts_script: shared::charts_script(&ctx),
        endpoint: shared::endpoint(&ctx),
        window,
    })
}
