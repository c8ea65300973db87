//! Hourly rollups, kept up to date in the transaction that stores events:
//! `usage_hourly_totals` (no end user: a few dozen rows an hour, what
//! dashboards read, so their cost grows with the range, not with the number
//! of events) and `usage_hourly` (by end user, for user views). A batch shows
//! as soon as it is acknowledged. Additions saturate at the i64 ceiling.
use crate::domain::analytics::{LATENCY_BUCKETS, latency_bucket};
use crate::domain::usage::EventStatus;
use crate::error::{AppError, AppResult};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query, SimpleExpr};
use sea_orm::{ConnectionTrait, DatabaseTransaction};
use std::collections::BTreeMap;

/// What one rollup row is about. Missing names are ''.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RollupKey {
    pub hour: i64,
    pub model: String,
    pub assistant: String,
    pub end_user: String,
    pub environment: String,
    pub status: &'static str,
}

impl RollupKey {
    pub fn new(hour: i64, model: &str, assistant: Option<&str>, end_user: Option<&str>, environment: Option<&str>, status: EventStatus) -> Self {
        RollupKey {
            hour,
            model: model.to_string(),
            assistant: assistant.unwrap_or_default().to_string(),
            end_user: end_user.unwrap_or_default().to_string(),
            environment: environment.unwrap_or_default().to_string(),
            status: match status {
                EventStatus::Success => "success",
                EventStatus::Error => "error",
            },
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
    pub latency: [i64; LATENCY_BUCKETS],
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
            self.latency[latency_bucket(ms)] += 1;
        }
    }
}

pub type Rollups = BTreeMap<RollupKey, Measures>;

/// Rows per statement: 26 values each stays far below both engines' limits.
const CHUNK: usize = 500;

const MEASURES: [&str; 6] = ["requests", "input_tokens", "output_tokens", "cost_nanos", "latency_sum", "latency_count"];

/// The two rollup tables: by end user (for user pages), and totals without
/// the end user (what dashboards read: a few dozen rows per hour).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    ByUser,
    Totals,
}

impl Level {
    fn table(self) -> &'static str {
        match self {
            Level::ByUser => "usage_hourly",
            Level::Totals => "usage_hourly_totals",
        }
    }

    fn key(self) -> &'static [&'static str] {
        match self {
            Level::ByUser => &["project_id", "hour", "model", "assistant", "end_user", "environment", "status"],
            Level::Totals => &["project_id", "hour", "model", "assistant", "environment", "status"],
        }
    }
}

/// The same sums with the end user dropped from every key.
fn without_users(rollups: &Rollups) -> Rollups {
    let mut totals = Rollups::new();
    for (k, m) in rollups {
        let t = totals.entry(RollupKey { end_user: String::new(), ..k.clone() }).or_default();
        t.requests = t.requests.saturating_add(m.requests);
        t.input_tokens = t.input_tokens.saturating_add(m.input_tokens);
        t.output_tokens = t.output_tokens.saturating_add(m.output_tokens);
        t.cost_nanos = t.cost_nanos.saturating_add(m.cost_nanos);
        t.latency_sum = t.latency_sum.saturating_add(m.latency_sum);
        t.latency_count = t.latency_count.saturating_add(m.latency_count);
        for (a, b) in t.latency.iter_mut().zip(m.latency.iter()) {
            *a = a.saturating_add(*b);
        }
    }
    totals
}

/// Add `rollups` to a project's rows in both tables, creating the ones that
/// do not exist. Keys go in one order (the map's, the same table order every
/// time), so concurrent writers never wait on each other in opposite orders.
pub async fn add(tx: &DatabaseTransaction, project_id: i64, rollups: Rollups) -> AppResult<()> {
    let totals = without_users(&rollups);
    add_to(tx, Level::ByUser, project_id, rollups).await?;
    add_to(tx, Level::Totals, project_id, totals).await
}

async fn add_to(tx: &DatabaseTransaction, level: Level, project_id: i64, rollups: Rollups) -> AppResult<()> {
    let saturating_sum = |col: &str| {
        let t = level.table();
        Expr::cust(format!("CASE WHEN {t}.{col} > 9223372036854775807 - excluded.{col} THEN 9223372036854775807 ELSE {t}.{col} + excluded.{col} END"))
    };
    let buckets: Vec<String> = (0..LATENCY_BUCKETS).map(|i| format!("lat_{i}")).collect();
    let summed: Vec<&str> = MEASURES.iter().copied().chain(buckets.iter().map(String::as_str)).collect();
    let mut rows = rollups.into_iter().peekable();
    while rows.peek().is_some() {
        let mut insert = Query::insert();
        insert.into_table(Alias::new(level.table())).columns(level.key().iter().chain(summed.iter()).map(|c| Alias::new(*c)));
        for (k, m) in rows.by_ref().take(CHUNK) {
            let mut values: Vec<SimpleExpr> = vec![project_id.into(), k.hour.into(), k.model.into(), k.assistant.into()];
            if level == Level::ByUser {
                values.push(k.end_user.into());
            }
            values.extend([
                k.environment.into(),
                k.status.into(),
                m.requests.into(),
                m.input_tokens.into(),
                m.output_tokens.into(),
                m.cost_nanos.into(),
                m.latency_sum.into(),
                m.latency_count.into(),
            ]);
            values.extend(m.latency.iter().map(|n| SimpleExpr::from(*n)));
            insert.values(values).map_err(|e| {
                tracing::error!("rollup insert: {e}");
                AppError::Internal
            })?;
        }
        let mut update = OnConflict::columns(level.key().iter().map(|c| Alias::new(*c)));
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
    let mut totals: BTreeMap<RollupKey, i64> = BTreeMap::new();
    for (k, delta) in &changes {
        let t = totals.entry(RollupKey { end_user: String::new(), ..k.clone() }).or_default();
        *t = t.saturating_add(*delta);
    }
    adjust_in(tx, Level::ByUser, project_id, changes).await?;
    adjust_in(tx, Level::Totals, project_id, totals).await
}

async fn adjust_in(tx: &DatabaseTransaction, level: Level, project_id: i64, changes: BTreeMap<RollupKey, i64>) -> AppResult<()> {
    for (k, delta) in changes {
        if delta == 0 {
            continue;
        }
        let mut update = Query::update();
        update
            .table(Alias::new(level.table()))
            .value(
                Alias::new("cost_nanos"),
                // `delta` is an i64 from Rust, written as a literal.
                Expr::cust(format!(
                    "CASE WHEN cost_nanos > 9223372036854775807 - {up} THEN 9223372036854775807 WHEN cost_nanos + {delta} < 0 THEN 0 ELSE cost_nanos + {delta} END",
                    up = Ord::max(delta, 0)
                )),
            )
            .and_where(Expr::col(Alias::new("project_id")).eq(project_id))
            .and_where(Expr::col(Alias::new("hour")).eq(k.hour))
            .and_where(Expr::col(Alias::new("model")).eq(k.model))
            .and_where(Expr::col(Alias::new("assistant")).eq(k.assistant))
            .and_where(Expr::col(Alias::new("environment")).eq(k.environment))
            .and_where(Expr::col(Alias::new("status")).eq(k.status));
        if level == Level::ByUser {
            update.and_where(Expr::col(Alias::new("end_user")).eq(k.end_user));
        }
        tx.execute(&update).await?;
    }
    Ok(())
}
