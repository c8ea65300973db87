//! A job's row in `jobs`: taking its lease, recording how a run ended, and
//! listing them. Each step is one conditional statement, the same on SQLite
//! and PostgreSQL, so two instances that try at once cannot both win.
use crate::error::AppResult;
use crate::server::entities::job;
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

/// How long a lease lasts without renewal. The holder renews it every
/// `RENEW` while it runs, so only a holder that stopped (crashed, or cut
/// off from the database) loses it. Instances compare lease times by their
/// own clocks: keep them in sync (NTP) to well within this.
pub const LEASE: Duration = Duration::minutes(10);
pub const RENEW: std::time::Duration = std::time::Duration::from_secs(200);

/// Extend `instance`'s lease on `name`; `false` if it no longer holds it.
pub async fn renew(db: &impl ConnectionTrait, name: &str, instance: &str, now: DateTime<Utc>) -> AppResult<bool> {
    let renewed = job::Entity::update_many()
        .col_expr(job::Column::LeaseUntil, Expr::value(now + LEASE))
        .filter(job::Column::Name.eq(name))
        .filter(job::Column::Holder.eq(instance))
        .exec(db)
        .await?;
    Ok(renewed.rows_affected == 1)
}

/// Take `name`'s lease for `instance` if it is free (never held, released,
/// or expired with its holder) and, unless `force`, the job is due.
pub async fn acquire(db: &impl ConnectionTrait, name: &str, instance: &str, now: DateTime<Utc>, force: bool) -> AppResult<bool> {
    let row = job::ActiveModel {
        name: Set(name.to_string()),
        holder: Set(None),
        lease_until: Set(None),
        next_run_at: Set(now),
        last_started_at: Set(None),
        last_finished_at: Set(None),
        last_outcome: Set(None),
        last_message: Set(String::new()),
        runs: Set(0),
    };
    job::Entity::insert(row).on_conflict(OnConflict::column(job::Column::Name).do_nothing().to_owned()).exec_without_returning(db).await?;
    let free = Condition::any().add(job::Column::LeaseUntil.is_null()).add(job::Column::LeaseUntil.lt(now));
    let mut when = Condition::all().add(job::Column::Name.eq(name)).add(free);
    if !force {
        when = when.add(job::Column::NextRunAt.lte(now));
    }
    let taken = job::Entity::update_many()
        .col_expr(job::Column::Holder, Expr::value(instance))
        .col_expr(job::Column::LeaseUntil, Expr::value(now + LEASE))
        .col_expr(job::Column::LastStartedAt, Expr::value(now))
        .filter(when)
        .exec(db)
        .await?;
    Ok(taken.rows_affected == 1)
}

/// Record how the run ended and when the job is due next, if `instance`
/// still holds the lease (a run past its lease records nothing).
pub async fn finish(db: &impl ConnectionTrait, name: &str, instance: &str, ok: bool, message: &str, next: DateTime<Utc>) -> AppResult<()> {
    let message: String = message.chars().take(500).collect();
    job::Entity::update_many()
        .col_expr(job::Column::Holder, Expr::value(Option::<String>::None))
        .col_expr(job::Column::LeaseUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(job::Column::LastFinishedAt, Expr::value(Utc::now()))
        .col_expr(job::Column::LastOutcome, Expr::value(if ok { "ok" } else { "failed" }))
        .col_expr(job::Column::LastMessage, Expr::value(message))
        .col_expr(job::Column::Runs, Expr::col(job::Column::Runs).add(1))
        .col_expr(job::Column::NextRunAt, Expr::value(next))
        .filter(job::Column::Name.eq(name))
        .filter(job::Column::Holder.eq(instance))
        .exec(db)
        .await?;
    Ok(())
}

/// Every job that has run or been tried, by name.
pub async fn list(db: &impl ConnectionTrait) -> AppResult<Vec<job::Model>> {
    Ok(job::Entity::find().order_by_asc(job::Column::Name).all(db).await?)
}
