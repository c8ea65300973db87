//! The Tokens page: tokens over time, and tokens by assistant split by model.
use super::{grid, steps, total, unit};
use crate::domain::analytics::{ChartData, TextTable, Window};
use crate::domain::analytics::{NO_MODEL, NOT_NAMED};
use crate::domain::money::count;
use crate::server::charts;
use crate::server::usage::query::{CUT_NOTE, Pairs, UsageRow};

/// Assistants (bars) and models (bar parts) in the split chart; the rest merge.
pub const SPLIT_ASSISTANTS: usize = 10;
pub const SPLIT_MODELS: usize = 6;

/// The window's sums (requests, responses, tokens) and its tokens chart.
pub fn tokens_over_time(window: &Window, by_time: &[UsageRow]) -> (UsageRow, ChartData) {
    let sum = total(by_time);
    let (requests, input_tokens, output_tokens) = (sum.requests, sum.input_tokens, sum.output_tokens);
    let (mut labels, mut input, mut output) = (vec![], vec![], vec![]);
    let mut table = TextTable { columns: ["When (UTC)", "Input tokens", "Output tokens"].map(String::from).to_vec(), rows: vec![] };
    for (label, key) in steps(window) {
        let row = by_time.iter().find(|r| r.key.as_deref() == Some(key.as_str()));
        let (i, o) = row.map_or((0, 0), |r| (r.input_tokens, r.output_tokens));
        if row.is_some_and(|r| r.requests > 0) {
            table.rows.push(vec![label.clone(), count(i), count(o)]);
        }
        input.push(i);
        output.push(o);
        labels.push(label);
    }
    let unit = unit(window);
    let over_time_summary = match labels.iter().zip(input.iter().zip(&output)).max_by_key(|(_, (i, o))| i.saturating_add(**o)) {
        Some((label, (i, o))) if requests > 0 => format!(
            "Input and output tokens per {unit} over {}: {} input and {} output in all; the busiest {unit} was {label} with {}.",
            window.label,
            count(input_tokens),
            count(output_tokens),
            count(i.saturating_add(*o))
        ),
        _ => format!("No tokens in {}.", window.label),
    };

    (sum, ChartData { option: charts::tokens_over_time(&labels, &input, &output), summary: over_time_summary, table })
}

/// Assistants by their tokens, each bar split by model (the pairs of
/// `query::pairs(.., Assistant, Model, Rank::Tokens, ..)`).
pub fn tokens_by_assistant(window: &Window, pairs: &Pairs) -> ChartData {
    let Pairs { rows: pairs, cut } = pairs;
    let mut assistants: Vec<(Option<String>, i128)> = Vec::new();
    for p in pairs {
        let tokens = p.input_tokens as i128 + p.output_tokens as i128;
        match assistants.iter_mut().find(|(a, _)| *a == p.first) {
            Some((_, t)) => *t += tokens,
            None => assistants.push((p.first.clone(), tokens)),
        }
    }
    assistants.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let firsts: Vec<Option<String>> = assistants.iter().take(SPLIT_ASSISTANTS).map(|(a, _)| a.clone()).collect();
    let (models, cells) = grid::layout(pairs, &firsts, SPLIT_MODELS, |p| p.input_tokens.saturating_add(p.output_tokens), NO_MODEL);
    let names: Vec<String> = firsts.iter().map(|a| a.clone().unwrap_or_else(|| NOT_NAMED.into())).collect();
    let series: Vec<(String, Vec<i64>)> =
        models.iter().enumerate().map(|(m, model)| (model.clone(), cells.iter().map(|row| row[m].as_ref().map_or(0, |c| c.tokens)).collect())).collect();
    let mut split_table = TextTable { columns: ["Assistant", "Model", "Tokens"].map(String::from).to_vec(), rows: vec![] };
    for (name, row) in names.iter().zip(&cells) {
        for (model, cell) in models.iter().zip(row) {
            if let Some(c) = cell {
                split_table.rows.push(vec![name.clone(), model.clone(), count(c.tokens)]);
            }
        }
    }
    let split_summary = match (names.first(), assistants.first()) {
        (Some(name), Some((_, tokens))) => format!(
            "Tokens by assistant, split by model, over {}: {} named assistants; {} used the most, {}.",
            window.label,
            count(assistants.iter().filter(|(a, _)| a.is_some()).count() as i64),
            name,
            count(i64::try_from(*tokens).unwrap_or(i64::MAX))
        ),
        _ => format!("No tokens in {}.", window.label),
    };
    let split_summary = if *cut { format!("{split_summary} {}", CUT_NOTE) } else { split_summary };

    ChartData { option: charts::stacked_bars(&names, &series, "Tokens"), summary: split_summary, table: split_table }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::money::Nanos;
    use crate::server::usage::query::PairRow;

    fn window() -> Window {
        let first = chrono::NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
        Window::days(first, first + chrono::Duration::days(1)).unwrap()
    }

    #[test]
    fn tokens_over_time_name_the_busiest_step() {
        let row = |key: &str, i, o| UsageRow { key: Some(key.into()), requests: 2, errors: 1, input_tokens: i, output_tokens: o, ..Default::default() };
        let (sum, chart) = tokens_over_time(&window(), &[row("2026-11-21", 1_000, 10), row("2026-11-22", 5, 5)]);
        assert_eq!((sum.requests, sum.responses(), sum.tokens()), (4, 2, 1_020));
        assert_eq!(
            chart.summary,
            "Input and output tokens per day over 2026-11-21 to 2026-11-22: 1,005 input and 15 output in all; the busiest day was 2026-11-21 with 1,010."
        );
        assert_eq!(chart.table.rows, [["2026-11-21", "1,000", "10"], ["2026-11-22", "5", "5"]]);
        assert_eq!(tokens_over_time(&window(), &[]).1.summary, "No tokens in 2026-11-21 to 2026-11-22.");
    }

    #[test]
    fn the_split_ranks_assistants_and_says_when_cut() {
        let pair = |a: Option<&str>, m: &str, t| PairRow {
            first: a.map(Into::into),
            second: Some(m.into()),
            requests: 1,
            input_tokens: t,
            output_tokens: 0,
            cost: Nanos(0),
        };
        let rows = vec![pair(Some("search"), "gpt", 10), pair(Some("support"), "gpt", 30), pair(Some("support"), "claude", 5), pair(None, "gpt", 1)];
        let chart = tokens_by_assistant(&window(), &Pairs { rows: rows.clone(), cut: false });
        assert_eq!(chart.summary, "Tokens by assistant, split by model, over 2026-11-21 to 2026-11-22: 2 named assistants; support used the most, 35.");
        assert_eq!(chart.table.rows[0], ["support", "gpt", "30"]);
        assert!(chart.table.rows.iter().any(|r| r[0] == "(not named)"));
        assert!(tokens_by_assistant(&window(), &Pairs { rows, cut: true }).summary.ends_with(CUT_NOTE));
        assert_eq!(tokens_by_assistant(&window(), &Pairs { rows: vec![], cut: false }).summary, "No tokens in 2026-11-21 to 2026-11-22.");
    }
}
