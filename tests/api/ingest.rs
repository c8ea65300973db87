//! The public API over HTTP: keys, scopes and isolation; events stored once,
//! costed exactly, refused one by one; limits; usage sums; the OpenAPI file.
use crate::fixtures::*;
use crate::helpers::*;
use crate::{on_both_engines, on_both_engines_with};
use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn event(id: &str, model: &str) -> Value {
    json!({ "id": id, "timestamp": (Utc::now() - Duration::minutes(1)).to_rfc3339(), "model": model, "status": "success" })
}

fn with(mut ev: Value, extra: Value) -> Value {
    for (k, v) in extra.as_object().unwrap() {
        ev[k] = v.clone();
    }
    ev
}

fn assert_api_error(res: &Res, status: StatusCode, code: &str) {
    assert_eq!(res.status, status, "{}", res.body);
    let body = res.json();
    assert_eq!(body["error"]["code"], code, "{}", res.body);
    assert!(!body["error"]["message"].as_str().unwrap_or_default().is_empty(), "a message: {}", res.body);
}

on_both_engines!(events_are_stored_once_and_costed_exactly, |app: TestApp| async move {
    let mut fx = org(&app, "Ingest").await;
    let project = fx.projects[0].0;
    let api = Api::new(&app, Some(&api_key(&mut fx.owner, project, "ingest").await));
    let batch = json!({ "events": [
        with(event("a", "gpt-4o"), json!({ "cost_usd": 0.1, "input_tokens": 10 })),
        with(event("b", "gpt-4o-mini"), json!({ "provider": "openai", "input_tokens": 1000, "output_tokens": 500, "cost_usd": null })),
        with(event("c", "my-own-model"), json!({ "input_tokens": 5 })),
        with(event("d", "gpt-4o"), json!({ "cost_usd": "0.2", "status": "error", "error": "rate limited", "latency_ms": 30 })),
    ] });
    let res = api.events(&batch).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json(), json!({ "accepted": 4, "duplicates": 0 }));
    // The same batch again changes nothing: ids are the idempotency key.
    assert_eq!(api.events(&batch).await.json(), json!({ "accepted": 0, "duplicates": 4 }));
    // A repeat inside one batch counts once.
    let twice = json!({ "events": [event("e", "gpt-4o"), event("e", "gpt-4o"), event("a", "gpt-4o")] });
    assert_eq!(api.events(&twice).await.json(), json!({ "accepted": 1, "duplicates": 2 }));

    let sql = |q: &str| q.replace("$P", &project.to_string());
    assert_eq!(scalar(&app, &sql("SELECT COUNT(*) FROM usage_events WHERE project_id = $P")).await, 5);
    // 0.1 + 0.2 exactly, plus gpt-4o-mini at $0.15 and $0.60 per million: 1000 × 150 + 500 × 600 nano-dollars.
    assert_eq!(
        scalar(&app, &sql("SELECT CAST(SUM(cost_nanos) AS BIGINT) FROM usage_events WHERE project_id = $P AND event_id IN ('a','b','c','d')")).await,
        300_450_000
    );
    assert_eq!(scalar(&app, &sql("SELECT COUNT(*) FROM usage_events WHERE project_id = $P AND cost_source = 'unpriced'")).await, 1);
    assert_eq!(scalar(&app, &sql("SELECT COUNT(*) FROM usage_events WHERE project_id = $P AND cost_source = 'catalog'")).await, 2);
    // Another project may use the same ids: they are unique per project only.
    let other = Api::new(&app, Some(&api_key(&mut fx.owner, fx.projects[1].0, "all").await));
    assert_eq!(other.events(&batch).await.json(), json!({ "accepted": 4, "duplicates": 0 }));
});

on_both_engines!(bad_events_are_refused_one_by_one, |app: TestApp| async move {
    let mut fx = org(&app, "Partial").await;
    let api = Api::new(&app, Some(&api_key(&mut fx.owner, fx.projects[0].0, "all").await));
    let future = (Utc::now() + Duration::minutes(10)).to_rfc3339();
    let batch = json!({ "events": [
        event("ok-1", "gpt-4o"),
        with(event("neg", "gpt-4o"), json!({ "input_tokens": -1 })),
        with(event("late", "gpt-4o"), json!({ "timestamp": future })),
        json!({ "timestamp": Utc::now().to_rfc3339() }),
        with(event("nul", "gpt-4o"), json!({ "user": "a\u{0}b" })),
        with(event("float", "gpt-4o"), json!({ "cost_usd": 1e-12 })),
        "not an object",
        event("ok-2", "gpt-4o"),
    ] });
    let res = api.events(&batch).await;
    assert_eq!(res.status, StatusCode::MULTI_STATUS, "{}", res.body);
    let body = res.json();
    assert_eq!((body["accepted"].as_i64(), body["duplicates"].as_i64()), (Some(2), Some(0)));
    let rejected = body["rejected"].as_array().unwrap();
    let indices: Vec<i64> = rejected.iter().map(|r| r["index"].as_i64().unwrap()).collect();
    assert_eq!(indices, [1, 2, 3, 4, 5, 6]);
    assert_eq!(rejected[0]["id"], "neg");
    assert!(rejected[0]["error"].as_str().unwrap().contains("input_tokens"), "{}", rejected[0]);
    assert!(rejected[1]["error"].as_str().unwrap().contains("future"));
    assert!(rejected[2]["id"].is_null() && rejected[2]["error"].as_str().unwrap().contains("`id` is required"));
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM usage_events").await, 2, "only the good events are stored");
    // Nothing taken at all is a 4xx, still saying why for each event.
    let res = api.events(&json!({ "events": [with(event("x", "m"), json!({ "status": "maybe" }))] })).await;
    assert_api_error(&res, StatusCode::BAD_REQUEST, "bad_request");
    assert_eq!(res.json()["rejected"][0]["id"], "x");
    // A repeat of a refused event's id is not swallowed as its duplicate.
    let huge = with(event("y", "m"), json!({ "cost_usd": "2000000" }));
    let res = api.events(&json!({ "events": [huge, event("y", "m")] })).await;
    assert_eq!((res.status, res.json()["accepted"].as_i64()), (StatusCode::MULTI_STATUS, Some(1)), "{}", res.body);
});

on_both_engines!(keys_are_checked_before_anything, |app: TestApp| async move {
    let mut fx = org(&app, "Keys API").await;
    let (project, _) = fx.projects[0].clone();
    let batch = json!({ "events": [event("x", "gpt-4o")] });
    for token in [None, Some("plk_short"), Some(&*plinth::server::secrets::new_api_key()), Some("Basic Zm9vOmJhcg==")] {
        let res = Api::new(&app, token).events(&batch).await;
        assert_api_error(&res, StatusCode::UNAUTHORIZED, "unauthenticated");
        assert_eq!(res.headers.get("www-authenticate").unwrap(), "Bearer");
    }
    // A read key cannot send; an ingest key cannot read.
    let read = Api::new(&app, Some(&api_key(&mut fx.owner, project, "read").await));
    assert_api_error(&read.events(&batch).await, StatusCode::FORBIDDEN, "forbidden");
    let ingest = Api::new(&app, Some(&api_key(&mut fx.owner, project, "ingest").await));
    assert_api_error(&ingest.get("/api/v1/usage").await, StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM usage_events").await, 0);

    // Revoked and expired keys stop at once.
    assert_eq!(ingest.events(&batch).await.status, StatusCode::OK);
    let revoked = api_key(&mut fx.owner, project, "ingest").await;
    let id = scalar(&app, "SELECT MAX(id) FROM api_keys").await;
    let res = fx.owner.client.call_fn(&plinth::api::keys::RevokeKey { project_id: project, key_id: id }).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_api_error(&Api::new(&app, Some(&revoked)).events(&batch).await, StatusCode::UNAUTHORIZED, "unauthenticated");
    let expired = api_key(&mut fx.owner, project, "ingest").await;
    execute(&app, "UPDATE api_keys SET expires_at = created_at WHERE id = (SELECT MAX(id) FROM api_keys)").await;
    assert_api_error(&Api::new(&app, Some(&expired)).events(&batch).await, StatusCode::UNAUTHORIZED, "unauthenticated");

    // A key reads only its own project: another organization's events stay out.
    let mut other = org(&app, "Other API").await;
    let theirs = Api::new(&app, Some(&api_key(&mut other.owner, other.projects[0].0, "all").await));
    assert_eq!(theirs.get("/api/v1/usage").await.json()["total"]["requests"], 0);
    let mine = Api::new(&app, Some(&api_key(&mut fx.owner, project, "all").await));
    assert_eq!(mine.get("/api/v1/usage").await.json()["total"]["requests"], 1);
    // Unknown endpoints and methods answer in the same shape.
    assert_api_error(&mine.get("/api/v1/nothing").await, StatusCode::NOT_FOUND, "not_found");
    assert_api_error(&mine.get("/api/v1/events").await, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
});

on_both_engines!(bodies_and_batches_have_limits, |app: TestApp| async move {
    let mut fx = org(&app, "Limits").await;
    let api = Api::new(&app, Some(&api_key(&mut fx.owner, fx.projects[0].0, "ingest").await));
    let many: Vec<Value> = (0..1001).map(|i| event(&format!("e{i}"), "m")).collect();
    assert_api_error(&api.events(&json!({ "events": many })).await, StatusCode::PAYLOAD_TOO_LARGE, "too_large");
    let huge = format!(r#"{{"events":[{{"id":"big","input":"{}"}}]}}"#, "x".repeat(6 * 1024 * 1024));
    assert_api_error(&api.post_raw("/api/v1/events", "application/json", huge).await, StatusCode::PAYLOAD_TOO_LARGE, "too_large");
    for (content_type, body) in [
        ("application/json", "{not json".as_bytes().to_vec()),
        ("application/json", br#"{"events": []}"#.to_vec()),
        ("application/json", br#"{"events": {}}"#.to_vec()),
        ("application/json", br#"{"events": [], "extra": 1}"#.to_vec()),
        ("application/json", br#"[]"#.to_vec()),
        ("application/json", vec![0xff, 0xfe, b'{']),
        ("text/plain", br#"{"events": [{}]}"#.to_vec()),
    ] {
        assert_api_error(&api.post_raw("/api/v1/events", content_type, body).await, StatusCode::BAD_REQUEST, "bad_request");
    }
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM usage_events").await, 0, "nothing stored from a refused request");
});

on_both_engines_with!(
    each_key_has_a_rate_limit,
    |c: &mut plinth::server::config::Config| {
        c.limits.api_requests_per_key_minute = 3;
        c.limits.event_text_bytes = 10;
    },
    |app: TestApp| async move {
        let mut fx = org(&app, "Rate").await;
        let project = fx.projects[0].0;
        let api = Api::new(&app, Some(&api_key(&mut fx.owner, project, "all").await));
        let long = json!({ "events": [with(event("long", "m"), json!({ "input": "é".repeat(20), "output": "short" }))] });
        assert_eq!(api.events(&long).await.status, StatusCode::OK);
        assert_eq!(api.get("/api/v1/usage").await.status, StatusCode::OK);
        assert_eq!(api.get("/api/v1/usage").await.status, StatusCode::OK);
        let res = api.get("/api/v1/usage").await;
        assert_api_error(&res, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
        let wait: u64 = res.headers.get("retry-after").unwrap().to_str().unwrap().parse().unwrap();
        assert!((1..=60).contains(&wait), "{wait}");
        // Another key of the same project has its own allowance.
        let fresh = Api::new(&app, Some(&api_key(&mut fx.owner, project, "all").await));
        assert_eq!(fresh.get("/api/v1/usage").await.status, StatusCode::OK);
        // Input past the cap is cut on a character boundary and marked.
        assert_eq!(scalar(&app, "SELECT COUNT(*) FROM usage_events WHERE truncated AND input = 'ééééé' AND output = 'short'").await, 1);
    }
);

on_both_engines!(usage_sums_by_day_model_and_user, |app: TestApp| async move {
    let mut fx = org(&app, "Sums").await;
    let api = Api::new(&app, Some(&api_key(&mut fx.owner, fx.projects[0].0, "all").await));
    let at = |day: u32, hour: u32| format!("2026-11-{day:02}T{hour:02}:30:00Z");
    let ev = |id: &str, ts: String, model: &str, user: Option<&str>, cost: &str, status: &str| {
        json!({ "id": id, "timestamp": ts, "model": model, "user": user, "cost_usd": cost, "status": status,
                "input_tokens": 100, "output_tokens": 10, "latency_ms": 200 })
    };
    let batch = json!({ "events": [
        ev("1", at(20, 23), "gpt-4o", Some("ann"), "0.000000001", "success"),
        ev("2", at(21, 0), "gpt-4o", Some("ann"), "0.1", "error"),
        ev("3", at(21, 12), "claude-sonnet-4", None, "0.2", "success"),
        ev("4", at(22, 1), "claude-sonnet-4", Some("bob"), "1", "success"),
    ] });
    assert_eq!(api.events(&batch).await.status, StatusCode::OK);
    let usage = api.get("/api/v1/usage?from=2026-11-20&to=2026-11-23&group_by=day").await;
    assert_eq!(usage.status, StatusCode::OK, "{}", usage.body);
    let body = usage.json();
    let days: Vec<(&str, i64, &str)> = body["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["key"].as_str().unwrap(), g["requests"].as_i64().unwrap(), g["cost_usd"].as_str().unwrap()))
        .collect();
    assert_eq!(days, [("2026-11-20", 1, "0.000000001"), ("2026-11-21", 2, "0.30"), ("2026-11-22", 1, "1.00")]);
    assert_eq!(
        body["total"],
        json!({ "requests": 4, "errors": 1, "input_tokens": 400, "output_tokens": 40, "cost_usd": "1.300000001", "avg_latency_ms": 200, "capped": false })
    );
    let by_model = api.get("/api/v1/usage?from=2026-11-20&to=2026-11-23&group_by=model").await.json();
    assert_eq!(by_model["groups"][0]["key"], "claude-sonnet-4", "costliest first");
    let by_user = api.get("/api/v1/usage?from=2026-11-21&to=2026-11-22&group_by=user").await.json();
    let users: Vec<Value> = by_user["groups"].as_array().unwrap().iter().map(|g| g["key"].clone()).collect();
    assert_eq!(users, [Value::Null, json!("ann")], "one day: the unnamed user's call and ann's");
    // By API key: a second key's calls are its own group.
    let other = Api::new(&app, Some(&api_key(&mut fx.owner, fx.projects[0].0, "ingest").await));
    assert_eq!(other.events(&json!({ "events": [ev("5", at(22, 2), "gpt-4o", None, "2", "success")] })).await.status, StatusCode::OK);
    let by_key = api.get("/api/v1/usage?from=2026-11-20&to=2026-11-23&group_by=key").await.json();
    let keys: Vec<(i64, &str)> =
        by_key["groups"].as_array().unwrap().iter().map(|g| (g["requests"].as_i64().unwrap(), g["cost_usd"].as_str().unwrap())).collect();
    assert_eq!(keys, [(1, "2.00"), (4, "1.300000001")], "costliest key first: {by_key}");
    assert!(by_key["groups"].as_array().unwrap().iter().all(|g| g["key"].as_str().is_some_and(|k| k.parse::<i64>().is_ok())));
    for q in ["group_by=hour", "group_by=project", "group_by=week", "from=2026-11-23&to=2026-11-20", "from=2020-01-01&to=2026-01-01", "limit=1", "from=%00"] {
        assert_api_error(&api.get(&format!("/api/v1/usage?{q}")).await, StatusCode::BAD_REQUEST, "bad_request");
    }
});

on_both_engines!(concurrent_batches_store_each_event_once, |app: TestApp| async move {
    let mut fx = org(&app, "Race").await;
    let secret = api_key(&mut fx.owner, fx.projects[0].0, "ingest").await;
    let batch = json!({ "events": (0..50).map(|i| event(&format!("r{i}"), "gpt-4o")).collect::<Vec<_>>() });
    let sends = (0..4).map(|_| {
        let (api, batch) = (Api::new(&app, Some(&secret)), batch.clone());
        async move { api.events(&batch).await.json() }
    });
    let answers = join_all(sends).await;
    let accepted: i64 = answers.iter().map(|a| a["accepted"].as_i64().unwrap()).sum();
    let duplicates: i64 = answers.iter().map(|a| a["duplicates"].as_i64().unwrap()).sum();
    assert_eq!((accepted, duplicates), (50, 150), "{answers:?}");
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM usage_events").await, 50);
});

#[tokio::test]
async fn the_openapi_document_is_served_without_a_session() {
    let app = spawn_app(Engine::Sqlite).await.unwrap();
    let res = Api::new(&app, None).get("/api/openapi.json").await;
    assert_eq!(res.status, StatusCode::OK);
    let doc = res.json();
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/events"]["post"]["responses"]["207"].is_object());
    assert!(doc["paths"]["/events"]["post"]["responses"]["503"].is_object(), "a busy database is documented");
    assert!(doc["paths"]["/usage"]["get"].is_object());
    assert!(res.headers.get("set-cookie").is_none(), "the public API never starts a session");
}

on_both_engines!(the_dashboard_shows_a_project_to_those_who_may_view_it, |app: TestApp| async move {
    use plinth::api::analytics::LoadDashboard;
    let mut fx = org(&app, "Dash").await;
    let (project, slug) = fx.projects[0].clone();
    let api = Api::new(&app, Some(&api_key(&mut fx.owner, project, "ingest").await));
    let batch = json!({ "events": [with(event("d1", "gpt-4o"), json!({ "cost_usd": "0.5", "user": "ann" })), event("d2", "unpriced-model")] });
    assert_eq!(api.events(&batch).await.status, StatusCode::OK);
    use plinth::domain::analytics::{Filters, Range};
    let load = |range: Range| LoadDashboard { org: fx.slug.clone(), slug: slug.clone(), filters: Filters { range: Some(range), ..Default::default() } };
    let res = fx.owner.client.call_fn(&load(Range::Week)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let d = res.json();
    assert_eq!((d["totals"]["requests"].as_i64(), d["totals"]["cost"].as_i64(), d["unpriced"].as_i64()), (Some(2), Some(500_000_000), Some(1)));
    assert_eq!(d["users"][0]["key"], "ann");
    assert!(d["usage_chart"]["option"].as_str().unwrap().contains("\"bar\""));
    // Contribution: gpt-4o made all of the cost ($0.50) from half of the calls.
    assert_eq!(d["models_share"]["table"]["rows"], json!([["gpt-4o", "100.0%", "50.0%"], ["unpriced-model", "0.0%", "50.0%"]]));
    assert_eq!(d["assistants_share"]["table"]["rows"][0][1], "100.0%");
    let eight_days = [("org", fx.slug.as_str()), ("slug", slug.as_str()), ("filters[range]", "8d")];
    assert_eq!(fx.owner.client.call("analytics/dashboard", &eight_days).await.status, StatusCode::UNPROCESSABLE_ENTITY, "only the offered ranges");
    // An environment nobody reported is an empty dashboard, not an error.
    let filtered = LoadDashboard {
        org: fx.slug.clone(),
        slug: slug.clone(),
        filters: Filters { range: Some(Range::Day), env: Some("staging".into()), ..Default::default() },
    };
    assert_eq!(fx.owner.client.call_fn(&filtered).await.json()["totals"]["requests"], 0);
    // Another organization's member, and someone signed out, learn nothing.
    let mut other = org(&app, "Elsewhere").await;
    assert_eq!(other.owner.client.call_fn(&load(Range::Week)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(Client::new(&app).call_fn(&load(Range::Week)).await.status, StatusCode::UNAUTHORIZED);
});
