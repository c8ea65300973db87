//! The dashboard: KPIs, cost, requests and errors over time, and the share
//! of each model, assistant and end user.
use crate::domain::analytics::{Filters, ProjectDashboard};
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "analytics/dashboard")]
pub async fn load_dashboard(org: crate::domain::project::Slug, slug: String, #[server(default)] filters: Filters) -> Result<ProjectDashboard, AppError> {
    use super::shared;
    use crate::api::prelude::*;
    use crate::domain::analytics::{NO_MODEL, NOT_NAMED, TOP_ROWS};
    use crate::server::usage::query::{self, GroupBy};
    use crate::server::usage::report;
    let ctx = guard::project_at(&org, &slug, ProjectAction::View).await?;
    let (window, scope) = shared::window_scope(&ctx, &filters)?;
    let db = ctx.db();
    let by_time = query::summary(db, &scope, report::step(&window)).await?;
    let (totals, usage_chart, errors_chart) = report::dashboard_over_time(&window, &by_time, &query::latencies(db, &scope).await?);
    let (models, assistants) = (query::summary(db, &scope, GroupBy::Model).await?, query::summary(db, &scope, GroupBy::Assistant).await?);
    Ok(ProjectDashboard {
        usage_chart,
        errors_chart,
        models_share: report::contribution(&window, "model", NO_MODEL, &models, &totals),
        assistants_share: report::contribution(&window, "assistant", NOT_NAMED, &assistants, &totals),
        models: report::top(models, TOP_ROWS),
        assistants: report::top(assistants, TOP_ROWS),
        users: report::top(query::summary(db, &scope, GroupBy::User).await?, TOP_ROWS),
        environments: query::environments(db, ctx.project.id).await?,
        unpriced: query::unpriced(db, &scope).await?,
        charts_script: shared::charts_script(&ctx),
        endpoint: shared::endpoint(&ctx),
        totals,
        window,
    })
}
