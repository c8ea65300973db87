//! The one place requests meet the policy: load who the caller is in an
//! organization or project, then ask `domain::policy` whether they may act.
//!
//! A caller who is not a member gets `NotFound`, never `Forbidden`, so ids
//! from another organization reveal nothing, not even that they exist.
use crate::domain::policy::{self, OrgAction, ProjectAction};
use crate::domain::{OrgId, OrgKind, OrgRole, OrgSummary, ProjectId, ProjectRole, User, role::effective_project_role};
use crate::error::{AppError, AppResult};
use crate::server::entities::{membership, organization, project, project_member, user};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

/// The caller inside one organization.
#[derive(Debug, Clone)]
pub struct OrgCtx {
    pub user: User,
    pub org: organization::Model,
    pub role: OrgRole,
    pub membership_id: i64,
}

impl OrgCtx {
    pub fn id(&self) -> OrgId {
        OrgId(self.org.id)
    }

    pub fn require(&self, action: OrgAction) -> AppResult<()> {
        if policy::can(self.role, action) { Ok(()) } else { Err(AppError::Forbidden) }
    }

    pub fn summary(&self) -> OrgSummary {
        OrgSummary {
            id: self.id(),
            name: self.org.name.clone(),
            kind: OrgKind::parse(&self.org.kind).unwrap_or(OrgKind::Company),
            role: self.role,
        }
    }
}

fn role_of(m: &membership::Model) -> AppResult<OrgRole> {
    OrgRole::parse(&m.role).ok_or_else(|| AppError::internal(format!("unknown role {:?} in membership {}", m.role, m.id)))
}

/// The caller's membership of `org_id`, read fresh on every request so role
/// changes and removals apply at once.
pub async fn org(db: &impl ConnectionTrait, user: &User, org_id: OrgId) -> AppResult<OrgCtx> {
    let not_found = || AppError::NotFound("Organization".into());
    let m = membership::Entity::find()
        .filter(membership::Column::OrgId.eq(org_id.0))
        .filter(membership::Column::UserId.eq(user.id.0))
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    let org = organization::Entity::find_by_id(org_id.0).one(db).await?.ok_or_else(not_found)?;
    Ok(OrgCtx { role: role_of(&m)?, user: user.clone(), org, membership_id: m.id })
}

/// The organization the caller works in now: the one they last switched to
/// if they still belong to it, else their first by name, else none.
pub async fn current_org(db: &impl ConnectionTrait, user: &User) -> AppResult<Option<OrgCtx>> {
    let row = user::Entity::find_by_id(user.id.0).one(db).await?.ok_or(AppError::Unauthenticated)?;
    if let Some(id) = row.current_org_id {
        match org(db, user, OrgId(id)).await {
            Ok(ctx) => return Ok(Some(ctx)),
            Err(AppError::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
    }
    let org_ids: Vec<i64> = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user.id.0))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.org_id)
        .collect();
    let first = organization::Entity::find()
        .filter(organization::Column::Id.is_in(org_ids))
        .order_by_asc(organization::Column::Name)
        .one(db)
        .await?;
    match first {
        Some(o) => {
            user::ActiveModel { id: Set(user.id.0), current_org_id: Set(Some(o.id)), ..Default::default() }.update(db).await?;
            org(db, user, OrgId(o.id)).await.map(Some)
        }
        None => Ok(None),
    }
}

/// `current_org`, or 404 when the caller has no organization.
pub async fn require_current_org(db: &impl ConnectionTrait, user: &User) -> AppResult<OrgCtx> {
    current_org(db, user).await?.ok_or_else(|| AppError::NotFound("Organization".into()))
}

/// `org` for an explicit id, else the current organization (pages that
/// always show the current one pass no id).
pub async fn org_or_current(db: &impl ConnectionTrait, user: &User, org_id: Option<i64>) -> AppResult<OrgCtx> {
    match org_id {
        Some(id) => org(db, user, OrgId(id)).await,
        None => require_current_org(db, user).await,
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
        .and_then(|pm| ProjectRole::parse(&pm.role)))
}

/// Load a project the caller can see; `NotFound` when they have no role in it.
pub async fn project_in(db: &impl ConnectionTrait, org: OrgCtx, project: project::Model) -> AppResult<ProjectCtx> {
    let direct = direct_project_role(db, org.user.id.0, project.id).await?;
    let role = effective_project_role(org.role, direct).ok_or_else(|| AppError::NotFound("Project".into()))?;
    Ok(ProjectCtx { org, project, role })
}

pub async fn project(db: &impl ConnectionTrait, user: &User, project_id: ProjectId) -> AppResult<ProjectCtx> {
    let not_found = || AppError::NotFound("Project".into());
    let p = project::Entity::find_by_id(project_id.0).one(db).await?.ok_or_else(not_found)?;
    let org = org(db, user, OrgId(p.org_id)).await.map_err(|_| not_found())?;
    project_in(db, org, p).await
}

/// A project of the caller's current organization, by slug.
pub async fn project_by_slug(db: &impl ConnectionTrait, user: &User, slug: &str) -> AppResult<ProjectCtx> {
    let org = require_current_org(db, user).await?;
    let p = project::Entity::find()
        .filter(project::Column::OrgId.eq(org.org.id))
        .filter(project::Column::Slug.eq(slug))
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound("Project".into()))?;
    project_in(db, org, p).await
}
