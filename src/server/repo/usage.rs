//! Usage events: store a checked batch for one project (idempotent by the
//! client's event id) and sum them up. Every query is scoped by the project
//! the API key belongs to.
use crate::domain::money::Nanos;
use crate::domain::usage::{NewEvent, Rejected};
use crate::domain::api_key::KeyStatus;
use crate::error::{AppError, AppResult};
use crate::server::db::begin_write;
use crate::server::entities::{api_key, usage_event};
use crate::server::guard::KeyCtx;
use crate::server::repo::prices::Catalog;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect, Set, TryInsertResult};
use serde::Serialize;
use std::collections::HashSet;

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
pub async fn store(db: &DatabaseConnection, key: &KeyCtx, events: Vec<(usize, NewEvent)>, rejected: &mut Vec<Rejected>) -> AppResult<Stored> {
    let catalog = Catalog::load(db, key.org_id).await?;
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
                rows.push((ev.id.clone(), active(key, ev, cost, source, now)));
            }
            Err(error) => rejected.push(Rejected { index, id: Some(ev.id), error }),
        }
    }
    // One order for every batch: two batches sharing ids then never wait
    // on each other's rows in opposite orders (a PostgreSQL deadlock).
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let rows: Vec<_> = rows.into_iter().map(|(_, row)| row).collect();
    let valid = rows.len() as u64;
    let tx = begin_write(db).await?;
    // The key may have been revoked while the body was uploading: look again
    // inside the transaction that writes.
    let still = api_key::Entity::find_by_id(key.key_id).one(&tx).await?;
    if !still.is_some_and(|k| KeyStatus::of(Utc::now(), k.expires_at, k.revoked_at).works()) {
        return Err(AppError::Unauthenticated);
    }
    let mut inserted = 0u64;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(CHUNK).collect();
        let res = usage_event::Entity::insert_many(chunk)
            .on_conflict_do_nothing_on([usage_event::Column::ProjectId, usage_event::Column::EventId])
            .exec_without_returning(&tx)
            .await?;
        if let TryInsertResult::Inserted(n) = res {
            inserted += n;
        }
    }
    tx.commit().await?;
    Ok(Stored { accepted: inserted, duplicates: repeated + (valid - inserted) })
}

fn active(key: &KeyCtx, ev: NewEvent, cost: Nanos, source: crate::domain::usage::CostSource, now: DateTime<Utc>) -> usage_event::ActiveModel {
    usage_event::ActiveModel {
        project_id: Set(key.project_id),
        event_id: Set(ev.id),
        hour: Set(ev.occurred_at.timestamp().div_euclid(3600)),
        occurred_at: Set(ev.occurred_at),
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
    Day,
    Model,
    Assistant,
    User,
}

impl GroupBy {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "day" => Some(Self::Day),
            "model" => Some(Self::Model),
            "assistant" => Some(Self::Assistant),
            "user" => Some(Self::User),
            _ => None,
        }
    }
}

/// One group's sums. `key` is the day (YYYY-MM-DD), model, assistant or
/// end user; `None` for events that did not name one.
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
    requests: i64,
    errors: Option<i64>,
    input_tokens: Option<i64>,
    output_tokens: Option<i64>,
    cost_dollars: Option<i64>,
    cost_rest: Option<i64>,
    latency_sum: Option<i64>,
    latency_count: i64,
}

/// Most groups one answer holds, the costliest first (days never reach it);
/// `summary` returns one more when there are more, so callers can say so.
pub const MAX_GROUPS: u64 = 1_000;

/// Sums of one project's events in `[from_hour, to_hour)` (Unix hours),
/// grouped. Days are UTC.
pub async fn summary(db: &DatabaseConnection, project_id: i64, from_hour: i64, to_hour: i64, group: GroupBy) -> AppResult<Vec<UsageRow>> {
    use usage_event::Column as C;
    // PostgreSQL sums BIGINT as NUMERIC: cast back so both engines return integers.
    let sum = |col: &str| Expr::cust(format!("CAST(SUM({col}) AS BIGINT)"));
    let key = match group {
        GroupBy::Day => Expr::cust("CAST(hour / 24 AS TEXT)"),
        GroupBy::Model => Expr::cust("model"),
        GroupBy::Assistant => Expr::cust("assistant"),
        GroupBy::User => Expr::cust("end_user"),
    };
    let rows = usage_event::Entity::find()
        .select_only()
        .column_as(key.clone(), "key")
        .column_as(Expr::cust("COUNT(*)"), "requests")
        .column_as(Expr::cust("CAST(SUM(CASE WHEN status = 'error' THEN 1 ELSE 0 END) AS BIGINT)"), "errors")
        .column_as(sum("input_tokens"), "input_tokens")
        .column_as(sum("output_tokens"), "output_tokens")
        // Whole dollars and the rest apart: neither sum can overflow a BIGINT.
        .column_as(sum("cost_nanos / 1000000000"), "cost_dollars")
        .column_as(sum("cost_nanos % 1000000000"), "cost_rest")
        .column_as(sum("latency_ms"), "latency_sum")
        .column_as(Expr::cust("COUNT(latency_ms)"), "latency_count")
        .filter(C::ProjectId.eq(project_id))
        .filter(C::Hour.gte(from_hour))
        .filter(C::Hour.lt(to_hour))
        .group_by(key)
        .order_by(Expr::col(Alias::new("cost_dollars")), sea_orm::Order::Desc)
        .order_by(Expr::col(Alias::new("cost_rest")), sea_orm::Order::Desc)
        .limit(MAX_GROUPS + 1)
        .into_model::<Sums>()
        .all(db)
        .await?;
    let mut rows: Vec<UsageRow> = rows
        .into_iter()
        .map(|r| UsageRow {
            key: match group {
                GroupBy::Day => r.key.and_then(|d| d.parse::<i64>().ok()).map(day_name),
                _ => r.key,
            },
            requests: r.requests,
            errors: r.errors.unwrap_or(0),
            input_tokens: r.input_tokens.unwrap_or(0),
            output_tokens: r.output_tokens.unwrap_or(0),
            cost: Nanos(cost_of_parts(r.cost_dollars.unwrap_or(0), r.cost_rest.unwrap_or(0))),
            latency_sum_ms: r.latency_sum.unwrap_or(0),
            latency_count: r.latency_count,
        })
        .collect();
    if group == GroupBy::Day {
        rows.sort_by(|a, b| a.key.cmp(&b.key));
    }
    Ok(rows)
}

/// Dollars and nano-dollars summed apart, as one amount; past what an i64
/// holds (9.2 billion dollars) it stays at that ceiling.
fn cost_of_parts(dollars: i64, rest: i64) -> i64 {
    let total = dollars as i128 * crate::domain::money::NANOS_PER_USD as i128 + rest as i128;
    i64::try_from(total).unwrap_or(i64::MAX)
}

/// Days since the Unix epoch as YYYY-MM-DD.
fn day_name(days: i64) -> String {
    DateTime::<Utc>::from_timestamp(days * 86_400, 0).map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default()
}

/// How many of a project's events in `[from_hour, to_hour)` have no price yet.
pub async fn unpriced(db: &DatabaseConnection, project_id: i64, from_hour: i64, to_hour: i64) -> AppResult<i64> {
    use sea_orm::PaginatorTrait;
    let n = usage_event::Entity::find()
        .filter(usage_event::Column::ProjectId.eq(project_id))
        .filter(usage_event::Column::Hour.gte(from_hour))
        .filter(usage_event::Column::Hour.lt(to_hour))
        .filter(usage_event::Column::CostSource.eq(crate::domain::usage::CostSource::Unpriced))
        .count(db)
        .await?;
    Ok(n as i64)
}
