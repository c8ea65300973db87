//! Many events, written fast, for the benchmarks: the generator they share,
//! the raw baseline's plain inserts (no rollups), and the bulk loader that
//! writes the same event rows and the same rollup rows as ingestion, for
//! 10M events in minutes (`bench_scale.rs`).
use crate::helpers::*;
use chrono::{Duration, Utc};
use plinth::domain::usage::EventStatus;
use plinth::server::entities::usage_event;
use plinth::server::usage::intake::EventInput;
use plinth::server::usage::rollup::{Measures, RollupKey, Rollups};
use sea_orm::{ConnectionTrait, EntityTrait, Set, TransactionTrait};

/// A server for a benchmark, with no rate limit in its way; `None` (said on
/// stderr) when the engine is not configured.
pub async fn bench_app(engine: Engine) -> Option<TestApp> {
    let app = spawn_app_with(engine, |c| {
        c.limits.api_requests_per_key_minute = 1_000_000;
        c.limits.api_requests_per_project_minute = 1_000_000;
    })
    .await;
    if app.is_none() {
        eprintln!("skipped: set {POSTGRES_ENV} to benchmark PostgreSQL");
    }
    app
}

/// How many events a benchmark loads: `PLINTH_BENCH_EVENTS`, or `default`.
pub fn bench_events(default: u64) -> u64 {
    std::env::var("PLINTH_BENCH_EVENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

pub const MODELS: [&str; 6] = ["gpt-4o-mini", "gpt-4o", "claude-sonnet-4", "gemini-2.5-flash", "claude-3-5-haiku", "o3"];
pub const ASSISTANTS: [&str; 4] = ["checkout", "returns", "search", "summarizer"];

/// Minutes of traffic a batch spans: live traffic (a few hours), and the
/// worst case, one batch spread over 30 days (a row in every rollup hour).
pub const LIVE: u64 = 3 * 60;
pub const MONTH: u64 = 30 * 24 * 60;

/// Event `n` of the last 30 days: six models, four assistants, 300 users (skewed), 2% errors.
pub fn event(prefix: &str, n: u64) -> EventInput {
    spread(prefix, n, MONTH)
}

/// Event `n`, within the last `minutes`.
pub fn spread(prefix: &str, n: u64, minutes: u64) -> EventInput {
    let h = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let r = (h >> 20) % 1000;
    let at = Utc::now() - Duration::minutes(((h >> 8) % minutes) as i64 + 1);
    let status = if (h >> 30).is_multiple_of(50) { EventStatus::Error } else { EventStatus::Success };
    let mut e = EventInput::new(format!("{prefix}-{n}"), at, MODELS[(h % 6) as usize], status);
    e.assistant = Some(ASSISTANTS[((h >> 4) % 4) as usize].into());
    e.end_user = Some(format!("user-{}", 1 + r * r / 3_334));
    e.environment = Some("production".into());
    e.input_tokens = Some(100 + h % 3_000);
    e.output_tokens = Some(20 + h % 700);
    e.latency_ms = Some(200 + (h >> 12) % 3_000);
    e
}

/// An event as an application sends it to `POST /api/v1/events`.
pub fn as_json(e: &EventInput) -> serde_json::Value {
    serde_json::json!({ "id": e.id, "timestamp": e.timestamp.to_rfc3339(), "model": e.model, "assistant": e.assistant, "user": e.end_user,
            "environment": e.environment, "input_tokens": e.input_tokens, "output_tokens": e.output_tokens, "latency_ms": e.latency_ms,
            "status": e.status })
}

/// What a generated event is stored with: its cost (a fixed price per
/// token) and the key that sent it.
#[derive(Clone, Copy)]
pub struct Stamp {
    pub project: i64,
    pub key: Option<i64>,
}

pub fn cost(e: &EventInput) -> i64 {
    e.input_tokens.unwrap_or(0) as i64 * 2_500 + e.output_tokens.unwrap_or(0) as i64 * 10_000
}

/// SQLite: one prepared multi-row INSERT of `batch` (at most 500 rows).
pub async fn insert_rows(tx: &impl ConnectionTrait, at: Stamp, batch: &[EventInput]) {
    let now = Utc::now();
    let rows: Vec<usage_event::ActiveModel> = batch
        .iter()
        .map(|e| usage_event::ActiveModel {
            project_id: Set(at.project),
            event_id: Set(e.id.clone()),
            hour: Set(e.timestamp.timestamp().div_euclid(3600)),
            occurred_at: Set(chrono::SubsecRound::trunc_subsecs(e.timestamp, 6)),
            received_at: Set(now),
            model: Set(e.model.clone()),
            provider: Set(None),
            assistant: Set(e.assistant.clone()),
            end_user: Set(e.end_user.clone()),
            environment: Set(e.environment.clone()),
            session_id: Set(None),
            input_tokens: Set(e.input_tokens.unwrap_or(0) as i64),
            output_tokens: Set(e.output_tokens.unwrap_or(0) as i64),
            cost_nanos: Set(cost(e)),
            cost_source: Set(plinth::domain::usage::CostSource::Catalog),
            latency_ms: Set(e.latency_ms.map(|l| l as i64)),
            status: Set(e.status),
            error: Set(None),
            input: Set(None),
            output: Set(None),
            truncated: Set(false),
            metadata: Set(None),
            api_key_id: Set(at.key),
            ..Default::default()
        })
        .collect();
    usage_event::Entity::insert_many(rows).exec_without_returning(tx).await.unwrap();
}

/// PostgreSQL: `batch` in one `COPY … FROM STDIN`.
pub async fn copy_rows(pool: &sea_orm::sqlx::PgPool, at: Stamp, batch: &[EventInput]) {
    use sea_orm::sqlx::postgres::PgPoolCopyExt;
    use std::fmt::Write;
    let now = Utc::now().to_rfc3339();
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let mut body = String::with_capacity(batch.len() * 200);
    for e in batch {
        let _ = writeln!(
            body,
            "{},{},{},{},{now},{},,{},{},{},,{},{},{},catalog,{},{},,,,f,,{}",
            at.project,
            e.id,
            chrono::SubsecRound::trunc_subsecs(e.timestamp, 6).to_rfc3339(),
            e.timestamp.timestamp().div_euclid(3600),
            e.model,
            opt(&e.assistant),
            opt(&e.end_user),
            opt(&e.environment),
            e.input_tokens.unwrap_or(0),
            e.output_tokens.unwrap_or(0),
            cost(e),
            e.latency_ms.map(|l| l.to_string()).unwrap_or_default(),
            e.status.as_str(),
            at.key.map(|k| k.to_string()).unwrap_or_default(),
        );
    }
    let mut copy = pool
        .copy_in_raw(
            "COPY usage_events (project_id, event_id, occurred_at, hour, received_at, model, provider, assistant, end_user, environment, \
             session_id, input_tokens, output_tokens, cost_nanos, cost_source, latency_ms, status, error, input, output, truncated, metadata, api_key_id) \
             FROM STDIN WITH (FORMAT csv)",
        )
        .await
        .unwrap();
    copy.send(body.into_bytes()).await.unwrap();
    copy.finish().await.unwrap();
}

/// Events per transaction of the loader: its rollup rows are summed in
/// memory first, so each rollup row is written once per chunk.
const CHUNK: u64 = 25_000;

/// Load events `from..to` of `spread("bulk", n, 28 days)` into `at.project`: the rows
/// ingestion would store (with `cost` as their price) and their sums added
/// to every rollup through `usage::store::add`, as ingestion adds them.
pub async fn load(app: &TestApp, at: Stamp, from: u64, to: u64, progress: &indicatif::ProgressBar) {
    let db = &app.state.db;
    let mut start = from;
    while start < to {
        let end = (start + CHUNK).min(to);
        // The last 28 days: all inside the pages' default 30 days.
        let events: Vec<EventInput> = (start..end).map(|n| spread("bulk", n, 28 * 24 * 60)).collect();
        let mut sums = Rollups::new();
        for e in &events {
            let key = RollupKey::of_event(
                e.timestamp.timestamp().div_euclid(3600),
                at.key,
                &e.model,
                e.assistant.as_deref(),
                e.end_user.as_deref(),
                e.environment.as_deref(),
                e.status,
            );
            let m: &mut Measures = sums.entry(key).or_default();
            m.add(e.status, e.input_tokens.unwrap_or(0) as i64, e.output_tokens.unwrap_or(0) as i64, cost(e), e.latency_ms.map(|l| l as i64));
        }
        let tx = db.begin().await.unwrap();
        if db.get_database_backend() == sea_orm::DbBackend::Postgres {
            // Committed apart from the rollups: a loader, not ingestion.
            let pool = db.get_postgres_connection_pool().clone();
            let copies = events.chunks(events.len().div_ceil(2)).map(|part| {
                let (pool, part) = (pool.clone(), part.to_vec());
                async move { copy_rows(&pool, at, &part).await }
            });
            join_all(copies).await;
        } else {
            for batch in events.chunks(500) {
                insert_rows(&tx, at, batch).await;
            }
        }
        plinth::server::usage::store::add(&tx, at.project, &sums).await.unwrap();
        tx.commit().await.unwrap();
        progress.inc(end - start);
        start = end;
    }
}
