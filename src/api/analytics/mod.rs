//! A project's analytics over a time window and environment (see
//! `domain::analytics::Filters`), read from the hourly rollups: the cost of
//! a load grows with the range, not with the number of events. Anyone who
//! may view the project may see them (`ProjectAction::View`).
mod dashboard;
mod tokens;
mod users;
pub use dashboard::*;
pub use tokens::*;
pub use users::*;

#[cfg(feature = "ssr")]
pub(crate) mod shared {
    use crate::domain::analytics::{Filters, Window};
    use crate::error::AppError;
    use crate::server::guard::ProjectCtx;
    use crate::server::usage::query::{GroupBy, Hours, Scope};

    /// The window the filters name now, and the rollup scope it covers.
    pub fn window_scope(ctx: &ProjectCtx, filters: &Filters) -> Result<(Window, Scope), AppError> {
        let window = filters.window(chrono::Utc::now().timestamp().div_euclid(3_600)).map_err(AppError::invalid)?;
        let scope = Scope::project(ctx.org.org.id, ctx.project.id, Hours::from(&window)).environment(filters.environment());
        Ok((window, scope))
    }

    /// Charts step by hour over 24 hours and by day otherwise.
    pub fn step(window: &Window) -> GroupBy {
        if window.hourly { GroupBy::Hour } else { GroupBy::Day }
    }

    /// Every hour or day of the window, as (label, key): the key is what
    /// `usage::summary` names that step, so charts show zeros where nothing was reported.
    pub fn steps(window: &Window) -> Vec<(String, String)> {
        let step = if window.hourly { 1 } else { 24 };
        (window.from_hour..window.to_hour)
            .step_by(step)
            .map(|h| {
                let t = chrono::DateTime::from_timestamp(h * 3_600, 0).unwrap_or_default();
                if window.hourly {
                    (t.format("%H:00").to_string(), t.format("%Y-%m-%dT%H:00:00Z").to_string())
                } else {
                    (t.format("%Y-%m-%d").to_string(), t.format("%Y-%m-%d").to_string())
                }
            })
            .collect()
    }

    /// "hour" or "day", for chart summaries.
    pub fn unit(window: &Window) -> &'static str {
        if window.hourly { "hour" } else { "day" }
    }

    /// Where applications send events (the empty state's snippets).
    pub fn endpoint(ctx: &ProjectCtx) -> String {
        ctx.org.app.config.public_url.join("/api/v1/events").map(|u| u.to_string()).unwrap_or_default()
    }

    /// The chart loader's URL, if the site was built with it.
    pub fn charts_script(ctx: &ProjectCtx) -> Option<String> {
        ctx.org.app.charts_script.as_deref().map(str::to_string)
    }
}

#[cfg(feature = "ssr")]
pub(crate) mod grid {
    use crate::domain::money::Nanos;
    use crate::domain::reports::PivotCell;
    use crate::server::usage::query::PairRow;

    /// The column that gathers the smaller seconds.
    pub const OTHERS: &str = "(others)";

    /// Pairs laid out as a grid: a row per name in `firsts` (in that order), a
    /// column per second key, the `max` heaviest by `weight` and the rest
    /// merged into "(others)". `none` names a missing key.
    pub fn layout(
        pairs: &[PairRow],
        firsts: &[Option<String>],
        max: usize,
        weight: fn(&PairRow) -> i64,
        none: &str,
    ) -> (Vec<String>, Vec<Vec<Option<PivotCell>>>) {
        let name = |k: &Option<String>| k.clone().unwrap_or_else(|| none.to_string());
        let mut totals: Vec<(String, i128)> = Vec::new();
        for p in pairs.iter().filter(|p| firsts.contains(&p.first)) {
            let second = name(&p.second);
            match totals.iter_mut().find(|(n, _)| *n == second) {
                Some((_, w)) => *w += weight(p) as i128,
                None => totals.push((second, weight(p) as i128)),
            }
        }
        totals.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let mut columns: Vec<String> = totals.iter().take(max).map(|(n, _)| n.clone()).collect();
        let shown = columns.len();
        if totals.len() > max {
            columns.push(OTHERS.to_string());
        }
        let rows = firsts
            .iter()
            .map(|first| {
                let mut cells: Vec<Option<PivotCell>> = vec![None; columns.len()];
                for p in pairs.iter().filter(|p| &p.first == first) {
                    let second = name(&p.second);
                    // A second not among the shown ones goes to "(others)".
                    let i = columns[..shown].iter().position(|c| *c == second).unwrap_or(shown);
                    if let Some(slot) = cells.get_mut(i) {
                        let cell = slot.get_or_insert(PivotCell { requests: 0, tokens: 0, cost: Nanos(0) });
                        cell.requests = cell.requests.saturating_add(p.requests);
                        cell.tokens = cell.tokens.saturating_add(p.input_tokens.saturating_add(p.output_tokens));
                        cell.cost = Nanos(cell.cost.0.saturating_add(p.cost.0));
                    }
                }
                cells
            })
            .collect();
        (columns, rows)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn pair(first: &str, second: &str, requests: i64) -> PairRow {
            PairRow { first: Some(first.into()), second: Some(second.into()), requests, input_tokens: requests, output_tokens: 0, cost: Nanos(requests) }
        }

        #[test]
        fn small_columns_merge_into_others() {
            let pairs = [pair("ann", "a", 5), pair("ann", "b", 3), pair("bob", "c", 1), pair("bob", "a", 2), pair("eve", "a", 100)];
            let firsts = [Some("ann".to_string()), Some("bob".to_string())];
            let (columns, rows) = layout(&pairs, &firsts, 2, |p| p.requests, "-");
            // eve is not a row, so her calls do not weigh: a (7) and b (3) are shown.
            assert_eq!(columns, ["a", "b", OTHERS]);
            assert_eq!(rows[0][0].as_ref().map(|c| c.requests), Some(5));
            assert_eq!(rows[1][2].as_ref().map(|c| c.requests), Some(1), "c went to (others)");
            assert_eq!(rows[1][1], None);
            let (columns, _) = layout(&pairs, &firsts, 5, |p| p.requests, "-");
            assert_eq!(columns, ["a", "b", "c"], "no (others) when all fit");
            assert_eq!(layout(&[], &firsts, 5, |p| p.requests, "-").1, vec![vec![], vec![]]);
        }
    }
}
