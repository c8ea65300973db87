//! The server's memory (`make bench`): `plinth serve` alone in its process,
//! as deployed, while 4 clients send it 1M events over HTTP in batches of
//! 500. Its RSS is sampled as it goes; the goal is under 200 MB.
use crate::bulk::{LIVE, as_json, spread};
use crate::fixtures::*;
use crate::helpers::*;
use crate::operations::{plinth_cmd, serve_process};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A process's resident set and its peak, in kB (`VmRSS`, `VmHWM`).
fn rss_kb(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb = |field: &str| status.lines().find_map(|l| l.strip_prefix(field)).and_then(|v| v.split_whitespace().next()?.parse().ok()).unwrap_or(0);
    (kb("VmRSS:"), kb("VmHWM:"))
}

async fn serve_memory(engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        eprintln!("skipped: set {POSTGRES_ENV} to benchmark PostgreSQL");
        return;
    };
    let events = crate::bulk::bench_events(1_000_000).min(1_000_000);
    let mut fx = org(&app, "Memory").await;
    let (project, _) = fx.projects[0].clone();
    let secret = api_key(&mut fx.owner, project, "all").await;
    // The test's own server set the database up; `plinth serve` takes it over.
    let url = app.db.as_ref().expect("a database of the test's own").url.clone();
    let mut cmd = plinth_cmd(&url);
    cmd.env("PLINTH_API_REQUESTS_PER_MINUTE", "1000000")
        .env("PLINTH_API_REQUESTS_PER_PROJECT_MINUTE", "10000000")
        .env("PLINTH_LOG", "warn")
        .stdout(std::process::Stdio::null());
    let (mut child, base) = serve_process(cmd).await;
    let pid = child.id();
    let (idle, _) = rss_kb(pid);

    // Sampled every 100 ms: the largest RSS seen while ingesting.
    let done = Arc::new(AtomicBool::new(false));
    let largest = Arc::new(AtomicU64::new(0));
    let sampler = {
        let (done, largest) = (done.clone(), largest.clone());
        tokio::spawn(async move {
            while !done.load(Ordering::Relaxed) {
                largest.fetch_max(rss_kb(pid).0, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let batches = events / 500;
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let clients = (0..4).map(|_| {
        let (next, base, secret) = (next.clone(), base.clone(), secret.clone());
        async move {
            let http = reqwest::Client::new();
            loop {
                let b = next.fetch_add(1, Ordering::Relaxed);
                if b >= batches {
                    break;
                }
                let body = serde_json::json!({ "events": (0..500).map(|i| as_json(&spread("mem", b * 500 + i, LIVE))).collect::<Vec<_>>() });
                let res = http.post(format!("{base}/api/v1/events")).bearer_auth(&secret).json(&body).send().await.expect("send a batch");
                assert_eq!(res.status(), reqwest::StatusCode::OK, "{}", res.text().await.unwrap_or_default());
                if (b + 1) % 200 == 0 {
                    eprint!("\r  {} of {events} events", (b + 1) * 500);
                }
            }
        }
    });
    join_all(clients).await;
    let seconds = started.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    sampler.await.unwrap();
    eprintln!();
    let (rss, peak) = rss_kb(pid);
    let stored = scalar(&app, &format!("SELECT COUNT(*) FROM usage_events WHERE project_id = {project}")).await;
    assert_eq!(stored, (batches * 500) as i64, "every event stored");
    println!(
        "bench {engine:?}: memory     plinth serve: {} MB idle; after ingesting {stored} events over HTTP ({:.0} events/s, 4 clients): RSS {} MB, largest sampled {} MB, peak {} MB (goal under 200 MB)",
        idle / 1024,
        stored as f64 / seconds,
        rss / 1024,
        largest.load(Ordering::Relaxed).max(rss) / 1024,
        peak / 1024
    );
    let _ = child.kill();
    let _ = child.wait();
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: run with make bench"]
async fn bench_memory_sqlite() {
    serve_memory(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: run with make bench"]
async fn bench_memory_postgres() {
    serve_memory(Engine::Postgres).await;
}
