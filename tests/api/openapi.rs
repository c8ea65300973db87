//! `/api/openapi.json` says exactly what the server does: every documented
//! example is sent to the server and gets the documented answer, and the
//! places where the two disagreed (issue 21) are checked both ways.
use crate::fixtures::*;
use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn every_documented_example_gets_its_documented_answer() {
    let app = spawn_app(Engine::Sqlite).await.unwrap();
    let doc = Api::new(&app, None).get("/api/openapi.json").await.json();
    let mut fx = org(&app, "Contract").await;
    let api = Api::new(&app, Some(&api_key(&mut fx.owner, fx.projects[0].0, "all").await));

    let post = &doc["paths"]["/events"]["post"];
    let examples = post["requestBody"]["content"]["application/json"]["examples"].as_object().expect("request examples");
    assert!(examples.len() >= 2);
    for (name, example) in examples {
        // The answer documented under the same example name, and its status.
        let (status, answer) = post["responses"]
            .as_object()
            .unwrap()
            .iter()
            .find_map(|(status, r)| r["content"]["application/json"]["examples"][name.as_str()].get("value").map(|v| (status.clone(), v.clone())))
            .unwrap_or_else(|| panic!("no documented answer for the example {name}"));
        let res = api.events(&example["value"]).await;
        assert_eq!(res.status.as_str(), status, "{name}: {}", res.body);
        assert_eq!(res.json(), answer, "{name}");
    }

    let get = &doc["paths"]["/usage"]["get"];
    let query: Vec<String> = get["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| format!("{}={}", p["name"].as_str().unwrap(), p["example"].as_str().expect("each parameter has an example")))
        .collect();
    let res = api.get(&format!("/api/v1/usage?{}", query.join("&"))).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let usage = res.json();
    for field in doc["components"]["schemas"]["Usage"]["properties"].as_object().unwrap().keys() {
        assert!(usage.get(field).is_some(), "the answer has every documented field: {field} in {usage}");
    }
    for field in doc["components"]["schemas"]["Sums"]["properties"].as_object().unwrap().keys() {
        assert!(usage["total"].get(field).is_some(), "{field} in {}", usage["total"]);
    }
    // The document lists the API's routes, and only those.
    let paths: Vec<&String> = doc["paths"].as_object().unwrap().keys().collect();
    assert_eq!(paths, ["/events", "/usage"]);
    assert_eq!(api.get("/api/v1/nothing-here").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_server_and_the_document_agree_where_they_did_not() {
    let app = spawn_app(Engine::Sqlite).await.unwrap();
    let doc = Api::new(&app, None).get("/api/openapi.json").await.json();
    let mut fx = org(&app, "Agree").await;
    let api = Api::new(&app, Some(&api_key(&mut fx.owner, fx.projects[0].0, "all").await));
    let event = Value::clone(&doc["paths"]["/events"]["post"]["requestBody"]["content"]["application/json"]["examples"]["one_call"]["value"]["events"][0]);

    // Empty `from` and `to`: refused, as documented (minLength 1).
    for p in ["from", "to"] {
        let param = doc["paths"]["/usage"]["get"]["parameters"].as_array().unwrap().iter().find(|x| x["name"] == p).unwrap().clone();
        for form in param["schema"]["anyOf"].as_array().expect("a date or a time") {
            assert_eq!(form["minLength"], 1, "{form}");
        }
        assert_eq!(api.get(&format!("/api/v1/usage?{p}=")).await.status, StatusCode::BAD_REQUEST);
    }
    // `cost_usd`: an empty string matches neither the documented pattern nor the server.
    let cost = &doc["components"]["schemas"]["Event"]["properties"]["cost_usd"]["anyOf"];
    assert!(cost.as_array().unwrap().iter().any(|s| s["type"] == "string" && s["pattern"].is_string()));
    let mut empty = event.clone();
    (empty["id"], empty["cost_usd"]) = (json!("empty-cost"), json!(""));
    assert_eq!(api.events(&json!({ "events": [empty] })).await.status, StatusCode::BAD_REQUEST, "every event refused");
    for ok in ["0.0012", "1e-3", "12"] {
        let mut e = event.clone();
        (e["id"], e["cost_usd"]) = (json!(format!("cost-{ok}")), json!(ok));
        assert_eq!(api.events(&json!({ "events": [e] })).await.status, StatusCode::OK, "{ok}");
    }
    // `null` in every optional field: accepted, as the document says (each is nullable).
    let props = doc["components"]["schemas"]["Event"]["properties"].as_object().unwrap();
    let required: Vec<&str> = doc["components"]["schemas"]["Event"]["required"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
    let mut nulls = json!({ "id": "all-null", "timestamp": event["timestamp"], "model": "gpt-4o", "status": "success" });
    for (field, schema) in props.iter().filter(|(f, _)| !required.contains(&f.as_str())) {
        let nullable = schema["type"].as_array().is_some_and(|t| t.contains(&json!("null")))
            || schema["anyOf"].as_array().is_some_and(|a| a.contains(&json!({ "type": "null" })));
        assert!(nullable, "{field} is documented as nullable");
        nulls[field] = Value::Null;
    }
    let res = api.events(&json!({ "events": [nulls] })).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    // Over the documented number of events: 413, which the document lists.
    assert!(doc["paths"]["/events"]["post"]["responses"]["413"].is_object());
    assert_eq!(doc["paths"]["/events"]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/Batch");
    let max = doc["components"]["schemas"]["Batch"]["properties"]["events"]["maxItems"].as_u64().unwrap();
    let many: Vec<Value> = (0..=max).map(|i| json!({ "id": format!("m{i}"), "timestamp": event["timestamp"], "model": "m", "status": "success" })).collect();
    assert_eq!(api.events(&json!({ "events": many })).await.status, StatusCode::PAYLOAD_TOO_LARGE);
    // A batch with a refused event: 207, which the document lists.
    assert!(doc["paths"]["/events"]["post"]["responses"]["207"].is_object());
}

/// Every route of `/api/v1` is in the document, and every documented
/// operation is a route: each documented (path, method) answers a caller
/// without a key with the documented 401, and every other method on those
/// paths gets 405. (Routes are registered from the handlers' `#[utoipa::path]`
/// only; `shape.rs` checks that no `.route(` bypasses it.)
#[tokio::test]
async fn the_document_and_the_routes_are_the_same_set() {
    use reqwest::Method;
    let app = spawn_app(Engine::Sqlite).await.unwrap();
    let anon = Api::new(&app, None);
    let doc = anon.get("/api/openapi.json").await.json();
    let all = [Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE];
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in &all {
            let documented = item.get(method.as_str().to_lowercase()).is_some();
            let res = anon.request(method.clone(), &format!("/api/v1{path}")).await;
            if documented {
                operations += 1;
                assert!(item[method.as_str().to_lowercase()]["responses"]["401"].is_object(), "{method} {path} documents its 401");
                assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{method} {path}: {}", res.body);
                assert_eq!(res.json()["error"]["code"], "unauthenticated");
            } else {
                assert_eq!(res.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path} is not documented, so not served");
                let code = res.json()["error"]["code"].clone();
                let codes = &doc["components"]["schemas"]["ErrorDetail"]["properties"]["code"]["enum"];
                assert!(codes.as_array().unwrap().contains(&code), "{code} is a documented error code");
            }
        }
    }
    assert_eq!(operations, 2, "POST /events and GET /usage");
}
