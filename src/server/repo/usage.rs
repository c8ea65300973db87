//! Usage events: store a checked batch for one project (idempotent by the
//! client's event id) and sum them up. Every query is scoped by the project
//! the API key belongs to.
use crate::domain::api_key::KeyStatus;
use crate::domain::latency::LatencyCounts;
use crate::domain::money::Nanos;
use crate::domain::usage::{NewEvent, Rejected};
use crate::error::{AppError, AppResult};
use crate::server::db::begin_write;
use crate::server::entities::{
    api_key, usage_daily_totals, usage_daily_user_totals, usage_event, usage_hourly, usage_hourly_totals, usage_latency_daily, usage_latency_hourly,
};
use crate::server::guard::KeyCtx;
use crate::server::repo::prices::Catalog;
use crate::server::repo::rollups::{self, RollupKey, Rollups};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Set};
use serde::Serialize;
use std::collections::HashSet;

/// The turn of batches writing to SQLite in this process (see `store`).
fn sqlite_writer() -> &'static tokio::sync::Semaphore {
    static TURN: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    TURN.get_or_init(|| tokio::sync::Semaphore::new(1))
}

/// What an event adds to its rollup.
struct Counted {
    key: RollupKey,
    input_tokens: i64,
    output_tokens: i64,
    cost: i64,
    latency_ms: Option<i64>,
}

/// Rows per INSERT: 24 columns each stays far below either engine's limit on bound values.
const CHUNK: usize = 200;

#[derive(Debug, Default, Serialize)]
pub struct Stored {
    pub accepted: u64,
    pub duplicates: u64,
}

/// Store `events` (with their index in the request). An id already stored
/// for this project, or seen earlier in the same batch, counts as a
/// duplicate and changes nothing. Events whose cost cannot be computed are
/// returned as rejected.
pub async fn store(db: &DatabaseConnection, key_ctx: &KeyCtx, events: Vec<(usize, NewEvent)>, rejected: &mut Vec<Rejected>) -> AppResult<Stored> {
    let catalog = Catalog::load(db, key_ctx.org_id).await?;
    let now = Utc::now();
    let mut seen = HashSet::new();
    let mut repeated = 0u64;
    let mut rows = Vec::with_capacity(events.len());
    for (index, ev) in events {
        if seen.contains(&ev.id) {
            repeated += 1;
            continue;
        }
        match catalog.cost_of(&ev) {
            Ok((cost, source)) => {
                seen.insert(ev.id.clone());
                let key = RollupKey::new(
                    ev.occurred_at.timestamp().div_euclid(3600),
                    &ev.model,
                    ev.assistant.as_deref(),
                    ev.end_user.as_deref(),
                    ev.environment.as_deref(),
                    ev.status,
                );
                let counted = Counted { key, input_tokens: ev.input_tokens, output_tokens: ev.output_tokens, cost: cost.0, latency_ms: ev.latency_ms };
                rows.push((ev.id.clone(), counted, active(key_ctx, ev, cost, source, now)));
            }
            Err(error) => rejected.push(Rejected { index, id: Some(ev.id), error }),
        }
    }
    // One order for every batch: two batches sharing ids then never wait
    // on each other's rows in opposite orders (a PostgreSQL deadlock).
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let valid = rows.len() as u64;
    // SQLite has one writer. Its busy timeout is not a queue: under many
    // concurrent batches some waited past it and failed. Batches of this
    // process take turns here instead, first come first served.
    let _turn = match db.get_database_backend() {
        sea_orm::DbBackend::Sqlite => Some(
            tokio::time::timeout(std::time::Duration::from_secs(30), sqlite_writer().acquire())
                .await
                .map_err(|_| AppError::Busy)?
                .map_err(|_| AppError::Internal)?,
        ),
        _ => None,
    };
    let tx = begin_write(db).await?;
    // The key may have been revoked while the body was uploading: look again
    // inside the transaction that writes.
    let still = api_key::Entity::find_by_id(key_ctx.key_id).one(&tx).await?;
    if !still.is_some_and(|k| KeyStatus::of(Utc::now(), k.expires_at, k.revoked_at).works()) {
        return Err(AppError::Unauthenticated);
    }
    let mut inserted = HashSet::new();
    let mut counts = Vec::with_capacity(rows.len());
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut chunk = Vec::with_capacity(CHUNK);
        for (id, counted, row) in rows.by_ref().take(CHUNK) {
            counts.push((id, counted));
            chunk.push(row);
        }
        // RETURNING names exactly the rows this statement inserted: ids that
        // another batch stored first are skipped, and not counted twice.
        let mut insert = usage_event::Entity::insert_many(chunk).into_query();
        insert
            .on_conflict(OnConflict::columns([usage_event::Column::ProjectId, usage_event::Column::EventId]).do_nothing().to_owned())
            .returning_col(usage_event::Column::EventId);
        for row in tx.query_all(&insert).await? {
            inserted.insert(row.try_get::<String>("", "event_id")?);
        }
    }
    let mut rollups = Rollups::new();
    for (id, c) in counts {
        if inserted.contains(&id) {
            rollups.entry(c.key).or_default().add(c.input_tokens, c.output_tokens, c.cost, c.latency_ms);
        }
    }
    rollups::add(&tx, key_ctx.project_id, rollups).await?;
    tx.commit().await?;
    let inserted = inserted.len() as u64;
    Ok(Stored { accepted: inserted, duplicates: repeated + (valid - inserted) })
}

fn active(key: &KeyCtx, ev: NewEvent, cost: Nanos, source: crate::domain::usage::CostSource, now: DateTime<Utc>) -> usage_event::ActiveModel {
    usage_event::ActiveModel {
        project_id: Set(key.project_id),
        event_id: Set(ev.id),
        hour: Set(ev.occurred_at.timestamp().div_euclid(3600)),
        // Microseconds, as the log's cursor carries them: SQLite keeps what it
        // is given, and a nanosecond past the cursor's time hid rows.
        occurred_at: Set(chrono::SubsecRound::trunc_subsecs(ev.occurred_at, 6)),
        received_at: Set(now),
        model: Set(ev.model),
        provider: Set(ev.provider),
        assistant: Set(ev.assistant),
        end_user: Set(ev.end_user),
        environment: Set(ev.environment),
        session_id: Set(ev.session_id),
        input_tokens: Set(ev.input_tokens),
        output_tokens: Set(ev.output_tokens),
        cost_nanos: Set(cost.0),
        cost_source: Set(source),
        latency_ms: Set(ev.latency_ms),
        status: Set(ev.status),
        error: Set(ev.error),
        input: Set(ev.input),
        output: Set(ev.output),
        truncated: Set(ev.truncated),
        metadata: Set(ev.metadata),
        api_key_id: Set(Some(key.key_id)),
        ..Default::default()
    }
}

/// What usage sums are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Hour,
    Day,
    Model,
    Assistant,
    User,
}

impl GroupBy {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "hour" => Some(Self::Hour),
            "day" => Some(Self::Day),
            "model" => Some(Self::Model),
            "assistant" => Some(Self::Assistant),
            "user" => Some(Self::User),
            _ => None,
        }
    }
}

/// Which of a project's usage to sum: hours `[from_hour, to_hour)` (Unix
/// hours), and one environment or all of them.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub project_id: i64,
    pub from_hour: i64,
    pub to_hour: i64,
    pub environment: Option<String>,
}

impl Scope {
    /// The scope is whole UTC days, so the daily rollups can answer it.
    pub fn whole_days(&self) -> bool {
        self.from_hour.rem_euclid(24) == 0 && self.to_hour.rem_euclid(24) == 0
    }
}

/// One group's sums. `key` is the hour (RFC 3339), day (YYYY-MM-DD), model,
/// assistant or end user; `None` for events that did not name one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageRow {
    pub key: Option<String>,
    pub requests: i64,
    pub errors: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cost: Nanos,
    pub latency_sum_ms: i64,
    pub latency_count: i64,
}

#[derive(FromQueryResult)]
struct Sums {
    key: Option<String>,
    requests: Option<i64>,
    errors: Option<i64>,
    input_tokens: Option<i64>,
    output_tokens: Option<i64>,
    cost_dollars: Option<i64>,
    cost_rest: Option<i64>,
    latency_sum: Option<i64>,
    latency_count: Option<i64>,
}

/// Most groups one answer holds, the costliest first (days never reach it);
/// `summary` returns one more when there are more, so callers can say so.
pub const MAX_GROUPS: u64 = 1_000;

/// PostgreSQL sums BIGINT as NUMERIC: cast back so both engines return integers.
pub(crate) fn sum(expr: &str) -> Expr {
    Expr::cust(format!("CAST(SUM({expr}) AS BIGINT)"))
}

/// The order "costliest first" over grouped rollup rows. Costs are summed
/// as whole dollars and the rest apart (so neither sum overflows), and the
/// rests can add up to more than a dollar: the order is the whole dollars
/// with the rests' carried in, then what remains.
pub(crate) fn costliest_first() -> [Expr; 2] {
    [
        Expr::cust("CAST(SUM(cost_nanos / 1000000000) AS BIGINT) + CAST(SUM(cost_nanos % 1000000000) AS BIGINT) / 1000000000"),
        Expr::cust("CAST(SUM(cost_nanos % 1000000000) AS BIGINT) % 1000000000"),
    ]
}

/// Either rollup table's rows in the scope (both have these columns).
pub(crate) fn scoped<E: EntityTrait>(q: sea_orm::Select<E>, scope: &Scope) -> sea_orm::Select<E> {
    use sea_orm::sea_query::ExprTrait;
    let col = |c: &str| Expr::col(Alias::new(c));
    let q = q.filter(col("project_id").eq(scope.project_id)).filter(col("hour").gte(scope.from_hour)).filter(col("hour").lt(scope.to_hour));
    match &scope.environment {
        Some(env) => q.filter(col("environment").eq(env.as_str())),
        None => q,
    }
}

/// Sums of a project's usage, grouped, read from the rollups (see `top` for
/// which). Days are UTC.
pub async fn summary(db: &DatabaseConnection, scope: &Scope, group: GroupBy) -> AppResult<Vec<UsageRow>> {
    top(db, scope, group, Rank::Cost, MAX_GROUPS + 1).await
}

/// What "top" means for a list of groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rank {
    Cost,
    Requests,
    Tokens,
}

impl Rank {
    /// What sorts first for this rank, before cost (`None` for cost itself).
    pub(crate) fn measure(self) -> Option<Expr> {
        match self {
            Rank::Cost => None,
            Rank::Requests => Some(Expr::cust("SUM(requests)")),
            Rank::Tokens => Some(Expr::cust("SUM(input_tokens) + SUM(output_tokens)")),
        }
    }
}

impl GroupBy {
    /// The column (or expression) a rollup groups by.
    pub(crate) fn key(self) -> Expr {
        match self {
            GroupBy::Hour => Expr::cust("CAST(hour AS TEXT)"),
            GroupBy::Day => Expr::cust("CAST(hour / 24 AS TEXT)"),
            GroupBy::Model => Expr::cust("model"),
            GroupBy::Assistant => Expr::cust("assistant"),
            GroupBy::User => Expr::cust("end_user"),
        }
    }

    /// A group's stored key as shown: days and hours as dates, '' as `None`.
    pub(crate) fn name(self, key: Option<String>) -> Option<String> {
        match self {
            GroupBy::Day => key.and_then(|d| d.parse::<i64>().ok()).map(day_name),
            GroupBy::Hour => key.and_then(|h| h.parse::<i64>().ok()).map(hour_name),
            _ => key.filter(|k| !k.is_empty()),
        }
    }
}

/// The first `limit` groups by `rank`, largest first (days and hours in
/// time order instead). Over whole days from the daily rollups (by end user
/// from `usage_daily_user_totals`), else from the hourly ones.
pub async fn top(db: &DatabaseConnection, scope: &Scope, group: GroupBy, rank: Rank, limit: u64) -> AppResult<Vec<UsageRow>> {
    match group {
        GroupBy::User if scope.whole_days() => summary_of(db, usage_daily_user_totals::Entity::find(), scope, group, rank, limit, ERRORS_COLUMN).await,
        GroupBy::User => summary_of(db, usage_hourly::Entity::find(), scope, group, rank, limit, &errors_by_status()).await,
        GroupBy::Day | GroupBy::Model | GroupBy::Assistant if scope.whole_days() => {
            summary_of(db, usage_daily_totals::Entity::find(), scope, group, rank, limit, &errors_by_status()).await
        }
        _ => summary_of(db, usage_hourly_totals::Entity::find(), scope, group, rank, limit, &errors_by_status()).await,
    }
}

/// Failed calls in a rollup whose key holds the status (the status's
/// database value comes from `EventStatus`; it is not an API caller's text).
fn errors_by_status() -> String {
    use sea_orm::ActiveEnum;
    format!("CASE WHEN status = '{}' THEN requests ELSE 0 END", crate::domain::usage::EventStatus::Error.to_value())
}
/// Failed calls in `usage_daily_user_totals`, which keeps them as a column.
const ERRORS_COLUMN: &str = "errors";

async fn summary_of<E: EntityTrait>(
    db: &DatabaseConnection,
    from: sea_orm::Select<E>,
    scope: &Scope,
    group: GroupBy,
    rank: Rank,
    limit: u64,
    errors: &str,
) -> AppResult<Vec<UsageRow>> {
    let key = group.key();
    let mut q = scoped(from, scope)
        .select_only()
        .column_as(key.clone(), "key")
        .column_as(sum("requests"), "requests")
        .column_as(sum(errors), "errors")
        .column_as(sum("input_tokens"), "input_tokens")
        .column_as(sum("output_tokens"), "output_tokens")
        // Whole dollars and the rest apart: neither sum can overflow a BIGINT.
        .column_as(sum("cost_nanos / 1000000000"), "cost_dollars")
        .column_as(sum("cost_nanos % 1000000000"), "cost_rest")
        .column_as(sum("latency_sum"), "latency_sum")
        .column_as(sum("latency_count"), "latency_count")
        .group_by(key);
    if let Some(first) = rank.measure() {
        q = q.order_by(first, sea_orm::Order::Desc);
    }
    let [dollars, rest] = costliest_first();
    let rows = q
        .order_by(dollars, sea_orm::Order::Desc)
        .order_by(rest, sea_orm::Order::Desc)
        // Ties in a stable order, so a list reads the same on every load.
        .order_by(Expr::col(Alias::new("key")), sea_orm::Order::Asc)
        .limit(limit)
        .into_model::<Sums>()
        .all(db)
        .await?;
    let mut rows: Vec<UsageRow> = rows
        .into_iter()
        .map(|r| UsageRow {
            key: group.name(r.key),
            requests: r.requests.unwrap_or(0),
            errors: r.errors.unwrap_or(0),
            input_tokens: r.input_tokens.unwrap_or(0),
            output_tokens: r.output_tokens.unwrap_or(0),
            cost: Nanos(cost_of_parts(r.cost_dollars.unwrap_or(0), r.cost_rest.unwrap_or(0))),
            latency_sum_ms: r.latency_sum.unwrap_or(0),
            latency_count: r.latency_count.unwrap_or(0),
        })
        .collect();
    if matches!(group, GroupBy::Day | GroupBy::Hour) {
        rows.sort_by(|a, b| a.key.cmp(&b.key));
    }
    Ok(rows)
}

/// Calls per latency bucket over the scope (for p50, p95 and p99), from
/// the daily latency rows over whole days, else the hourly ones.
pub async fn latencies(db: &DatabaseConnection, scope: &Scope) -> AppResult<LatencyCounts> {
    async fn read<E: EntityTrait>(db: &DatabaseConnection, scope: &Scope, bucket: E::Column) -> AppResult<Vec<(i32, i64)>> {
        Ok(scoped(E::find(), scope).select_only().column(bucket).column_as(sum("calls"), "calls").group_by(bucket).into_tuple().all(db).await?)
    }
    let rows = if scope.whole_days() {
        read::<usage_latency_daily::Entity>(db, scope, usage_latency_daily::Column::Bucket).await?
    } else {
        read::<usage_latency_hourly::Entity>(db, scope, usage_latency_hourly::Column::Bucket).await?
    };
    let mut out = LatencyCounts::default();
    for (bucket, calls) in rows {
        out.add_to(bucket, calls);
    }
    Ok(out)
}

/// Dollars and nano-dollars summed apart, as one amount; past what an i64
/// holds (9.2 billion dollars) it stays at that ceiling.
pub(crate) fn cost_of_parts(dollars: i64, rest: i64) -> i64 {
    let total = dollars as i128 * crate::domain::money::NANOS_PER_USD as i128 + rest as i128;
    i64::try_from(total).unwrap_or(i64::MAX)
}

/// A Unix hour as RFC 3339 (UTC).
pub(crate) fn hour_name(hour: i64) -> String {
    DateTime::<Utc>::from_timestamp(hour.saturating_mul(3_600), 0).map(|d| d.format("%Y-%m-%dT%H:00:00Z").to_string()).unwrap_or_default()
}

/// Days since the Unix epoch as YYYY-MM-DD.
pub(crate) fn day_name(days: i64) -> String {
    DateTime::<Utc>::from_timestamp(days * 86_400, 0).map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default()
}

/// How many of a project's events in the scope have no price yet. Reads
/// events (the rollups do not keep where a cost came from); an index on
/// (project, hour) bounds it.
pub async fn unpriced(db: &DatabaseConnection, scope: &Scope) -> AppResult<i64> {
    use sea_orm::PaginatorTrait;
    use usage_event::Column as C;
    let mut q = usage_event::Entity::find()
        .filter(C::ProjectId.eq(scope.project_id))
        .filter(C::Hour.gte(scope.from_hour))
        .filter(C::Hour.lt(scope.to_hour))
        .filter(C::CostSource.eq(crate::domain::usage::CostSource::Unpriced));
    if let Some(env) = &scope.environment {
        q = q.filter(C::Environment.eq(env.as_str()));
    }
    Ok(q.count(db).await? as i64)
}

/// The environments a project has reported, for filters.
pub async fn environments(db: &DatabaseConnection, project_id: i64) -> AppResult<Vec<String>> {
    // The filter bar lists what there is room for; a project with more than
    // a hundred environments is not one Plinth has met.
    Ok(crate::server::repo::requests::names(db, project_id, usage_daily_totals::Column::Environment).await?.0)
}

/// Remove events older than their project's retention (whole hours before
/// now minus the days kept). Rollups stay, so dashboards keep their history.
/// Returns how many events went.
pub async fn purge_expired(db: &DatabaseConnection, now: DateTime<Utc>) -> AppResult<u64> {
    use crate::server::entities::project;
    let projects: Vec<(i64, Option<i32>)> = project::Entity::find()
        .select_only()
        .columns([project::Column::Id, project::Column::RetentionDays])
        .filter(project::Column::RetentionDays.is_not_null())
        .into_tuple()
        .all(db)
        .await?;
    let mut removed = 0;
    for (project_id, days) in projects {
        let Some(days) = days.filter(|d| *d > 0) else { continue };
        let cutoff_hour = now.timestamp().div_euclid(3_600) - i64::from(days) * 24;
        let res = usage_event::Entity::delete_many()
            .filter(usage_event::Column::ProjectId.eq(project_id))
            .filter(usage_event::Column::Hour.lt(cutoff_hour))
            .exec(db)
            .await?;
        removed += res.rows_affected;
    }
    Ok(removed)
}
