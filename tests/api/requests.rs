//! The request log over HTTP: filters, keyset pages that neither skip nor
//! repeat rows, text hidden from Project Viewers, and no way into another
//! project or organization.
use crate::fixtures::*;
use crate::helpers::*;
use crate::on_both_engines;
use chrono::{Duration, Utc};
use plinth::api::requests::{LoadRequest, LoadRequests};
use plinth::domain::requests::RequestFilters;
use plinth::domain::usage::EventStatus;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::HashSet;

fn call(id: usize, model: &str, status: &str) -> Value {
    // Several calls share a timestamp, so paging must order by id as well.
    let at = Utc::now() - Duration::minutes(1 + (id / 3) as i64);
    json!({ "id": format!("r{id}"), "timestamp": at.to_rfc3339(), "model": model, "status": status, "user": format!("u{}", id % 4),
            "input": "secret prompt", "output": "secret answer", "metadata": { "ticket": "T-1" } })
}

on_both_engines!(the_request_log_filters_and_pages_by_cursor, |app: TestApp| async move {
    let mut fx = org(&app, "Log").await;
    let (project, slug) = fx.projects[0].clone();
    let key = api_key(&mut fx.owner, project, "ingest").await;
    let events: Vec<Value> =
        (0..130).map(|i| call(i, if i % 2 == 0 { "gpt-4o" } else { "gpt-4o-mini" }, if i % 10 == 0 { "error" } else { "success" })).collect();
    assert_eq!(Api::new(&app, Some(&key)).events(&json!({ "events": events })).await.status, StatusCode::OK);
    let other_key = api_key(&mut fx.owner, project, "ingest").await;
    assert_eq!(Api::new(&app, Some(&other_key)).events(&json!({ "events": [call(999, "o3", "success")] })).await.status, StatusCode::OK);

    let load = |f: RequestFilters| LoadRequests { org: fx.slug.clone(), slug: slug.clone(), filters: f };
    // Page through everything: 131 rows, each once, newest first.
    let (mut seen, mut after, mut pages) = (HashSet::new(), None::<String>, 0);
    let mut last_time = chrono::DateTime::<Utc>::MAX_UTC;
    loop {
        let res = fx.owner.client.call_fn(&load(RequestFilters { after: after.clone(), ..Default::default() })).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let page = res.json();
        for row in page["rows"].as_array().unwrap() {
            assert!(seen.insert(row["id"].as_i64().unwrap()), "a row repeated across pages");
            // Parsed: serialized times vary in their decimals, so text order is not time order.
            let t = chrono::DateTime::parse_from_rfc3339(row["occurred_at"].as_str().unwrap()).unwrap().with_timezone(&Utc);
            assert!(t <= last_time, "newest first");
            last_time = t;
        }
        pages += 1;
        match page["next"].as_str() {
            Some(c) => after = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!((seen.len(), pages), (131, 3));

    let rows = |res: Res| res.json()["rows"].as_array().unwrap().clone();
    let errors = rows(fx.owner.client.call_fn(&load(RequestFilters { status: Some(EventStatus::Error), ..Default::default() })).await);
    assert_eq!(errors.len(), 13);
    let mini_u1 =
        rows(fx.owner.client.call_fn(&load(RequestFilters { model: Some("gpt-4o-mini".into()), user: Some("u1".into()), ..Default::default() })).await);
    assert!(!mini_u1.is_empty() && mini_u1.iter().all(|r| r["model"] == "gpt-4o-mini" && r["end_user"] == "u1"));
    let key_id = scalar(&app, &format!("SELECT MAX(id) FROM api_keys WHERE project_id = {project}")).await;
    let by_key = rows(fx.owner.client.call_fn(&load(RequestFilters { key: Some(key_id), ..Default::default() })).await);
    assert_eq!(by_key.len(), 1, "only the second key's call");
    assert_eq!(by_key[0]["model"], "o3");
    let page = fx.owner.client.call_fn(&load(RequestFilters::default())).await.json();
    assert_eq!(page["models"], json!(["gpt-4o", "gpt-4o-mini", "o3"]));

    // Broken cursors, far-off dates and huge filters are clear 422s.
    for bad in [
        RequestFilters { after: Some("garbage".into()), ..Default::default() },
        RequestFilters { after: Some("99999999999999999999.1".into()), ..Default::default() },
        RequestFilters { model: Some("m".repeat(5_000)), ..Default::default() },
        RequestFilters {
            window: plinth::domain::analytics::Filters::from_url(None, Some("1900-01-01"), Some("2100-01-01"), None).unwrap(),
            ..Default::default()
        },
    ] {
        assert_eq!(fx.owner.client.call_fn(&load(bad)).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
});

on_both_engines!(request_text_is_hidden_from_viewers_and_other_projects, |app: TestApp| async move {
    let mut fx = org(&app, "Detail").await;
    let ((a, slug_a), (b, slug_b)) = (fx.projects[0].clone(), fx.projects[1].clone());
    let key = api_key(&mut fx.owner, a, "ingest").await;
    assert_eq!(Api::new(&app, Some(&key)).events(&json!({ "events": [call(1, "gpt-4o", "error")] })).await.status, StatusCode::OK);
    let id = scalar(&app, &format!("SELECT id FROM usage_events WHERE project_id = {a}")).await;
    let at = fx.slug.clone();
    let detail = |slug: &str| LoadRequest { org: at.clone(), slug: slug.to_string(), id };

    let mut member = join(&app, &mut fx, "member", "").await;
    let full = member.client.call_fn(&detail(&slug_a)).await.json();
    assert_eq!((full["input"].as_str(), full["output"].as_str(), full["text_hidden"].as_bool()), (Some("secret prompt"), Some("secret answer"), Some(false)));
    assert_eq!(full["metadata"], json!([["ticket", "T-1"]]));

    let mut viewer = join(&app, &mut fx, "viewer", "").await;
    let res = viewer.client.call_fn(&detail(&slug_a)).await;
    assert_eq!(res.status, StatusCode::OK);
    let hidden = res.json();
    assert!(hidden["input"].is_null() && hidden["output"].is_null() && hidden["text_hidden"] == true);
    assert!(!res.body.contains("secret"), "no trace of the text");
    assert_eq!(hidden["row"]["model"], "gpt-4o", "the rest stays visible");

    // Project A's event through project B's address, another organization, signed out.
    assert_eq!(fx.owner.client.call_fn(&detail(&slug_b)).await.status, StatusCode::NOT_FOUND);
    let _ = b;
    let mut stranger = org(&app, "Stranger").await;
    assert_eq!(stranger.owner.client.call_fn(&detail(&slug_a)).await.status, StatusCode::NOT_FOUND);
    let res = stranger.owner.client.call_fn(&LoadRequests { org: fx.slug.clone(), slug: slug_a.clone(), filters: RequestFilters::default() }).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(Client::new(&app).call_fn(&detail(&slug_a)).await.status, StatusCode::UNAUTHORIZED);
});

// A rare filter reads at most SEARCH_ROWS calls a page: past them the page
// says how far back it searched, and "Search older" goes on to the matches.
// Nothing is skipped: the pages, and the export, hold exactly the matches,
// even where the budget ends inside a run of calls with one timestamp.
on_both_engines!(a_rare_filter_searches_in_bounded_steps, |app: TestApp| async move {
    use plinth::domain::requests::SEARCH_ROWS;
    use plinth::server::entities::usage_event;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
    let mut fx = org(&app, "Needle").await;
    let (project, slug) = fx.projects[0].clone();
    let calls = SEARCH_ROWS + 5_000;
    crate::bulk::load(&app, crate::bulk::Stamp { project, key: None }, 0, calls, &indicatif::ProgressBar::hidden()).await;
    // Three calls by one end user at the time of the call just past the
    // budget: newer ids first at one time, so the budget then ends on the
    // newest of them, with the other two and that call after it.
    let past = usage_event::Entity::find()
        .filter(usage_event::Column::ProjectId.eq(project))
        .order_by_desc(usage_event::Column::OccurredAt)
        .order_by_desc(usage_event::Column::Id)
        .offset(SEARCH_ROWS)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let key = api_key(&mut fx.owner, project, "ingest").await;
    let needle =
        |i: i64| json!({ "id": format!("needle-{i}"), "timestamp": past.occurred_at.to_rfc3339(), "model": "o3", "status": "success", "user": "needle" });
    assert_eq!(Api::new(&app, Some(&key)).events(&json!({ "events": [needle(0), needle(1), needle(2)] })).await.status, StatusCode::OK);

    let load = |after: Option<String>| LoadRequests {
        org: fx.slug.clone(),
        slug: slug.clone(),
        filters: RequestFilters { user: Some("needle".into()), after, ..Default::default() },
    };
    let first = fx.owner.client.call_fn(&load(None)).await.json();
    assert_eq!(first["rows"], json!([]), "the newest SEARCH_ROWS calls hold no match");
    let searched: chrono::DateTime<Utc> = serde_json::from_value(first["searched_to"].clone()).expect("how far back it searched");
    assert_eq!(searched, past.occurred_at);
    let next = first["next"].as_str().expect("a cursor to search on").to_string();
    let second = fx.owner.client.call_fn(&load(Some(next))).await.json();
    let found: Vec<&str> = second["rows"].as_array().unwrap().iter().map(|r| r["event_id"].as_str().unwrap()).collect();
    assert_eq!(found, ["needle-2", "needle-1", "needle-0"], "newest first, each once, the budget's end included");
    assert_eq!((second["next"].clone(), second["searched_to"].clone()), (Value::Null, Value::Null), "the rest of the window was within the budget");
    // A common filter fills its page in the first step, without the budget.
    let common = LoadRequests { org: fx.slug.clone(), slug: slug.clone(), filters: RequestFilters { model: Some("gpt-4o".into()), ..Default::default() } };
    let page = fx.owner.client.call_fn(&common).await.json();
    assert_eq!(page["rows"].as_array().unwrap().len() as u64, plinth::domain::requests::PAGE_SIZE);
    assert!(page["searched_to"].is_null());
    // The export goes through every step: exactly the three matches.
    let csv = fx.owner.client.get(&format!("/o/{}/projects/{slug}/export/requests.csv?user=needle", fx.slug)).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.body.lines().filter(|l| l.contains("needle-")).count(), 3, "{}", csv.body);
    assert!(!csv.body.contains("INCOMPLETE"));
});
