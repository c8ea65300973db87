//! Console URLs name their organization (`/o/<slug>/…`): a link means the
//! same organization whoever opens it, in whichever tab. Non-members get
//! the answer a missing organization gets; old links redirect.
use crate::fixtures::*;
use crate::helpers::*;
use crate::on_both_engines;
use plinth::api::orgs::LoadOrgNav;
use plinth::api::projects::{CreateProject, LoadProject};
use reqwest::StatusCode;

/// A project with a chosen slug.
async fn project_named(p: &mut Person, org_id: i64, name: &str, slug: &str) -> i64 {
    let create =
        CreateProject { org_id, name: name.into(), slug: slug.into(), description: String::new(), environment: "production".into(), group: String::new() };
    let res = p.client.call_fn(&create).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()["id"].as_i64().unwrap()
}

async fn current_slug(p: &mut Person) -> serde_json::Value {
    p.client.call_fn(&LoadOrgNav { org: None }).await.json()["current"]["slug"].clone()
}

on_both_engines!(slugs_come_from_names_and_stay_unique, |app: TestApp| async move {
    let mut a = person(&app, "slugs").await;
    let mut b = person(&app, "slugs").await;
    assert_eq!(create_org_with_slug(&mut a, "Acme Corp").await.1.as_str(), "acme-corp");
    assert_eq!(create_org_with_slug(&mut b, "ACME corp!").await.1.as_str(), "acme-corp-2", "unique across the instance, not per user");
    assert_eq!(create_org_with_slug(&mut a, "Acme Corp").await.1.as_str(), "acme-corp-3");
    assert_eq!(create_org_with_slug(&mut b, "日本").await.1.as_str(), "org");
    // Renaming keeps the slug, so links keep working.
    let (id, slug) = create_org_with_slug(&mut a, "Before").await;
    let rename = plinth::api::orgs::UpdateOrg { org_id: id, name: "After".into(), kind: "team".into() };
    assert_eq!(a.client.call_fn(&rename).await.status, StatusCode::OK);
    assert_eq!(current_slug(&mut a).await, slug.as_str());
    // Created at once, two organizations of one name still get two slugs.
    let mut c = person(&app, "slugs").await;
    let mut d = person(&app, "slugs").await;
    let (x, y) = tokio::join!(create_org_with_slug(&mut c, "Race"), create_org_with_slug(&mut d, "Race"));
    let mut got = [x.1.to_string(), y.1.to_string()];
    got.sort();
    assert_eq!(got, ["race".to_string(), "race-2".to_string()]);
});

on_both_engines!(a_link_means_its_own_organization_whatever_is_current, |app: TestApp| async move {
    // A consultant in two organizations, each with a project slugged `bot`.
    let mut a = org(&app, "Alpha Inc").await;
    let mut b = org(&app, "Beta Inc").await;
    let consultant = join(&app, &mut a, "admin", "").await;
    let res = invite(&mut b.owner, b.id, &consultant.email, "admin", "").await;
    let token = token_of(res.json()[0]["link"].as_str().unwrap());
    let mut consultant = consultant;
    assert_eq!(consultant.client.call("invitations/accept", &[("token", &token)]).await.status, StatusCode::OK);
    let in_a = project_named(&mut a.owner, a.id, "Bot A", "bot").await;
    let in_b = project_named(&mut b.owner, b.id, "Bot B", "bot").await;
    let bot = |org: &Slug| LoadProject { org: org.clone(), slug: "bot".into() };
    // Whichever organization is current (Beta, just accepted), each link
    // opens its own organization's project.
    assert_eq!(current_slug(&mut consultant).await, b.slug.as_str());
    for _ in 0..2 {
        assert_eq!(consultant.client.call_fn(&bot(&a.slug)).await.json()["project"]["id"], in_a);
        assert_eq!(consultant.client.call_fn(&bot(&b.slug)).await.json()["project"]["id"], in_b);
    }
    // The pages themselves, as a browser opens them.
    let page = consultant.client.get(&format!("/o/{}/projects/bot", a.slug)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Bot A") && !page.body.contains("Bot B"));
    // Opening one makes it current: `/` leads there next.
    assert_eq!(current_slug(&mut consultant).await, a.slug.as_str());
    let home = consultant.client.get("/").await;
    assert_eq!(home.location(), Some(format!("/o/{}", a.slug).as_str()));
    let page = consultant.client.get(&format!("/o/{}/projects/bot", b.slug)).await;
    assert!(page.body.contains("Bot B") && !page.body.contains("Bot A"));
    assert_eq!(current_slug(&mut consultant).await, b.slug.as_str());
});

on_both_engines!(another_organizations_links_are_not_found, |app: TestApp| async move {
    let mut mine = org(&app, "Mine Ltd").await;
    let theirs = org(&app, "Hidden Secret Ltd").await;
    let (project, slug) = theirs.projects[0].clone();
    let (t, m) = (theirs.slug.to_string(), mine.slug.to_string());
    let current_before = current_slug(&mut mine.owner).await;
    let paths = [
        format!("/o/{t}"),
        format!("/o/{t}/team"),
        format!("/o/{t}/audit"),
        format!("/o/{t}/settings"),
        format!("/o/{t}/projects/{slug}"),
        format!("/o/{t}/projects/{slug}/keys"),
        format!("/o/{t}/projects/{slug}/export/requests.csv"),
        // By id instead of slug, and their project under my organization.
        format!("/o/{}/team", theirs.id),
        format!("/o/{}/projects/{project}", theirs.id),
        format!("/o/{m}/projects/{slug}"),
        // Malformed: the same answer.
        "/o/Hidden_Secret/team".to_string(),
        "/o/x/team".to_string(),
    ];
    let secrets = ["Hidden Secret", &theirs.projects[0].1, &theirs.projects[1].1, &theirs.owner.email];
    for path in &paths {
        let res = mine.owner.client.get(path).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}: {}", res.status);
        for s in secrets {
            assert!(!res.body.contains(s) || path.contains(s), "{path} shows {s:?}");
        }
    }
    // Huge and malformed slugs: a clear 4xx, from the pages and the server functions.
    let huge = "a".repeat(100_000);
    assert!(mine.owner.client.get(&format!("/o/{}/team", &huge[..4_000])).await.status.is_client_error());
    for bad in [huge.as_str(), "-1", "", "ACME", "a/b"] {
        let res = mine.owner.client.call("projects/get", &[("org", bad), ("slug", "x")]).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{:.40}: {}", bad, res.status);
    }
    // An organization that does not exist gets the same page.
    let missing = mine.owner.client.get("/o/no-such-org/team").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("Organization not found"));
    let guessed = mine.owner.client.get(&format!("/o/{t}/team")).await;
    assert!(guessed.body.contains("Organization not found"), "the same words as for a missing one");
    // And nothing changed: not even which organization is current.
    assert_eq!(current_slug(&mut mine.owner).await, current_before);
    // The navigation names no current organization there, and lists the
    // caller's own to go back to.
    let nav = mine.owner.client.call_fn(&LoadOrgNav { org: Some(theirs.slug.clone()) }).await;
    assert_eq!(nav.status, StatusCode::OK);
    assert!(nav.json()["current"].is_null() && nav.json()["orgs"][0]["slug"] == m.as_str(), "{}", nav.body);
    assert!(!nav.body.contains("Hidden") && !nav.body.contains(&t), "{}", nav.body);
    // An old link given to sign-in leads under the organization, like a page load.
    let mut back = Client::new(&app);
    let res = back
        .call_with_headers("login", &[("email", &mine.owner.email), ("password", PASSWORD), ("next", "/team?role=admin")], &[("accept", "text/html")])
        .await;
    assert_eq!(res.location(), Some(format!("/o/{m}/team?role=admin").as_str()));
    let res = back.call_with_headers("login", &[("email", &mine.owner.email), ("password", PASSWORD), ("next", "/profile")], &[("accept", "text/html")]).await;
    assert_eq!(res.location(), Some("/profile"), "other paths as they are");
});

on_both_engines!(old_links_redirect_under_the_current_organization, |app: TestApp| async move {
    let mut fx = org(&app, "Old Links").await;
    let at = fx.slug.to_string();
    let slug = fx.projects[0].1.clone();
    for (old, new) in [
        ("/team?role=admin&page=2".to_string(), format!("/o/{at}/team?role=admin&page=2")),
        ("/audit".to_string(), format!("/o/{at}/audit")),
        ("/prices".to_string(), format!("/o/{at}/prices")),
        ("/settings".to_string(), format!("/o/{at}/settings")),
        ("/projects/new".to_string(), format!("/o/{at}/projects/new")),
        (format!("/projects/{slug}/requests?range=7d&env=production"), format!("/o/{at}/projects/{slug}/requests?range=7d&env=production")),
        (format!("/projects/{slug}/export/usage.csv?group_by=model"), format!("/o/{at}/projects/{slug}/export/usage.csv?group_by=model")),
        ("/".to_string(), format!("/o/{at}")),
    ] {
        let res = fx.owner.client.get(&old).await;
        assert!(res.status.is_redirection(), "{old}: {}", res.status);
        assert_eq!(res.location(), Some(new.as_str()), "{old}");
        assert_eq!(fx.owner.client.get(&new).await.status, StatusCode::OK, "{new}");
    }
    // Not a prefix match: `/teams` is no old link.
    assert_eq!(fx.owner.client.get("/teams").await.status, StatusCode::NOT_FOUND);
    // Signed out: to sign-in, with the old link as the way back.
    let res = Client::new(&app).get("/team?role=admin").await;
    assert_eq!(res.location(), Some("/login?next=%2Fteam%3Frole%3Dadmin"));
    // In no organization: to the home page's "create your first organization".
    let mut loner = person(&app, "loner").await;
    assert_eq!(loner.client.get("/team").await.location(), Some("/"));
    let home = loner.client.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Create your first organization"));
});

// Organizations from before slugs get theirs from their names, in order of
// creation; the migration runs down and up on a connection of its own (see
// `rollups`).
on_both_engines!(the_migration_gives_existing_organizations_slugs, |app: TestApp| async move {
    use migration::MigratorTrait;
    use sea_orm::ConnectionTrait;
    let mut p = person(&app, "migrated").await;
    let ids = [create_org(&mut p, "Dup Co").await, create_org(&mut p, "dup co").await, create_org(&mut p, "日本").await];
    let own = migrated_back_before(&app, "m20261207_000014_org_slugs").await;
    own.execute_unprepared("UPDATE organizations SET name = 'Renamed' WHERE name = '日本'").await.unwrap();
    migration::Migrator::up(&own, None).await.unwrap();
    own.close().await.unwrap();
    let mut slugs = Vec::new();
    for id in ids {
        let row = app
            .state
            .db
            .query_one_raw(sea_orm::Statement::from_string(app.state.db.get_database_backend(), format!("SELECT slug FROM organizations WHERE id = {id}")));
        slugs.push(row.await.unwrap().unwrap().try_get_by_index::<String>(0).unwrap());
    }
    assert_eq!(slugs, ["dup-co", "dup-co-2", "renamed"]);
    // And the unique index is back.
    let dup = format!("UPDATE organizations SET slug = 'dup-co' WHERE id = {}", ids[1]);
    assert!(app.state.db.execute_unprepared(&dup).await.is_err(), "two organizations cannot share a slug");
    assert_eq!(p.client.get("/o/dup-co-2").await.status, StatusCode::OK);
});
