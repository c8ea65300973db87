//! Rollups, kept up to date in the transaction that stores events:
//! - `usage_hourly_totals`: no end user, a few dozen rows an hour; what
//!   dashboards read for ranges that are not whole days (and by the hour);
//! - `usage_daily_totals`: the same by UTC day, what dashboards read over
//!   whole days, so their cost grows with the range, not with events;
//! - `usage_hourly`: by end user, for views of the last hours;
//! - `usage_daily_users`: by end user, model and day (no assistant), for the
//!   users × model split;
//! - `usage_daily_user_totals`: by end user and day only, errors as a column:
//!   figures by end user over whole days, bounded by users × days.
//!
//! - `usage_latency_hourly` and `usage_latency_daily`: calls per latency
//!   bucket (`domain::latency`) by hour or day and environment, for p50, p95
//!   and p99 within 2%.
//!
//! A batch shows as soon as it is acknowledged. Additions saturate at the
//! i64 ceiling.
use crate::domain::latency::LatencyCounts;
use crate::domain::usage::EventStatus;
use crate::error::{AppError, AppResult};
use crate::server::entities::{usage_latency_daily, usage_latency_hourly};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query, SimpleExpr};
use sea_orm::{ActiveEnum, ConnectionTrait, DatabaseTransaction, EntityTrait, IdenStatic};
use std::collections::BTreeMap;

/// What one rollup row is about. Missing names are ''.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RollupKey {
    pub hour: i64,
    pub model: String,
    pub assistant: String,
    pub end_user: String,
    pub environment: String,
    /// `None` only where a table's key has no status (`usage_daily_user_totals`).
    pub status: Option<EventStatus>,
}

impl RollupKey {
    pub fn new(hour: i64, model: &str, assistant: Option<&str>, end_user: Option<&str>, environment: Option<&str>, status: EventStatus) -> Self {
        RollupKey {
            hour,
            model: model.to_string(),
            assistant: assistant.unwrap_or_default().to_string(),
            end_user: end_user.unwrap_or_default().to_string(),
            environment: environment.unwrap_or_default().to_string(),
            status: Some(status),
        }
    }
}

/// Sums for one rollup row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Measures {
    pub requests: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cost_nanos: i64,
    pub latency_sum: i64,
    pub latency_count: i64,
    /// Calls per latency bucket; written to the latency tables, by hour
    /// and environment.
    pub latency: LatencyCounts,
    /// Failed calls, kept only where the status is not part of the key
    /// (`usage_daily_user_totals`); filled when regrouping into it.
    pub errors: i64,
}

impl Measures {
    /// Count one event in.
    pub fn add(&mut self, input_tokens: i64, output_tokens: i64, cost_nanos: i64, latency_ms: Option<i64>) {
        self.requests += 1;
        self.input_tokens = self.input_tokens.saturating_add(input_tokens);
        self.output_tokens = self.output_tokens.saturating_add(output_tokens);
        self.cost_nanos = self.cost_nanos.saturating_add(cost_nanos);
        if let Some(ms) = latency_ms {
            self.latency_sum = self.latency_sum.saturating_add(ms);
            self.latency_count += 1;
            self.latency.add(ms);
        }
    }
}

pub type Rollups = BTreeMap<RollupKey, Measures>;

/// Rows per statement: 13 values each stays far below both engines' limits.
const CHUNK: usize = 500;

const MEASURES: [&str; 6] = ["requests", "input_tokens", "output_tokens", "cost_nanos", "latency_sum", "latency_count"];

/// The rollup tables (see the module's comment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    ByUser,
    Totals,
    DailyTotals,
    DailyUsers,
    DailyUserTotals,
}

impl Level {
    const ALL: [Level; 5] = [Level::ByUser, Level::Totals, Level::DailyTotals, Level::DailyUsers, Level::DailyUserTotals];

    fn table(self) -> &'static str {
        match self {
            Level::ByUser => "usage_hourly",
            Level::Totals => "usage_hourly_totals",
            Level::DailyTotals => "usage_daily_totals",
            Level::DailyUsers => "usage_daily_users",
            Level::DailyUserTotals => "usage_daily_user_totals",
        }
    }

    fn key(self) -> &'static [KeyCol] {
        use KeyCol::*;
        match self {
            Level::ByUser => &[ProjectId, Hour, Model, Assistant, EndUser, Environment, Status],
            Level::Totals | Level::DailyTotals => &[ProjectId, Hour, Model, Assistant, Environment, Status],
            Level::DailyUsers => &[ProjectId, Hour, Model, EndUser, Environment, Status],
            Level::DailyUserTotals => &[ProjectId, Hour, EndUser, Environment],
        }
    }

    /// The key an event's hourly key sums into at this level.
    fn regroup(self, k: &RollupKey) -> RollupKey {
        let day = k.hour.div_euclid(24) * 24;
        match self {
            Level::ByUser => k.clone(),
            Level::Totals => RollupKey { end_user: String::new(), ..k.clone() },
            Level::DailyTotals => RollupKey { hour: day, end_user: String::new(), ..k.clone() },
            Level::DailyUsers => RollupKey { hour: day, assistant: String::new(), ..k.clone() },
            Level::DailyUserTotals => RollupKey { hour: day, model: String::new(), assistant: String::new(), status: None, ..k.clone() },
        }
    }

    /// Errors as a column, where the status is not in the key.
    fn errors(self) -> bool {
        self == Level::DailyUserTotals
    }
}

/// A column of a rollup table's key: its name, written once, and its
/// value for a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyCol {
    ProjectId,
    Hour,
    Model,
    Assistant,
    EndUser,
    Environment,
    Status,
}

impl KeyCol {
    fn name(self) -> &'static str {
        match self {
            KeyCol::ProjectId => "project_id",
            KeyCol::Hour => "hour",
            KeyCol::Model => "model",
            KeyCol::Assistant => "assistant",
            KeyCol::EndUser => "end_user",
            KeyCol::Environment => "environment",
            KeyCol::Status => "status",
        }
    }

    fn value(self, project_id: i64, k: &RollupKey) -> SimpleExpr {
        match self {
            KeyCol::ProjectId => project_id.into(),
            KeyCol::Hour => k.hour.into(),
            KeyCol::Model => k.model.clone().into(),
            KeyCol::Assistant => k.assistant.clone().into(),
            KeyCol::EndUser => k.end_user.clone().into(),
            KeyCol::Environment => k.environment.clone().into(),
            // The enum's own database value; a level with this column always has a status.
            KeyCol::Status => k.status.map(|s| s.to_value()).unwrap_or_default().into(),
        }
    }
}

/// The same sums under this level's keys.
fn regrouped(level: Level, rollups: &Rollups) -> Rollups {
    let mut out = Rollups::new();
    for (k, m) in rollups {
        let t = out.entry(level.regroup(k)).or_default();
        if level.errors() && k.status == Some(EventStatus::Error) {
            t.errors = t.errors.saturating_add(m.requests);
        }
        t.requests = t.requests.saturating_add(m.requests);
        t.input_tokens = t.input_tokens.saturating_add(m.input_tokens);
        t.output_tokens = t.output_tokens.saturating_add(m.output_tokens);
        t.cost_nanos = t.cost_nanos.saturating_add(m.cost_nanos);
        t.latency_sum = t.latency_sum.saturating_add(m.latency_sum);
        t.latency_count = t.latency_count.saturating_add(m.latency_count);
    }
    out
}

/// Add `rollups` to a project's rows in every table, creating the ones that
/// do not exist. Keys go in one order (the map's, the same table order every
/// time), so concurrent writers never wait on each other in opposite orders.
pub async fn add(tx: &DatabaseTransaction, project_id: i64, rollups: Rollups) -> AppResult<()> {
    for level in Level::ALL {
        add_to(tx, level, project_id, regrouped(level, &rollups)).await?;
    }
    let (mut hourly, mut daily) = (LatencyRows::new(), LatencyRows::new());
    for (k, m) in &rollups {
        for (bucket, calls) in m.latency.buckets() {
            for (rows, hour) in [(&mut hourly, k.hour), (&mut daily, k.hour.div_euclid(24) * 24)] {
                let n = rows.entry((hour, k.environment.clone(), bucket)).or_default();
                *n = n.saturating_add(calls);
            }
        }
    }
    use usage_latency_daily::Column as D;
    use usage_latency_hourly::Column as H;
    add_latency(tx, usage_latency_hourly::Entity, [H::ProjectId, H::Hour, H::Environment, H::Bucket, H::Calls], project_id, hourly).await?;
    add_latency(tx, usage_latency_daily::Entity, [D::ProjectId, D::Hour, D::Environment, D::Bucket, D::Calls], project_id, daily).await
}

/// Calls by (hour or day, environment, latency bucket).
type LatencyRows = BTreeMap<(i64, String, i32), i64>;

/// Add calls to a latency table, whose columns are given in the order
/// project, hour, environment, bucket, calls (the first four its key).
async fn add_latency<E: EntityTrait>(tx: &DatabaseTransaction, table: E, cols: [E::Column; 5], project_id: i64, rows: LatencyRows) -> AppResult<()> {
    let [.., calls] = cols;
    let (t, c) = (table.table_name(), calls.as_str());
    let saturating_sum = Expr::cust(format!("CASE WHEN {t}.{c} > 9223372036854775807 - excluded.{c} THEN 9223372036854775807 ELSE {t}.{c} + excluded.{c} END"));
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut insert = Query::insert();
        insert.into_table(table).columns(cols);
        for ((hour, env, bucket), n) in rows.by_ref().take(CHUNK) {
            insert.values([project_id.into(), hour.into(), env.into(), bucket.into(), n.into()]).map_err(|e| {
                tracing::error!("latency insert: {e}");
                AppError::Internal
            })?;
        }
        let [project, hour, env, bucket, _] = cols;
        insert.on_conflict(OnConflict::columns([project, hour, env, bucket]).value(calls, saturating_sum.clone()).to_owned());
        tx.execute(&insert).await?;
    }
    Ok(())
}

async fn add_to(tx: &DatabaseTransaction, level: Level, project_id: i64, rollups: Rollups) -> AppResult<()> {
    let saturating_sum = |col: &str| {
        let t = level.table();
        Expr::cust(format!("CASE WHEN {t}.{col} > 9223372036854775807 - excluded.{col} THEN 9223372036854775807 ELSE {t}.{col} + excluded.{col} END"))
    };
    let errors: &[&str] = if level.errors() { &["errors"] } else { &[] };
    let summed: Vec<&str> = MEASURES.iter().chain(errors).copied().collect();
    let mut rows = rollups.into_iter().peekable();
    while rows.peek().is_some() {
        let mut insert = Query::insert();
        insert.into_table(Alias::new(level.table())).columns(level.key().iter().map(|c| c.name()).chain(summed.iter().copied()).map(Alias::new));
        for (k, m) in rows.by_ref().take(CHUNK) {
            let mut values: Vec<SimpleExpr> = level.key().iter().map(|col| col.value(project_id, &k)).collect();
            values.extend([
                m.requests.into(),
                m.input_tokens.into(),
                m.output_tokens.into(),
                m.cost_nanos.into(),
                m.latency_sum.into(),
                m.latency_count.into(),
            ]);
            if level.errors() {
                values.push(m.errors.into());
            }
            insert.values(values).map_err(|e| {
                tracing::error!("rollup insert: {e}");
                AppError::Internal
            })?;
        }
        let mut update = OnConflict::columns(level.key().iter().map(|c| Alias::new(c.name())));
        for col in &summed {
            update.value(Alias::new(*col), saturating_sum(col));
        }
        insert.on_conflict(update);
        tx.execute(&insert).await?;
    }
    Ok(())
}

/// Move rollup costs by signed amounts (a price was corrected). Each entry
/// is (key, change in nano-dollars); rows missing are left alone.
pub async fn adjust_cost(tx: &DatabaseTransaction, project_id: i64, changes: BTreeMap<RollupKey, i64>) -> AppResult<()> {
    for level in Level::ALL {
        let mut moved: BTreeMap<RollupKey, i64> = BTreeMap::new();
        for (k, delta) in &changes {
            let t = moved.entry(level.regroup(k)).or_default();
            *t = t.saturating_add(*delta);
        }
        adjust_in(tx, level, project_id, moved).await?;
    }
    Ok(())
}

async fn adjust_in(tx: &DatabaseTransaction, level: Level, project_id: i64, changes: BTreeMap<RollupKey, i64>) -> AppResult<()> {
    for (k, delta) in changes {
        if delta == 0 {
            continue;
        }
        let mut update = Query::update();
        update.table(Alias::new(level.table())).value(
            Alias::new("cost_nanos"),
            // `delta` is an i64 from Rust, written as a literal.
            Expr::cust(format!(
                "CASE WHEN cost_nanos > 9223372036854775807 - {up} THEN 9223372036854775807 WHEN cost_nanos + {delta} < 0 THEN 0 ELSE cost_nanos + {delta} END",
                up = Ord::max(delta, 0)
            )),
        );
        for col in level.key() {
            update.and_where(Expr::col(Alias::new(col.name())).eq(col.value(project_id, &k)));
        }
        tx.execute(&update).await?;
    }
    Ok(())
}
