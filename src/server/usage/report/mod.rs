//! Builders that turn query results into what a page or an API answer
//! shows. Plain functions over `query`'s rows: unit-tested without HTTP,
//! so a server function only guards, queries and returns.
mod contribution;
mod dashboard;
pub mod grid;
mod tokens;
mod users;
pub use contribution::contribution;
pub use dashboard::dashboard_over_time;
pub use tokens::{SPLIT_ASSISTANTS, SPLIT_MODELS, tokens_by_assistant, tokens_over_time};
pub use users::{PIVOT_MODELS, per_user, users_by_model};

use crate::domain::analytics::{UsageGroup, Window};
use crate::server::usage::query::{GroupBy, UsageRow};

/// Charts step by hour over 24 hours and by day otherwise.
pub fn step(window: &Window) -> GroupBy {
    if window.hourly { GroupBy::Hour } else { GroupBy::Day }
}

/// "hour" or "day", for chart summaries.
pub fn unit(window: &Window) -> &'static str {
    if window.hourly { "hour" } else { "day" }
}

/// Every hour or day of the window, as (label, key): the key is what
/// `query::summary` names that step, so charts show zeros where nothing was reported.
pub fn steps(window: &Window) -> Vec<(String, String)> {
    let step = if window.hourly { 1 } else { 24 };
    (window.from_hour..window.to_hour)
        .step_by(step)
        .map(|h| {
            let t = chrono::DateTime::from_timestamp(h.saturating_mul(3_600), 0).unwrap_or_default();
            if window.hourly {
                (t.format("%H:00").to_string(), t.format("%Y-%m-%dT%H:00:00Z").to_string())
            } else {
                (t.format("%Y-%m-%d").to_string(), t.format("%Y-%m-%d").to_string())
            }
        })
        .collect()
}

/// The first `n` groups that have a name (an end user, say), as a table shows them.
pub fn top_named(rows: Vec<UsageRow>, n: usize) -> Vec<UsageGroup> {
    top(rows.into_iter().filter(|r| r.key.is_some()).collect(), n)
}

/// The first `n` groups as a table shows them.
pub fn top(rows: Vec<UsageRow>, n: usize) -> Vec<UsageGroup> {
    rows.into_iter().take(n).map(|r| UsageGroup { tokens: r.tokens(), key: r.key, requests: r.requests, cost: r.cost }).collect()
}

/// The rows summed into one (the key `None`). Counts saturate.
pub fn total(rows: &[UsageRow]) -> UsageRow {
    rows.iter().fold(UsageRow::default(), |t, r| UsageRow {
        key: None,
        requests: t.requests.saturating_add(r.requests),
        errors: t.errors.saturating_add(r.errors),
        input_tokens: t.input_tokens.saturating_add(r.input_tokens),
        output_tokens: t.output_tokens.saturating_add(r.output_tokens),
        cost: t.cost.saturating_add(r.cost),
        latency_sum_ms: t.latency_sum_ms.saturating_add(r.latency_sum_ms),
        latency_count: t.latency_count.saturating_add(r.latency_count),
    })
}

impl UsageRow {
    /// Mean latency of the calls that reported one.
    pub fn avg_latency_ms(&self) -> Option<i64> {
        (self.latency_count > 0).then(|| self.latency_sum_ms / self.latency_count)
    }

    /// Calls that did not fail.
    pub fn responses(&self) -> i64 {
        self.requests.saturating_sub(self.errors)
    }

    pub fn tokens(&self) -> i64 {
        self.input_tokens.saturating_add(self.output_tokens)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::money::Nanos;

    #[test]
    fn steps_name_what_the_query_names() {
        let w = Window::last(crate::domain::analytics::Range::Day, 24 * 20_000 + 5);
        let s = steps(&w);
        assert_eq!(s.len(), 24);
        assert_eq!(s.last().unwrap().1, crate::server::usage::query::hour_name(24 * 20_000 + 5));
        let w = Window::last(crate::domain::analytics::Range::Week, 24 * 20_000 + 5);
        assert_eq!(steps(&w).last().unwrap().1, crate::server::usage::query::day_name(20_000));
        assert_eq!((step(&w), unit(&w)), (GroupBy::Day, "day"));
    }

    #[test]
    fn totals_add_up_and_saturate() {
        let row = |requests, errors, cost| UsageRow {
            key: Some("k".into()),
            requests,
            errors,
            cost: Nanos(cost),
            latency_sum_ms: 30,
            latency_count: 2,
            ..Default::default()
        };
        let t = total(&[row(3, 1, 10), row(4, 0, 5)]);
        assert_eq!((t.key.clone(), t.requests, t.errors, t.cost, t.responses(), t.avg_latency_ms()), (None, 7, 1, Nanos(15), 6, Some(15)));
        assert_eq!(total(&[row(i64::MAX, 0, i64::MAX), row(1, 0, 1)]).cost, Nanos(i64::MAX));
        assert_eq!(total(&[]).avg_latency_ms(), None);
    }
}
