//! Projects: where API keys, usage and project members live.
use crate::domain::{GroupId, ProjectId, ProjectRole};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::IntoStaticStr)]
#[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
#[cfg_attr(feature = "ssr", sea_orm(rs_type = "String", db_type = "Text", rename_all = "lowercase"))]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum Environment {
    Development,
    Staging,
    Production,
}

impl Environment {
    pub const ALL: [Environment; 3] = [Self::Development, Self::Staging, Self::Production];

    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Development => "Development",
            Self::Staging => "Staging",
            Self::Production => "Production",
        }
    }

    pub fn parse(s: &str) -> Result<Self, AppError> {
        Self::ALL.into_iter().find(|e| e.as_str() == s).ok_or_else(|| AppError::invalid("Choose an environment: development, staging or production."))
    }
}

/// A URL-safe identifier, of a project or an organization: lower-case
/// letters, digits and single hyphens. Parsed once: a server function that
/// takes one refuses a malformed value with 400 before it runs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

impl TryFrom<String> for Slug {
    type Error = AppError;
    fn try_from(s: String) -> Result<Self, AppError> {
        Self::parse(&s)
    }
}

impl From<Slug> for String {
    fn from(s: Slug) -> String {
        s.0
    }
}

impl std::fmt::Display for Slug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Slug {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let s = raw.trim();
        let ok = (2..=60).contains(&s.len())
            && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-')
            && !s.contains("--");
        if ok { Ok(Self(s.to_string())) } else { Err(AppError::invalid("Slugs are 2 to 60 lower-case letters, digits and single hyphens, like checkout-bot.")) }
    }

    /// A slug suggested from a name: "Checkout Bot (EU)" becomes "checkout-bot-eu".
    pub fn suggest(name: &str) -> String {
        let mut out = String::new();
        for c in name.chars().flat_map(char::to_lowercase) {
            if c.is_ascii_alphanumeric() {
                out.push(c);
            } else if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
        }
        out.trim_end_matches('-').chars().take(60).collect::<String>().trim_end_matches('-').to_string()
    }

    /// An organization's slug from its name, before making it unique: at
    /// most 50 characters, leaving room for a `-2` suffix; names with too
    /// few ASCII letters or digits ("日本") become `org`.
    pub fn for_org(name: &str) -> Self {
        let s: String = Self::suggest(name).chars().take(50).collect();
        Self::parse(s.trim_end_matches('-')).unwrap_or_else(|_| Self("org".into()))
    }

    /// This slug with a numeric suffix: `acme` and 2 give `acme-2`.
    pub fn numbered(&self, n: u32) -> Self {
        if n <= 1 { self.clone() } else { Self(format!("{}-{n}", self.0)) }
    }

    /// A slug read back from the database, where only parsed slugs are written.
    pub fn stored(s: String) -> Self {
        Self(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A project description: trimmed, at most 500 characters, may be empty.
pub fn parse_description(raw: &str) -> Result<String, AppError> {
    let d = raw.trim();
    if d.chars().count() > 500 {
        return Err(AppError::invalid("Descriptions can be at most 500 characters."));
    }
    Ok(d.to_string())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Project {
    pub id: ProjectId,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub environment: Environment,
    pub group: Option<Group>,
    pub created_at: DateTime<Utc>,
    /// The viewer's effective role in this project.
    pub role: ProjectRole,
    /// Days usage events are kept; `None` keeps them forever.
    pub retention_days: Option<u32>,
}

/// The longest retention one can set, in days (ten years).
pub const MAX_RETENTION_DAYS: u32 = 3_650;

/// "" (forever) or a whole number of days from 1 to ten years.
pub fn parse_retention(s: &str) -> Result<Option<u32>, crate::error::AppError> {
    let s = s.trim();
    if s.is_empty() || s == "forever" {
        return Ok(None);
    }
    match s.parse::<u32>() {
        Ok(d) if (1..=MAX_RETENTION_DAYS).contains(&d) => Ok(Some(d)),
        _ => Err(crate::error::AppError::invalid(format!("Keep events forever, or for 1 to {MAX_RETENTION_DAYS} days."))),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub id: GroupId,
    pub name: String,
}

/// Someone with a role granted directly in a project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectMember {
    pub user_id: crate::domain::UserId,
    pub name: String,
    pub email: String,
    pub role: ProjectRole,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(Slug::suggest("Checkout Bot (EU)"), "checkout-bot-eu");
        assert_eq!(Slug::suggest("  Ünïcode -- name "), "n-code-name");
        assert!(Slug::parse("checkout-bot").is_ok());
        for bad in ["a", "Checkout", "-x", "x-", "a--b", "a b", &"x".repeat(61)] {
            assert!(Slug::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn organization_slugs() {
        assert_eq!(Slug::for_org("Acme Corp").as_str(), "acme-corp");
        assert_eq!(Slug::for_org("日本").as_str(), "org");
        assert_eq!(Slug::for_org("X").as_str(), "org");
        assert_eq!(Slug::for_org(&"abcd ".repeat(20)).as_str().len(), 49, "cut to 50, without a trailing hyphen");
        assert_eq!(Slug::for_org("Acme").numbered(1).as_str(), "acme");
        assert_eq!(Slug::for_org("Acme").numbered(3).as_str(), "acme-3");
    }

    #[test]
    fn slugs_parse_when_deserialized() {
        assert_eq!(serde_json::from_str::<Slug>("\"acme\"").unwrap().as_str(), "acme");
        assert!(serde_json::from_str::<Slug>("\"../x\"").is_err());
        assert_eq!(serde_json::to_string(&Slug::for_org("Acme")).unwrap(), "\"acme\"");
    }
}
