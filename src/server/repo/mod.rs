//! Queries per aggregate. Every function takes a guard context (or an id it
//! scopes by), so no query can reach across organizations or projects.
pub mod api_keys;
pub mod audit;
pub mod invitations;
pub mod orgs;
pub mod prices;
pub mod projects;
pub mod recompute;
pub mod requests;
pub mod team;

use crate::error::{AppError, AppResult};
use crate::server::entities::organization;
use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, EntityTrait, QuerySelect, SqlErr, sea_query::LockType};

/// Begin a write transaction on one organization's data: its organization
/// row is locked before anything else. Every writer takes that lock first
/// and in one mode, so two writers of one organization queue instead of
/// each holding a row the other needs (a PostgreSQL deadlock, answered 500).
pub async fn begin_org_write(db: &DatabaseConnection, org_id: i64) -> AppResult<DatabaseTransaction> {
    let tx = crate::server::db::begin_write(db).await?;
    lock_org(&tx, org_id).await?;
    Ok(tx)
}

/// The organization row, locked until the transaction ends. SQLite's BEGIN
/// IMMEDIATE already serialises writers; PostgreSQL needs the row lock.
/// `FOR NO KEY UPDATE`, never `FOR UPDATE`: a transaction that inserted a
/// row referencing the organization holds `FOR KEY SHARE` on it, and two of
/// those asking for `FOR UPDATE` would deadlock. Call it first in a
/// transaction (through `begin_org_write`), or after reads only.
pub async fn lock_org(tx: &DatabaseTransaction, org_id: i64) -> AppResult<organization::Model> {
    let q = organization::Entity::find_by_id(org_id);
    let q = if tx.get_database_backend() == DbBackend::Postgres { q.lock(LockType::NoKeyUpdate) } else { q };
    q.one(tx).await?.ok_or_else(|| AppError::NotFound("Organization".into()))
}

/// Turn a unique-constraint violation into a user-facing conflict.
pub fn conflict_on_unique(err: DbErr, message: &str) -> AppError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict(message.to_string()),
        _ => AppError::from(err),
    }
}

/// The names of the users with these ids (who invited, who created a key).
pub async fn user_names(db: &impl sea_orm::ConnectionTrait, ids: impl IntoIterator<Item = i64>) -> Result<std::collections::HashMap<i64, String>, AppError> {
    use crate::server::entities::user;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let ids: Vec<i64> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(Default::default());
    }
    Ok(user::Entity::find().filter(user::Column::Id.is_in(ids)).all(db).await?.into_iter().map(|u| (u.id, u.name)).collect())
}

/// `LIKE` pattern for a case-insensitive substring search: `%` and `_`
/// typed by the user match themselves. The escape character is named in the
/// query, because SQLite's `LIKE` has no default one.
pub fn like_pattern(search: &str) -> sea_orm::sea_query::LikeExpr {
    let escaped = search.trim().to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    sea_orm::sea_query::LikeExpr::new(format!("%{escaped}%")).escape('\\')
}
