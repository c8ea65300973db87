//! Organizations: who owns policy, members and billing.
use crate::domain::{OrgId, OrgRole};
use crate::error::AppError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::IntoStaticStr)]
#[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
#[cfg_attr(feature = "ssr", sea_orm(rs_type = "String", db_type = "Text", rename_all = "lowercase"))]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum OrgKind {
    Company,
    Team,
    Personal,
    Agency,
}

impl OrgKind {
    pub const ALL: [OrgKind; 4] = [Self::Company, Self::Team, Self::Personal, Self::Agency];

    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Company => "Company",
            Self::Team => "Team",
            Self::Personal => "Personal",
            Self::Agency => "Agency",
        }
    }

    pub fn parse(s: &str) -> Result<Self, AppError> {
        Self::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| AppError::invalid("Choose an organization type: company, team, personal or agency."))
    }
}

/// A display name for an organization or project: trimmed, bounded, printable.
pub fn parse_name(raw: &str, what: &str, max: usize) -> Result<String, AppError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(AppError::invalid(format!("Enter a {what} name.")));
    }
    if name.chars().count() > max {
        return Err(AppError::invalid(format!("{} names can be at most {max} characters.", capitalise(what))));
    }
    if crate::domain::text::has_hidden(name) {
        return Err(AppError::invalid(format!("{} names cannot contain control or invisible characters.", capitalise(what))));
    }
    Ok(name.to_string())
}

/// The first letter in capitals: "members" is "Members".
pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// An organization as one of its members sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgSummary {
    pub id: OrgId,
    /// Its name in console URLs: `/o/<slug>/…` (`crate::urls`).
    pub slug: crate::domain::project::Slug,
    pub name: String,
    pub kind: OrgKind,
    pub role: OrgRole,
}

/// What deleting an organization removes, shown before the Owner confirms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletionPreview {
    pub name: String,
    pub projects: u64,
    pub members: u64,
    pub invitations: u64,
    pub groups: u64,
    pub api_keys: u64,
    pub usage_events: u64,
    pub invoices: u64,
}
