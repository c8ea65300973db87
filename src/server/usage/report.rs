//! Builders that turn query results into what a page or an API answer
//! shows. Plain functions over `query`'s rows: unit-tested without HTTP.
use crate::server::usage::query::UsageRow;

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
