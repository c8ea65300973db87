//! ECharts options, built on the server with charming and sent to the page
//! as JSON; `components/charts.js` draws them. Chart values are the one
//! place money becomes a float: for drawing bars, never for sums.
use crate::domain::money::{NANOS_PER_USD, Nanos};
use charming::Chart;
use charming::component::{Axis, Grid, Legend};
use charming::element::{AxisLabel, AxisType, Tooltip, Trigger};
use charming::series::{Bar, Line};

/// One hour or day of a project's usage.
pub struct Day {
    pub label: String,
    pub cost: Nanos,
    pub requests: i64,
    pub errors: i64,
}

/// Failed calls per hour or day, as bars.
pub fn errors_over_time(days: &[Day]) -> String {
    let labels: Vec<String> = days.iter().map(|d| d.label.clone()).collect();
    let errors: Vec<i64> = days.iter().map(|d| d.errors).collect();
    let chart = Chart::new()
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .grid(Grid::new().left(8).right(8).top(24).bottom(8).contain_label(true))
        .x_axis(Axis::new().type_(AxisType::Category).data(labels))
        .y_axis(Axis::new().type_(AxisType::Value).name("Errors").min_interval(1))
        .series(Bar::new().name("Errors").data(errors));
    serde_json::to_string(&chart).unwrap_or_default()
}

/// Cost per hour or day as bars (left axis, dollars), requests as a line (right axis).
pub fn daily_usage(days: &[Day]) -> String {
    let labels: Vec<String> = days.iter().map(|d| d.label.clone()).collect();
    let cost: Vec<f64> = days.iter().map(|d| d.cost.0 as f64 / NANOS_PER_USD as f64).collect();
    let requests: Vec<i64> = days.iter().map(|d| d.requests).collect();
    let chart = Chart::new()
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .legend(Legend::new().top("bottom"))
        .grid(Grid::new().left(8).right(8).top(32).bottom(40).contain_label(true))
        .x_axis(Axis::new().type_(AxisType::Category).data(labels))
        .y_axis(Axis::new().type_(AxisType::Value).name("USD"))
        .y_axis(Axis::new().type_(AxisType::Value).name("Requests").min_interval(1))
        .series(Bar::new().name("Cost (USD)").data(cost))
        .series(Line::new().name("Requests").y_axis_index(1).data(requests));
    serde_json::to_string(&chart).unwrap_or_default()
}

/// Average cost (left axis, dollars) and requests (right axis) per active
/// end user, as two lines.
pub fn per_user(labels: &[String], cost: &[Nanos], requests: &[f64]) -> String {
    let cost: Vec<f64> = cost.iter().map(|c| c.0 as f64 / NANOS_PER_USD as f64).collect();
    let chart = Chart::new()
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .legend(Legend::new().top("bottom"))
        .grid(Grid::new().left(8).right(8).top(32).bottom(40).contain_label(true))
        .x_axis(Axis::new().type_(AxisType::Category).data(labels.to_vec()))
        .y_axis(Axis::new().type_(AxisType::Value).name("USD"))
        .y_axis(Axis::new().type_(AxisType::Value).name("Requests"))
        .series(Line::new().name("Cost per user (USD)").data(cost))
        .series(Line::new().name("Requests per user").y_axis_index(1).data(requests.to_vec()));
    serde_json::to_string(&chart).unwrap_or_default()
}

/// Input and output tokens per hour or day, as stacked bars.
pub fn tokens_over_time(labels: &[String], input: &[i64], output: &[i64]) -> String {
    stacked_bars(labels, &[("Input tokens".to_string(), input.to_vec()), ("Output tokens".to_string(), output.to_vec())], "Tokens")
}

/// One bar per category, stacked from one part per series.
pub fn stacked_bars(categories: &[String], series: &[(String, Vec<i64>)], unit: &str) -> String {
    let mut chart = Chart::new()
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .legend(Legend::new().top("bottom"))
        .grid(Grid::new().left(8).right(8).top(32).bottom(40).contain_label(true))
        .x_axis(Axis::new().type_(AxisType::Category).data(categories.to_vec()))
        .y_axis(Axis::new().type_(AxisType::Value).name(unit).min_interval(1));
    for (name, values) in series {
        chart = chart.series(Bar::new().name(name.as_str()).stack("total").data(values.clone()));
    }
    serde_json::to_string(&chart).unwrap_or_default()
}

/// Each group's share of cost and of requests (basis points), as pairs of
/// horizontal bars from 0 to 100%, the first group on top.
pub fn shares(names: &[String], shares: &[(i64, i64)]) -> String {
    let percent = |bp: i64| bp as f64 / 100.0;
    let cost: Vec<f64> = shares.iter().rev().map(|s| percent(s.0)).collect();
    let requests: Vec<f64> = shares.iter().rev().map(|s| percent(s.1)).collect();
    let names: Vec<String> = names.iter().rev().cloned().collect();
    let chart = Chart::new()
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .legend(Legend::new().top("bottom"))
        .grid(Grid::new().left(8).right(16).top(8).bottom(40).contain_label(true))
        .x_axis(Axis::new().type_(AxisType::Value).max(100).axis_label(AxisLabel::new().formatter("{value}%")))
        .y_axis(Axis::new().type_(AxisType::Category).data(names))
        .series(Bar::new().name("Share of cost (%)").data(cost))
        .series(Bar::new().name("Share of requests (%)").data(requests));
    serde_json::to_string(&chart).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_daily_chart_is_an_echarts_option() {
        let days = [
            Day { label: "2026-11-22".into(), cost: Nanos(1_500_000_000), requests: 3, errors: 1 },
            Day { label: "2026-11-23".into(), cost: Nanos(0), requests: 0, errors: 0 },
        ];
        let option: serde_json::Value = serde_json::from_str(&daily_usage(&days)).unwrap();
        // charming writes a lone axis as an object, several as a list.
        let x = if option["xAxis"].is_array() { &option["xAxis"][0] } else { &option["xAxis"] };
        assert_eq!(x["data"], serde_json::json!(["2026-11-22", "2026-11-23"]));
        assert_eq!(option["yAxis"][1]["name"], "Requests");
        assert_eq!(option["series"][0]["type"], "bar");
        assert_eq!(option["series"][0]["data"][0], 1.5);
        assert_eq!(option["series"][1]["yAxisIndex"], 1.0);
        assert_eq!(option["series"][1]["data"], serde_json::json!([3, 0]));
        let errors: serde_json::Value = serde_json::from_str(&errors_over_time(&days)).unwrap();
        assert_eq!(errors["series"][0]["data"], serde_json::json!([1, 0]));
    }

    #[test]
    fn stacked_bars_share_one_stack() {
        let labels = ["support".to_string(), "search".to_string()];
        let option: serde_json::Value =
            serde_json::from_str(&stacked_bars(&labels, &[("gpt-4o".into(), vec![5, 0]), ("haiku".into(), vec![1, 2])], "Tokens")).unwrap();
        assert_eq!(option["series"][0]["stack"], "total");
        assert_eq!(option["series"][1]["stack"], "total");
        assert_eq!(option["series"][1]["name"], "haiku");
        assert_eq!(option["series"][1]["data"], serde_json::json!([1, 2]));
        let per_user: serde_json::Value = serde_json::from_str(&per_user(&labels, &[Nanos(250_000_000), Nanos(0)], &[2.5, 0.0])).unwrap();
        assert_eq!(per_user["series"][0]["data"], serde_json::json!([0.25, 0.0]));
        assert_eq!(per_user["series"][1]["yAxisIndex"], 1.0);
    }
}
