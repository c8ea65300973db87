//! Invitations: single-use links, bound to one email, valid for 7 days.
//! Only the SHA-256 of a token is stored; the token lives in the link.
use crate::domain::audit::AuditAction;
use crate::domain::plan::{Limit, Plans};
use crate::domain::policy;
use crate::domain::team::{INVITATION_DAYS, InvitationRow, InvitationStatus, InvitationView, ProjectGrant};
use crate::domain::{Email, InvitationId, OrgId, OrgRole, User};
use crate::error::{AppError, AppResult};
use crate::server::billing;
use crate::server::db::begin_write;
use crate::server::entities::{invitation, membership, organization, project, user};
use crate::server::guard::OrgCtx;
use crate::server::repo::audit::Change;
use crate::server::repo::{audit, begin_org_write, lock_org, projects};
use crate::server::secrets::{hash_secret as hash_token, new_token};
use chrono::{Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;
use std::collections::HashMap;

/// Lock the organization and re-read the actor's role inside the transaction.
async fn begin_as_inviter(db: &DatabaseConnection, ctx: &OrgCtx) -> AppResult<(DatabaseTransaction, OrgRole)> {
    let tx = begin_org_write(db, ctx.org.id).await?;
    let me = membership::Entity::find_by_id(ctx.membership_id).one(&tx).await?.ok_or(AppError::Forbidden)?;
    Ok((tx, me.role))
}

/// Invite each email with `role` and optional project grants. Returns each
/// invitation with its token, for the email and the copyable link.
pub async fn create(
    db: &DatabaseConnection,
    ctx: &OrgCtx,
    emails: Vec<Email>,
    role: OrgRole,
    grants: Vec<ProjectGrant>,
) -> AppResult<Vec<(invitation::Model, String)>> {
    let (tx, actor_role) = begin_as_inviter(db, ctx).await?;
    if !policy::can_invite(actor_role, role) {
        return Err(AppError::Forbidden);
    }
    for g in &grants {
        project::Entity::find_by_id(g.project_id.0)
            .filter(project::Column::OrgId.eq(ctx.org.id))
            .one(&tx)
            .await?
            .ok_or_else(|| AppError::NotFound("Project".into()))?;
    }
    // Invitations waiting count as members: accepting them must fit too.
    // Pending invitations to these emails are replaced, so they are not counted.
    let invited: Vec<&str> = emails.iter().map(|e| e.as_str()).collect();
    billing::require_room(&tx, &ctx.app.config.plans, ctx.org.id, Limit::Members, invited.len() as u64, &invited).await?;
    let grants_json = serde_json::to_string(&grants).map_err(AppError::internal)?;
    let mut created = Vec::new();
    for email in emails {
        let existing_member = membership::Entity::find()
            .inner_join(user::Entity)
            .filter(membership::Column::OrgId.eq(ctx.org.id))
            .filter(user::Column::Email.eq(email.as_str()))
            .one(&tx)
            .await?;
        if existing_member.is_some() {
            return Err(AppError::Conflict(format!("{} is already a member of this organization.", email.as_str())));
        }
        // A new invitation replaces any earlier pending one for the same
        // email, but only one the actor could have sent: an Admin must not
        // cancel an Owner's invitation of an Owner by re-inviting.
        let pending = invitation::Entity::find()
            .filter(invitation::Column::OrgId.eq(ctx.org.id))
            .filter(invitation::Column::Email.eq(email.as_str()))
            .filter(invitation::Column::AcceptedAt.is_null())
            .filter(invitation::Column::RevokedAt.is_null())
            .filter(invitation::Column::ExpiresAt.gt(Utc::now()))
            .all(&tx)
            .await?;
        for p in &pending {
            let pending_role = p.role;
            if !policy::can_invite(actor_role, pending_role) {
                return Err(AppError::Conflict(format!(
                    "{} already has a pending invitation as {}, which only an Owner can replace.",
                    email.as_str(),
                    pending_role.label()
                )));
            }
        }
        invitation::Entity::update_many()
            .col_expr(invitation::Column::RevokedAt, Expr::value(Some(Utc::now())))
            .filter(invitation::Column::OrgId.eq(ctx.org.id))
            .filter(invitation::Column::Email.eq(email.as_str()))
            .filter(invitation::Column::AcceptedAt.is_null())
            .filter(invitation::Column::RevokedAt.is_null())
            .exec(&tx)
            .await?;
        let token = new_token();
        let now = Utc::now();
        let inv = invitation::ActiveModel {
            org_id: Set(ctx.org.id),
            email: Set(email.as_str().into()),
            role: Set(role),
            project_grants: Set(grants_json.clone()),
            token_hash: Set(hash_token(&token)),
            invited_by: Set(Some(ctx.user.id.0)),
            created_at: Set(now),
            expires_at: Set(now + Duration::days(INVITATION_DAYS)),
            accepted_at: Set(None),
            revoked_at: Set(None),
            ..Default::default()
        }
        .insert(&tx)
        .await?;
        audit::record(
            &tx,
            Change::new(ctx.org.id, &ctx.user, AuditAction::InvitationCreated, email.as_str()).after(json!({"role": role.as_str(), "projects": grants})),
        )
        .await?;
        created.push((inv, token));
    }
    tx.commit().await?;
    Ok(created)
}

fn status(inv: &invitation::Model) -> InvitationStatus {
    if inv.accepted_at.is_some() {
        InvitationStatus::Accepted
    } else if inv.revoked_at.is_some() {
        InvitationStatus::Revoked
    } else if inv.expires_at <= Utc::now() {
        InvitationStatus::Expired
    } else {
        InvitationStatus::Pending
    }
}

/// Pending and expired invitations, newest first.
pub async fn open(db: &impl ConnectionTrait, ctx: &OrgCtx) -> AppResult<Vec<InvitationRow>> {
    let rows = invitation::Entity::find()
        .filter(invitation::Column::OrgId.eq(ctx.org.id))
        .filter(invitation::Column::AcceptedAt.is_null())
        .filter(invitation::Column::RevokedAt.is_null())
        .order_by_desc(invitation::Column::CreatedAt)
        .all(db)
        .await?;
    let inviters = super::user_names(db, rows.iter().filter_map(|r| r.invited_by)).await?;
    let project_names: HashMap<i64, String> =
        project::Entity::find().filter(project::Column::OrgId.eq(ctx.org.id)).all(db).await?.into_iter().map(|p| (p.id, p.name)).collect();
    Ok(rows
        .into_iter()
        .map(|r| {
            let grants: Vec<ProjectGrant> = serde_json::from_str(&r.project_grants).unwrap_or_default();
            InvitationRow {
                id: InvitationId(r.id),
                status: status(&r),
                role: r.role,
                invited_by: r.invited_by.and_then(|id| inviters.get(&id).cloned()),
                projects: grants.iter().filter_map(|g| project_names.get(&g.project_id.0).cloned()).collect(),
                email: r.email,
                invited_on: r.created_at,
                expires_at: r.expires_at,
            }
        })
        .collect())
}

/// Load an invitation of this organization that the actor may manage.
async fn manageable(tx: &DatabaseTransaction, ctx: &OrgCtx, actor_role: OrgRole, id: InvitationId) -> AppResult<invitation::Model> {
    let inv = invitation::Entity::find_by_id(id.0)
        .filter(invitation::Column::OrgId.eq(ctx.org.id))
        .one(tx)
        .await?
        .ok_or_else(|| AppError::NotFound("Invitation".into()))?;
    let role = inv.role;
    if !policy::can_invite(actor_role, role) {
        return Err(AppError::Forbidden);
    }
    if inv.accepted_at.is_some() || inv.revoked_at.is_some() {
        return Err(AppError::Conflict("This invitation has already been used or revoked.".into()));
    }
    Ok(inv)
}

/// Issue a fresh link with a new 7-day window; the old link stops working.
pub async fn renew(db: &DatabaseConnection, ctx: &OrgCtx, id: InvitationId) -> AppResult<(invitation::Model, String)> {
    let (tx, actor_role) = begin_as_inviter(db, ctx).await?;
    let inv = manageable(&tx, ctx, actor_role, id).await?;
    // An expired invitation renewed waits again, so it must fit.
    billing::require_room(&tx, &ctx.app.config.plans, ctx.org.id, Limit::Members, 1, &[inv.email.as_str()]).await?;
    let token = new_token();
    let now = Utc::now();
    let inv = invitation::ActiveModel {
        id: Set(inv.id),
        token_hash: Set(hash_token(&token)),
        created_at: Set(now),
        expires_at: Set(now + Duration::days(INVITATION_DAYS)),
        ..Default::default()
    }
    .update(&tx)
    .await?;
    audit::record(&tx, Change::new(ctx.org.id, &ctx.user, AuditAction::InvitationRenewed, inv.email.clone()).after(json!({"expires_at": inv.expires_at})))
        .await?;
    tx.commit().await?;
    Ok((inv, token))
}

pub async fn revoke(db: &DatabaseConnection, ctx: &OrgCtx, id: InvitationId) -> AppResult<()> {
    let (tx, actor_role) = begin_as_inviter(db, ctx).await?;
    let inv = manageable(&tx, ctx, actor_role, id).await?;
    invitation::ActiveModel { id: Set(inv.id), revoked_at: Set(Some(Utc::now())), ..Default::default() }.update(&tx).await?;
    audit::record(&tx, Change::new(ctx.org.id, &ctx.user, AuditAction::InvitationRevoked, inv.email.clone()).before(json!({"role": inv.role}))).await?;
    tx.commit().await?;
    Ok(())
}

/// Whether the inviter is still a member whose role may grant `role`.
async fn inviter_may_still_grant(tx: &DatabaseTransaction, org_id: i64, inviter: Option<i64>, role: OrgRole) -> AppResult<bool> {
    let Some(inviter) = inviter else { return Ok(false) };
    let m = membership::Entity::find().filter(membership::Column::OrgId.eq(org_id)).filter(membership::Column::UserId.eq(inviter)).one(tx).await?;
    Ok(m.map(|m| m.role).is_some_and(|r| policy::can_invite(r, role)))
}

async fn find_by_token(db: &impl ConnectionTrait, token: &str) -> AppResult<Option<(invitation::Model, organization::Model)>> {
    let Some(inv) = invitation::Entity::find().filter(invitation::Column::TokenHash.eq(hash_token(token))).one(db).await? else {
        return Ok(None);
    };
    let org = organization::Entity::find_by_id(inv.org_id).one(db).await?;
    Ok(org.map(|o| (inv, o)))
}

/// What the invitation link shows to `viewer` (who may be signed out).
pub async fn view(db: &impl ConnectionTrait, token: &str, viewer: Option<&User>) -> AppResult<InvitationView> {
    let Some((inv, org)) = find_by_token(db, token).await? else {
        return Ok(InvitationView::NotFound);
    };
    Ok(match status(&inv) {
        InvitationStatus::Accepted => InvitationView::AlreadyAccepted { org_name: org.name },
        InvitationStatus::Revoked => InvitationView::Revoked,
        InvitationStatus::Expired => InvitationView::Expired { org_name: org.name },
        InvitationStatus::Pending => match viewer {
            Some(u) if u.email != inv.email => InvitationView::WrongAccount { org_name: org.name, email: inv.email, signed_in_as: u.email.clone() },
            _ => {
                let invited_by = match inv.invited_by {
                    Some(id) => user::Entity::find_by_id(id).one(db).await?.map(|u| u.name),
                    None => None,
                };
                InvitationView::Open { org_name: org.name, email: inv.email, role: inv.role, invited_by, signed_in: viewer.is_some() }
            }
        },
    })
}

/// Accept as `user`: join the organization (and granted projects) and switch to it.
pub async fn accept(db: &DatabaseConnection, plans: &Plans, token: &str, user: &User) -> AppResult<OrgId> {
    let tx = begin_write(db).await?;
    let (inv, org) = find_by_token(&tx, token).await?.ok_or_else(|| AppError::NotFound("Invitation".into()))?;
    // The token was only read; the organization is the first row locked.
    lock_org(&tx, org.id).await?;
    // Re-read under the lock: two tabs accepting at once must not both succeed.
    let inv = invitation::Entity::find_by_id(inv.id).one(&tx).await?.ok_or_else(|| AppError::NotFound("Invitation".into()))?;
    match status(&inv) {
        InvitationStatus::Accepted => return Err(AppError::Conflict("This invitation has already been used.".into())),
        InvitationStatus::Revoked => return Err(AppError::Conflict("This invitation was revoked.".into())),
        InvitationStatus::Expired => return Err(AppError::Conflict("This invitation has expired. Ask for a new one.".into())),
        InvitationStatus::Pending => {}
    }
    if inv.email != user.email {
        return Err(AppError::Forbidden);
    }
    let role = inv.role;
    // The inviter's right to grant this role is checked now, not only when
    // they sent it: an invitation must not outlive a removal or demotion.
    if !inviter_may_still_grant(&tx, org.id, inv.invited_by, role).await? {
        // Revoked with the refusal: it can never become valid again, and a
        // retry must not write another audit entry.
        invitation::ActiveModel { id: Set(inv.id), revoked_at: Set(Some(Utc::now())), ..Default::default() }.update(&tx).await?;
        audit::record(
            &tx,
            Change::new(org.id, user, AuditAction::InvitationRefused, inv.email.clone())
                .after(json!({"role": role.as_str(), "reason": "inviter may no longer grant this role"})),
        )
        .await?;
        tx.commit().await?;
        return Err(AppError::Conflict(format!(
            "This invitation is no longer valid: whoever sent it can no longer invite people as {}. Ask an Owner or Admin of {} for a new one.",
            role.label(),
            org.name
        )));
    }
    let already = membership::Entity::find().filter(membership::Column::OrgId.eq(org.id)).filter(membership::Column::UserId.eq(user.id.0)).one(&tx).await?;
    if already.is_none() {
        billing::require_room(&tx, plans, org.id, Limit::Members, 1, &[inv.email.as_str()]).await?;
        membership::ActiveModel {
            org_id: Set(org.id),
            user_id: Set(user.id.0),
            role: Set(role),
            invited_by: Set(inv.invited_by),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&tx)
        .await?;
        let grants: Vec<ProjectGrant> = serde_json::from_str(&inv.project_grants).unwrap_or_default();
        for g in grants {
            // Projects deleted since the invitation are skipped.
            let exists = project::Entity::find_by_id(g.project_id.0).filter(project::Column::OrgId.eq(org.id)).one(&tx).await?;
            if exists.is_some() {
                projects::grant(&tx, g.project_id.0, user.id.0, g.role).await?;
            }
        }
    }
    invitation::ActiveModel { id: Set(inv.id), accepted_at: Set(Some(Utc::now())), ..Default::default() }.update(&tx).await?;
    crate::server::repo::orgs::set_current(&tx, user, org.id).await?;
    audit::record(&tx, Change::new(org.id, user, AuditAction::InvitationAccepted, inv.email.clone()).after(json!({"role": role.as_str()}))).await?;
    tx.commit().await?;
    Ok(OrgId(org.id))
}

/// The organization an invitation belongs to, for the guard; none when the id is unknown.
pub async fn org_of(db: &impl ConnectionTrait, invitation_id: i64) -> AppResult<Option<i64>> {
    Ok(invitation::Entity::find_by_id(invitation_id).one(db).await?.map(|i| i.org_id))
}
