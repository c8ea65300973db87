//! Roles, ordered by power so `>` means "more powerful".
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, strum::IntoStaticStr)]
#[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
#[cfg_attr(feature = "ssr", sea_orm(rs_type = "String", db_type = "Text", rename_all = "lowercase"))]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum OrgRole {
    Guest,
    Viewer,
    Member,
    Admin,
    Owner,
}

impl OrgRole {
    pub const ALL: [OrgRole; 5] = [Self::Owner, Self::Admin, Self::Member, Self::Viewer, Self::Guest];

    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Owner => "Owner",
            Self::Admin => "Admin",
            Self::Member => "Member",
            Self::Viewer => "Viewer",
            Self::Guest => "Guest",
        }
    }

    /// The project role this organization role gives in every project.
    pub fn implied_project_role(self) -> Option<ProjectRole> {
        match self {
            Self::Owner | Self::Admin => Some(ProjectRole::Admin),
            Self::Member => Some(ProjectRole::Member),
            Self::Viewer => Some(ProjectRole::Viewer),
            Self::Guest => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, strum::IntoStaticStr)]
#[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
#[cfg_attr(feature = "ssr", sea_orm(rs_type = "String", db_type = "Text", rename_all = "lowercase"))]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum ProjectRole {
    Viewer,
    Member,
    Admin,
}

impl ProjectRole {
    pub const ALL: [ProjectRole; 3] = [Self::Admin, Self::Member, Self::Viewer];

    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Admin => "Project Admin",
            Self::Member => "Project Member",
            Self::Viewer => "Project Viewer",
        }
    }
}

/// A user's role in a project: the higher of what their organization role
/// implies and what was granted to them directly.
pub fn effective_project_role(org: OrgRole, direct: Option<ProjectRole>) -> Option<ProjectRole> {
    org.implied_project_role().max(direct)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_by_power() {
        assert!(OrgRole::Owner > OrgRole::Admin && OrgRole::Admin > OrgRole::Member);
        assert!(OrgRole::Member > OrgRole::Viewer && OrgRole::Viewer > OrgRole::Guest);
        assert!(ProjectRole::Admin > ProjectRole::Member && ProjectRole::Member > ProjectRole::Viewer);
        for r in OrgRole::ALL {
            assert_eq!(OrgRole::parse(r.as_str()), Some(r));
        }
        assert_eq!(OrgRole::parse("superuser"), None);
    }

    #[test]
    fn effective_project_role_is_the_higher() {
        use ProjectRole as P;
        assert_eq!(effective_project_role(OrgRole::Guest, None), None);
        assert_eq!(effective_project_role(OrgRole::Guest, Some(P::Member)), Some(P::Member));
        assert_eq!(effective_project_role(OrgRole::Viewer, Some(P::Admin)), Some(P::Admin));
        assert_eq!(effective_project_role(OrgRole::Member, Some(P::Viewer)), Some(P::Member));
        assert_eq!(effective_project_role(OrgRole::Admin, None), Some(P::Admin));
    }
}
