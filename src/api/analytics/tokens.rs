//! Tokens: the totals, input tokens per request and output tokens per
//! response, tokens over time, and tokens by assistant split by model.
use crate::domain::analytics::Filters;
use crate::domain::reports::TokensReport;
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "analytics/tokens")]
pub async fn load_tokens(org: crate::domain::project::Slug, slug: String, #[server(default)] filters: Filters) -> Result<TokensReport, AppError> {
    use super::shared;
    use crate::api::prelude::*;
    use crate::server::usage::query::{self, GroupBy, Rank};
    use crate::server::usage::report;
    let ctx = guard::project_at(&org, &slug, ProjectAction::View).await?;
    let (window, scope) = shared::window_scope(&ctx, &filters)?;
    let db = ctx.db();
    let (sum, over_time) = report::tokens_over_time(&window, &query::summary(db, &scope, report::step(&window)).await?);
    let pairs = query::pairs(db, &scope, GroupBy::Assistant, GroupBy::Model, Rank::Tokens, None).await?;
    Ok(TokensReport {
        requests: sum.requests,
        responses: sum.responses(),
        input_tokens: sum.input_tokens,
        output_tokens: sum.output_tokens,
        over_time,
        by_assistant: report::tokens_by_assistant(&window, &pairs),
        environments: query::environments(db, ctx.project.id).await?,
        charts_script: shared::charts_script(&ctx),
        endpoint: shared::endpoint(&ctx),
        window,
    })
}
