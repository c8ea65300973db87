//! Who may do what: the tables of `permissions.md`, and nothing else.
//!
//! Pure functions, compiled for both targets: the server enforces them (see
//! `server::guard`), the browser uses the same answers to hide what a user
//! cannot do. Last-Owner protection needs the database and lives in the
//! membership queries; these functions decide the rest.
use crate::domain::role::{OrgRole, ProjectRole};

/// Organization-level actions that depend only on the actor's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgAction {
    /// See the organization dashboard (Guests see only their projects).
    ViewDashboard,
    ViewTeam,
    /// Open the invite form at all; which roles is `can_invite`.
    InviteMembers,
    /// Edit roles at all; which members and roles is `can_change_role`.
    ChangeRoles,
    /// Remove members at all; which members is `can_remove`.
    RemoveMembers,
    Leave,
    CreateProject,
    /// Usage, Billing, Settings, plan and payment, deleting the organization.
    ManageOrganization,
    ViewAuditLog,
    /// See and edit the organization's model prices, and recompute costs.
    ManagePrices,
}

impl OrgAction {
    pub const ALL: [OrgAction; 10] = [
        Self::ViewDashboard,
        Self::ViewTeam,
        Self::InviteMembers,
        Self::ChangeRoles,
        Self::RemoveMembers,
        Self::Leave,
        Self::CreateProject,
        Self::ManageOrganization,
        Self::ViewAuditLog,
        Self::ManagePrices,
    ];
}

pub fn can(actor: OrgRole, action: OrgAction) -> bool {
    use OrgAction::*;
    use OrgRole::*;
    match action {
        ViewDashboard | Leave => true,
        ViewTeam => actor >= Viewer,
        InviteMembers | ChangeRoles | RemoveMembers | ViewAuditLog | ManagePrices => actor >= Admin,
        CreateProject => actor >= Member,
        ManageOrganization => actor == Owner,
    }
}

/// Owners invite with any role; Admins only below Admin (Member, Viewer,
/// Guest): only Owners grant Admin and Owner. The same rule decides who may
/// resend, copy or revoke an invitation, and who may accept one later.
pub fn can_invite(actor: OrgRole, role: OrgRole) -> bool {
    match actor {
        OrgRole::Owner => true,
        OrgRole::Admin => role < OrgRole::Admin,
        _ => false,
    }
}

/// Owners change anyone to anything; Admins change members below Admin to
/// roles below Admin.
pub fn can_change_role(actor: OrgRole, target: OrgRole, to: OrgRole) -> bool {
    match actor {
        OrgRole::Owner => true,
        OrgRole::Admin => target < OrgRole::Admin && to < OrgRole::Admin,
        _ => false,
    }
}

/// Owners remove anyone (but the last Owner); Admins remove members below Admin.
pub fn can_remove(actor: OrgRole, target: OrgRole) -> bool {
    match actor {
        OrgRole::Owner => true,
        OrgRole::Admin => target < OrgRole::Admin,
        _ => false,
    }
}

/// The roles `actor` may give in an invitation, most powerful first.
pub fn invitable_roles(actor: OrgRole) -> Vec<OrgRole> {
    OrgRole::ALL.into_iter().filter(|r| can_invite(actor, *r)).collect()
}

/// The roles `actor` may move `target` to (including where it is now, so a
/// select can show it), most powerful first. Empty when `target` is out of reach.
pub fn assignable_roles(actor: OrgRole, target: OrgRole) -> Vec<OrgRole> {
    OrgRole::ALL.into_iter().filter(|r| can_change_role(actor, target, *r)).collect()
}

/// Project-level actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectAction {
    /// Dashboards, charts and the request list.
    View,
    ViewRequestText,
    CreateApiKey,
    /// Revoke or rotate a key; `own` when the actor created it.
    RevokeApiKey {
        own: bool,
    },
    ExportCsv,
    /// Rename, environment, budget.
    EditSettings,
    ManageMembers,
    Delete,
}

impl ProjectAction {
    pub const ALL: [ProjectAction; 9] = [
        Self::View,
        Self::ViewRequestText,
        Self::CreateApiKey,
        Self::RevokeApiKey { own: true },
        Self::RevokeApiKey { own: false },
        Self::ExportCsv,
        Self::EditSettings,
        Self::ManageMembers,
        Self::Delete,
    ];
}

pub fn can_in_project(role: ProjectRole, action: ProjectAction) -> bool {
    use ProjectAction::*;
    use ProjectRole::*;
    match action {
        View | ExportCsv => true,
        ViewRequestText | CreateApiKey => role >= Member,
        RevokeApiKey { own: true } => role >= Member,
        RevokeApiKey { own: false } | EditSettings | ManageMembers | Delete => role == Admin,
    }
}

/// What a project API key may do over the public API (permissions.md, "API
/// keys"): its scope decides, never a user's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAction {
    /// `POST /api/v1/events`.
    Ingest,
    /// `GET /api/v1/usage`.
    ReadUsage,
}

pub fn key_can(scope: crate::domain::api_key::KeyScope, action: KeyAction) -> bool {
    use crate::domain::api_key::KeyScope::*;
    match action {
        KeyAction::Ingest => matches!(scope, Ingest | All),
        KeyAction::ReadUsage => matches!(scope, Read | All),
    }
}
