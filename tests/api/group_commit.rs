//! Group commit: batches of one project that arrive while one of its groups
//! is being written wait, then go in together in one transaction, and each
//! is answered for itself.
use crate::fixtures::*;
use crate::helpers::*;
use crate::on_both_engines;
use chrono::{Duration, Utc};
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
    until("the first group to start", || app.state.writer.state(project).0).await;
    // Two batches of the same key with ids that alternate, and one of the
    // key revoked while they wait.
    let b = send(&first, batch((0..40).step_by(2).map(|i| format!("g-{i:02}"))));
    let c = send(&second, batch((0..10).map(|i| format!("c-{i:02}"))));
    // The last also repeats the first's "g-00": one copy goes in.
    let d = send(&first, batch((1..40).step_by(2).map(|i| format!("g-{i:02}")).chain(["g-00".to_string()])));
    until("three batches waiting", || app.state.writer.state(project).1 == 3).await;
    hold.commit().await.unwrap();

    let a = a.await.unwrap();
    assert_eq!((a.status, a.json()["accepted"].as_i64()), (StatusCode::OK, Some(20)), "{}", a.body);
    let (mut accepted, mut duplicates) = (0, 0);
    for res in [b.await.unwrap(), d.await.unwrap()] {
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        accepted += res.json()["accepted"].as_i64().unwrap();
        duplicates += res.json()["duplicates"].as_i64().unwrap();
    }
    assert_eq!((accepted, duplicates), (40, 1), "an id in two batches of a group is stored once, a duplicate for the other");
    let c = c.await.unwrap();
    assert_eq!(c.status, StatusCode::UNAUTHORIZED, "a key revoked while its batch waited: {}", c.body);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM usage_events WHERE event_id LIKE 'c-%'").await, 0, "nothing of it is stored");
    // One transaction wrote both waiting batches, in one id order: their
    // rows alternate. Written one after the other, each batch's would be together.
    let order = ordered_rows(&app, "SELECT event_id FROM usage_events WHERE event_id LIKE 'g-%' ORDER BY id").await;
    let expected: Vec<String> = (0..40).map(|i| format!("g-{i:02}")).collect();
    assert_eq!(order, expected);
    assert_eq!(app.state.writer.state(project), (false, 0));
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

/// A project's waiting batches are bounded: past `WAITING_EVENTS` a batch
/// is answered 503 `busy` at once, and a batch whose client stopped waiting
/// is left out. (PostgreSQL only: a table lock holds a group as long as the
/// test needs, where SQLite's busy timeout would end it after 5 s.)
#[tokio::test]
async fn waiting_is_bounded_and_abandoned_batches_are_left_out() {
    use plinth::server::usage::store::{GROUP_EVENTS, WAITING_EVENTS};
    let Some(app) = spawn_app_with(Engine::Postgres, |c| c.limits.api_requests_per_key_minute = 10_000).await else {
        eprintln!("skipped: set {POSTGRES_ENV} to run PostgreSQL tests");
        return;
    };
    let mut fx = org(&app, "Bounded").await;
    let project = fx.projects[0].0;
    let secret = api_key(&mut fx.owner, project, "ingest").await;
    let warm = Api::new(&app, Some(&secret)).events(&batch(std::iter::once("warm".to_string()))).await;
    assert_eq!(warm.status, StatusCode::OK, "{}", warm.body);
    let hold = begin_write(&app.state.db).await.unwrap();
    hold.execute_unprepared("LOCK TABLE usage_events IN SHARE MODE").await.unwrap();
    let send = |ids: Vec<String>| {
        let api = Api::new(&app, Some(&secret));
        tokio::spawn(async move { api.events(&batch(ids.into_iter())).await })
    };
    let first = send(vec!["first".into()]);
    until("the first group to start", || app.state.writer.state(project).0).await;
    // A client that gives up after 300 ms, while its batch waits.
    let quitter = reqwest::Client::builder().timeout(std::time::Duration::from_millis(300)).build().unwrap();
    let gave_up = quitter.post(format!("{}/api/v1/events", app.base)).bearer_auth(&secret).json(&batch(std::iter::once("quit".to_string()))).send().await;
    assert!(gave_up.is_err(), "the request timed out");
    // Full batches until the queue holds WAITING_EVENTS events.
    let full = WAITING_EVENTS / 1_000;
    const { assert!(GROUP_EVENTS < WAITING_EVENTS && WAITING_EVENTS.is_multiple_of(1_000)) };
    let waiting: Vec<_> = (0..full).map(|b| send((0..1_000).map(|i| format!("w{b}-{i:03}")).collect())).collect();
    until("the queue to fill", || app.state.writer.state(project).1 == full).await;
    let over = quitter.post(format!("{}/api/v1/events", app.base)).bearer_auth(&secret).json(&batch(std::iter::once("over".to_string()))).send().await;
    let refused = over.expect("answered at once, not queued");
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(refused.headers().contains_key("retry-after"));
    assert_eq!(refused.json::<serde_json::Value>().await.unwrap()["error"]["code"], "busy");
    hold.commit().await.unwrap();
    assert_eq!(first.await.unwrap().status, StatusCode::OK);
    for res in join_all(waiting).await {
        assert_eq!(res.unwrap().status, StatusCode::OK);
    }
    for (id, what) in [("over", "the refused batch"), ("quit", "the abandoned batch")] {
        assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM usage_events WHERE event_id = '{id}'")).await, 0, "{what}");
    }
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM usage_events").await, 2 + WAITING_EVENTS as i64);
}
