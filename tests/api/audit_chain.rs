//! The audit log's hash chain: it verifies, concurrent writers still form
//! one chain, and editing, deleting or inserting a row in the database is
//! named by `verify`, over HTTP and by the `plinth audit verify` command.
use crate::fixtures::*;
use crate::helpers::*;
use crate::on_both_engines;
use reqwest::StatusCode;
use sea_orm::ConnectionTrait;

async fn verify(app: &TestApp, org_id: i64) -> plinth::domain::audit::AuditChain {
    plinth::server::repo::audit::verify(&app.state.db, org_id).await.unwrap()
}

async fn exec(app: &TestApp, sql: &str) {
    app.state.db.execute_unprepared(sql).await.unwrap();
}

/// An organization with a few audit entries; returns it and its entry ids, oldest first.
async fn org_with_history(app: &TestApp) -> (OrgFx, Vec<i64>) {
    let mut fx = org(app, "Chained").await;
    join(app, &mut fx, "member", "").await;
    join(app, &mut fx, "viewer", "").await;
    let ids = ids(app, fx.id).await;
    assert!(ids.len() >= 6, "{ids:?}");
    (fx, ids)
}

async fn ids(app: &TestApp, org_id: i64) -> Vec<i64> {
    use sea_orm::Statement;
    let backend = app.state.db.get_database_backend();
    let sql = format!("SELECT id FROM audit_log WHERE org_id = {org_id} ORDER BY seq");
    app.state.db.query_all_raw(Statement::from_string(backend, sql)).await.unwrap().iter().map(|r| r.try_get_by_index::<i64>(0).unwrap()).collect()
}

on_both_engines!(the_chain_verifies_and_shows_on_the_audit_page, |app: TestApp| async move {
    let (mut fx, ids) = org_with_history(&app).await;
    let chain = verify(&app, fx.id).await;
    assert!(chain.verifies(), "{chain:?}");
    assert_eq!(chain.entries, ids.len() as u64);
    let seqs = scalar(&app, &format!("SELECT MAX(seq) - MIN(seq) + 1 - COUNT(*) FROM audit_log WHERE org_id = {}", fx.id)).await;
    assert_eq!(seqs, 0, "numbers are contiguous");
    let res = fx.owner.client.call("audit/verify", &[("org", fx.slug.as_str())]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["problem"], serde_json::Value::Null);
    // Only those who see the audit log may run it.
    let mut member = join(&app, &mut fx, "member", "").await;
    assert_eq!(member.client.call("audit/verify", &[("org", fx.slug.as_str())]).await.status, StatusCode::FORBIDDEN);
    let outsider = &mut person(&app, "outsider").await;
    assert_eq!(outsider.client.call("audit/verify", &[("org", fx.slug.as_str())]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(Client::new(&app).call("audit/verify", &[("org", fx.slug.as_str())]).await.status, StatusCode::UNAUTHORIZED);
    for bad in ["-1", "abc", "99999999999999999999", "0"] {
        let res = fx.owner.client.call("audit/verify", &[("org", bad)]).await;
        assert!(res.status.is_client_error(), "org_id {bad}: {}", res.status);
    }
    let page = fx.owner.client.get(&format!("/o/{}/audit", fx.slug)).await;
    assert!(page.body.contains("Tamper check passed"), "the page says the chain verifies");
});

on_both_engines!(an_edited_entry_is_named, |app: TestApp| async move {
    let (fx, ids) = org_with_history(&app).await;
    let victim = ids[2];
    exec(&app, &format!("UPDATE audit_log SET target = 'nobody' WHERE id = {victim}")).await;
    let chain = verify(&app, fx.id).await;
    assert_eq!(chain.broken_at, Some(victim), "{chain:?}");
    assert!(chain.problem.unwrap().contains("was changed"));
});

on_both_engines!(a_deleted_entry_is_named, |app: TestApp| async move {
    let (fx, ids) = org_with_history(&app).await;
    exec(&app, &format!("DELETE FROM audit_log WHERE id = {}", ids[1])).await;
    let chain = verify(&app, fx.id).await;
    assert_eq!(chain.broken_at, Some(ids[2]), "the entry after the gap: {chain:?}");
    assert!(chain.problem.unwrap().contains("entry #2 was removed"));

    // Cutting off the newest entry is found at the end of the chain.
    let (fx, ids) = org_with_history(&app).await;
    exec(&app, &format!("DELETE FROM audit_log WHERE id = {}", ids.last().unwrap())).await;
    let chain = verify(&app, fx.id).await;
    assert!(chain.problem.unwrap().contains("newest entries were removed"));
});

on_both_engines!(an_inserted_entry_is_named, |app: TestApp| async move {
    let (fx, ids) = org_with_history(&app).await;
    // A forged entry slipped in after the first one: the later entries are
    // renumbered to make room, and it copies its neighbour's chain fields.
    exec(&app, &format!("UPDATE audit_log SET seq = seq + 1000 WHERE org_id = {} AND id <> {}", fx.id, ids[0])).await;
    exec(&app, &format!("UPDATE audit_log SET seq = seq - 999 WHERE org_id = {} AND seq > 1000", fx.id)).await;
    exec(
        &app,
        &format!(
            "INSERT INTO audit_log (org_id, actor_id, actor_name, action, target, before, after, created_at, seq, prev_hash, hash) \
             SELECT org_id, actor_id, actor_name, 'member.removed', 'forged', before, after, created_at, 2, prev_hash, hash FROM audit_log WHERE id = {}",
            ids[1]
        ),
    )
    .await;
    let forged = scalar(&app, &format!("SELECT id FROM audit_log WHERE org_id = {} AND target = 'forged'", fx.id)).await;
    let chain = verify(&app, fx.id).await;
    assert_eq!(chain.broken_at, Some(forged), "{chain:?}");
    assert!(chain.problem.unwrap().contains("forged"));

    // A forged entry appended after the newest one is named too.
    let (fx, ids) = org_with_history(&app).await;
    exec(
        &app,
        &format!(
            "INSERT INTO audit_log (org_id, actor_id, actor_name, action, target, before, after, created_at, seq, prev_hash, hash) \
             SELECT org_id, actor_id, actor_name, action, 'appended', before, after, created_at, seq + 1, hash, hash FROM audit_log WHERE id = {}",
            ids.last().unwrap()
        ),
    )
    .await;
    let appended = scalar(&app, &format!("SELECT id FROM audit_log WHERE org_id = {} AND target = 'appended'", fx.id)).await;
    let chain = verify(&app, fx.id).await;
    assert_eq!(chain.broken_at, Some(appended), "{chain:?}");
    assert!(chain.problem.unwrap().contains("inserted"));
});

// Concurrent writers in one organization still form one chain.
on_both_engines!(concurrent_entries_form_one_chain, |app: TestApp| async move {
    let fx = org(&app, "Busy").await;
    let org_id = fx.id.to_string();
    let mut writers = Vec::new();
    for i in 0..12 {
        let mut c = Client::new(&app);
        c.cookie = fx.owner.client.cookie.clone();
        let org_id = org_id.clone();
        writers.push(tokio::spawn(async move {
            let name = format!("Parallel {i}");
            c.call("projects/create", &[("org_id", &org_id), ("name", &name), ("slug", ""), ("description", ""), ("environment", "staging"), ("group", "")])
                .await
                .status
        }));
    }
    for w in writers {
        assert_eq!(w.await.unwrap(), StatusCode::OK);
    }
    let chain = verify(&app, fx.id).await;
    assert!(chain.verifies(), "{chain:?}");
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM audit_log WHERE org_id = {} AND action = 'project.created'", fx.id)).await, 14);
});

// Entries written before the chain existed are sealed at start-up.
on_both_engines!(old_entries_are_sealed_at_start_up, |app: TestApp| async move {
    let (fx, _) = org_with_history(&app).await;
    exec(&app, &format!("UPDATE audit_log SET hash = '', prev_hash = '' WHERE org_id = {}", fx.id)).await;
    assert!(!verify(&app, fx.id).await.verifies());
    // Blanked hashes in a chained log are not resealed: that would launder tampering.
    assert_eq!(plinth::server::repo::audit::seal_unchained(&app.state.db).await.unwrap(), 0);
    assert!(!verify(&app, fx.id).await.verifies());
    // A log from before the chain (head never set) is sealed.
    exec(&app, &format!("UPDATE organizations SET audit_seq = 0, audit_head = '' WHERE id = {}", fx.id)).await;
    let sealed = plinth::server::repo::audit::seal_unchained(&app.state.db).await.unwrap();
    assert!(sealed >= 6);
    assert!(verify(&app, fx.id).await.verifies());
    assert_eq!(plinth::server::repo::audit::seal_unchained(&app.state.db).await.unwrap(), 0, "once only");
});

#[tokio::test]
async fn the_verify_command_names_the_entry() {
    let app = spawn_app(Engine::Sqlite).await.unwrap();
    let (fx, ids) = org_with_history(&app).await;
    let url = app.db.as_ref().unwrap().url.clone();
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_plinth"))
            .args(["audit", "verify", "--org", &fx.id.to_string()])
            .env("DATABASE_URL", &url)
            .env("PLINTH_LOG", "error")
            .env_remove(POSTGRES_ENV)
            .output()
            .unwrap()
    };
    let ok = run();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stdout).starts_with("ok "));
    exec(&app, &format!("UPDATE audit_log SET after = '{{\"role\":\"owner\"}}' WHERE id = {}", ids[3])).await;
    let broken = run();
    assert_eq!(broken.status.code(), Some(1));
    let out = String::from_utf8_lossy(&broken.stdout);
    assert!(out.contains(&format!("(id {}) was changed", ids[3])), "{out}");
}

// The audit page filters by action: only that action's entries, counted
// alone, in the caller's organization only; an unknown action is a 400.
on_both_engines!(the_audit_log_filters_by_action, |app: TestApp| async move {
    use plinth::api::audit::LoadAuditPage;
    use plinth::domain::audit::AuditAction;
    let (mut fx, _) = org_with_history(&app).await;
    let mut other = org(&app, "Elsewhere").await;
    join(&app, &mut other, "member", "").await;
    let org = fx.slug.clone();
    let page = move |action: Option<&str>| LoadAuditPage { org: org.clone(), action: action.map(str::to_string), page: 0 };

    let all = fx.owner.client.call_fn(&page(None)).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    let accepted = fx.owner.client.call_fn(&page(Some(AuditAction::InvitationAccepted.as_str()))).await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    let entries = accepted.json()["entries"].as_array().unwrap().clone();
    assert_eq!(entries.len(), 2, "two invitations were accepted here (not the other organization's): {entries:?}");
    assert!(entries.iter().all(|e| e["action"] == "invitation.accepted"), "{entries:?}");
    assert_eq!(accepted.json()["total"], 2);
    assert!(all.json()["total"].as_u64().unwrap() > 2);
    // "All" is the empty choice of the page's select.
    assert_eq!(fx.owner.client.call_fn(&page(Some(""))).await.json()["total"], all.json()["total"]);

    let none = fx.owner.client.call_fn(&page(Some(AuditAction::ProjectDeleted.as_str()))).await;
    assert_eq!(none.json()["total"], 0);
    for bad in ["member.promoted", "' OR 1=1 --", &"x".repeat(10_000)] {
        let res = fx.owner.client.call_fn(&page(Some(bad))).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.error_message().contains("Choose an action"), "{}", res.body);
    }
    // Members of the other organization cannot read this one's, filtered or not.
    let res = other.owner.client.call_fn(&page(Some("invitation.accepted"))).await;
    assert!(res.status == StatusCode::FORBIDDEN || res.status == StatusCode::NOT_FOUND, "{}", res.body);
    // Nor can a Member of this one, nor anyone signed out.
    let mut member = join(&app, &mut fx, "member", "").await;
    assert_eq!(member.client.call_fn(&page(Some("invitation.accepted"))).await.status, StatusCode::FORBIDDEN);
    let res = Client::new(&app).call_fn(&page(Some("invitation.accepted"))).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.body);
    // A page number past the end is an empty page, not an error; a malformed one is a 4xx.
    let far = fx.owner.client.call_fn(&LoadAuditPage { page: 1_000_000, ..page(Some("invitation.accepted")) }).await;
    assert!(far.status == StatusCode::OK || far.status.is_client_error(), "{}", far.body);
    let res = fx.owner.client.call("audit/page", &[("org", fx.slug.as_str()), ("action", "invitation.accepted"), ("page", "-1")]).await;
    assert!(res.status.is_client_error(), "{}", res.body);
});
