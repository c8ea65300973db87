//! Project API keys: what a key may do, when it stops working, and how a
//! list shows it. The secret itself never leaves `server::secrets`.
use crate::error::AppError;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// What a key may do (see permissions.md, "API keys").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::IntoStaticStr)]
#[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
#[cfg_attr(feature = "ssr", sea_orm(rs_type = "String", db_type = "Text", rename_all = "lowercase"))]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum KeyScope {
    Ingest,
    Read,
    All,
}

impl KeyScope {
    pub const ALL: [KeyScope; 3] = [Self::Ingest, Self::Read, Self::All];

    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Ingest => "Ingest: send usage events",
            Self::Read => "Read: query usage",
            Self::All => "All: ingest and read",
        }
    }

    pub fn parse(s: &str) -> Result<Self, AppError> {
        Self::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| AppError::invalid("Choose a scope: ingest, read or all."))
    }
}

/// The name of a key, as people tell keys apart: 1 to 60 characters.
pub fn parse_key_name(raw: &str) -> Result<String, AppError> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 60 || crate::domain::text::has_hidden(name) {
        return Err(AppError::invalid("Give the key a name of 1 to 60 characters."));
    }
    Ok(name.to_string())
}

/// When a new key stops working: `never`, a number of days (30, 60, 90 or
/// 365), or a custom date (`YYYY-MM-DD`, the end of that day in UTC, from
/// tomorrow up to five years ahead).
pub fn parse_expiry(raw: &str, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, AppError> {
    let raw = raw.trim();
    let bad = || AppError::invalid("Choose when the key expires: never, 30, 60 or 90 days, 1 year, or a date within five years.");
    match raw {
        "" | "never" => Ok(None),
        "30" | "60" | "90" | "365" => Ok(Some(now + Duration::days(raw.parse().map_err(|_| bad())?))),
        date => {
            let day = NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| bad())?;
            let end = day.and_hms_opt(23, 59, 59).ok_or_else(bad)?.and_utc();
            if day <= now.date_naive() || end > now + Duration::days(5 * 366) {
                return Err(bad());
            }
            Ok(Some(end))
        }
    }
}

/// How long a rotated key keeps working beside its replacement.
pub fn parse_grace(raw: &str) -> Result<Duration, AppError> {
    match raw.trim() {
        "0" | "none" => Ok(Duration::zero()),
        "1h" => Ok(Duration::hours(1)),
        "24h" => Ok(Duration::hours(24)),
        _ => Err(AppError::invalid("Choose how long the old key keeps working: none, 1 hour or 24 hours.")),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyStatus {
    Active,
    /// Rotated or about to expire: works until `expires_at`.
    Expiring,
    Expired,
    Revoked,
}

impl KeyStatus {
    /// Expiring means within a day: a rotation's grace period, or a key near its end.
    pub fn of(now: DateTime<Utc>, expires_at: Option<DateTime<Utc>>, revoked_at: Option<DateTime<Utc>>) -> Self {
        match (revoked_at, expires_at) {
            (Some(_), _) => Self::Revoked,
            (None, Some(end)) if end <= now => Self::Expired,
            (None, Some(end)) if end - now <= Duration::hours(24) => Self::Expiring,
            _ => Self::Active,
        }
    }

    pub fn works(self) -> bool {
        matches!(self, Self::Active | Self::Expiring)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::Expiring => "Expiring",
            Self::Expired => "Expired",
            Self::Revoked => "Revoked",
        }
    }
}

/// A key as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyRow {
    pub id: i64,
    pub name: String,
    pub scope: KeyScope,
    pub hint: String,
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub status: KeyStatus,
    /// Whether the caller may revoke or rotate it.
    pub can_manage: bool,
    /// Replaced by a newer key (it may still work for a grace period).
    pub rotated: bool,
}

/// A key just created: the only time its secret is seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewKey {
    pub id: i64,
    pub name: String,
    pub secret: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-11-23T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn expiry_choices_and_dates() {
        assert_eq!(parse_expiry("never", now()).unwrap(), None);
        assert_eq!(parse_expiry("", now()).unwrap(), None);
        assert_eq!(parse_expiry("30", now()).unwrap(), Some(now() + Duration::days(30)));
        assert_eq!(parse_expiry("365", now()).unwrap(), Some(now() + Duration::days(365)));
        assert_eq!(parse_expiry("2026-12-01", now()).unwrap(), Some("2026-12-01T23:59:59Z".parse().unwrap()));
        for bad in ["31", "-30", "0", "2026-11-22", "2026-11-23", "2040-01-01", "2026-02-30", "tomorrow", "99999999999999999999"] {
            assert!(parse_expiry(bad, now()).is_err(), "{bad}");
        }
    }

    #[test]
    fn grace_choices() {
        assert_eq!(parse_grace("none").unwrap(), Duration::zero());
        assert_eq!(parse_grace("24h").unwrap(), Duration::hours(24));
        assert!(parse_grace("48h").is_err());
    }

    #[test]
    fn status_follows_dates() {
        let n = now();
        assert_eq!(KeyStatus::of(n, None, None), KeyStatus::Active);
        assert_eq!(KeyStatus::of(n, Some(n + Duration::hours(1)), None), KeyStatus::Expiring);
        assert_eq!(KeyStatus::of(n, Some(n), None), KeyStatus::Expired);
        assert_eq!(KeyStatus::of(n, Some(n + Duration::days(9)), Some(n)), KeyStatus::Revoked);
        assert!(!KeyStatus::Expired.works() && KeyStatus::Expiring.works());
    }

    #[test]
    fn names_and_scopes() {
        assert_eq!(parse_key_name("  prod ingest ").unwrap(), "prod ingest");
        assert!(parse_key_name(" ").is_err());
        assert!(parse_key_name(&"x".repeat(61)).is_err());
        assert!(parse_key_name("a\u{0}b").is_err());
        assert!(parse_key_name("prod\u{202E}tset").is_err());
        assert!(parse_key_name("a\u{200B}").is_err());
        assert_eq!(KeyScope::parse("all").unwrap(), KeyScope::All);
        assert!(KeyScope::parse("admin").is_err());
        use crate::domain::policy::{KeyAction, key_can};
        let can = |scope, action| key_can(scope, action);
        assert!(can(KeyScope::Ingest, KeyAction::Ingest) && !can(KeyScope::Ingest, KeyAction::ReadUsage));
        assert!(can(KeyScope::Read, KeyAction::ReadUsage) && !can(KeyScope::Read, KeyAction::Ingest));
        assert!(can(KeyScope::All, KeyAction::Ingest) && can(KeyScope::All, KeyAction::ReadUsage));
    }
}
