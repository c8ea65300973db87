//! Plans: what an organization may hold and send, and what it costs.
//! The figures come from the server's plans file (`server::billing::plans`);
//! these are the types both targets show them with.
use crate::domain::money::Nanos;
use serde::{Deserialize, Serialize};

/// Which plan an organization is on. Its name is stored, sent and shown
/// from this one declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, strum::IntoStaticStr, strum::EnumString)]
#[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
#[cfg_attr(feature = "ssr", sea_orm(rs_type = "String", db_type = "Text", rename_all = "lowercase"))]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum PlanId {
    Free,
    Pro,
    Enterprise,
}

impl PlanId {
    pub const ALL: [PlanId; 3] = [Self::Free, Self::Pro, Self::Enterprise];

    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Where a plan change stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::IntoStaticStr)]
#[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
#[cfg_attr(feature = "ssr", sea_orm(rs_type = "String", db_type = "Text", rename_all = "lowercase"))]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum PlanChangeStatus {
    /// A downgrade waiting for the end of its period.
    Scheduled,
    Applied,
    /// A scheduled downgrade the Owner took back.
    Cancelled,
}

impl PlanChangeStatus {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// One limit of a plan. `code()` is its name in error bodies (`plan_members`,
/// `plan_events_per_month`, …) and in the plans file (without `plan_`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, strum::IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Limit {
    Members,
    Projects,
    ApiKeys,
    EventsPerMonth,
    StoredBytes,
}

impl Limit {
    pub const ALL: [Limit; 5] = [Self::Members, Self::Projects, Self::ApiKeys, Self::EventsPerMonth, Self::StoredBytes];

    /// The name in the plans file.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The stable code of an error raised by this limit.
    pub fn code(self) -> &'static str {
        match self {
            Self::Members => "plan_members",
            Self::Projects => "plan_projects",
            Self::ApiKeys => "plan_api_keys",
            Self::EventsPerMonth => "plan_events_per_month",
            Self::StoredBytes => "plan_stored_bytes",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Members => "members",
            Self::Projects => "projects",
            Self::ApiKeys => "API keys",
            Self::EventsPerMonth => "events per month",
            Self::StoredBytes => "stored event bytes",
        }
    }
}

/// A plan's limits; `None` is unlimited.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    pub members: Option<u64>,
    pub projects: Option<u64>,
    pub api_keys: Option<u64>,
    /// Events stored per billing period. A hard cap unless the plan prices
    /// the events past it (`Plan::overage_per_1000_events`).
    pub events_per_month: Option<u64>,
    pub stored_bytes: Option<u64>,
}

impl Limits {
    pub fn get(&self, limit: Limit) -> Option<u64> {
        match limit {
            Limit::Members => self.members,
            Limit::Projects => self.projects,
            Limit::ApiKeys => self.api_keys,
            Limit::EventsPerMonth => self.events_per_month,
            Limit::StoredBytes => self.stored_bytes,
        }
    }

    pub fn set(&mut self, limit: Limit, value: Option<u64>) {
        match limit {
            Limit::Members => self.members = value,
            Limit::Projects => self.projects = value,
            Limit::ApiKeys => self.api_keys = value,
            Limit::EventsPerMonth => self.events_per_month = value,
            Limit::StoredBytes => self.stored_bytes = value,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub id: PlanId,
    pub name: String,
    /// The monthly price, in cents.
    pub monthly_cents: i64,
    pub limits: Limits,
    /// The price of each 1,000 events past `limits.events_per_month`; with
    /// none, that limit is a hard cap.
    pub overage_per_1000_events: Option<Nanos>,
}

impl Plan {
    /// The number of events a period may hold before more are refused, if any.
    pub fn event_cap(&self) -> Option<u64> {
        if self.overage_per_1000_events.is_some() { None } else { self.limits.events_per_month }
    }

    /// Whether one more of `limit` fits when `used` are held: for the
    /// counted limits (members, projects, keys), `used + adding <= limit`.
    pub fn allows(&self, limit: Limit, used: u64, adding: u64) -> bool {
        match self.limits.get(limit) {
            None => true,
            Some(max) => used.checked_add(adding).is_some_and(|n| n <= max),
        }
    }
}

/// Every plan, in `PlanId::ALL`'s order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plans(pub Vec<Plan>);

impl Plans {
    pub fn get(&self, id: PlanId) -> &Plan {
        // Built with one plan per id (`server::billing::plans`), in order.
        &self.0[PlanId::ALL.iter().position(|p| *p == id).unwrap_or(0)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(overage: Option<Nanos>) -> Plan {
        let limits = Limits { members: Some(3), events_per_month: Some(1_000), ..Limits::default() };
        Plan { id: PlanId::Free, name: "Free".into(), monthly_cents: 0, limits, overage_per_1000_events: overage }
    }

    #[test]
    fn a_limit_allows_up_to_and_including_it() {
        let p = plan(None);
        assert!(p.allows(Limit::Members, 2, 1));
        assert!(!p.allows(Limit::Members, 3, 1));
        assert!(!p.allows(Limit::Members, 1, 5));
        assert!(!p.allows(Limit::Members, u64::MAX, 1), "no overflow");
        assert!(p.allows(Limit::Projects, 1_000_000, 1), "unlimited");
    }

    #[test]
    fn events_are_capped_only_without_an_overage_price() {
        assert_eq!(plan(None).event_cap(), Some(1_000));
        assert_eq!(plan(Some(Nanos(500_000_000))).event_cap(), None);
    }

    #[test]
    fn names_are_written_once() {
        for id in PlanId::ALL {
            assert_eq!(serde_json::to_value(id).unwrap(), serde_json::Value::String(id.as_str().into()));
            assert_eq!(id.as_str().parse::<PlanId>().unwrap(), id);
        }
        for l in Limit::ALL {
            assert_eq!(serde_json::to_value(l).unwrap(), serde_json::Value::String(l.as_str().into()));
            assert_eq!(l.code(), format!("plan_{}", l.as_str()));
        }
    }
}
