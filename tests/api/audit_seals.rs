//! The audit chain's checkpoints and its keyed mode (issue 21).
//! - The audit page walks only what came after the last checkpoint; the
//!   `plinth audit verify` command still walks everything.
//! - With `PLINTH_AUDIT_KEY`, new entries are sealed with HMAC-SHA-256, so
//!   someone who can write to the database but has not the key cannot
//!   recompute them, and `verify` says whether the chain was sealed with the
//!   key in use.
use crate::fixtures::*;
use crate::helpers::*;
use crate::on_both_engines;
use reqwest::StatusCode;
use sea_orm::ConnectionTrait;
use serde_json::Value;

async fn exec(app: &TestApp, sql: &str) {
    app.state.db.execute_unprepared(sql).await.unwrap();
}

async fn page_check(p: &mut Person, org: &Slug) -> Value {
    let res = p.client.call("audit/verify", &[("org", org.as_str())]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()
}

on_both_engines!(the_page_checks_what_came_after_its_checkpoint, |app: TestApp| async move {
    let mut fx = org(&app, "Checked").await;
    join(&app, &mut fx, "member", "").await;
    let entries = scalar(&app, &format!("SELECT COUNT(*) FROM audit_log WHERE org_id = {}", fx.id)).await;
    // The first visit walks everything, and leaves a checkpoint at the head.
    let first = page_check(&mut fx.owner, &fx.slug).await;
    assert_eq!((first["problem"].clone(), first["checked"].as_i64(), first["since"].clone()), (Value::Null, Some(entries), Value::Null), "{first}");
    assert_eq!(scalar(&app, &format!("SELECT audit_checkpoint_seq FROM organizations WHERE id = {}", fx.id)).await, entries);
    // The next walks nothing old: only the entry written since.
    create_project(&mut fx.owner, fx.id, "After").await.unwrap();
    let second = page_check(&mut fx.owner, &fx.slug).await;
    assert_eq!((second["checked"].as_i64(), second["since"].as_i64()), (Some(1), Some(entries)), "{second}");
    assert!(second["problem"].is_null(), "{second}");

    // An entry after the checkpoint, edited: found on the next visit.
    let newest = scalar(&app, &format!("SELECT MAX(id) FROM audit_log WHERE org_id = {}", fx.id)).await;
    create_project(&mut fx.owner, fx.id, "Later").await.unwrap();
    let latest = scalar(&app, &format!("SELECT MAX(id) FROM audit_log WHERE org_id = {}", fx.id)).await;
    exec(&app, &format!("UPDATE audit_log SET target = 'forged' WHERE id = {latest}")).await;
    let found = page_check(&mut fx.owner, &fx.slug).await;
    assert_eq!(found["broken_at"].as_i64(), Some(latest), "{found}");
    exec(&app, &format!("UPDATE audit_log SET target = 'Later' WHERE id = {latest}")).await;
    assert!(page_check(&mut fx.owner, &fx.slug).await["problem"].is_null(), "restored");
    // The checkpointed entry's content, edited (its hash left as it was): named.
    let cut = scalar(&app, &format!("SELECT audit_checkpoint_seq FROM organizations WHERE id = {}", fx.id)).await;
    let at_checkpoint = scalar(&app, &format!("SELECT id FROM audit_log WHERE org_id = {} AND seq = {cut}", fx.id)).await;
    let target = ordered_rows(&app, &format!("SELECT target FROM audit_log WHERE id = {at_checkpoint}")).await.remove(0);
    exec(&app, &format!("UPDATE audit_log SET target = 'forged' WHERE id = {at_checkpoint}")).await;
    assert!(page_check(&mut fx.owner, &fx.slug).await["problem"].as_str().unwrap_or_default().contains("checked before"));
    exec(&app, &format!("UPDATE audit_log SET target = '{target}' WHERE id = {at_checkpoint}")).await;
    // The checkpointed entry itself, edited with its hash: named.
    exec(&app, &format!("UPDATE audit_log SET hash = 'x' WHERE id = {newest}")).await;
    let cut = scalar(&app, &format!("SELECT audit_checkpoint_seq FROM organizations WHERE id = {}", fx.id)).await;
    let at_checkpoint = scalar(&app, &format!("SELECT id FROM audit_log WHERE org_id = {} AND seq = {cut}", fx.id)).await;
    exec(&app, &format!("UPDATE audit_log SET hash = 'y' WHERE id = {at_checkpoint}")).await;
    let moved = page_check(&mut fx.owner, &fx.slug).await;
    assert!(moved["problem"].as_str().unwrap_or_default().contains("checked before, was changed"), "{moved}");

    // An old entry, edited: by design the page does not walk it again, but
    // the command's full walk names it.
    let mut fresh = org(&app, "Old edits").await;
    join(&app, &mut fresh, "member", "").await;
    assert!(page_check(&mut fresh.owner, &fresh.slug).await["problem"].is_null());
    let first_entry = scalar(&app, &format!("SELECT MIN(id) FROM audit_log WHERE org_id = {}", fresh.id)).await;
    exec(&app, &format!("UPDATE audit_log SET target = 'rewritten' WHERE id = {first_entry}")).await;
    assert!(page_check(&mut fresh.owner, &fresh.slug).await["problem"].is_null(), "before the checkpoint: the page's walk starts after it");
    let full = plinth::server::repo::audit::verify(&app.state.db, fresh.id).await.unwrap();
    assert_eq!(full.broken_at, Some(first_entry), "{full:?}");
    // A checkpoint written by hand, without its seal, is not trusted: the page walks from the start.
    exec(
        &app,
        &format!(
            "UPDATE organizations SET audit_checkpoint_seq = audit_seq, audit_checkpoint_hash = audit_head, audit_checkpoint_seal = 'sha256:0' WHERE id = {}",
            fresh.id
        ),
    )
    .await;
    let walked = page_check(&mut fresh.owner, &fresh.slug).await;
    assert_eq!(walked["broken_at"].as_i64(), Some(first_entry), "{walked}");
});

/// `plinth serve` with an audit key writes keyed entries; `plinth audit
/// verify` checks them with the key, refuses them without it, and tells a
/// chain rewritten without the key.
#[tokio::test]
async fn a_keyed_chain_needs_its_key() {
    let db = TestDb::new(Engine::Sqlite).await.unwrap();
    let key = "k".repeat(40);
    let mut cmd = crate::operations::plinth_cmd(&db.url);
    cmd.env("PLINTH_AUDIT_KEY", &key).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
    let (mut server, base) = crate::operations::serve_process(cmd).await;
    let mut owner = Person { client: Client::at(&base), email: unique_email("keyed") };
    assert_eq!(owner.client.sign_up("Owner", &owner.email.clone(), PASSWORD).await.status, StatusCode::OK);
    let (org_id, at) = create_org_with_slug(&mut owner, "Keyed").await;
    create_project(&mut owner, org_id, "One").await.unwrap();
    assert!(page_check(&mut owner, &at).await["sealed_with_key"].as_i64() >= Some(2));
    // A checkpoint that names the key but was written without it: tampering.
    let app = start(test_config(&db.url), None).await;
    let seal = ordered_rows(&app, &format!("SELECT audit_checkpoint_seal FROM organizations WHERE id = {org_id}")).await.remove(0);
    let key_id = seal.split(':').next().unwrap().to_string();
    exec(&app, &format!("UPDATE organizations SET audit_checkpoint_seal = '{key_id}:forged' WHERE id = {org_id}")).await;
    let forged = page_check(&mut owner, &at).await;
    assert!(forged["problem"].as_str().unwrap_or_default().contains("checkpoint was changed"), "{forged}");
    exec(&app, &format!("UPDATE organizations SET audit_checkpoint_seal = '{seal}' WHERE id = {org_id}")).await;
    server.kill().unwrap();
    server.wait().unwrap();

    let verify = |key: Option<&str>| {
        let mut cmd = crate::operations::plinth_cmd(&db.url);
        cmd.args(["audit", "verify", "--org", &org_id.to_string()]).env("PLINTH_LOG", "error");
        if let Some(k) = key {
            cmd.env("PLINTH_AUDIT_KEY", k);
        }
        let out = cmd.output().unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stdout).to_string())
    };
    let (code, out) = verify(Some(&key));
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("2 sealed with the current key"), "{out}");
    let (code, out) = verify(None);
    assert_eq!(code, Some(1), "without the key nothing keyed verifies: {out}");
    assert!(out.contains("sealed with another audit key"), "{out}");
    assert_eq!(verify(Some(&"z".repeat(40))).0, Some(1), "nor with another key");

    // Someone with the database but not the key edits an entry.
    let first = scalar(&app, &format!("SELECT MIN(id) FROM audit_log WHERE org_id = {org_id}")).await;
    let target = ordered_rows(&app, &format!("SELECT target FROM audit_log WHERE id = {first}")).await.remove(0);
    exec(&app, &format!("UPDATE audit_log SET target = 'Evil Corp' WHERE id = {first}")).await;
    let (code, out) = verify(Some(&key));
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("was changed or forged"), "{out}");
    // Relabelling the keyed entries as plain SHA-256 ones does not pass
    // either: their hashes are HMACs. (Recomputing the whole chain as plain
    // SHA-256 would pass as a chain, and the command would then print "none
    // sealed with the current key": the README says to watch for that.)
    exec(&app, &format!("UPDATE audit_log SET target = '{target}' WHERE id = {first}")).await;
    assert_eq!(verify(Some(&key)).0, Some(0), "restored");
    exec(&app, &format!("UPDATE audit_log SET key_id = '' WHERE org_id = {org_id}")).await;
    let (code, out) = verify(Some(&key));
    assert_eq!(code, Some(1), "{out}");
}
