//! Project API keys through their server functions: the secret is shown once
//! and stored only as a hash; who may create, revoke and rotate; isolation.
use crate::fixtures::*;
use crate::helpers::*;
use crate::on_both_engines;
use plinth::api::keys::{CreateKey, LoadKeys, RevokeKey, RotateKey};
use plinth::server::guard;
use reqwest::StatusCode;

fn create(project_id: i64, name: &str, scope: &str, expires: &str) -> CreateKey {
    CreateKey { project_id, name: name.into(), scope: scope.into(), expires: expires.into() }
}

async fn works(app: &TestApp, secret: &str) -> bool {
    guard::api_key(&app.state.db, secret).await.is_ok()
}

on_both_engines!(a_key_is_shown_once_and_stored_as_a_hash, |app: TestApp| async move {
    let mut fx = org(&app, "Keys").await;
    let (project, slug) = fx.projects[0].clone();
    let res = fx.owner.client.call_fn(&create(project, "  prod ingest ", "ingest", "90")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let secret = res.json()["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("plk_") && secret.len() == 53, "{secret}");
    assert!(works(&app, &secret).await);

    let list = fx.owner.client.call_fn(&LoadKeys { org: fx.slug.clone(), slug: slug.clone() }).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(!list.body.contains(&secret[4..]), "the list never holds the secret");
    let key = &list.json()["keys"][0];
    assert_eq!(key["name"], "prod ingest");
    assert_eq!(key["scope"], "ingest");
    assert_eq!(key["status"], "Active");
    assert_eq!(key["hint"].as_str().unwrap(), format!("{}…{}", &secret[..8], &secret[49..]));
    assert!(key["expires_at"].is_string());
    let stored = scalar(&app, &format!("SELECT COUNT(*) FROM api_keys WHERE secret_hash = '{}'", plinth::server::secrets::hash_secret(&secret))).await;
    assert_eq!(stored, 1);
    let plain = scalar(&app, &format!("SELECT COUNT(*) FROM api_keys WHERE secret_hash LIKE '%{}%' OR hint = '{secret}'", &secret[4..20])).await;
    assert_eq!(plain, 0, "the secret itself is stored nowhere");

    // Revoked: stops on the very next request.
    let id = key["id"].as_i64().unwrap();
    assert_eq!(fx.owner.client.call_fn(&RevokeKey { project_id: project, key_id: id }).await.status, StatusCode::OK);
    assert!(!works(&app, &secret).await);
    let list = fx.owner.client.call_fn(&LoadKeys { org: fx.slug.clone(), slug: slug.clone() }).await;
    assert_eq!(list.json()["keys"][0]["status"], "Revoked");
    // A typo, a cut key and a key of the right shape that was never issued.
    let mut typo = secret.clone().into_bytes();
    typo[20] = if typo[20] == b'a' { b'b' } else { b'a' };
    assert!(!works(&app, &String::from_utf8(typo).unwrap()).await);
    assert!(!works(&app, &secret[..52]).await);
    assert!(!works(&app, &plinth::server::secrets::new_api_key()).await);
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM audit_log WHERE org_id = {} AND action LIKE 'api_key.%'", fx.id)).await, 2);
});

on_both_engines!(who_may_create_revoke_and_rotate, |app: TestApp| async move {
    let mut fx = org(&app, "Roles").await;
    let (project, slug) = fx.projects[0].clone();
    let mut member = join(&app, &mut fx, "member", "").await;
    let mut viewer = join(&app, &mut fx, "viewer", "").await;
    let mut admin = join(&app, &mut fx, "admin", "").await;
    let mut guest = join(&app, &mut fx, "guest", "").await;
    let mut stranger = org(&app, "Elsewhere").await;

    // Viewers see the list but create nothing; Guests without a grant see no project at all.
    assert_eq!(viewer.client.call_fn(&LoadKeys { org: fx.slug.clone(), slug: slug.clone() }).await.status, StatusCode::OK);
    assert_eq!(viewer.client.call_fn(&create(project, "v", "all", "never")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(guest.client.call_fn(&LoadKeys { org: fx.slug.clone(), slug: slug.clone() }).await.status, StatusCode::NOT_FOUND);
    assert_eq!(stranger.owner.client.call_fn(&LoadKeys { org: fx.slug.clone(), slug: slug.clone() }).await.status, StatusCode::NOT_FOUND);
    assert_eq!(stranger.owner.client.call_fn(&create(project, "x", "all", "never")).await.status, StatusCode::NOT_FOUND);
    let mut anonymous = Client::new(&app);
    assert_eq!(anonymous.call_fn(&LoadKeys { org: fx.slug.clone(), slug: slug.clone() }).await.status, StatusCode::UNAUTHORIZED);

    let owners_key = fx.owner.client.call_fn(&create(project, "owner's", "all", "never")).await.json();
    let members_key = member.client.call_fn(&create(project, "member's", "read", "30")).await.json();
    let (owners_id, members_id) = (owners_key["id"].as_i64().unwrap(), members_key["id"].as_i64().unwrap());

    // A Member manages only their own keys, and the list says which.
    let seen = member.client.call_fn(&LoadKeys { org: fx.slug.clone(), slug: slug.clone() }).await.json();
    let manageable: Vec<bool> = seen["keys"].as_array().unwrap().iter().map(|k| k["can_manage"].as_bool().unwrap()).collect();
    assert_eq!(manageable, vec![true, false], "newest first: the member's own key, then the owner's");
    assert_eq!(member.client.call_fn(&RevokeKey { project_id: project, key_id: owners_id }).await.status, StatusCode::FORBIDDEN);
    assert_eq!(member.client.call_fn(&RotateKey { project_id: project, key_id: owners_id, grace: "none".into() }).await.status, StatusCode::FORBIDDEN);
    assert_eq!(viewer.client.call_fn(&RevokeKey { project_id: project, key_id: members_id }).await.status, StatusCode::FORBIDDEN);
    assert!(works(&app, owners_key["secret"].as_str().unwrap()).await, "refused attempts change nothing");
    // Another organization's owner, naming this key through their own project: not found.
    let theirs = stranger.projects[0].0;
    assert_eq!(stranger.owner.client.call_fn(&RevokeKey { project_id: theirs, key_id: owners_id }).await.status, StatusCode::NOT_FOUND);
    // The same key named through the organization's other project: not found either.
    assert_eq!(fx.owner.client.call_fn(&RevokeKey { project_id: fx.projects[1].0, key_id: owners_id }).await.status, StatusCode::NOT_FOUND);
    assert!(works(&app, owners_key["secret"].as_str().unwrap()).await);

    // An Admin rotates the member's key: the replacement is still the member's.
    let replaced = admin.client.call_fn(&RotateKey { project_id: project, key_id: members_id, grace: "none".into() }).await;
    assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.body);
    let members_id = replaced.json()["id"].as_i64().unwrap();
    // The member revokes their own; an Admin (Project Admin) revokes anyone's.
    assert_eq!(member.client.call_fn(&RevokeKey { project_id: project, key_id: members_id }).await.status, StatusCode::OK);
    assert_eq!(admin.client.call_fn(&RevokeKey { project_id: project, key_id: owners_id }).await.status, StatusCode::OK);
    assert!(!works(&app, owners_key["secret"].as_str().unwrap()).await);
});

on_both_engines!(rotation_keeps_the_old_key_for_the_grace_chosen, |app: TestApp| async move {
    let mut fx = org(&app, "Rotate").await;
    let (project, slug) = fx.projects[0].clone();
    let first = fx.owner.client.call_fn(&create(project, "svc", "ingest", "never")).await.json();
    let id = first["id"].as_i64().unwrap();
    let rotated = fx.owner.client.call_fn(&RotateKey { project_id: project, key_id: id, grace: "1h".into() }).await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.body);
    let second = rotated.json();
    assert_ne!(second["secret"], first["secret"]);
    assert_eq!(second["name"], "svc");
    assert!(works(&app, first["secret"].as_str().unwrap()).await, "an hour's grace");
    assert!(works(&app, second["secret"].as_str().unwrap()).await);
    let list = fx.owner.client.call_fn(&LoadKeys { org: fx.slug.clone(), slug: slug.clone() }).await.json();
    assert_eq!(list["keys"][1]["status"], "Expiring");
    assert_eq!(list["keys"][0]["scope"], "ingest", "the replacement keeps the scope");
    // A key is rotated once; its replacement rotates on, without grace.
    assert_eq!(fx.owner.client.call_fn(&RotateKey { project_id: project, key_id: id, grace: "none".into() }).await.status, StatusCode::CONFLICT);
    let second_id = second["id"].as_i64().unwrap();
    let third = fx.owner.client.call_fn(&RotateKey { project_id: project, key_id: second_id, grace: "none".into() }).await.json();
    assert!(!works(&app, second["secret"].as_str().unwrap()).await, "no grace: stops at once");
    assert!(works(&app, third["secret"].as_str().unwrap()).await);
});

on_both_engines!(bad_key_input_is_refused_and_changes_nothing, |app: TestApp| async move {
    let mut fx = org(&app, "Input").await;
    let project = fx.projects[0].0;
    let long = "k".repeat(61);
    for (name, scope, expires) in
        [("", "all", "never"), (long.as_str(), "all", "never"), ("x", "admin", "never"), ("x", "all", "-30"), ("x", "all", "2020-01-01"), ("x", "all", "31")]
    {
        let res = fx.owner.client.call_fn(&create(project, name, scope, expires)).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{name:?} {scope} {expires}: {}", res.body);
    }
    let key = fx.owner.client.call_fn(&create(project, "x", "all", "never")).await.json();
    let id = key["id"].as_i64().unwrap();
    let res = fx.owner.client.call_fn(&RotateKey { project_id: project, key_id: id, grace: "48h".into() }).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    for (p, k) in [(project, i64::MAX), (project, -1), (i64::MAX, id), (-5, id)] {
        assert_eq!(fx.owner.client.call_fn(&RevokeKey { project_id: p, key_id: k }).await.status, StatusCode::NOT_FOUND, "{p} {k}");
    }
    let malformed = fx.owner.client.call("keys/revoke", &[("project_id", "1e3"), ("key_id", "abc")]).await;
    assert_eq!(malformed.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", malformed.body);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM api_keys").await, 1);
    assert!(works(&app, key["secret"].as_str().unwrap()).await);
});

on_both_engines!(two_rotations_of_one_key_at_once_make_one_replacement, |app: TestApp| async move {
    let mut fx = org(&app, "Race").await;
    let project = fx.projects[0].0;
    let mut admin = join(&app, &mut fx, "admin", "").await;
    for round in 0..3 {
        let key = fx.owner.client.call_fn(&create(project, &format!("race {round}"), "ingest", "never")).await.json();
        let rotate = RotateKey { project_id: project, key_id: key["id"].as_i64().unwrap(), grace: "1h".into() };
        let (a, b) = tokio::join!(fx.owner.client.call_fn(&rotate), admin.client.call_fn(&rotate));
        let mut statuses = vec![a.status, b.status];
        statuses.sort();
        assert_eq!(statuses, vec![StatusCode::OK, StatusCode::CONFLICT], "{} / {}", a.body, b.body);
    }
    // Three keys created, three replacements: never a fourth.
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM api_keys WHERE project_id = {project}")).await, 6);
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM api_keys WHERE project_id = {project} AND replaced_by IS NOT NULL")).await, 3);
});

on_both_engines!(every_key_function_refuses_outsiders_lower_roles_and_huge_input, |app: TestApp| async move {
    let mut fx = org(&app, "Matrix").await;
    let (project, slug) = fx.projects[0].clone();
    let key = fx.owner.client.call_fn(&create(project, "target", "all", "never")).await.json();
    let key_id = key["id"].as_i64().unwrap();
    let mut viewer = join(&app, &mut fx, "viewer", "").await;
    let mut guest = join(&app, &mut fx, "guest", "").await;
    let mut stranger = org(&app, "Outside").await;
    let mut anonymous = Client::new(&app);
    let list = LoadKeys { org: fx.slug.clone(), slug: slug.clone() };
    let new = create(project, "x", "all", "never");
    let revoke = RevokeKey { project_id: project, key_id };
    let rotate = RotateKey { project_id: project, key_id, grace: "none".into() };
    for (who, client, expect) in [
        ("signed out", &mut anonymous, [StatusCode::UNAUTHORIZED; 4]),
        ("another organization's owner", &mut stranger.owner.client, [StatusCode::NOT_FOUND; 4]),
        ("guest without a grant", &mut guest.client, [StatusCode::NOT_FOUND; 4]),
        ("viewer", &mut viewer.client, [StatusCode::OK, StatusCode::FORBIDDEN, StatusCode::FORBIDDEN, StatusCode::FORBIDDEN]),
    ] {
        let got =
            [client.call_fn(&list).await.status, client.call_fn(&new).await.status, client.call_fn(&revoke).await.status, client.call_fn(&rotate).await.status];
        assert_eq!(got, expect, "{who}: list, create, revoke, rotate");
    }
    // Huge and negative ids, a 100 kB name: clear 4xx, nothing stored.
    let huge = "n".repeat(100_000);
    assert_eq!(fx.owner.client.call_fn(&create(project, &huge, "all", "never")).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    for p in [i64::MAX, i64::MIN, -1, 0] {
        assert_eq!(fx.owner.client.call_fn(&create(p, "x", "all", "never")).await.status, StatusCode::NOT_FOUND, "create in {p}");
        assert_eq!(fx.owner.client.call_fn(&RotateKey { project_id: p, key_id, grace: "1h".into() }).await.status, StatusCode::NOT_FOUND, "rotate in {p}");
    }
    assert_eq!(fx.owner.client.call_fn(&RotateKey { project_id: project, key_id: i64::MIN, grace: "1h".into() }).await.status, StatusCode::NOT_FOUND);
    assert_eq!(fx.owner.client.call_fn(&LoadKeys { org: fx.slug.clone(), slug: huge.clone() }).await.status, StatusCode::NOT_FOUND);
    let malformed = fx.owner.client.call("keys/rotate", &[("project_id", &project.to_string()), ("key_id", "99999999999999999999"), ("grace", "1h")]).await;
    assert_eq!(malformed.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", malformed.body);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM api_keys").await, 1);
    assert!(works(&app, key["secret"].as_str().unwrap()).await, "every refusal left the key alone");
});
