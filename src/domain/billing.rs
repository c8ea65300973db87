//! What the Billing page shows and sends: the plan, its use of each limit,
//! and a plan change with its price. Money in cents.
use crate::domain::plan::{Limit, Plan, PlanId};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How much of one limit the organization holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LimitUse {
    pub limit: Limit,
    pub used: u64,
    /// `None`: unlimited.
    pub max: Option<u64>,
}

/// How full a limit is, for its bar: below 80%, from 80%, at 100% or past.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Fill {
    Normal,
    Warning,
    Danger,
}

impl LimitUse {
    /// Basis points of the limit used (10,000 is all of it); 0 when unlimited.
    pub fn basis_points(&self) -> u64 {
        match self.max {
            None => 0,
            Some(0) => 10_000,
            Some(max) => (u128::from(self.used) * 10_000 / u128::from(max)).min(u128::from(u64::MAX)) as u64,
        }
    }

    pub fn fill(&self) -> Fill {
        match self.basis_points() {
            bp if self.max.is_some() && bp >= 10_000 => Fill::Danger,
            bp if bp >= 8_000 => Fill::Warning,
            _ => Fill::Normal,
        }
    }
}

/// A scheduled change, shown until it applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scheduled {
    pub to: PlanId,
    pub to_name: String,
    pub at: DateTime<Utc>,
    /// The day it applies, in the billing zone's calendar.
    pub at_label: String,
}

/// The payment method and billing contact (no card number: `domain::card`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentInfo {
    pub card: Option<crate::domain::card::Card>,
    pub contact_email: String,
    pub address: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingOverview {
    pub plan: Plan,
    pub plans: Vec<Plan>,
    pub zone: String,
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    /// The period in its zone's calendar: "1 Dec 2026 – 31 Dec 2026".
    pub period_label: String,
    pub usage: Vec<LimitUse>,
    pub scheduled: Option<Scheduled>,
    pub payment: PaymentInfo,
}

/// What changing to another plan would do, shown before the Owner confirms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangePreview {
    pub from: Plan,
    pub to: Plan,
    pub upgrade: bool,
    /// When it takes effect: now for an upgrade, the period's end for a downgrade.
    pub effective_at: DateTime<Utc>,
    /// That day in the billing zone's calendar.
    pub effective_label: String,
    /// A fresh idempotency key for confirming this change.
    pub key: String,
    /// The monthly price's change, in cents (negative for a cheaper plan).
    pub monthly_difference_cents: i64,
    /// An upgrade's price for the rest of this period, in cents.
    pub prorated_cents: i64,
    pub days_left: i64,
    pub days_in_period: i64,
    /// Why a downgrade cannot be made now (empty: it can).
    pub blockers: Vec<String>,
}

/// `difference` (cents a month) for `days_left` of `days` days, rounded once
/// to the nearest cent (halves away from zero).
pub fn prorate(difference: i64, days_left: i64, days: i64) -> i64 {
    if days <= 0 {
        return 0;
    }
    let exact = i128::from(difference) * i128::from(days_left.clamp(0, days));
    let days = i128::from(days);
    let rounded = if exact >= 0 { (exact + days / 2) / days } else { (exact - days / 2) / days };
    i64::try_from(rounded).unwrap_or(if rounded > 0 { i64::MAX } else { i64::MIN })
}

/// Cents as dollars: `4900` is `$49.00`, `-150` is `-$1.50`.
pub fn usd(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}${}.{:02}", crate::domain::money::count((c / 100) as i64), c % 100)
}

/// The client's idempotency key for one change: 8 to 64 letters, digits,
/// `-` or `_` (a UUID fits).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for IdempotencyKey {
    type Error = AppError;
    fn try_from(s: String) -> Result<Self, AppError> {
        let ok = (8..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if ok { Ok(Self(s)) } else { Err(AppError::invalid("The change's idempotency key must be 8 to 64 letters, digits, - or _.")) }
    }
}

impl From<IdempotencyKey> for String {
    fn from(k: IdempotencyKey) -> String {
        k.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prorating_rounds_once_to_the_nearest_cent() {
        // $49 for 17 of 31 days: 2687.096… cents.
        assert_eq!(prorate(4_900, 17, 31), 2_687);
        // $450 for 1 of 30 days: 1500 exactly; for 0 days nothing; past the period, all.
        assert_eq!(prorate(45_000, 1, 30), 1_500);
        assert_eq!(prorate(45_000, 0, 30), 0);
        assert_eq!(prorate(45_000, 40, 30), 45_000);
        // Halves go away from zero: 1 cent for half the days is 0.5 → 1.
        assert_eq!(prorate(1, 1, 2), 1);
        assert_eq!(prorate(-1, 1, 2), -1);
        // A float would say 0.1 + 0.2 ≠ 0.3; integers add up: three thirds of 100 cents.
        assert_eq!(prorate(100, 10, 30) * 3 + 1, 100);
        assert_eq!(prorate(i64::MAX, 31, 31), i64::MAX);
        assert_eq!(prorate(4_900, 5, 0), 0);
    }

    #[test]
    fn bars_warn_at_80_percent_and_alarm_at_100() {
        let u = |used, max| LimitUse { limit: Limit::Projects, used, max };
        assert_eq!(u(7, Some(10)).fill(), Fill::Normal);
        assert_eq!(u(8, Some(10)).fill(), Fill::Warning);
        assert_eq!(u(10, Some(10)).fill(), Fill::Danger);
        assert_eq!(u(12, Some(10)).fill(), Fill::Danger);
        assert_eq!(u(1_000_000, None).fill(), Fill::Normal);
        assert_eq!(u(0, Some(0)).fill(), Fill::Danger);
        assert_eq!(u(u64::MAX, Some(1)).basis_points(), u64::MAX, "no overflow");
    }

    #[test]
    fn cents_print_as_dollars() {
        assert_eq!(usd(4_900), "$49.00");
        assert_eq!(usd(-150), "-$1.50");
        assert_eq!(usd(123_456_789), "$1,234,567.89");
        assert_eq!(usd(5), "$0.05");
    }

    #[test]
    fn an_idempotency_key_is_short_and_plain() {
        assert!(IdempotencyKey::try_from("0b9f2c1e-7a4d-4d2b-9c51-1f0e8a7b6c5d".to_string()).is_ok());
        for bad in ["", "short", "has space in it", "semi;colon-key", &"x".repeat(65)] {
            assert!(IdempotencyKey::try_from(bad.to_string()).is_err(), "{bad:?}");
        }
    }
}
