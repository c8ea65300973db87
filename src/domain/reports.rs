//! What a project's Users and Tokens pages show, over the same window and
//! environment as the dashboard (`analytics::Filters`).
use crate::domain::analytics::{ChartData, UsageGroup, Window};
use crate::domain::money::{Nanos, count};
use serde::{Deserialize, Serialize};

/// End users: who they are, what they cost, and which models they use.
/// Only calls that named an end user count here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsersReport {
    pub window: Window,
    pub active_users: i64,
    /// Calls and cost of the calls that named an end user.
    pub requests: i64,
    pub cost: Nanos,
    /// Calls in the window that named no end user.
    pub unnamed_requests: i64,
    pub top_by_cost: Vec<UsageGroup>,
    pub top_by_requests: Vec<UsageGroup>,
    /// Average cost and requests per active user, per day (or hour).
    pub timeline: ChartData,
    pub pivot: Pivot,
    pub environments: Vec<String>,
    pub charts_script: Option<String>,
    pub endpoint: String,
}

impl UsersReport {
    pub fn cost_per_user(&self) -> Nanos {
        Nanos(if self.active_users > 0 { self.cost.0 / self.active_users } else { 0 })
    }

    pub fn requests_per_user(&self) -> String {
        ratio(self.requests, self.active_users)
    }
}

/// The costliest end users × the models they called.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pivot {
    pub models: Vec<String>,
    pub rows: Vec<PivotRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PivotRow {
    pub user: String,
    /// One per model, in `Pivot::models` order; `None` where the user never called it.
    pub cells: Vec<Option<PivotCell>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PivotCell {
    pub requests: i64,
    pub tokens: i64,
    pub cost: Nanos,
}

/// Tokens: how many, per call, over time, and by assistant and model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokensReport {
    pub window: Window,
    pub requests: i64,
    /// Successful calls: failed ones have no response.
    pub responses: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    /// Input and output tokens per day (or hour).
    pub over_time: ChartData,
    /// Tokens per assistant, one bar part per model.
    pub by_assistant: ChartData,
    pub environments: Vec<String>,
    pub charts_script: Option<String>,
    pub endpoint: String,
}

impl TokensReport {
    pub fn total(&self) -> i64 {
        self.input_tokens.saturating_add(self.output_tokens)
    }

    /// Input tokens per request.
    pub fn per_request(&self) -> String {
        ratio(self.input_tokens, self.requests)
    }

    /// Output tokens per response (per successful call).
    pub fn per_response(&self) -> String {
        ratio(self.output_tokens, self.responses)
    }
}

/// `part / whole` to one decimal ("12.5"), "—" when `whole` is not positive.
pub fn ratio(part: i64, whole: i64) -> String {
    if whole <= 0 {
        return "—".into();
    }
    let tenths = (part as i128 * 10 + whole as i128 / 2) / whole as i128;
    let whole_part = i64::try_from(tenths / 10).unwrap_or(i64::MAX);
    format!("{}.{}", count(whole_part), (tenths % 10).abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_round_to_a_tenth() {
        assert_eq!(ratio(0, 0), "—");
        assert_eq!(ratio(5, -1), "—");
        assert_eq!(ratio(10, 4), "2.5");
        assert_eq!(ratio(1, 3), "0.3");
        assert_eq!(ratio(2, 3), "0.7");
        assert_eq!(ratio(12_345_678, 10), "1,234,567.8");
        assert!(ratio(i64::MAX, 1).starts_with("9,223,372,036,854,775,807"));
    }
}
