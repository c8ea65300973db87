//! What a project's dashboard shows: sums over a range of days, a chart
//! option the server built, and the costliest models and end users.
use crate::domain::money::Nanos;
use serde::{Deserialize, Serialize};

/// The ranges every analytics page offers: (query value, label, days; 0 = 24 hours).
pub const RANGES: [(&str, &str); 4] = [("24h", "Last 24 hours"), ("7d", "Last 7 days"), ("30d", "Last 30 days"), ("90d", "Last 90 days")];
pub const DEFAULT_RANGE: &str = "30d";
/// The longest custom range, in days.
pub const MAX_CUSTOM_DAYS: i64 = 366;
/// Rows in the model and user tables.
pub const TOP_ROWS: usize = 10;

/// What an analytics page shows, as its URL says: `?range=7d`, or a custom
/// `?from=2026-11-01&to=2026-11-15` (whole UTC days, both included), and
/// optionally one environment (`?env=production`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Filters {
    pub range: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub env: Option<String>,
}

/// A checked time window in Unix hours, `[from_hour, to_hour)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub from_hour: i64,
    pub to_hour: i64,
    /// Charts step by hour (the 24-hour range) rather than by day.
    pub hourly: bool,
    /// "the last 30 days", "2026-11-01 to 2026-11-15".
    pub label: String,
}

impl Filters {
    /// The environment filter, or `None` for all of them.
    pub fn environment(&self) -> Option<&str> {
        self.env.as_deref().filter(|e| !e.is_empty())
    }

    /// The window these filters name at `now_hour` (the current Unix hour).
    pub fn window(&self, now_hour: i64) -> Result<Window, String> {
        fn custom(v: &Option<String>) -> Option<&str> {
            v.as_deref().filter(|s| !s.is_empty())
        }
        if let (Some(from), Some(to)) = (custom(&self.from), custom(&self.to)) {
            let day =
                |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc().timestamp() / 86_400);
            let (Some(first), Some(last)) = (day(from), day(to)) else {
                return Err("Dates are written YYYY-MM-DD.".into());
            };
            if first > last {
                return Err("The start date must not be after the end date.".into());
            }
            if last - first + 1 > MAX_CUSTOM_DAYS {
                return Err(format!("Choose at most {MAX_CUSTOM_DAYS} days."));
            }
            return Ok(Window { from_hour: first * 24, to_hour: (last + 1) * 24, hourly: false, label: format!("{from} to {to}") });
        }
        let range = self.range.as_deref().unwrap_or(DEFAULT_RANGE);
        let today = now_hour.div_euclid(24);
        let days = match range {
            "24h" => return Ok(Window { from_hour: now_hour - 23, to_hour: now_hour + 1, hourly: true, label: "the last 24 hours".into() }),
            "7d" => 7,
            "30d" => 30,
            "90d" => 90,
            _ => return Err("Choose a range of 24 hours, 7, 30 or 90 days, or two dates.".into()),
        };
        Ok(Window { from_hour: (today - days + 1) * 24, to_hour: (today + 1) * 24, hourly: false, label: format!("the last {days} days") })
    }

    /// These filters as query parameters, without `?` ("range=7d&env=prod").
    pub fn to_query(&self) -> String {
        let mut parts = Vec::new();
        let mut add = |name: &str, v: &Option<String>| {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                parts.push(format!("{name}={}", crate::urls::query_value(v)));
            }
        };
        add("range", &self.range);
        add("from", &self.from);
        add("to", &self.to);
        add("env", &self.env);
        parts.join("&")
    }

    /// The query string for these filters with `range` replaced (custom dates dropped).
    pub fn with_range(&self, range: &str) -> String {
        let mut q = format!("?range={range}");
        if let Some(env) = self.environment() {
            q.push_str("&env=");
            q.push_str(&crate::urls::query_value(env));
        }
        q
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageTotals {
    pub requests: i64,
    pub errors: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cost: Nanos,
    pub avg_latency_ms: Option<i64>,
    pub p50_latency_ms: Option<i64>,
    pub p95_latency_ms: Option<i64>,
    pub p99_latency_ms: Option<i64>,
}

impl UsageTotals {
    /// "2.5%" of requests that failed; "—" without requests.
    pub fn error_rate(&self) -> String {
        if self.requests == 0 {
            return "—".into();
        }
        let tenths = (self.errors as i128 * 1000 + self.requests as i128 / 2) / self.requests as i128;
        format!("{}.{}%", tenths / 10, tenths % 10)
    }
}

/// One model or end user: its share of the range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageGroup {
    /// `None` for calls that named no end user.
    pub key: Option<String>,
    pub requests: i64,
    pub tokens: i64,
    pub cost: Nanos,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectDashboard {
    pub window: Window,
    pub totals: UsageTotals,
    /// ECharts options (JSON), each with a sentence for screen readers.
    pub usage_chart: ChartData,
    pub errors_chart: ChartData,
    pub models: Vec<UsageGroup>,
    pub assistants: Vec<UsageGroup>,
    pub users: Vec<UsageGroup>,
    /// Environments the project has reported, for the filter.
    pub environments: Vec<String>,
    /// Events whose model has no price yet (their cost counts as zero).
    pub unpriced: i64,
    /// The chart loader's URL; `None` when the site was built without it.
    pub charts_script: Option<String>,
    /// Where applications send events (for the empty state's snippets).
    pub endpoint: String,
}

/// One chart: the option the server built, what it shows in words, and the
/// same numbers as a table (one click away, for readers who cannot see it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChartData {
    pub option: String,
    pub summary: String,
    pub table: TextTable,
}

/// Rows of text under column names, ready to show.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextTable {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_rates_round_to_a_tenth() {
        let t = |requests, errors| UsageTotals { requests, errors, ..Default::default() }.error_rate();
        assert_eq!(t(0, 0), "—");
        assert_eq!(t(3, 1), "33.3%");
        assert_eq!(t(200, 5), "2.5%");
        assert_eq!(t(i64::MAX, i64::MAX), "100.0%");
    }

    #[test]
    fn windows_come_from_the_url() {
        let f = |range: Option<&str>, from: Option<&str>, to: Option<&str>| Filters {
            range: range.map(Into::into),
            from: from.map(Into::into),
            to: to.map(Into::into),
            env: None,
        };
        let now = 24 * 20_000 + 5; // 05:00 UTC on day 20,000
        let w = f(None, None, None).window(now).unwrap();
        assert_eq!((w.from_hour, w.to_hour, w.hourly), ((20_000 - 29) * 24, 20_001 * 24, false));
        let w = f(Some("24h"), None, None).window(now).unwrap();
        assert_eq!((w.to_hour - w.from_hour, w.hourly), (24, true));
        assert!(f(Some("8d"), None, None).window(now).is_err());
        let w = f(None, Some("2024-10-01"), Some("2024-10-01")).window(now).unwrap();
        assert_eq!(w.to_hour - w.from_hour, 24, "one whole day");
        assert!(f(None, Some("2024-10-02"), Some("2024-10-01")).window(now).is_err(), "backwards");
        assert!(f(None, Some("2020-01-01"), Some("2024-01-01")).window(now).is_err(), "too long");
        assert!(f(None, Some("yesterday"), Some("2024-01-01")).window(now).is_err());
        assert!(f(None, Some("-262144-01-01"), Some("2024-01-01")).window(now).is_err());
        assert_eq!(f(Some("7d"), None, None).with_range("24h"), "?range=24h");
        let custom = Filters { range: None, from: Some("2024-10-01".into()), to: Some("2024-10-02".into()), env: Some("a&b".into()) };
        assert_eq!(custom.to_query(), "from=2024-10-01&to=2024-10-02&env=a%26b");
        assert_eq!(Filters::default().to_query(), "");
    }
}
