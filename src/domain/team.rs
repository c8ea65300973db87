//! The team table and invitations.
use crate::domain::{InvitationId, MemberId, OrgRole, ProjectId, ProjectRole, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub const TEAM_PAGE_SIZE: u64 = 25;
pub const INVITATION_DAYS: i64 = 7;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum TeamSort {
    #[default]
    Name,
    Email,
    Role,
    Joined,
}

impl TeamSort {
    pub fn parse(s: &str) -> Self {
        match s {
            "email" => Self::Email,
            "role" => Self::Role,
            "joined" => Self::Joined,
            _ => Self::Name,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Email => "email",
            Self::Role => "role",
            Self::Joined => "joined",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRow {
    pub id: MemberId,
    pub user_id: UserId,
    pub name: String,
    pub email: String,
    pub role: OrgRole,
    pub invited_on: DateTime<Utc>,
    pub invited_by: Option<String>,
    /// Roles the viewer may set for this member; empty when they may not edit it.
    pub assignable: Vec<OrgRole>,
    pub removable: bool,
    pub is_you: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InvitationStatus {
    Pending,
    Expired,
    Accepted,
    Revoked,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationRow {
    pub id: InvitationId,
    pub email: String,
    pub role: OrgRole,
    pub status: InvitationStatus,
    pub invited_on: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub invited_by: Option<String>,
    pub projects: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamPage {
    pub members: Vec<MemberRow>,
    /// Members matching the search and filter, across all pages.
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
    pub invitations: Vec<InvitationRow>,
    pub can_invite: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectGrant {
    pub project_id: ProjectId,
    pub role: ProjectRole,
}

/// What someone opening an invitation link sees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum InvitationView {
    /// Valid, and the signed-in account (if any) may accept it.
    Open {
        org_name: String,
        email: String,
        role: OrgRole,
        invited_by: Option<String>,
        signed_in: bool,
    },
    WrongAccount {
        org_name: String,
        email: String,
        signed_in_as: String,
    },
    AlreadyAccepted {
        org_name: String,
    },
    Revoked,
    Expired {
        org_name: String,
    },
    NotFound,
}
