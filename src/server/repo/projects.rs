//! Projects, groups and project members, always inside one organization.
use crate::domain::audit::AuditAction;
use crate::domain::plan::Limit;
use crate::domain::project::{Environment, Group, Project, ProjectMember, Slug};
use crate::domain::{GroupId, ProjectId, ProjectRole, UserId, role::effective_project_role};
use crate::error::{AppError, AppResult};
use crate::server::billing;
use crate::server::entities::{membership, project, project_group, project_member, user};
use crate::server::guard::{OrgCtx, ProjectCtx};
use crate::server::repo::audit::Change;
use crate::server::repo::begin_org_write;
use crate::server::repo::{audit, conflict_on_unique};
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Set};
use serde_json::json;
use std::collections::HashMap;

pub struct ProjectInput {
    pub name: String,
    pub slug: Slug,
    pub description: String,
    pub environment: Environment,
    /// A group name; created in the organization when new. Empty for none.
    pub group: String,
}

fn to_project(p: project::Model, group: Option<&project_group::Model>, role: ProjectRole) -> Project {
    Project {
        id: ProjectId(p.id),
        name: p.name,
        slug: p.slug,
        description: p.description,
        environment: p.environment,
        group: group.map(|g| Group { id: GroupId(g.id), name: g.name.clone() }),
        created_at: p.created_at,
        role,
        retention_days: p.retention_days.and_then(|d| u32::try_from(d).ok()),
    }
}

/// The projects the caller may see, with their effective role in each.
/// Guests see only projects they were added to.
pub async fn visible(db: &impl ConnectionTrait, ctx: &OrgCtx) -> AppResult<Vec<Project>> {
    let projects = project::Entity::find().filter(project::Column::OrgId.eq(ctx.org.id)).order_by_asc(project::Column::Name).all(db).await?;
    let direct: HashMap<i64, ProjectRole> = project_member::Entity::find()
        .filter(project_member::Column::UserId.eq(ctx.user.id.0))
        .filter(project_member::Column::ProjectId.is_in(projects.iter().map(|p| p.id)))
        .all(db)
        .await?
        .into_iter()
        .map(|pm| (pm.project_id, pm.role))
        .collect();
    let groups = groups_by_id(db, ctx.org.id).await?;
    Ok(projects
        .into_iter()
        .filter_map(|p| {
            let role = effective_project_role(ctx.role, direct.get(&p.id).copied())?;
            let group = p.group_id.and_then(|g| groups.get(&g));
            Some(to_project(p, group, role))
        })
        .collect())
}

async fn groups_by_id(db: &impl ConnectionTrait, org_id: i64) -> AppResult<HashMap<i64, project_group::Model>> {
    Ok(project_group::Entity::find().filter(project_group::Column::OrgId.eq(org_id)).all(db).await?.into_iter().map(|g| (g.id, g)).collect())
}

/// The groups the caller may know of: every group for roles that see every
/// project, else (Guests) only the groups of the projects they can see.
pub async fn groups(db: &impl ConnectionTrait, ctx: &OrgCtx) -> AppResult<Vec<Group>> {
    let mut all: Vec<Group> = if effective_project_role(ctx.role, None).is_some() {
        groups_by_id(db, ctx.org.id).await?.into_values().map(|g| Group { id: GroupId(g.id), name: g.name }).collect()
    } else {
        let mut seen: HashMap<GroupId, Group> = HashMap::new();
        for g in visible(db, ctx).await?.into_iter().filter_map(|p| p.group) {
            seen.insert(g.id, g);
        }
        seen.into_values().collect()
    };
    all.sort_by_key(|a| a.name.to_lowercase());
    Ok(all)
}

/// Find the organization's group by name, creating it if new.
async fn group_id(db: &impl ConnectionTrait, org_id: i64, name: &str) -> AppResult<Option<i64>> {
    let name = name.trim();
    if name.is_empty() {
        return Ok(None);
    }
    let name = crate::domain::org::parse_name(name, "group", 60)?;
    if let Some(g) = project_group::Entity::find().filter(project_group::Column::OrgId.eq(org_id)).filter(project_group::Column::Name.eq(&name)).one(db).await?
    {
        return Ok(Some(g.id));
    }
    let g = project_group::ActiveModel { org_id: Set(org_id), name: Set(name), created_at: Set(Utc::now()), ..Default::default() }.insert(db).await?;
    Ok(Some(g.id))
}

const NAME_TAKEN: &str = "This organization already has a project with that name or slug. Choose another.";

pub async fn create(db: &DatabaseConnection, ctx: &OrgCtx, input: ProjectInput) -> AppResult<Project> {
    let tx = begin_org_write(db, ctx.org.id).await?;
    billing::require_room(&tx, &ctx.app.config.plans, ctx.org.id, Limit::Projects, 1, &[]).await?;
    let now = Utc::now();
    let group_id = group_id(&tx, ctx.org.id, &input.group).await?;
    let p = project::ActiveModel {
        org_id: Set(ctx.org.id),
        name: Set(input.name.clone()),
        slug: Set(input.slug.as_str().into()),
        description: Set(input.description),
        environment: Set(input.environment),
        group_id: Set(group_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&tx)
    .await
    .map_err(|e| conflict_on_unique(e, NAME_TAKEN))?;
    audit::record(
        &tx,
        Change::new(ctx.org.id, &ctx.user, AuditAction::ProjectCreated, p.name.clone())
            .after(json!({"name": p.name, "slug": p.slug, "environment": p.environment, "group": input.group.trim()})),
    )
    .await?;
    tx.commit().await?;
    let group = match group_id {
        Some(id) => project_group::Entity::find_by_id(id).one(db).await?,
        None => None,
    };
    let role = effective_project_role(ctx.role, None).unwrap_or(ProjectRole::Admin);
    Ok(to_project(p, group.as_ref(), role))
}

pub async fn describe(db: &impl ConnectionTrait, ctx: &ProjectCtx) -> AppResult<Project> {
    let group = match ctx.project.group_id {
        Some(id) => project_group::Entity::find_by_id(id).one(db).await?,
        None => None,
    };
    Ok(to_project(ctx.project.clone(), group.as_ref(), ctx.role))
}

/// Rename, re-describe, change environment or group. Slug and organization stay.
pub async fn update(db: &DatabaseConnection, ctx: &ProjectCtx, name: String, description: String, environment: Environment, group: String) -> AppResult<()> {
    let tx = begin_org_write(db, ctx.org.org.id).await?;
    let group_id = group_id(&tx, ctx.org.org.id, &group).await?;
    let p = &ctx.project;
    let before = json!({"name": p.name, "description": p.description, "environment": p.environment, "group_id": p.group_id});
    project::ActiveModel {
        id: Set(p.id),
        name: Set(name.clone()),
        description: Set(description.clone()),
        environment: Set(environment),
        group_id: Set(group_id),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .update(&tx)
    .await
    .map_err(|e| conflict_on_unique(e, NAME_TAKEN))?;
    let after = json!({"name": name, "description": description, "environment": environment.as_str(), "group_id": group_id});
    audit::record(&tx, Change::new(ctx.org.org.id, &ctx.org.user, AuditAction::ProjectUpdated, name).before(before).after(after)).await?;
    tx.commit().await?;
    Ok(())
}

/// How long the project keeps events (`None`: forever). Rollups stay either way.
pub async fn set_retention(db: &DatabaseConnection, ctx: &ProjectCtx, days: Option<u32>) -> AppResult<()> {
    let tx = begin_org_write(db, ctx.org.org.id).await?;
    let p = &ctx.project;
    project::ActiveModel { id: Set(p.id), retention_days: Set(days.map(|d| d as i32)), updated_at: Set(Utc::now()), ..Default::default() }.update(&tx).await?;
    let change = Change::new(ctx.org.org.id, &ctx.org.user, AuditAction::ProjectUpdated, p.name.clone())
        .before(json!({"retention_days": p.retention_days}))
        .after(json!({"retention_days": days}));
    audit::record(&tx, change).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete(db: &DatabaseConnection, ctx: &ProjectCtx, confirm_name: &str) -> AppResult<()> {
    if confirm_name.trim() != ctx.project.name {
        return Err(AppError::invalid("Type the project's name exactly to confirm."));
    }
    let tx = begin_org_write(db, ctx.org.org.id).await?;
    let this = project::Entity::find().select_only().column(project::Column::Id).filter(project::Column::Id.eq(ctx.project.id)).into_query();
    crate::server::repo::api_keys::lock_keys_of(&tx, this).await?;
    project::Entity::delete_by_id(ctx.project.id).exec(&tx).await?;
    audit::record(
        &tx,
        Change::new(ctx.org.org.id, &ctx.org.user, AuditAction::ProjectDeleted, ctx.project.name.clone()).before(json!({"slug": ctx.project.slug})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn members(db: &impl ConnectionTrait, ctx: &ProjectCtx) -> AppResult<Vec<ProjectMember>> {
    Ok(project_member::Entity::find()
        .find_also_related(user::Entity)
        .filter(project_member::Column::ProjectId.eq(ctx.project.id))
        .order_by_asc(user::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(pm, u)| {
            let u = u?;
            Some(ProjectMember { user_id: UserId(u.id), name: u.name, email: u.email, role: pm.role })
        })
        .collect())
}

/// Grant (or change) a member's direct role in the project. The user must
/// already belong to the project's organization.
pub async fn set_member(db: &DatabaseConnection, ctx: &ProjectCtx, user_id: UserId, role: ProjectRole) -> AppResult<()> {
    let tx = begin_org_write(db, ctx.org.org.id).await?;
    membership::Entity::find()
        .filter(membership::Column::OrgId.eq(ctx.org.org.id))
        .filter(membership::Column::UserId.eq(user_id.0))
        .one(&tx)
        .await?
        .ok_or_else(|| AppError::NotFound("Member".into()))?;
    let existing = project_member::Entity::find()
        .filter(project_member::Column::ProjectId.eq(ctx.project.id))
        .filter(project_member::Column::UserId.eq(user_id.0))
        .one(&tx)
        .await?;
    let label = user::Entity::find_by_id(user_id.0).one(&tx).await?.map(|u| u.email).unwrap_or_default();
    let target = format!("{label} in {}", ctx.project.name);
    match existing {
        Some(pm) => {
            let before = pm.role;
            project_member::ActiveModel { id: Set(pm.id), role: Set(role), ..Default::default() }.update(&tx).await?;
            audit::record(
                &tx,
                Change::new(ctx.org.org.id, &ctx.org.user, AuditAction::ProjectMemberRoleChanged, target)
                    .before(json!({"role": before}))
                    .after(json!({"role": role.as_str()})),
            )
            .await?;
        }
        None => {
            grant(&tx, ctx.project.id, user_id.0, role).await?;
            audit::record(&tx, Change::new(ctx.org.org.id, &ctx.org.user, AuditAction::ProjectMemberAdded, target).after(json!({"role": role.as_str()})))
                .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Insert a direct project role (used by invitations as well).
pub async fn grant(db: &impl ConnectionTrait, project_id: i64, user_id: i64, role: ProjectRole) -> AppResult<()> {
    project_member::ActiveModel { project_id: Set(project_id), user_id: Set(user_id), role: Set(role), created_at: Set(Utc::now()), ..Default::default() }
        .insert(db)
        .await?;
    Ok(())
}

pub async fn remove_member(db: &DatabaseConnection, ctx: &ProjectCtx, user_id: UserId) -> AppResult<()> {
    let tx = begin_org_write(db, ctx.org.org.id).await?;
    let pm = project_member::Entity::find()
        .filter(project_member::Column::ProjectId.eq(ctx.project.id))
        .filter(project_member::Column::UserId.eq(user_id.0))
        .one(&tx)
        .await?
        .ok_or_else(|| AppError::NotFound("Project member".into()))?;
    project_member::Entity::delete_by_id(pm.id).exec(&tx).await?;
    let label = user::Entity::find_by_id(user_id.0).one(&tx).await?.map(|u| u.email).unwrap_or_default();
    audit::record(
        &tx,
        Change::new(ctx.org.org.id, &ctx.org.user, AuditAction::ProjectMemberRemoved, format!("{label} in {}", ctx.project.name))
            .before(json!({"role": pm.role})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
