//! A project's API keys: list, create, revoke and rotate. Who may do what is
//! `ProjectAction::CreateApiKey` and `RevokeApiKey { own }` in the policy.
use crate::domain::api_key::{ApiKeyRow, KeyScope, NewKey};
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectKeys {
    pub project_id: i64,
    pub keys: Vec<ApiKeyRow>,
    pub can_create: bool,
    pub scopes: Vec<KeyScope>,
}

/// By slug, as the page's URL names the project.
#[server(endpoint = "keys/list")]
pub async fn load_keys(org: crate::domain::project::Slug, slug: String) -> Result<ProjectKeys, AppError> {
    use crate::api::prelude::*;
    let ctx = guard::project_at(&org, &slug, ProjectAction::View).await?;
    Ok(ProjectKeys {
        project_id: ctx.project.id,
        keys: repo::api_keys::list(ctx.db(), &ctx).await?,
        can_create: ctx.require(ProjectAction::CreateApiKey).is_ok(),
        scopes: KeyScope::ALL.to_vec(),
    })
}

#[server(endpoint = "keys/create")]
pub async fn create_key(project_id: i64, name: String, scope: String, expires: String) -> Result<NewKey, AppError> {
    use crate::api::prelude::*;
    let ctx = guard::project_for(crate::domain::ProjectId(project_id), ProjectAction::CreateApiKey).await?;
    let name = crate::domain::api_key::parse_key_name(&name)?;
    let scope = KeyScope::parse(&scope)?;
    let expires_at = crate::domain::api_key::parse_expiry(&expires, chrono::Utc::now())?;
    repo::api_keys::create(ctx.db(), &ctx, name, scope, expires_at).await
}

#[server(endpoint = "keys/revoke")]
pub async fn revoke_key(project_id: i64, key_id: i64) -> Result<(), AppError> {
    use crate::api::prelude::*;
    // Members may revoke their own keys; the repo checks whose key it is.
    let ctx = guard::project_for(crate::domain::ProjectId(project_id), ProjectAction::RevokeApiKey { own: true }).await?;
    repo::api_keys::revoke(ctx.db(), &ctx, key_id).await
}

#[server(endpoint = "keys/rotate")]
pub async fn rotate_key(project_id: i64, key_id: i64, grace: String) -> Result<NewKey, AppError> {
    use crate::api::prelude::*;
    let ctx = guard::project_for(crate::domain::ProjectId(project_id), ProjectAction::RevokeApiKey { own: true }).await?;
    let grace = crate::domain::api_key::parse_grace(&grace)?;
    repo::api_keys::rotate(ctx.db(), &ctx, key_id, grace).await
}
