//! A project's API keys: create, list, revoke, rotate, and look one up by
//! its secret for the public API. Scoped by the project context the guard gave.
use crate::domain::api_key::{ApiKeyRow, KeyScope, KeyStatus, NewKey};
use crate::domain::audit::AuditAction;
use crate::domain::plan::Limit;
use crate::domain::policy::ProjectAction;
use crate::error::{AppError, AppResult};
use crate::server::billing;
use crate::server::entities::{api_key, project};
use crate::server::guard::ProjectCtx;
use crate::server::repo::audit::{self, Change};
use crate::server::repo::begin_org_write;
use crate::server::secrets::{hash_secret, key_hint, new_api_key};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde_json::json;

/// More than any real project needs; stops a script from filling the table.
pub const MAX_KEYS_PER_PROJECT: u64 = 200;

/// Who may revoke or rotate `key`: Project Admins any key, Members their own.
pub fn may_manage(ctx: &ProjectCtx, key: &api_key::Model) -> bool {
    let own = key.created_by == Some(ctx.org.user.id.0);
    ctx.require(ProjectAction::RevokeApiKey { own }).is_ok()
}

pub async fn list(db: &impl ConnectionTrait, ctx: &ProjectCtx) -> AppResult<Vec<ApiKeyRow>> {
    let keys = api_key::Entity::find()
        .filter(api_key::Column::ProjectId.eq(ctx.project.id))
        .order_by_desc(api_key::Column::CreatedAt)
        .order_by_desc(api_key::Column::Id)
        .all(db)
        .await?;
    let creators = super::user_names(db, keys.iter().filter_map(|k| k.created_by)).await?;
    let now = Utc::now();
    Ok(keys
        .into_iter()
        .map(|k| ApiKeyRow {
            can_manage: may_manage(ctx, &k),
            status: KeyStatus::of(now, k.expires_at, k.revoked_at),
            created_by: k.created_by.and_then(|id| creators.get(&id).cloned()),
            id: k.id,
            name: k.name,
            scope: k.scope,
            hint: k.hint,
            created_at: k.created_at,
            last_used_at: k.last_used_at,
            expires_at: k.expires_at,
            rotated: k.replaced_by.is_some(),
        })
        .collect())
}

/// `created_by` decides who counts as the key's owner (a Member manages only their own).
async fn insert(
    tx: &DatabaseTransaction,
    ctx: &ProjectCtx,
    created_by: Option<i64>,
    name: String,
    scope: KeyScope,
    expires_at: Option<DateTime<Utc>>,
) -> AppResult<NewKey> {
    // Keys that still work: revoked and expired ones never block a new key.
    let count = api_key::Entity::find()
        .filter(api_key::Column::ProjectId.eq(ctx.project.id))
        .filter(api_key::Column::RevokedAt.is_null())
        .filter(Condition::any().add(api_key::Column::ExpiresAt.is_null()).add(api_key::Column::ExpiresAt.gt(Utc::now())))
        .count(tx)
        .await?;
    if count >= MAX_KEYS_PER_PROJECT {
        return Err(AppError::Conflict(format!("A project holds at most {MAX_KEYS_PER_PROJECT} keys. Revoke some first.")));
    }
    let secret = new_api_key();
    let key = api_key::ActiveModel {
        project_id: Set(ctx.project.id),
        name: Set(name.clone()),
        scope: Set(scope),
        secret_hash: Set(hash_secret(&secret)),
        hint: Set(key_hint(&secret)),
        created_by: Set(created_by),
        created_at: Set(Utc::now()),
        expires_at: Set(expires_at),
        ..Default::default()
    }
    .insert(tx)
    .await?;
    Ok(NewKey { id: key.id, name, secret })
}

pub async fn create(db: &DatabaseConnection, ctx: &ProjectCtx, name: String, scope: KeyScope, expires_at: Option<DateTime<Utc>>) -> AppResult<NewKey> {
    let tx = begin_org_write(db, ctx.org.org.id).await?;
    // The project row is the lock that keeps the key limit exact under concurrent requests.
    lock_project(&tx, ctx.project.id).await?;
    // A rotation replaces a key and is not counted; a new key is.
    billing::require_room(&tx, &ctx.org.app.config.plans, ctx.org.org.id, Limit::ApiKeys, 1, &[]).await?;
    let key = insert(&tx, ctx, Some(ctx.org.user.id.0), name, scope, expires_at).await?;
    let after = json!({"project": ctx.project.name, "scope": scope.as_str(), "expires_at": expires_at});
    audit::record(&tx, Change::new(ctx.org.org.id, &ctx.org.user, AuditAction::ApiKeyCreated, key.name.clone()).after(after)).await?;
    tx.commit().await?;
    Ok(key)
}

/// A key of this project that the caller may manage; `NotFound` for keys of
/// other projects, so ids reveal nothing.
async fn manageable(tx: &DatabaseTransaction, ctx: &ProjectCtx, key_id: i64) -> AppResult<api_key::Model> {
    let key = api_key::Entity::find_by_id(key_id)
        .filter(api_key::Column::ProjectId.eq(ctx.project.id))
        .one(tx)
        .await?
        .ok_or_else(|| AppError::NotFound("API key".into()))?;
    if !may_manage(ctx, &key) {
        return Err(AppError::Forbidden);
    }
    Ok(key)
}

pub async fn revoke(db: &DatabaseConnection, ctx: &ProjectCtx, key_id: i64) -> AppResult<()> {
    let tx = begin_org_write(db, ctx.org.org.id).await?;
    lock_project(&tx, ctx.project.id).await?;
    let key = manageable(&tx, ctx, key_id).await?;
    if key.revoked_at.is_none() {
        api_key::ActiveModel { id: Set(key.id), revoked_at: Set(Some(Utc::now())), ..Default::default() }.update(&tx).await?;
        audit::record(&tx, Change::new(ctx.org.org.id, &ctx.org.user, AuditAction::ApiKeyRevoked, key.name).before(json!({"hint": key.hint}))).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Issue a replacement with the same name, scope and expiry; the old key
/// keeps working for `grace` (none: it stops at once).
pub async fn rotate(db: &DatabaseConnection, ctx: &ProjectCtx, key_id: i64, grace: Duration) -> AppResult<NewKey> {
    let tx = begin_org_write(db, ctx.org.org.id).await?;
    // Locked before the key is read: two rotations of one key at once must
    // not both see it unrotated.
    lock_project(&tx, ctx.project.id).await?;
    let old = manageable(&tx, ctx, key_id).await?;
    let now = Utc::now();
    if !KeyStatus::of(now, old.expires_at, old.revoked_at).works() || old.replaced_by.is_some() {
        return Err(AppError::Conflict("This key was already revoked, rotated or has expired: create a new one instead.".into()));
    }
    // The replacement stays its creator's: an Admin rotating a Member's key
    // must not take it out of the Member's hands.
    let new = insert(&tx, ctx, old.created_by, old.name.clone(), old.scope, old.expires_at).await?;
    let mut change = api_key::ActiveModel { id: Set(old.id), replaced_by: Set(Some(new.id)), ..Default::default() };
    if grace.is_zero() {
        change.revoked_at = Set(Some(now));
    } else {
        let end = now + grace;
        change.expires_at = Set(Some(old.expires_at.map_or(end, |e| e.min(end))));
    }
    change.update(&tx).await?;
    let after = json!({"old_hint": old.hint, "grace_minutes": grace.num_minutes()});
    audit::record(&tx, Change::new(ctx.org.org.id, &ctx.org.user, AuditAction::ApiKeyRotated, old.name).after(after)).await?;
    tx.commit().await?;
    Ok(new)
}

/// Before projects are deleted: their keys, locked in id order. Ingestion
/// holds its keys (FOR SHARE) and then needs its project's row; a deletion
/// that locked the project rows first and reached the keys through the
/// cascade would wait on it while it waits on them (a PostgreSQL deadlock,
/// answered 500). Taken first, the deletion waits for ingestion to commit,
/// and later batches find the keys gone (401).
pub async fn lock_keys_of(tx: &DatabaseTransaction, projects: sea_orm::sea_query::SelectStatement) -> AppResult<()> {
    if tx.get_database_backend() == DbBackend::Postgres {
        api_key::Entity::find()
            .select_only()
            .column(api_key::Column::Id)
            .filter(api_key::Column::ProjectId.in_subquery(projects))
            .order_by_asc(api_key::Column::Id)
            .lock(sea_orm::sea_query::LockType::Update)
            .into_tuple::<i64>()
            .all(tx)
            .await?;
    }
    Ok(())
}

async fn lock_project(tx: &DatabaseTransaction, project_id: i64) -> AppResult<()> {
    // SQLite's write transaction (BEGIN IMMEDIATE) already serializes writers.
    // Taken after the organization's lock; `FOR NO KEY UPDATE` lets ingestion
    // keep inserting events that reference the project meanwhile.
    if tx.get_database_backend() == DbBackend::Postgres {
        project::Entity::find_by_id(project_id).lock(sea_orm::sea_query::LockType::NoKeyUpdate).one(tx).await?;
    }
    Ok(())
}
