//! `GET /api/v1/usage`: a project's usage summed by day, model, assistant
//! or end user over a time range, for scripts and reports.
use super::openapi::{INTERNAL, KEY_REFUSED, RATE_LIMITED};
use super::wire::{ErrorBody, Group, Sums, Usage, UsageParams};
use super::{ApiError, ReadKey};
use crate::domain::analytics::Window;
use crate::error::AppError;
use crate::server::AppState;
use crate::server::usage::query::{self, GroupBy, Hours, MAX_GROUPS, Scope, UsageRow};
use crate::server::usage::report;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};

/// Longest range one request may sum.
pub const MAX_RANGE_DAYS: i64 = 366;
pub const DEFAULT_RANGE_DAYS: i64 = 30;
/// What the public API groups by (hours are for the console's 24-hour view).
pub const GROUPS: [GroupBy; 5] = [GroupBy::Day, GroupBy::Model, GroupBy::Assistant, GroupBy::User, GroupBy::Key];

#[utoipa::path(
    get,
    path = "/usage",
    summary = "A project's usage, summed",
    description = format!("Needs a key with the `read` or `all` scope. Times are UTC and rounded down to the hour; the range is at most {MAX_RANGE_DAYS} days, by default the last {DEFAULT_RANGE_DAYS}. At most {MAX_GROUPS} groups, the costliest first."),
    params(UsageParams),
    responses(
        (status = 200, description = "Sums per group and in total.", body = Usage),
        (status = 400, description = "A parameter is unknown, repeated or malformed, or the range is too long.", body = ErrorBody),
        (status = 401, description = KEY_REFUSED, body = ErrorBody),
        (status = 403, description = "The key's scope does not allow reading usage.", body = ErrorBody),
        (status = 429, description = RATE_LIMITED, body = ErrorBody),
        (status = 500, description = INTERNAL, body = ErrorBody),
        (status = 503, description = "The database is busy; retry after `Retry-After` seconds.", body = ErrorBody),
    ),
)]
pub async fn summary(State(app): State<AppState>, ReadKey(key): ReadKey, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    let q = Query::parse(raw.as_deref().unwrap_or(""), Utc::now())?;
    let scope = Scope::project(key.org_id, key.project_id, Hours::from(&q.window));
    let mut rows = query::summary(&app.db, &scope, q.group).await?;
    let truncated = rows.len() as u64 > MAX_GROUPS;
    rows.truncate(MAX_GROUPS as usize);
    let body = Usage {
        from: hour_time(q.window.from_hour),
        to: hour_time(q.window.to_hour),
        group_by: q.group.as_str().to_string(),
        groups: rows.iter().map(|r| Group { key: r.key.clone(), sums: sums(r) }).collect(),
        // With more than MAX_GROUPS groups only the costliest are listed, and the total covers those.
        truncated,
        total: sums(&report::total(&rows)),
    };
    Ok(axum::Json(body).into_response())
}

fn sums(r: &UsageRow) -> Sums {
    Sums {
        requests: r.requests,
        errors: r.errors,
        input_tokens: r.input_tokens,
        output_tokens: r.output_tokens,
        cost_usd: r.cost.usd_exact(),
        avg_latency_ms: (r.latency_count > 0).then(|| r.latency_sum_ms / r.latency_count),
        // A sum that reached the largest value stored is a floor, not a figure.
        capped: r.cost.is_capped() || r.input_tokens == i64::MAX || r.output_tokens == i64::MAX,
    }
}

fn hour_time(hour: i64) -> String {
    DateTime::<Utc>::from_timestamp(hour * 3600, 0).map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)).unwrap_or_default()
}

/// The query string, checked: `from` and `to` (a date or an RFC 3339 time,
/// `to` exclusive, both rounded down to the hour), `group_by`.
#[derive(Debug, PartialEq)]
struct Query {
    window: Window,
    group: GroupBy,
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
        let group = match group {
            None => GroupBy::Day,
            Some(g) => {
                GroupBy::parse(&g).filter(|g| GROUPS.contains(g)).ok_or_else(|| invalid(format!("`group_by` must be {}.", GroupBy::names_of(&GROUPS))))?
            }
        };
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
        let window = Window::hours(from_hour, to_hour, MAX_RANGE_DAYS).map_err(invalid)?;
        Ok(Self { window, group })
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
        assert_eq!(q.window.to_hour - q.window.from_hour, 30 * 24);
        assert_eq!(q.group, GroupBy::Day);
        let q = Query::parse("from=2026-11-01&to=2026-11-02T06:00:00%2B01:00&group_by=model", now).unwrap();
        assert_eq!(hour_time(q.window.from_hour), "2026-11-01T00:00:00Z");
        assert_eq!(hour_time(q.window.to_hour), "2026-11-02T05:00:00Z");
        assert_eq!(q.group, GroupBy::Model);
    }

    #[test]
    fn bad_queries_say_what_to_fix() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 10, 30, 0).unwrap();
        for (q, want) in [
            ("group_by=week", "day, model, assistant, user or key"),
            ("group_by=hour", "must be day"),
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
