//! The request log and one request in full. Anyone who may view the project
//! sees the log; the input and output text only those with
//! `ProjectAction::ViewRequestText` (not Project Viewers).
use crate::domain::requests::{RequestDetail, RequestFilters, RequestPage};
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "requests/page")]
pub async fn load_requests(org: crate::domain::project::Slug, slug: String, #[server(default)] filters: RequestFilters) -> Result<RequestPage, AppError> {
    use crate::api::prelude::*;
    use crate::domain::requests::PAGE_SIZE;
    use crate::server::entities::usage_daily_totals::Column;
    use crate::server::repo::requests;
    let ctx = guard::project_at(&org, &slug, ProjectAction::View).await?;
    let window = filters.window.window(chrono::Utc::now().timestamp().div_euclid(3_600)).map_err(AppError::invalid)?;
    let after = filters.check().map_err(AppError::invalid)?;
    let (db, project) = (ctx.db(), ctx.project.id);
    let requests::Found { rows, next, searched_to } = requests::page(db, project, &window, &filters, after, PAGE_SIZE).await?;
    let next = next.map(|c| c.encode());
    let (models, models_cut) = requests::names(db, project, Column::Model).await?;
    let (assistants, assistants_cut) = requests::names(db, project, Column::Assistant).await?;
    let (environments, environments_cut) = requests::names(db, project, Column::Environment).await?;
    Ok(RequestPage {
        never_reported: rows.is_empty() && after.is_none() && !requests::any(db, project).await?,
        rows,
        next,
        searched_to,
        window,
        models,
        assistants,
        environments,
        lists_cut: models_cut || assistants_cut || environments_cut,
        keys: requests::keys(db, project).await?,
        endpoint: ctx.org.app.config.public_url.join("/api/v1/events").map(|u| u.to_string()).unwrap_or_default(),
    })
}

#[server(endpoint = "requests/detail")]
pub async fn load_request(org: crate::domain::project::Slug, slug: String, id: i64) -> Result<RequestDetail, AppError> {
    use crate::api::prelude::*;
    let ctx = guard::project_at(&org, &slug, ProjectAction::View).await?;
    let with_text = ctx.require(ProjectAction::ViewRequestText).is_ok();
    repo::requests::detail(ctx.db(), ctx.org.org.id, ctx.project.id, id, with_text).await?.ok_or_else(|| AppError::NotFound("Request".into()))
}
