//! Tokens: the totals, input tokens per request and output tokens per
//! response, tokens over time, and tokens by assistant split by model.
use crate::domain::analytics::Filters;
use crate::domain::reports::TokensReport;
use crate::error::AppError;
use leptos::prelude::*;

/// Assistants (bars) and models (bar parts) in the split chart; the rest merge.
pub const SPLIT_ASSISTANTS: usize = 10;
pub const SPLIT_MODELS: usize = 6;

#[server(endpoint = "analytics/tokens")]
pub async fn load_tokens(org: crate::domain::project::Slug, slug: String, #[server(default)] filters: Filters) -> Result<TokensReport, AppError> {
    use super::{grid, shared};
    use crate::api::prelude::*;
    use crate::domain::analytics::{ChartData, TextTable};
    use crate::domain::money::count;
    use crate::server::charts;
    use crate::server::usage::query::{self as usage, GroupBy, Rank};
    use crate::server::usage::report;
    let ctx = guard::project_at(&org, &slug, ProjectAction::View).await?;
    let (window, scope) = shared::window_scope(&ctx, &filters)?;
    let db = ctx.db();

    let by_time = usage::summary(db, &scope, shared::step(&window)).await?;
    let sum = report::total(&by_time);
    let (requests, responses, input_tokens, output_tokens) = (sum.requests, sum.responses(), sum.input_tokens, sum.output_tokens);
    let (mut labels, mut input, mut output) = (vec![], vec![], vec![]);
    let mut table = TextTable { columns: ["When (UTC)", "Input tokens", "Output tokens"].map(String::from).to_vec(), rows: vec![] };
    for (label, key) in shared::steps(&window) {
        let row = by_time.iter().find(|r| r.key.as_deref() == Some(key.as_str()));
        let (i, o) = row.map_or((0, 0), |r| (r.input_tokens, r.output_tokens));
        if row.is_some_and(|r| r.requests > 0) {
            table.rows.push(vec![label.clone(), count(i), count(o)]);
        }
        input.push(i);
        output.push(o);
        labels.push(label);
    }
    let unit = shared::unit(&window);
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

    // Assistants by their tokens, each bar split by model.
    let usage::Pairs { rows: pairs, cut } = usage::pairs(db, &scope, GroupBy::Assistant, GroupBy::Model, Rank::Tokens, None).await?;
    let mut assistants: Vec<(Option<String>, i128)> = Vec::new();
    for p in &pairs {
        let tokens = p.input_tokens as i128 + p.output_tokens as i128;
        match assistants.iter_mut().find(|(a, _)| *a == p.first) {
            Some((_, t)) => *t += tokens,
            None => assistants.push((p.first.clone(), tokens)),
        }
    }
    assistants.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let firsts: Vec<Option<String>> = assistants.iter().take(SPLIT_ASSISTANTS).map(|(a, _)| a.clone()).collect();
    let (models, cells) = grid::layout(&pairs, &firsts, SPLIT_MODELS, |p| p.input_tokens.saturating_add(p.output_tokens), "(no model)");
    let names: Vec<String> = firsts.iter().map(|a| a.clone().unwrap_or_else(|| "(not named)".into())).collect();
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
    let split_summary = if cut { format!("{split_summary} {}", usage::CUT_NOTE) } else { split_summary };

    Ok(TokensReport {
        requests,
        responses,
        input_tokens,
        output_tokens,
        over_time: ChartData { option: charts::tokens_over_time(&labels, &input, &output), summary: over_time_summary, table },
        by_assistant: ChartData { option: charts::stacked_bars(&names, &series, "Tokens"), summary: split_summary, table: split_table },
        environments: usage::environments(db, ctx.project.id).await?,
        charts_script: shared::charts_script(&ctx),
        endpoint: shared::endpoint(&ctx),
        window,
    })
}
