//! The events an organization stored in each billing period: the figure a
//! plan's monthly event limit is held to. A period is named by its month in
//! the billing time zone (`2026-12`), so changing the zone mid-month keeps
//! the count (a zone far ahead can start the next month's a day early, and
//! that month's count then holds what came in). Under a capped plan,
//! ingestion locks the month's row in its transaction (`hold`), decides
//! which batches fit, and adds what it stored (`add`) before it commits, so
//! concurrent batches, from any number of instances, never pass the cap.
use crate::error::{AppError, AppResult};
use crate::server::billing::period;
use crate::server::entities::{organization, usage_meter};
use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ConnectionTrait, DatabaseTransaction, EntityTrait, IdenStatic, QueryTrait, Set};

/// The month of the organization's period that holds now: `2026-12`.
pub fn month_now(org: &organization::Model) -> String {
    let tz = period::zone_of(org);
    period::containing(Utc::now(), tz).month(tz)
}

/// Events stored so far in the organization's current period.
pub async fn used_now(db: &impl ConnectionTrait, org_id: i64) -> AppResult<u64> {
    let org = organization::Entity::find_by_id(org_id).one(db).await?.ok_or_else(|| AppError::NotFound("Organization".into()))?;
    used(db, org_id, &month_now(&org)).await
}

/// Seconds until the organization's next period starts (at least 1).
pub async fn seconds_to_next_period(db: &impl ConnectionTrait, org_id: i64) -> AppResult<u64> {
    let org = organization::Entity::find_by_id(org_id).one(db).await?.ok_or_else(|| AppError::NotFound("Organization".into()))?;
    let tz = period::zone_of(&org);
    let now = Utc::now();
    Ok(Ord::max(u64::try_from((period::containing(now, tz).end - now).num_seconds()).unwrap_or(0), 1))
}

pub async fn used(db: &impl ConnectionTrait, org_id: i64, month: &str) -> AppResult<u64> {
    let row = usage_meter::Entity::find_by_id((org_id, month.to_string())).one(db).await?;
    Ok(row.map_or(0, |r| u64::try_from(r.events).unwrap_or(0)))
}

/// The month's count, with its row locked until the transaction ends (an
/// upsert that changes nothing still locks the row on PostgreSQL; SQLite
/// has one writer).
pub async fn hold(tx: &DatabaseTransaction, org_id: i64, month: &str) -> AppResult<u64> {
    use usage_meter::Column as C;
    let mut insert = usage_meter::Entity::insert(usage_meter::ActiveModel { org_id: Set(org_id), month: Set(month.to_string()), events: Set(0) })
        .on_conflict(OnConflict::columns([C::OrgId, C::Month]).value(C::Events, Expr::col((usage_meter::Entity, C::Events))).to_owned())
        .into_query();
    insert.returning_col(C::Events);
    let row = tx.query_one(&insert).await?.ok_or(AppError::Internal)?;
    Ok(u64::try_from(row.try_get::<i64>("", C::Events.as_str()).map_err(AppError::internal)?).unwrap_or(0))
}

/// Count `n` more events in the month (creating its row if new).
pub async fn add(tx: &DatabaseTransaction, org_id: i64, month: &str, n: u64) -> AppResult<()> {
    if n == 0 {
        return Ok(());
    }
    use usage_meter::Column as C;
    let n = i64::try_from(n).unwrap_or(i64::MAX);
    let insert = usage_meter::Entity::insert(usage_meter::ActiveModel { org_id: Set(org_id), month: Set(month.to_string()), events: Set(n) })
        .on_conflict(OnConflict::columns([C::OrgId, C::Month]).value(C::Events, Expr::col((usage_meter::Entity, C::Events)).add(n)).to_owned());
    insert.exec_without_returning(tx).await?;
    Ok(())
}
