//! The one place requests meet the policy: load who the caller is in an
//! organization or project, then ask `domain::policy` whether they may act.
//!
//! A caller who is not a member gets `NotFound`, never `Forbidden`, so ids
//! from another organization reveal nothing, not even that they exist.
//!
//! Server functions start with one line that says who may call them:
//! `let ctx = guard::org_for(org_id, OrgAction::ChangeRoles).await?;`, or
//! `guard::org_at(&org, …)` / `guard::project_at(&org, &slug, …)` for what a
//! console URL names (`/o/<org>/projects/<slug>`, see `crate::urls`). Those
//! `*_for` functions read the caller and the database from the request's
//! context. The functions below them take both explicitly, for the CLI and
//! the seed.
use crate::domain::api_key::{KeyScope, KeyStatus};
use crate::domain::policy::{self, KeyAction, OrgAction, ProjectAction};
use crate::domain::project::Slug;
use crate::domain::{OrgId, OrgRole, OrgSummary, ProjectId, ProjectRole, User, role::effective_project_role};
use crate::error::{AppError, AppResult};
use crate::server::AppState;
use crate::server::auth::CurrentUser;
use crate::server::entities::{api_key, membership, organization, project, project_member, user};
use crate::server::secrets::{api_key_well_formed, hash_secret};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

/// Memberships loaded during one page request, shared by every resource the
/// page runs (the layout's navigation and the page's own data load the same
/// organization). It lives in the request's extensions and dies with the
/// request, so a role change still applies on the very next one. Only safe
/// (GET) requests get one: a request that writes reads everything afresh.
#[derive(Clone, Default)]
pub struct RequestScope(Arc<Scope>);

#[derive(Default)]
struct Scope {
    current: OnceCell<Option<OrgCtx>>,
    orgs: Mutex<HashMap<i64, Arc<OnceCell<OrgCtx>>>>,
    slugs: Mutex<HashMap<String, Arc<OnceCell<OrgCtx>>>>,
}

impl RequestScope {
    fn org_cell(&self, org_id: OrgId) -> Arc<OnceCell<OrgCtx>> {
        let mut orgs = self.0.orgs.lock().unwrap_or_else(|e| e.into_inner());
        orgs.entry(org_id.0).or_default().clone()
    }

    fn slug_cell(&self, slug: &Slug) -> Arc<OnceCell<OrgCtx>> {
        let mut slugs = self.0.slugs.lock().unwrap_or_else(|e| e.into_inner());
        slugs.entry(slug.as_str().to_string()).or_default().clone()
    }
}

/// The caller, the app, and this request's scope (if it has one). Read
/// before the first await: what follows uses the returned context instead.
fn caller() -> AppResult<(CurrentUser, AppState, Option<RequestScope>)> {
    let parts = leptos::prelude::use_context::<axum::http::request::Parts>().ok_or(AppError::Unauthenticated)?;
    let caller = parts.extensions.get::<CurrentUser>().cloned().ok_or(AppError::Unauthenticated)?;
    let scope = parts.extensions.get::<RequestScope>().cloned();
    Ok((caller, leptos::prelude::expect_context::<AppState>(), scope))
}

/// The caller in `org_id`, if they may do `action` there.
pub async fn org_for(org_id: OrgId, action: OrgAction) -> AppResult<OrgCtx> {
    let (caller, app, scope) = caller()?;
    let ctx = match scope {
        Some(scope) => scope.org_cell(org_id).get_or_try_init(|| org(&app, &caller.user, org_id)).await?.clone(),
        None => org(&app, &caller.user, org_id).await?,
    };
    ctx.require(action)?;
    Ok(ctx)
}

/// The organization the caller last worked in, as the session loaded it.
pub fn remembered_org_id() -> Option<i64> {
    caller().ok().and_then(|(c, ..)| c.current_org_id)
}

/// The caller's current organization, or none when they belong to none.
pub async fn maybe_current_org() -> AppResult<Option<OrgCtx>> {
    let (caller, app, scope) = caller()?;
    match scope {
        Some(scope) => Ok(scope.0.current.get_or_try_init(|| current_org_of(&app, &caller)).await?.clone()),
        None => current_org_of(&app, &caller).await,
    }
}

/// The caller in the organization a console URL names (`/o/<slug>/…`), if
/// they may do `action` there. An organization they are not in is
/// `NotFound`, exactly like one that does not exist.
pub async fn org_at(slug: &Slug, action: OrgAction) -> AppResult<OrgCtx> {
    let (caller, app, scope) = caller()?;
    let ctx = match scope {
        Some(scope) => scope.slug_cell(slug).get_or_try_init(|| org_by_slug(&app, &caller.user, slug)).await?.clone(),
        None => org_by_slug(&app, &caller.user, slug).await?,
    };
    ctx.require(action)?;
    Ok(ctx)
}

/// The organization that owns a row (a membership, an invitation), as the
/// caller sees it: `NotFound(what)` when the row is missing or belongs to an
/// organization the caller is not in, so ids reveal nothing.
pub async fn org_owning(what: &str, org_id: Option<i64>, action: OrgAction) -> AppResult<OrgCtx> {
    let not_found = || AppError::NotFound(what.into());
    let org_id = org_id.ok_or_else(not_found)?;
    match org_for(OrgId(org_id), action).await {
        Err(AppError::NotFound(_)) => Err(not_found()),
        other => other,
    }
}

/// The caller in a project, if they may do `action` there.
pub async fn project_for(project_id: ProjectId, action: ProjectAction) -> AppResult<ProjectCtx> {
    let not_found = || AppError::NotFound("Project".into());
    let (_, app, _) = caller()?;
    let p = project::Entity::find_by_id(project_id.0).one(&app.db).await?.ok_or_else(not_found)?;
    let org = org_for(OrgId(p.org_id), OrgAction::ViewDashboard).await.map_err(|_| not_found())?;
    let ctx = project_in(org, p).await?;
    ctx.require(action)?;
    Ok(ctx)
}

/// A project a console URL names (`/o/<org>/projects/<slug>`), if the caller may do `action` there.
pub async fn project_at(org: &Slug, slug: &str, action: ProjectAction) -> AppResult<ProjectCtx> {
    let org = org_at(org, OrgAction::ViewDashboard).await?;
    let ctx = project_by_slug_in(org, slug).await?;
    ctx.require(action)?;
    Ok(ctx)
}

/// The same check for plain axum handlers (CSV downloads), which run
/// outside Leptos and so name the caller and the app themselves.
pub async fn project_at_as(app: &AppState, caller: &CurrentUser, org: &Slug, slug: &str, action: ProjectAction) -> AppResult<ProjectCtx> {
    let org = org_by_slug(app, &caller.user, org).await?;
    org.require(OrgAction::ViewDashboard)?;
    let ctx = project_by_slug_in(org, slug).await?;
    ctx.require(action)?;
    Ok(ctx)
}

/// The caller inside one organization, and the app to act with.
#[derive(Debug, Clone)]
pub struct OrgCtx {
    pub user: User,
    pub org: organization::Model,
    pub role: OrgRole,
    pub membership_id: i64,
    pub app: AppState,
}

impl OrgCtx {
    pub fn db(&self) -> &DatabaseConnection {
        &self.app.db
    }

    pub fn id(&self) -> OrgId {
        OrgId(self.org.id)
    }

    pub fn require(&self, action: OrgAction) -> AppResult<()> {
        if policy::can(self.role, action) { Ok(()) } else { Err(AppError::Forbidden) }
    }

    pub fn summary(&self) -> OrgSummary {
        OrgSummary {
            id: self.id(),
            slug: crate::domain::project::Slug::stored(self.org.slug.clone()),
            name: self.org.name.clone(),
            kind: self.org.kind,
            role: self.role,
        }
    }
}

/// The caller's membership of `org_id`, read fresh on every request so role
/// changes and removals apply at once.
pub async fn org(app: &AppState, user: &User, org_id: OrgId) -> AppResult<OrgCtx> {
    let db = &app.db;
    let not_found = || AppError::NotFound("Organization".into());
    // One query, membership and organization together: it runs on every request.
    let (m, org) = membership::Entity::find()
        .filter(membership::Column::OrgId.eq(org_id.0))
        .filter(membership::Column::UserId.eq(user.id.0))
        .find_also_related(organization::Entity)
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    let org = org.ok_or_else(not_found)?;
    Ok(OrgCtx { role: m.role, user: user.clone(), org, membership_id: m.id, app: app.clone() })
}

/// The caller's membership of the organization with this slug (one query).
async fn org_by_slug(app: &AppState, user: &User, slug: &Slug) -> AppResult<OrgCtx> {
    let not_found = || AppError::NotFound("Organization".into());
    let (m, org) = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user.id.0))
        .find_also_related(organization::Entity)
        .filter(organization::Column::Slug.eq(slug.as_str()))
        .one(&app.db)
        .await?
        .ok_or_else(not_found)?;
    let org = org.ok_or_else(not_found)?;
    Ok(OrgCtx { role: m.role, user: user.clone(), org, membership_id: m.id, app: app.clone() })
}

/// The organization the caller works in now: the one they last switched to
/// if they still belong to it, else their first by name, else none.
pub async fn current_org_of(app: &AppState, caller: &CurrentUser) -> AppResult<Option<OrgCtx>> {
    let (db, user) = (&app.db, &caller.user);
    if let Some(id) = caller.current_org_id {
        match org(app, user, OrgId(id)).await {
            Ok(ctx) => return Ok(Some(ctx)),
            Err(AppError::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
    }
    let org_ids: Vec<i64> = membership::Entity::find().filter(membership::Column::UserId.eq(user.id.0)).all(db).await?.into_iter().map(|m| m.org_id).collect();
    let first = organization::Entity::find().filter(organization::Column::Id.is_in(org_ids)).order_by_asc(organization::Column::Name).one(db).await?;
    match first {
        Some(o) => {
            user::ActiveModel { id: Set(user.id.0), current_org_id: Set(Some(o.id)), ..Default::default() }.update(db).await?;
            org(app, user, OrgId(o.id)).await.map(Some)
        }
        None => Ok(None),
    }
}

/// The caller inside one project.
#[derive(Debug, Clone)]
pub struct ProjectCtx {
    pub org: OrgCtx,
    pub project: project::Model,
    pub role: ProjectRole,
}

impl ProjectCtx {
    pub fn db(&self) -> &DatabaseConnection {
        self.org.db()
    }
    pub fn id(&self) -> ProjectId {
        ProjectId(self.project.id)
    }

    pub fn require(&self, action: ProjectAction) -> AppResult<()> {
        if policy::can_in_project(self.role, action) { Ok(()) } else { Err(AppError::Forbidden) }
    }
}

/// The caller's direct project role, if one was granted.
pub async fn direct_project_role(db: &impl ConnectionTrait, user_id: i64, project_id: i64) -> AppResult<Option<ProjectRole>> {
    Ok(project_member::Entity::find()
        .filter(project_member::Column::ProjectId.eq(project_id))
        .filter(project_member::Column::UserId.eq(user_id))
        .one(db)
        .await?
        .map(|pm| pm.role))
}

/// Load a project the caller can see; `NotFound` when they have no role in it.
pub async fn project_in(org: OrgCtx, project: project::Model) -> AppResult<ProjectCtx> {
    let direct = direct_project_role(org.db(), org.user.id.0, project.id).await?;
    let role = effective_project_role(org.role, direct).ok_or_else(|| AppError::NotFound("Project".into()))?;
    Ok(ProjectCtx { org, project, role })
}

/// A project of `org`, by slug.
async fn project_by_slug_in(org: OrgCtx, slug: &str) -> AppResult<ProjectCtx> {
    let p = project::Entity::find()
        .filter(project::Column::OrgId.eq(org.org.id))
        .filter(project::Column::Slug.eq(slug))
        .one(org.db())
        .await?
        .ok_or_else(|| AppError::NotFound("Project".into()))?;
    project_in(org, p).await
}

/// A project API key as the public API's caller: its project, that
/// project's organization, and its scope. Never a user.
#[derive(Debug, Clone)]
pub struct KeyCtx {
    pub key_id: i64,
    pub project_id: i64,
    pub org_id: i64,
    pub scope: KeyScope,
}

impl KeyCtx {
    pub fn require(&self, action: KeyAction) -> AppResult<()> {
        if policy::key_can(self.scope, action) { Ok(()) } else { Err(AppError::Forbidden) }
    }
}

/// The key a bearer secret names, if it works now; `Unauthenticated` for a
/// malformed (refused before any query), unknown, expired or revoked one.
/// Marks the key used at most once a minute.
pub async fn api_key(db: &DatabaseConnection, secret: &str) -> AppResult<KeyCtx> {
    if !api_key_well_formed(secret) {
        return Err(AppError::Unauthenticated);
    }
    let (key, project) = api_key::Entity::find()
        .filter(api_key::Column::SecretHash.eq(hash_secret(secret)))
        .find_also_related(project::Entity)
        .one(db)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let project = project.ok_or(AppError::Unauthenticated)?;
    let now = chrono::Utc::now();
    if !KeyStatus::of(now, key.expires_at, key.revoked_at).works() {
        return Err(AppError::Unauthenticated);
    }
    if key.last_used_at.is_none_or(|t| now - t >= chrono::Duration::minutes(1)) {
        // Best effort: a busy database must not turn a valid key into an error.
        let marked = api_key::Entity::update_many()
            .col_expr(api_key::Column::LastUsedAt, sea_orm::sea_query::Expr::value(now))
            .filter(api_key::Column::Id.eq(key.id))
            .exec(db)
            .await;
        if let Err(e) = marked {
            tracing::warn!(error = %e, key_id = key.id, "could not mark an API key used");
        }
    }
    Ok(KeyCtx { key_id: key.id, project_id: project.id, org_id: project.org_id, scope: key.scope })
}
