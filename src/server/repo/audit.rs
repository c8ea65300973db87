//! The audit log: who changed what in an organization, before and after.
use crate::domain::User;
use crate::error::AppResult;
use crate::server::entities::audit_entry;
use crate::domain::team::AuditEntry as Entry;
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set};
use serde_json::Value;

/// Record one change; call it inside the transaction that makes the change.
pub async fn record(
    db: &impl ConnectionTrait,
    org_id: i64,
    actor: &User,
    action: &str,
    target: impl Into<String>,
    before: Option<Value>,
    after: Option<Value>,
) -> AppResult<()> {
    let target: String = target.into().chars().take(300).collect();
    audit_entry::ActiveModel {
        org_id: Set(org_id),
        actor_id: Set(Some(actor.id.0)),
        actor_name: Set(actor.name.chars().take(100).collect()),
        action: Set(action.to_string()),
        target: Set(target),
        before: Set(before.map(|v| v.to_string())),
        after: Set(after.map(|v| v.to_string())),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

pub async fn page(db: &impl ConnectionTrait, org_id: i64, page: u64, per_page: u64) -> AppResult<(Vec<Entry>, u64)> {
    let q = audit_entry::Entity::find()
        .filter(audit_entry::Column::OrgId.eq(org_id))
        .order_by_desc(audit_entry::Column::CreatedAt)
        .order_by_desc(audit_entry::Column::Id);
    let pages = q.paginate(db, per_page);
    let total = pages.num_items().await?;
    let rows = pages.fetch_page(page).await?;
    Ok((
        rows.into_iter()
            .map(|r| Entry { id: r.id, actor: r.actor_name, action: r.action, target: r.target, before: r.before, after: r.after, at: r.created_at })
            .collect(),
        total,
    ))
}
