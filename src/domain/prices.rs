//! The model price catalog as the Prices page shows it: every version of
//! every price an organization's events may use, built-in and its own.
use crate::domain::money::Nanos;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceRow {
    pub id: i64,
    pub provider: String,
    pub model: String,
    /// Per million tokens.
    pub input: Nanos,
    pub output: Nanos,
    pub effective_from: DateTime<Utc>,
    /// From Plinth's built-in list (the organization's own rows win).
    pub built_in: bool,
    /// Prices the model's calls that name no provider (see `repo::prices::Pricing`).
    pub default_provider: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceList {
    pub org_id: i64,
    pub rows: Vec<PriceRow>,
}

/// Where a recompute stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::IntoStaticStr)]
#[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
#[cfg_attr(feature = "ssr", sea_orm(rs_type = "String", db_type = "Text", rename_all = "lowercase"))]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum RecomputeState {
    Running,
    Done,
    /// It stopped on an error, or its process stopped; nothing half-done
    /// stays: each chunk moved events and rollups together.
    Failed,
}

/// A recompute of one model's costs, as the Prices page follows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecomputeJob {
    pub id: i64,
    pub model: String,
    pub state: RecomputeState,
    /// Events without a cost of their own, when it started.
    pub events_total: i64,
    pub events_done: i64,
    pub changed: i64,
    /// The total change so far, in nano-dollars.
    pub delta: i64,
    pub error: Option<String>,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl RecomputeJob {
    /// Whole percent done, for the progress bar.
    pub fn percent(&self) -> i64 {
        if self.events_total <= 0 {
            if self.state == RecomputeState::Running { 0 } else { 100 }
        } else {
            (self.events_done.min(self.events_total) * 100) / self.events_total
        }
    }
}

/// A provider or model name: trimmed, 1 to 200 characters.
pub fn parse_name(s: &str, what: &str) -> Result<String, crate::error::AppError> {
    let s = s.trim();
    if s.is_empty() || s.chars().count() > 200 || crate::domain::text::has_hidden(s) {
        return Err(crate::error::AppError::invalid(format!("Give the {what}: 1 to 200 characters.")));
    }
    Ok(s.to_string())
}

/// A price per million tokens in dollars ("2.50"), exact, at most $1,000,000.
pub fn parse_price(s: &str, what: &str) -> Result<Nanos, crate::error::AppError> {
    match Nanos::parse_usd(s.trim()) {
        Ok(n) if n.0 >= 0 && n.0 <= 1_000_000 * crate::domain::money::NANOS_PER_USD => Ok(n),
        _ => Err(crate::error::AppError::invalid(format!("The {what} price is dollars per million tokens, like 2.50 (at most 1000000)."))),
    }
}

/// "2026-11-01" (midnight UTC) or an RFC 3339 time; empty means now.
pub fn parse_effective(s: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, crate::error::AppError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(now);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .filter(|t| t.timestamp() >= 0)
        .ok_or_else(|| crate::error::AppError::invalid("The start is a date (YYYY-MM-DD) or a time (RFC 3339)."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_and_names_parse_once() {
        assert_eq!(parse_price("2.50", "input").unwrap(), Nanos(2_500_000_000));
        assert_eq!(parse_price("0", "input").unwrap(), Nanos(0));
        for bad in ["-1", "abc", "1e30", "1000000.01", "NaN", ""] {
            assert!(parse_price(bad, "input").is_err(), "{bad}");
        }
        assert!(parse_name("  ", "model").is_err());
        assert!(parse_name(&"m".repeat(201), "model").is_err());
        assert_eq!(parse_name(" gpt-4o ", "model").unwrap(), "gpt-4o");
        let now = Utc::now();
        assert_eq!(parse_effective("", now).unwrap(), now);
        assert_eq!(parse_effective("2026-11-01", now).unwrap().to_rfc3339(), "2026-11-01T00:00:00+00:00");
        assert!(parse_effective("tomorrow", now).is_err());
    }
}
