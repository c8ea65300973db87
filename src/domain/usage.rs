//! What a reported LLM call is, shared by server and browser: its status,
//! where its cost came from, and the contract's limits (the README and
//! `/api/openapi.json` quote them). Checking an event is the server's
//! `usage::intake`.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, strum::IntoStaticStr)]
#[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
#[cfg_attr(feature = "ssr", sea_orm(rs_type = "String", db_type = "Text", rename_all = "lowercase"))]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum EventStatus {
    Success,
    Error,
}

impl EventStatus {
    pub const ALL: [EventStatus; 2] = [EventStatus::Success, EventStatus::Error];

    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// As the log's filter names it.
    pub fn label(self) -> &'static str {
        match self {
            EventStatus::Success => "Success",
            EventStatus::Error => "Error",
        }
    }
}

/// Where an event's cost came from: the client, the price catalog, or
/// nowhere yet (a model with no price; a price added later fills it in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::IntoStaticStr)]
#[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
#[cfg_attr(feature = "ssr", sea_orm(rs_type = "String", db_type = "Text", rename_all = "lowercase"))]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum CostSource {
    Reported,
    Catalog,
    Unpriced,
}

/// Limits of the contract (the README and `/api/openapi.json` quote them).
pub const MAX_EVENTS_PER_REQUEST: usize = 1_000;
pub const MAX_BODY_BYTES: usize = 5 * 1024 * 1024;
pub const MAX_ID_CHARS: usize = 128;
pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_ERROR_BYTES: usize = 4 * 1024;
pub const MAX_METADATA_KEYS: usize = 50;
pub const MAX_METADATA_KEY_CHARS: usize = 64;
pub const MAX_METADATA_VALUE_CHARS: usize = 1_024;
/// Far more than any single call uses; keeps sums far from overflowing.
pub const MAX_TOKENS: u64 = 1_000_000_000;
/// No single call costs more; with it, sums stay far from overflowing.
pub const MAX_EVENT_COST_NANOS: i64 = 1_000_000 * crate::domain::money::NANOS_PER_USD;
pub const MAX_LATENCY_MS: u64 = 7 * 24 * 3_600_000;
/// How far ahead of the server's clock a timestamp may be.
pub const MAX_CLOCK_SKEW_MINUTES: i64 = 5;

/// Every field an event may carry, in the order the README lists them.
pub const EVENT_FIELDS: [&str; 17] = [
    "id",
    "timestamp",
    "model",
    "provider",
    "assistant",
    "user",
    "environment",
    "session_id",
    "input_tokens",
    "output_tokens",
    "cost_usd",
    "latency_ms",
    "status",
    "error",
    "input",
    "output",
    "metadata",
];

/// Every stored enum is spelled one way: its variant's name in lower case,
/// by serde, by the database and by `as_str` alike.
#[cfg(all(test, feature = "ssr"))]
mod one_spelling {
    use crate::domain::api_key::KeyScope;
    use crate::domain::org::OrgKind;
    use crate::domain::prices::RecomputeState;
    use crate::domain::project::Environment;
    use crate::domain::role::{OrgRole, ProjectRole};
    use crate::domain::usage::{CostSource, EventStatus};
    use sea_orm::{ActiveEnum, Iterable};

    fn agree<T>()
    where
        T: ActiveEnum<Value = String> + Iterable + serde::Serialize + Into<&'static str> + Copy + std::fmt::Debug,
    {
        for v in T::iter() {
            let name: &'static str = v.into();
            assert_eq!(serde_json::to_value(v).unwrap(), name, "{v:?}");
            assert_eq!(v.to_value(), name, "{v:?}");
            assert_eq!(name, format!("{v:?}").to_lowercase());
        }
    }

    #[test]
    fn serde_the_database_and_as_str_agree() {
        agree::<OrgRole>();
        agree::<ProjectRole>();
        agree::<KeyScope>();
        agree::<Environment>();
        agree::<OrgKind>();
        agree::<RecomputeState>();
        agree::<EventStatus>();
        agree::<CostSource>();
    }
}
