//! What a project's dashboard shows: sums over a range of days, a chart
//! option the server built, and the costliest models and end users.
use crate::domain::money::Nanos;
use serde::{Deserialize, Serialize};

/// The ranges the dashboard offers, in days.
pub const RANGES: [u32; 3] = [7, 30, 90];
pub const DEFAULT_RANGE: u32 = 30;
/// Rows in the model and user tables.
pub const TOP_ROWS: usize = 10;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageTotals {
    pub requests: i64,
    pub errors: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cost: Nanos,
    pub avg_latency_ms: Option<i64>,
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
    pub days: u32,
    pub totals: UsageTotals,
    /// An ECharts option (JSON): cost and requests per day.
    pub daily_chart: String,
    /// A sentence for screen readers, instead of the chart.
    pub chart_summary: String,
    pub models: Vec<UsageGroup>,
    pub users: Vec<UsageGroup>,
    /// Events whose model has no price yet (their cost counts as zero).
    pub unpriced: i64,
    /// The chart loader's URL; `None` when the site was built without it.
    pub charts_script: Option<String>,
}

/// `?days=` as offered, else the default.
pub fn parse_range(days: Option<u32>) -> u32 {
    days.filter(|d| RANGES.contains(d)).unwrap_or(DEFAULT_RANGE)
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
        assert_eq!(parse_range(Some(7)), 7);
        assert_eq!(parse_range(Some(8)), DEFAULT_RANGE);
        assert_eq!(parse_range(None), DEFAULT_RANGE);
    }
}
