//! CSV exports and the request log under load (issue 21): every page is a
//! seek on (project, occurred_at, id), whatever its position, and only a few
//! exports run at once, per project and in all, the rest answered 429 with
//! `Retry-After`.
use crate::fixtures::*;
use crate::helpers::*;
use crate::{on_both_engines, on_both_engines_with};
use chrono::{Duration, Utc};
use plinth::domain::analytics::Window;
use plinth::domain::requests::{Cursor, RequestFilters};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, QueryTrait};
use serde_json::json;

/// What the database plans for one page of the log after `cursor`, with
/// the values bound as the app binds them (SQLite's plan then holds for any
/// value: the build keeps plans stable, `SQLITE_ENABLE_QPSG`).
async fn log_plan(app: &TestApp, project_id: i64, f: &RequestFilters, cursor: Option<Cursor>, floor: Option<Cursor>) -> String {
    let window = Window { from_hour: 0, to_hour: Utc::now().timestamp() / 3_600 + 1, hourly: false, label: String::new() };
    let backend = app.state.db.get_database_backend();
    let query = plinth::server::repo::requests::search_query(project_id, &window, f, cursor, floor);
    plan(app, sea_orm::QuerySelect::limit(query, 1001).build(backend)).await
}

on_both_engines!(every_log_page_is_a_seek, |app: TestApp| async move {
    let mut fx = org(&app, "Seek").await;
    let project = fx.projects[0].0;
    let api = Api::new(&app, Some(&api_key(&mut fx.owner, project, "ingest").await));
    let events: Vec<_> = (0..50)
        .map(|i| json!({ "id": format!("e{i}"), "timestamp": (Utc::now() - Duration::minutes(i)).to_rfc3339(), "model": "gpt-4o", "status": "success" }))
        .collect();
    assert_eq!(api.events(&json!({ "events": events })).await.status, StatusCode::OK);
    let cursor = Some(Cursor { at: Utc::now() - Duration::minutes(25), id: 1_000 });
    let filtered = RequestFilters { model: Some("gpt-4o".into()), ..Default::default() };
    // One upper bound on occurred_at: with two (the window's end and the
    // cursor), SQLite seeks on the window's end and walks down to the
    // cursor, a cost that grows with the page's position.
    let window = Window { from_hour: 0, to_hour: Utc::now().timestamp() / 3_600 + 1, hourly: false, label: String::new() };
    let upper_bounds = |c: Option<Cursor>| {
        let sql = plinth::server::repo::requests::log_query(project, &window, &RequestFilters::default(), c).build(sea_orm::DbBackend::Sqlite).to_string();
        sql.matches("\"occurred_at\" <").count()
    };
    assert_eq!(upper_bounds(None), 1);
    assert_eq!(upper_bounds(cursor), 2, "`<= at`, and `< at` in the tie-break only");
    // A filtered search's budget (its floor) is the index range's lower bound.
    let floor = Some(Cursor { at: Utc::now() - Duration::minutes(40), id: 5 });
    for (f, c, below) in
        [(RequestFilters::default(), None, None), (RequestFilters::default(), cursor, None), (filtered.clone(), cursor, None), (filtered, cursor, floor)]
    {
        let plan = log_plan(&app, project, &f, c, below).await;
        if below.is_some() && matches!(app.state.db.get_database_backend(), sea_orm::DbBackend::Postgres) {
            assert!(plan.contains("occurred_at >="), "the floor bounds the index range: {plan}");
        }
        match app.state.db.get_database_backend() {
            sea_orm::DbBackend::Postgres => {
                assert!(plan.contains("Index Scan Backward using ix_usage_events_project_time"), "{plan}");
                if c.is_some() {
                    assert!(plan.contains("occurred_at <="), "the cursor bounds the index range: {plan}");
                }
                assert!(!plan.contains("Sort"), "no sort of the window: {plan}");
            }
            _ => {
                assert!(plan.contains("USING INDEX ix_usage_events_project_time (project_id=? AND occurred_at>? AND occurred_at<?)"), "{plan}");
                assert!(!plan.contains("TEMP B-TREE"), "no sort of the window: {plan}");
            }
        }
    }
});

on_both_engines_with!(
    exports_run_a_few_at_a_time,
    |c: &mut plinth::server::config::Config| {
        c.limits.exports_per_project = 1;
        c.limits.exports_total = 2;
    },
    |app: TestApp| async move {
        let mut fx = org(&app, "Exports").await;
        let at = fx.slug.clone();
        let ((project, slug), (other, other_slug)) = (fx.projects[0].clone(), fx.projects[1].clone());
        let path = |slug: &str| format!("/o/{at}/projects/{slug}/export/requests.csv");
        // An export of this project is streaming (its place is taken here, as its stream holds it).
        let running = app.state.throttle.start_export(project).unwrap();
        let res = fx.owner.client.get(&path(&slug)).await;
        assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.body);
        assert_eq!(res.headers.get("retry-after").and_then(|v| v.to_str().ok()), Some("5"));
        let usage = fx.owner.client.get(&format!("/o/{at}/projects/{slug}/export/usage.csv?group_by=model")).await;
        assert_eq!(usage.status, StatusCode::TOO_MANY_REQUESTS, "both exports count");
        // Another project still has room, until the server's total is reached.
        assert_eq!(fx.owner.client.get(&path(&other_slug)).await.status, StatusCode::OK);
        let elsewhere = app.state.throttle.start_export(other).unwrap();
        let mut stranger = org(&app, "Stranger").await;
        let theirs = format!("/o/{}/projects/{}/export/requests.csv", stranger.slug, stranger.projects[0].1);
        assert_eq!(stranger.owner.client.get(&theirs).await.status, StatusCode::TOO_MANY_REQUESTS, "two in all");
        assert_eq!(stranger.owner.client.get(&path(&slug)).await.status, StatusCode::NOT_FOUND, "and others' exports are not found, not queued");
        drop((running, elsewhere));
        // A finished download gives its place back: the next one runs.
        for _ in 0..3 {
            let res = fx.owner.client.get(&path(&slug)).await;
            assert_eq!(res.status, StatusCode::OK, "{}", res.body);
            assert!(res.body.starts_with("id,event_id,"), "{}", res.body);
        }
        assert!(app.state.throttle.start_export(project).is_some(), "nothing left held");
    }
);

// Times are kept to the microsecond, as the log's cursor carries them: with
// nanoseconds stored (SQLite keeps what it is given), a page ending inside
// one microsecond hid the rest of it from the next page.
on_both_engines!(calls_within_one_microsecond_all_reach_the_log, |app: TestApp| async move {
    use plinth::api::requests::LoadRequests;
    let mut fx = org(&app, "Nanos").await;
    let (project, slug) = fx.projects[0].clone();
    let api = Api::new(&app, Some(&api_key(&mut fx.owner, project, "ingest").await));
    let at = (Utc::now() - Duration::minutes(5)).format("%Y-%m-%dT%H:%M:%S%.6f").to_string();
    let events: Vec<_> =
        (0..120).map(|i| json!({ "id": format!("n{i}"), "timestamp": format!("{at}{:03}Z", i % 1000), "model": "m", "status": "success" })).collect();
    assert_eq!(api.events(&json!({ "events": events })).await.status, StatusCode::OK);
    let (mut seen, mut after) = (std::collections::HashSet::new(), None::<String>);
    loop {
        let page = fx
            .owner
            .client
            .call_fn(&LoadRequests { org: fx.slug.clone(), slug: slug.clone(), filters: RequestFilters { after: after.clone(), ..Default::default() } })
            .await
            .json();
        for row in page["rows"].as_array().unwrap() {
            assert!(seen.insert(row["id"].as_i64().unwrap()), "a row repeated");
        }
        match page["next"].as_str() {
            Some(c) => after = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 120, "every call, on some page");
});

// A log export whose database read fails midway says so in its last line,
// then breaks the response off: the file never ends short in silence.
on_both_engines!(an_export_that_fails_midway_says_so, |app: TestApp| async move {
    let mut fx = org(&app, "Midway").await;
    let (project, slug) = fx.projects[0].clone();
    let api = Api::new(&app, Some(&api_key(&mut fx.owner, project, "ingest").await));
    let at = (Utc::now() - Duration::minutes(5)).to_rfc3339();
    // Enough rows (about 2 MB) that the server is still streaming, held
    // back by the socket, when the table goes away.
    for batch in 0..40 {
        let events: Vec<_> = (0..1_000).map(|i| json!({ "id": format!("m{batch}-{i}"), "timestamp": at, "model": "gpt-4o", "status": "success" })).collect();
        assert_eq!(api.events(&json!({ "events": events })).await.status, StatusCode::OK);
    }
    let cookie = format!("{}={}", plinth::server::app::SESSION_COOKIE, fx.owner.client.cookie.clone().unwrap());
    let url = format!("{}/o/{}/projects/{slug}/export/requests.csv", app.base, fx.slug);
    let mut res = reqwest::Client::new().get(url).header("cookie", cookie).header("accept-encoding", "identity").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // The first rows are on their way; then the table is gone.
    let first = res.chunk().await.unwrap().expect("a first chunk");
    assert!(String::from_utf8_lossy(&first).starts_with("id,event_id,"));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    app.state.db.execute_unprepared("ALTER TABLE usage_events RENAME TO usage_events_away").await.unwrap();
    let mut body = String::from_utf8_lossy(&first).to_string();
    let ended = loop {
        match res.chunk().await {
            Ok(Some(bytes)) => body.push_str(&String::from_utf8_lossy(&bytes)),
            Ok(None) => break "finished",
            Err(_) => break "broken off",
        }
    };
    app.state.db.execute_unprepared("ALTER TABLE usage_events_away RENAME TO usage_events").await.unwrap();
    assert!(body.trim_end().ends_with("Download it again."), "the last line says the file is incomplete: …{}", &body[body.len().saturating_sub(200)..]);
    assert!(body.contains("# INCOMPLETE"));
    assert_eq!(ended, "broken off", "and the response does not end as if complete");
    assert!(body.lines().count() < 40_001, "not every row was sent: {}", body.lines().count());
});
