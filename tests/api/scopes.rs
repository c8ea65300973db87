//! `usage::query` answers every scope (organization, group, projects, one
//! project, API key, end user, environment) with what a direct aggregate of
//! the stored events gives, from whichever rollup it picks; and no scope
//! reaches another organization's usage.
use crate::fixtures::*;
use crate::helpers::*;
use crate::on_both_engines;
use chrono::{Duration, Utc};
use plinth::domain::money::Nanos;
use plinth::server::usage::query::{self, GroupBy, Hours, Scope, UsageRow, Within};
use reqwest::StatusCode;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// One stored event, as the direct aggregate reads it.
#[derive(Debug, Clone)]
struct Ev {
    project: i64,
    hour: i64,
    model: String,
    end_user: String,
    environment: String,
    error: bool,
    input: i64,
    output: i64,
    cost: i64,
    latency: Option<i64>,
    key: i64,
}

async fn events(app: &TestApp) -> Vec<Ev> {
    let sql = "SELECT CAST(project_id AS TEXT) || '|' || CAST(hour AS TEXT) || '|' || model || '|' || COALESCE(end_user, '') || '|' \
               || COALESCE(environment, '') || '|' || status || '|' || CAST(input_tokens AS TEXT) || '|' || CAST(output_tokens AS TEXT) || '|' \
               || CAST(cost_nanos AS TEXT) || '|' || COALESCE(CAST(latency_ms AS TEXT), '') || '|' || CAST(COALESCE(api_key_id, 0) AS TEXT) FROM usage_events";
    ordered_rows(app, sql)
        .await
        .iter()
        .map(|line| {
            let f: Vec<&str> = line.split('|').collect();
            Ev {
                project: f[0].parse().unwrap(),
                hour: f[1].parse().unwrap(),
                model: f[2].into(),
                end_user: f[3].into(),
                environment: f[4].into(),
                error: f[5] == "error",
                input: f[6].parse().unwrap(),
                output: f[7].parse().unwrap(),
                cost: f[8].parse().unwrap(),
                latency: f[9].parse().ok(),
                key: f[10].parse().unwrap(),
            }
        })
        .collect()
}

/// The scope's sums by `group`, straight from the events. `projects` are the
/// ids the scope means (already narrowed to its organization).
fn direct(evs: &[Ev], projects: &[i64], scope: &Scope, group: GroupBy) -> Vec<UsageRow> {
    let mut out: BTreeMap<Option<String>, UsageRow> = BTreeMap::new();
    for e in evs {
        let within = projects.contains(&e.project) && (scope.hours.from..scope.hours.to).contains(&e.hour);
        let filtered = scope.api_key.is_none_or(|k| k == e.key)
            && scope.end_user.as_ref().is_none_or(|u| *u == e.end_user)
            && scope.environment.as_ref().is_none_or(|v| *v == e.environment);
        if !within || !filtered {
            continue;
        }
        let named = |s: &str| (!s.is_empty()).then(|| s.to_string());
        let key = match group {
            GroupBy::Day => Some(chrono::DateTime::from_timestamp(e.hour.div_euclid(24) * 86_400, 0).unwrap().format("%Y-%m-%d").to_string()),
            GroupBy::Model => named(&e.model),
            GroupBy::User => named(&e.end_user),
            GroupBy::Key => Some(e.key.to_string()),
            GroupBy::Project => Some(e.project.to_string()),
            other => panic!("not checked here: {other:?}"),
        };
        let r = out.entry(key.clone()).or_insert_with(|| UsageRow { key, ..Default::default() });
        r.requests += 1;
        r.errors += i64::from(e.error);
        r.input_tokens += e.input;
        r.output_tokens += e.output;
        r.cost = Nanos(r.cost.0 + e.cost);
        if let Some(ms) = e.latency {
            r.latency_sum_ms += ms;
            r.latency_count += 1;
        }
    }
    out.into_values().collect()
}

fn sorted(mut rows: Vec<UsageRow>) -> Vec<UsageRow> {
    rows.sort_by(|a, b| a.key.cmp(&b.key));
    rows
}

/// Varied events over the last 50 hours, reported with one key.
fn batch(prefix: &str, n: usize) -> Value {
    let events: Vec<Value> = (0..n)
        .map(|i| {
            let k = i * 7919;
            let model = ["gpt-4o", "gpt-4o-mini", "claude-sonnet-4"][k % 3];
            let mut ev = json!({
                "id": format!("{prefix}-{i}"),
                "timestamp": (Utc::now() - Duration::hours((k % 50) as i64) - Duration::minutes(1)).to_rfc3339(),
                "model": model,
                "status": if k.is_multiple_of(7) { "error" } else { "success" },
                "input_tokens": k % 3000,
                "output_tokens": k % 500,
                "cost_usd": format!("0.{:06}", k % 1_000_000),
            });
            if !k.is_multiple_of(5) {
                ev["user"] = json!(format!("u{}", k % 4));
            }
            if !k.is_multiple_of(4) {
                ev["environment"] = json!(if k.is_multiple_of(2) { "production" } else { "staging" });
            }
            if !k.is_multiple_of(11) {
                ev["latency_ms"] = json!((k * 37) % 20_000);
            }
            ev
        })
        .collect();
    json!({ "events": events })
}

on_both_engines!(every_scope_sums_what_its_events_hold, |app: TestApp| async move {
    use plinth::api::projects::UpdateProject;
    let mut fx = org(&app, "Scopes").await;
    let (alpha, beta) = (fx.projects[0].0, fx.projects[1].0);
    // Beta leaves the group both projects were made in.
    let ungroup =
        UpdateProject { project_id: beta, name: "Scopes Beta".into(), description: String::new(), environment: "production".into(), group: String::new() };
    assert_eq!(fx.owner.client.call_fn(&ungroup).await.status, StatusCode::OK);
    let group = scalar(&app, &format!("SELECT group_id FROM projects WHERE id = {alpha}")).await;
    let (a1, a2, b1) =
        (api_key(&mut fx.owner, alpha, "ingest").await, api_key(&mut fx.owner, alpha, "ingest").await, api_key(&mut fx.owner, beta, "ingest").await);
    for (secret, prefix, n) in [(&a1, "a1", 400), (&a2, "a2", 150), (&b1, "b1", 250)] {
        let res = Api::new(&app, Some(secret)).events(&batch(prefix, n)).await;
        assert_eq!(res.json()["accepted"], n, "{}", res.body);
    }
    // Another organization's usage, which no scope of this one may reach.
    let mut other = org(&app, "Elsewhere").await;
    let theirs = other.projects[0].0;
    let their_key = api_key(&mut other.owner, theirs, "ingest").await;
    assert_eq!(Api::new(&app, Some(&their_key)).events(&batch("x", 300)).await.status, StatusCode::OK);
    let key_id = |secret: &str| {
        let prefix = secret.to_string();
        let app = &app;
        async move { plinth::server::guard::api_key(&app.state.db, &prefix).await.unwrap().key_id }
    };
    let (k_a1, k_b1, k_theirs) = (key_id(&a1).await, key_id(&b1).await, key_id(&their_key).await);

    let evs = events(&app).await;
    let now_hour = Utc::now().timestamp().div_euclid(3_600);
    let today = now_hour.div_euclid(24) * 24;
    let windows =
        [Hours { from: today - 10 * 24, to: today + 24 }, Hours { from: today - 24, to: today + 24 }, Hours { from: now_hour - 20, to: now_hour + 1 }];
    let db = &app.state.db;
    let mut checked = 0;
    for hours in windows {
        let org_scope = Scope::new(fx.id, Within::Org, hours);
        let scopes: Vec<(Scope, Vec<i64>)> = vec![
            (org_scope.clone(), vec![alpha, beta]),
            (Scope::new(fx.id, Within::Group(group), hours), vec![alpha]),
            (Scope::new(fx.id, Within::Projects(vec![beta, theirs]), hours), vec![beta]),
            (Scope::project(fx.id, alpha, hours), vec![alpha]),
            (Scope::project(fx.id, alpha, hours).api_key(Some(k_a1)), vec![alpha]),
            (org_scope.clone().api_key(Some(k_b1)), vec![alpha, beta]),
            (org_scope.clone().end_user(Some("u1")), vec![alpha, beta]),
            (org_scope.clone().environment(Some("production")), vec![alpha, beta]),
            (Scope::project(fx.id, beta, hours).environment(Some("staging")).api_key(Some(k_b1)), vec![beta]),
            // Another organization's project, group or key names nothing here.
            (Scope::project(fx.id, theirs, hours), vec![]),
            (org_scope.clone().api_key(Some(k_theirs)), vec![alpha, beta]),
        ];
        for (scope, projects) in &scopes {
            for group in [GroupBy::Day, GroupBy::Model, GroupBy::User, GroupBy::Key, GroupBy::Project] {
                let want = direct(&evs, projects, scope, group);
                match query::summary(db, scope, group).await {
                    Ok(got) => {
                        assert_eq!(sorted(got), want, "{scope:?} by {group:?}");
                        checked += usize::from(!want.is_empty());
                    }
                    // No rollup keeps both the key and the end user: said, not guessed.
                    Err(e) => {
                        let both = (scope.api_key.is_some() || group == GroupBy::Key) && (scope.end_user.is_some() || group == GroupBy::User);
                        assert!(both, "{scope:?} by {group:?}: {e}");
                        assert_eq!(e.status_code(), 422);
                    }
                }
            }
        }
    }
    assert!(checked > 100, "most scopes hold usage: {checked}");
});

on_both_engines!(the_key_dimension_is_filled_from_the_events_that_remain, |app: TestApp| async move {
    let mut fx = org(&app, "Backfill").await;
    let alpha = fx.projects[0].0;
    let (k1, k2) = (api_key(&mut fx.owner, alpha, "ingest").await, api_key(&mut fx.owner, alpha, "ingest").await);
    for (secret, prefix) in [(&k1, "k1"), (&k2, "k2")] {
        assert_eq!(Api::new(&app, Some(secret)).events(&batch(prefix, 300)).await.status, StatusCode::OK);
    }
    let now_hour = Utc::now().timestamp().div_euclid(3_600);
    let today = now_hour.div_euclid(24) * 24;
    // Beta: ten thousand calls of a million dollars each in one hour. Its
    // rollup stops at the i64 ceiling; a plain SQL sum of its events would
    // overflow, so the migration must leave that hour as it is.
    let beta = fx.projects[1].0;
    let rich = api_key(&mut fx.owner, beta, "ingest").await;
    let at = (Utc::now() - Duration::hours(2)).to_rfc3339();
    for b in 0..10 {
        let events: Vec<Value> = (0..1_000)
            .map(|i| json!({ "id": format!("rich-{b}-{i}"), "timestamp": at, "model": "gpt-4o", "status": "success", "cost_usd": "1000000" }))
            .collect();
        assert_eq!(Api::new(&app, Some(&rich)).events(&json!({ "events": events })).await.status, StatusCode::OK);
    }
    let capped = format!("SELECT COUNT(*) FROM usage_hourly_totals WHERE project_id = {beta} AND cost_nanos = 9223372036854775807");
    assert_eq!(scalar(&app, &capped).await, 1);
    let scope = Scope::project(fx.id, alpha, Hours { from: today - 10 * 24, to: today + 24 });
    let db = &app.state.db;
    let before = query::summary(db, &scope, GroupBy::Model).await.unwrap();
    let by_key = query::summary(db, &scope, GroupBy::Key).await.unwrap();
    assert_eq!(by_key.len(), 2, "two keys: {by_key:?}");

    // Back to before keys were counted; retention then deletes the events
    // of one old hour, whose rollups stay.
    let purged_hour = now_hour - 30;
    let own = migrated_back_before(&app, "m20261207_000016_key_dimension").await;
    let gone = own.execute_unprepared(&format!("DELETE FROM usage_events WHERE project_id = {alpha} AND hour = {purged_hour}")).await.unwrap();
    assert!(gone.rows_affected() > 0);
    {
        use migration::MigratorTrait;
        migration::Migrator::up(&own, None).await.unwrap();
    }
    own.close().await.unwrap();

    // The capped hour stayed as it was, under no key.
    assert_eq!(scalar(&app, &capped).await, 1);
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM usage_hourly_totals WHERE project_id = {beta} AND api_key_id <> 0")).await, 0);
    // Every figure is as it was; only the purged hour's calls have no key.
    assert_eq!(query::summary(db, &scope, GroupBy::Model).await.unwrap(), before);
    let unknown =
        scalar(&app, &format!("SELECT CAST(COALESCE(SUM(requests), 0) AS BIGINT) FROM usage_hourly_totals WHERE project_id = {alpha} AND api_key_id = 0"))
            .await;
    assert_eq!(unknown, gone.rows_affected() as i64, "the purged hour's calls, under no key");
    let elsewhere =
        scalar(&app, &format!("SELECT COUNT(*) FROM usage_hourly_totals WHERE project_id = {alpha} AND api_key_id = 0 AND hour <> {purged_hour}")).await;
    assert_eq!(elsewhere, 0, "every other hour was rebuilt by key");
    // The daily table: the purged hour's day is incomplete and keeps its
    // rows unattributed; every other day was rebuilt by key.
    let daily_unknown =
        scalar(&app, &format!("SELECT CAST(COALESCE(SUM(requests), 0) AS BIGINT) FROM usage_daily_totals WHERE project_id = {alpha} AND api_key_id = 0")).await;
    let day_events = scalar(&app, &format!("SELECT COUNT(*) FROM usage_events WHERE project_id = {alpha} AND hour / 24 = {}", purged_hour / 24)).await;
    assert_eq!(daily_unknown, day_events + gone.rows_affected() as i64, "the incomplete day stays as it was");
    let by_key = query::summary(db, &scope, GroupBy::Key).await.unwrap();
    let keyed: i64 = by_key.iter().filter(|r| r.key.is_some()).map(|r| r.requests).sum();
    assert_eq!(keyed, 600 - daily_unknown, "{by_key:?}");
    // Hour by hour, only the purged hour is unattributed.
    let hours = Scope { hours: Hours { from: scope.hours.from + 1, ..scope.hours }, ..scope.clone() };
    let keyed: i64 = query::summary(db, &hours, GroupBy::Key).await.unwrap().iter().filter(|r| r.key.is_some()).map(|r| r.requests).sum();
    assert_eq!(keyed, 600 - gone.rows_affected() as i64);

    // A price correction of an event whose day stayed unattributed moves
    // the unattributed row (its keyed row does not exist).
    use plinth::server::usage::rollup::RollupKey;
    let (hour, model, key): (i64, String, i64) = {
        let sql = format!(
            "SELECT CAST(hour AS TEXT) || '|' || model || '|' || CAST(api_key_id AS TEXT) FROM usage_events WHERE project_id = {alpha} AND hour / 24 = {} LIMIT 1",
            purged_hour / 24
        );
        let line = ordered_rows(&app, &sql).await.pop().expect("an event left that day");
        let f: Vec<&str> = line.split('|').collect();
        (f[0].parse().unwrap(), f[1].to_string(), f[2].parse().unwrap())
    };
    let day_cost = |key: i64| {
        format!(
            "SELECT CAST(COALESCE(SUM(cost_nanos), 0) AS BIGINT) FROM usage_daily_totals WHERE project_id = {alpha} AND hour = {} AND api_key_id = {key}",
            hour / 24 * 24
        )
    };
    let before = scalar(&app, &day_cost(0)).await;
    let tx = plinth::server::db::begin_write(db).await.unwrap();
    let moved = [(RollupKey::of_event(hour, Some(key), &model, None, None, None, plinth::domain::usage::EventStatus::Success), 5)];
    plinth::server::usage::store::adjust_cost(&tx, alpha, moved.into_iter().collect()).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(scalar(&app, &day_cost(0)).await, before + 5, "the unattributed day's row moved");
    assert_eq!(scalar(&app, &day_cost(key)).await, 0, "no keyed row appeared");
});
