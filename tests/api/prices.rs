//! The price catalog: versions apply from their start, a corrected price
//! re-costs earlier events on request, and the rollups move with them.
use crate::fixtures::*;
use crate::helpers::*;
use crate::on_both_engines;
use chrono::{Duration, Utc};
use plinth::api::prices::{AddPrice, LoadPrices, RecomputeCosts, RecomputeStatus};
use plinth::api::requests::LoadRequest;
use reqwest::StatusCode;
use serde_json::json;

/// Start a recompute and follow it to its end, as the Prices page does;
/// the finished job.
pub async fn recompute(client: &mut Client, org_id: i64, model: &str) -> serde_json::Value {
    let res = client.call_fn(&RecomputeCosts { org_id, model: model.into() }).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    for _ in 0..600 {
        let job = client.call_fn(&RecomputeStatus { org_id }).await.json();
        if job["state"] != "running" {
            assert_eq!(job["state"], "done", "{job}");
            return job;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the recompute of {model} did not finish in 30 s");
}

on_both_engines!(a_corrected_price_recomputes_events_and_rollups, |app: TestApp| async move {
    let mut fx = org(&app, "Prices").await;
    let (org_id, project, other) = (fx.id, fx.projects[0].0, fx.projects[1].0);
    let api = Api::new(&app, Some(&api_key(&mut fx.owner, project, "ingest").await));
    let at = |days: i64| (Utc::now() - Duration::days(days)).to_rfc3339();
    let ev = |id: &str, days: i64, cost: Option<&str>| {
        let mut e = json!({ "id": id, "timestamp": at(days), "model": "house-model", "provider": "acme", "status": "success", "input_tokens": 1_000_000, "output_tokens": 0 });
        if let Some(c) = cost {
            e["cost_usd"] = json!(c);
        }
        e
    };
    // No price yet: both unpriced; a reported cost is the client's own.
    let batch = json!({ "events": [ev("old", 10, None), ev("new", 1, None), ev("own", 1, Some("7"))] });
    assert_eq!(api.events(&batch).await.status, StatusCode::OK);
    let add = |input: &str, from: &str| AddPrice {
        org_id,
        provider: "acme".into(),
        model: "house-model".into(),
        input: input.into(),
        output: "0".into(),
        effective_from: from.into(),
        default_provider: false,
    };
    let since = (Utc::now() - Duration::days(30)).format("%Y-%m-%d").to_string();
    let recent = (Utc::now() - Duration::days(5)).format("%Y-%m-%d").to_string();
    assert_eq!(fx.owner.client.call_fn(&add("2", &since)).await.status, StatusCode::OK);
    assert_eq!(fx.owner.client.call_fn(&add("3", &recent)).await.status, StatusCode::OK);
    assert_eq!(fx.owner.client.call_fn(&add("9", &recent)).await.status, StatusCode::CONFLICT, "one version per start");
    for bad in [add("-1", ""), add("abc", ""), add("1", "soon"), AddPrice { model: " ".into(), ..add("1", "") }] {
        assert_eq!(fx.owner.client.call_fn(&bad).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    }

    let sum = |table: &str| format!("SELECT CAST(SUM(cost_nanos) AS BIGINT) FROM {table} WHERE project_id = {project}");
    assert_eq!(scalar(&app, &sum("usage_events")).await, 7_000_000_000, "prices apply to later events, not stored ones");
    let job = recompute(&mut fx.owner.client, org_id, "house-model").await;
    assert_eq!(
        (&job["events_done"], &job["changed"], &job["delta"]),
        (&json!(2), &json!(2), &json!(5_000_000_000i64)),
        "$2 for the old call, $3 for the new one"
    );
    assert_eq!(scalar(&app, &sum("usage_events")).await, 12_000_000_000);
    assert_eq!(scalar(&app, &sum("usage_hourly")).await, 12_000_000_000, "rollups follow");
    assert_eq!(scalar(&app, &sum("usage_hourly_totals")).await, 12_000_000_000, "all of them");
    for table in ["usage_daily_totals", "usage_daily_users", "usage_daily_user_totals"] {
        assert_eq!(scalar(&app, &sum(table)).await, 12_000_000_000, "{table}");
    }
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM usage_events WHERE project_id = {project} AND cost_source = 'catalog'")).await, 2);
    // Twice changes nothing; another project of the organization without events is untouched.
    assert_eq!(recompute(&mut fx.owner.client, org_id, "house-model").await["changed"], 0);
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM usage_hourly WHERE project_id = {other}")).await, 0);

    // A lower correction moves both down again.
    let fix = AddPrice { input: "1".into(), ..add("1", &(Utc::now() - Duration::days(3)).format("%Y-%m-%d").to_string()) };
    assert_eq!(fx.owner.client.call_fn(&fix).await.status, StatusCode::OK);
    assert_eq!(recompute(&mut fx.owner.client, org_id, "house-model").await["delta"], -2_000_000_000i64);
    assert_eq!((scalar(&app, &sum("usage_events")).await, scalar(&app, &sum("usage_hourly")).await), (10_000_000_000, 10_000_000_000));
    assert_eq!(scalar(&app, &sum("usage_hourly_totals")).await, 10_000_000_000);
    for table in ["usage_daily_totals", "usage_daily_users", "usage_daily_user_totals"] {
        assert_eq!(scalar(&app, &sum(table)).await, 10_000_000_000, "{table}");
    }

    // Another organization's Owner sees and changes nothing here.
    let mut stranger = org(&app, "Stranger").await;
    assert_eq!(stranger.owner.client.call_fn(&LoadPrices { org_id }).await.status, StatusCode::NOT_FOUND);
    assert_eq!(stranger.owner.client.call_fn(&RecomputeCosts { org_id, model: "house-model".into() }).await.status, StatusCode::NOT_FOUND);
    assert_eq!(stranger.owner.client.call_fn(&RecomputeStatus { org_id }).await.status, StatusCode::NOT_FOUND);
    // Signed out, and malformed input.
    assert_eq!(Client::new(&app).call_fn(&RecomputeStatus { org_id }).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(Client::new(&app).call_fn(&RecomputeCosts { org_id, model: "house-model".into() }).await.status, StatusCode::UNAUTHORIZED);
    for bad in [String::new(), "m".repeat(201), "gpt\u{202E}4o".into()] {
        assert_eq!(fx.owner.client.call_fn(&RecomputeCosts { org_id, model: bad }).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert!(fx.owner.client.call("prices/recompute/status", &[("org_id", "-1")]).await.status.is_client_error());
    let own = stranger.owner.client.call_fn(&LoadPrices { org_id: stranger.id }).await.json();
    assert!(own["rows"].as_array().unwrap().iter().all(|r| r["built_in"] == true), "the first organization's prices stay its own");
});

// Issue 21's repro: a call that names no provider keeps its model's default
// price when another provider's price starts, before and after a recompute;
// with two providers and no default it stays unpriced, and the request page
// says why.
on_both_engines!(calls_without_a_provider_are_priced_by_the_default, |app: TestApp| async move {
    let mut fx = org(&app, "Providers").await;
    let (org_id, project, slug) = (fx.id, fx.projects[0].0, fx.projects[0].1.clone());
    let api = Api::new(&app, Some(&api_key(&mut fx.owner, project, "ingest").await));
    let call = |id: &str, model: &str| json!({ "events": [{ "id": id, "timestamp": Utc::now().to_rfc3339(), "model": model, "status": "success", "input_tokens": 1_000_000 }] });
    let cost = |id: &str| format!("SELECT cost_nanos FROM usage_events WHERE project_id = {project} AND event_id = '{id}'");
    assert_eq!(api.events(&call("before", "gpt-4o")).await.status, StatusCode::OK);
    assert_eq!(scalar(&app, &cost("before")).await, 2_500_000_000, "$2.50 per 1M input tokens, the built-in openai price");
    let tomorrow = (Utc::now() + Duration::days(1)).format("%Y-%m-%d").to_string();
    let azure = AddPrice {
        org_id,
        provider: "azure".into(),
        model: "gpt-4o".into(),
        input: "1".into(),
        output: "1".into(),
        effective_from: tomorrow,
        default_provider: false,
    };
    assert_eq!(fx.owner.client.call_fn(&azure).await.status, StatusCode::OK);
    assert_eq!(api.events(&call("after", "gpt-4o")).await.status, StatusCode::OK);
    assert_eq!(scalar(&app, &cost("after")).await, 2_500_000_000, "an Azure price starting tomorrow changes nothing today");
    assert_eq!(recompute(&mut fx.owner.client, org_id, "gpt-4o").await["changed"], 0, "a recompute keeps them");
    assert_eq!(scalar(&app, &format!("SELECT CAST(SUM(cost_nanos) AS BIGINT) FROM usage_hourly WHERE project_id = {project}")).await, 5_000_000_000);

    // Two providers of the organization's own, neither the default.
    let today = Utc::now().format("%Y-%m-%d").to_string();
    for provider in ["vllm", "together"] {
        let add = AddPrice { provider: provider.into(), model: "llama".into(), effective_from: today.clone(), ..azure.clone() };
        assert_eq!(fx.owner.client.call_fn(&add).await.status, StatusCode::OK);
    }
    assert_eq!(api.events(&call("two", "llama")).await.status, StatusCode::OK);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM usage_events WHERE event_id = 'two' AND cost_source = 'unpriced'").await, 1);
    let id = scalar(&app, &format!("SELECT id FROM usage_events WHERE project_id = {project} AND event_id = 'two'")).await;
    let detail = fx.owner.client.call_fn(&LoadRequest { org: fx.slug.clone(), slug: slug.clone(), id }).await.json();
    let why = detail["unpriced_reason"].as_str().unwrap_or_default().to_string();
    assert!(why.contains("together, vllm") && why.contains("default"), "{why}");
    // Marking one as the default prices it on recompute.
    let default = AddPrice {
        provider: "vllm".into(),
        model: "llama".into(),
        input: "4".into(),
        effective_from: (Utc::now() - Duration::days(1)).format("%Y-%m-%d").to_string(),
        default_provider: true,
        ..azure.clone()
    };
    assert_eq!(fx.owner.client.call_fn(&default).await.status, StatusCode::OK);
    assert_eq!(recompute(&mut fx.owner.client, org_id, "llama").await["changed"], 1);
    assert_eq!(scalar(&app, &cost("two")).await, 1_000_000_000, "the vllm version in force (today's $1), as the default provider");
    let detail = fx.owner.client.call_fn(&LoadRequest { org: fx.slug.clone(), slug, id }).await.json();
    assert!(detail["unpriced_reason"].is_null(), "{detail}");
});
