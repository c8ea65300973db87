//! Property tests: random and mutated bodies thrown at `POST /api/v1/events`.
//! Every answer is a 2xx for what is valid or a 4xx with the error shape,
//! never a 5xx, and an event that was refused leaves no row behind.
use crate::fixtures::*;
use crate::helpers::*;
use crate::on_both_engines;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Any JSON value, nested up to 8 levels (arrays and objects), with
/// unicode, control characters and long strings.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
        ".{0,40}".prop_map(Value::String),
        (0usize..70_000).prop_map(|n| Value::String("x".repeat(n))),
    ];
    leaf.prop_recursive(8, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::hash_map("[a-z_]{1,12}", inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Raw text that JSON numbers and keywords turn into trouble with.
fn nasty_literal() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("99999999999999999999999999".to_string()),
        Just("-9223372036854775809".to_string()),
        Just("1e400".to_string()),
        Just("NaN".to_string()),
        Just("\"NaN\"".to_string()),
        Just("\"Infinity\"".to_string()),
        Just("-0".to_string()),
        Just("\"-1\"".to_string()),
        Just("\"1e-12\"".to_string()),
        Just("\"\\u0000\"".to_string()),
        Just("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]".to_string()),
        "[0-9]{1,30}(\\.[0-9]{1,20})?",
    ]
}

const FIELDS: [&str; 16] = [
    "id",
    "timestamp",
    "model",
    "provider",
    "assistant",
    "user",
    "environment",
    "session_id",
    "input_tokens",
    "output_tokens",
    "cost_usd",
    "latency_ms",
    "status",
    "error",
    "input",
    "metadata",
];

/// A body and, when it holds exactly one event with a known id, that id.
#[derive(Debug, Clone)]
enum Case {
    Bytes(Vec<u8>),
    Text(String, Option<String>),
}

fn valid_event(id: &str) -> Value {
    json!({ "id": id, "timestamp": chrono::Utc::now().to_rfc3339(), "model": "gpt-4o", "status": "success", "input_tokens": 5 })
}

fn cases() -> impl Strategy<Value = (u32, Case)> {
    let case = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..2_000).prop_map(Case::Bytes),
        any_json().prop_map(|v| Case::Text(v.to_string(), None)),
        any_json().prop_map(|v| Case::Text(json!({ "events": [v] }).to_string(), None)),
        // One field of a valid event replaced by anything, or by a raw literal.
        (0usize..FIELDS.len(), any_json()).prop_map(|(f, v)| {
            let mut ev = valid_event("ID");
            ev[FIELDS[f]] = v;
            Case::Text(json!({ "events": [ev] }).to_string(), Some("ID".into()))
        }),
        (0usize..FIELDS.len(), nasty_literal()).prop_map(|(f, lit)| {
            let ev = valid_event("ID");
            let mut text = json!({ "events": [ev] }).to_string();
            text = text.replacen("}]}", &format!(",\"{}\":{lit}}}]}}", FIELDS[f]), 1);
            Case::Text(text, Some("ID".into()))
        }),
        // A valid body cut short at a random point.
        (1usize..150).prop_map(|cut| {
            let text = json!({ "events": [valid_event("ID")] }).to_string();
            Case::Text(text.chars().take(cut).collect(), Some("ID".into()))
        }),
    ];
    (any::<u32>(), case)
}

on_both_engines!(random_and_mutated_bodies_get_4xx_and_leave_nothing_partial, |app: TestApp| async move {
    let mut fx = org(&app, "Fuzz").await;
    let project = fx.projects[0].0;
    let api = Api::new(&app, Some(&api_key(&mut fx.owner, project, "ingest").await));
    let mut runner = TestRunner::new(Config { cases: 300, ..Config::default() });
    let strategy = cases();
    let mut refused_ids = Vec::new();
    let mut answered = std::collections::BTreeMap::new();
    for n in 0..300u32 {
        let (_, case) = strategy.new_tree(&mut runner).expect("a case").current();
        // Ids unique per case, so a refused one can be looked for afterwards.
        let id = format!("fz-{n}");
        let (res, known) = match case {
            Case::Bytes(b) => (api.post_raw("/api/v1/events", "application/json", b).await, None),
            Case::Text(t, known) => {
                (api.post_raw("/api/v1/events", "application/json", t.replace("\"ID\"", &format!("\"{id}\""))).await, known.map(|_| id.clone()))
            }
        };
        *answered.entry(res.status.as_u16()).or_insert(0) += 1;
        assert!(res.status.is_success() || res.status.is_client_error(), "case {n}: {} {}", res.status, res.body);
        assert_ne!(res.status, StatusCode::UNAUTHORIZED, "the key stays good");
        if res.status.is_client_error() {
            let body: Value = serde_json::from_str(&res.body).unwrap_or_else(|_| panic!("case {n}: JSON error body: {}", res.body));
            assert!(body["error"]["code"].is_string() && body["error"]["message"].is_string(), "case {n}: error shape: {}", res.body);
            if let Some(id) = known {
                refused_ids.push(id);
            }
        }
    }
    for id in &refused_ids {
        assert_eq!(
            scalar(&app, &format!("SELECT COUNT(*) FROM usage_events WHERE project_id = {project} AND event_id = '{id}'")).await,
            0,
            "{id} was refused but stored"
        );
    }
    assert!(answered.get(&400).copied().unwrap_or(0) > 50, "most cases are refused: {answered:?}");
    assert!(answered.get(&200).copied().unwrap_or(0) > 0, "some mutations stay valid: {answered:?}");
    // The rollups still equal the events after all that.
    let events = scalar(&app, &format!("SELECT COUNT(*) FROM usage_events WHERE project_id = {project}")).await;
    let rolled = scalar(&app, &format!("SELECT CAST(COALESCE(SUM(requests), 0) AS BIGINT) FROM usage_hourly WHERE project_id = {project}")).await;
    assert_eq!(events, rolled);
});
