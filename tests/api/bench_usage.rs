//! Usage benchmarks (`make bench`): ingestion through HTTP against one
//! in-process batched writer, the dashboard's queries at 100k and 1M events,
//! and freshness (an acknowledged batch to its numbers in the dashboard).
//! They print figures and assert only correctness.
use crate::bulk::{self, LIVE, MONTH, as_json, event, spread};
use crate::fixtures::*;
use crate::helpers::*;
use chrono::{Duration, Utc};
use plinth::server::usage::intake::{EventInput, NewEvent};
use plinth::server::usage::query::{self as usage, GroupBy, Hours, Rank, Scope};
use plinth::server::usage::store;
use serde_json::json;
use std::time::Instant;

/// The event checked, as the ingestion API would store it.
fn checked(e: EventInput) -> NewEvent {
    NewEvent::check(e, Utc::now(), 32 * 1024).unwrap()
}

async fn usage_benchmarks(engine: Engine) {
    // RUST_LOG=plinth::server::usage::store=debug prints where each batch's time goes.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into());
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
    let Some(app) = crate::bulk::bench_app(engine).await else { return };
    let mut fx = org(&app, "Bench").await;
    let (project, slug) = fx.projects[0].clone();
    let secret = api_key(&mut fx.owner, project, "all").await;
    let key = plinth::server::guard::api_key(&app.state.db, &secret).await.unwrap();

    // Ingestion: 100 batches of 500 over HTTP from 4 clients, first live
    // traffic (each batch within 3 hours), then the worst case (each batch
    // spread over 30 days); then the same rows (other ids) through one
    // in-process writer (`usage::store`), and the raw baseline: the same
    // rows inserted with their indexes and no rollups, the fastest plain way.
    const BATCHES: u64 = 100;
    let http = |prefix: &'static str, minutes: u64| {
        let bodies: Vec<String> = (0..BATCHES)
            .map(|b| json!({ "events": (0..500).map(|i| as_json(&spread(prefix, b * 500 + i, minutes))).collect::<Vec<_>>() }).to_string())
            .collect();
        let secret = secret.clone();
        let app = &app;
        async move {
            let meter = crate::cpu::Meter::start();
            let chunks: Vec<Vec<String>> = bodies.chunks((BATCHES / 4) as usize).map(|c| c.to_vec()).collect();
            let sends = chunks.into_iter().map(|chunk| {
                let api = Api::new(app, Some(&secret));
                async move {
                    for body in chunk {
                        let res = api.post_raw("/api/v1/events", "application/json", body).await;
                        assert_eq!(res.status, reqwest::StatusCode::OK, "{}", res.body);
                    }
                }
            });
            join_all(sends).await;
            let spent = meter.stop();
            ((BATCHES * 500) as f64 / spent.wall.as_secs_f64(), spent)
        }
    };
    let (live_rate, live_cpu) = http("live", LIVE).await;
    let (http_rate, http_cpu) = http("http", MONTH).await;
    let started = Instant::now();
    for b in 0..BATCHES {
        let events: Vec<(usize, NewEvent)> = (0..500).map(|i| (i as usize, checked(event("direct", b * 500 + i)))).collect();
        store::store(&app.state, &key, events, &mut Vec::new()).await.unwrap();
    }
    let direct_rate = (BATCHES * 500) as f64 / started.elapsed().as_secs_f64();
    let (raw_rate, raw_cpu) = raw_baseline(&app, fx.projects[1].0, BATCHES).await;
    println!(
        "bench {engine:?}: ingestion  HTTP (4 clients, batches of 500) live {live_rate:>8.0} events/s, spread over 30 days {http_rate:>8.0} events/s   in-process writer {direct_rate:>8.0} events/s   ratio {:.2}",
        http_rate / direct_rate
    );
    println!(
        "bench {engine:?}: ingestion  raw baseline (same rows and indexes, no rollups, {}) {raw_rate:>8.0} events/s   HTTP ÷ baseline: live {:.2}, spread over 30 days {:.2} (goal 0.5)",
        if matches!(engine, Engine::Postgres) { "COPY from 4 clients" } else { "one prepared INSERT of 500 rows per transaction" },
        live_rate / raw_rate,
        http_rate / raw_rate
    );
    // Where the time goes: on two cores, a ratio is bounded by the
    // baseline's CPU per event over HTTP ingestion's, once both are busy.
    let events = BATCHES * 500;
    println!("bench {engine:?}: ingestion  raw baseline     {}", raw_cpu.per_event(events));
    println!("bench {engine:?}: ingestion  HTTP live        {}", live_cpu.per_event(events));
    println!("bench {engine:?}: ingestion  HTTP over 30 days {}", http_cpu.per_event(events));
    if std::env::var_os("PLINTH_BENCH_INGEST_ONLY").is_some() {
        // Comparing ingestion between two builds needs only this line.
        return;
    }

    // Freshness: from sending a batch to the dashboard query counting it.
    let before = dashboard_requests(&mut fx.owner, &fx.slug, &slug).await;
    let started = Instant::now();
    let recent = |i| EventInput { timestamp: Utc::now() - Duration::minutes(1), ..event("fresh", i) };
    let body = json!({ "events": (0..500).map(|i| as_json(&recent(i))).collect::<Vec<_>>() });
    assert_eq!(Api::new(&app, Some(&secret)).events(&body).await.status, reqwest::StatusCode::OK);
    let acked = started.elapsed();
    assert_eq!(dashboard_requests(&mut fx.owner, &fx.slug, &slug).await, before + 500, "visible in the very next dashboard load");
    println!(
        "bench {engine:?}: freshness  batch acknowledged in {:.1} ms; its numbers in the next dashboard load, {:.1} ms after sending",
        acked.as_secs_f64() * 1e3,
        started.elapsed().as_secs_f64() * 1e3
    );

    // The dashboard's queries for 30 days at 100k and at 1M events in one project.
    let now_hour = Utc::now().timestamp().div_euclid(3_600);
    let scope = Scope::project(fx.id, project, Hours { from: (now_hour / 24 - 29) * 24, to: (now_hour / 24 + 1) * 24 });
    let mut stored = 100_500u64;
    let mut figures = Vec::new();
    for target in [100_000u64, 1_000_000] {
        while stored < target {
            let events: Vec<(usize, NewEvent)> = (0..1_000).map(|i| (i as usize, checked(event("bulk", stored + i)))).collect();
            store::store(&app.state, &key, events, &mut Vec::new()).await.unwrap();
            stored += 1_000;
        }
        if target == 1_000_000 {
            // The server runs in this process: its memory is this process's.
            let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
            let kb =
                |field: &str| status.lines().find_map(|l| l.strip_prefix(field)).and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok()).unwrap_or(0);
            println!(
                "bench {engine:?}: memory     after ingesting {stored} events: RSS {} MB, peak {} MB (the test process, server included; goal under 200 MB)",
                kb("VmRSS:") / 1024,
                kb("VmHWM:") / 1024
            );
        }
        let (mut times, mut user_times, mut page_times) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..7 {
            // Every read `load_dashboard` makes, in its order.
            let t = Instant::now();
            usage::summary(&app.state.db, &scope, GroupBy::Day).await.unwrap();
            usage::latencies(&app.state.db, &scope).await.unwrap();
            for group in [GroupBy::Model, GroupBy::Assistant, GroupBy::User] {
                usage::summary(&app.state.db, &scope, group).await.unwrap();
            }
            usage::environments(&app.state.db, project).await.unwrap();
            usage::unpriced(&app.state.db, &scope).await.unwrap();
            times.push(t.elapsed());
            // The whole server function over HTTP (guard, queries, charts, JSON).
            let t = Instant::now();
            dashboard_requests(&mut fx.owner, &fx.slug, &slug).await;
            page_times.push(t.elapsed());
            // The Users page's queries (over whole days: the daily per-user rollup).
            let t = Instant::now();
            let db = &app.state.db;
            usage::active_users(db, &scope, None).await.unwrap();
            usage::active_users(db, &scope, Some(GroupBy::Day)).await.unwrap();
            let top = usage::top(db, &scope, GroupBy::User, Rank::Cost, 11).await.unwrap();
            usage::top(db, &scope, GroupBy::User, Rank::Requests, 11).await.unwrap();
            let names: Vec<String> = top.into_iter().filter_map(|r| r.key).take(10).collect();
            usage::pairs(db, &scope, GroupBy::User, GroupBy::Model, Rank::Cost, Some(&names)).await.unwrap();
            user_times.push(t.elapsed());
        }
        times.sort();
        user_times.sort();
        page_times.sort();
        let rows = |t: &str| format!("SELECT COUNT(*) FROM {t} WHERE project_id = {project}");
        let mut counts = Vec::new();
        for table in ["usage_hourly_totals", "usage_daily_totals", "usage_daily_user_totals", "usage_daily_users"] {
            counts.push(format!("{table} {}", scalar(&app, &rows(table)).await));
        }
        println!("bench {engine:?}: rollup rows at {stored} events: {}", counts.join(", "));
        println!(
            "bench {engine:?}: dashboard  30 days at {stored:>9} events: its queries median {:>7.2} ms, over HTTP {:>7.2} ms; users page median {:>8.2} ms",
            times[3].as_secs_f64() * 1e3,
            page_times[3].as_secs_f64() * 1e3,
            user_times[3].as_secs_f64() * 1e3
        );
        figures.push((times[3].as_secs_f64(), user_times[3].as_secs_f64(), page_times[3].as_secs_f64()));
    }
    // The request log (and each 1,000-row chunk of its CSV export) over a
    // year: the first page against one 900,000 rows in. Each is a seek.
    let year = plinth::domain::analytics::Window { from_hour: now_hour - 365 * 24, to_hour: now_hour + 1, hourly: false, label: String::new() };
    let deep = plinth::server::repo::requests::log_query(project, &year, &Default::default(), None);
    let deep = sea_orm::QuerySelect::offset(sea_orm::QuerySelect::limit(deep, 1), 900_000).one(&app.state.db).await.unwrap().expect("900,000 rows in");
    let cursor = plinth::domain::requests::Cursor { at: deep.occurred_at, id: deep.id };
    let page_at = |after: Option<plinth::domain::requests::Cursor>| {
        let (db, year) = (app.state.db.clone(), year.clone());
        async move {
            let mut times = Vec::new();
            for _ in 0..7 {
                let t = Instant::now();
                plinth::server::repo::requests::page(&db, project, &year, &Default::default(), after, 1_000).await.unwrap();
                times.push(t.elapsed());
            }
            times.sort();
            times[3].as_secs_f64()
        }
    };
    let (first, last) = (page_at(None).await, page_at(Some(cursor)).await);
    println!(
        "bench {engine:?}: request log 1,000 rows over a year at {stored} events: first page {:.2} ms, 900,000 rows in {:.2} ms, ratio {:.2}",
        first * 1e3,
        last * 1e3,
        last / first
    );
    println!(
        "bench {engine:?}: dashboard  1M / 100k time ratio {:.2} (over HTTP {:.2}); users page {:.2} (10× the events)",
        figures[1].0 / figures[0].0,
        figures[1].2 / figures[0].2,
        figures[1].1 / figures[0].1
    );
}

async fn dashboard_requests(p: &mut Person, org: &Slug, slug: &str) -> i64 {
    let res = p
        .client
        .call_fn(&plinth::api::analytics::LoadDashboard { org: org.clone(), slug: slug.to_string(), filters: plinth::domain::analytics::Filters::default() })
        .await;
    res.json()["totals"]["requests"].as_i64().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: run with make bench"]
async fn bench_usage_sqlite() {
    usage_benchmarks(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: run with make bench"]
async fn bench_usage_postgres() {
    usage_benchmarks(Engine::Postgres).await;
}

/// The raw baseline's rate: `batches` × 500 rows like the benchmark's, into
/// `project`, with every index of `usage_events` and no rollups. SQLite:
/// one prepared multi-row INSERT per batch, each in its transaction (one
/// writer: SQLite has one). PostgreSQL: `COPY … FROM STDIN` per batch, from
/// 4 clients at once, as the HTTP run has.
async fn raw_baseline(app: &TestApp, project: i64, batches: u64) -> (f64, crate::cpu::Spent) {
    use sea_orm::TransactionTrait;
    let rows: Vec<Vec<EventInput>> = (0..batches).map(|b| (0..500).map(|i| spread("raw", b * 500 + i, LIVE)).collect()).collect();
    let db = &app.state.db;
    let at = bulk::Stamp { project, key: None };
    let meter = crate::cpu::Meter::start();
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        let pool = db.get_postgres_connection_pool().clone();
        let chunks: Vec<Vec<Vec<EventInput>>> = rows.chunks(rows.len().div_ceil(4)).map(|c| c.to_vec()).collect();
        let copies = chunks.into_iter().map(|chunk| {
            let pool = pool.clone();
            async move {
                for batch in chunk {
                    bulk::copy_rows(&pool, at, &batch).await;
                }
            }
        });
        join_all(copies).await;
    } else {
        for batch in rows {
            let tx = db.begin().await.unwrap();
            bulk::insert_rows(&tx, at, &batch).await;
            tx.commit().await.unwrap();
        }
    }
    let spent = meter.stop();
    let rate = (batches * 500) as f64 / spent.wall.as_secs_f64();
    let stored = scalar(app, &format!("SELECT COUNT(*) FROM usage_events WHERE project_id = {project} AND event_id LIKE 'raw-%'")).await;
    assert_eq!(stored, (batches * 500) as i64, "every baseline row went in");
    (rate, spent)
}
