//! Two-level breakdowns (end user × model, assistant × model) and the
//! active end users of a scope, from the rollups `pick` chooses.
use super::*;

/// The sums of one (first, second) pair, e.g. (end user, model).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairRow {
    pub first: Option<String>,
    pub second: Option<String>,
    pub requests: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cost: Nanos,
}

#[derive(FromQueryResult)]
struct PairSums {
    first: Option<String>,
    second: Option<String>,
    requests: Option<i64>,
    input_tokens: Option<i64>,
    output_tokens: Option<i64>,
    cost_dollars: Option<i64>,
    cost_rest: Option<i64>,
}

/// Most pairs one answer holds (the costliest first).
pub const MAX_PAIRS: u64 = 2_000;

/// What a breakdown's summary adds when `MAX_PAIRS` cut it.
pub const CUT_NOTE: &str = "Only the 2,000 largest pairs are counted here; narrow the range or filter by environment to see the rest.";

/// The pairs a breakdown holds, the largest first, and whether there were
/// more than `MAX_PAIRS` (the page then says so).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pairs {
    pub rows: Vec<PairRow>,
    pub cut: bool,
}

/// Sums per (first, second), the largest by `rank` first (at most
/// `MAX_PAIRS`); with `only`, just the pairs whose first key is one of
/// those names (the top users of a pivot table).
pub async fn pairs(db: &DatabaseConnection, scope: &Scope, first: GroupBy, second: GroupBy, rank: Rank, only: Option<&[String]>) -> AppResult<Pairs> {
    let q = pairs_query(scope, first, second, rank, only)?;
    let mut out: Vec<PairRow> = rows::<PairSums>(db, &q)
        .await?
        .into_iter()
        .map(|p| PairRow {
            first: first.name(p.first),
            second: second.name(p.second),
            requests: p.requests.unwrap_or(0),
            input_tokens: p.input_tokens.unwrap_or(0),
            output_tokens: p.output_tokens.unwrap_or(0),
            cost: Nanos(cost_of_parts(p.cost_dollars.unwrap_or(0), p.cost_rest.unwrap_or(0))),
        })
        .collect();
    let cut = out.len() as u64 > MAX_PAIRS;
    out.truncate(MAX_PAIRS as usize);
    Ok(Pairs { rows: out, cut })
}

/// The statement `pairs` runs (public for the tests that check its plan).
pub fn pairs_query(scope: &Scope, first: GroupBy, second: GroupBy, rank: Rank, only: Option<&[String]>) -> AppResult<SelectStatement> {
    let by_hour = first == GroupBy::Hour || second == GroupBy::Hour;
    let r = pick(scope, &[first.needs(), second.needs()], by_hour, false)?;
    let [dollars, rest] = cost_parts(r)?;
    let mut q = Query::select();
    q.from(r.table()).cond_where(scope.condition(r)?);
    if let Some(measure) = rank.measure(r)? {
        q.order_by_expr(measure, Order::Desc);
    }
    if let Some(names) = only {
        q.and_where(first.key(r)?.is_in(names.iter().map(String::as_str)));
    }
    let [by_dollars, by_rest] = costliest_first(r)?;
    q.expr_as(first.key(r)?, Alias::new("first"))
        .expr_as(second.key(r)?, Alias::new("second"))
        .expr_as(sum(col(r, Col::Requests)?), Alias::new("requests"))
        .expr_as(sum(col(r, Col::InputTokens)?), Alias::new("input_tokens"))
        .expr_as(sum(col(r, Col::OutputTokens)?), Alias::new("output_tokens"))
        .expr_as(dollars, Alias::new("cost_dollars"))
        .expr_as(rest, Alias::new("cost_rest"))
        .add_group_by([by_name("first"), by_name("second")])
        .order_by_expr(by_dollars, Order::Desc)
        .order_by_expr(by_rest, Order::Desc)
        .order_by_expr(by_name("first"), Order::Asc)
        .order_by_expr(by_name("second"), Order::Asc)
        // One more than the cap: whether there were more is worth saying.
        .limit(MAX_PAIRS + 1);
    Ok(q)
}

/// The calls that named an end user in one hour or day (or the whole scope):
/// how many distinct end users made them, and their sums.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserSpan {
    /// The hour (RFC 3339) or day (YYYY-MM-DD); `None` for the whole scope.
    pub key: Option<String>,
    pub users: i64,
    pub requests: i64,
    pub cost: Nanos,
}

#[derive(FromQueryResult)]
struct SpanSums {
    key: Option<String>,
    users: Option<i64>,
    requests: Option<i64>,
    cost_dollars: Option<i64>,
    cost_rest: Option<i64>,
}

/// Distinct end users and their sums, per `step` (`GroupBy::Day` or
/// `GroupBy::Hour`, in time order) or, with `None`, over the whole scope.
/// Calls that named no end user count nowhere here.
pub async fn active_users(db: &DatabaseConnection, scope: &Scope, step: Option<GroupBy>) -> AppResult<Vec<UserSpan>> {
    let r = pick(scope, &[Col::EndUser], step == Some(GroupBy::Hour), false)?;
    let user = col(r, Col::EndUser)?;
    let key = match step {
        Some(s) => s.key(r)?,
        None => Expr::cust("CAST(NULL AS TEXT)"),
    };
    let [dollars, rest] = cost_parts(r)?;
    let mut q = Query::select();
    q.from(r.table())
        .cond_where(scope.condition(r)?)
        .and_where(user.clone().ne(""))
        .expr_as(key, Alias::new("key"))
        .expr_as(user.count_distinct().cast_as(Alias::new("BIGINT")), Alias::new("users"))
        .expr_as(sum(col(r, Col::Requests)?), Alias::new("requests"))
        .expr_as(dollars, Alias::new("cost_dollars"))
        .expr_as(rest, Alias::new("cost_rest"));
    if step.is_some() {
        q.add_group_by([by_name("key")]);
    }
    let mut spans: Vec<UserSpan> = rows::<SpanSums>(db, &q)
        .await?
        .into_iter()
        .filter(|s| s.users.unwrap_or(0) > 0)
        .map(|s| UserSpan {
            key: step.and_then(|st| st.name(s.key)),
            users: s.users.unwrap_or(0),
            requests: s.requests.unwrap_or(0),
            cost: Nanos(cost_of_parts(s.cost_dollars.unwrap_or(0), s.cost_rest.unwrap_or(0))),
        })
        .collect();
    // Dates sort as text once named; the stored day numbers would not.
    spans.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(spans)
}
