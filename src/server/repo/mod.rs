//! Queries per aggregate. Every function takes a guard context (or an id it
//! scopes by), so no query can reach across organizations or projects.
pub mod api_keys;
pub mod audit;
pub mod breakdowns;
pub mod invitations;
pub mod orgs;
pub mod prices;
pub mod projects;
pub mod requests;
pub mod rollups;
pub mod team;
pub mod usage;

use crate::error::AppError;
use sea_orm::{DbErr, SqlErr};

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
