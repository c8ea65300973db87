//! Every rollup described once: its table, its grain, its key and its
//! measures, as the entity's own columns. `store` writes each batch into all
//! of them from these descriptions and `query` picks the cheapest one that
//! can answer; neither names a table or a column as a string. A new rollup
//! or dimension is one `rollup!` line (and its migration and entity).
//!
//! - `DAILY_USER_TOTALS`: by end user and day only, errors as a column:
//!   figures by end user over whole days, bounded by users × days;
//! - `DAILY_TOTALS` / `HOURLY_TOTALS`: by model, assistant, environment,
//!   status and API key, all end users together: what dashboards, the key
//!   list and the owners' pages read;
//! - `DAILY_USERS`: by end user, model and day (no assistant), for the
//!   users × model split;
//! - `HOURLY_USERS`: by end user, for views of the last hours;
//! - `LATENCY_DAILY` / `LATENCY_HOURLY`: calls per latency bucket
//!   (`domain::latency`) and environment, for p50, p95 and p99 within 2%.
use crate::domain::latency::LatencyCounts;
use crate::domain::usage::EventStatus;
use crate::server::entities::{
    usage_daily_totals, usage_daily_user_totals, usage_daily_users, usage_event, usage_hourly, usage_hourly_totals, usage_latency_daily, usage_latency_hourly,
};
use sea_orm::ActiveEnum;
use sea_orm::Value;
use sea_orm::sea_query::{DynIden, IntoIden};
use std::collections::BTreeMap;

/// A column a rollup may have: a dimension of its key or a measure. The
/// names are the entities' own `Column` variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Col {
    ProjectId,
    Hour,
    ApiKeyId,
    Model,
    Assistant,
    EndUser,
    Environment,
    Status,
    /// A latency bucket (`domain::latency`), in the latency rollups' key.
    Bucket,
    Requests,
    /// Failed calls, where the status is not in the key.
    Errors,
    InputTokens,
    OutputTokens,
    CostNanos,
    LatencySum,
    LatencyCount,
    /// Calls in a latency bucket.
    Calls,
}

impl Col {
    /// Its PostgreSQL type, for reading a batch's rows from one JSON
    /// parameter (`store`).
    pub fn pg_type(self) -> &'static str {
        match self {
            Col::Model | Col::Assistant | Col::EndUser | Col::Environment | Col::Status => "text",
            Col::Bucket => "integer",
            _ => "bigint",
        }
    }
}

/// What a rollup's `hour` column holds: the Unix hour, or its day's first hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grain {
    Hour,
    Day,
}

/// One rollup table.
pub struct Rollup {
    pub grain: Grain,
    pub key: &'static [Col],
    pub measures: &'static [Col],
    table: fn() -> DynIden,
    column: fn(Col) -> Option<DynIden>,
}

macro_rules! rollup {
    ($(#[$doc:meta])* $name:ident = $entity:ident, $grain:ident, key [$($k:ident),*], measures [$($m:ident),*]) => {
        $(#[$doc])*
        pub const $name: Rollup = Rollup {
            grain: Grain::$grain,
            key: &[$(Col::$k),*],
            measures: &[$(Col::$m),*],
            table: || $entity::Entity.into_iden(),
            column: |c| match c {
                $(Col::$k => Some($entity::Column::$k.into_iden()),)*
                $(Col::$m => Some($entity::Column::$m.into_iden()),)*
                _ => None,
            },
        };
    };
}

rollup!(HOURLY_USERS = usage_hourly, Hour,
    key [ProjectId, Hour, Model, Assistant, EndUser, Environment, Status],
    measures [Requests, InputTokens, OutputTokens, CostNanos, LatencySum, LatencyCount]);
rollup!(HOURLY_TOTALS = usage_hourly_totals, Hour,
    key [ProjectId, Hour, Model, Assistant, Environment, Status, ApiKeyId],
    measures [Requests, InputTokens, OutputTokens, CostNanos, LatencySum, LatencyCount]);
rollup!(DAILY_TOTALS = usage_daily_totals, Day,
    key [ProjectId, Hour, Model, Assistant, Environment, Status, ApiKeyId],
    measures [Requests, InputTokens, OutputTokens, CostNanos, LatencySum, LatencyCount]);
rollup!(DAILY_USERS = usage_daily_users, Day,
    key [ProjectId, Hour, Model, EndUser, Environment, Status],
    measures [Requests, InputTokens, OutputTokens, CostNanos, LatencySum, LatencyCount]);
rollup!(DAILY_USER_TOTALS = usage_daily_user_totals, Day,
    key [ProjectId, Hour, EndUser, Environment],
    measures [Requests, Errors, InputTokens, OutputTokens, CostNanos, LatencySum, LatencyCount]);
rollup!(LATENCY_HOURLY = usage_latency_hourly, Hour, key [ProjectId, Hour, Environment, Bucket], measures [Calls]);
rollup!(LATENCY_DAILY = usage_latency_daily, Day, key [ProjectId, Hour, Environment, Bucket], measures [Calls]);

rollup!(
    /// The stored events themselves, described like a rollup so that a
    /// scope filters them the same way (`query::unpriced`); not in `ALL`.
    EVENTS = usage_event, Hour, key [ProjectId, Hour, ApiKeyId, Model, Assistant, EndUser, Environment, Status], measures []);

/// Every rollup, cheapest to read first (fewest rows for what they hold;
/// the totals before the per-user ones, which grow with end users): `query`
/// takes the first that can answer. Writers go in this order too,
/// so concurrent batches never wait on each other in opposite orders.
pub const ALL: [&Rollup; 7] = [&DAILY_TOTALS, &DAILY_USER_TOTALS, &DAILY_USERS, &HOURLY_TOTALS, &HOURLY_USERS, &LATENCY_DAILY, &LATENCY_HOURLY];

impl Rollup {
    pub fn table(&self) -> DynIden {
        (self.table)()
    }

    /// The column, if this rollup has it.
    pub fn col(&self, c: Col) -> Option<DynIden> {
        (self.column)(c)
    }

    pub fn has(&self, c: Col) -> bool {
        self.key.contains(&c) || self.measures.contains(&c)
    }

    /// Counts calls per latency bucket rather than sums.
    pub fn is_latency(&self) -> bool {
        self.key.contains(&Col::Bucket)
    }

    /// The key an event's key sums into here: dimensions this rollup does
    /// not keep are blanked, and the hour goes down to the grain.
    pub fn project(&self, k: &RollupKey) -> RollupKey {
        let keep = |c: Col, s: &String| if self.key.contains(&c) { s.clone() } else { String::new() };
        RollupKey {
            hour: match self.grain {
                Grain::Hour => k.hour,
                Grain::Day => k.hour.div_euclid(24) * 24,
            },
            api_key_id: if self.key.contains(&Col::ApiKeyId) { k.api_key_id } else { 0 },
            model: keep(Col::Model, &k.model),
            assistant: keep(Col::Assistant, &k.assistant),
            end_user: keep(Col::EndUser, &k.end_user),
            environment: keep(Col::Environment, &k.environment),
            status: k.status.filter(|_| self.key.contains(&Col::Status)),
            bucket: k.bucket.filter(|_| self.is_latency()),
        }
    }

    /// A batch's event-level sums, regrouped under this rollup's keys (for
    /// a latency rollup, one row per bucket).
    pub fn rows(&self, sums: &Rollups) -> Rollups {
        let mut out = Rollups::new();
        for (k, m) in sums {
            if self.is_latency() {
                for (bucket, calls) in m.latency.buckets() {
                    let row = out.entry(self.project(&RollupKey { bucket: Some(bucket), ..k.clone() })).or_default();
                    row.requests = row.requests.saturating_add(calls);
                }
            } else {
                out.entry(self.project(k)).or_default().merge(m);
            }
        }
        out
    }
}

/// What one rollup row is about. Names an event did not give are ''; the
/// API key is 0 where none is known.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct RollupKey {
    pub hour: i64,
    pub api_key_id: i64,
    pub model: String,
    pub assistant: String,
    pub end_user: String,
    pub environment: String,
    /// `None` where a rollup's key has no status.
    pub status: Option<EventStatus>,
    /// Only in the latency rollups' keys.
    pub bucket: Option<i32>,
}

impl RollupKey {
    /// An event's full key.
    pub fn of_event(
        hour: i64,
        api_key_id: Option<i64>,
        model: &str,
        assistant: Option<&str>,
        end_user: Option<&str>,
        environment: Option<&str>,
        status: EventStatus,
    ) -> Self {
        RollupKey {
            hour,
            api_key_id: api_key_id.unwrap_or(0),
            model: model.to_string(),
            assistant: assistant.unwrap_or_default().to_string(),
            end_user: end_user.unwrap_or_default().to_string(),
            environment: environment.unwrap_or_default().to_string(),
            status: Some(status),
            bucket: None,
        }
    }

    /// The value this key gives a key column.
    pub fn value(&self, c: Col, project_id: i64) -> Value {
        match c {
            Col::ProjectId => project_id.into(),
            Col::Hour => self.hour.into(),
            Col::ApiKeyId => self.api_key_id.into(),
            Col::Model => self.model.clone().into(),
            Col::Assistant => self.assistant.clone().into(),
            Col::EndUser => self.end_user.clone().into(),
            Col::Environment => self.environment.clone().into(),
            // The enum's own database value; a rollup with this column always has a status.
            Col::Status => self.status.map(|s| s.to_value()).unwrap_or_default().into(),
            Col::Bucket => self.bucket.unwrap_or_default().into(),
            _ => Value::BigInt(None),
        }
    }

    /// The same value as JSON (PostgreSQL reads a batch's rows from JSON).
    pub fn json(&self, c: Col, project_id: i64) -> serde_json::Value {
        match self.value(c, project_id) {
            Value::BigInt(v) => v.into(),
            Value::Int(v) => v.into(),
            Value::String(v) => v.into(),
            _ => serde_json::Value::Null,
        }
    }
}

/// Sums for one rollup row. Additions saturate at the i64 ceiling.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Measures {
    /// Calls (in a latency rollup, the calls in the row's bucket).
    pub requests: i64,
    pub errors: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cost_nanos: i64,
    pub latency_sum: i64,
    pub latency_count: i64,
    /// Calls per latency bucket, for the latency rollups.
    pub latency: LatencyCounts,
}

impl Measures {
    /// Count one event in.
    pub fn add(&mut self, status: EventStatus, input_tokens: i64, output_tokens: i64, cost_nanos: i64, latency_ms: Option<i64>) {
        self.requests += 1;
        if status == EventStatus::Error {
            self.errors += 1;
        }
        self.input_tokens = self.input_tokens.saturating_add(input_tokens);
        self.output_tokens = self.output_tokens.saturating_add(output_tokens);
        self.cost_nanos = self.cost_nanos.saturating_add(cost_nanos);
        if let Some(ms) = latency_ms {
            self.latency_sum = self.latency_sum.saturating_add(ms);
            self.latency_count += 1;
            self.latency.add(ms);
        }
    }

    fn merge(&mut self, m: &Measures) {
        self.requests = self.requests.saturating_add(m.requests);
        self.errors = self.errors.saturating_add(m.errors);
        self.input_tokens = self.input_tokens.saturating_add(m.input_tokens);
        self.output_tokens = self.output_tokens.saturating_add(m.output_tokens);
        self.cost_nanos = self.cost_nanos.saturating_add(m.cost_nanos);
        self.latency_sum = self.latency_sum.saturating_add(m.latency_sum);
        self.latency_count = self.latency_count.saturating_add(m.latency_count);
    }

    /// The value of a measure column.
    pub fn value(&self, c: Col) -> i64 {
        match c {
            Col::Requests | Col::Calls => self.requests,
            Col::Errors => self.errors,
            Col::InputTokens => self.input_tokens,
            Col::OutputTokens => self.output_tokens,
            Col::CostNanos => self.cost_nanos,
            Col::LatencySum => self.latency_sum,
            Col::LatencyCount => self.latency_count,
            _ => 0,
        }
    }
}

pub type Rollups = BTreeMap<RollupKey, Measures>;

#[cfg(test)]
mod tests {
    use super::*;

    fn event(hour: i64, user: &str, status: EventStatus, latency: i64) -> Rollups {
        let mut m = Measures::default();
        m.add(status, 10, 5, 100, Some(latency));
        Rollups::from([(RollupKey::of_event(hour, Some(7), "gpt", Some("bot"), Some(user), Some("prod"), status), m)])
    }

    #[test]
    fn every_rollup_names_its_own_columns() {
        for r in ALL {
            for c in r.key.iter().chain(r.measures) {
                assert!(r.col(*c).is_some(), "{c:?} in {}", r.table());
            }
            assert!(r.col(Col::Calls).is_some() == r.is_latency());
        }
        assert!(HOURLY_USERS.col(Col::ApiKeyId).is_none());
    }

    #[test]
    fn rows_regroup_to_each_rollups_key() {
        let mut sums = event(24 * 100 + 5, "ann", EventStatus::Error, 200);
        sums.extend(event(24 * 100 + 6, "bob", EventStatus::Success, 300));
        let users = DAILY_USER_TOTALS.rows(&sums);
        assert_eq!(users.len(), 2, "one row per user");
        let ann = users.iter().find(|(k, _)| k.end_user == "ann").unwrap();
        assert_eq!((ann.0.hour, ann.0.model.as_str(), ann.0.status, ann.1.errors), (2400, "", None, 1));
        let totals = DAILY_TOTALS.rows(&sums);
        assert_eq!(totals.len(), 2, "two statuses");
        assert!(totals.keys().all(|k| k.api_key_id == 7 && k.end_user.is_empty()));
        assert_eq!(HOURLY_USERS.rows(&sums).keys().map(|k| k.api_key_id).collect::<Vec<_>>(), [0, 0], "no key dimension");
        let latency = LATENCY_DAILY.rows(&sums);
        assert_eq!(latency.values().map(|m| m.requests).sum::<i64>(), 2, "two calls, one per bucket");
        assert!(latency.keys().all(|k| k.bucket.is_some() && k.status.is_none()));
    }
}
