//! Scale (`make bench`): the dashboard, Users and Tokens pages and the
//! request log at 1M and at 10M events in one project (30 days), each
//! timed over HTTP as a browser asks for it. The events are written by the
//! bulk loader (`bulk::load`: the rows and rollups ingestion writes);
//! `PLINTH_BENCH_EVENTS` sets the larger size (the smaller is a tenth).
//! Prints figures; asserts only that the pages count every event.
use crate::bulk::{self, Stamp};
use crate::fixtures::*;
use crate::helpers::*;
use plinth::api::analytics::{LoadDashboard, LoadTokens, LoadUsers};
use plinth::api::requests::LoadRequests;
use plinth::domain::analytics::Filters;
use plinth::domain::requests::RequestFilters;
use plinth::domain::usage::EventStatus;
use serde_json::json;
use std::time::Instant;

/// The median of `runs` calls of a server function over HTTP, in milliseconds.
async fn median<F: leptos::server_fn::ServerFn + serde::Serialize>(client: &mut Client, args: &F, runs: usize) -> f64 {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        let res = client.call_fn(args).await;
        times.push(t.elapsed().as_secs_f64() * 1e3);
        assert!(res.status.is_success(), "{}", res.body);
    }
    times.sort_by(f64::total_cmp);
    times[runs / 2]
}

async fn scale(engine: Engine) {
    let Some(app) = bulk::bench_app(engine).await else { return };
    let top = bulk::bench_events(10_000_000);
    let mut fx = org(&app, "Scale").await;
    let (project, slug) = fx.projects[0].clone();
    let secret = api_key(&mut fx.owner, project, "all").await;
    let key = plinth::server::guard::api_key(&app.state.db, &secret).await.unwrap().key_id;
    let at = Stamp { project, key: Some(key) };
    let progress = indicatif::ProgressBar::new(top).with_style(
        indicatif::ProgressStyle::with_template("{prefix} {bar:40} {pos}/{len} events · {per_sec} · {eta} left")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    progress.set_prefix(format!("bench {engine:?}: loading"));
    let (org_slug, owner) = (fx.slug.clone(), &mut fx.owner);
    let filters = Filters::default();
    let mut loaded = 0;
    let mut figures: Vec<[f64; 3]> = Vec::new();
    for target in [top / 10, top] {
        let started = Instant::now();
        bulk::load(&app, at, loaded, target, &progress).await;
        println!(
            "bench {engine:?}: scale      loaded {} events in {:.0} s ({:.0} events/s, events and rollups)",
            target - loaded,
            started.elapsed().as_secs_f64(),
            (target - loaded) as f64 / started.elapsed().as_secs_f64()
        );
        loaded = target;
        if matches!(engine, Engine::Postgres) {
            // Fresh statistics, as autovacuum takes them after a bulk load (the
            // plans at 10M otherwise come from the table's first few rows).
            sea_orm::ConnectionTrait::execute_unprepared(&app.state.db, "ANALYZE").await.unwrap();
        }

        let dashboard = LoadDashboard { org: org_slug.clone(), slug: slug.clone(), filters: filters.clone() };
        let totals = owner.client.call_fn(&dashboard).await.json();
        assert_eq!(totals["totals"]["requests"].as_u64(), Some(target), "the dashboard counts every event");
        let mut pages = [0.0; 3];
        pages[0] = median(&mut owner.client, &dashboard, 7).await;
        pages[1] = median(&mut owner.client, &LoadUsers { org: org_slug.clone(), slug: slug.clone(), filters: filters.clone() }, 7).await;
        pages[2] = median(&mut owner.client, &LoadTokens { org: org_slug.clone(), slug: slug.clone(), filters: filters.clone() }, 7).await;
        println!(
            "bench {engine:?}: scale      30 days at {target:>10} events over HTTP: dashboard {:>8.1} ms, users {:>8.1} ms, tokens {:>8.1} ms",
            pages[0], pages[1], pages[2]
        );
        figures.push(pages);

        // The request log: a page with each filter, and the page after it.
        let f = |edit: &dyn Fn(&mut RequestFilters)| {
            let mut f = RequestFilters::default();
            edit(&mut f);
            f
        };
        let rare_user = "user-290".to_string();
        let cases: Vec<(&str, RequestFilters)> = vec![
            ("no filter", f(&|_| {})),
            ("model", f(&|f| f.model = Some("gpt-4o".into()))),
            ("assistant", f(&|f| f.assistant = Some("search".into()))),
            ("end user (rare)", f(&|f| f.user = Some(rare_user.clone()))),
            ("API key", f(&|f| f.key = Some(key))),
            ("errors", f(&|f| f.status = Some(EventStatus::Error))),
            ("environment", f(&|f| f.window.env = Some("production".into()))),
            (
                "all at once",
                f(&|f| {
                    (f.model, f.assistant, f.user, f.key, f.status) =
                        (Some("gpt-4o".into()), Some("search".into()), Some("user-2".into()), Some(key), Some(EventStatus::Error));
                    f.window.env = Some("production".into());
                }),
            ),
        ];
        let mut line = Vec::new();
        let mut worst: f64 = 0.0;
        for (name, filters) in cases {
            let load = LoadRequests { org: org_slug.clone(), slug: slug.clone(), filters: filters.clone() };
            let first = owner.client.call_fn(&load).await.json();
            let found = first["rows"].as_array().map_or(0, Vec::len);
            // Every single filter matches calls; all at once may match none (the search then reads the window's index range).
            assert!(found > 0 || name == "all at once", "{name}: a page of calls");
            let ms = median(&mut owner.client, &load, 5).await;
            worst = worst.max(ms);
            // The next page, from the first page's cursor.
            match first["next"].as_str() {
                Some(after) => {
                    let next = LoadRequests { filters: RequestFilters { after: Some(after.to_string()), ..filters }, ..load };
                    let next_ms = median(&mut owner.client, &next, 5).await;
                    worst = worst.max(next_ms);
                    line.push(format!("{name} {ms:.1}/{next_ms:.1}"));
                }
                None => line.push(format!("{name} {ms:.1} ({found} rows, one page)")),
            }
        }
        println!("bench {engine:?}: scale      request log at {target} events, first/second page in ms (goal under 50): {}; worst {worst:.1}", line.join(", "));
    }
    progress.finish_and_clear();
    let ratio = |i: usize| figures[1][i] / figures[0][i];
    println!(
        "bench {engine:?}: scale      {} / {} events time ratio (goal at most 1.3): dashboard {:.2}, users {:.2}, tokens {:.2}",
        top,
        top / 10,
        ratio(0),
        ratio(1),
        ratio(2)
    );
}

/// Retention on PostgreSQL at the larger size: the project's retention is
/// cut by a day and `purge_expired` deletes that day's events while one
/// client keeps sending live batches. Prints how long the delete took, the
/// batches' latency before and during it, and the table's size and dead
/// rows before and after, and after a VACUUM.
async fn retention() {
    use sea_orm::ConnectionTrait;
    let Some(app) = bulk::bench_app(Engine::Postgres).await else { return };
    let top = bulk::bench_events(10_000_000);
    let mut fx = org(&app, "Retention").await;
    let project = fx.projects[0].0;
    let secret = api_key(&mut fx.owner, project, "all").await;
    let progress = indicatif::ProgressBar::new(top);
    bulk::load(&app, Stamp { project, key: None }, 0, top, &progress).await;
    progress.finish_and_clear();
    let db = &app.state.db;
    db.execute_unprepared("ANALYZE usage_events").await.unwrap();
    let size = || async { scalar(&app, "SELECT pg_total_relation_size('usage_events')").await / (1024 * 1024) };
    let dead = || async { scalar(&app, "SELECT COALESCE(n_dead_tup, 0) FROM pg_stat_user_tables WHERE relname = 'usage_events'").await };
    let before_mb = size().await;

    // One client's live batches of 500: the latency of each, in ms.
    let api = Api::new(&app, Some(&secret));
    let batch = |n: u64| json!({ "events": (0..500).map(|i| bulk::as_json(&bulk::spread("ret", n * 500 + i, bulk::LIVE))).collect::<Vec<_>>() });
    let send = |n: u64| {
        let (api, body) = (&api, batch(n).to_string());
        async move {
            let t = Instant::now();
            let res = api.post_raw("/api/v1/events", "application/json", body).await;
            assert_eq!(res.status, reqwest::StatusCode::OK, "{}", res.body);
            t.elapsed().as_secs_f64() * 1e3
        }
    };
    let mut quiet = Vec::new();
    for n in 0..20 {
        quiet.push(send(n).await);
    }
    // The oldest of the 28 days expires.
    db.execute_unprepared(&format!("UPDATE projects SET retention_days = 27 WHERE id = {project}")).await.unwrap();
    let purge = {
        let db = db.clone();
        tokio::spawn(async move {
            let t = Instant::now();
            let removed = plinth::server::usage::store::purge_expired(&db, chrono::Utc::now()).await.unwrap();
            (removed, t.elapsed().as_secs_f64())
        })
    };
    let mut during = Vec::new();
    let mut n = 20;
    while !purge.is_finished() {
        during.push(send(n).await);
        n += 1;
    }
    let (removed, secs) = purge.await.unwrap();
    let (after_mb, dead_rows) = (size().await, dead().await);
    let t = Instant::now();
    db.execute_unprepared("VACUUM usage_events").await.unwrap();
    let vacuum = t.elapsed().as_secs_f64();
    let (vacuumed_mb, dead_after) = (size().await, dead().await);
    let stats = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (v.get(v.len() / 2).copied().unwrap_or(0.0), v.last().copied().unwrap_or(0.0))
    };
    let ((q_med, q_max), (d_med, d_max)) = (stats(&mut quiet), stats(&mut during));
    println!(
        "bench Postgres: retention  one day of {top} events: {removed} rows deleted in {secs:.1} s; live batches of 500 before: median {q_med:.0} ms, max {q_max:.0} ms; during ({} batches): median {d_med:.0} ms, max {d_max:.0} ms",
        during.len()
    );
    println!(
        "bench Postgres: retention  usage_events {before_mb} MB before, {after_mb} MB after with {dead_rows} dead rows; VACUUM {vacuum:.1} s: {vacuumed_mb} MB, {dead_after} dead rows (the space is reused by new rows, not returned)"
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: run with make bench"]
async fn bench_retention_postgres() {
    retention().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: run with make bench"]
async fn bench_scale_sqlite() {
    scale(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: run with make bench"]
async fn bench_scale_postgres() {
    scale(Engine::Postgres).await;
}
