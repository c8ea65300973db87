//! Pairs laid out as a grid (a pivot table, or bars split by a second key).
use crate::domain::money::Nanos;
use crate::domain::reports::PivotCell;
use crate::server::usage::query::PairRow;

/// The column that gathers the smaller seconds.
pub const OTHERS: &str = "(others)";

/// Pairs laid out as a grid: a row per name in `firsts` (in that order), a
/// column per second key, the `max` heaviest by `weight` and the rest
/// merged into "(others)". `none` names a missing key.
pub fn layout(pairs: &[PairRow], firsts: &[Option<String>], max: usize, weight: fn(&PairRow) -> i64, none: &str) -> (Vec<String>, Vec<Vec<Option<PivotCell>>>) {
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
