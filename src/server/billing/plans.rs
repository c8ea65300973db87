//! The plans, from built-in defaults and the TOML file `PLINTH_PLANS` names.
//! A field left out of the file keeps its default, so a file can change one
//! figure; anything unknown or malformed stops start-up with its line.
//!
//! ```toml
//! [free]
//! events_per_month = 50_000
//! [pro]
//! monthly_usd = "59"
//! overage_usd_per_1000_events = "0.35"
//! [enterprise]
//! members = "unlimited"
//! ```
use crate::domain::money::{NANOS_PER_USD, Nanos};
use crate::domain::plan::{Limit, Limits, Plan, PlanId, Plans};
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use std::fmt;

/// The plans Plinth ships with.
pub fn defaults() -> Plans {
    let free = Limits { members: Some(3), projects: Some(3), api_keys: Some(5), events_per_month: Some(100_000), stored_bytes: Some(1_000_000_000) };
    let pro = Limits { members: Some(25), projects: Some(25), api_keys: Some(100), events_per_month: Some(2_000_000), stored_bytes: Some(50_000_000_000) };
    Plans(vec![
        Plan { id: PlanId::Free, name: "Free".into(), monthly_cents: 0, limits: free, overage_per_1000_events: None },
        Plan { id: PlanId::Pro, name: "Pro".into(), monthly_cents: 4_900, limits: pro, overage_per_1000_events: Some(Nanos(400_000_000)) },
        Plan { id: PlanId::Enterprise, name: "Enterprise".into(), monthly_cents: 49_900, limits: Limits::default(), overage_per_1000_events: None },
    ])
}

/// Read the plans file at `path` over the defaults.
pub fn load(path: &str) -> Result<Plans, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("PLINTH_PLANS: cannot read {path}: {e}"))?;
    parse(&text).map_err(|e| format!("PLINTH_PLANS: {path}: {e}"))
}

/// The defaults with `text`'s changes; the error names the line.
pub fn parse(text: &str) -> Result<Plans, String> {
    let file: File = toml::from_str(text).map_err(|e| e.to_string().trim_end().to_string())?;
    let mut plans = defaults();
    for (plan, changes) in plans.0.iter_mut().zip([file.free, file.pro, file.enterprise]) {
        let Some(c) = changes else { continue };
        if let Some(name) = c.name {
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 40 {
                return Err(format!("[{}] name must be 1 to 40 characters", plan.id.as_str()));
            }
            plan.name = name.to_string();
        }
        if let Some(Usd(n)) = c.monthly_usd {
            if n % (NANOS_PER_USD / 100) != 0 {
                return Err(format!("[{}] monthly_usd must be whole cents", plan.id.as_str()));
            }
            plan.monthly_cents = n / (NANOS_PER_USD / 100);
        }
        if let Some(price) = c.overage_usd_per_1000_events {
            plan.overage_per_1000_events = price.0.map(Nanos);
        }
        for (limit, value) in [
            (Limit::Members, c.members),
            (Limit::Projects, c.projects),
            (Limit::ApiKeys, c.api_keys),
            (Limit::EventsPerMonth, c.events_per_month),
            (Limit::StoredBytes, c.stored_bytes),
        ] {
            if let Some(LimitValue(v)) = value {
                plan.limits.set(limit, v);
            }
        }
        if plan.limits.members == Some(0) {
            return Err(format!("[{}] members must be at least 1: an organization's creator is its first member", plan.id.as_str()));
        }
    }
    Ok(plans)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    free: Option<Changes>,
    pro: Option<Changes>,
    enterprise: Option<Changes>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Changes {
    name: Option<String>,
    monthly_usd: Option<Usd>,
    /// A price, or "none" for a hard cap at `events_per_month`.
    overage_usd_per_1000_events: Option<OptionalUsd>,
    members: Option<LimitValue>,
    projects: Option<LimitValue>,
    api_keys: Option<LimitValue>,
    events_per_month: Option<LimitValue>,
    stored_bytes: Option<LimitValue>,
}

/// A whole number, or "unlimited".
struct LimitValue(Option<u64>);

impl<'de> Deserialize<'de> for LimitValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = LimitValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a whole number of at least 0, or \"unlimited\"")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<LimitValue, E> {
                u64::try_from(v)
                    .map(|v| LimitValue(Some(v)))
                    .map_err(|_| E::custom("a limit cannot be negative; write a whole number of at least 0, or \"unlimited\""))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<LimitValue, E> {
                Ok(LimitValue(Some(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<LimitValue, E> {
                if v == "unlimited" { Ok(LimitValue(None)) } else { Err(E::custom(format!("expected a whole number or \"unlimited\", not \"{v}\""))) }
            }
        }
        d.deserialize_any(V)
    }
}

/// Dollars, written as a string ("49.00") or a whole number; never a float,
/// which would round.
struct Usd(i64);

impl<'de> Deserialize<'de> for Usd {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Usd(d.deserialize_any(UsdVisitor { none: false })?.ok_or_else(|| de::Error::custom("a price is required here"))?))
    }
}

/// Dollars, or "none".
struct OptionalUsd(Option<i64>);

impl<'de> Deserialize<'de> for OptionalUsd {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(OptionalUsd(d.deserialize_any(UsdVisitor { none: true })?))
    }
}

struct UsdVisitor {
    none: bool,
}

impl Visitor<'_> for UsdVisitor {
    type Value = Option<i64>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(if self.none { "dollars as a string (\"0.40\") or \"none\"" } else { "dollars as a string, e.g. \"49.00\"" })
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        self.visit_str(&v.to_string())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        self.visit_str(&v.to_string())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Err(E::custom(format!("write a price as a string, e.g. \"{v}\": a float can round it")))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if self.none && v == "none" {
            return Ok(None);
        }
        Nanos::parse_usd(v.trim()).map(|n| Some(n.0)).map_err(|e| E::custom(format!("a price {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_file_is_the_defaults() {
        assert_eq!(parse("").unwrap(), defaults());
    }

    #[test]
    fn a_file_changes_only_what_it_names() {
        let plans =
            parse("[free]\nevents_per_month = 50_000\nprojects = \"unlimited\"\n[pro]\nmonthly_usd = \"59.90\"\noverage_usd_per_1000_events = \"0.005\"\n")
                .unwrap();
        let free = plans.get(PlanId::Free);
        assert_eq!((free.limits.events_per_month, free.limits.projects, free.limits.members), (Some(50_000), None, Some(3)));
        let pro = plans.get(PlanId::Pro);
        assert_eq!((pro.monthly_cents, pro.overage_per_1000_events), (5_990, Some(Nanos(5_000_000))));
        assert_eq!(plans.get(PlanId::Enterprise), defaults().get(PlanId::Enterprise));
        let capped = parse("[pro]\noverage_usd_per_1000_events = \"none\"\n").unwrap();
        assert_eq!(capped.get(PlanId::Pro).event_cap(), Some(2_000_000));
    }

    #[test]
    fn a_malformed_file_names_the_line() {
        for (text, line, why) in [
            ("[free]\nmembers = 3\nprojects = -1\n", "line 3", "negative"),
            ("[free]\n\n\nmonthly_usd = 4.99\n", "line 4", "float"),
            ("[pro]\nmembrs = 3\n", "line 2", "unknown field"),
            ("[gold]\nmembers = 3\n", "line 1", "unknown field"),
            ("[free]\nmembers = \"lots\"\n", "line 2", "unlimited"),
            ("[free]\nmembers = 3\nmembers = 4\n", "line 3", "duplicate"),
            ("[pro]\nmonthly_usd = \"4.999\"\n", "", "whole cents"),
            ("[free\n", "line 1", ""),
        ] {
            let err = parse(text).unwrap_err();
            assert!(err.contains(line) && err.contains(why), "{text:?} gave {err}");
        }
    }
}
