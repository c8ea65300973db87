//! Organizations: create, list, switch, rename, delete.
use crate::domain::audit::AuditAction;
use crate::domain::project::Slug;
use crate::domain::{OrgId, OrgKind, OrgRole, OrgSummary, User, org::DeletionPreview};
use crate::error::{AppError, AppResult};
use crate::server::db::begin_write;
use crate::server::entities::{invitation, membership, organization, project, project_group, usage_meter, user};
use crate::server::guard::OrgCtx;
use crate::server::repo::audit::{self, Change};
use crate::server::repo::begin_org_write;
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, Set, Statement,
};
use serde_json::json;

/// Put an organization on `plan` at once, without the Billing page's checks
/// (the demo, and `plinth set-plan` for whoever runs Plinth; its audit log
/// records people's changes, and this one has no person behind it).
pub async fn set_plan(db: &DatabaseConnection, org_id: i64, plan: crate::domain::plan::PlanId) -> AppResult<()> {
    let tx = crate::server::repo::begin_org_write(db, org_id).await?;
    organization::ActiveModel { id: Set(org_id), plan: Set(plan), updated_at: Set(Utc::now()), ..Default::default() }.update(&tx).await?;
    // A downgrade that was waiting no longer starts from this plan.
    use crate::domain::plan::PlanChangeStatus;
    use crate::server::entities::plan_change;
    plan_change::Entity::update_many()
        .col_expr(plan_change::Column::Status, Expr::value(PlanChangeStatus::Cancelled.as_str()))
        .filter(plan_change::Column::OrgId.eq(org_id))
        .filter(plan_change::Column::Status.eq(PlanChangeStatus::Scheduled))
        .exec(&tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Create an organization with its creator as first Owner, and switch to it.
/// Its slug comes from its name, numbered when taken.
pub async fn create(db: &DatabaseConnection, creator: &User, name: String, kind: OrgKind) -> AppResult<OrgSummary> {
    let tx = begin_write(db).await?;
    let now = Utc::now();
    let base = Slug::for_org(&name);
    if tx.get_database_backend() == DbBackend::Postgres {
        // Two creations picking a slug at once would meet at the unique
        // index ("Acme" numbered to acme-2 while "Acme 2" is created), so
        // creations take turns; SQLite's write transaction already does.
        tx.execute_raw(Statement::from_string(DbBackend::Postgres, "SELECT pg_advisory_xact_lock(hashtextextended('plinth:org-slugs', 0))")).await?;
    }
    let slug = free_slug(&tx, &base).await?;
    let org = organization::ActiveModel {
        name: Set(name.clone()),
        slug: Set(slug.as_str().to_string()),
        kind: Set(kind),
        plan: Set(crate::domain::plan::PlanId::Free),
        billing_time_zone: Set("UTC".into()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&tx)
    .await?;
    membership::ActiveModel {
        org_id: Set(org.id),
        user_id: Set(creator.id.0),
        role: Set(OrgRole::Owner),
        invited_by: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&tx)
    .await?;
    set_current(&tx, creator, org.id).await?;
    audit::record(
        &tx,
        Change::new(org.id, creator, AuditAction::OrganizationCreated, name.clone()).after(json!({"name": name, "type": kind.as_str(), "slug": slug.as_str()})),
    )
    .await?;
    tx.commit().await?;
    Ok(OrgSummary { id: OrgId(org.id), slug, name: org.name, kind, role: OrgRole::Owner })
}

/// `base`, else `base-2`, `base-3`…: the first no organization has.
async fn free_slug(db: &impl ConnectionTrait, base: &Slug) -> AppResult<Slug> {
    let taken: std::collections::HashSet<String> = organization::Entity::find()
        .select_only()
        .column(organization::Column::Slug)
        .filter(
            sea_orm::Condition::any().add(organization::Column::Slug.eq(base.as_str())).add(organization::Column::Slug.like(format!("{}-%", base.as_str()))),
        )
        .into_tuple()
        .all(db)
        .await?
        .into_iter()
        .collect();
    Ok((1..).map(|n| base.numbered(n)).find(|s| !taken.contains(s.as_str())).unwrap_or_else(|| base.clone()))
}

pub async fn set_current(db: &impl ConnectionTrait, user: &User, org_id: i64) -> AppResult<()> {
    user::ActiveModel { id: Set(user.id.0), current_org_id: Set(Some(org_id)), ..Default::default() }.update(db).await?;
    Ok(())
}

/// Every organization's id and name, by id (for operator commands).
pub async fn all_ids(db: &impl ConnectionTrait) -> AppResult<Vec<(i64, String)>> {
    Ok(organization::Entity::find().order_by_asc(organization::Column::Id).all(db).await?.into_iter().map(|o| (o.id, o.name)).collect())
}

/// Every organization `user` belongs to, by name (one query: it runs on every page).
pub async fn list_for(db: &impl ConnectionTrait, user: &User) -> AppResult<Vec<OrgSummary>> {
    let rows = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user.id.0))
        .find_also_related(organization::Entity)
        .order_by_asc(organization::Column::Name)
        .order_by_asc(organization::Column::Id)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(m, o)| o.map(|o| OrgSummary { id: OrgId(o.id), slug: Slug::stored(o.slug), name: o.name, kind: o.kind, role: m.role }))
        .collect())
}

pub async fn member_count(db: &impl ConnectionTrait, org_id: i64) -> AppResult<u64> {
    Ok(membership::Entity::find().filter(membership::Column::OrgId.eq(org_id)).count(db).await?)
}

pub async fn update(db: &DatabaseConnection, ctx: &OrgCtx, name: String, kind: OrgKind) -> AppResult<()> {
    let tx = begin_org_write(db, ctx.org.id).await?;
    let before = json!({"name": ctx.org.name, "type": ctx.org.kind});
    organization::ActiveModel { id: Set(ctx.org.id), name: Set(name.clone()), kind: Set(kind), updated_at: Set(Utc::now()), ..Default::default() }
        .update(&tx)
        .await?;
    audit::record(
        &tx,
        Change::new(ctx.org.id, &ctx.user, AuditAction::OrganizationUpdated, name.clone()).before(before).after(json!({"name": name, "type": kind.as_str()})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The zone whose midnights start the organization's billing periods.
pub async fn set_billing_zone(db: &DatabaseConnection, ctx: &OrgCtx, zone: &str) -> AppResult<()> {
    let tx = begin_org_write(db, ctx.org.id).await?;
    let before = organization::Entity::find_by_id(ctx.org.id).one(&tx).await?.map(|o| o.billing_time_zone).unwrap_or_default();
    if before != zone {
        organization::ActiveModel { id: Set(ctx.org.id), billing_time_zone: Set(zone.to_string()), updated_at: Set(Utc::now()), ..Default::default() }
            .update(&tx)
            .await?;
        let change = Change::new(ctx.org.id, &ctx.user, AuditAction::OrganizationUpdated, ctx.org.name.clone())
            .before(json!({"billing_time_zone": before}))
            .after(json!({"billing_time_zone": zone}));
        audit::record(&tx, change).await?;
    }
    tx.commit().await?;
    Ok(())
}

pub async fn deletion_preview(db: &impl ConnectionTrait, ctx: &OrgCtx) -> AppResult<DeletionPreview> {
    let org_id = ctx.org.id;
    Ok(DeletionPreview {
        name: ctx.org.name.clone(),
        projects: project::Entity::find().filter(project::Column::OrgId.eq(org_id)).count(db).await?,
        members: member_count(db, org_id).await?,
        invitations: invitation::Entity::find().filter(invitation::Column::OrgId.eq(org_id)).count(db).await?,
        groups: project_group::Entity::find().filter(project_group::Column::OrgId.eq(org_id)).count(db).await?,
        // API keys, usage events and invoices arrive with their features.
        api_keys: 0,
        usage_events: 0,
        invoices: 0,
    })
}

/// Delete the organization and everything in it, all or nothing. The
/// database's ON DELETE CASCADE removes the rows that hang off it.
pub async fn delete(db: &DatabaseConnection, ctx: &OrgCtx, confirm_name: &str) -> AppResult<()> {
    if confirm_name.trim() != ctx.org.name {
        return Err(AppError::invalid("Type the organization's name exactly to confirm."));
    }
    let tx = begin_org_write(db, ctx.org.id).await?;
    user::Entity::update_many()
        .col_expr(user::Column::CurrentOrgId, Expr::value(Option::<i64>::None))
        .filter(user::Column::CurrentOrgId.eq(ctx.org.id))
        .exec(&tx)
        .await?;
    // Keys first, then projects, then the event meters: ingestion holds a
    // key, then the meter and its project, and taking them in another
    // order here would deadlock with it on PostgreSQL.
    let projects = project::Entity::find().select_only().column(project::Column::Id).filter(project::Column::OrgId.eq(ctx.org.id)).into_query();
    crate::server::repo::api_keys::lock_keys_of(&tx, projects).await?;
    project::Entity::delete_many().filter(project::Column::OrgId.eq(ctx.org.id)).exec(&tx).await?;
    usage_meter::Entity::delete_many().filter(usage_meter::Column::OrgId.eq(ctx.org.id)).exec(&tx).await?;
    let deleted = organization::Entity::delete_by_id(ctx.org.id).exec(&tx).await?;
    if deleted.rows_affected != 1 {
        return Err(AppError::NotFound("Organization".into()));
    }
    tx.commit().await?;
    tracing::info!(org_id = ctx.org.id, by = ctx.user.id.0, "organization deleted");
    Ok(())
}
