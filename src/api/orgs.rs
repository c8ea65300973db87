//! Organizations: the switcher, the dashboard, settings and deletion.
use crate::domain::OrgSummary;
use crate::domain::org::DeletionPreview;
use crate::domain::policy::{OrgAction, can};
use crate::domain::project::{Project, Slug};
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What the top navigation needs: the organization the URL names (or, on
/// pages outside one, the one the user last worked in) and the others.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgNav {
    pub current: Option<OrgSummary>,
    pub orgs: Vec<OrgSummary>,
}

impl OrgNav {
    /// The current organization, if the caller may take `action` in it: the
    /// same policy the server enforces decides what a page shows.
    pub fn current_for(self, action: OrgAction) -> Result<OrgSummary, AppError> {
        let org = self.current.ok_or_else(|| AppError::NotFound("Organization".into()))?;
        if can(org.role, action) { Ok(org) } else { Err(AppError::Forbidden) }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    pub org: OrgSummary,
    pub member_count: u64,
    pub projects: Vec<Project>,
    pub can_create_project: bool,
    pub can_invite: bool,
}

/// Opening a link to one of the user's organizations makes it their
/// current one: `/` and old links lead there next time. On a link to one
/// they are not in (or that does not exist, the same answer) there is no
/// current organization, and the switcher still lists their own to go to;
/// the page itself says "not found".
#[server(endpoint = "orgs/nav")]
pub async fn load_org_nav(org: Option<Slug>) -> Result<OrgNav, AppError> {
    use crate::api::prelude::*;
    let (user, st) = (require_user()?, state());
    let current = match org {
        Some(slug) => match guard::org_at(&slug, OrgAction::ViewDashboard).await {
            Ok(ctx) => {
                if guard::remembered_org_id() != Some(ctx.org.id) {
                    repo::orgs::set_current(ctx.db(), &ctx.user, ctx.org.id).await?;
                }
                Some(ctx.summary())
            }
            Err(AppError::NotFound(_)) => None,
            Err(e) => return Err(e),
        },
        None => guard::maybe_current_org().await?.map(|c| c.summary()),
    };
    Ok(OrgNav { current, orgs: repo::orgs::list_for(&st.db, &user).await? })
}

#[server(endpoint = "orgs/create")]
pub async fn create_org(name: String, kind: String) -> Result<OrgSummary, AppError> {
    use crate::api::prelude::*;
    let user = require_user()?;
    let name = crate::domain::org::parse_name(&name, "organization", 100)?;
    let kind = crate::domain::OrgKind::parse(&kind)?;
    // Anyone may sign up and create organizations; each new one brings fresh
    // per-organization allowances, so creating them is limited per user.
    let st = state();
    let slot = st.throttle.orgs_by_user.acquire(&user.id.0.to_string(), 1).map_err(|wait| {
        let limit = st.config.limits.orgs_per_user_day;
        AppError::TooManyRequests(crate::server::auth::throttle::wait_message(&format!("You may create {limit} organizations a day."), wait))
    })?;
    let org = match repo::orgs::create(&st.db, &user, name, kind).await {
        Ok(org) => org,
        Err(e) => {
            st.throttle.orgs_by_user.release(&user.id.0.to_string(), slot);
            return Err(e);
        }
    };
    leptos_axum::redirect(&crate::urls::org_path(&org.slug, ""));
    Ok(org)
}

/// An organization's dashboard, its home page.
#[server(endpoint = "orgs/dashboard")]
pub async fn load_dashboard(org: Slug) -> Result<Dashboard, AppError> {
    use crate::api::prelude::*;
    use crate::domain::policy::can;
    let ctx = guard::org_at(&org, OrgAction::ViewDashboard).await?;
    let db = ctx.db();
    Ok(Dashboard {
        member_count: repo::orgs::member_count(db, ctx.org.id).await?,
        projects: repo::projects::visible(db, &ctx).await?,
        can_create_project: can(ctx.role, OrgAction::CreateProject),
        can_invite: can(ctx.role, OrgAction::InviteMembers),
        org: ctx.summary(),
    })
}

#[server(endpoint = "orgs/update")]
pub async fn update_org(org_id: i64, name: String, kind: String) -> Result<(), AppError> {
    use crate::api::prelude::*;
    let ctx = guard::org_for(crate::domain::OrgId(org_id), OrgAction::ManageOrganization).await?;
    let name = crate::domain::org::parse_name(&name, "organization", 100)?;
    let kind = crate::domain::OrgKind::parse(&kind)?;
    repo::orgs::update(ctx.db(), &ctx, name, kind).await
}

/// The organization's billing settings, and the time zones to choose from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingZone {
    pub zone: String,
    pub zones: Vec<String>,
}

#[server(endpoint = "orgs/billing-zone")]
pub async fn load_billing_zone(org_id: crate::domain::OrgId) -> Result<BillingZone, AppError> {
    use crate::api::prelude::*;
    let ctx = guard::org_for(org_id, OrgAction::ManageOrganization).await?;
    // Region/City names only: `Etc/GMT+5` means UTC−5, and `US/…`, `EST`
    // and the like are old aliases (they still parse when typed).
    let legacy = ["Etc/", "US/", "Canada/", "Mexico/", "Brazil/", "Chile/", "SystemV/"];
    let zones = std::iter::once("UTC".to_string())
        .chain(chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).filter(|n| n.contains('/') && !legacy.iter().any(|l| n.starts_with(l))).map(str::to_string))
        .collect();
    Ok(BillingZone { zone: ctx.org.billing_time_zone.clone(), zones })
}

/// Billing periods start at 00:00 on the 1st in this IANA zone.
#[server(endpoint = "orgs/set-billing-zone")]
pub async fn set_billing_zone(org_id: crate::domain::OrgId, zone: String) -> Result<(), AppError> {
    use crate::api::prelude::*;
    let ctx = guard::org_for(org_id, OrgAction::ManageOrganization).await?;
    let zone = crate::server::billing::period::parse_zone(&zone)?;
    repo::orgs::set_billing_zone(ctx.db(), &ctx, zone.name()).await
}

#[server(endpoint = "orgs/deletion-preview")]
pub async fn load_deletion_preview(org_id: i64) -> Result<DeletionPreview, AppError> {
    use crate::api::prelude::*;
    let ctx = guard::org_for(crate::domain::OrgId(org_id), OrgAction::ManageOrganization).await?;
    repo::orgs::deletion_preview(ctx.db(), &ctx).await
}

#[server(endpoint = "orgs/delete")]
pub async fn delete_org(org_id: i64, confirm: String) -> Result<(), AppError> {
    use crate::api::prelude::*;
    let ctx = guard::org_for(crate::domain::OrgId(org_id), OrgAction::ManageOrganization).await?;
    repo::orgs::delete(ctx.db(), &ctx, &confirm).await?;
    leptos_axum::redirect("/");
    Ok(())
}

#[server(endpoint = "orgs/leave")]
pub async fn leave_org(org_id: i64) -> Result<(), AppError> {
    use crate::api::prelude::*;
    let ctx = guard::org_for(crate::domain::OrgId(org_id), OrgAction::Leave).await?;
    repo::team::leave(ctx.db(), &ctx).await?;
    leptos_axum::redirect("/");
    Ok(())
}
