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
    let tz = period::zone_of(&ctx.org);
    let p = period::containing(chrono::Utc::now(), tz);
    Ok(BillingOverview {
        usage: change::usage(ctx.db(), &plan, ctx.org.id).await?,
        scheduled: change::scheduled(ctx.db(), plans, ctx.org.id).await?,
        payment: crate::server::billing::profile::load(ctx.db(), ctx.org.id).await?,
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

/// Upgrade at once, or downgrade at the period's end, as confirmed: from
/// `from`, at `prorated_cents` for the rest of the period; once per
/// `idempotency_key`. Answers what happened, in a sentence.
#[server(endpoint = "billing/change")]
pub async fn change_plan(org_id: OrgId, plan: PlanId, from: PlanId, prorated_cents: i64, idempotency_key: IdempotencyKey) -> Result<String, AppError> {
    use crate::api::prelude::*;
    use crate::server::billing::change;
    let ctx = guard::org_for(org_id, OrgAction::ManageOrganization).await?;
    let done = change::change(ctx.db(), &ctx, plan, change::Confirmed { from, prorated_cents }, &idempotency_key).await?;
    let name = &ctx.app.config.plans.get(plan).name;
    Ok(match done.status {
        crate::domain::plan::PlanChangeStatus::Scheduled => format!("{name} starts when this period ends."),
        _ => format!("You are on {name} now."),
    })
}

/// Keep the current plan: take back a downgrade waiting for the period's end.
#[server(endpoint = "billing/cancel-change")]
pub async fn cancel_plan_change(org_id: OrgId) -> Result<(), AppError> {
    use crate::api::prelude::*;
    let ctx = guard::org_for(org_id, OrgAction::ManageOrganization).await?;
    crate::server::billing::change::cancel(ctx.db(), &ctx).await
}

/// Keep a card's brand, last four digits, expiry and name (the number is
/// checked, then dropped). Plinth charges nothing.
#[server(endpoint = "billing/card")]
pub async fn save_card(org_id: OrgId, number: String, expiry: String, name: String) -> Result<(), AppError> {
    use crate::api::prelude::*;
    use chrono::Datelike;
    let ctx = guard::org_for(org_id, OrgAction::ManageOrganization).await?;
    let today = chrono::Utc::now().date_naive();
    let card = crate::domain::card::Card::parse(&number, &expiry, &name, (today.year(), today.month()))?;
    drop(number);
    crate::server::billing::profile::save_card(ctx.db(), &ctx, card).await
}

#[server(endpoint = "billing/remove-card")]
pub async fn remove_card(org_id: OrgId) -> Result<(), AppError> {
    use crate::api::prelude::*;
    let ctx = guard::org_for(org_id, OrgAction::ManageOrganization).await?;
    crate::server::billing::profile::remove_card(ctx.db(), &ctx).await
}

/// Who receives invoices (empty: nobody named) and the address on them.
#[server(endpoint = "billing/contact")]
pub async fn save_billing_contact(org_id: OrgId, email: String, address: String) -> Result<(), AppError> {
    use crate::api::prelude::*;
    let ctx = guard::org_for(org_id, OrgAction::ManageOrganization).await?;
    let email = match email.trim() {
        "" => None,
        e => Some(crate::domain::Email::parse(e)?),
    };
    let address = crate::server::billing::profile::parse_address(&address)?;
    crate::server::billing::profile::save_contact(ctx.db(), &ctx, email, address).await
}
