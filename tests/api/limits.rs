//! Limits an attacker could walk around (issue 21): allowances that more
//! keys, more organizations or a flood of sign-ins used to multiply, and
//! names and numbers that slipped past the checks.
use crate::fixtures::*;
use crate::helpers::*;
use crate::{on_both_engines, on_both_engines_with};
use chrono::Utc;
use plinth::server::config::Config;
use reqwest::StatusCode;
use serde_json::json;

fn event(id: &str) -> serde_json::Value {
    json!({ "id": id, "timestamp": Utc::now().to_rfc3339(), "model": "gpt-4o", "status": "success" })
}

fn retry_after(res: &Res) -> u64 {
    res.headers.get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("Retry-After: {res:?}"))
}

// A Project Member may create up to 200 keys; each key's allowance must not
// multiply the project's.
on_both_engines_with!(
    api_requests_are_limited_per_project,
    |c: &mut Config| {
        c.limits.api_requests_per_key_minute = 100;
        c.limits.api_requests_per_project_minute = 3;
    },
    |app: TestApp| async move {
        let mut fx = org(&app, "Many keys").await;
        let (project, other) = (fx.projects[0].0, fx.projects[1].0);
        let first = Api::new(&app, Some(&api_key(&mut fx.owner, project, "all").await));
        let second = Api::new(&app, Some(&api_key(&mut fx.owner, project, "all").await));
        assert_eq!(first.events(&json!({ "events": [event("a")] })).await.status, StatusCode::OK);
        assert_eq!(second.get("/api/v1/usage").await.status, StatusCode::OK);
        assert_eq!(first.get("/api/v1/usage").await.status, StatusCode::OK);
        let res = second.events(&json!({ "events": [event("b")] })).await;
        assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.body);
        assert!(res.json()["error"]["message"].as_str().unwrap().contains("all keys together"), "{}", res.body);
        assert!((1..=60).contains(&retry_after(&res)));
        assert_eq!(scalar(&app, "SELECT COUNT(*) FROM usage_events WHERE event_id = 'b'").await, 0, "nothing of the refused batch");
        // Another project of the same organization has its own allowance.
        let elsewhere = Api::new(&app, Some(&api_key(&mut fx.owner, other, "all").await));
        assert_eq!(elsewhere.get("/api/v1/usage").await.status, StatusCode::OK);
    }
);

// Well-formed random keys pass the checksum (CRC32 is no secret), so each
// used to cost a lookup without end. An address that sends many unknown,
// malformed or missing keys is slowed, then refused before any lookup, even
// when it finally sends a working key.
on_both_engines_with!(
    failed_key_lookups_are_limited_per_address,
    |c: &mut Config| c.limits.failed_key_lookups_per_address_minute = 4,
    |app: TestApp| async move {
        let mut fx = org(&app, "Guessed").await;
        let good = api_key(&mut fx.owner, fx.projects[0].0, "all").await;
        for token in [Some(plinth::server::secrets::new_api_key()), Some("plk_malformed".to_string()), None, Some(plinth::server::secrets::new_api_key())] {
            let res = Api::new(&app, token.as_deref()).get("/api/v1/usage").await;
            assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.body);
        }
        for token in [plinth::server::secrets::new_api_key(), good] {
            let res = Api::new(&app, Some(&token)).get("/api/v1/usage").await;
            assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "refused before the lookup: {}", res.body);
            assert_eq!(res.json()["error"]["code"], "rate_limited");
            assert!((1..=60).contains(&retry_after(&res)));
        }
    }
);

// Anyone can create organizations, and each came with its own invitation
// allowance: the inviter has one too, across every organization.
on_both_engines_with!(
    invitations_are_limited_per_inviter_across_organizations,
    |c: &mut Config| c.limits.invitations_per_user_hour = 3,
    |app: TestApp| async move {
        let mut fx = org(&app, "First").await;
        let second = create_org(&mut fx.owner, "Second").await;
        let two = format!("{},{}", unique_email("a"), unique_email("b"));
        assert_eq!(invite(&mut fx.owner, fx.id, &two, "member", "").await.status, StatusCode::OK);
        let before = count_rows(&app, "invitations").await;
        let more = format!("{},{}", unique_email("c"), unique_email("d"));
        let res = invite(&mut fx.owner, second, &more, "member", "").await;
        assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.body);
        assert!(res.error_message().contains("across all your organizations"), "{}", res.body);
        assert_eq!(count_rows(&app, "invitations").await, before, "nothing was created");
        // The refused call gave its organization slots back: one more fits.
        assert_eq!(invite(&mut fx.owner, second, &unique_email("e"), "member", "").await.status, StatusCode::OK);
        assert_eq!(invite(&mut fx.owner, fx.id, &unique_email("f"), "member", "").await.status, StatusCode::TOO_MANY_REQUESTS, "three in all");
        // Another inviter has their own allowance.
        let mut other = org(&app, "Elsewhere").await;
        assert_eq!(invite(&mut other.owner, other.id, &unique_email("g"), "member", "").await.status, StatusCode::OK);
    }
);

on_both_engines_with!(organizations_are_limited_per_user_per_day, |c: &mut Config| c.limits.orgs_per_user_day = 2, |app: TestApp| async move {
    let mut p = person(&app, "founder").await;
    create_org(&mut p, "One").await;
    create_org(&mut p, "Two").await;
    let res = p.client.call_fn(&plinth::api::orgs::CreateOrg { name: "Three".into(), kind: "company".into() }).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.body);
    assert!(res.error_message().contains("2 organizations a day"), "{}", res.body);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM organizations WHERE name = 'Three'").await, 0);
    let mut other = person(&app, "other-founder").await;
    create_org(&mut other, "Three").await;
});

// One name rule for every name: an invisible or reordering character is
// refused in the event's names and metadata keys; a metadata number no
// float holds, or longer than the value cap, is refused too.
on_both_engines!(names_and_numbers_that_hide_what_they_say_are_refused, |app: TestApp| async move {
    let mut fx = org(&app, "Names").await;
    let api = Api::new(&app, Some(&api_key(&mut fx.owner, fx.projects[0].0, "ingest").await));
    let with = |id: &str, field: &str, value: serde_json::Value| {
        let mut e = event(id);
        e[field] = value;
        e
    };
    let batch = json!({ "events": [
        with("zw", "model", json!("gpt-4o\u{200B}")),
        with("rlo", "assistant", json!("support\u{202E}tset")),
        with("user", "user", json!("\u{FEFF}alice")),
        with("env", "environment", json!("prod\u{2066}")),
        with("key", "metadata", json!({ "ti\u{200D}er": "gold" })),
        with("inf", "metadata", json!({ "n": "INFINITY" })),
        with("fine", "metadata", json!({ "ok": 1 })),
    ] });
    // 1e999 cannot go through serde_json's Value: put it in the text.
    let body = batch.to_string().replace("\"INFINITY\"", "1e999");
    let res = api.post_raw("/api/v1/events", "application/json", body).await;
    assert_eq!(res.status.as_u16(), 207, "{}", res.body);
    let rejected: Vec<String> = res.json()["rejected"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap_or_default().to_string()).collect();
    assert_eq!(rejected, ["zw", "rlo", "user", "env", "key", "inf"]);
    let digits = format!(
        "{{\"events\":[{{\"id\":\"long\",\"timestamp\":\"{}\",\"model\":\"m\",\"status\":\"success\",\"metadata\":{{\"n\":{}}}}}]}}",
        Utc::now().to_rfc3339(),
        "9".repeat(2_000_000)
    );
    let res = api.post_raw("/api/v1/events", "application/json", digits).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "every event refused: {}", res.body);
    assert!(res.json()["rejected"][0]["error"].as_str().unwrap().contains("finite number"), "{}", res.body);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM usage_events").await, 1, "only the clean event");
    // The other names of the console follow the same rule.
    let res = fx.owner.client.call_fn(&plinth::api::orgs::CreateOrg { name: "Acme\u{202E}".into(), kind: "company".into() }).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    let res = fx.owner.client.call_fn(&plinth::api::auth::UpdateProfile { name: "Eve\u{200B}".into() }).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
});

/// A flood of sign-ups waits for a hashing permit only so long, then is shed
/// with 503 `busy` and `Retry-After`, and the server keeps answering. It runs
/// against its own `plinth serve`: permits are per process, and a flood in
/// this test binary would shed other tests' sign-ins.
#[tokio::test]
async fn a_flood_of_sign_ups_is_shed_not_queued() {
    let db = TestDb::new(Engine::Sqlite).await.unwrap();
    let mut cmd = crate::operations::plinth_cmd(&db.url);
    cmd.env("PLINTH_SIGNUPS_PER_HOUR", "1000000")
        .env("PLINTH_HASH_WAIT_SECONDS", "1")
        .env("PLINTH_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let (mut server, base) = crate::operations::serve_process(cmd).await;
    let started = std::time::Instant::now();
    let sign_ups = (0..400).map(|i| {
        let base = base.clone();
        async move {
            let res = Client::at(&base).sign_up("Flood", &format!("flood{i}@example.com"), PASSWORD).await;
            (res.status, res.headers.get("retry-after").cloned())
        }
    });
    let answers = join_all(sign_ups).await;
    let took = started.elapsed();
    let shed: Vec<_> = answers.iter().filter(|(s, _)| *s == StatusCode::SERVICE_UNAVAILABLE).collect();
    assert!(answers.iter().all(|(s, _)| *s == StatusCode::OK || *s == StatusCode::SERVICE_UNAVAILABLE), "{answers:?}");
    assert!(!shed.is_empty(), "400 sign-ups at once must outlast a 1 s wait ({took:?})");
    assert!(shed.iter().all(|(_, r)| r.as_ref().is_some_and(|v| v == "1")), "each shed answer says when to retry");
    assert!(answers.iter().any(|(s, _)| *s == StatusCode::OK), "the first ones got through");
    assert!(reqwest::get(format!("{base}/readyz")).await.unwrap().status().is_success(), "and the server still answers");
    eprintln!("{} of 400 sign-ups shed, in {took:?}", shed.len());
    server.kill().unwrap();
    server.wait().unwrap();
}

// A cost sum that reaches the largest amount stored stops there, and says
// so: the API marks it `capped`, and pages show it as "≥ $…".
on_both_engines_with!(sums_at_the_ceiling_say_they_are_capped, |c: &mut Config| c.limits.api_requests_per_key_minute = 1_000, |app: TestApp| async move {
    let mut fx = org(&app, "Ceiling").await;
    let api = Api::new(&app, Some(&api_key(&mut fx.owner, fx.projects[0].0, "all").await));
    let now = Utc::now().to_rfc3339();
    let small = api.events(&json!({ "events": [{ "id": "small", "timestamp": now, "model": "m", "status": "success", "cost_usd": "1" }] })).await;
    assert_eq!(small.status, StatusCode::OK);
    let usage = api.get("/api/v1/usage").await.json();
    assert_eq!(usage["total"]["capped"], false, "{usage}");
    // 10,000 calls at the $1,000,000 a call may cost: past 9.2 billion dollars.
    for b in 0..10 {
        let events: Vec<_> =
            (0..1_000).map(|i| json!({ "id": format!("max-{b}-{i}"), "timestamp": now, "model": "m", "status": "success", "cost_usd": "1000000" })).collect();
        assert_eq!(api.events(&json!({ "events": events })).await.status, StatusCode::OK);
    }
    let usage = api.get("/api/v1/usage").await.json();
    assert_eq!(usage["total"]["cost_usd"], "9223372036.854775807", "{usage}");
    assert_eq!(usage["total"]["capped"], true, "{usage}");
    assert_eq!(usage["groups"][0]["capped"], true, "{usage}");
    assert_eq!(plinth::domain::money::Nanos(i64::MAX).usd_display(), "≥ $9,223,372,036.85");
});
