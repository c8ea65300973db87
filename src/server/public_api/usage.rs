//! `GET /api/v1/usage`: a project's usage summed by day, model, assistant
//! or end user over a time range, for scripts and reports.
use super::{ApiError, ReadKey};
use crate::domain::money::Nanos;
use crate::error::AppError;
use crate::server::AppState;
use crate::server::repo::usage::{self, GroupBy, MAX_GROUPS, UsageRow};
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value, json};

/// Longest range one request may sum.
pub const MAX_RANGE_DAYS: i64 = 366;
pub const DEFAULT_RANGE_DAYS: i64 = 30;

pub async fn summary(State(app): State<AppState>, ReadKey(key): ReadKey, RawQuery(query): RawQuery) -> Result<Response, ApiError> {
    let q = Query::parse(query.as_deref().unwrap_or(""), Utc::now())?;
    let scope = usage::Scope { project_id: key.project_id, from_hour: q.from_hour, to_hour: q.to_hour, environment: None };
    let mut rows = usage::summary(&app.db, &scope, q.group).await?;
    let truncated = rows.len() as u64 > MAX_GROUPS;
    rows.truncate(MAX_GROUPS as usize);
    let mut total = UsageRow { key: None, requests: 0, errors: 0, input_tokens: 0, output_tokens: 0, cost: Nanos(0), latency_sum_ms: 0, latency_count: 0 };
    for r in &rows {
        total.requests += r.requests;
        total.errors += r.errors;
        total.input_tokens = total.input_tokens.saturating_add(r.input_tokens);
        total.output_tokens = total.output_tokens.saturating_add(r.output_tokens);
        total.cost = total.cost.saturating_add(r.cost);
        total.latency_sum_ms = total.latency_sum_ms.saturating_add(r.latency_sum_ms);
        total.latency_count += r.latency_count;
    }
    let body = json!({
        "from": hour_time(q.from_hour),
        "to": hour_time(q.to_hour),
        "group_by": q.group_name,
        "groups": rows.iter().map(|r| { let mut v = sums(r); v["key"] = json!(r.key); v }).collect::<Vec<_>>(),
        // With more than MAX_GROUPS groups only the costliest are listed, and the total covers those.
        "truncated": truncated,
        "total": sums(&total),
    });
    Ok(axum::Json(body).into_response())
}

fn sums(r: &UsageRow) -> Value {
    json!({
        "requests": r.requests,
        "errors": r.errors,
        "input_tokens": r.input_tokens,
        "output_tokens": r.output_tokens,
        "cost_usd": r.cost.usd_exact(),
        "avg_latency_ms": (r.latency_count > 0).then(|| r.latency_sum_ms / r.latency_count),
        // A sum that reached the largest value stored is a floor, not a figure.
        "capped": r.cost.is_capped() || r.input_tokens == i64::MAX || r.output_tokens == i64::MAX,
    })
}

fn hour_time(hour: i64) -> String {
    DateTime::<Utc>::from_timestamp(hour * 3600, 0).map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)).unwrap_or_default()
}

/// The query string, checked: `from` and `to` (a date or an RFC 3339 time,
/// `to` exclusive, both rounded down to the hour), `group_by`.
#[derive(Debug, PartialEq)]
struct Query {
    from_hour: i64,
    to_hour: i64,
    group: GroupBy,
    group_name: String,
}

impl Query {
    fn parse(raw: &str, now: DateTime<Utc>) -> Result<Self, AppError> {
        let (mut from, mut to, mut group) = (None, None, None);
        for (k, v) in url::form_urlencoded::parse(raw.as_bytes()) {
            let slot = match k.as_ref() {
                "from" => &mut from,
                "to" => &mut to,
                "group_by" => &mut group,
                other => return Err(invalid(format!("Unknown parameter `{}`; use from, to and group_by.", other.chars().take(40).collect::<String>()))),
            };
            if slot.replace(v.into_owned()).is_some() {
                return Err(invalid(format!("`{k}` is given twice.")));
            }
        }
        let group_name = group.unwrap_or_else(|| "day".into());
        // Hours are for the console's 24-hour view, not part of the public contract.
        let group = GroupBy::parse(&group_name).filter(|g| *g != GroupBy::Hour).ok_or_else(|| invalid("`group_by` must be day, model, assistant or user."))?;
        // Events may be stamped up to 5 minutes ahead; the default range holds them.
        let now_hour = (now + chrono::Duration::minutes(crate::domain::usage::MAX_CLOCK_SKEW_MINUTES)).timestamp().div_euclid(3600);
        let to_hour = match to {
            Some(t) => time(&t, "to")?,
            None => now_hour + 1,
        };
        let from_hour = match from {
            Some(f) => time(&f, "from")?,
            None => to_hour - DEFAULT_RANGE_DAYS * 24,
        };
        if from_hour >= to_hour {
            return Err(invalid("`from` must be before `to`."));
        }
        if to_hour - from_hour > MAX_RANGE_DAYS * 24 {
            return Err(invalid(format!("The range is longer than {MAX_RANGE_DAYS} days; ask for a shorter one.")));
        }
        Ok(Self { from_hour, to_hour, group, group_name })
    }
}

/// A date (`2026-11-23`, midnight UTC) or an RFC 3339 time, as a Unix hour.
fn time(raw: &str, name: &str) -> Result<i64, AppError> {
    let at = match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        Ok(d) => d.and_hms_opt(0, 0, 0).map(|t| t.and_utc()),
        Err(_) => DateTime::parse_from_rfc3339(raw).ok().map(|t| t.with_timezone(&Utc)),
    };
    let at = at.ok_or_else(|| invalid(format!("`{name}` must be a date like 2026-11-23 or an RFC 3339 time.")))?;
    Ok(at.timestamp().div_euclid(3600))
}

fn invalid(message: impl Into<String>) -> AppError {
    AppError::Transport(message.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn queries_default_to_the_last_30_days_by_day() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 10, 30, 0).unwrap();
        let q = Query::parse("", now).unwrap();
        assert_eq!(q.to_hour - q.from_hour, 30 * 24);
        assert_eq!(q.group, GroupBy::Day);
        let q = Query::parse("from=2026-11-01&to=2026-11-02T06:00:00%2B01:00&group_by=model", now).unwrap();
        assert_eq!(hour_time(q.from_hour), "2026-11-01T00:00:00Z");
        assert_eq!(hour_time(q.to_hour), "2026-11-02T05:00:00Z");
        assert_eq!(q.group, GroupBy::Model);
    }

    #[test]
    fn bad_queries_say_what_to_fix() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 10, 30, 0).unwrap();
        for (q, want) in [
            ("group_by=week", "day, model"),
            ("from=yesterday", "date like"),
            ("from=2026-11-02&to=2026-11-01", "before"),
            ("from=2020-01-01&to=2026-01-01", "366 days"),
            ("limit=5", "Unknown parameter"),
            ("from=2026-11-01&from=2026-11-02", "twice"),
            ("from=%FF%FE", "date like"),
            ("from=-9999999-01-01", "date like"),
        ] {
            let err = Query::parse(q, now).unwrap_err().to_string();
            assert!(err.contains(want), "{q}: {err}");
        }
    }
}
