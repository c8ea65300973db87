//! Organizations built through the real endpoints: sign up, create, invite,
//! accept. Every email is unique so fixtures never collide.
use crate::helpers::*;
use plinth::api::invitations::AcceptInvitation;
use plinth::api::orgs::CreateOrg;
use plinth::api::projects::CreateProject;
use plinth::api::team::Invite;
pub use plinth::domain::project::Slug;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use std::sync::atomic::{AtomicU64, Ordering};

static NEXT: AtomicU64 = AtomicU64::new(1);

pub fn unique_email(prefix: &str) -> String {
    format!("{prefix}-{}@example.com", NEXT.fetch_add(1, Ordering::Relaxed))
}

pub struct Person {
    pub client: Client,
    pub email: String,
}

pub struct OrgFx {
    pub id: i64,
    pub name: String,
    /// Its name in console URLs and server functions (`/o/<slug>/…`).
    pub slug: Slug,
    pub owner: Person,
    /// Two projects: the Guest in `join_guest` gets the first only.
    pub projects: Vec<(i64, String)>,
}

pub async fn person(app: &TestApp, prefix: &str) -> Person {
    let email = unique_email(prefix);
    let client = signed_up(app, prefix, &email).await;
    Person { client, email }
}

pub async fn create_org(p: &mut Person, name: &str) -> i64 {
    create_org_with_slug(p, name).await.0
}

/// A new organization's id and slug.
pub async fn create_org_with_slug(p: &mut Person, name: &str) -> (i64, Slug) {
    let res = p.client.call_fn(&CreateOrg { name: name.into(), kind: "company".into() }).await;
    assert_eq!(res.status, StatusCode::OK, "create org: {}", res.body);
    let org = res.json();
    (org["id"].as_i64().expect("org id"), Slug::parse(org["slug"].as_str().expect("org slug")).expect("a well-formed slug"))
}

pub async fn create_project(p: &mut Person, org_id: i64, name: &str) -> Result<(i64, String), Res> {
    let create = CreateProject {
        org_id,
        name: name.into(),
        slug: String::new(),
        description: String::new(),
        environment: "production".into(),
        group: "Engineering".into(),
    };
    let res = p.client.call_fn(&create).await;
    if res.status != StatusCode::OK {
        return Err(res);
    }
    let v = res.json();
    Ok((v["id"].as_i64().unwrap(), v["slug"].as_str().unwrap().to_string()))
}

pub async fn org(app: &TestApp, name: &str) -> OrgFx {
    let mut owner = person(app, "owner").await;
    let (id, slug) = create_org_with_slug(&mut owner, name).await;
    let mut projects = Vec::new();
    for p in ["Alpha", "Beta"] {
        projects.push(create_project(&mut owner, id, &format!("{name} {p}")).await.unwrap());
    }
    OrgFx { id, name: name.into(), slug, owner, projects }
}

/// The token at the end of an invite link.
pub fn token_of(link: &str) -> String {
    link.rsplit('/').next().unwrap().to_string()
}

/// Invite `email` as `role` (with optional `project_id:role` grants); returns the response.
pub async fn invite(by: &mut Person, org_id: i64, email: &str, role: &str, grants: &str) -> Res {
    by.client.call_fn(&Invite { org_id, emails: email.into(), role: role.into(), projects: grants.into() }).await
}

/// A new user who joins `fx` as `role` through an accepted invitation.
pub async fn join(app: &TestApp, fx: &mut OrgFx, role: &str, grants: &str) -> Person {
    let mut p = person(app, role).await;
    let res = invite(&mut fx.owner, fx.id, &p.email, role, grants).await;
    assert_eq!(res.status, StatusCode::OK, "invite: {}", res.body);
    let link = res.json()[0]["link"].as_str().expect("link without SMTP").to_string();
    let accepted = p.client.call_fn(&AcceptInvitation { token: token_of(&link) }).await;
    assert_eq!(accepted.status, StatusCode::OK, "accept: {}", accepted.body);
    p
}

pub async fn scalar(app: &TestApp, sql: &str) -> i64 {
    let backend = app.state.db.get_database_backend();
    let row = app.state.db.query_one_raw(Statement::from_string(backend, sql.to_string())).await.unwrap().unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

/// Run a statement (to age a row, say) outside the API.
pub async fn execute(app: &TestApp, sql: &str) {
    let backend = app.state.db.get_database_backend();
    app.state.db.execute_raw(Statement::from_string(backend, sql.to_string())).await.unwrap();
}

pub async fn member_id(app: &TestApp, org_id: i64, email: &str) -> i64 {
    scalar(app, &format!("SELECT m.id FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = {org_id} AND u.email = '{email}'")).await
}

pub async fn user_id(app: &TestApp, email: &str) -> i64 {
    scalar(app, &format!("SELECT id FROM users WHERE email = '{email}'")).await
}

pub async fn owners(app: &TestApp, org_id: i64) -> i64 {
    scalar(app, &format!("SELECT COUNT(*) FROM memberships WHERE org_id = {org_id} AND role = 'owner'")).await
}

/// Row counts of every table that holds organization data (sessions excluded).
pub async fn all_counts(app: &TestApp) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    for t in ["users", "organizations", "memberships", "projects", "project_groups", "project_members", "invitations", "audit_log"] {
        out.push((t.to_string(), count_rows(app, t).await));
    }
    out
}

/// Row counts that belong to one organization.
pub async fn org_counts(app: &TestApp, org_id: i64) -> Vec<(String, i64)> {
    let q = [
        ("organizations", format!("SELECT COUNT(*) FROM organizations WHERE id = {org_id}")),
        ("memberships", format!("SELECT COUNT(*) FROM memberships WHERE org_id = {org_id}")),
        ("projects", format!("SELECT COUNT(*) FROM projects WHERE org_id = {org_id}")),
        ("project_groups", format!("SELECT COUNT(*) FROM project_groups WHERE org_id = {org_id}")),
        ("project_members", format!("SELECT COUNT(*) FROM project_members pm JOIN projects p ON p.id = pm.project_id WHERE p.org_id = {org_id}")),
        ("invitations", format!("SELECT COUNT(*) FROM invitations WHERE org_id = {org_id}")),
        ("audit_log", format!("SELECT COUNT(*) FROM audit_log WHERE org_id = {org_id}")),
    ];
    let mut out = Vec::new();
    for (t, sql) in q {
        out.push((t.to_string(), scalar(app, &sql).await));
    }
    out
}

/// A new API key's secret for `project_id`, created by `by` with `scope`.
pub async fn api_key(by: &mut Person, project_id: i64, scope: &str) -> String {
    let create = plinth::api::keys::CreateKey { project_id, name: format!("{scope} key"), scope: scope.into(), expires: "never".into() };
    let res = by.client.call_fn(&create).await;
    assert_eq!(res.status, StatusCode::OK, "create key: {}", res.body);
    res.json()["secret"].as_str().unwrap().to_string()
}

/// Every row of a query, each as its columns joined by '|' (the query casts them to text), sorted.
pub async fn text_rows(app: &TestApp, sql: &str) -> Vec<String> {
    let mut out = ordered_rows(app, sql).await;
    out.sort();
    out
}

/// The first column of every row, as text, in the query's order.
pub async fn ordered_rows(app: &TestApp, sql: &str) -> Vec<String> {
    let backend = app.state.db.get_database_backend();
    let rows = app.state.db.query_all_raw(Statement::from_string(backend, sql.to_string())).await.unwrap();
    rows.iter().map(|r| r.try_get_by_index::<String>(0).unwrap()).collect()
}

/// The migrations from `name` on, undone on a connection of the test's own
/// (through the app's pool, each statement of a SQLite migration may go to
/// another pooled connection, one whose read snapshot predates a drop).
/// Run `migration::Migrator::up` on the returned connection, then close it.
pub async fn migrated_back_before(app: &TestApp, name: &str) -> sea_orm::DatabaseConnection {
    use migration::MigratorTrait;
    let url = &app.db.as_ref().unwrap().url;
    let mut options = sea_orm::ConnectOptions::new(url.as_str());
    options.max_connections(1).sqlx_logging(false);
    let own = sea_orm::Database::connect(options).await.unwrap();
    let names: Vec<String> = migration::Migrator::migrations().iter().map(|m| m.name().to_string()).collect();
    let first = names.iter().position(|n| n == name).unwrap_or_else(|| panic!("no migration {name}"));
    migration::Migrator::down(&own, Some((names.len() - first) as u32)).await.unwrap();
    own
}
