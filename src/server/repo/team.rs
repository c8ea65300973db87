//! Organization members: the team table, role changes, removal and leaving.
//!
//! Every change runs in a write transaction that first locks the
//! organization row, then re-reads the actor's own role: concurrent changes
//! queue up, and each sees the others' results. That is what keeps at least
//! one Owner under concurrent demotions.
use crate::domain::audit::AuditAction;
use crate::domain::policy;
use crate::domain::team::{MemberRow, TEAM_PAGE_SIZE, TeamPage, TeamSort};
use crate::domain::{MemberId, OrgRole, User, UserId};
use crate::error::{AppError, AppResult};
use crate::server::entities::{membership, project, project_member, user};
use crate::server::guard::OrgCtx;
use crate::server::repo::audit::Change;
use crate::server::repo::{audit, begin_org_write, like_pattern};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, Order, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, Set,
};
use serde_json::json;

#[derive(Debug, Clone, Default)]
pub struct TeamQuery {
    pub search: String,
    pub role: Option<OrgRole>,
    pub sort: TeamSort,
    pub descending: bool,
    pub page: u64,
}

fn role_rank() -> Expr {
    let col = Expr::col((membership::Entity, membership::Column::Role));
    let mut case = Expr::case(col.clone().eq("owner"), 0);
    for (i, r) in ["admin", "member", "viewer", "guest"].into_iter().enumerate() {
        case = case.case(col.clone().eq(r), i as i32 + 1);
    }
    case.finally(9).into()
}

pub async fn page(db: &impl ConnectionTrait, ctx: &OrgCtx, q: &TeamQuery) -> AppResult<TeamPage> {
    let mut query = membership::Entity::find().find_also_related(user::Entity).filter(membership::Column::OrgId.eq(ctx.org.id));
    if !q.search.trim().is_empty() {
        let pat = like_pattern(&q.search);
        query = query.filter(
            Condition::any()
                .add(Expr::expr(Func::lower(Expr::col((user::Entity, user::Column::Name)))).like(pat.clone()))
                .add(Expr::col((user::Entity, user::Column::Email)).like(pat)),
        );
    }
    if let Some(role) = q.role {
        query = query.filter(membership::Column::Role.eq(role));
    }
    let order = if q.descending { Order::Desc } else { Order::Asc };
    query = match q.sort {
        TeamSort::Name => query.order_by(Expr::expr(Func::lower(Expr::col((user::Entity, user::Column::Name)))), order),
        TeamSort::Email => query.order_by(user::Column::Email, order),
        TeamSort::Role => query.order_by(role_rank(), order),
        TeamSort::Joined => query.order_by(membership::Column::CreatedAt, order),
    }
    .order_by_asc(membership::Column::Id);

    let pages = query.paginate(db, TEAM_PAGE_SIZE);
    let total = pages.num_items().await?;
    let rows = pages.fetch_page(q.page).await?;

    let inviters = super::user_names(db, rows.iter().filter_map(|(m, _)| m.invited_by)).await?;

    let members = rows
        .into_iter()
        .filter_map(|(m, u)| {
            let u = u?;
            let role = m.role;
            let is_you = u.id == ctx.user.id.0;
            let assignable = if is_you { Vec::new() } else { policy::assignable_roles(ctx.role, role) };
            Some(MemberRow {
                id: MemberId(m.id),
                user_id: UserId(u.id),
                name: u.name,
                email: u.email,
                role,
                invited_on: m.created_at,
                invited_by: m.invited_by.and_then(|id| inviters.get(&id).cloned()),
                removable: !is_you && policy::can_remove(ctx.role, role),
                assignable,
                is_you,
            })
        })
        .collect();
    Ok(TeamPage {
        members,
        total,
        page: q.page,
        page_size: TEAM_PAGE_SIZE,
        invitations: Vec::new(),
        can_invite: policy::can(ctx.role, policy::OrgAction::InviteMembers),
    })
}

/// Start a membership change: lock the organization, re-read the actor's
/// role, and load the target membership (which must be in this organization).
async fn begin_change(db: &DatabaseConnection, ctx: &OrgCtx, member_id: MemberId) -> AppResult<(DatabaseTransaction, OrgRole, membership::Model)> {
    let tx = begin_org_write(db, ctx.org.id).await?;
    let actor = membership::Entity::find_by_id(ctx.membership_id).one(&tx).await?.ok_or(AppError::Forbidden)?;
    let actor_role = actor.role;
    let target = membership::Entity::find_by_id(member_id.0)
        .filter(membership::Column::OrgId.eq(ctx.org.id))
        .one(&tx)
        .await?
        .ok_or_else(|| AppError::NotFound("Member".into()))?;
    Ok((tx, actor_role, target))
}

async fn owner_count(tx: &DatabaseTransaction, org_id: i64) -> AppResult<u64> {
    Ok(membership::Entity::find().filter(membership::Column::OrgId.eq(org_id)).filter(membership::Column::Role.eq(OrgRole::Owner)).count(tx).await?)
}

const LAST_OWNER: &str = "An organization needs at least one Owner. Make someone else an Owner first.";

async fn user_label(tx: &DatabaseTransaction, user_id: i64) -> AppResult<String> {
    Ok(user::Entity::find_by_id(user_id).one(tx).await?.map(|u| format!("{} <{}>", u.name, u.email)).unwrap_or_default())
}

pub async fn change_role(db: &DatabaseConnection, ctx: &OrgCtx, member_id: MemberId, to: OrgRole) -> AppResult<()> {
    let (tx, actor_role, target) = begin_change(db, ctx, member_id).await?;
    let from = target.role;
    if target.user_id == ctx.user.id.0 && from != to && actor_role != OrgRole::Owner {
        return Err(AppError::Forbidden);
    }
    if !policy::can_change_role(actor_role, from, to) {
        return Err(AppError::Forbidden);
    }
    if from == to {
        return Ok(());
    }
    if from == OrgRole::Owner && owner_count(&tx, ctx.org.id).await? <= 1 {
        return Err(AppError::Conflict(LAST_OWNER.into()));
    }
    let label = user_label(&tx, target.user_id).await?;
    membership::ActiveModel { id: Set(target.id), role: Set(to), ..Default::default() }.update(&tx).await?;
    audit::record(
        &tx,
        Change::new(ctx.org.id, &ctx.user, AuditAction::MemberRoleChanged, label).before(json!({"role": from.as_str()})).after(json!({"role": to.as_str()})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Remove a membership and the project roles that came with it.
async fn delete_membership(tx: &DatabaseTransaction, org_id: i64, m: &membership::Model) -> AppResult<()> {
    let project_ids = project::Entity::find().filter(project::Column::OrgId.eq(org_id)).select_only().column(project::Column::Id).into_query();
    project_member::Entity::delete_many()
        .filter(project_member::Column::UserId.eq(m.user_id))
        .filter(project_member::Column::ProjectId.in_subquery(project_ids))
        .exec(tx)
        .await?;
    membership::Entity::delete_by_id(m.id).exec(tx).await?;
    user::Entity::update_many()
        .col_expr(user::Column::CurrentOrgId, Expr::value(Option::<i64>::None))
        .filter(user::Column::Id.eq(m.user_id))
        .filter(user::Column::CurrentOrgId.eq(org_id))
        .exec(tx)
        .await?;
    Ok(())
}

pub async fn remove(db: &DatabaseConnection, ctx: &OrgCtx, member_id: MemberId) -> AppResult<()> {
    let (tx, actor_role, target) = begin_change(db, ctx, member_id).await?;
    if target.user_id == ctx.user.id.0 {
        return Err(AppError::invalid("To remove yourself, leave the organization from your account menu."));
    }
    let role = target.role;
    if !policy::can_remove(actor_role, role) {
        return Err(AppError::Forbidden);
    }
    if role == OrgRole::Owner && owner_count(&tx, ctx.org.id).await? <= 1 {
        return Err(AppError::Conflict(LAST_OWNER.into()));
    }
    let label = user_label(&tx, target.user_id).await?;
    delete_membership(&tx, ctx.org.id, &target).await?;
    audit::record(&tx, Change::new(ctx.org.id, &ctx.user, AuditAction::MemberRemoved, label).before(json!({"role": role.as_str()}))).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn leave(db: &DatabaseConnection, ctx: &OrgCtx) -> AppResult<()> {
    let (tx, actor_role, me) = begin_change(db, ctx, MemberId(ctx.membership_id)).await?;
    if actor_role == OrgRole::Owner && owner_count(&tx, ctx.org.id).await? <= 1 {
        return Err(AppError::Conflict("You are the last Owner. Make someone else an Owner before you leave.".into()));
    }
    delete_membership(&tx, ctx.org.id, &me).await?;
    audit::record(
        &tx,
        Change::new(ctx.org.id, &ctx.user, AuditAction::MemberLeft, format!("{} <{}>", ctx.user.name, ctx.user.email))
            .before(json!({"role": actor_role.as_str()})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The organization member with exactly this email, if there is one.
pub async fn member_by_email(db: &impl ConnectionTrait, org_id: i64, email: &crate::domain::Email) -> AppResult<Option<UserId>> {
    Ok(membership::Entity::find()
        .inner_join(user::Entity)
        .filter(membership::Column::OrgId.eq(org_id))
        .filter(user::Column::Email.eq(email.as_str()))
        .one(db)
        .await?
        .map(|m| UserId(m.user_id)))
}

/// Organization members a Project Admin may add to a project.
pub async fn all_members(db: &impl ConnectionTrait, org_id: i64) -> AppResult<Vec<(User, OrgRole)>> {
    Ok(membership::Entity::find()
        .find_also_related(user::Entity)
        .filter(membership::Column::OrgId.eq(org_id))
        .order_by_asc(user::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(m, u)| Some((User::from(u?), m.role)))
        .collect())
}

/// The organization a membership belongs to, for the guard; none when the id is unknown.
pub async fn org_of_member(db: &impl ConnectionTrait, member_id: i64) -> AppResult<Option<i64>> {
    Ok(membership::Entity::find_by_id(member_id).one(db).await?.map(|m| m.org_id))
}
