//! Sign-in throttling, counted in the database so it holds across instances
//! and restarts, with OWASP's device cookies so that it cannot be turned
//! into a lock-out.
//!
//! Each attempt counts against two buckets, reserved *before* the password
//! is checked (so 50 parallel guesses get at most the limit of checks):
//! - the client address: 20 attempts per 15 minutes, whatever the account;
//! - for a browser holding a device cookie of this account (it signed in
//!   here before), that device: 5 per 15 minutes; for every other browser,
//!   the account's "unknown devices" bucket: 5 per 15 minutes, shared.
//!
//! So a stranger who knows an email can use up the unknown-devices bucket,
//! but the account's owner, on a browser that signed in before, keeps their
//! own. A successful sign-in clears its bucket, gives the address its slot
//! back and, on an unknown browser, makes it a trusted device.
//!
//! Reservations are serialised per bucket: SQLite's write transaction
//! (BEGIN IMMEDIATE) serialises them all, PostgreSQL takes a transaction
//! advisory lock per bucket, account before address in every request.
use crate::error::AppResult;
use crate::server::db::begin_write;
use crate::server::entities::{sign_in_attempt, trusted_device, user};
use crate::server::secrets::{hash_secret, new_token};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, Statement,
};

/// The device cookie's name.
pub const DEVICE_COOKIE: &str = "plinth_device";
/// How long a device stays trusted without signing in.
pub const DEVICE_DAYS: i64 = 180;
/// The window attempts are counted over.
pub const WINDOW_MINUTES: i64 = 15;

/// The buckets one attempt counts against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Buckets {
    /// `device:<hash>` for a trusted device, else `account:<email>`.
    pub account: String,
    pub address: String,
    /// The trusted device's row, when the browser is one.
    pub device: Option<i64>,
}

/// The limits of each bucket.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub per_account: usize,
    pub per_address: usize,
}

/// An attempt that was let through.
#[derive(Debug)]
pub struct Attempt {
    buckets: Buckets,
    account_row: i64,
    address_row: i64,
}

/// The buckets of an attempt on `email` from `address`, with the browser's
/// device cookie if it sent one.
pub async fn buckets(db: &DatabaseConnection, email: &str, address: &str, device_token: Option<&str>) -> AppResult<Buckets> {
    let device = match device_token.filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit())) {
        None => None,
        Some(token) => {
            let hash = hash_secret(token);
            let found = trusted_device::Entity::find().filter(trusted_device::Column::TokenHash.eq(&hash)).one(db).await?;
            let owner = match &found {
                Some(d) => user::Entity::find_by_id(d.user_id).one(db).await?,
                None => None,
            };
            // A device counts for the account it signed in to, and only while it is fresh.
            match (found, owner) {
                (Some(d), Some(u)) if u.email == email && Utc::now() - d.last_used_at < Duration::days(DEVICE_DAYS) => Some((d.id, hash)),
                _ => None,
            }
        }
    };
    Ok(Buckets {
        account: match &device {
            Some((_, hash)) => format!("device:{hash}"),
            None => format!("account:{email}"),
        },
        address: format!("address:{address}"),
        device: device.map(|(id, _)| id),
    })
}

/// Reserve an attempt, or say how long until there is room.
pub async fn reserve(db: &DatabaseConnection, limits: Limits, buckets: Buckets) -> AppResult<Result<Attempt, std::time::Duration>> {
    let now = Utc::now();
    let since = now - Duration::minutes(WINDOW_MINUTES);
    let checks = [(&buckets.account, limits.per_account), (&buckets.address, limits.per_address)];
    // Refused attempts are refused with reads only: on SQLite the write
    // transaction below takes every tenant's one write lock, and a flood of
    // refused sign-ins must not hold it.
    for (bucket, limit) in checks {
        if let Some(wait) = full(db, bucket, limit, since, now).await? {
            return Ok(Err(wait));
        }
    }
    let tx = begin_write(db).await?;
    for bucket in [&buckets.account, &buckets.address] {
        lock_bucket(&tx, bucket).await?;
    }
    // Again under the lock: concurrent attempts may have filled them since.
    for (bucket, limit) in checks {
        if let Some(wait) = full(&tx, bucket, limit, since, now).await? {
            tx.rollback().await?;
            return Ok(Err(wait));
        }
    }
    let account_row = sign_in_attempt::ActiveModel { bucket: Set(buckets.account.clone()), at: Set(now), ..Default::default() }.insert(&tx).await?.id;
    let address_row = sign_in_attempt::ActiveModel { bucket: Set(buckets.address.clone()), at: Set(now), ..Default::default() }.insert(&tx).await?.id;
    tx.commit().await?;
    Ok(Ok(Attempt { buckets, account_row, address_row }))
}

/// PostgreSQL: one bucket's reservations one at a time, across instances.
async fn lock_bucket(tx: &DatabaseTransaction, bucket: &str) -> AppResult<()> {
    if tx.get_database_backend() == DbBackend::Postgres {
        let lock = Statement::from_sql_and_values(DbBackend::Postgres, "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [bucket.into()]);
        tx.execute_raw(lock).await?;
    }
    Ok(())
}

/// When `bucket` already holds `limit` attempts since `since`: how long
/// until the oldest of them ages out.
async fn full(tx: &impl ConnectionTrait, bucket: &str, limit: usize, since: DateTime<Utc>, now: DateTime<Utc>) -> AppResult<Option<std::time::Duration>> {
    let recent = sign_in_attempt::Entity::find().filter(sign_in_attempt::Column::Bucket.eq(bucket)).filter(sign_in_attempt::Column::At.gt(since));
    if (recent.clone().count(tx).await? as usize) < limit {
        return Ok(None);
    }
    let oldest = recent.order_by_asc(sign_in_attempt::Column::At).one(tx).await?.map_or(now, |a| a.at);
    let wait = (oldest + Duration::minutes(WINDOW_MINUTES) - now).to_std().unwrap_or_default();
    Ok(Some(wait.max(std::time::Duration::from_secs(1))))
}

/// The password matched: clear the attempt's bucket, give the address its
/// slot back, and trust the browser from now on. Returns the device
/// cookie's new token when the browser was not a trusted device yet.
pub async fn succeeded(db: &DatabaseConnection, attempt: Attempt, user_id: i64) -> AppResult<Option<String>> {
    let now = Utc::now();
    sign_in_attempt::Entity::delete_many().filter(sign_in_attempt::Column::Bucket.eq(&attempt.buckets.account)).exec(db).await?;
    sign_in_attempt::Entity::delete_by_id(attempt.address_row).exec(db).await?;
    if let Some(device) = attempt.buckets.device {
        trusted_device::ActiveModel { id: Set(device), last_used_at: Set(now), ..Default::default() }.update(db).await?;
        return Ok(None);
    }
    trust_device(db, user_id).await.map(Some)
}

/// Devices an account keeps; one more forgets the least recently used.
pub const MAX_DEVICES: usize = 20;

/// Make the browser a trusted device of `user_id` (after sign-in or
/// sign-up); the token for its device cookie.
pub async fn trust_device(db: &DatabaseConnection, user_id: i64) -> AppResult<String> {
    let now = Utc::now();
    let token = new_token();
    trusted_device::ActiveModel {
        user_id: Set(user_id),
        token_hash: Set(hash_secret(&token)),
        created_at: Set(now),
        last_used_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    // Bounded per account: a script that signs in without keeping cookies
    // would otherwise add a row each time. The least recently used go.
    let newest_first: Vec<i64> = trusted_device::Entity::find()
        .select_only()
        .column(trusted_device::Column::Id)
        .filter(trusted_device::Column::UserId.eq(user_id))
        .order_by_desc(trusted_device::Column::LastUsedAt)
        .order_by_desc(trusted_device::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let stale: Vec<i64> = newest_first.into_iter().skip(MAX_DEVICES).collect();
    if !stale.is_empty() {
        trusted_device::Entity::delete_many().filter(trusted_device::Column::Id.is_in(stale)).exec(db).await?;
    }
    Ok(token)
}

/// The password could not be checked (the server was too busy): the
/// attempt does not count.
pub async fn abandon(db: &DatabaseConnection, attempt: Attempt) -> AppResult<()> {
    sign_in_attempt::Entity::delete_many().filter(sign_in_attempt::Column::Id.is_in([attempt.account_row, attempt.address_row])).exec(db).await?;
    Ok(())
}

/// Forget attempts past the window and devices unused for too long.
pub async fn prune(db: &DatabaseConnection) -> AppResult<()> {
    let now = Utc::now();
    sign_in_attempt::Entity::delete_many().filter(sign_in_attempt::Column::At.lt(now - Duration::minutes(WINDOW_MINUTES))).exec(db).await?;
    trusted_device::Entity::delete_many().filter(trusted_device::Column::LastUsedAt.lt(now - Duration::days(DEVICE_DAYS))).exec(db).await?;
    Ok(())
}

/// The device cookie, as the browser keeps it.
pub fn device_cookie(token: &str, secure: bool) -> String {
    let max_age = DEVICE_DAYS * 24 * 3600;
    format!("{DEVICE_COOKIE}={token}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{}", if secure { "; Secure" } else { "" })
}

/// The device cookie's token among a request's `Cookie` headers.
pub fn device_token(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == DEVICE_COOKIE)
        .map(|(_, value)| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_device_cookie_is_read_among_others_and_kept_safe() {
        let mut h = axum::http::HeaderMap::new();
        h.append(axum::http::header::COOKIE, "plinth_session=abc; plinth_device=0123".parse().unwrap());
        assert_eq!(device_token(&h).as_deref(), Some("0123"));
        h.clear();
        h.append(axum::http::header::COOKIE, "other=1".parse().unwrap());
        h.append(axum::http::header::COOKIE, "plinth_device=ff".parse().unwrap());
        assert_eq!(device_token(&h).as_deref(), Some("ff"));
        let c = device_cookie("t", true);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.ends_with("; Secure"));
        assert!(!device_cookie("t", false).contains("Secure"));
    }
}
