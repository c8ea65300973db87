//! What each model or assistant contributes to a project: its share of
//! the cost and of the requests, side by side, so that a model that takes
//! little traffic but most of the spend stands out.
use crate::domain::analytics::{ChartData, TextTable, UsageTotals, Window};
use crate::domain::money::{Nanos, basis_points, percent};
use crate::server::charts;
use crate::server::usage::query::UsageRow;
use crate::server::usage::report::grid::OTHERS;

/// Bars in a contribution chart; the other groups merge into `OTHERS`.
pub const SHARE_BARS: usize = 8;

/// The shares of `rows` (one per model or assistant, costliest first, as
/// `query::summary` returns them) in the window's `total`. `what` names a
/// group ("model"), `none` the group of calls that named none.
pub fn contribution(window: &Window, what: &str, none: &str, rows: &[UsageRow], total: &UsageTotals) -> ChartData {
    let mut bars: Vec<(String, i64, Nanos)> =
        rows.iter().take(SHARE_BARS).map(|r| (r.key.clone().unwrap_or_else(|| none.to_string()), r.requests, r.cost)).collect();
    // The rest, from the totals: exact even when the query cut the list.
    let (shown_requests, shown_cost) = bars.iter().fold((0i64, Nanos(0)), |(r, c), b| (r.saturating_add(b.1), c.saturating_add(b.2)));
    let rest = (total.requests.saturating_sub(shown_requests), Nanos(total.cost.0.saturating_sub(shown_cost.0)));
    if rows.len() > SHARE_BARS && (rest.0 > 0 || rest.1.0 > 0) {
        bars.push((OTHERS.to_string(), rest.0, rest.1));
    }
    let shares: Vec<(i64, i64)> =
        bars.iter().map(|(_, requests, cost)| (basis_points(cost.0, total.cost.0), basis_points(*requests, total.requests))).collect();
    // The figures themselves are in the table beside the chart.
    let mut table = TextTable { columns: [crate::domain::org::capitalise(what), "Share of cost".into(), "Share of requests".into()].to_vec(), rows: vec![] };
    for ((name, _, _), (cost_bp, requests_bp)) in bars.iter().zip(&shares) {
        table.rows.push(vec![name.clone(), percent(*cost_bp), percent(*requests_bp)]);
    }
    let summary = match (bars.first(), shares.first()) {
        (Some((name, _, _)), Some((cost_bp, requests_bp))) if total.requests > 0 => format!(
            "Share of cost and of requests by {what} over {}: {name} made {} of the cost from {} of the requests.",
            window.label,
            percent(*cost_bp),
            percent(*requests_bp)
        ),
        _ => format!("No usage in {}.", window.label),
    };
    let names: Vec<String> = bars.into_iter().map(|b| b.0).collect();
    ChartData { option: charts::shares(&names, &shares), summary, table }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window() -> Window {
        let first = chrono::NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
        Window::days(first, first + chrono::Duration::days(1)).unwrap()
    }

    fn row(key: Option<&str>, requests: i64, cost: i64) -> UsageRow {
        UsageRow { key: key.map(Into::into), requests, cost: Nanos(cost), ..Default::default() }
    }

    #[test]
    fn shares_are_integer_percentages_of_the_window() {
        let rows = [row(Some("gpt-4o"), 10, 750_000_000), row(None, 30, 250_000_000)];
        let total = UsageTotals { requests: 40, cost: Nanos(1_000_000_000), ..Default::default() };
        let chart = contribution(&window(), "model", "(no model)", &rows, &total);
        assert_eq!(
            chart.summary,
            "Share of cost and of requests by model over 2026-11-21 to 2026-11-22: gpt-4o made 75.0% of the cost from 25.0% of the requests."
        );
        assert_eq!(chart.table.columns[0], "Model");
        assert_eq!(chart.table.rows, [["gpt-4o", "75.0%", "25.0%"], ["(no model)", "25.0%", "75.0%"]]);
        let option: serde_json::Value = serde_json::from_str(&chart.option).unwrap();
        assert_eq!(option["series"][0]["data"], serde_json::json!([25.0, 75.0]), "bottom to top: the costliest on top");
        assert_eq!(option["series"][1]["data"], serde_json::json!([75.0, 25.0]));
    }

    #[test]
    fn groups_past_the_bars_merge_into_other_from_the_totals() {
        let rows: Vec<UsageRow> = (0..12).map(|i| row(Some(&format!("m{i}")), 1, 100 - i)).collect();
        // The query may have cut the list: the rest comes from the totals, not from the rows.
        let total = UsageTotals { requests: 20, cost: Nanos(2_000), ..Default::default() };
        let chart = contribution(&window(), "assistant", "(not named)", &rows, &total);
        assert_eq!(chart.table.rows.len(), SHARE_BARS + 1);
        let other = chart.table.rows.last().unwrap();
        let shown: i64 = (0..SHARE_BARS as i64).map(|i| 100 - i).sum();
        assert_eq!(other[0], OTHERS);
        assert_eq!(other[1], percent(basis_points(2_000 - shown, 2_000)));
        assert_eq!(other[2], percent(basis_points(20 - SHARE_BARS as i64, 20)));
        assert_eq!(contribution(&window(), "model", "-", &[], &UsageTotals::default()).summary, "No usage in 2026-11-21 to 2026-11-22.");
    }
}
