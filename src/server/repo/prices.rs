//! The model price catalog an organization's events are costed with: the
//! built-in prices, overridden by the organization's own, each in force from
//! its `effective_from` until the next version of the same model.
use crate::domain::audit::AuditAction;
use crate::domain::money::{Nanos, token_cost};
use crate::domain::prices::{PriceRow, Recomputed};
use crate::domain::usage::{CostSource, NewEvent};
use crate::error::AppResult;
use crate::server::db::begin_write;
use crate::server::entities::model_price;
use crate::server::guard::OrgCtx;
use crate::server::repo::audit::{self, Change};
use crate::server::repo::conflict_on_unique;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;

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

    /// The price of `model` at `at`. With a provider, only that provider's;
    /// without one, the first provider (by name) that prices the model. The
    /// organization's own versions win over built-in ones for the time they
    /// cover.
    pub fn price_at(&self, provider: Option<&str>, model: &str, at: DateTime<Utc>) -> Option<&model_price::Model> {
        let provider = match provider {
            Some(p) => p,
            None => self.prices.iter().filter(|p| p.model == model).map(|p| p.provider.as_str()).min()?,
        };
        let in_force = |own: bool| {
            let versions = self.prices.iter().filter(|p| p.model == model && p.provider == provider && p.effective_from <= at);
            versions.filter(|p| p.org_id.is_some() == own).last()
        };
        in_force(true).or_else(|| in_force(false))
    }

    /// The cost an event carries: its own, else the catalog's, else zero
    /// and marked unpriced (a price added later fills it in).
    pub fn cost_of(&self, ev: &NewEvent) -> Result<(Nanos, CostSource), String> {
        if let Some(cost) = ev.cost {
            return Ok((cost, CostSource::Reported));
        }
        self.catalog_cost(ev.provider.as_deref(), &ev.model, ev.occurred_at, ev.input_tokens, ev.output_tokens)
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
        })
        .collect())
}

/// A new version of a model's price for the organization, in force from
/// `effective_from`. One version per (provider, model, start).
pub async fn add(
    db: &DatabaseConnection,
    ctx: &OrgCtx,
    provider: String,
    model: String,
    input: Nanos,
    output: Nanos,
    effective_from: DateTime<Utc>,
) -> AppResult<()> {
    let tx = begin_write(db).await?;
    model_price::ActiveModel {
        org_id: Set(Some(ctx.org.id)),
        provider: Set(provider.clone()),
        model: Set(model.clone()),
        input_per_million: Set(input.0),
        output_per_million: Set(output.0),
        effective_from: Set(effective_from),
        created_at: Set(Utc::now()),
        created_by: Set(Some(ctx.user.id.0)),
        ..Default::default()
    }
    .insert(&tx)
    .await
    .map_err(|e| conflict_on_unique(e, "This model already has a price starting at that time; choose another start."))?;
    let after = json!({"provider": provider, "model": model, "input_per_million": input.usd_exact(), "output_per_million": output.usd_exact(), "effective_from": effective_from});
    audit::record(&tx, Change::new(ctx.org.id, &ctx.user, AuditAction::ModelPriceAdded, format!("{provider}/{model}")).after(after)).await?;
    tx.commit().await?;
    Ok(())
}

/// Events read per round while recomputing.
const RECOMPUTE_CHUNK: u64 = 1_000;

/// Cost again, from the catalog as it is now, every event of the
/// organization for `model` (any provider) that did not report its own cost;
/// the rollups move by the same amounts, in the same transaction.
pub async fn recompute(db: &DatabaseConnection, org_id: i64, actor: Option<&crate::domain::account::User>, model: &str) -> AppResult<Recomputed> {
    use crate::server::entities::{project, usage_event};
    use crate::server::repo::rollups::{self, RollupKey};
    use sea_orm::{QuerySelect, sea_query::Expr};
    use std::collections::BTreeMap;
    let catalog = Catalog::load(db, org_id).await?;
    let tx = begin_write(db).await?;
    let projects: Vec<i64> =
        project::Entity::find().select_only().column(project::Column::Id).filter(project::Column::OrgId.eq(org_id)).into_tuple().all(&tx).await?;
    let mut done = Recomputed::default();
    for project_id in projects {
        let mut changes: BTreeMap<RollupKey, i64> = BTreeMap::new();
        let mut after_id = 0i64;
        loop {
            let events = usage_event::Entity::find()
                .filter(usage_event::Column::ProjectId.eq(project_id))
                .filter(usage_event::Column::Model.eq(model))
                .filter(usage_event::Column::CostSource.ne(CostSource::Reported))
                .filter(usage_event::Column::Id.gt(after_id))
                .order_by_asc(usage_event::Column::Id)
                .limit(RECOMPUTE_CHUNK)
                .all(&tx)
                .await?;
            let Some(last) = events.last() else { break };
            after_id = last.id;
            for e in events {
                done.events += 1;
                let Ok((cost, source)) = catalog.catalog_cost(e.provider.as_deref(), &e.model, e.occurred_at, e.input_tokens, e.output_tokens) else {
                    continue;
                };
                if cost.0 == e.cost_nanos && source == e.cost_source {
                    continue;
                }
                usage_event::Entity::update_many()
                    .col_expr(usage_event::Column::CostNanos, Expr::value(cost.0))
                    .col_expr(usage_event::Column::CostSource, Expr::value(source))
                    .filter(usage_event::Column::Id.eq(e.id))
                    .exec(&tx)
                    .await?;
                let delta = cost.0 - e.cost_nanos;
                done.changed += 1;
                done.delta = done.delta.saturating_add(delta);
                let key = RollupKey::new(e.hour, &e.model, e.assistant.as_deref(), e.end_user.as_deref(), e.environment.as_deref(), e.status);
                let slot = changes.entry(key).or_default();
                *slot = slot.saturating_add(delta);
            }
        }
        rollups::adjust_cost(&tx, project_id, changes).await?;
    }
    if let Some(user) = actor {
        let after = json!({"model": model, "events": done.events, "changed": done.changed, "delta": Nanos(done.delta).usd_exact()});
        audit::record(&tx, Change::new(org_id, user, AuditAction::CostsRecomputed, model.to_string()).after(after)).await?;
    }
    tx.commit().await?;
    Ok(done)
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
        assert_eq!(id(c.price_at(None, "gpt-4o", day(25))), Some(4), "without a provider: the first by name (azure)");
        assert_eq!(id(c.price_at(Some("anthropic"), "gpt-4o", day(25))), None);
        assert_eq!(id(c.price_at(Some("openai"), "unknown", day(25))), None);
        assert_eq!(id(c.price_at(Some("openai"), "gpt-4o", Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap())), None, "before any price");
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
