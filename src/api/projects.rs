//! Projects: create, overview, settings, deletion and project members.
use crate::domain::project::{Group, Project, ProjectMember};
use crate::domain::{OrgSummary, UserId};
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectView {
    pub org: OrgSummary,
    pub project: Project,
    /// The organization's groups, to suggest in the settings form.
    pub groups: Vec<Group>,
    pub can_edit: bool,
    pub can_manage_members: bool,
    pub can_delete: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    pub user_id: UserId,
    pub name: String,
    pub email: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectMembers {
    pub project_id: i64,
    pub members: Vec<ProjectMember>,
    /// Organization members without a direct role here yet; only for
    /// callers who may see the team table.
    pub candidates: Vec<Candidate>,
    /// Whether members are picked from `candidates`, or (for a Guest who is
    /// Project Admin) added by exact email.
    pub pick_from_team: bool,
    pub can_manage: bool,
}

/// What the new-project form needs: the current organization and its groups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectForm {
    pub org: OrgSummary,
    pub groups: Vec<Group>,
    pub can_create: bool,
}

#[server(endpoint = "projects/form")]
pub async fn load_project_form(org: crate::domain::project::Slug) -> Result<ProjectForm, AppError> {
    use crate::api::prelude::*;
    use crate::domain::policy::can;
    let ctx = guard::org_at(&org, OrgAction::ViewDashboard).await?;
    let db = ctx.db();
    Ok(ProjectForm { groups: repo::projects::groups(db, &ctx).await?, can_create: can(ctx.role, OrgAction::CreateProject), org: ctx.summary() })
}

#[server(endpoint = "projects/create")]
pub async fn create_project(org_id: i64, name: String, slug: String, description: String, environment: String, group: String) -> Result<Project, AppError> {
    use crate::api::prelude::*;
    use crate::domain::project::{Environment, Slug};
    let ctx = guard::org_for(crate::domain::OrgId(org_id), OrgAction::CreateProject).await?;
    let db = ctx.db();
    let name = crate::domain::org::parse_name(&name, "project", 60)?;
    let slug = if slug.trim().is_empty() { Slug::parse(&Slug::suggest(&name))? } else { Slug::parse(&slug)? };
    let description = crate::domain::project::parse_description(&description)?;
    let input = repo::projects::ProjectInput { name, slug, description, environment: Environment::parse(&environment)?, group };
    let project = repo::projects::create(db, &ctx, input).await?;
    leptos_axum::redirect(&crate::urls::project_path(&ctx.org.slug, &project.slug, ""));
    Ok(project)
}

/// A project, by its organization's slug and its own.
#[server(endpoint = "projects/get")]
pub async fn load_project(org: crate::domain::project::Slug, slug: String) -> Result<ProjectView, AppError> {
    use crate::api::prelude::*;
    use crate::domain::policy::can_in_project;
    let ctx = guard::project_at(&org, &slug, ProjectAction::View).await?;
    let db = ctx.db();
    Ok(ProjectView {
        org: ctx.org.summary(),
        can_edit: can_in_project(ctx.role, ProjectAction::EditSettings),
        can_manage_members: can_in_project(ctx.role, ProjectAction::ManageMembers),
        can_delete: can_in_project(ctx.role, ProjectAction::Delete),
        groups: repo::projects::groups(db, &ctx.org).await?,
        project: repo::projects::describe(db, &ctx).await?,
    })
}

#[server(endpoint = "projects/update")]
pub async fn update_project(project_id: i64, name: String, description: String, environment: String, group: String) -> Result<(), AppError> {
    use crate::api::prelude::*;
    let ctx = guard::project_for(crate::domain::ProjectId(project_id), ProjectAction::EditSettings).await?;
    let db = ctx.db();
    let name = crate::domain::org::parse_name(&name, "project", 60)?;
    let description = crate::domain::project::parse_description(&description)?;
    let environment = crate::domain::project::Environment::parse(&environment)?;
    repo::projects::update(db, &ctx, name, description, environment, group).await
}

#[server(endpoint = "projects/retention")]
pub async fn set_retention(project_id: i64, days: String) -> Result<(), AppError> {
    use crate::api::prelude::*;
    let ctx = guard::project_for(crate::domain::ProjectId(project_id), ProjectAction::EditSettings).await?;
    let days = crate::domain::project::parse_retention(&days)?;
    repo::projects::set_retention(ctx.db(), &ctx, days).await
}

#[server(endpoint = "projects/delete")]
pub async fn delete_project(project_id: i64, confirm: String) -> Result<(), AppError> {
    use crate::api::prelude::*;
    let ctx = guard::project_for(crate::domain::ProjectId(project_id), ProjectAction::Delete).await?;
    repo::projects::delete(ctx.db(), &ctx, &confirm).await?;
    leptos_axum::redirect(&crate::urls::org_path(&ctx.org.org.slug, ""));
    Ok(())
}

/// Members of a project, by its organization's slug and its own.
#[server(endpoint = "projects/members")]
pub async fn load_project_members(org: crate::domain::project::Slug, slug: String) -> Result<ProjectMembers, AppError> {
    use crate::api::prelude::*;
    use crate::domain::policy::can_in_project;
    let ctx = guard::project_at(&org, &slug, ProjectAction::View).await?;
    let db = ctx.db();
    let members = repo::projects::members(db, &ctx).await?;
    let can_manage = can_in_project(ctx.role, ProjectAction::ManageMembers);
    let pick_from_team = crate::domain::policy::can(ctx.org.role, OrgAction::ViewTeam);
    let candidates = if can_manage && pick_from_team {
        repo::team::all_members(db, ctx.org.org.id)
            .await?
            .into_iter()
            .filter(|(u, _)| !members.iter().any(|m| m.user_id == u.id))
            .map(|(u, _)| Candidate { user_id: u.id, name: u.name, email: u.email })
            .collect()
    } else {
        Vec::new()
    };
    Ok(ProjectMembers { project_id: ctx.project.id, members, candidates, pick_from_team, can_manage })
}

#[server(endpoint = "projects/members/set")]
pub async fn set_project_member(project_id: i64, user_id: i64, role: String) -> Result<(), AppError> {
    use crate::api::prelude::*;
    let ctx = guard::project_for(crate::domain::ProjectId(project_id), ProjectAction::ManageMembers).await?;
    let role = crate::domain::ProjectRole::parse(&role).ok_or_else(|| AppError::invalid("Project roles are admin, member or viewer."))?;
    let db = ctx.db();
    // Without the team table, a caller changes only people already in the
    // project; new people come by exact email (`projects/members/add`), so
    // user ids cannot be walked to list the organization.
    if !crate::domain::policy::can(ctx.org.role, OrgAction::ViewTeam) && guard::direct_project_role(db, user_id, ctx.project.id).await?.is_none() {
        return Err(AppError::NotFound("Member".into()));
    }
    repo::projects::set_member(db, &ctx, UserId(user_id), role).await
}

/// Add an organization member to a project by their exact email: how a
/// Project Admin who may not see the team table adds people.
#[server(endpoint = "projects/members/add")]
pub async fn add_project_member(project_id: i64, email: String, role: String) -> Result<(), AppError> {
    use crate::api::prelude::*;
    let ctx = guard::project_for(crate::domain::ProjectId(project_id), ProjectAction::ManageMembers).await?;
    let role = crate::domain::ProjectRole::parse(&role).ok_or_else(|| AppError::invalid("Project roles are admin, member or viewer."))?;
    let db = ctx.db();
    let email = crate::domain::Email::parse(&email)?;
    let member = repo::team::member_by_email(db, ctx.org.org.id, &email)
        .await?
        .ok_or_else(|| AppError::invalid("Nobody in this organization has that email. Invite them to the organization first."))?;
    repo::projects::set_member(db, &ctx, member, role).await
}

#[server(endpoint = "projects/members/remove")]
pub async fn remove_project_member(project_id: i64, user_id: i64) -> Result<(), AppError> {
    use crate::api::prelude::*;
    let ctx = guard::project_for(crate::domain::ProjectId(project_id), ProjectAction::ManageMembers).await?;
    repo::projects::remove_member(ctx.db(), &ctx, UserId(user_id)).await
}
