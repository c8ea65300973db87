//! The Billing page (Owners only): the plan, its limits in use, and
//! changing it. Each function guards, calls `server::billing`, returns.
use crate::domain::OrgId;
use crate::domain::billing::{BillingOverview, ChangePreview, IdempotencyKey};
use crate::domain::plan::PlanId;
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "billing/overview")]
pub async fn load_billing(org_id: OrgId) -> Result<BillingOverview, AppError> {
    use crate::api::prelude::*;
    use crate::server::billing::{change, period};
    let ctx = guard::org_for(org_id, OrgAction::ManageOrganization).await?;
    let plans = &ctx.app.config.plans;
    let plan = plans.get(ctx.org.plan).clone();
    let tz = period::parse_zone(&ctx.org.billing_time_zone).unwrap_or(chrono_tz::UTC);
    let p = period::containing(chrono::Utc::now(), tz);
    Ok(BillingOverview {
        usage: change::usage(ctx.db(), &plan, ctx.org.id).await?,
        scheduled: change::scheduled(ctx.db(), plans, ctx.org.id).await?,
        plans: plans.0.clone(),
        zone: tz.name().to_string(),
        period_start: p.start,
        period_end: p.end,
        period_label: p.label(tz),
        plan,
    })
}

/// What changing to `plan` would cost and when it would apply.
#[server(endpoint = "billing/preview")]
pub async fn preview_plan_change(org_id: OrgId, plan: PlanId) -> Result<ChangePreview, AppError> {
    use crate::api::prelude::*;
    let ctx = guard::org_for(org_id, OrgAction::ManageOrganization).await?;
    crate::server::billing::change::preview(ctx.db(), &ctx.app.config.plans, &ctx.org, plan).await
}

/// Upgrade at once, or downgrade at the period's end; once per `idempotency_key`.
#[server(endpoint = "billing/change")]
pub async fn change_plan(org_id: OrgId, plan: PlanId, idempotency_key: IdempotencyKey) -> Result<(), AppError> {
    use crate::api::prelude::*;
    let ctx = guard::org_for(org_id, OrgAction::ManageOrganization).await?;
    crate::server::billing::change::change(ctx.db(), &ctx, plan, &idempotency_key).await.map(|_| ())
}

/// Keep the current plan: take back a downgrade waiting for the period's end.
#[server(endpoint = "billing/cancel-change")]
pub async fn cancel_plan_change(org_id: OrgId) -> Result<(), AppError> {
    use crate::api::prelude::*;
    let ctx = guard::org_for(org_id, OrgAction::ManageOrganization).await?;
    crate::server::billing::change::cancel(ctx.db(), &ctx).await
}
