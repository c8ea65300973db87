//! The Billing page: an upgrade applies at once with its prorated price, a
//! downgrade waits for the period's end and is refused while the
//! organization holds more than the lower plan allows, each change is made
//! once per idempotency key, and only Owners reach any of it.
use crate::fixtures::*;
use crate::helpers::*;
use crate::on_both_engines_with;
use chrono::Utc;
use plinth::api::billing::{CancelPlanChange, ChangePlan, LoadBilling, PreviewPlanChange, RemoveCard, SaveBillingContact, SaveCard};
use plinth::domain::OrgId;
use plinth::domain::billing::IdempotencyKey;
use plinth::domain::plan::PlanId;
use plinth::server::config::Config;
use reqwest::StatusCode;
use std::sync::Arc;

/// Free holds 3 projects and 2 members here; Pro and Enterprise as built in.
fn small_free(c: &mut Config) {
    c.plans = Arc::new(plinth::server::billing::plans::parse("[free]\nprojects = 3\nmembers = 2\napi_keys = 10\n").unwrap());
}

fn key(n: &str) -> IdempotencyKey {
    IdempotencyKey::try_from(format!("test-key-{n}")).unwrap()
}

/// The change as the page confirms it: with the figures its preview showed.
async fn confirm(c: &mut Client, id: OrgId, plan: PlanId, k: IdempotencyKey) -> Res {
    let p = c.call_fn(&PreviewPlanChange { org_id: id, plan }).await;
    if p.status != StatusCode::OK {
        return p;
    }
    let p = p.json();
    let from: PlanId = serde_json::from_value(p["from"]["id"].clone()).unwrap();
    c.call_fn(&ChangePlan { org_id: id, plan, from, prorated_cents: p["prorated_cents"].as_i64().unwrap(), idempotency_key: k }).await
}

async fn plan_of(app: &TestApp, org: i64) -> Vec<String> {
    text_rows(app, &format!("SELECT plan FROM organizations WHERE id = {org}")).await
}

on_both_engines_with!(an_upgrade_applies_at_once_with_its_prorated_price, small_free, |app: TestApp| async move {
    let mut fx = org(&app, "Up").await;
    let id = OrgId(fx.id);
    let preview = fx.owner.client.call_fn(&PreviewPlanChange { org_id: id, plan: PlanId::Pro }).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    let p = preview.json();
    // Worked out here from the calendar (the organization's zone is UTC):
    // $49 × the days left, counting today, over the month's days, to the cent.
    let today = Utc::now().date_naive();
    let (days, left) = month_days(today);
    let expected = (4_900 * left + days / 2) / days;
    assert_eq!((p["upgrade"].as_bool(), p["days_left"].as_i64(), p["days_in_period"].as_i64()), (Some(true), Some(left), Some(days)), "{p}");
    assert_eq!(p["prorated_cents"].as_i64(), Some(expected), "{p}");
    assert_eq!(p["monthly_difference_cents"].as_i64(), Some(4_900));

    // Sent five times at once with one key (a double click): one change.
    let k = key("upgrade");
    let tries = (0..5).map(|_| {
        let (base, cookie, k) = (app.base.clone(), fx.owner.client.cookie.clone(), k.clone());
        async move {
            let mut c = Client::at(&base);
            c.cookie = cookie;
            c.call_fn(&ChangePlan { org_id: id, plan: PlanId::Pro, from: PlanId::Free, prorated_cents: expected, idempotency_key: k }).await
        }
    });
    for res in join_all(tries).await {
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    }
    assert_eq!(plan_of(&app, fx.id).await, ["pro"]);
    assert_eq!(
        text_rows(
            &app,
            &format!("SELECT from_plan || ' ' || to_plan || ' ' || status || ' ' || CAST(prorated_cents AS TEXT) FROM plan_changes WHERE org_id = {}", fx.id)
        )
        .await,
        [format!("free pro applied {expected}")]
    );
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM audit_log WHERE org_id = {} AND action = 'plan.changed'", fx.id)).await, 1);
    // Another key for the same plan: it is the plan already.
    let again = fx
        .owner
        .client
        .call_fn(&ChangePlan { org_id: id, plan: PlanId::Pro, from: PlanId::Free, prorated_cents: expected, idempotency_key: key("again") })
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    // The key of a change already made, with another plan: refused, nothing changes.
    let reused = confirm(&mut fx.owner.client, id, PlanId::Enterprise, k).await;
    assert_eq!(reused.status, StatusCode::CONFLICT, "{}", reused.body);
    assert_eq!(plan_of(&app, fx.id).await, ["pro"]);
    // The page's overview says so.
    let o = fx.owner.client.call_fn(&LoadBilling { org_id: id }).await.json();
    assert_eq!((o["plan"]["id"].as_str(), o["zone"].as_str()), (Some("pro"), Some("UTC")), "{o}");
    assert!(o["usage"].as_array().unwrap().iter().any(|u| u["limit"] == "projects" && u["used"] == 2 && u["max"] == 25), "{o}");
});

/// The days of `today`'s month and those left in it, counting today.
fn month_days(today: chrono::NaiveDate) -> (i64, i64) {
    use chrono::Datelike;
    let first = today.with_day(1).unwrap();
    let next =
        if first.month() == 12 { first.with_year(first.year() + 1).unwrap().with_month(1).unwrap() } else { first.with_month(first.month() + 1).unwrap() };
    ((next - first).num_days(), (next - today).num_days())
}

on_both_engines_with!(a_downgrade_waits_for_the_period_end_and_is_refused_while_over_the_limits, small_free, |app: TestApp| async move {
    let mut fx = org(&app, "Down").await;
    let id = OrgId(fx.id);
    execute(&app, &format!("UPDATE organizations SET plan = 'pro' WHERE id = {}", fx.id)).await;
    for name in ["Gamma", "Delta"] {
        create_project(&mut fx.owner, fx.id, name).await.unwrap();
    }
    // Four projects, and Free holds three: refused, with the reason.
    let preview = fx.owner.client.call_fn(&PreviewPlanChange { org_id: id, plan: PlanId::Free }).await.json();
    let blockers = preview["blockers"].as_array().unwrap();
    assert_eq!(blockers.len(), 1, "{preview}");
    assert!(blockers[0].as_str().unwrap().contains("4 projects") && blockers[0].as_str().unwrap().contains("allows 3"), "{preview}");
    let res =
        fx.owner.client.call_fn(&ChangePlan { org_id: id, plan: PlanId::Free, from: PlanId::Pro, prorated_cents: 0, idempotency_key: key("down-1") }).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert!(res.body.contains("4 projects"), "{}", res.body);
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM plan_changes WHERE org_id = {}", fx.id)).await, 0);

    // One fewer, and the downgrade is scheduled for the period's end.
    let delete = plinth::api::projects::DeleteProject { project_id: fx.projects[1].0, confirm: format!("{} Beta", fx.name) };
    assert_eq!(fx.owner.client.call_fn(&delete).await.status, StatusCode::OK);
    let res = confirm(&mut fx.owner.client, id, PlanId::Free, key("down-2")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(plan_of(&app, fx.id).await, ["pro"], "Pro stays until the period ends");
    let o = fx.owner.client.call_fn(&LoadBilling { org_id: id }).await.json();
    assert_eq!(o["scheduled"]["to"], "free", "{o}");
    assert_eq!(o["scheduled"]["at"], o["period_end"], "{o}");

    // Taken back, then asked for again.
    assert_eq!(fx.owner.client.call_fn(&CancelPlanChange { org_id: id }).await.status, StatusCode::OK);
    assert!(fx.owner.client.call_fn(&LoadBilling { org_id: id }).await.json()["scheduled"].is_null());
    assert_eq!(fx.owner.client.call_fn(&CancelPlanChange { org_id: id }).await.status, StatusCode::NOT_FOUND);
    let res = confirm(&mut fx.owner.client, id, PlanId::Free, key("down-3")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    // Nothing applies before the period's end; the plan-changes job applies it after.
    use plinth::server::billing::change::apply_due;
    assert_eq!(apply_due(&app.state.db, Utc::now()).await.unwrap(), (0, 0));
    let end = chrono::DateTime::parse_from_rfc3339(o["period_end"].as_str().unwrap()).unwrap().with_timezone(&Utc);
    assert_eq!(apply_due(&app.state.db, end).await.unwrap(), (1, 0));
    assert_eq!(plan_of(&app, fx.id).await, ["free"]);
    assert_eq!(apply_due(&app.state.db, end).await.unwrap(), (0, 0), "applied once");
    assert_eq!(
        scalar(
            &app,
            &format!(
                "SELECT COUNT(*) FROM audit_log WHERE org_id = {} AND action IN ('plan.change_scheduled', 'plan.change_cancelled', 'plan.changed')",
                fx.id
            )
        )
        .await,
        4
    );
});

on_both_engines_with!(the_plan_changes_job_applies_due_downgrades, small_free, |app: TestApp| async move {
    let mut fx = org(&app, "Job").await;
    let id = OrgId(fx.id);
    execute(&app, &format!("UPDATE organizations SET plan = 'enterprise' WHERE id = {}", fx.id)).await;
    let res = confirm(&mut fx.owner.client, id, PlanId::Pro, key("job-1")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    execute(&app, &format!("UPDATE plan_changes SET effective_at = '{}' WHERE org_id = {}", (Utc::now() - chrono::Duration::seconds(1)).to_rfc3339(), fx.id))
        .await;
    use plinth::server::jobs::{Job, Outcome, run_once};
    let ran = run_once(&app.state, Job::PlanChanges, "test", true).await.unwrap();
    assert_eq!(ran, Outcome::Ran { ok: true, message: "applied 1 scheduled plan changes".into() });
    assert_eq!(plan_of(&app, fx.id).await, ["pro"]);
});

on_both_engines_with!(only_owners_reach_billing, small_free, |app: TestApp| async move {
    let mut fx = org(&app, "Owners").await;
    let id = OrgId(fx.id);
    execute(&app, &format!("UPDATE organizations SET plan = 'enterprise' WHERE id = {}", fx.id)).await;
    let page = fx.owner.client.get(&format!("/o/{}/billing", fx.slug)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Enterprise plan") && page.body.contains("Change plan"), "{}", page.body);
    let mut callers = Vec::new();
    for role in ["admin", "member", "viewer", "guest"] {
        callers.push((join(&app, &mut fx, role, "").await, StatusCode::FORBIDDEN));
    }
    // Another organization's Owner learns nothing, not even that it exists.
    callers.push((org(&app, "Elsewhere").await.owner, StatusCode::NOT_FOUND));
    callers.push((Person { client: Client::new(&app), email: String::new() }, StatusCode::UNAUTHORIZED));
    for (p, refused) in callers.iter_mut() {
        let refused = *refused;
        let c = &mut p.client;
        for res in [
            c.call_fn(&LoadBilling { org_id: id }).await,
            c.call_fn(&PreviewPlanChange { org_id: id, plan: PlanId::Pro }).await,
            c.call_fn(&ChangePlan { org_id: id, plan: PlanId::Free, from: PlanId::Enterprise, prorated_cents: 0, idempotency_key: key("not-owner") }).await,
            c.call_fn(&CancelPlanChange { org_id: id }).await,
            c.call_fn(&SaveCard { org_id: id, number: "4242424242424242".into(), expiry: "04/30".into(), name: "Not Owner".into() }).await,
            c.call_fn(&RemoveCard { org_id: id }).await,
            c.call_fn(&SaveBillingContact { org_id: id, email: "x@example.com".into(), address: "Somewhere".into() }).await,
        ] {
            assert_eq!(res.status, refused, "{}: {}", p.email, res.body);
        }
        let page = c.get(&format!("/o/{}/billing", fx.slug)).await;
        assert!(!page.status.is_success() && !page.body.contains("Change plan"), "{}: {}", p.email, page.status);
        if !p.email.is_empty() {
            // The navigation leaves it out.
            let home = c.get(&format!("/o/{}", fx.slug)).await;
            assert!(!home.body.contains(&format!("/o/{}/billing", fx.slug)), "{}", p.email);
        }
    }
    assert_eq!(plan_of(&app, fx.id).await, ["enterprise"]);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM plan_changes").await, 0);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM billing_profiles").await, 0, "no card or contact saved by anyone but an Owner");
    // The Owner sees it in the navigation.
    assert!(fx.owner.client.get(&format!("/o/{}", fx.slug)).await.body.contains(&format!("/o/{}/billing", fx.slug)));
    // Malformed input: a 4xx, nothing changed.
    for (plan, k) in [("gold", "valid-key-1"), ("pro", "bad key"), ("pro", "")] {
        let form = [
            ("org_id", fx.id.to_string()),
            ("plan", plan.into()),
            ("from", "enterprise".into()),
            ("prorated_cents", "0".into()),
            ("idempotency_key", k.into()),
        ];
        let form: Vec<(&str, &str)> = form.iter().map(|(a, b)| (*a, b.as_str())).collect();
        let res = fx.owner.client.call("billing/change", &form).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{plan} {k}: {}", res.body);
    }
    assert_eq!(plan_of(&app, fx.id).await, ["enterprise"]);
});

on_both_engines_with!(a_confirmation_holds_only_for_what_it_showed, small_free, |app: TestApp| async move {
    let mut fx = org(&app, "Stale").await;
    let id = OrgId(fx.id);
    // Tab one shows Pro's price; tab two upgrades to Enterprise meanwhile.
    let shown = fx.owner.client.call_fn(&PreviewPlanChange { org_id: id, plan: PlanId::Pro }).await.json();
    let res = confirm(&mut fx.owner.client, id, PlanId::Enterprise, key("tab-two")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let stale = ChangePlan {
        org_id: id,
        plan: PlanId::Pro,
        from: PlanId::Free,
        prorated_cents: shown["prorated_cents"].as_i64().unwrap(),
        idempotency_key: key("tab-one"),
    };
    let res = fx.owner.client.call_fn(&stale).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert!(res.body.contains("changed since"), "{}", res.body);
    assert_eq!(plan_of(&app, fx.id).await, ["enterprise"], "no downgrade slipped in");
    // A price other than the one the server works out is refused too.
    let wrong = ChangePlan { org_id: id, plan: PlanId::Free, from: PlanId::Enterprise, prorated_cents: -1, idempotency_key: key("wrong-price") };
    assert_eq!(fx.owner.client.call_fn(&wrong).await.status, StatusCode::CONFLICT);
    // Asking for the plan it is on is no change at all.
    assert_eq!(fx.owner.client.call_fn(&PreviewPlanChange { org_id: id, plan: PlanId::Enterprise }).await.status, StatusCode::CONFLICT);
});

on_both_engines_with!(while_a_downgrade_waits_the_lower_limits_hold, small_free, |app: TestApp| async move {
    let mut fx = org(&app, "Waiting").await;
    let id = OrgId(fx.id);
    execute(&app, &format!("UPDATE organizations SET plan = 'pro' WHERE id = {}", fx.id)).await;
    create_project(&mut fx.owner, fx.id, "Gamma").await.unwrap();
    let res = confirm(&mut fx.owner.client, id, PlanId::Free, key("wait-1")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    // Pro allows 25 projects, but Free's 3 hold until the downgrade: it
    // must not start over its limits.
    let err = create_project(&mut fx.owner, fx.id, "Delta").await.unwrap_err();
    assert_eq!(err.status, StatusCode::CONFLICT, "{}", err.body);
    assert!(err.body.contains("plan_") || err.body.contains("PlanLimit"), "{}", err.body);
    // Taken back, Pro's limits hold again.
    assert_eq!(fx.owner.client.call_fn(&CancelPlanChange { org_id: id }).await.status, StatusCode::OK);
    create_project(&mut fx.owner, fx.id, "Delta").await.unwrap();

    // Whoever runs Plinth sets the plan another way: the waiting change is
    // cancelled, and one that no longer starts from the plan is never applied.
    let res = confirm(&mut fx.owner.client, id, PlanId::Free, key("wait-2")).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "four projects block it: {}", res.body);
    execute(&app, &format!("UPDATE organizations SET plan = 'enterprise' WHERE id = {}", fx.id)).await;
    let res = confirm(&mut fx.owner.client, id, PlanId::Pro, key("wait-3")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    plinth::server::repo::orgs::set_plan(&app.state.db, fx.id, PlanId::Free).await.unwrap();
    assert!(fx.owner.client.call_fn(&LoadBilling { org_id: id }).await.json()["scheduled"].is_null());
    let far = Utc::now() + chrono::Duration::days(40);
    assert_eq!(plinth::server::billing::change::apply_due(&app.state.db, far).await.unwrap(), (0, 0));
    assert_eq!(plan_of(&app, fx.id).await, ["free"]);
});
