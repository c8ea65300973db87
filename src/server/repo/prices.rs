//! The model price catalog an organization's events are costed with: the
//! built-in prices, overridden by the organization's own, each in force from
//! its `effective_from` until the next version of the same model.
use crate::domain::audit::AuditAction;
use crate::domain::money::{Nanos, token_cost};
use crate::domain::prices::PriceRow;
use crate::domain::usage::CostSource;
use crate::error::AppResult;
use crate::server::entities::model_price;
use crate::server::guard::OrgCtx;
use crate::server::repo::audit::{self, Change};
use crate::server::repo::begin_org_write;
use crate::server::repo::conflict_on_unique;
use crate::server::usage::intake::NewEvent;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;

/// How a call is priced. A call that names its provider takes that
/// provider's version in force. One that names none takes, among the
/// versions in force at its time, the model's default provider (the newest
/// version marked as default, the organization's own before built-in ones),
/// else the only provider that prices the model; with several and no
/// default it stays unpriced, and says why.
#[derive(Debug, PartialEq)]
pub enum Pricing<'a> {
    Priced(&'a model_price::Model),
    NoPrice,
    /// Several providers price the model then, and none is the default.
    Ambiguous(Vec<String>),
}

impl Pricing<'_> {
    /// Why a call has no cost, in the words the request page shows.
    pub fn unpriced_reason(&self, model: &str) -> Option<String> {
        match self {
            Pricing::Priced(_) => None,
            Pricing::NoPrice => Some(format!("No price for {model} was in force at the time of this call. Add one on the Prices page, then recompute.")),
            Pricing::Ambiguous(providers) => Some(format!(
                "This call names no provider, and {model} has prices from {} with none marked as the default. Send the provider with each call, or add a price marked as the default, then recompute.",
                providers.join(", ")
            )),
        }
    }
}

/// Every price an organization's events may use, loaded once per request.
#[derive(Debug, Default)]
pub struct Catalog {
    /// Sorted by (provider, model, effective_from).
    prices: Vec<model_price::Model>,
}

impl Catalog {
    pub async fn load(db: &impl ConnectionTrait, org_id: i64) -> AppResult<Self> {
        let prices = model_price::Entity::find()
            .filter(Condition::any().add(model_price::Column::OrgId.eq(org_id)).add(model_price::Column::OrgId.is_null()))
            .order_by_asc(model_price::Column::Provider)
            .order_by_asc(model_price::Column::Model)
            .order_by_asc(model_price::Column::EffectiveFrom)
            .all(db)
            .await?;
        Ok(Self { prices })
    }

    pub fn from_rows(mut prices: Vec<model_price::Model>) -> Self {
        prices.sort_by(|a, b| (&a.provider, &a.model, a.effective_from).cmp(&(&b.provider, &b.model, b.effective_from)));
        Self { prices }
    }

    /// How `model`'s call at `at` is priced, or why it is not (see
    /// [`Pricing`]). For one provider, the organization's own versions win
    /// over built-in ones for the time they cover.
    pub fn pricing(&self, provider: Option<&str>, model: &str, at: DateTime<Utc>) -> Pricing<'_> {
        let in_force = |p: &model_price::Model| p.model == model && p.effective_from <= at;
        // The newest version in force of one provider: its own, else built-in.
        let version = |provider: &str| {
            let of = |own: bool| self.prices.iter().rfind(|p| in_force(p) && p.provider == provider && p.org_id.is_some() == own);
            of(true).or_else(|| of(false))
        };
        if let Some(provider) = provider {
            return version(provider).map_or(Pricing::NoPrice, Pricing::Priced);
        }
        // No provider named: the newest default in force (the organization's
        // own over built-in ones), else the only provider in force.
        // Two providers marked as default from the same start are no default.
        let newest_defaults = |own: bool| {
            let marked = || self.prices.iter().filter(|p| in_force(p) && p.default_provider && p.org_id.is_some() == own);
            let newest = marked().map(|p| p.effective_from).max();
            let mut providers: Vec<&str> = marked().filter(|p| Some(p.effective_from) == newest).map(|p| p.provider.as_str()).collect();
            providers.dedup();
            providers
        };
        let defaults = Some(newest_defaults(true)).filter(|d| !d.is_empty()).unwrap_or_else(|| newest_defaults(false));
        match defaults.as_slice() {
            [] => {}
            [default] => return version(default).map_or(Pricing::NoPrice, Pricing::Priced),
            several => return Pricing::Ambiguous(several.iter().map(|p| p.to_string()).collect()),
        }
        let mut providers: Vec<&str> = self.prices.iter().filter(|p| in_force(p)).map(|p| p.provider.as_str()).collect();
        providers.dedup();
        match providers.as_slice() {
            [] => Pricing::NoPrice,
            [only] => version(only).map_or(Pricing::NoPrice, Pricing::Priced),
            several => Pricing::Ambiguous(several.iter().map(|p| p.to_string()).collect()),
        }
    }

    pub fn price_at(&self, provider: Option<&str>, model: &str, at: DateTime<Utc>) -> Option<&model_price::Model> {
        match self.pricing(provider, model, at) {
            Pricing::Priced(p) => Some(p),
            Pricing::NoPrice | Pricing::Ambiguous(_) => None,
        }
    }

    /// The cost an event carries: its own, else the catalog's, else zero
    /// and marked unpriced (a price added later fills it in).
    pub fn cost_of(&self, ev: &NewEvent) -> Result<(Nanos, CostSource), String> {
        if let Some(cost) = ev.reported_cost() {
            return Ok((cost, CostSource::Reported));
        }
        let (input, output) = ev.tokens();
        self.catalog_cost(ev.provider(), ev.model(), ev.occurred_at(), input, output)
    }

    pub fn catalog_cost(&self, provider: Option<&str>, model: &str, at: DateTime<Utc>, input: i64, output: i64) -> Result<(Nanos, CostSource), String> {
        match self.price_at(provider, model, at) {
            None => Ok((Nanos(0), CostSource::Unpriced)),
            Some(p) => token_cost(input, output, Nanos(p.input_per_million), Nanos(p.output_per_million))
                .map(|c| (c, CostSource::Catalog))
                .ok_or_else(|| "the cost of these tokens is too large to store".to_string()),
        }
    }
}

/// Every price version the organization's events may use, built-in and its
/// own, by provider, model and start.
pub async fn list(db: &impl ConnectionTrait, org_id: i64) -> AppResult<Vec<PriceRow>> {
    let catalog = Catalog::load(db, org_id).await?;
    Ok(catalog
        .prices
        .into_iter()
        .map(|p| PriceRow {
            id: p.id,
            built_in: p.org_id.is_none(),
            provider: p.provider,
            model: p.model,
            input: Nanos(p.input_per_million),
            output: Nanos(p.output_per_million),
            effective_from: p.effective_from,
            default_provider: p.default_provider,
        })
        .collect())
}

/// A checked new price version.
pub struct NewPrice {
    pub provider: String,
    pub model: String,
    pub input: Nanos,
    pub output: Nanos,
    pub effective_from: DateTime<Utc>,
    /// It prices the model's calls that name no provider.
    pub default_provider: bool,
}

/// A new version of a model's price for the organization, in force from
/// `effective_from`. One version per (provider, model, start).
pub async fn add(db: &DatabaseConnection, ctx: &OrgCtx, version: NewPrice) -> AppResult<()> {
    let NewPrice { provider, model, input, output, effective_from, default_provider } = version;
    let tx = begin_org_write(db, ctx.org.id).await?;
    model_price::ActiveModel {
        org_id: Set(Some(ctx.org.id)),
        provider: Set(provider.clone()),
        model: Set(model.clone()),
        input_per_million: Set(input.0),
        output_per_million: Set(output.0),
        effective_from: Set(effective_from),
        created_at: Set(Utc::now()),
        created_by: Set(Some(ctx.user.id.0)),
        default_provider: Set(default_provider),
        ..Default::default()
    }
    .insert(&tx)
    .await
    .map_err(|e| conflict_on_unique(e, "This model already has a price starting at that time; choose another start."))?;
    let after = json!({"provider": provider, "model": model, "input_per_million": input.usd_exact(), "output_per_million": output.usd_exact(), "effective_from": effective_from, "default_provider": default_provider});
    audit::record(&tx, Change::new(ctx.org.id, &ctx.user, AuditAction::ModelPriceAdded, format!("{provider}/{model}")).after(after)).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn price(id: i64, org: Option<i64>, provider: &str, model: &str, input: i64, from_day: u32) -> model_price::Model {
        let from = Utc.with_ymd_and_hms(2026, 11, from_day, 0, 0, 0).unwrap();
        model_price::Model {
            id,
            org_id: org,
            provider: provider.into(),
            model: model.into(),
            input_per_million: input,
            output_per_million: 0,
            effective_from: from,
            created_at: from,
            created_by: None,
            // Built-in prices are their maker's: each is its model's default.
            default_provider: org.is_none(),
        }
    }

    #[test]
    fn versions_apply_from_their_date_and_own_prices_win() {
        let c = Catalog::from_rows(vec![
            price(1, None, "openai", "gpt-4o", 100, 1),
            price(2, Some(7), "openai", "gpt-4o", 200, 10),
            price(3, Some(7), "openai", "gpt-4o", 300, 20),
            price(4, None, "azure", "gpt-4o", 50, 1),
            price(5, None, "openai", "o3", 1, 1),
        ]);
        let day = |d| Utc.with_ymd_and_hms(2026, 11, d, 12, 0, 0).unwrap();
        let id = |p: Option<&model_price::Model>| p.map(|p| p.id);
        assert_eq!(id(c.price_at(Some("openai"), "gpt-4o", day(5))), Some(1), "built-in before the own price starts");
        assert_eq!(id(c.price_at(Some("openai"), "gpt-4o", day(15))), Some(2));
        assert_eq!(id(c.price_at(Some("openai"), "gpt-4o", day(25))), Some(3));
        assert_eq!(c.pricing(None, "gpt-4o", day(25)), Pricing::Ambiguous(vec!["azure".into(), "openai".into()]), "two built-in defaults");
        assert_eq!(id(c.price_at(Some("anthropic"), "gpt-4o", day(25))), None);
        assert_eq!(id(c.price_at(Some("openai"), "unknown", day(25))), None);
        assert_eq!(id(c.price_at(Some("openai"), "gpt-4o", Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap())), None, "before any price");
    }

    /// The repro of issue 21: an Azure price that starts tomorrow must not
    /// re-price today's provider-less calls, nor tomorrow's.
    #[test]
    fn calls_without_a_provider_take_the_default_in_force() {
        let at = |d: u32, h: u32| Utc.with_ymd_and_hms(2026, 11, d, h, 0, 0).unwrap();
        fn id(p: Pricing<'_>) -> Result<i64, Pricing<'_>> {
            match p {
                Pricing::Priced(p) => Ok(p.id),
                other => Err(other),
            }
        }
        let mut rows = vec![price(1, None, "openai", "gpt-4o", 100, 1), price(2, Some(7), "azure", "gpt-4o", 50, 10)];
        let c = Catalog::from_rows(rows.clone());
        assert_eq!(id(c.pricing(None, "gpt-4o", at(9, 23))), Ok(1), "before Azure's start");
        assert_eq!(id(c.pricing(None, "gpt-4o", at(10, 0))), Ok(1), "at Azure's start: the built-in default, not the first by name");
        assert_eq!(id(c.pricing(Some("azure"), "gpt-4o", at(10, 0))), Ok(2), "a named provider is that provider's");
        assert_eq!(id(c.pricing(Some("azure"), "gpt-4o", at(9, 23))), Err(Pricing::NoPrice), "not before its start");
        // The organization makes Azure the default from the 20th.
        let mut azure_default = price(3, Some(7), "azure", "gpt-4o", 40, 20);
        azure_default.default_provider = true;
        rows.push(azure_default);
        let c = Catalog::from_rows(rows.clone());
        assert_eq!(id(c.pricing(None, "gpt-4o", at(19, 23))), Ok(1));
        assert_eq!(id(c.pricing(None, "gpt-4o", at(20, 0))), Ok(3), "the organization's own default wins over the built-in one");
        // A corrected OpenAI price (not marked) keeps OpenAI the default before the 20th.
        rows.push(price(4, Some(7), "openai", "gpt-4o", 120, 15));
        let c = Catalog::from_rows(rows);
        assert_eq!(id(c.pricing(None, "gpt-4o", at(16, 0))), Ok(4), "the default provider's newest version");
        // Two providers of the organization's own, no default: unpriced, with the reason.
        let c = Catalog::from_rows(vec![price(5, Some(7), "vllm", "llama", 1, 1), price(6, Some(7), "together", "llama", 2, 10)]);
        assert_eq!(id(c.pricing(None, "llama", at(5, 0))), Ok(5), "the only provider in force");
        let both = c.pricing(None, "llama", at(10, 0));
        assert_eq!(both, Pricing::Ambiguous(vec!["together".into(), "vllm".into()]));
        assert!(both.unpriced_reason("llama").unwrap().contains("together, vllm"));
        let before = Utc.with_ymd_and_hms(2026, 10, 31, 0, 0, 0).unwrap();
        assert!(c.pricing(None, "llama", before).unpriced_reason("llama").unwrap().contains("No price for llama"));
        assert_eq!(c.catalog_cost(None, "llama", at(10, 0), 1_000, 0), Ok((Nanos(0), CostSource::Unpriced)));
    }

    #[test]
    fn costs_come_from_the_event_then_the_catalog() {
        let c = Catalog::from_rows(vec![price(1, None, "openai", "gpt-4o", 2_500_000_000, 1)]);
        let at = Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap();
        assert_eq!(c.catalog_cost(Some("openai"), "gpt-4o", at, 1_000, 0), Ok((Nanos(2_500_000), CostSource::Catalog)));
        assert_eq!(c.catalog_cost(None, "other", at, 1_000, 0), Ok((Nanos(0), CostSource::Unpriced)));
        let huge = Catalog::from_rows(vec![price(1, None, "x", "m", i64::MAX, 1)]);
        assert!(huge.catalog_cost(None, "m", at, 1_000_000_000_000, 0).is_err());
    }
}
