//! Group commit: batches of one project that arrive while one of its groups
//! is being written wait, then go in together in one transaction, and each
//! is answered for itself.
use crate::fixtures::*;
use crate::helpers::*;
use crate::on_both_engines;
use chrono::{Duration, Utc};
use plinth::server::usage::store;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, DbBackend};
use serde_json::json;

fn batch(ids: impl Iterator<Item = String>) -> serde_json::Value {
    let at = (Utc::now() - Duration::minutes(1)).to_rfc3339();
    json!({ "events": ids.map(|id| json!({ "id": id, "timestamp": at, "model": "gpt-4o", "status": "success", "user": "u", "input_tokens": 10 })).collect::<Vec<_>>() })
}

/// Poll until `ready` holds (at most 4 s: SQLite's busy timeout is 5).
async fn until(what: &str, ready: impl Fn() -> bool) {
    for _ in 0..400 {
        if ready() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("waited 4 s for {what}");
}

on_both_engines!(waiting_batches_go_in_together_and_are_answered_alone, |app: TestApp| async move {
    let mut fx = org(&app, "Group").await;
    let project = fx.projects[0].0;
    let first = api_key(&mut fx.owner, project, "ingest").await;
    let second = api_key(&mut fx.owner, project, "ingest").await;
    let second_id = plinth::server::guard::api_key(&app.state.db, &second).await.unwrap().key_id;

    // Each key used once first: a key's first use marks it used, a write
    // that would wait on the hold below.
    for (secret, id) in [(&first, "warm-1"), (&second, "warm-2")] {
        let res = Api::new(&app, Some(secret)).events(&batch(std::iter::once(id.to_string()))).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    }
    // Hold the database so the first batch's group waits in its transaction;
    // inside the same hold, revoke the second key (committed at release).
    let db = app.state.db.clone();
    let hold = begin_write(&db).await.unwrap();
    let revoked =
        sea_orm::Statement::from_sql_and_values(db.get_database_backend(), sql_revoke(db.get_database_backend()), [Utc::now().into(), second_id.into()]);
    hold.execute_raw(revoked).await.unwrap();
    if db.get_database_backend() == DbBackend::Postgres {
        hold.execute_unprepared("LOCK TABLE usage_events IN SHARE MODE").await.unwrap();
    }
    let send = |secret: &String, body: serde_json::Value| {
        let api = Api::new(&app, Some(secret));
        tokio::spawn(async move { api.events(&body).await })
    };
    let a = send(&first, batch((0..20).map(|i| format!("a-{i:02}"))));
    until("the first group to start", || store::state(project).0).await;
    // Two batches of the same key with ids that alternate, and one of the
    // key revoked while they wait.
    let b = send(&first, batch((0..40).step_by(2).map(|i| format!("g-{i:02}"))));
    let c = send(&second, batch((0..10).map(|i| format!("c-{i:02}"))));
    let d = send(&first, batch((1..40).step_by(2).map(|i| format!("g-{i:02}"))));
    until("three batches waiting", || store::state(project).1 == 3).await;
    hold.commit().await.unwrap();

    let a = a.await.unwrap();
    assert_eq!((a.status, a.json()["accepted"].as_i64()), (StatusCode::OK, Some(20)), "{}", a.body);
    for (res, n) in [(b.await.unwrap(), 20), (d.await.unwrap(), 20)] {
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!((res.json()["accepted"].as_i64(), res.json()["duplicates"].as_i64()), (Some(n), Some(0)), "{}", res.body);
    }
    let c = c.await.unwrap();
    assert_eq!(c.status, StatusCode::UNAUTHORIZED, "a key revoked while its batch waited: {}", c.body);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM usage_events WHERE event_id LIKE 'c-%'").await, 0, "nothing of it is stored");
    // One transaction wrote both waiting batches, in one id order: their
    // rows alternate. Written one after the other, each batch's would be together.
    let order = ordered_rows(&app, "SELECT event_id FROM usage_events WHERE event_id LIKE 'g-%' ORDER BY id").await;
    let expected: Vec<String> = (0..40).map(|i| format!("g-{i:02}")).collect();
    assert_eq!(order, expected);
    assert_eq!(store::state(project), (false, 0));
    // The rollups count each event once.
    let rollup = scalar(&app, &format!("SELECT CAST(COALESCE(SUM(requests), 0) AS BIGINT) FROM usage_daily_totals WHERE project_id = {project}")).await;
    assert_eq!(rollup, 2 + 60);
});

fn sql_revoke(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => "UPDATE api_keys SET revoked_at = $1 WHERE id = $2",
        _ => "UPDATE api_keys SET revoked_at = ? WHERE id = ?",
    }
}
