//! Plans and their limits: members (invitations waiting count), projects,
//! API keys, and events per billing period; each refused with an error that
//! names the limit, and none passed by concurrent requests.
use crate::fixtures::*;
use crate::helpers::*;
use crate::on_both_engines_with;
use chrono::{Duration, Utc};
use plinth::api::invitations::AcceptInvitation;
use plinth::server::config::Config;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;

/// Small limits, so tests reach them; Pro prices events past its (tiny) limit.
const PLANS: &str = "[free]\nmembers = 2\nprojects = 3\napi_keys = 2\nevents_per_month = 1000\n\
                     [pro]\nmembers = 1\nevents_per_month = 10\noverage_usd_per_1000_events = \"0.40\"\n";

fn small_plans(c: &mut Config) {
    c.plans = Arc::new(plinth::server::billing::plans::parse(PLANS).unwrap());
}

fn batch(prefix: &str, n: usize) -> Value {
    let at = (Utc::now() - Duration::minutes(1)).to_rfc3339();
    json!({ "events": (0..n).map(|i| json!({ "id": format!("{prefix}-{i}"), "timestamp": at, "model": "gpt-4o", "status": "success", "input_tokens": 1 })).collect::<Vec<_>>() })
}

/// The refusal names the limit by its code and points at the Billing page.
fn assert_refused(res: &Res, status: StatusCode, code: &str, slug: &str) {
    assert_eq!(res.status, status, "{}", res.body);
    let body = res.json();
    let (found_code, message) = match body.get("error") {
        // The public API: { "error": { "code", "message" } }.
        Some(e) => (e["code"].as_str().unwrap_or_default().to_string(), e["message"].as_str().unwrap_or_default().to_string()),
        // A server function: the AppError itself.
        None => {
            assert_eq!(body["kind"], "PlanLimit", "{}", res.body);
            let limit = body["message"]["limit"].as_str().unwrap_or_default();
            assert_eq!(body["message"]["billing"], format!("/o/{slug}/billing"));
            (format!("plan_{limit}"), body["message"]["message"].as_str().unwrap_or_default().to_string())
        }
    };
    assert_eq!(found_code, code, "{}", res.body);
    assert!(message.contains("plan includes") && message.contains("Billing page"), "{message}");
}

async fn set_plan(app: &TestApp, org_id: i64, plan: &str) {
    execute(app, &format!("UPDATE organizations SET plan = '{plan}' WHERE id = {org_id}")).await;
}

on_both_engines_with!(new_organizations_start_on_free, |_| {}, |app: TestApp| async move {
    let fx = org(&app, "Fresh").await;
    assert_eq!(text_rows(&app, &format!("SELECT plan FROM organizations WHERE id = {}", fx.id)).await, ["free"]);
});

on_both_engines_with!(projects_stop_at_the_limit_even_when_created_at_once, small_plans, |app: TestApp| async move {
    let mut fx = org(&app, "Proj").await;
    // Two exist; room for one more, and five ask at once.
    let tries = (0..5).map(|i| {
        let base = app.base.clone();
        let cookie = fx.owner.client.cookie.clone();
        let org_id = fx.id;
        async move {
            let mut c = Client::at(&base);
            c.cookie = cookie;
            let create = plinth::api::projects::CreateProject {
                org_id,
                name: format!("Race {i}"),
                slug: String::new(),
                description: String::new(),
                environment: "production".into(),
                group: String::new(),
            };
            c.call_fn(&create).await
        }
    });
    let results = join_all(tries).await;
    assert_eq!(results.iter().filter(|r| r.status == StatusCode::OK).count(), 1, "{results:?}");
    for r in results.iter().filter(|r| r.status != StatusCode::OK) {
        assert_refused(r, StatusCode::CONFLICT, "plan_projects", fx.slug.as_str());
    }
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM projects WHERE org_id = {}", fx.id)).await, 3);
    let err = create_project(&mut fx.owner, fx.id, "Fourth").await.unwrap_err();
    assert_refused(&err, StatusCode::CONFLICT, "plan_projects", fx.slug.as_str());
    // Deleting one makes room again.
    let delete = plinth::api::projects::DeleteProject { project_id: fx.projects[1].0, confirm: format!("{} Beta", fx.name) };
    let res = fx.owner.client.call_fn(&delete).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    create_project(&mut fx.owner, fx.id, "Fourth").await.expect("room after a deletion");
    assert_refused(&create_project(&mut fx.owner, fx.id, "Fifth").await.unwrap_err(), StatusCode::CONFLICT, "plan_projects", fx.slug.as_str());
    set_plan(&app, fx.id, "enterprise").await;
    create_project(&mut fx.owner, fx.id, "Fifth").await.expect("Enterprise has no project limit");
});

on_both_engines_with!(api_keys_stop_at_the_limit_and_rotation_is_not_a_new_key, small_plans, |app: TestApp| async move {
    let mut fx = org(&app, "Keys").await;
    let (alpha, beta) = (fx.projects[0].0, fx.projects[1].0);
    // The limit is the organization's: keys in two projects, at once.
    let tries = (0..6).map(|i| {
        let base = app.base.clone();
        let cookie = fx.owner.client.cookie.clone();
        async move {
            let mut c = Client::at(&base);
            c.cookie = cookie;
            let project_id = if i % 2 == 0 { alpha } else { beta };
            c.call_fn(&plinth::api::keys::CreateKey { project_id, name: format!("k{i}"), scope: "ingest".into(), expires: "never".into() }).await
        }
    });
    let results = join_all(tries).await;
    assert_eq!(results.iter().filter(|r| r.status == StatusCode::OK).count(), 2, "{results:?}");
    for r in results.iter().filter(|r| r.status != StatusCode::OK) {
        assert_refused(r, StatusCode::CONFLICT, "plan_api_keys", fx.slug.as_str());
    }
    let keys: Vec<i64> = results.iter().filter(|r| r.status == StatusCode::OK).map(|r| r.json()["id"].as_i64().unwrap()).collect();
    let key_project = |id: i64| format!("SELECT project_id FROM api_keys WHERE id = {id}");
    let first_project = scalar(&app, &key_project(keys[0])).await;
    // A rotation at the limit replaces the key (the old one's grace period included).
    let rotate = plinth::api::keys::RotateKey { project_id: first_project, key_id: keys[0], grace: "1h".into() };
    let res = fx.owner.client.call_fn(&rotate).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    // A revoked key frees its place.
    let revoke = plinth::api::keys::RevokeKey { project_id: scalar(&app, &key_project(keys[1])).await, key_id: keys[1] };
    assert_eq!(fx.owner.client.call_fn(&revoke).await.status, StatusCode::OK);
    api_key(&mut fx.owner, alpha, "read").await;
});

on_both_engines_with!(members_count_invitations_waiting_and_acceptance_checks_again, small_plans, |app: TestApp| async move {
    let mut fx = org(&app, "Team").await;
    // The Owner and one waiting invitation fill two places; of three invited at once, one fits.
    let people = [person(&app, "a").await, person(&app, "b").await, person(&app, "c").await];
    let tries = people.iter().map(|p| {
        let (base, cookie, email, org_id) = (app.base.clone(), fx.owner.client.cookie.clone(), p.email.clone(), fx.id);
        async move {
            let mut c = Client::at(&base);
            c.cookie = cookie;
            c.call_fn(&plinth::api::team::Invite { org_id, emails: email, role: "member".into(), projects: String::new() }).await
        }
    });
    let results = join_all(tries).await;
    assert_eq!(results.iter().filter(|r| r.status == StatusCode::OK).count(), 1, "{results:?}");
    for r in results.iter().filter(|r| r.status != StatusCode::OK) {
        assert_refused(r, StatusCode::CONFLICT, "plan_members", fx.slug.as_str());
    }
    // Inviting the same person again replaces their invitation: it fits.
    let waiting = text_rows(&app, &format!("SELECT email FROM invitations WHERE org_id = {} AND revoked_at IS NULL", fx.id)).await;
    assert_eq!(waiting.len(), 1);
    let again = invite(&mut fx.owner, fx.id, &waiting[0], "viewer", "").await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    // Two others at once, with room for none.
    let others: Vec<&str> = people.iter().map(|p| p.email.as_str()).filter(|e| *e != waiting[0]).collect();
    let two = invite(&mut fx.owner, fx.id, &others.join(","), "member", "").await;
    assert_refused(&two, StatusCode::CONFLICT, "plan_members", fx.slug.as_str());

    // The plan shrinks under the waiting invitation (Pro holds 1 member
    // here): accepting it is refused, and nobody joins.
    set_plan(&app, fx.id, "pro").await;
    let link = again.json()[0]["link"].as_str().unwrap().to_string();
    let mut invitee = Client::at(&app.base);
    assert_eq!(invitee.log_in(&waiting[0], PASSWORD).await.status, StatusCode::OK);
    let res = invitee.call_fn(&AcceptInvitation { token: token_of(&link) }).await;
    assert_refused(&res, StatusCode::CONFLICT, "plan_members", fx.slug.as_str());
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM memberships WHERE org_id = {}", fx.id)).await, 1);
    set_plan(&app, fx.id, "free").await;
    let res = invitee.call_fn(&AcceptInvitation { token: token_of(&link) }).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
});

on_both_engines_with!(events_past_the_monthly_cap_are_refused_whole_with_429, small_plans, |app: TestApp| async move {
    let mut fx = org(&app, "Cap").await;
    let key = api_key(&mut fx.owner, fx.projects[0].0, "ingest").await;
    let api = Api::new(&app, Some(&key));
    let meter = format!("SELECT CAST(COALESCE(SUM(events), 0) AS BIGINT) FROM usage_meters WHERE org_id = {}", fx.id);
    let stored = "SELECT COUNT(*) FROM usage_events";
    assert_eq!(api.events(&batch("a", 600)).await.status, StatusCode::OK);
    // 600 + 500 would pass 1,000: refused whole, nothing stored.
    let res = api.events(&batch("b", 500)).await;
    assert_refused(&res, StatusCode::TOO_MANY_REQUESTS, "plan_events_per_month", fx.slug.as_str());
    assert!(res.json()["error"]["message"].as_str().unwrap().contains(&format!("/o/{}/billing", fx.slug.as_str())));
    assert_eq!((scalar(&app, stored).await, scalar(&app, &meter).await), (600, 600));
    // Duplicates are answered as before and count nothing.
    let res = api.events(&batch("a", 400)).await;
    assert_eq!((res.status, res.json()["duplicates"].as_i64()), (StatusCode::OK, Some(400)), "{}", res.body);
    assert_eq!(scalar(&app, &meter).await, 600);
    // Exactly up to the cap, then not one more.
    assert_eq!(api.events(&batch("c", 400)).await.status, StatusCode::OK);
    let full = api.events(&batch("d", 1)).await;
    assert_refused(&full, StatusCode::TOO_MANY_REQUESTS, "plan_events_per_month", fx.slug.as_str());
    // It says when the batch would fit: the next period, in seconds.
    let retry: i64 = full.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=31 * 86_400).contains(&retry), "{retry}");
    assert!(full.json()["error"]["message"].as_str().unwrap().contains("none are left"), "{}", full.body);
    // A full period still answers a retried batch: its events are duplicates.
    let res = api.events(&batch("a", 600)).await;
    assert_eq!((res.status, res.json()["duplicates"].as_i64()), (StatusCode::OK, Some(600)), "{}", res.body);
    // One new event among them is one too many.
    let mut mixed = batch("a", 600);
    mixed["events"].as_array_mut().unwrap().push(batch("f", 1)["events"][0].clone());
    assert_refused(&api.events(&mixed).await, StatusCode::TOO_MANY_REQUESTS, "plan_events_per_month", fx.slug.as_str());
    assert_eq!((scalar(&app, stored).await, scalar(&app, &meter).await), (1000, 1000));

    // Another organization's events are its own.
    let mut other = org(&app, "Other").await;
    let other_key = api_key(&mut other.owner, other.projects[0].0, "ingest").await;
    assert_eq!(Api::new(&app, Some(&other_key)).events(&batch("o", 10)).await.status, StatusCode::OK);

    // A plan that prices events past its limit takes them (Pro: 10 included).
    set_plan(&app, fx.id, "pro").await;
    assert_eq!(api.events(&batch("e", 50)).await.status, StatusCode::OK);
    assert_eq!(scalar(&app, &meter).await, 1050);
});

on_both_engines_with!(concurrent_batches_never_pass_the_cap, small_plans, |app: TestApp| async move {
    let mut fx = org(&app, "Race").await;
    // Two projects of one organization, eight batches of 200 at once: five fit.
    let keys = [api_key(&mut fx.owner, fx.projects[0].0, "ingest").await, api_key(&mut fx.owner, fx.projects[1].0, "ingest").await];
    let tries = (0..8).map(|i| {
        let api = Api::new(&app, Some(&keys[i % 2]));
        async move { api.events(&batch(&format!("r{i}"), 200)).await }
    });
    let results = join_all(tries).await;
    let ok = results.iter().filter(|r| r.status == StatusCode::OK).count();
    assert_eq!(ok, 5, "{:?}", results.iter().map(|r| (r.status, r.body.chars().take(120).collect::<String>())).collect::<Vec<_>>());
    for r in results.iter().filter(|r| r.status != StatusCode::OK) {
        assert_refused(r, StatusCode::TOO_MANY_REQUESTS, "plan_events_per_month", fx.slug.as_str());
    }
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM usage_events").await, 1000);
    assert_eq!(scalar(&app, &format!("SELECT events FROM usage_meters WHERE org_id = {}", fx.id)).await, 1000);
});

#[test]
fn a_malformed_plans_file_stops_start_up_naming_the_line() {
    let path = std::env::temp_dir().join(format!("plinth-plans-{}.toml", uuid::Uuid::new_v4().simple()));
    std::fs::write(&path, "[free]\nmembers = 3\nprojects = -1\n").unwrap();
    let out = crate::operations::plinth_cmd("sqlite::memory:").env("PLINTH_PLANS", &path).args(["migrate", "status"]).output().unwrap();
    std::fs::remove_file(&path).ok();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("PLINTH_PLANS") && stderr.contains("line 3") && stderr.contains("negative"), "{stderr}");
}

on_both_engines_with!(the_billing_zone_is_an_iana_name_set_by_the_owner_alone, |_| {}, |app: TestApp| async move {
    use plinth::api::orgs::{LoadBillingZone, SetBillingZone};
    use plinth::domain::OrgId;
    let mut fx = org(&app, "Zone").await;
    let id = OrgId(fx.id);
    let zone = |app: &TestApp| {
        let sql = format!("SELECT billing_time_zone FROM organizations WHERE id = {}", fx.id);
        let app_db = app.state.db.clone();
        async move {
            use sea_orm::ConnectionTrait;
            let row = app_db.query_one_raw(sea_orm::Statement::from_string(app_db.get_database_backend(), sql)).await.unwrap().unwrap();
            row.try_get_by_index::<String>(0).unwrap()
        }
    };
    for bad in ["", "Mars/Olympus", "UTC+2", "Europe/Paris\u{0}", &"A".repeat(10_000)] {
        let res = fx.owner.client.call_fn(&SetBillingZone { org_id: id, zone: bad.into() }).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}: {}", res.body);
    }
    assert_eq!(zone(&app).await, "UTC");
    let res = fx.owner.client.call_fn(&SetBillingZone { org_id: id, zone: " Asia/Kolkata ".into() }).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(zone(&app).await, "Asia/Kolkata");
    let loaded = fx.owner.client.call_fn(&LoadBillingZone { org_id: id }).await.json();
    assert_eq!(loaded["zone"], "Asia/Kolkata");
    assert!(loaded["zones"].as_array().unwrap().iter().any(|z| z == "Australia/Adelaide"));
    // The change is audited with before and after.
    let audited = text_rows(&app, &format!("SELECT before || ' ' || after FROM audit_log WHERE org_id = {} AND action = 'organization.updated'", fx.id)).await;
    assert!(audited.iter().any(|d| d.contains("UTC") && d.contains("Asia/Kolkata")), "{audited:?}");

    // Another organization's Owner can neither see nor set it.
    let mut other = org(&app, "Elsewhere").await;
    let res = other.owner.client.call_fn(&SetBillingZone { org_id: id, zone: "Asia/Tokyo".into() }).await;
    assert!(matches!(res.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{}", res.body);
    assert!(!other.owner.client.call_fn(&LoadBillingZone { org_id: id }).await.status.is_success());
    assert_eq!(zone(&app).await, "Asia/Kolkata");
    // Signed out, the same.
    let mut anonymous = Client::new(&app);
    assert_eq!(anonymous.call_fn(&SetBillingZone { org_id: id, zone: "Asia/Tokyo".into() }).await.status, StatusCode::UNAUTHORIZED);

    // The meter names the period by its month in the zone.
    let key = api_key(&mut fx.owner, fx.projects[0].0, "ingest").await;
    assert_eq!(Api::new(&app, Some(&key)).events(&batch("z", 3)).await.status, StatusCode::OK);
    let tz: chrono_tz::Tz = "Asia/Kolkata".parse().unwrap();
    let month = Utc::now().with_timezone(&tz).format("%Y-%m").to_string();
    assert_eq!(text_rows(&app, &format!("SELECT month FROM usage_meters WHERE org_id = {}", fx.id)).await, [month]);
});

on_both_engines_with!(organizations_and_projects_are_deleted_while_they_ingest, small_plans, |app: TestApp| async move {
    // Ingestion holds its keys, then the period's meter and its project's
    // row; deletions lock the keys first, so neither waits on the other for
    // ever (a PostgreSQL deadlock answers one of them 500). Ten rounds of
    // four senders each, against an organization's and a project's deletion.
    for round in 0..10 {
        let mut fx = org(&app, &format!("Gone {round}")).await;
        let key = api_key(&mut fx.owner, fx.projects[0].0, "ingest").await;
        let senders: Vec<_> = (0..4)
            .map(|s| {
                let api = Api::new(&app, Some(&key));
                tokio::spawn(async move {
                    let mut statuses = Vec::new();
                    for i in 0..20 {
                        let res = api.events(&batch(&format!("g{s}-{i}"), 40)).await;
                        statuses.push(res.status);
                        if res.status == StatusCode::UNAUTHORIZED {
                            break;
                        }
                    }
                    statuses
                })
            })
            .collect();
        tokio::time::sleep(std::time::Duration::from_millis(20 + 5 * round)).await;
        let res = if round % 2 == 0 {
            fx.owner.client.call_fn(&plinth::api::orgs::DeleteOrg { org_id: fx.id, confirm: fx.name.clone() }).await
        } else {
            fx.owner.client.call_fn(&plinth::api::projects::DeleteProject { project_id: fx.projects[0].0, confirm: format!("{} Alpha", fx.name) }).await
        };
        assert_eq!(res.status, StatusCode::OK, "round {round}: {}", res.body);
        for sender in senders {
            let statuses = sender.await.unwrap();
            assert!(
                statuses.iter().all(|s| matches!(*s, StatusCode::OK | StatusCode::UNAUTHORIZED | StatusCode::TOO_MANY_REQUESTS)),
                "round {round}: {statuses:?}"
            );
        }
        if round % 2 == 0 {
            assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM usage_meters WHERE org_id = {}", fx.id)).await, 0);
        }
    }
});

on_both_engines_with!(an_expired_invitation_holds_no_place_and_renewing_it_needs_one, small_plans, |app: TestApp| async move {
    let mut fx = org(&app, "Renew").await;
    let (first, second) = (unique_email("first"), unique_email("second"));
    assert_eq!(invite(&mut fx.owner, fx.id, &first, "member", "").await.status, StatusCode::OK);
    // The Owner and the waiting invitation fill Free's two places.
    assert_refused(&invite(&mut fx.owner, fx.id, &second, "member", "").await, StatusCode::CONFLICT, "plan_members", fx.slug.as_str());
    execute(&app, &format!("UPDATE invitations SET expires_at = '2020-01-01T00:00:00Z' WHERE org_id = {} AND email = '{first}'", fx.id)).await;
    assert_eq!(invite(&mut fx.owner, fx.id, &second, "member", "").await.status, StatusCode::OK, "the expired one holds no place");
    let expired = scalar(&app, &format!("SELECT id FROM invitations WHERE org_id = {} AND email = '{first}'", fx.id)).await;
    let renew = fx.owner.client.call_fn(&plinth::api::team::ResendInvitation { invitation_id: expired }).await;
    assert_refused(&renew, StatusCode::CONFLICT, "plan_members", fx.slug.as_str());
    let waiting = scalar(&app, &format!("SELECT id FROM invitations WHERE org_id = {} AND email = '{second}'", fx.id)).await;
    assert_eq!(fx.owner.client.call_fn(&plinth::api::team::RevokeInvitation { invitation_id: waiting }).await.status, StatusCode::OK);
    let renew = fx.owner.client.call_fn(&plinth::api::team::ResendInvitation { invitation_id: expired }).await;
    assert_eq!(renew.status, StatusCode::OK, "{}", renew.body);
});
