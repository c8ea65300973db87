//! The audit log, for Owners and Admins.
use crate::domain::audit::{AuditChain, AuditPage};
use crate::error::AppError;
use leptos::prelude::*;

pub const AUDIT_PAGE_SIZE: u64 = 50;

#[server(endpoint = "audit/page")]
pub async fn load_audit_page(org: crate::domain::project::Slug, action: Option<String>, page: u64) -> Result<AuditPage, AppError> {
    use crate::api::prelude::*;
    use crate::domain::audit::AuditAction;
    let ctx = guard::org_at(&org, OrgAction::ViewAuditLog).await?;
    let db = ctx.db();
    let page = crate::domain::paging::PageNumber::parse(page)?.get();
    let action = match action.as_deref() {
        None | Some("") => None,
        Some(name) => Some(AuditAction::parse(name).ok_or_else(|| AppError::invalid("Choose an action from the list."))?),
    };
    let (entries, total) = repo::audit::page(db, ctx.org.id, action, page, AUDIT_PAGE_SIZE).await?;
    Ok(AuditPage { entries, total, page, page_size: AUDIT_PAGE_SIZE })
}

/// Walk the organization's audit hash chain since its last checkpoint (see `repo::audit`).
#[server(endpoint = "audit/verify")]
pub async fn verify_audit_chain(org: crate::domain::project::Slug) -> Result<AuditChain, AppError> {
    use crate::api::prelude::*;
    let ctx = guard::org_at(&org, OrgAction::ViewAuditLog).await?;
    let db = ctx.db();
    repo::audit::verify_since_checkpoint(db, ctx.org.id).await
}
