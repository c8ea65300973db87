//! SQLite under contention: concurrent batches take turns instead of failing,
//! and a database locked past the busy timeout answers 503 `busy` with
//! `Retry-After`, keeping nothing of the batch.
use crate::fixtures::*;
use crate::helpers::*;
use chrono::Utc;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde_json::{Value, json};

fn batch(prefix: &str, n: usize) -> Value {
    let events: Vec<Value> = (0..n).map(|i| json!({ "id": format!("{prefix}-{i}"), "timestamp": Utc::now().to_rfc3339(), "model": "gpt-4o", "status": "success", "user": format!("u{}", i % 50), "cost_usd": "0.001" })).collect();
    json!({ "events": events })
}

#[tokio::test]
async fn a_locked_sqlite_answers_503_busy_and_keeps_nothing() {
    let app = spawn_app(Engine::Sqlite).await.unwrap();
    let mut fx = org(&app, "Locked").await;
    let key = api_key(&mut fx.owner, fx.projects[0].0, "ingest").await;
    let api = Api::new(&app, Some(&key));
    // Another process's writer holds the lock longer than the busy timeout.
    let outside = sea_orm::Database::connect(&app.db.as_ref().unwrap().url).await.unwrap();
    let tx = outside.begin().await.unwrap();
    tx.execute_unprepared("UPDATE projects SET name = name").await.unwrap();
    let res = api.events(&batch("locked", 10)).await;
    assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE, "{}", res.body);
    assert_eq!(res.json()["error"]["code"], "busy");
    assert_eq!(res.headers.get("retry-after").and_then(|v| v.to_str().ok()), Some("1"));
    tx.rollback().await.unwrap();
    assert_eq!(count_rows(&app, "usage_events").await, 0, "nothing of the refused batch");
    // The retry the answer asks for goes through.
    let res = api.events(&batch("locked", 10)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["accepted"], 10);
}

#[tokio::test]
async fn eight_concurrent_clients_all_get_through_on_sqlite() {
    let app = spawn_app(Engine::Sqlite).await.unwrap();
    let mut fx = org(&app, "Crowd").await;
    let key = api_key(&mut fx.owner, fx.projects[0].0, "ingest").await;
    let clients = (0..8).map(|c| {
        let api = Api::new(&app, Some(&key));
        async move {
            let mut statuses = Vec::new();
            for b in 0..3 {
                statuses.push(api.events(&batch(&format!("c{c}b{b}"), 500)).await.status);
            }
            statuses
        }
    });
    let statuses: Vec<StatusCode> = join_all(clients).await.into_iter().flatten().collect();
    assert!(statuses.iter().all(|s| *s == StatusCode::OK), "{statuses:?}");
    assert_eq!(count_rows(&app, "usage_events").await, 8 * 3 * 500);
}
