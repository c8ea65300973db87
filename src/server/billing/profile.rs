//! The organization's payment method and billing contact. Plinth charges
//! nothing: it keeps what an invoice shows (the card's brand, last four
//! digits and expiry, the contact, the address), never a card number.
use crate::domain::audit::AuditAction;
use crate::domain::card::Card;
use crate::domain::{Email, billing::PaymentInfo};
use crate::error::{AppError, AppResult};
use crate::server::entities::billing_profile;
use crate::server::guard::OrgCtx;
use crate::server::repo::audit::{self, Change};
use crate::server::repo::begin_org_write;
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, Set};
use serde_json::json;

pub async fn load(db: &impl ConnectionTrait, org_id: i64) -> AppResult<PaymentInfo> {
    let Some(p) = billing_profile::Entity::find_by_id(org_id).one(db).await? else { return Ok(PaymentInfo::default()) };
    let card = match (p.card_brand, p.card_last4, p.card_exp_month, p.card_exp_year, p.card_name) {
        (Some(brand), Some(last4), Some(m), Some(y), Some(name)) => Some(Card { brand, last4, exp_month: m.max(1) as u32, exp_year: y, name }),
        _ => None,
    };
    Ok(PaymentInfo { card, contact_email: p.contact_email.unwrap_or_default(), address: p.address.unwrap_or_default() })
}

/// The profile row, created empty if the organization has none.
async fn row(tx: &DatabaseTransaction, org_id: i64) -> AppResult<billing_profile::Model> {
    if let Some(p) = billing_profile::Entity::find_by_id(org_id).one(tx).await? {
        return Ok(p);
    }
    let empty = billing_profile::ActiveModel {
        org_id: Set(org_id),
        card_brand: Set(None),
        card_last4: Set(None),
        card_exp_month: Set(None),
        card_exp_year: Set(None),
        card_name: Set(None),
        contact_email: Set(None),
        address: Set(None),
        updated_at: Set(Utc::now()),
    };
    Ok(empty.insert(tx).await?)
}

/// Keep `card` (already checked, its number dropped) in place of any other.
pub async fn save_card(db: &DatabaseConnection, ctx: &OrgCtx, card: Card) -> AppResult<()> {
    let tx = begin_org_write(db, ctx.org.id).await?;
    let before = row(&tx, ctx.org.id).await?;
    billing_profile::ActiveModel {
        org_id: Set(ctx.org.id),
        card_brand: Set(Some(card.brand.clone())),
        card_last4: Set(Some(card.last4.clone())),
        card_exp_month: Set(Some(card.exp_month as i32)),
        card_exp_year: Set(Some(card.exp_year)),
        card_name: Set(Some(card.name.clone())),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .update(&tx)
    .await?;
    let was = before.card_last4.map(|l| json!({"brand": before.card_brand, "last4": l}));
    let change = Change::new(ctx.org.id, &ctx.user, AuditAction::PaymentMethodSaved, card.label())
        .before(was.unwrap_or(serde_json::Value::Null))
        .after(json!({"brand": card.brand, "last4": card.last4, "expiry": card.expiry()}));
    audit::record(&tx, change).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn remove_card(db: &DatabaseConnection, ctx: &OrgCtx) -> AppResult<()> {
    let tx = begin_org_write(db, ctx.org.id).await?;
    let before = row(&tx, ctx.org.id).await?;
    let Some(last4) = before.card_last4 else { return Err(AppError::NotFound("Payment method".into())) };
    billing_profile::ActiveModel {
        org_id: Set(ctx.org.id),
        card_brand: Set(None),
        card_last4: Set(None),
        card_exp_month: Set(None),
        card_exp_year: Set(None),
        card_name: Set(None),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .update(&tx)
    .await?;
    let label = format!("{} •••• {last4}", before.card_brand.clone().unwrap_or_default());
    audit::record(
        &tx,
        Change::new(ctx.org.id, &ctx.user, AuditAction::PaymentMethodRemoved, label).before(json!({"brand": before.card_brand, "last4": last4})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The address an invoice is made out to: up to 500 characters over up to
/// 8 lines, nothing invisible.
pub fn parse_address(raw: &str) -> AppResult<String> {
    let text = raw.trim().replace("\r\n", "\n");
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    if text.chars().count() > 500 || lines.len() > 8 || lines.iter().any(|l| crate::domain::text::has_hidden(l)) {
        return Err(AppError::invalid("The billing address can be up to 8 lines and 500 characters, without control or invisible characters."));
    }
    Ok(lines.join("\n"))
}

/// Who receives invoices, and the address they are made out to.
pub async fn save_contact(db: &DatabaseConnection, ctx: &OrgCtx, email: Option<Email>, address: String) -> AppResult<()> {
    let tx = begin_org_write(db, ctx.org.id).await?;
    let before = row(&tx, ctx.org.id).await?;
    let email = email.map(|e| e.as_str().to_string());
    billing_profile::ActiveModel {
        org_id: Set(ctx.org.id),
        contact_email: Set(email.clone()),
        address: Set(Some(address.clone()).filter(|a| !a.is_empty())),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .update(&tx)
    .await?;
    let change = Change::new(ctx.org.id, &ctx.user, AuditAction::BillingContactUpdated, ctx.org.name.clone())
        .before(json!({"email": before.contact_email, "address": before.address}))
        .after(json!({"email": email, "address": address}));
    audit::record(&tx, change).await?;
    tx.commit().await?;
    Ok(())
}
