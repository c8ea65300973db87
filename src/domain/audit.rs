//! The audit log as pages and tests see it: the actions it records, an
//! entry, a page of entries, and the result of checking the hash chain.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Everything the audit log records. The stored name (`as_str`) is part of
/// each entry's hash, so a name never changes once released; it is the
/// only spelling (no serde derive to add another).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    OrganizationCreated,
    OrganizationUpdated,
    MemberRoleChanged,
    MemberRemoved,
    MemberLeft,
    InvitationCreated,
    InvitationRenewed,
    InvitationRevoked,
    InvitationAccepted,
    InvitationRefused,
    ProjectCreated,
    ProjectUpdated,
    ProjectDeleted,
    ProjectMemberAdded,
    ProjectMemberRoleChanged,
    ProjectMemberRemoved,
    ApiKeyCreated,
    ApiKeyRevoked,
    ApiKeyRotated,
    ModelPriceAdded,
    CostsRecomputed,
    PlanChanged,
    PlanChangeScheduled,
    PlanChangeCancelled,
    PaymentMethodSaved,
    PaymentMethodRemoved,
    BillingContactUpdated,
}

impl AuditAction {
    pub const ALL: [AuditAction; 27] = [
        Self::OrganizationCreated,
        Self::OrganizationUpdated,
        Self::MemberRoleChanged,
        Self::MemberRemoved,
        Self::MemberLeft,
        Self::InvitationCreated,
        Self::InvitationRenewed,
        Self::InvitationRevoked,
        Self::InvitationAccepted,
        Self::InvitationRefused,
        Self::ProjectCreated,
        Self::ProjectUpdated,
        Self::ProjectDeleted,
        Self::ProjectMemberAdded,
        Self::ProjectMemberRoleChanged,
        Self::ProjectMemberRemoved,
        Self::ApiKeyCreated,
        Self::ApiKeyRevoked,
        Self::ApiKeyRotated,
        Self::ModelPriceAdded,
        Self::CostsRecomputed,
        Self::PlanChanged,
        Self::PlanChangeScheduled,
        Self::PlanChangeCancelled,
        Self::PaymentMethodSaved,
        Self::PaymentMethodRemoved,
        Self::BillingContactUpdated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::OrganizationCreated => "organization.created",
            Self::OrganizationUpdated => "organization.updated",
            Self::MemberRoleChanged => "member.role_changed",
            Self::MemberRemoved => "member.removed",
            Self::MemberLeft => "member.left",
            Self::InvitationCreated => "invitation.created",
            Self::InvitationRenewed => "invitation.renewed",
            Self::InvitationRevoked => "invitation.revoked",
            Self::InvitationAccepted => "invitation.accepted",
            Self::InvitationRefused => "invitation.refused",
            Self::ProjectCreated => "project.created",
            Self::ProjectUpdated => "project.updated",
            Self::ProjectDeleted => "project.deleted",
            Self::ProjectMemberAdded => "project_member.added",
            Self::ProjectMemberRoleChanged => "project_member.role_changed",
            Self::ProjectMemberRemoved => "project_member.removed",
            Self::ApiKeyCreated => "api_key.created",
            Self::ApiKeyRevoked => "api_key.revoked",
            Self::ApiKeyRotated => "api_key.rotated",
            Self::ModelPriceAdded => "model_price.added",
            Self::CostsRecomputed => "costs.recomputed",
            Self::PlanChanged => "plan.changed",
            Self::PlanChangeScheduled => "plan.change_scheduled",
            Self::PlanChangeCancelled => "plan.change_cancelled",
            Self::PaymentMethodSaved => "payment_method.saved",
            Self::PaymentMethodRemoved => "payment_method.removed",
            Self::BillingContactUpdated => "billing_contact.updated",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::OrganizationCreated => "Organization created",
            Self::OrganizationUpdated => "Organization updated",
            Self::MemberRoleChanged => "Member role changed",
            Self::MemberRemoved => "Member removed",
            Self::MemberLeft => "Member left",
            Self::InvitationCreated => "Invitation sent",
            Self::InvitationRenewed => "Invitation resent",
            Self::InvitationRevoked => "Invitation revoked",
            Self::InvitationAccepted => "Invitation accepted",
            Self::InvitationRefused => "Invitation refused",
            Self::ProjectCreated => "Project created",
            Self::ProjectUpdated => "Project updated",
            Self::ProjectDeleted => "Project deleted",
            Self::ProjectMemberAdded => "Project member added",
            Self::ProjectMemberRoleChanged => "Project member role changed",
            Self::ProjectMemberRemoved => "Project member removed",
            Self::ApiKeyCreated => "API key created",
            Self::ApiKeyRevoked => "API key revoked",
            Self::ApiKeyRotated => "API key rotated",
            Self::ModelPriceAdded => "Model price added",
            Self::CostsRecomputed => "Costs recomputed",
            Self::PlanChanged => "Plan changed",
            Self::PlanChangeScheduled => "Plan change scheduled",
            Self::PlanChangeCancelled => "Plan change cancelled",
            Self::PaymentMethodSaved => "Payment method saved",
            Self::PaymentMethodRemoved => "Payment method removed",
            Self::BillingContactUpdated => "Billing contact updated",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// One change in an organization, as the audit log page shows it. `action`
/// stays the stored text: the log shows whatever a row holds, and
/// `plinth audit verify` reports a row that was tampered with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub at: DateTime<Utc>,
}

impl AuditEntry {
    /// The action's label, or its stored name when it is not one Plinth knows.
    pub fn action_label(&self) -> String {
        AuditAction::parse(&self.action).map(|a| a.label().to_string()).unwrap_or_else(|| self.action.clone())
    }
}

/// The result of walking an organization's audit hash chain.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditChain {
    /// Entries written (the head's number).
    pub entries: u64,
    /// Entries walked: all of them, or those after the checkpoint.
    pub checked: u64,
    /// The checkpoint the walk started from (`None`: from the first entry).
    pub since: Option<i64>,
    /// Of the entries walked, those sealed with the audit key in use.
    pub sealed_with_key: u64,
    /// The fingerprint of the audit key in use (`None`: SHA-256 only).
    pub key_id: Option<String>,
    /// The newest entry's hash, to note down elsewhere as an anchor.
    pub head: String,
    /// The first entry found changed, out of place or inserted (`None` when
    /// the break is a cut end, or when the chain verifies).
    pub broken_at: Option<i64>,
    pub problem: Option<String>,
}

impl AuditChain {
    pub fn verifies(&self) -> bool {
        self.problem.is_none()
    }

    /// This walk, stopped at a problem (`entry`: the entry, when there is one).
    pub fn broken(mut self, entry: Option<i64>, problem: String) -> Self {
        self.broken_at = entry;
        self.problem = Some(problem);
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_names_are_unique_and_parse_back() {
        let mut names: Vec<&str> = AuditAction::ALL.iter().map(|a| a.as_str()).collect();
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::parse(a.as_str()), Some(a));
        }
        names.sort();
        names.dedup();
        assert_eq!(names.len(), AuditAction::ALL.len());
        assert_eq!(AuditAction::parse("member.promoted"), None);
    }
}
