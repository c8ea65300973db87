//! Hourly rollups (`usage_hourly`): kept up to date in the transaction that
//! stores events, so dashboards read sums whose size grows with the range,
//! not with the number of events, and see a batch as soon as it is
//! acknowledged. Additions saturate at the i64 ceiling instead of failing.
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

/// `usage_hourly.col + excluded.col`, held at the i64 ceiling.
fn saturating_sum(col: &str) -> SimpleExpr {
    Expr::cust(format!(
        "CASE WHEN usage_hourly.{col} > 9223372036854775807 - excluded.{col} THEN 9223372036854775807 ELSE usage_hourly.{col} + excluded.{col} END"
    ))
}

const MEASURES: [&str; 6] = ["requests", "input_tokens", "output_tokens", "cost_nanos", "latency_sum", "latency_count"];
const KEY: [&str; 7] = ["project_id", "hour", "model", "assistant", "end_user", "environment", "status"];

/// Add `rollups` to a project's rows, creating the ones that do not exist.
/// Keys go in one order (the map's), so concurrent writers never wait on
/// each other in opposite orders.
pub async fn add(tx: &DatabaseTransaction, project_id: i64, rollups: Rollups) -> AppResult<()> {
    let buckets: Vec<String> = (0..LATENCY_BUCKETS).map(|i| format!("lat_{i}")).collect();
    let summed: Vec<&str> = MEASURES.iter().copied().chain(buckets.iter().map(String::as_str)).collect();
    let mut rows = rollups.into_iter().peekable();
    while rows.peek().is_some() {
        let mut insert = Query::insert();
        insert.into_table(Alias::new("usage_hourly")).columns(KEY.iter().chain(summed.iter()).map(|c| Alias::new(*c)));
        for (k, m) in rows.by_ref().take(CHUNK) {
            let mut values: Vec<SimpleExpr> = vec![
                project_id.into(),
                k.hour.into(),
                k.model.into(),
                k.assistant.into(),
                k.end_user.into(),
                k.environment.into(),
                k.status.into(),
                m.requests.into(),
                m.input_tokens.into(),
                m.output_tokens.into(),
                m.cost_nanos.into(),
                m.latency_sum.into(),
                m.latency_count.into(),
            ];
            values.extend(m.latency.iter().map(|n| SimpleExpr::from(*n)));
            insert.values(values).map_err(|e| {
                tracing::error!("rollup insert: {e}");
                AppError::Internal
            })?;
        }
        let mut update = OnConflict::columns(KEY.iter().map(|c| Alias::new(*c)));
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
    for (k, delta) in changes {
        if delta == 0 {
            continue;
        }
        let mut update = Query::update();
        update
            .table(Alias::new("usage_hourly"))
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
            .and_where(Expr::col(Alias::new("end_user")).eq(k.end_user))
            .and_where(Expr::col(Alias::new("environment")).eq(k.environment))
            .and_where(Expr::col(Alias::new("status")).eq(k.status));
        tx.execute(&update).await?;
    }
    Ok(())
}
