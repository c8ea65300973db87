//! The dashboard: KPIs, and cost, requests and errors over time.
use super::{steps, total, unit};
use crate::domain::analytics::{ChartData, TextTable, UsageTotals, Window};
use crate::domain::latency::LatencyCounts;
use crate::domain::money::count;
use crate::server::charts::{self, Day};
use crate::server::usage::query::UsageRow;

/// The dashboard's KPIs and its two charts over time, from the window's
/// sums per step and its latency buckets.
pub fn dashboard_over_time(window: &Window, by_time: &[UsageRow], latencies: &LatencyCounts) -> (UsageTotals, ChartData, ChartData) {
    let sum = total(by_time);
    let totals = UsageTotals {
        requests: sum.requests,
        errors: sum.errors,
        input_tokens: sum.input_tokens,
        output_tokens: sum.output_tokens,
        cost: sum.cost,
        avg_latency_ms: sum.avg_latency_ms(),
        p50_latency_ms: latencies.percentile(50),
        p95_latency_ms: latencies.percentile(95),
        p99_latency_ms: latencies.percentile(99),
    };
    let points: Vec<Day> = steps(window)
        .into_iter()
        .map(|(label, key)| {
            let row = by_time.iter().find(|r| r.key.as_deref() == Some(key.as_str()));
            Day { cost: row.map(|r| r.cost).unwrap_or_default(), requests: row.map_or(0, |r| r.requests), errors: row.map_or(0, |r| r.errors), label }
        })
        .collect();
    let unit = unit(window);
    // The charts' numbers as tables, the steps with calls only.
    let table = |columns: &[&str], cells: &dyn Fn(&Day) -> Vec<String>| TextTable {
        columns: columns.iter().map(|c| c.to_string()).collect(),
        rows: points.iter().filter(|d| d.requests > 0).map(|d| [vec![d.label.clone()], cells(d)].concat()).collect(),
    };
    let usage_table = table(&["When (UTC)", "Cost", "Requests"], &|d| vec![d.cost.usd_display(), count(d.requests)]);
    let errors_table = table(&["When (UTC)", "Errors"], &|d| vec![count(d.errors)]);
    let usage_summary = match points.iter().max_by_key(|d| d.cost) {
        Some(d) if totals.requests > 0 => format!(
            "Cost per {unit} over {}: {} in all; the costliest {unit} was {} at {}.",
            window.label,
            totals.cost.usd_display(),
            d.label,
            d.cost.usd_display()
        ),
        _ => format!("No usage in {}.", window.label),
    };
    let errors_summary = match points.iter().max_by_key(|d| d.errors) {
        Some(d) if totals.errors > 0 => {
            format!("Errors per {unit} over {}: {} in all; the most were {} at {}.", window.label, totals.errors, d.errors, d.label)
        }
        _ => format!("No errors in {}.", window.label),
    };
    let usage = ChartData { option: charts::daily_usage(&points), summary: usage_summary, table: usage_table };
    let errors = ChartData { option: charts::errors_over_time(&points), summary: errors_summary, table: errors_table };
    (totals, usage, errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::money::Nanos;

    fn day(key: &str, requests: i64, errors: i64, cost: i64) -> UsageRow {
        UsageRow { key: Some(key.into()), requests, errors, cost: Nanos(cost), latency_sum_ms: 100 * requests, latency_count: requests, ..Default::default() }
    }

    #[test]
    fn the_dashboard_says_what_its_charts_show() {
        // Three days, 2026-11-21 to 2026-11-23; nothing on the 22nd.
        let first = chrono::NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
        let window = Window::days(first, first + chrono::Duration::days(2)).unwrap();
        let rows = [day("2026-11-21", 4, 1, 2_000_000_000), day("2026-11-23", 6, 0, 500_000_000)];
        let mut latencies = LatencyCounts::default();
        latencies.add(100);
        let (totals, usage, errors) = dashboard_over_time(&window, &rows, &latencies);
        assert_eq!((totals.requests, totals.errors, totals.cost, totals.avg_latency_ms), (10, 1, Nanos(2_500_000_000), Some(100)));
        assert_eq!(usage.summary, "Cost per day over 2026-11-21 to 2026-11-23: $2.50 in all; the costliest day was 2026-11-21 at $2.00.");
        assert_eq!(usage.table.rows.len(), 2, "days with calls only");
        assert_eq!(usage.table.rows[1], ["2026-11-23", "$0.50", "6"]);
        assert_eq!(errors.summary, "Errors per day over 2026-11-21 to 2026-11-23: 1 in all; the most were 1 at 2026-11-21.");
        let option: serde_json::Value = serde_json::from_str(&usage.option).unwrap();
        assert_eq!(option["xAxis"][0]["data"].as_array().or(option["xAxis"]["data"].as_array()).unwrap().len(), 3, "a point per day, zeros included");
        let (empty, usage, errors) = dashboard_over_time(&window, &[], &LatencyCounts::default());
        assert_eq!((empty.requests, empty.p50_latency_ms), (0, None));
        assert_eq!((usage.summary.as_str(), errors.summary.as_str()), ("No usage in 2026-11-21 to 2026-11-23.", "No errors in 2026-11-21 to 2026-11-23."));
    }
}
