//! Batch storage: a checked batch goes in for one project (idempotent by the
//! client's event id), with every rollup of `rollup::ALL` brought up to date
//! in the same transaction, so a batch shows as soon as it is acknowledged.
//! Batches of a project that arrive together share one transaction (`queue`).
use crate::domain::api_key::KeyStatus;
use crate::domain::money::Nanos;
use crate::domain::usage::{CostSource, EventStatus};
use crate::error::{AppError, AppResult};
use crate::server::AppState;
use crate::server::billing;
use crate::server::db::begin_write;
use crate::server::entities::{api_key, organization, project, usage_event};
use crate::server::guard::KeyCtx;
use crate::server::repo::prices::Catalog;
use crate::server::usage::intake::{NewEvent, Rejected};
use crate::server::usage::rollup::{self, Col, Rollup, RollupKey, Rollups};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, IdenStatic, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, Set,
};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashSet};

mod queue;
pub use queue::{GROUP_EVENTS, WAIT, WAITING_EVENTS, Writer};

/// Event rows per INSERT at most on SQLite: 24 bound values each stays far
/// below its limit.
const CHUNK: usize = 128;
/// On PostgreSQL: the rows are one JSON parameter, and the statement's text
/// is the same whatever their count.
const PG_CHUNK: usize = 500;
/// Rollup rows per statement at most (SQLite): 14 values each.
const ROLLUP_CHUNK: usize = 64;

/// The row counts to write `n` rows in on SQLite: `max` (a power of two) at
/// a time, then the rest as powers of two. A statement's text depends on
/// its row count, and each connection keeps up to 100 prepared statements:
/// with any count allowed, batches of every size filled that cache with
/// statements of up to 500 rows, each prepared anew, and `plinth serve`
/// grew past 200 MB. With these sizes a table has at most eight statement
/// texts, prepared once per connection.
fn pieces(mut n: usize, max: usize) -> impl Iterator<Item = usize> {
    debug_assert!(max.is_power_of_two());
    std::iter::from_fn(move || {
        let take = if n >= max { max } else { 1 << n.checked_ilog2()? };
        n -= take;
        Some(take)
    })
}

#[derive(Debug, Default, Serialize)]
pub struct Stored {
    pub accepted: u64,
    pub duplicates: u64,
}

/// What one stored event adds to the rollups: status, input and output
/// tokens, cost in nano-dollars, latency (when reported).
type Counted = (EventStatus, i64, i64, i64, Option<i64>);

/// One checked event, ready to insert.
pub(super) struct Row {
    id: String,
    key: RollupKey,
    counted: Counted,
    model: usage_event::ActiveModel,
}

/// One request's events for its key's project (`write_group` orders them).
pub(super) struct Batch {
    key: KeyCtx,
    rows: Vec<Row>,
    quota: Quota,
}

/// The organization's billing period when the batch arrived, and the plan's
/// cap on the events it may hold (`None`: no cap).
pub(super) struct Quota {
    /// The period's month (`billing::meter`).
    month: String,
    cap: Option<u64>,
    plan: crate::domain::plan::Plan,
    org: organization::Model,
}

impl Quota {
    fn refusal(&self, used: u64, adding: u64) -> AppError {
        billing::over_events(&self.plan, &self.org, used, adding)
    }
}

/// How many of `ids` the project already holds.
async fn stored_ids<'a>(db: &impl ConnectionTrait, project_id: i64, ids: impl Iterator<Item = &'a str>) -> AppResult<u64> {
    let ids: Vec<&str> = ids.collect();
    let mut found = 0;
    for chunk in ids.chunks(CHUNK * 4) {
        found += usage_event::Entity::find()
            .filter(usage_event::Column::ProjectId.eq(project_id))
            .filter(usage_event::Column::EventId.is_in(chunk.iter().copied()))
            .count(db)
            .await?;
    }
    Ok(found)
}

/// Store `events` (with their index in the request). An id already stored
/// for this project, or seen earlier in the same batch, counts as a
/// duplicate and changes nothing. Events whose cost cannot be computed are
/// returned as rejected.
pub async fn store(state: &AppState, key_ctx: &KeyCtx, events: Vec<(usize, NewEvent)>, rejected: &mut Vec<Rejected>) -> AppResult<Stored> {
    let db = &state.db;
    let org = organization::Entity::find_by_id(key_ctx.org_id).one(db).await?.ok_or(AppError::Unauthenticated)?;
    let plan = state.config.plans.get(org.plan).clone();
    let quota = Quota { month: billing::meter::month_now(&org), cap: plan.event_cap(), plan, org };
    if let Some(cap) = quota.cap {
        // Refused without waiting for a write turn when the period is full,
        // unless every event is already stored (a retry, answered as duplicates).
        let used = billing::meter::used(db, key_ctx.org_id, &quota.month).await?;
        if used >= cap && !events.is_empty() {
            let stored = stored_ids(db, key_ctx.project_id, events.iter().map(|(_, e)| e.id.as_str())).await?;
            let new = (events.iter().map(|(_, e)| e.id.as_str()).collect::<HashSet<_>>().len() as u64).saturating_sub(stored);
            if new > 0 {
                return Err(quota.refusal(used, new));
            }
        }
    }
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
                let key = RollupKey::of_event(
                    ev.occurred_at.timestamp().div_euclid(3600),
                    Some(key_ctx.key_id),
                    &ev.model,
                    ev.assistant.as_deref(),
                    ev.end_user.as_deref(),
                    ev.environment.as_deref(),
                    ev.status,
                );
                let counted = (ev.status, ev.input_tokens, ev.output_tokens, cost.0, ev.latency_ms);
                rows.push(Row { id: ev.id.clone(), key, counted, model: active(key_ctx, ev, cost, source, now) });
            }
            Err(error) => rejected.push(Rejected { index, id: Some(ev.id), error }),
        }
    }
    let valid = rows.len() as u64;
    let inserted = state.writer.write(db, Batch { key: key_ctx.clone(), rows, quota }).await?;
    Ok(Stored { accepted: inserted, duplicates: repeated + (valid - inserted) })
}

/// Write a group of one project's batches in one transaction: each batch's
/// events, then the rollups of all of them. Answers each batch with how
/// many of its events went in, or why none did (its key stopped working).
/// An id in two batches of the group goes in with the first.
pub(super) async fn write_group(db: &DatabaseConnection, writer: &Writer, batches: Vec<Batch>) -> AppResult<Vec<AppResult<u64>>> {
    let Some(project_id) = batches.first().map(|b| b.key.project_id) else { return Ok(Vec::new()) };
    // SQLite has one writer. Its busy timeout is not a queue: under many
    // concurrent batches some waited past it and failed. Groups of this
    // process take turns here instead, first come first served.
    let _turn = match db.get_database_backend() {
        sea_orm::DbBackend::Sqlite => {
            Some(tokio::time::timeout(WAIT, writer.sqlite.acquire()).await.map_err(|_| AppError::Busy)?.map_err(|_| AppError::Internal)?)
        }
        _ => None,
    };
    let started = std::time::Instant::now();
    let tx = begin_write(db).await?;
    // A key may have been revoked while a body was uploading or waiting:
    // look again inside the transaction that writes. On PostgreSQL the rows
    // are read FOR SHARE (in id order), so a revocation waits for this
    // commit instead of passing unseen; SQLite's one writer already waits.
    let key_ids: BTreeSet<i64> = batches.iter().map(|b| b.key.key_id).collect();
    let mut keys = api_key::Entity::find().filter(api_key::Column::Id.is_in(key_ids)).order_by_asc(api_key::Column::Id);
    if tx.get_database_backend() == sea_orm::DbBackend::Postgres {
        keys = keys.lock_shared();
    }
    let now = Utc::now();
    let works: HashSet<i64> = keys
        .all(&tx)
        .await?
        .into_iter()
        .filter(|k| k.project_id == project_id && KeyStatus::of(now, k.expires_at, k.revoked_at).works())
        .map(|k| k.id)
        .collect();
    let mut answers: Vec<AppResult<u64>> = batches.iter().map(|b| if works.contains(&b.key.key_id) { Ok(0) } else { Err(AppError::Unauthenticated) }).collect();
    let quota = &batches[0].quota;
    // With no key left working (revoked, or its organization deleted), the
    // meter is not touched: its organization may be gone.
    if let (Some(cap), true) = (quota.cap, answers.iter().any(Result::is_ok)) {
        // The period's meter, locked after the keys (every writer of both
        // takes them in that order, deleting an organization too): capped
        // batches of every project and instance count each other. They take
        // the room left in arrival order; one whose new events would pass
        // the cap is refused whole.
        let mut used = billing::meter::hold(&tx, quota.org.id, &quota.month).await?;
        for (answer, batch) in answers.iter_mut().zip(&batches) {
            if answer.is_err() {
                continue;
            }
            let mut n = batch.rows.len() as u64;
            if used.saturating_add(n) > cap {
                // Near the cap, a retried batch must still be answered as duplicates.
                n -= stored_ids(&tx, project_id, batch.rows.iter().map(|r| r.id.as_str())).await?;
            }
            if used.saturating_add(n) > cap {
                *answer = Err(quota.refusal(used, n));
            } else {
                used += n;
            }
        }
    }
    let (org_id, month) = (quota.org.id, quota.month.clone());
    let group = batches.len();
    let mut rows: Vec<(usize, Row)> =
        batches.into_iter().enumerate().filter(|(i, _)| answers[*i].is_ok()).flat_map(|(i, b)| b.rows.into_iter().map(move |r| (i, r))).collect();
    // One order for every group: two groups sharing ids then never wait on
    // each other's rows in opposite orders (a PostgreSQL deadlock).
    rows.sort_by(|a, b| a.1.id.cmp(&b.1.id).then(a.0.cmp(&b.0)));
    rows.dedup_by(|later, first| later.1.id == first.1.id);
    let rows_in = rows.len();
    let mut inserted = HashSet::new();
    let mut counts = Vec::with_capacity(rows.len());
    let sizes: Vec<usize> = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => (0..rows_in).step_by(PG_CHUNK).map(|i| (rows_in - i).min(PG_CHUNK)).collect(),
        _ => pieces(rows_in, CHUNK).collect(),
    };
    let mut rows = rows.into_iter();
    for size in sizes {
        let mut chunk = Vec::with_capacity(size);
        for (batch, row) in rows.by_ref().take(size) {
            counts.push((batch, row.id, row.key, row.counted));
            chunk.push(row.model);
        }
        // RETURNING names exactly the rows this statement inserted: ids that
        // another group stored first are skipped, and not counted twice.
        if tx.get_database_backend() == sea_orm::DbBackend::Postgres {
            for id in insert_events_pg(&tx, &chunk).await? {
                inserted.insert(id);
            }
            continue;
        }
        let mut insert = usage_event::Entity::insert_many(chunk).into_query();
        insert
            .on_conflict(OnConflict::columns([usage_event::Column::ProjectId, usage_event::Column::EventId]).do_nothing().to_owned())
            .returning_col(usage_event::Column::EventId);
        for row in tx.query_all(&insert).await? {
            inserted.insert(row.try_get::<String>("", usage_event::Column::EventId.as_str())?);
        }
    }
    let events_done = started.elapsed();
    let mut sums = Rollups::new();
    for (batch, id, key, counted) in counts {
        if inserted.contains(&id) {
            let (status, input, output, cost, latency) = counted;
            sums.entry(key).or_default().add(status, input, output, cost, latency);
            if let Some(Ok(n)) = answers.get_mut(batch) {
                *n += 1;
            }
        }
    }
    let rollup_times = add(&tx, project_id, &sums).await?;
    // Uncapped plans only count: the row is touched last, so groups of an
    // organization's projects wait on each other only for their commits.
    billing::meter::add(&tx, org_id, &month, inserted.len() as u64).await?;
    let rollups_done = started.elapsed();
    tx.commit().await?;
    // Where a group's time goes (RUST_LOG=plinth::server::usage::store=debug):
    // how ingestion was profiled against the raw baseline.
    tracing::debug!(
        batches = group,
        events = rows_in,
        events_us = events_done.as_micros() as u64,
        rollups_us = (rollups_done - events_done).as_micros() as u64,
        commit_us = (started.elapsed() - rollups_done).as_micros() as u64,
        per_rollup_us = ?rollup_times,
        "batch stored"
    );
    Ok(answers)
}

/// PostgreSQL: a chunk of events as one JSON parameter read with
/// `json_to_recordset` (one statement text, planned once per connection),
/// as the rollups are written; returns the ids it inserted.
async fn insert_events_pg(tx: &DatabaseTransaction, chunk: &[usage_event::ActiveModel]) -> AppResult<Vec<String>> {
    use sea_orm::{ActiveModelTrait, EntityName, Iterable, Value};
    use usage_event::Column as C;
    let cols: Vec<C> = C::iter().filter(|c| !matches!(c, C::Id)).collect();
    let mut types: Vec<&str> = Vec::with_capacity(cols.len());
    let mut rows = Vec::with_capacity(chunk.len());
    for (i, event) in chunk.iter().enumerate() {
        let mut row = serde_json::Map::new();
        for c in &cols {
            let value = event.get(*c).into_value().ok_or(AppError::Internal)?;
            let (ty, json) = match value {
                Value::BigInt(v) => ("bigint", v.into()),
                Value::Int(v) => ("integer", v.into()),
                Value::Bool(v) => ("boolean", v.into()),
                Value::String(v) => ("text", v.into()),
                Value::ChronoDateTimeUtc(v) => ("timestamptz", v.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)).into()),
                other => {
                    tracing::error!("an event column of an unexpected type: {other:?}");
                    return Err(AppError::Internal);
                }
            };
            if i == 0 {
                types.push(ty);
            }
            row.insert(c.as_str().to_string(), json);
        }
        rows.push(serde_json::Value::Object(row));
    }
    let names: Vec<String> = cols.iter().map(|c| format!("\"{}\"", c.as_str())).collect();
    let list = names.join(", ");
    let defs = names.iter().zip(&types).map(|(n, t)| format!("{n} {t}")).collect::<Vec<_>>().join(", ");
    let (table, project, event_id) = (usage_event::Entity.table_name(), C::ProjectId.as_str(), C::EventId.as_str());
    let sql = format!(
        "INSERT INTO \"{table}\" ({list}) SELECT {list} FROM json_to_recordset($1::json) AS u({defs}) \
         ON CONFLICT (\"{project}\", \"{event_id}\") DO NOTHING RETURNING \"{event_id}\""
    );
    let stmt = sea_orm::Statement::from_sql_and_values(sea_orm::DbBackend::Postgres, sql, [serde_json::Value::Array(rows).to_string().into()]);
    let mut ids = Vec::with_capacity(chunk.len());
    for row in tx.query_all_raw(stmt).await? {
        ids.push(row.try_get::<String>("", event_id)?);
    }
    Ok(ids)
}

fn active(key: &KeyCtx, ev: NewEvent, cost: Nanos, source: CostSource, now: DateTime<Utc>) -> usage_event::ActiveModel {
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

/// `current + added`, or the i64 ceiling where that would pass it.
fn saturating_add(current: Expr, added: Expr) -> Expr {
    Expr::case(current.clone().gt(Expr::val(i64::MAX).sub(added.clone())), i64::MAX).finally(current.add(added)).into()
}

/// Add event-level `sums` to a project's rows in every rollup, creating the
/// rows that do not exist. Keys go in one order (the map's, the rollups in
/// `ALL`'s order), so concurrent writers never wait on each other in
/// opposite orders.
pub async fn add(tx: &DatabaseTransaction, project_id: i64, sums: &Rollups) -> AppResult<Vec<(usize, u64)>> {
    let mut times = Vec::with_capacity(rollup::ALL.len());
    for r in rollup::ALL {
        let t = std::time::Instant::now();
        let rows = r.rows(sums);
        let n = rows.len();
        add_to(tx, r, project_id, rows).await?;
        // Rows written and microseconds, per rollup in `ALL`'s order.
        times.push((n, t.elapsed().as_micros() as u64));
    }
    Ok(times)
}

async fn add_to(tx: &DatabaseTransaction, r: &Rollup, project_id: i64, rows: Rollups) -> AppResult<()> {
    if tx.get_database_backend() == sea_orm::DbBackend::Postgres {
        return add_to_pg(tx, r, project_id, rows).await;
    }
    let col = |c: Col| r.col(c).ok_or(AppError::Internal);
    let key: Vec<_> = r.key.iter().map(|c| col(*c)).collect::<AppResult<_>>()?;
    let measures: Vec<_> = r.measures.iter().map(|c| col(*c)).collect::<AppResult<_>>()?;
    let sizes = pieces(rows.len(), ROLLUP_CHUNK);
    let mut rows = rows.into_iter();
    for size in sizes {
        let mut insert = Query::insert();
        insert.into_table(r.table()).columns(key.iter().chain(&measures).cloned());
        for (k, m) in rows.by_ref().take(size) {
            let values = r.key.iter().map(|c| k.value(*c, project_id).into()).chain(r.measures.iter().map(|c| m.value(*c).into()));
            insert.values(values).map_err(|e| {
                tracing::error!("rollup insert: {e}");
                AppError::Internal
            })?;
        }
        let mut update = OnConflict::columns(key.iter().cloned());
        for c in &measures {
            // `excluded` is the row this statement tried to insert.
            update.value(c.clone(), saturating_add(Expr::col((r.table(), c.clone())), Expr::col((Alias::new("excluded"), c.clone()))));
        }
        insert.on_conflict(update);
        tx.execute(&insert).await?;
    }
    Ok(())
}

/// PostgreSQL: the batch's rows of one rollup as one JSON parameter, read
/// with `json_to_recordset`. The statement's text is the same for every
/// batch, so it is parsed and planned once per connection; a multi-row
/// VALUES list of bound values was planned anew for each batch, and cost
/// about 100 µs a row (the profile in the README).
async fn add_to_pg(tx: &DatabaseTransaction, r: &Rollup, project_id: i64, rows: Rollups) -> AppResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let name = |c: Col| r.col(c).map(|i| format!("\"{i}\"")).ok_or(AppError::Internal);
    let cols: Vec<(Col, String)> = r.key.iter().chain(r.measures).map(|c| Ok((*c, name(*c)?))).collect::<AppResult<_>>()?;
    let list = cols.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>().join(", ");
    let defs = cols.iter().map(|(c, n)| format!("{n} {}", c.pg_type())).collect::<Vec<_>>().join(", ");
    let key = cols[..r.key.len()].iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>().join(", ");
    let table = format!("\"{}\"", r.table());
    let sums = cols[r.key.len()..]
        .iter()
        .map(|(_, n)| format!("{n} = CASE WHEN {table}.{n} > {max} - excluded.{n} THEN {max} ELSE {table}.{n} + excluded.{n} END", max = i64::MAX))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!("INSERT INTO {table} ({list}) SELECT {list} FROM json_to_recordset($1::json) AS u({defs}) ON CONFLICT ({key}) DO UPDATE SET {sums}");
    let json: Vec<serde_json::Value> = rows
        .iter()
        .map(|(k, m)| {
            let mut row = serde_json::Map::new();
            for (c, n) in &cols {
                let v = if r.key.contains(c) { k.json(*c, project_id) } else { m.value(*c).into() };
                row.insert(n.trim_matches('"').to_string(), v);
            }
            serde_json::Value::Object(row)
        })
        .collect();
    let stmt = sea_orm::Statement::from_sql_and_values(sea_orm::DbBackend::Postgres, sql, [serde_json::Value::Array(json).to_string().into()]);
    tx.execute_raw(stmt).await?;
    Ok(())
}

/// Move rollup costs by signed amounts (a price was corrected). Each entry
/// is (an event's key, change in nano-dollars); rows missing are left alone.
pub async fn adjust_cost(tx: &DatabaseTransaction, project_id: i64, changes: BTreeMap<RollupKey, i64>) -> AppResult<()> {
    for r in rollup::ALL.into_iter().filter(|r| r.has(Col::CostNanos)) {
        let mut moved: BTreeMap<RollupKey, i64> = BTreeMap::new();
        for (k, delta) in &changes {
            let t = moved.entry(r.project(k)).or_default();
            *t = t.saturating_add(*delta);
        }
        let cost = r.col(Col::CostNanos).ok_or(AppError::Internal)?;
        for (k, delta) in moved.into_iter().filter(|(_, d)| *d != 0) {
            let current = Expr::col((r.table(), cost.clone()));
            // Up saturates at the ceiling, down stops at zero; each test is
            // written so that it cannot overflow itself.
            let moved: Expr = if delta > 0 {
                saturating_add(current, Expr::val(delta))
            } else {
                // `current` is never negative, so `current + delta` cannot overflow.
                Expr::case(current.clone().add(delta).lt(0i64), 0i64).finally(current.add(delta)).into()
            };
            let update = |k: &RollupKey| -> AppResult<_> {
                let mut update = Query::update();
                update.table(r.table()).value(cost.clone(), moved.clone());
                for c in r.key {
                    update.and_where(Expr::col((r.table(), r.col(*c).ok_or(AppError::Internal)?)).eq(k.value(*c, project_id)));
                }
                Ok(update)
            };
            let changed = tx.execute(&update(&k)?).await?.rows_affected();
            // Rows rolled up before keys were counted (migration 000016) are
            // under key 0: a correction to their events goes there.
            if changed == 0 && k.api_key_id != 0 && r.key.contains(&Col::ApiKeyId) {
                tx.execute(&update(&RollupKey { api_key_id: 0, ..k })?).await?;
            }
        }
    }
    Ok(())
}

/// Remove events older than their project's retention (whole hours before
/// now minus the days kept). Rollups stay, so dashboards keep their history.
/// Returns how many events went.
pub async fn purge_expired(db: &DatabaseConnection, now: DateTime<Utc>) -> AppResult<u64> {
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

#[cfg(test)]
mod tests {
    use super::pieces;

    #[test]
    fn rows_go_in_a_few_statement_sizes() {
        let mut sizes = std::collections::BTreeSet::new();
        for n in 0..=2_000 {
            let p: Vec<usize> = pieces(n, 64).collect();
            assert_eq!(p.iter().sum::<usize>(), n);
            assert!(p.windows(2).all(|w| w[0] >= w[1]), "largest first: {p:?}");
            assert!(p.len() <= n / 64 + 6, "{n}: {p:?}");
            sizes.extend(p);
        }
        assert_eq!(sizes.into_iter().collect::<Vec<_>>(), [1, 2, 4, 8, 16, 32, 64]);
        assert_eq!(pieces(500, 128).collect::<Vec<_>>(), [128, 128, 128, 64, 32, 16, 4]);
    }
}
