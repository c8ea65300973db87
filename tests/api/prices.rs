//! The price catalog: versions apply from their start, a corrected price
//! re-costs earlier events on request, and the rollups move with them.
use crate::fixtures::*;
use crate::helpers::*;
use crate::on_both_engines;
use chrono::{Duration, Utc};
use plinth::api::prices::{AddPrice, LoadPrices, RecomputeCosts};
use reqwest::StatusCode;
use serde_json::json;

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
    let res = fx.owner.client.call_fn(&RecomputeCosts { org_id, model: "house-model".into() }).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json(), json!({ "events": 2, "changed": 2, "delta": 5_000_000_000i64 }), "$2 for the old call, $3 for the new one");
    assert_eq!(scalar(&app, &sum("usage_events")).await, 12_000_000_000);
    assert_eq!(scalar(&app, &sum("usage_hourly")).await, 12_000_000_000, "rollups follow");
    assert_eq!(scalar(&app, &sum("usage_hourly_totals")).await, 12_000_000_000, "all of them");
    for table in ["usage_daily_totals", "usage_daily_users", "usage_daily_user_totals"] {
        assert_eq!(scalar(&app, &sum(table)).await, 12_000_000_000, "{table}");
    }
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM usage_events WHERE project_id = {project} AND cost_source = 'catalog'")).await, 2);
    // Twice changes nothing; another project of the organization without events is untouched.
    assert_eq!(fx.owner.client.call_fn(&RecomputeCosts { org_id, model: "house-model".into() }).await.json()["changed"], 0);
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM usage_hourly WHERE project_id = {other}")).await, 0);

    // A lower correction moves both down again.
    let fix = AddPrice { input: "1".into(), ..add("1", &(Utc::now() - Duration::days(3)).format("%Y-%m-%d").to_string()) };
    assert_eq!(fx.owner.client.call_fn(&fix).await.status, StatusCode::OK);
    assert_eq!(fx.owner.client.call_fn(&RecomputeCosts { org_id, model: "house-model".into() }).await.json()["delta"], -2_000_000_000i64);
    assert_eq!((scalar(&app, &sum("usage_events")).await, scalar(&app, &sum("usage_hourly")).await), (10_000_000_000, 10_000_000_000));
    assert_eq!(scalar(&app, &sum("usage_hourly_totals")).await, 10_000_000_000);
    for table in ["usage_daily_totals", "usage_daily_users", "usage_daily_user_totals"] {
        assert_eq!(scalar(&app, &sum(table)).await, 10_000_000_000, "{table}");
    }

    // Another organization's Owner sees and changes nothing here.
    let mut stranger = org(&app, "Stranger").await;
    assert_eq!(stranger.owner.client.call_fn(&LoadPrices { org_id }).await.status, StatusCode::NOT_FOUND);
    assert_eq!(stranger.owner.client.call_fn(&RecomputeCosts { org_id, model: "house-model".into() }).await.status, StatusCode::NOT_FOUND);
    let own = stranger.owner.client.call_fn(&LoadPrices { org_id: stranger.id }).await.json();
    assert!(own["rows"].as_array().unwrap().iter().all(|r| r["built_in"] == true), "the first organization's prices stay its own");
});
