//! The Users and Tokens pages' numbers against direct aggregates of the
//! stored events, and the CSV exports: same rows as the log, exact sums,
//! formulas defused, and no way in for strangers or signed-out callers.
use crate::fixtures::*;
use crate::helpers::*;
use crate::on_both_engines;
use chrono::{Duration, Utc};
use plinth::api::analytics::{LoadTokens, LoadUsers};
use plinth::domain::analytics::{Filters, Range};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// End user `u{i}` makes `i + 1` calls of `(12 - i)²` cents each: u3 costs
/// the most, u11 calls the most. Every fifth call names no end user, and
/// staging calls are only counted without the environment filter.
fn events() -> Vec<Value> {
    let mut out = Vec::new();
    for i in 0..12usize {
        for n in 0..=i {
            let cents = (12 - i) * (12 - i);
            let model = ["gpt-4o", "gpt-4o-mini", "claude-sonnet-4"][(i + n) % 3];
            out.push(json!({
                "id": format!("u{i}-{n}"),
                "timestamp": (Utc::now() - Duration::minutes(5 + n as i64)).to_rfc3339(),
                "model": model,
                "assistant": if n % 2 == 0 { "support" } else { "search" },
                "user": format!("u{i}"),
                "environment": "production",
                "status": "success",
                "input_tokens": 100 * (i + 1),
                "output_tokens": 7 * (n + 1),
                "cost_usd": format!("{}.{:02}", cents / 100, cents % 100),
            }));
        }
    }
    for n in 0..20 {
        out.push(json!({ "id": format!("anon-{n}"), "timestamp": Utc::now().to_rfc3339(), "model": "gpt-4o", "environment": "production", "status": "success", "input_tokens": 3, "output_tokens": 1, "cost_usd": "0.5" }));
    }
    out.push(json!({ "id": "staging-1", "timestamp": Utc::now().to_rfc3339(), "model": "o3", "user": "tester", "environment": "staging", "status": "success", "input_tokens": 1_000_000, "cost_usd": "99" }));
    out
}

fn keys(list: &Value) -> Vec<String> {
    list.as_array().unwrap().iter().map(|g| g["key"].as_str().unwrap().to_string()).collect()
}

on_both_engines!(users_and_tokens_equal_direct_aggregates, |app: TestApp| async move {
    let mut fx = org(&app, "Reports").await;
    let (project, slug) = fx.projects[0].clone();
    let key = api_key(&mut fx.owner, project, "ingest").await;
    assert_eq!(Api::new(&app, Some(&key)).events(&json!({ "events": events() })).await.status, StatusCode::OK);
    let prod = Filters { range: Some(Range::Week), env: Some("production".into()), ..Default::default() };
    let at = fx.slug.clone();
    let users = |filters: Filters| LoadUsers { org: at.clone(), slug: slug.clone(), filters };

    let res = fx.owner.client.call_fn(&users(prod.clone())).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let u = res.json();
    let named = format!("FROM usage_events WHERE project_id = {project} AND environment = 'production' AND end_user IS NOT NULL");
    assert_eq!(u["active_users"].as_i64(), Some(scalar(&app, &format!("SELECT COUNT(DISTINCT end_user) {named}")).await));
    assert_eq!(u["requests"].as_i64(), Some(scalar(&app, &format!("SELECT COUNT(*) {named}")).await));
    assert_eq!(u["cost"].as_i64(), Some(scalar(&app, &format!("SELECT CAST(SUM(cost_nanos) AS BIGINT) {named}")).await));
    assert_eq!(u["unnamed_requests"], 20);
    let top = |order: &str| format!("SELECT end_user {named} GROUP BY end_user ORDER BY {order} DESC, end_user LIMIT 10");
    assert_eq!(keys(&u["top_by_cost"]), ordered_rows(&app, &top("SUM(cost_nanos)")).await);
    assert_eq!(keys(&u["top_by_requests"]), ordered_rows(&app, &top("COUNT(*)")).await);
    assert_eq!(keys(&u["top_by_cost"])[0], "u3");
    assert_eq!(keys(&u["top_by_requests"])[0], "u11");
    // The pivot: the top users by cost, each row's cells adding up to that user's calls.
    let pivot = &u["pivot"];
    assert_eq!(pivot["models"].as_array().unwrap().len(), 3);
    for (row, user) in pivot["rows"].as_array().unwrap().iter().zip(keys(&u["top_by_cost"])) {
        assert_eq!(row["user"], user.as_str());
        let cells: i64 = row["cells"].as_array().unwrap().iter().filter_map(|c| c["requests"].as_i64()).sum();
        assert_eq!(cells, scalar(&app, &format!("SELECT COUNT(*) {named} AND end_user = '{user}'")).await);
    }
    assert!(u["timeline"]["summary"].as_str().unwrap().contains("12 users"), "{}", u["timeline"]["summary"]);
    assert!(!u["timeline"]["table"]["rows"].as_array().unwrap().is_empty(), "the chart's numbers as a table");
    // The last 24 hours are not whole days: the hourly per-user rollup answers, alike.
    let day = fx.owner.client.call_fn(&users(Filters { range: Some(Range::Day), ..prod.clone() })).await.json();
    for field in ["active_users", "requests", "cost", "unnamed_requests", "top_by_cost", "top_by_requests", "pivot"] {
        assert_eq!(day[field], u[field], "{field} over 24 hours");
    }
    // Without the environment filter the staging tester counts too.
    let all = fx.owner.client.call_fn(&users(Filters { range: Some(Range::Week), ..Default::default() })).await.json();
    assert_eq!(all["active_users"], 13);

    let tokens = fx.owner.client.call_fn(&LoadTokens { org: fx.slug.clone(), slug: slug.clone(), filters: prod.clone() }).await;
    assert_eq!(tokens.status, StatusCode::OK, "{}", tokens.body);
    let t = tokens.json();
    let prod_events = format!("FROM usage_events WHERE project_id = {project} AND environment = 'production'");
    assert_eq!(t["input_tokens"].as_i64(), Some(scalar(&app, &format!("SELECT CAST(SUM(input_tokens) AS BIGINT) {prod_events}")).await));
    assert_eq!(t["output_tokens"].as_i64(), Some(scalar(&app, &format!("SELECT CAST(SUM(output_tokens) AS BIGINT) {prod_events}")).await));
    assert_eq!(t["requests"].as_i64(), Some(scalar(&app, &format!("SELECT COUNT(*) {prod_events}")).await));
    // Assistant × model: every row of the split table is a direct sum.
    let split = t["by_assistant"]["table"]["rows"].as_array().unwrap();
    assert_eq!(
        split.len() as i64,
        scalar(&app, &format!("SELECT COUNT(*) FROM (SELECT assistant, model {prod_events} GROUP BY assistant, model) AS pairs")).await
    );
    for row in split {
        let (assistant, model) = (row[0].as_str().unwrap(), row[1].as_str().unwrap());
        let filter = if assistant == "(not named)" { "assistant IS NULL".to_string() } else { format!("assistant = '{assistant}'") };
        let sum = scalar(&app, &format!("SELECT CAST(SUM(input_tokens + output_tokens) AS BIGINT) {prod_events} AND {filter} AND model = '{model}'")).await;
        assert_eq!(row[2].as_str().unwrap().replace(',', ""), sum.to_string(), "{assistant} × {model}");
    }

    // A Project Viewer may look; another organization and a signed-out caller may not.
    let mut viewer = join(&app, &mut fx, "viewer", "").await;
    assert_eq!(viewer.client.call_fn(&users(prod.clone())).await.status, StatusCode::OK);
    let mut stranger = org(&app, "Elsewhere").await;
    assert_eq!(stranger.owner.client.call_fn(&users(prod.clone())).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        stranger.owner.client.call_fn(&LoadTokens { org: fx.slug.clone(), slug: slug.clone(), filters: prod.clone() }).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(Client::new(&app).call_fn(&users(prod.clone())).await.status, StatusCode::UNAUTHORIZED);
    // Filters are typed: a range the pages do not offer, or a date that is
    // not one, is refused before the function runs.
    for (field, bad) in [("filters[range]", "forever"), ("filters[from]", "2026-13-01"), ("filters[to]", "yesterday")] {
        let res = fx.owner.client.call("analytics/users", &[("org", at.as_str()), ("slug", slug.as_str()), (field, bad)]).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}={bad}: {}", res.body);
    }
    // A control character in a filter is a 422, not a 500 from PostgreSQL
    // (which cannot compare a NUL), on the pages, the log and the exports.
    let nul = Filters { env: Some("prod\u{0}".into()), ..prod.clone() };
    assert_eq!(fx.owner.client.call_fn(&users(nul.clone())).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fx.owner.client.call_fn(&LoadTokens { org: fx.slug.clone(), slug: slug.clone(), filters: nul }).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let long = Filters { env: Some("e".repeat(201)), ..prod.clone() };
    assert_eq!(fx.owner.client.call_fn(&users(long)).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    for path in ["usage.csv?env=%00", "requests.csv?env=%00", "requests.csv?model=a%00b", "usage.csv?env=%01"] {
        let res = fx.owner.client.get(&format!("/o/{at}/projects/{slug}/export/{path}")).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {}", res.body);
    }
    let log = plinth::api::requests::LoadRequests {
        org: fx.slug.clone(),
        slug: slug.clone(),
        filters: plinth::domain::requests::RequestFilters { user: Some("\u{0}".into()), ..Default::default() },
    };
    assert_eq!(fx.owner.client.call_fn(&log).await.status, StatusCode::UNPROCESSABLE_ENTITY);
});

/// A CSV body as rows of cells (the exports quote nothing in these tests
/// but the formula cell, which holds no comma).
fn csv_rows(body: &str) -> Vec<Vec<String>> {
    body.split("\r\n").filter(|l| !l.is_empty()).map(|l| l.split(',').map(str::to_string).collect()).collect()
}

on_both_engines!(csv_exports_hold_the_filtered_log_and_exact_sums, |app: TestApp| async move {
    let mut fx = org(&app, "Export").await;
    let at = fx.slug.clone();
    let (project, slug) = fx.projects[0].clone();
    let key = api_key(&mut fx.owner, project, "ingest").await;
    let api = Api::new(&app, Some(&key));
    // More than one chunk of the streamed log (1,000 rows).
    for batch in 0..3 {
        let events: Vec<Value> = (0..450)
            .map(|i| {
                let n = batch * 450 + i;
                json!({ "id": format!("e{n}"), "timestamp": (Utc::now() - Duration::seconds(n as i64)).to_rfc3339(), "model": if n % 3 == 0 { "gpt-4o" } else { "gpt-4o-mini" },
                        "user": if n == 7 { "=HYPERLINK(\"http://evil\")" } else { "someone" }, "status": "success", "input_tokens": n, "cost_usd": "0.000000001" })
            })
            .collect();
        assert_eq!(api.events(&json!({ "events": events })).await.status, StatusCode::OK);
    }

    let res = fx.owner.client.get(&format!("/o/{at}/projects/{slug}/export/requests.csv?range=24h")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(res.headers["content-disposition"].to_str().unwrap().starts_with(&format!("attachment; filename=\"{slug}-requests-")));
    let rows = csv_rows(&res.body);
    assert_eq!(rows[0][..3], ["id", "event_id", "timestamp"]);
    assert_eq!(rows.len() - 1, 1_350, "every event once, across chunks");
    let mut ids: Vec<&str> = rows[1..].iter().map(|r| r[1].as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 1_350);
    assert!(res.body.contains("\"'=HYPERLINK(\"\"http://evil\"\")\""), "the formula is text");
    assert!(rows[1..].iter().all(|r| r[8] == "0.000000001"), "exact costs");

    // Compressed, as browsers ask for it: the stream ends cleanly.
    let raw = reqwest::Client::new()
        .get(format!("{}/o/{at}/projects/{slug}/export/requests.csv?range=24h", app.base))
        .header("cookie", format!("{}={}", plinth::server::app::SESSION_COOKIE, fx.owner.client.cookie.clone().unwrap()))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.headers().get("content-encoding").map(|v| v.to_str().unwrap()), Some("gzip"));
    let gzipped = raw.bytes().await.expect("the whole body, not a connection cut by a panic");
    assert!(gzipped.len() > 1_000);

    // The log page's filters apply.
    let res = fx.owner.client.get(&format!("/o/{at}/projects/{slug}/export/requests.csv?range=24h&model=gpt-4o&key=&status=")).await;
    let rows = csv_rows(&res.body);
    assert_eq!(rows.len() - 1, 450);
    assert!(rows[1..].iter().all(|r| r[3] == "gpt-4o"));

    // Aggregates: exact sums by model.
    let res = fx.owner.client.get(&format!("/o/{at}/projects/{slug}/export/usage.csv?group_by=model&range=7d")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let rows = csv_rows(&res.body);
    assert_eq!(rows[0], ["model", "requests", "errors", "input_tokens", "output_tokens", "cost_usd", "avg_latency_ms"]);
    let mini = rows.iter().find(|r| r[0] == "gpt-4o-mini").expect("a row per model");
    assert_eq!((mini[1].as_str(), mini[5].as_str()), ("900", "0.0000009"));
    let input =
        scalar(&app, &format!("SELECT CAST(SUM(input_tokens) AS BIGINT) FROM usage_events WHERE project_id = {project} AND model = 'gpt-4o-mini'")).await;
    assert_eq!(mini[3], input.to_string());

    // By API key: one key reported everything here.
    let res = fx.owner.client.get(&format!("/o/{at}/projects/{slug}/export/usage.csv?group_by=key&range=7d")).await;
    let rows = csv_rows(&res.body);
    assert_eq!((rows[0][0].as_str(), rows.len()), ("key", 2), "{}", res.body);
    assert_eq!(rows[1][1], scalar(&app, &format!("SELECT COUNT(*) FROM usage_events WHERE project_id = {project}")).await.to_string());

    // Refusals: clear statuses, never a file.
    for (path, status) in [
        ("usage.csv?group_by=planet", StatusCode::UNPROCESSABLE_ENTITY),
        ("usage.csv?group_by=project", StatusCode::UNPROCESSABLE_ENTITY),
        ("usage.csv?from=2026-13-01&to=2026-13-02", StatusCode::UNPROCESSABLE_ENTITY),
        ("usage.csv?range=forever", StatusCode::UNPROCESSABLE_ENTITY),
        ("requests.csv?from=2020-01-01&to=2026-01-01", StatusCode::UNPROCESSABLE_ENTITY),
        ("requests.csv?range=24h&range=7d", StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let res = fx.owner.client.get(&format!("/o/{at}/projects/{slug}/export/{path}")).await;
        assert_eq!(res.status, status, "{path}: {}", res.body);
        assert!(!res.headers.contains_key("content-disposition"));
    }
    let long = "m".repeat(5_000);
    assert_eq!(fx.owner.client.get(&format!("/o/{at}/projects/{slug}/export/requests.csv?model={long}")).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut viewer = join(&app, &mut fx, "viewer", "").await;
    assert_eq!(viewer.client.get(&format!("/o/{at}/projects/{slug}/export/requests.csv")).await.status, StatusCode::OK, "viewers may export");
    let mut stranger = org(&app, "Outsider").await;
    for what in ["requests.csv", "usage.csv"] {
        let res = stranger.owner.client.get(&format!("/o/{at}/projects/{slug}/export/{what}")).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "another organization's project");
        assert!(!res.body.contains("someone"));
        assert_eq!(Client::new(&app).get(&format!("/o/{at}/projects/{slug}/export/{what}")).await.status, StatusCode::UNAUTHORIZED);
        // Who is asking comes first: a bad query tells a stranger nothing either.
        let res = stranger.owner.client.get(&format!("/o/{at}/projects/{slug}/export/{what}?group_by=planet&range=24h&range=7d")).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
    }
});

// Where a cap cuts what a page shows, the page says so: the tokens page's
// assistant × model split past 2,000 pairs, the request log's filter lists
// past 100 names.
on_both_engines!(cut_lists_say_so, |app: TestApp| async move {
    use plinth::server::usage::query::CUT_NOTE;
    let mut fx = org(&app, "Caps").await;
    let (project, slug) = fx.projects[0].clone();
    let api = Api::new(&app, Some(&api_key(&mut fx.owner, project, "ingest").await));
    let at = (Utc::now() - Duration::minutes(5)).to_rfc3339();
    let send = |ids: std::ops::Range<usize>| {
        let events: Vec<Value> = ids
            .map(|i| json!({ "id": format!("c{i}"), "timestamp": at, "model": format!("m{:03}", i % 100), "assistant": format!("a{:03}", i / 100), "status": "success", "input_tokens": 10 }))
            .collect();
        json!({ "events": events })
    };
    // 100 models × 20 assistants: every list full, nothing cut.
    assert_eq!(api.events(&send(0..1_000)).await.status, StatusCode::OK);
    assert_eq!(api.events(&send(1_000..2_000)).await.status, StatusCode::OK);
    let (summary, page) = split_and_lists(&mut fx.owner.client, &fx.slug, &slug).await;
    assert!(!summary.contains(CUT_NOTE), "{summary}");
    assert_eq!((page["models"].as_array().unwrap().len(), page["lists_cut"].as_bool()), (100, Some(false)));
    // One more model and one more pair: both say so.
    let one_more = json!({ "events": [{ "id": "extra", "timestamp": at, "model": "zz-new", "assistant": "a000", "status": "success", "input_tokens": 10 }] });
    assert_eq!(api.events(&one_more).await.status, StatusCode::OK);
    let (summary, page) = split_and_lists(&mut fx.owner.client, &fx.slug, &slug).await;
    assert!(summary.ends_with(CUT_NOTE), "2,001 pairs: {summary}");
    assert_eq!((page["models"].as_array().unwrap().len(), page["lists_cut"].as_bool()), (100, Some(true)));
});

/// The tokens page's split summary and the request log's first page.
async fn split_and_lists(c: &mut Client, org: &Slug, slug: &str) -> (String, Value) {
    use plinth::api::requests::LoadRequests;
    let load = LoadTokens { org: org.clone(), slug: slug.into(), filters: Filters { range: Some(Range::Day), ..Default::default() } };
    let summary = c.call_fn(&load).await.json()["by_assistant"]["summary"].as_str().unwrap().to_string();
    let log = LoadRequests { org: org.clone(), slug: slug.into(), filters: Default::default() };
    (summary, c.call_fn(&log).await.json())
}

// The Users page's pivot (top users × models) reads only the top users'
// rows: led by the end user, not every user's rows in the window.
on_both_engines!(the_users_pivot_reads_only_the_users_it_shows, |app: TestApp| async move {
    use plinth::server::usage::query::{GroupBy, Hours, Rank, Scope, pairs_query};
    let fx = org(&app, "Pivot").await;
    let now_hour = Utc::now().timestamp() / 3_600;
    let scope = Scope::project(fx.id, fx.projects[0].0, Hours { from: (now_hour / 24 - 29) * 24, to: (now_hour / 24 + 1) * 24 });
    let names: Vec<String> = (0..10).map(|i| format!("u{i}")).collect();
    let q = pairs_query(&scope, GroupBy::User, GroupBy::Model, Rank::Cost, Some(&names)).unwrap();
    let plan = plan(&app, app.state.db.get_database_backend().build(&q)).await;
    assert!(plan.contains("ix_usage_daily_users_user"), "{plan}");
});
