//! The organization's model price catalog: list, add a version, recompute
//! the costs of a model's events (Owners and Admins: `OrgAction::ManagePrices`).
use crate::domain::prices::{PriceList, RecomputeJob};
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "prices/list")]
pub async fn load_prices(org_id: i64) -> Result<PriceList, AppError> {
    use crate::api::prelude::*;
    let ctx = guard::org_for(crate::domain::OrgId(org_id), OrgAction::ManagePrices).await?;
    Ok(PriceList { org_id, rows: repo::prices::list(ctx.db(), ctx.org.id).await? })
}

#[server(endpoint = "prices/add")]
pub async fn add_price(
    org_id: i64,
    provider: String,
    model: String,
    input: String,
    output: String,
    effective_from: String,
    // A checkbox: present (`true`) when the price is the model's default for calls that name no provider.
    #[server(default)] default_provider: bool,
) -> Result<(), AppError> {
    use crate::api::prelude::*;
    use crate::domain::prices::{parse_effective, parse_name, parse_price};
    let ctx = guard::org_for(crate::domain::OrgId(org_id), OrgAction::ManagePrices).await?;
    let (provider, model) = (parse_name(&provider, "provider")?, parse_name(&model, "model")?);
    let (input, output) = (parse_price(&input, "input")?, parse_price(&output, "output")?);
    let from = parse_effective(&effective_from, chrono::Utc::now())?;
    let version = repo::prices::NewPrice { provider, model, input, output, effective_from: from, default_provider };
    repo::prices::add(ctx.db(), &ctx, version).await
}

/// Start recomputing a model's costs in the background (one at a time per
/// organization); `recompute_status` follows it.
#[server(endpoint = "prices/recompute")]
pub async fn recompute_costs(org_id: i64, model: String) -> Result<RecomputeJob, AppError> {
    use crate::api::prelude::*;
    let ctx = guard::org_for(crate::domain::OrgId(org_id), OrgAction::ManagePrices).await?;
    let model = crate::domain::prices::parse_name(&model, "model")?;
    repo::recompute::spawn(ctx.db(), ctx.org.id, ctx.user.clone(), model).await
}

/// The organization's newest recompute and how far it got.
#[server(endpoint = "prices/recompute/status")]
pub async fn recompute_status(org_id: i64) -> Result<Option<RecomputeJob>, AppError> {
    use crate::api::prelude::*;
    let ctx = guard::org_for(crate::domain::OrgId(org_id), OrgAction::ManagePrices).await?;
    repo::recompute::latest(ctx.db(), ctx.org.id).await
}
