//! Usage split two ways (end user × model, assistant × model) and end users
//! counted over time, for the Users and Tokens pages. Read from the rollups
//! in a `usage::Scope`, like `usage::summary`: over whole days from the daily
//! rollups, else from the hourly ones.
use crate::domain::money::Nanos;
use crate::error::AppResult;
use crate::server::entities::{usage_daily_totals, usage_daily_user_totals, usage_daily_users, usage_hourly, usage_hourly_totals};
use crate::server::repo::usage::{GroupBy, Rank, Scope, cost_of_parts, costliest_first, scoped, sum};
use sea_orm::sea_query::{Alias, Expr, ExprTrait};
use sea_orm::{DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect};

/// Most pairs one answer holds (the costliest first).
pub const MAX_PAIRS: u64 = 2_000;

/// What a breakdown's summary adds when `MAX_PAIRS` cut it.
pub const CUT_NOTE: &str = "Only the 2,000 largest pairs are counted here; narrow the range or filter by environment to see the rest.";

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
    let mut rows = pair_rows(db, scope, first, second, rank, only).await?;
    let cut = rows.len() as u64 > MAX_PAIRS;
    rows.truncate(MAX_PAIRS as usize);
    Ok(Pairs { rows, cut })
}

async fn pair_rows(db: &DatabaseConnection, scope: &Scope, first: GroupBy, second: GroupBy, rank: Rank, only: Option<&[String]>) -> AppResult<Vec<PairRow>> {
    let groups = [first, second];
    let by_user = groups.contains(&GroupBy::User);
    let daily = scope.whole_days() && !groups.contains(&GroupBy::Hour);
    // The daily per-user rollup has no assistant.
    if by_user && daily && !groups.contains(&GroupBy::Assistant) {
        pairs_of(db, usage_daily_users::Entity::find(), scope, first, second, rank, only).await
    } else if by_user {
        pairs_of(db, usage_hourly::Entity::find(), scope, first, second, rank, only).await
    } else if daily {
        pairs_of(db, usage_daily_totals::Entity::find(), scope, first, second, rank, only).await
    } else {
        pairs_of(db, usage_hourly_totals::Entity::find(), scope, first, second, rank, only).await
    }
}

async fn pairs_of<E: EntityTrait>(
    db: &DatabaseConnection,
    from: sea_orm::Select<E>,
    scope: &Scope,
    first: GroupBy,
    second: GroupBy,
    rank: Rank,
    only: Option<&[String]>,
) -> AppResult<Vec<PairRow>> {
    let [dollars, rest] = costliest_first();
    let mut q = scoped(from, scope).select_only();
    if let Some(measure) = rank.measure() {
        q = q.order_by(measure, sea_orm::Order::Desc);
    }
    if let Some(names) = only {
        q = q.filter(first.key().is_in(names.iter().map(String::as_str)));
    }
    let rows = q
        .column_as(first.key(), "first")
        .column_as(second.key(), "second")
        .column_as(sum("requests"), "requests")
        .column_as(sum("input_tokens"), "input_tokens")
        .column_as(sum("output_tokens"), "output_tokens")
        .column_as(sum("cost_nanos / 1000000000"), "cost_dollars")
        .column_as(sum("cost_nanos % 1000000000"), "cost_rest")
        .group_by(first.key())
        .group_by(second.key())
        .order_by(dollars, sea_orm::Order::Desc)
        .order_by(rest, sea_orm::Order::Desc)
        .order_by(Expr::col(Alias::new("first")), sea_orm::Order::Asc)
        .order_by(Expr::col(Alias::new("second")), sea_orm::Order::Asc)
        // One more than the cap: whether there were more is worth saying.
        .limit(MAX_PAIRS + 1)
        .into_model::<PairSums>()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| PairRow {
            first: first.name(r.first),
            second: second.name(r.second),
            requests: r.requests.unwrap_or(0),
            input_tokens: r.input_tokens.unwrap_or(0),
            output_tokens: r.output_tokens.unwrap_or(0),
            cost: Nanos(cost_of_parts(r.cost_dollars.unwrap_or(0), r.cost_rest.unwrap_or(0))),
        })
        .collect())
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
    if scope.whole_days() && step != Some(GroupBy::Hour) {
        active_users_in(db, usage_daily_user_totals::Entity::find(), scope, step).await
    } else {
        active_users_in(db, usage_hourly::Entity::find(), scope, step).await
    }
}

async fn active_users_in<E: EntityTrait>(db: &DatabaseConnection, from: sea_orm::Select<E>, scope: &Scope, step: Option<GroupBy>) -> AppResult<Vec<UserSpan>> {
    let key = step.map(GroupBy::key).unwrap_or_else(|| Expr::cust("CAST(NULL AS TEXT)"));
    let mut q = scoped(from, scope)
        .select_only()
        .filter(Expr::col(Alias::new("end_user")).ne(""))
        .column_as(key.clone(), "key")
        .column_as(Expr::cust("CAST(COUNT(DISTINCT end_user) AS BIGINT)"), "users")
        .column_as(sum("requests"), "requests")
        .column_as(sum("cost_nanos / 1000000000"), "cost_dollars")
        .column_as(sum("cost_nanos % 1000000000"), "cost_rest");
    if step.is_some() {
        q = q.group_by(key);
    }
    let rows = q.into_model::<SpanSums>().all(db).await?;
    let mut spans: Vec<UserSpan> = rows
        .into_iter()
        .filter(|r| r.users.unwrap_or(0) > 0)
        .map(|r| UserSpan {
            key: step.and_then(|s| s.name(r.key)),
            users: r.users.unwrap_or(0),
            requests: r.requests.unwrap_or(0),
            cost: Nanos(cost_of_parts(r.cost_dollars.unwrap_or(0), r.cost_rest.unwrap_or(0))),
        })
        .collect();
    // Dates sort as text once named; the stored day numbers would not.
    spans.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(spans)
}
