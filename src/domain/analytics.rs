//! What a project's dashboard shows: sums over a range of days, a chart
//! option the server built, and the costliest models and end users.
use crate::domain::money::Nanos;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

crate::named_enum! {
    /// The ranges every analytics page offers, as `?range=` names them.
    #[derive(Default)]
    pub enum Range {
        Day = "24h",
        Week = "7d",
        #[default]
        Month = "30d",
        Quarter = "90d",
    }
}

impl Range {
    pub fn label(self) -> &'static str {
        match self {
            Range::Day => "Last 24 hours",
            Range::Week => "Last 7 days",
            Range::Month => "Last 30 days",
            Range::Quarter => "Last 90 days",
        }
    }

    /// Whole days back from today, or `None` for the last 24 hours.
    fn days(self) -> Option<i64> {
        match self {
            Range::Day => None,
            Range::Week => Some(7),
            Range::Month => Some(30),
            Range::Quarter => Some(90),
        }
    }
}

/// The longest filter value kept; longer ones cannot match anything stored.
pub const MAX_FILTER_CHARS: usize = 200;
/// The longest custom range, in days.
pub const MAX_CUSTOM_DAYS: i64 = 366;
/// Rows in the model and user tables.
pub const TOP_ROWS: usize = 10;
/// How tables and charts name the calls that gave no model, and no
/// assistant or end user.
pub const NO_MODEL: &str = "(no model)";
pub const NOT_NAMED: &str = "(not named)";

/// What an analytics page shows, as its URL says: `?range=7d`, or a custom
/// `?from=2026-11-01&to=2026-11-15` (whole UTC days, both included), and
/// optionally one environment (`?env=production`). Typed: the URL's text is
/// parsed once, by `AnalyticsQuery::filters` or serde.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Filters {
    pub range: Option<Range>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
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

impl Window {
    /// The last 24 hours (to the end of the current one), or the last whole
    /// UTC days up to and including today, at `now_hour` (a Unix hour).
    pub fn last(range: Range, now_hour: i64) -> Window {
        match range.days() {
            None => Window { from_hour: now_hour - 23, to_hour: now_hour + 1, hourly: true, label: "the last 24 hours".into() },
            Some(days) => {
                let today = now_hour.div_euclid(24);
                Window { from_hour: (today - days + 1) * 24, to_hour: (today + 1) * 24, hourly: false, label: format!("the last {days} days") }
            }
        }
    }

    /// Whole UTC days from `first` to `last`, both included.
    pub fn days(first: NaiveDate, last: NaiveDate) -> Result<Window, String> {
        if first > last {
            return Err("The start date must not be after the end date.".into());
        }
        if (last - first).num_days() + 1 > MAX_CUSTOM_DAYS {
            return Err(format!("Choose at most {MAX_CUSTOM_DAYS} days."));
        }
        let day = |d: NaiveDate| d.and_time(chrono::NaiveTime::MIN).and_utc().timestamp().div_euclid(86_400);
        Ok(Window { from_hour: day(first) * 24, to_hour: (day(last) + 1) * 24, hourly: false, label: format!("{first} to {last}") })
    }

    /// Hours `[from_hour, to_hour)` of at most `max_days` days.
    pub fn hours(from_hour: i64, to_hour: i64, max_days: i64) -> Result<Window, String> {
        if from_hour >= to_hour {
            return Err("The start must be before the end.".into());
        }
        if to_hour - from_hour > max_days * 24 {
            return Err(format!("The range is longer than {max_days} days; ask for a shorter one."));
        }
        Ok(Window { from_hour, to_hour, hourly: false, label: String::new() })
    }
}

impl Filters {
    /// The environment filter, or `None` for all of them.
    pub fn environment(&self) -> Option<&str> {
        self.env.as_deref().filter(|e| !e.is_empty())
    }

    /// The window these filters name at `now_hour` (the current Unix hour):
    /// both dates, or else the range.
    pub fn window(&self, now_hour: i64) -> Result<Window, String> {
        self.check()?;
        match (self.from, self.to) {
            (Some(first), Some(last)) => Window::days(first, last),
            _ => Ok(Window::last(self.range.unwrap_or_default(), now_hour)),
        }
    }

    /// These filters as query parameters, without `?` ("range=7d&env=prod").
    pub fn to_query(&self) -> String {
        let mut parts = Vec::new();
        if let Some(r) = self.range {
            parts.push(format!("range={r}"));
        }
        if let Some(d) = self.from {
            parts.push(format!("from={d}"));
        }
        if let Some(d) = self.to {
            parts.push(format!("to={d}"));
        }
        if let Some(env) = self.environment() {
            parts.push(format!("env={}", crate::urls::query_value(env)));
        }
        parts.join("&")
    }

    /// The query string for these filters with `range` replaced (custom dates dropped).
    pub fn with_range(&self, range: Range) -> String {
        let mut q = format!("?range={range}");
        if let Some(env) = self.environment() {
            q.push_str("&env=");
            q.push_str(&crate::urls::query_value(env));
        }
        q
    }

    /// The environment filter's rule: at most `MAX_FILTER_CHARS` characters,
    /// none a control character (PostgreSQL cannot even compare a NUL).
    /// Filters that arrive typed (a server function's argument) are checked
    /// here too.
    pub fn check(&self) -> Result<(), String> {
        let max = MAX_FILTER_CHARS;
        match self.environment() {
            Some(env) if env.chars().count() > max || env.chars().any(char::is_control) => {
                Err(format!("An environment is at most {max} characters, without control characters."))
            }
            _ => Ok(()),
        }
    }

    /// Filters from the URL's text: the one place it is parsed. An empty
    /// value is no filter, as the forms send them.
    pub fn from_url(range: Option<&str>, from: Option<&str>, to: Option<&str>, env: Option<&str>) -> Result<Filters, String> {
        fn given(v: Option<&str>) -> Option<&str> {
            v.filter(|s| !s.is_empty())
        }
        let range = match given(range) {
            None => None,
            Some(r) => Some(Range::parse(r).ok_or_else(|| "Choose a range of 24 hours, 7, 30 or 90 days, or two dates.".to_string())?),
        };
        let date = |v: Option<&str>| match given(v) {
            None => Ok(None),
            Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d").map(Some).map_err(|_| "Dates are written YYYY-MM-DD.".to_string()),
        };
        let filters = Filters { range, from: date(from)?, to: date(to)?, env: given(env).map(str::to_string) };
        filters.check()?;
        Ok(filters)
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
    /// Each model's and assistant's share of the cost and of the requests.
    pub models_share: ChartData,
    pub assistants_share: ChartData,
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
        let f = |range: Option<&str>, from: Option<&str>, to: Option<&str>| Filters::from_url(range, from, to, None).and_then(|f| f.window(24 * 20_000 + 5));
        // 05:00 UTC on day 20,000
        let w = f(None, None, None).unwrap();
        assert_eq!((w.from_hour, w.to_hour, w.hourly), ((20_000 - 29) * 24, 20_001 * 24, false));
        let w = f(Some("24h"), None, None).unwrap();
        assert_eq!((w.to_hour - w.from_hour, w.hourly), (24, true));
        assert!(f(Some("8d"), None, None).is_err());
        let w = f(None, Some("2024-10-01"), Some("2024-10-01")).unwrap();
        assert_eq!(w.to_hour - w.from_hour, 24, "one whole day");
        assert!(f(None, Some("2024-10-02"), Some("2024-10-01")).is_err(), "backwards");
        assert!(f(None, Some("2020-01-01"), Some("2024-01-01")).is_err(), "too long");
        assert!(f(None, Some("yesterday"), Some("2024-01-01")).is_err());
        assert!(f(None, Some("-262144-01-01"), Some("2024-01-01")).is_err());
        assert_eq!(f(None, Some(""), Some("")).unwrap().to_hour - f(None, None, None).unwrap().to_hour, 0, "empty form fields are no filter");
        let week = Filters { range: Some(Range::Week), ..Default::default() };
        assert_eq!(week.with_range(Range::Day), "?range=24h");
        let custom = Filters::from_url(None, Some("2024-10-01"), Some("2024-10-02"), Some("a&b")).unwrap();
        assert_eq!(custom.to_query(), "from=2024-10-01&to=2024-10-02&env=a%26b");
        assert_eq!(Filters::default().to_query(), "");
        assert!(Window::hours(10, 10, 1).is_err() && Window::hours(0, 25, 1).is_err() && Window::hours(0, 24, 1).is_ok());
        // Typed over the wire: a server function refuses a range it does not know.
        assert!(serde_json::from_str::<Filters>(r#"{"range":"8d"}"#).is_err());
        assert_eq!(serde_json::from_str::<Filters>(r#"{"range":"7d","from":"2026-11-01"}"#).unwrap().from, NaiveDate::from_ymd_opt(2026, 11, 1));
    }
}
