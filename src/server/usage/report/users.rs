//! The Users page: averages per active end user over time.
use super::{steps, unit};
use crate::domain::analytics::NO_MODEL;
use crate::domain::analytics::{ChartData, TextTable, Window};
use crate::domain::money::{Nanos, count};
use crate::domain::reports::{Pivot, PivotRow, ratio};
use crate::server::charts;
use crate::server::usage::query::{PairRow, UserSpan};

/// Model columns in the users × models table; the rest merge into "(others)".
pub const PIVOT_MODELS: usize = 6;

/// The named users (in their order) × the models they called, by cost.
pub fn users_by_model(pairs: &[PairRow], users: &[String]) -> Pivot {
    let firsts: Vec<Option<String>> = users.iter().cloned().map(Some).collect();
    let (models, cells) = super::grid::layout(pairs, &firsts, PIVOT_MODELS, |p| p.cost.0, NO_MODEL);
    Pivot { models, rows: users.iter().cloned().zip(cells).map(|(user, cells)| PivotRow { user, cells }).collect() }
}

/// Cost and requests per active end user, each step of the window, from the
/// steps' spans (`query::active_users` by step) and the whole window's.
pub fn per_user(window: &Window, spans: &[UserSpan], named: &UserSpan) -> ChartData {
    let mut labels = Vec::new();
    let (mut cost_per_user, mut requests_per_user) = (Vec::new(), Vec::new());
    let mut table = TextTable { columns: ["When (UTC)", "Active users", "Cost per user", "Requests per user"].map(String::from).to_vec(), rows: vec![] };
    for (label, key) in steps(window) {
        let span = spans.iter().find(|s| s.key.as_deref() == Some(key.as_str())).cloned().unwrap_or_default();
        let cost = Nanos(if span.users > 0 { span.cost.0 / span.users } else { 0 });
        if span.users > 0 {
            table.rows.push(vec![label.clone(), count(span.users), cost.usd_display(), ratio(span.requests, span.users)]);
        }
        cost_per_user.push(cost);
        requests_per_user.push(if span.users > 0 { span.requests as f64 / span.users as f64 } else { 0.0 });
        labels.push(label);
    }
    let summary = if named.users > 0 {
        format!(
            "Average cost and requests per active end user, per {} over {}: {} users in all, {} and {} requests each on average.",
            unit(window),
            window.label,
            count(named.users),
            Nanos(named.cost.0 / named.users).usd_display(),
            ratio(named.requests, named.users)
        )
    } else {
        format!("No calls named an end user in {}.", window.label)
    };

    ChartData { option: charts::per_user(&labels, &cost_per_user, &requests_per_user), summary, table }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn averages_are_per_active_user() {
        let first = chrono::NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
        let window = Window::days(first, first + chrono::Duration::days(1)).unwrap();
        let span = |key: Option<&str>, users, requests, cost| UserSpan { key: key.map(Into::into), users, requests, cost: Nanos(cost) };
        let spans = [span(Some("2026-11-22"), 2, 3, 3_000_000_000)];
        let chart = per_user(&window, &spans, &span(None, 2, 3, 3_000_000_000));
        assert_eq!(chart.table.rows, [["2026-11-22", "2", "$1.50", "1.5"]], "the day without users is not a row");
        assert_eq!(
            chart.summary,
            "Average cost and requests per active end user, per day over 2026-11-21 to 2026-11-22: 2 users in all, $1.50 and 1.5 requests each on average."
        );
        assert_eq!(per_user(&window, &[], &UserSpan::default()).summary, "No calls named an end user in 2026-11-21 to 2026-11-22.");
    }
}
