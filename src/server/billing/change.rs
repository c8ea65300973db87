//! Changing an organization's plan (the Billing page). An upgrade applies at
//! once, with the price difference for the rest of the period prorated by
//! day (kept on the change, for the period's invoice); a downgrade applies
//! when the period ends (`jobs::Job::PlanChanges`), and is refused while the
//! organization holds more than the lower plan allows. A change carries the
//! client's idempotency key: the same change sent twice is made once.
use crate::domain::audit::AuditAction;
use crate::domain::billing::{ChangePreview, IdempotencyKey, LimitUse, Scheduled, prorate};
use crate::domain::plan::{Limit, Plan, PlanChangeStatus, PlanId, Plans};
use crate::error::{AppError, AppResult};
use crate::server::billing::{count, period};
use crate::server::entities::{organization, plan_change, user};
use crate::server::guard::OrgCtx;
use crate::server::repo::audit::{self, Change};
use crate::server::repo::begin_org_write;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;

/// Whether going from `from` to `to` is an upgrade: a dearer plan, or at
/// the same price a higher one.
fn is_upgrade(from: &Plan, to: &Plan) -> bool {
    (to.monthly_cents, to.id) > (from.monthly_cents, from.id)
}

/// How much of each limit the organization holds now.
pub async fn usage(db: &impl ConnectionTrait, plan: &Plan, org_id: i64) -> AppResult<Vec<LimitUse>> {
    let mut out = Vec::new();
    for limit in [Limit::Members, Limit::Projects, Limit::ApiKeys, Limit::EventsPerMonth] {
        out.push(LimitUse { limit, used: count(db, org_id, limit, &[]).await?, max: plan.limits.get(limit) });
    }
    Ok(out)
}

/// What the organization holds beyond `to`'s limits, one sentence each.
/// Events are not counted: a downgrade starts with a new period.
async fn blockers(db: &impl ConnectionTrait, to: &Plan, org_id: i64) -> AppResult<Vec<String>> {
    let mut out = Vec::new();
    for u in usage(db, to, org_id).await? {
        match (u.limit, u.max) {
            (Limit::EventsPerMonth, _) | (_, None) => {}
            (limit, Some(max)) if u.used > max => out.push(format!(
                "{} holds {} {}, and {} allows {max}{}.",
                "The organization",
                u.used,
                limit.label(),
                to.name,
                if limit == Limit::Members { " (invitations waiting count)" } else { "" }
            )),
            _ => {}
        }
    }
    Ok(out)
}

/// What changing to `to` would do now.
pub async fn preview(db: &impl ConnectionTrait, plans: &Plans, org: &organization::Model, to: PlanId) -> AppResult<ChangePreview> {
    if org.plan == to {
        return Err(AppError::Conflict(format!("The organization is on {} already.", plans.get(to).name)));
    }
    let (from, to) = (plans.get(org.plan).clone(), plans.get(to).clone());
    let tz = period::zone_of(org);
    let now = Utc::now();
    let p = period::containing(now, tz);
    let (days_left, days) = period::days_left(now, tz);
    let upgrade = is_upgrade(&from, &to);
    let difference = to.monthly_cents - from.monthly_cents;
    let effective_at = if upgrade { now } else { p.end };
    Ok(ChangePreview {
        upgrade,
        effective_at,
        effective_label: period::day_label(effective_at, tz),
        key: uuid::Uuid::new_v4().to_string(),
        monthly_difference_cents: difference,
        prorated_cents: if upgrade { prorate(difference, days_left, days) } else { 0 },
        days_left,
        days_in_period: days,
        blockers: if upgrade { Vec::new() } else { blockers(db, &to, org.id).await? },
        from,
        to,
    })
}

/// What the Owner confirmed: the plan changed from, and the price shown.
pub struct Confirmed {
    pub from: PlanId,
    pub prorated_cents: i64,
}

/// Change the plan as the confirmation said, once per idempotency key. If
/// the plan or the price moved since it was shown (another tab changed the
/// plan, a day passed), nothing changes and the Owner looks again (409).
pub async fn change(db: &DatabaseConnection, ctx: &OrgCtx, to: PlanId, confirmed: Confirmed, key: &IdempotencyKey) -> AppResult<plan_change::Model> {
    let plans = &ctx.app.config.plans;
    let tx = begin_org_write(db, ctx.org.id).await?;
    let done = plan_change::Entity::find()
        .filter(plan_change::Column::OrgId.eq(ctx.org.id))
        .filter(plan_change::Column::IdempotencyKey.eq(key.as_str()))
        .one(&tx)
        .await?;
    if let Some(done) = done {
        // The same request again (a double click, a retry): its answer again.
        return if done.to_plan == to { Ok(done) } else { Err(AppError::Conflict("This change was already made with another plan; reload the page.".into())) };
    }
    apply_due_in(&tx, ctx.org.id, Utc::now()).await?;
    let org = organization::Entity::find_by_id(ctx.org.id).one(&tx).await?.ok_or_else(|| AppError::NotFound("Organization".into()))?;
    let preview = preview(&tx, plans, &org, to).await?;
    if org.plan != confirmed.from || preview.prorated_cents != confirmed.prorated_cents {
        return Err(AppError::Conflict("The plan or its price changed since this confirmation was shown: look at it again before you confirm.".into()));
    }
    if !preview.blockers.is_empty() {
        return Err(AppError::Conflict(format!("{} cannot start yet: {}", preview.to.name, preview.blockers.join(" "))));
    }
    // A new change replaces a downgrade that was waiting.
    plan_change::Entity::update_many()
        .col_expr(plan_change::Column::Status, Expr::value(PlanChangeStatus::Cancelled.as_str()))
        .filter(plan_change::Column::OrgId.eq(org.id))
        .filter(plan_change::Column::Status.eq(PlanChangeStatus::Scheduled))
        .exec(&tx)
        .await?;
    let now = Utc::now();
    let status = if preview.upgrade { PlanChangeStatus::Applied } else { PlanChangeStatus::Scheduled };
    let row = plan_change::ActiveModel {
        org_id: Set(org.id),
        from_plan: Set(org.plan),
        to_plan: Set(to),
        status: Set(status),
        idempotency_key: Set(key.as_str().to_string()),
        requested_by: Set(Some(ctx.user.id.0)),
        requested_at: Set(now),
        effective_at: Set(preview.effective_at),
        prorated_cents: Set(preview.prorated_cents),
        ..Default::default()
    }
    .insert(&tx)
    .await?;
    let (action, after) = if preview.upgrade {
        organization::ActiveModel { id: Set(org.id), plan: Set(to), updated_at: Set(now), ..Default::default() }.update(&tx).await?;
        (AuditAction::PlanChanged, json!({"plan": to.as_str(), "prorated_cents": preview.prorated_cents}))
    } else {
        (AuditAction::PlanChangeScheduled, json!({"plan": to.as_str(), "at": preview.effective_at}))
    };
    audit::record(&tx, Change::new(org.id, &ctx.user, action, preview.to.name.clone()).before(json!({"plan": org.plan.as_str()})).after(after)).await?;
    tx.commit().await?;
    Ok(row)
}

/// Take back a downgrade that is waiting for the period's end.
pub async fn cancel(db: &DatabaseConnection, ctx: &OrgCtx) -> AppResult<()> {
    let tx = begin_org_write(db, ctx.org.id).await?;
    // One already due is applied, not taken back (the job may lag a minute).
    apply_due_in(&tx, ctx.org.id, Utc::now()).await?;
    let waiting = scheduled_change(&tx, ctx.org.id).await?.ok_or_else(|| AppError::NotFound("Scheduled plan change".into()))?;
    plan_change::ActiveModel { id: Set(waiting.id), status: Set(PlanChangeStatus::Cancelled), ..Default::default() }.update(&tx).await?;
    let name = ctx.app.config.plans.get(waiting.to_plan).name.clone();
    audit::record(
        &tx,
        Change::new(ctx.org.id, &ctx.user, AuditAction::PlanChangeCancelled, name)
            .before(json!({"plan": waiting.to_plan.as_str(), "at": waiting.effective_at})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn scheduled_change(db: &impl ConnectionTrait, org_id: i64) -> AppResult<Option<plan_change::Model>> {
    Ok(plan_change::Entity::find()
        .filter(plan_change::Column::OrgId.eq(org_id))
        .filter(plan_change::Column::Status.eq(PlanChangeStatus::Scheduled))
        .order_by_desc(plan_change::Column::Id)
        .one(db)
        .await?)
}

/// The downgrade waiting for the period's end, as the page shows it.
pub async fn scheduled(db: &impl ConnectionTrait, plans: &Plans, org_id: i64) -> AppResult<Option<Scheduled>> {
    let Some(org) = organization::Entity::find_by_id(org_id).one(db).await? else { return Ok(None) };
    Ok(scheduled_change(db, org_id).await?.map(|c| Scheduled {
        to: c.to_plan,
        to_name: plans.get(c.to_plan).name.clone(),
        at: c.effective_at,
        at_label: period::day_label(c.effective_at, period::zone_of(&org)),
    }))
}

/// Apply the scheduled changes due at `now`, each in its organization's
/// write transaction and checked again there, so two instances apply each
/// once. One that fails is logged and left for the next run; the others go
/// on. Returns how many were applied and how many failed.
pub async fn apply_due(db: &DatabaseConnection, now: DateTime<Utc>) -> AppResult<(u64, u64)> {
    let due: Vec<i64> = plan_change::Entity::find()
        .filter(plan_change::Column::Status.eq(PlanChangeStatus::Scheduled))
        .filter(plan_change::Column::EffectiveAt.lte(now))
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.org_id)
        .collect();
    let (mut applied, mut failed) = (0, 0);
    for org_id in due {
        let one = async {
            let tx = begin_org_write(db, org_id).await?;
            let n = apply_due_in(&tx, org_id, now).await?;
            tx.commit().await?;
            AppResult::Ok(n)
        };
        match one.await {
            Ok(n) => applied += n,
            Err(e) => {
                failed += 1;
                tracing::warn!(org_id, error = %e, "a scheduled plan change could not be applied");
            }
        }
    }
    Ok((applied, failed))
}

/// Inside an organization's write transaction: apply its scheduled change
/// if due. One whose starting plan is no longer the organization's (the
/// plan was set another way since) is cancelled instead. Audited in the
/// name of whoever asked for it.
async fn apply_due_in(tx: &DatabaseTransaction, org_id: i64, now: DateTime<Utc>) -> AppResult<u64> {
    let Some(change) = scheduled_change(tx, org_id).await?.filter(|c| c.effective_at <= now) else { return Ok(0) };
    let org = organization::Entity::find_by_id(org_id).one(tx).await?.ok_or_else(|| AppError::NotFound("Organization".into()))?;
    if org.plan != change.from_plan {
        plan_change::ActiveModel { id: Set(change.id), status: Set(PlanChangeStatus::Cancelled), ..Default::default() }.update(tx).await?;
        return Ok(0);
    }
    organization::ActiveModel { id: Set(org_id), plan: Set(change.to_plan), updated_at: Set(now), ..Default::default() }.update(tx).await?;
    plan_change::ActiveModel { id: Set(change.id), status: Set(PlanChangeStatus::Applied), ..Default::default() }.update(tx).await?;
    let requester = match change.requested_by {
        Some(id) => user::Entity::find_by_id(id).one(tx).await?,
        None => None,
    };
    if let Some(u) = requester {
        let actor = crate::domain::User { id: crate::domain::UserId(u.id), name: u.name, email: u.email };
        let entry = Change::new(org_id, &actor, AuditAction::PlanChanged, change.to_plan.as_str())
            .before(json!({"plan": change.from_plan.as_str()}))
            .after(json!({"plan": change.to_plan.as_str(), "scheduled_at": change.requested_at}));
        audit::record(tx, entry).await?;
    }
    Ok(1)
}

/// The plan whose limits hold now: the current one, or, while a downgrade
/// waits, each limit at the lower of the two, so nothing is added that the
/// downgrade would then hold over its limits.
pub async fn binding_limits(db: &impl ConnectionTrait, plans: &Plans, org: &organization::Model) -> AppResult<Plan> {
    let mut plan = plans.get(org.plan).clone();
    if let Some(next) = scheduled_change(db, org.id).await? {
        let lower = &plans.get(next.to_plan).limits;
        for limit in Limit::ALL {
            let stricter = match (plan.limits.get(limit), lower.get(limit)) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            plan.limits.set(limit, stricter);
        }
    }
    Ok(plan)
}
