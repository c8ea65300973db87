//! Durability with a real process: batches are sent in a loop to `plinth
//! serve`, the server is killed with SIGKILL mid-run, and then every
//! acknowledged event must be there, the rollups must equal the events, and
//! SQLite's integrity check must say ok.
use crate::fixtures::*;
use crate::helpers::*;
use crate::operations::plinth_cmd;
use reqwest::StatusCode;
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[tokio::test]
async fn acknowledged_events_survive_kill_9() {
    let db = TestDb::new(Engine::Sqlite).await.unwrap();
    let out = plinth_cmd(&db.url).arg("seed-demo").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let key = text.split("demo project key: ").nth(1).and_then(|r| r.split_whitespace().next()).expect("a demo key").to_string();
    let (mut server, base) = serve(&db.url).await;
    let http = reqwest::Client::new();

    // Three clients send batches of 100 until the server dies; each keeps the ids acknowledged.
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let senders: Vec<_> = (0..3)
        .map(|client| {
            let (http, base, key, acked) = (http.clone(), base.clone(), key.clone(), acked.clone());
            tokio::spawn(async move {
                for batch in 0.. {
                    let ids: Vec<String> = (0..100).map(|i| format!("k9-{client}-{batch}-{i}")).collect();
                    let events: Vec<_> = ids
                        .iter()
                        .map(|id| json!({ "id": id, "timestamp": chrono::Utc::now().to_rfc3339(), "model": "gpt-4o", "status": "success", "input_tokens": 10, "latency_ms": 300 }))
                        .collect();
                    match http.post(format!("{base}/api/v1/events")).bearer_auth(&key).json(&json!({ "events": events })).send().await {
                        Ok(res) if res.status() == StatusCode::OK => acked.lock().unwrap().extend(ids),
                        Ok(res) => panic!("unexpected {}", res.status()),
                        Err(_) => return,
                    }
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    server.kill().unwrap(); // SIGKILL: no shutdown, no flush
    server.wait().unwrap();
    for s in senders {
        let _ = s.await;
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 300, "batches were acknowledged before the kill: {}", acked.len());

    // Reopen the same file, as a restarted server would.
    let app = start(test_config(&db.url), None).await;
    let stored: std::collections::HashSet<String> = text_rows(&app, "SELECT event_id FROM usage_events WHERE event_id LIKE 'k9-%'").await.into_iter().collect();
    let lost: Vec<_> = acked.iter().filter(|id| !stored.contains(*id)).take(5).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    let events = scalar(&app, "SELECT COUNT(*) FROM usage_events").await;
    let rolled = scalar(&app, "SELECT CAST(SUM(requests) AS BIGINT) FROM usage_hourly").await;
    assert_eq!(events, rolled, "rollups equal the events");
    for table in ["usage_hourly_totals", "usage_daily_totals", "usage_daily_users", "usage_daily_user_totals"] {
        assert_eq!(events, scalar(&app, &format!("SELECT CAST(SUM(requests) AS BIGINT) FROM {table}")).await, "{table}");
    }
    assert_eq!(text_rows(&app, "PRAGMA integrity_check").await, vec!["ok".to_string()]);
    drop(db);
}

/// Start `plinth serve` over `url` on a free port; returns the process and its base URL.
async fn serve(url: &str) -> (std::process::Child, String) {
    let mut cmd = plinth_cmd(url);
    cmd.env("PLINTH_API_REQUESTS_PER_MINUTE", "1000000")
        .env("PLINTH_API_REQUESTS_PER_PROJECT_MINUTE", "10000000")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    crate::operations::serve_process(cmd).await
}

/// Two `plinth serve` processes on one PostgreSQL database take the same
/// and overlapping batches at once: no event lost, none counted twice, the
/// rollups equal the events, and a session started on one works on the other.
#[tokio::test]
async fn two_instances_share_one_postgres_database() {
    let Some(db) = TestDb::new(Engine::Postgres).await else { return };
    let out = plinth_cmd(&db.url).arg("seed-demo").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let key = text.split("demo project key: ").nth(1).and_then(|r| r.split_whitespace().next()).expect("a demo key").to_string();
    let ((mut a, base_a), (mut b, base_b)) = (serve(&db.url).await, serve(&db.url).await);

    // Batches 0..40 of 100 ids each, with each batch overlapping the next by half; every batch goes to both instances.
    let http = reqwest::Client::new();
    let sends: Vec<_> = (0..40)
        .flat_map(|n| [(n, base_a.clone()), (n, base_b.clone())])
        .map(|(n, base)| {
            let (http, key) = (http.clone(), key.clone());
            async move {
                let events: Vec<_> = (n * 50..n * 50 + 100)
                    .map(|i| json!({ "id": format!("two-{i}"), "timestamp": chrono::Utc::now().to_rfc3339(), "model": "gpt-4o", "status": "success", "cost_usd": "0.001" }))
                    .collect();
                let res = http.post(format!("{base}/api/v1/events")).bearer_auth(&key).json(&json!({ "events": events })).send().await.unwrap();
                (res.status(), res.json::<serde_json::Value>().await.unwrap())
            }
        })
        .collect();
    let mut accepted = 0;
    for (status, body) in join_all(sends).await {
        assert_eq!(status, StatusCode::OK, "{body}");
        accepted += body["accepted"].as_i64().unwrap();
    }
    // Ids two-0 … two-2049: each accepted exactly once, whichever instance took it.
    assert_eq!(accepted, 2_050);
    let app = start(test_config(&db.url), None).await;
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM usage_events WHERE event_id LIKE 'two-%'").await, 2_050);
    let events = scalar(&app, "SELECT COUNT(*) FROM usage_events").await;
    for table in ["usage_hourly", "usage_hourly_totals", "usage_daily_totals", "usage_daily_users", "usage_daily_user_totals"] {
        assert_eq!(events, scalar(&app, &format!("SELECT CAST(SUM(requests) AS BIGINT) FROM {table}")).await, "{table}");
    }
    let timed = scalar(&app, "SELECT COUNT(*) FROM usage_events WHERE latency_ms IS NOT NULL").await;
    for table in ["usage_latency_hourly", "usage_latency_daily"] {
        assert_eq!(timed, scalar(&app, &format!("SELECT CAST(COALESCE(SUM(calls), 0) AS BIGINT) FROM {table}")).await, "{table}");
    }

    // Sign in on A, use the session on B.
    let mut c = Client::at(&base_a);
    assert_eq!(c.log_in(plinth::server::seed::DEMO_OWNER_EMAIL, plinth::server::seed::DEMO_PASSWORD).await.status, StatusCode::OK);
    c.base = base_b.clone();
    assert_eq!(c.me().await["email"], plinth::server::seed::DEMO_OWNER_EMAIL, "B knows the session A started");
    a.kill().unwrap();
    b.kill().unwrap();
    let _ = (a.wait(), b.wait());
}
