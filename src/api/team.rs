//! The team table: members, inline role changes, removal and invitations.
use crate::domain::team::TeamPage;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[server(endpoint = "team/page")]
pub async fn load_team_page(
    org: crate::domain::project::Slug,
    search: String,
    role: String,
    sort: String,
    desc: bool,
    page: u64,
) -> Result<TeamPage, AppError> {
    use crate::api::prelude::*;
    use crate::domain::policy::{OrgAction, can};
    use crate::domain::team::TeamSort;
    let ctx = guard::org_at(&org, OrgAction::ViewTeam).await?;
    let db = ctx.db();
    let page = crate::domain::paging::PageNumber::parse(page)?.get();
    let query = repo::team::TeamQuery {
        search: search.chars().take(100).collect(),
        role: crate::domain::OrgRole::parse(&role),
        sort: TeamSort::parse(&sort),
        descending: desc,
        page,
    };
    let mut page = repo::team::page(db, &ctx, &query).await?;
    if can(ctx.role, OrgAction::InviteMembers) {
        page.invitations = repo::invitations::open(db, &ctx).await?;
    }
    Ok(page)
}

#[server(endpoint = "team/role")]
pub async fn change_member_role(member_id: i64, role: String) -> Result<(), AppError> {
    use crate::api::prelude::*;
    let org = repo::team::org_of_member(&state().db, member_id).await?;
    let ctx = guard::org_owning("Member", org, OrgAction::ChangeRoles).await?;
    let role = crate::domain::OrgRole::parse(&role).ok_or_else(|| AppError::invalid("Choose a role: owner, admin, member, viewer or guest."))?;
    repo::team::change_role(ctx.db(), &ctx, crate::domain::MemberId(member_id), role).await
}

#[server(endpoint = "team/remove")]
pub async fn remove_member(member_id: i64) -> Result<(), AppError> {
    use crate::api::prelude::*;
    let org = repo::team::org_of_member(&state().db, member_id).await?;
    let ctx = guard::org_owning("Member", org, OrgAction::RemoveMembers).await?;
    repo::team::remove(ctx.db(), &ctx, crate::domain::MemberId(member_id)).await
}

/// One invitation as the inviter sees it after sending: the link is only
/// returned when there is no SMTP server, so it can be passed on by hand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invited {
    pub email: String,
    pub link: Option<String>,
}

/// Invite one or more emails (separated by commas, spaces or new lines).
/// `projects` is an optional list of `project_id:role` pairs, comma-separated.
#[server(endpoint = "team/invite")]
pub async fn invite(org_id: i64, emails: String, role: String, projects: String) -> Result<Vec<Invited>, AppError> {
    use crate::api::prelude::*;
    use crate::domain::team::ProjectGrant;
    use crate::domain::{Email, OrgRole, ProjectId, ProjectRole};
    let ctx = guard::org_for(crate::domain::OrgId(org_id), OrgAction::InviteMembers).await?;
    let st = &ctx.app;
    let mut parsed = Vec::new();
    for raw in emails.split([',', ';', ' ', '\n', '\r', '\t']).filter(|s| !s.trim().is_empty()) {
        let email = Email::parse(raw).map_err(|_| AppError::invalid(format!("{raw:?} is not a valid email address.")))?;
        if !parsed.contains(&email) {
            parsed.push(email);
        }
    }
    if parsed.is_empty() {
        return Err(AppError::invalid("Enter at least one email address."));
    }
    if parsed.len() > 50 {
        return Err(AppError::invalid("Invite at most 50 people at a time."));
    }
    let role = OrgRole::parse(&role).ok_or_else(|| AppError::invalid("Choose a role for the invitation."))?;
    let mut grants = Vec::new();
    for pair in projects.split(',').filter(|s| !s.trim().is_empty()) {
        let (id, r) = pair.trim().split_once(':').ok_or_else(|| AppError::invalid("Project grants look like 12:member."))?;
        let project_id = id.parse().map(ProjectId).map_err(|_| AppError::invalid("Project grants look like 12:member."))?;
        let role = ProjectRole::parse(r).ok_or_else(|| AppError::invalid("Project roles are admin, member or viewer."))?;
        grants.push(ProjectGrant { project_id, role });
    }
    let slots = InvitationSlots::take(st, &ctx, parsed.len())?;
    let created = match repo::invitations::create(&st.db, &ctx, parsed, role, grants).await {
        Ok(created) => created,
        Err(e) => {
            // A refused invitation sent no email.
            slots.give_back(st);
            return Err(e);
        }
    };
    let mut out = Vec::new();
    for (inv, token) in created {
        let link = send_invitation(st, &ctx, &inv, &token).await;
        out.push(Invited { email: inv.email, link: (!st.mailer.is_smtp()).then_some(link) });
    }
    Ok(out)
}

/// Invitation emails go out through the operator's SMTP server: each
/// organization may send only so many per hour (`PLINTH_INVITATIONS_PER_HOUR`),
/// and so may each inviter across all their organizations, since anyone can
/// create organizations.
#[cfg(feature = "ssr")]
struct InvitationSlots {
    org: String,
    user: String,
    at: (std::time::Instant, std::time::Instant),
    emails: usize,
}

#[cfg(feature = "ssr")]
impl InvitationSlots {
    fn take(st: &crate::server::AppState, ctx: &crate::server::guard::OrgCtx, emails: usize) -> crate::error::AppResult<Self> {
        use crate::server::auth::throttle::wait_message;
        let limits = &st.config.limits;
        let (org, user) = (ctx.org.id.to_string(), ctx.user.id.0.to_string());
        let at_org = st.throttle.invitations.acquire(&org, emails).map_err(|wait| {
            let limit = limits.invitations_per_org_hour;
            AppError::TooManyRequests(wait_message(&format!("This organization may send {limit} invitation emails an hour, and that would go over it."), wait))
        })?;
        let at_user = st.throttle.invitations_by_user.acquire(&user, emails).map_err(|wait| {
            st.throttle.invitations.release_n(&org, at_org, emails);
            let limit = limits.invitations_per_user_hour;
            AppError::TooManyRequests(wait_message(
                &format!("You may send {limit} invitation emails an hour across all your organizations, and that would go over it."),
                wait,
            ))
        })?;
        Ok(Self { org, user, at: (at_org, at_user), emails })
    }

    /// The emails were not sent after all.
    fn give_back(self, st: &crate::server::AppState) {
        st.throttle.invitations.release_n(&self.org, self.at.0, self.emails);
        st.throttle.invitations_by_user.release_n(&self.user, self.at.1, self.emails);
    }
}

#[cfg(feature = "ssr")]
async fn send_invitation(
    st: &crate::server::AppState,
    ctx: &crate::server::guard::OrgCtx,
    inv: &crate::server::entities::invitation::Model,
    token: &str,
) -> String {
    let link = format!("{}/invite/{token}", st.config.public_url.as_str().trim_end_matches('/'));
    let role = inv.role.label();
    st.mailer.send(crate::server::mail::invitation(&inv.email, &ctx.user.name, &ctx.org.name, role, &link)).await;
    link
}

/// Send the invitation again with a fresh 7-day link.
#[server(endpoint = "team/resend")]
pub async fn resend_invitation(invitation_id: i64) -> Result<Invited, AppError> {
    use crate::api::prelude::*;
    let org = repo::invitations::org_of(&state().db, invitation_id).await?;
    let ctx = guard::org_owning("Invitation", org, OrgAction::InviteMembers).await?;
    let st = &ctx.app;
    let slots = InvitationSlots::take(st, &ctx, 1)?;
    let (inv, token) = match repo::invitations::renew(&st.db, &ctx, crate::domain::InvitationId(invitation_id)).await {
        Ok(renewed) => renewed,
        Err(e) => {
            slots.give_back(st);
            return Err(e);
        }
    };
    let link = send_invitation(st, &ctx, &inv, &token).await;
    Ok(Invited { email: inv.email, link: (!st.mailer.is_smtp()).then_some(link) })
}

/// A fresh link to copy by hand (earlier links stop working: only hashes are kept).
#[server(endpoint = "team/invite-link")]
pub async fn invite_link(invitation_id: i64) -> Result<String, AppError> {
    use crate::api::prelude::*;
    let org = repo::invitations::org_of(&state().db, invitation_id).await?;
    let ctx = guard::org_owning("Invitation", org, OrgAction::InviteMembers).await?;
    let st = &ctx.app;
    let (_, token) = repo::invitations::renew(&st.db, &ctx, crate::domain::InvitationId(invitation_id)).await?;
    Ok(format!("{}/invite/{token}", st.config.public_url.as_str().trim_end_matches('/')))
}

#[server(endpoint = "team/revoke")]
pub async fn revoke_invitation(invitation_id: i64) -> Result<(), AppError> {
    use crate::api::prelude::*;
    let org = repo::invitations::org_of(&state().db, invitation_id).await?;
    let ctx = guard::org_owning("Invitation", org, OrgAction::InviteMembers).await?;
    repo::invitations::revoke(ctx.db(), &ctx, crate::domain::InvitationId(invitation_id)).await
}
