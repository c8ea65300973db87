//! Plans and their limits. Every check that adds something an organization's
//! plan counts goes through `require_room`, inside the organization's write
//! transaction (`repo::begin_org_write`), so concurrent requests count each
//! other and no limit is passed.
pub mod change;
pub mod meter;
pub mod period;
pub mod plans;
pub mod profile;

use crate::domain::plan::{Limit, Plan, Plans};
use crate::error::{AppError, AppResult};
use crate::server::entities::{api_key, invitation, membership, organization, project};
use chrono::Utc;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect, QueryTrait};

/// Refuse to add `adding` of `limit` when the organization's plan has no
/// room, with an error that names the limit and where the plan changes.
/// `except_emails`: pending invitations that this change replaces.
pub async fn require_room(tx: &DatabaseTransaction, plans: &Plans, org_id: i64, limit: Limit, adding: u64, except_emails: &[&str]) -> AppResult<()> {
    // Read inside the transaction: a plan changed a moment ago counts.
    let org = organization::Entity::find_by_id(org_id).one(tx).await?.ok_or_else(|| AppError::NotFound("Organization".into()))?;
    let plan = change::binding_limits(tx, plans, &org).await?;
    if plan.limits.get(limit).is_none() {
        return Ok(());
    }
    let used = count(tx, org_id, limit, except_emails).await?;
    if plan.allows(limit, used, adding) {
        return Ok(());
    }
    Err(over(&plan, &org, limit, used))
}

/// The error for `limit` on `plan` with `used` held.
pub fn over(plan: &Plan, org: &organization::Model, limit: Limit, used: u64) -> AppError {
    let max = plan.limits.get(limit).unwrap_or(u64::MAX);
    let billing = crate::urls::org_path(&org.slug, "/billing");
    let message = match limit {
        Limit::Members => format!(
            "The {} plan includes {max} members (invitations waiting count too), and {} has {used}. An Owner can change the plan on the Billing page.",
            plan.name, org.name
        ),
        Limit::EventsPerMonth => format!(
            "The {} plan includes {max} events a month, and {} has stored {used} this period. An Owner can change the plan on the Billing page.",
            plan.name, org.name
        ),
        _ => format!("The {} plan includes {max} {}, and {} has {used}. An Owner can change the plan on the Billing page.", plan.name, limit.label(), org.name),
    };
    AppError::PlanLimit { limit, message, billing }
}

/// The refusal of a batch of `adding` new events with `used` stored this
/// period: it says how many would still fit.
pub fn over_events(plan: &Plan, org: &organization::Model, used: u64, adding: u64) -> AppError {
    let max = plan.limits.events_per_month.unwrap_or(u64::MAX);
    let left = max.saturating_sub(used);
    let room = if left == 0 { "none are left until the next period starts".to_string() } else { format!("{left} more fit this period") };
    let message = format!(
        "The {} plan includes {max} events a month, and {} has stored {used} this period: this batch's {adding} new events would pass it, so none were stored ({room}). An Owner can change the plan on the Billing page.",
        plan.name, org.name
    );
    AppError::PlanLimit { limit: Limit::EventsPerMonth, message, billing: crate::urls::org_path(&org.slug, "/billing") }
}

/// How much of a counted limit the organization holds now.
pub async fn count(db: &impl ConnectionTrait, org_id: i64, limit: Limit, except_emails: &[&str]) -> AppResult<u64> {
    let projects = || project::Entity::find().select_only().column(project::Column::Id).filter(project::Column::OrgId.eq(org_id)).into_query();
    Ok(match limit {
        Limit::Members => {
            let members = membership::Entity::find().filter(membership::Column::OrgId.eq(org_id)).count(db).await?;
            let waiting = invitation::Entity::find()
                .filter(invitation::Column::OrgId.eq(org_id))
                .filter(invitation::Column::AcceptedAt.is_null())
                .filter(invitation::Column::RevokedAt.is_null())
                .filter(invitation::Column::ExpiresAt.gt(Utc::now()))
                .filter(invitation::Column::Email.is_not_in(except_emails.iter().copied()))
                .count(db)
                .await?;
            members + waiting
        }
        Limit::Projects => project::Entity::find().filter(project::Column::OrgId.eq(org_id)).count(db).await?,
        // Keys that work and were not replaced by a rotation (the old key's
        // grace period must not make a rotation count twice).
        Limit::ApiKeys => {
            api_key::Entity::find()
                .filter(api_key::Column::ProjectId.in_subquery(projects()))
                .filter(api_key::Column::RevokedAt.is_null())
                .filter(api_key::Column::ReplacedBy.is_null())
                .filter(Condition::any().add(api_key::Column::ExpiresAt.is_null()).add(api_key::Column::ExpiresAt.gt(Utc::now())))
                .count(db)
                .await?
        }
        Limit::EventsPerMonth => meter::used_now(db, org_id).await?,
        Limit::StoredBytes => return Err(AppError::internal("stored bytes are not a counted limit")),
    })
}
