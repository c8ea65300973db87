//! Every reader of usage goes through here: a `Scope` (which of one
//! organization's projects, which hours, and optionally one API key, end
//! user or environment) and a `GroupBy`, answered from the cheapest rollup
//! of `rollup::ALL` that keeps what they need. The organization is in every
//! query, in one place (`Scope::projects`), so no scope can reach another's.
use crate::domain::latency::LatencyCounts;
use crate::domain::money::{NANOS_PER_USD, Nanos};
use crate::domain::usage::{CostSource, EventStatus};
use crate::error::{AppError, AppResult};
use crate::server::entities::{project, usage_daily_totals, usage_event};
use crate::server::usage::rollup::{self, Col, Grain, Rollup};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{ActiveEnum, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult, Order, PaginatorTrait, QueryFilter};

mod pairs;
pub use pairs::{CUT_NOTE, MAX_PAIRS, PairRow, Pairs, UserSpan, active_users, pairs, pairs_query};

/// Unix hours `[from, to)`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Hours {
    pub from: i64,
    pub to: i64,
}

impl From<&crate::domain::analytics::Window> for Hours {
    fn from(w: &crate::domain::analytics::Window) -> Self {
        Hours { from: w.from_hour, to: w.to_hour }
    }
}

impl Hours {
    /// Whole UTC days, so the daily rollups can answer.
    pub fn whole_days(&self) -> bool {
        self.from.rem_euclid(24) == 0 && self.to.rem_euclid(24) == 0
    }
}

/// Which of the organization's projects a scope reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Within {
    Org,
    Group(i64),
    Projects(Vec<i64>),
    Project(i64),
}

/// What to sum: always inside one organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub org_id: i64,
    pub within: Within,
    pub hours: Hours,
    pub api_key: Option<i64>,
    pub end_user: Option<String>,
    pub environment: Option<String>,
}

impl Scope {
    pub fn new(org_id: i64, within: Within, hours: Hours) -> Self {
        Scope { org_id, within, hours, api_key: None, end_user: None, environment: None }
    }

    /// One project of the organization.
    pub fn project(org_id: i64, project_id: i64, hours: Hours) -> Self {
        Self::new(org_id, Within::Project(project_id), hours)
    }

    pub fn environment(mut self, env: Option<&str>) -> Self {
        self.environment = env.filter(|e| !e.is_empty()).map(str::to_string);
        self
    }

    pub fn api_key(mut self, key: Option<i64>) -> Self {
        self.api_key = key;
        self
    }

    pub fn end_user(mut self, user: Option<&str>) -> Self {
        self.end_user = user.map(str::to_string);
        self
    }

    /// The ids of the projects in scope: the organization's, narrowed.
    /// Every query below filters by this, so it is where tenancy holds.
    pub fn projects(&self) -> SelectStatement {
        let mut q = Query::select();
        q.column(project::Column::Id).from(project::Entity).and_where(project::Column::OrgId.eq(self.org_id));
        match &self.within {
            Within::Org => {}
            Within::Group(g) => {
                q.and_where(project::Column::GroupId.eq(*g));
            }
            Within::Projects(ids) => {
                q.and_where(project::Column::Id.is_in(ids.iter().copied()));
            }
            Within::Project(id) => {
                q.and_where(project::Column::Id.eq(*id));
            }
        }
        q
    }

    /// The dimensions a rollup needs to honour this scope's filters.
    fn needs(&self) -> Vec<Col> {
        let mut needs = Vec::new();
        if self.api_key.is_some() {
            needs.push(Col::ApiKeyId);
        }
        if self.end_user.is_some() {
            needs.push(Col::EndUser);
        }
        if self.environment.is_some() {
            needs.push(Col::Environment);
        }
        needs
    }

    /// This scope's rows of rollup `r`.
    fn condition(&self, r: &Rollup) -> AppResult<Condition> {
        let mut c = Condition::all()
            .add(col(r, Col::ProjectId)?.in_subquery(self.projects()))
            .add(col(r, Col::Hour)?.gte(self.hours.from))
            .add(col(r, Col::Hour)?.lt(self.hours.to));
        if let Some(key) = self.api_key {
            c = c.add(col(r, Col::ApiKeyId)?.eq(key));
        }
        if let Some(user) = &self.end_user {
            c = c.add(col(r, Col::EndUser)?.eq(user.as_str()));
        }
        if let Some(env) = &self.environment {
            c = c.add(col(r, Col::Environment)?.eq(env.as_str()));
        }
        Ok(c)
    }
}

/// A rollup's column, as an expression.
fn col(r: &Rollup, c: Col) -> AppResult<Expr> {
    Ok(Expr::col((r.table(), r.col(c).ok_or(AppError::Internal)?)))
}

/// The cheapest rollup that keeps every column in `needs`, at an hourly
/// grain unless the scope is whole days and `by_hour` is false.
pub fn pick(scope: &Scope, needs: &[Col], by_hour: bool, latency: bool) -> AppResult<&'static Rollup> {
    let daily_ok = scope.hours.whole_days() && !by_hour;
    rollup::ALL
        .into_iter()
        .filter(|r| r.is_latency() == latency && (r.grain == Grain::Hour || daily_ok))
        .find(|r| scope.needs().iter().chain(needs).all(|c| r.has(*c)))
        .ok_or_else(|| AppError::invalid("Usage cannot be split by all of these at once; leave out the API key or the end user."))
}

crate::named_enum! {
    /// What usage sums are grouped by, as URLs and answers name it.
    pub enum GroupBy {
        Hour = "hour",
        Day = "day",
        Model = "model",
        Assistant = "assistant",
        User = "user",
        Key = "key",
        Project = "project",
    }
}

impl GroupBy {
    /// The dimension a rollup must keep to group by this.
    fn needs(self) -> Col {
        match self {
            GroupBy::Hour | GroupBy::Day => Col::Hour,
            GroupBy::Model => Col::Model,
            GroupBy::Assistant => Col::Assistant,
            GroupBy::User => Col::EndUser,
            GroupBy::Key => Col::ApiKeyId,
            GroupBy::Project => Col::ProjectId,
        }
    }

    /// The expression a rollup's rows group by, as text.
    fn key(self, r: &Rollup) -> AppResult<Expr> {
        let text = |e: Expr| e.cast_as(Alias::new("TEXT"));
        Ok(match self {
            GroupBy::Hour => text(col(r, Col::Hour)?),
            GroupBy::Day => text(col(r, Col::Hour)?.div(24)),
            GroupBy::Key => text(col(r, Col::ApiKeyId)?),
            GroupBy::Project => text(col(r, Col::ProjectId)?),
            other => col(r, other.needs())?,
        })
    }

    /// A group's stored key as shown: days and hours as dates, '' as `None`,
    /// and key 0 (calls rolled up before keys were counted) as `None`.
    pub(crate) fn name(self, key: Option<String>) -> Option<String> {
        match self {
            GroupBy::Day => key.and_then(|d| d.parse::<i64>().ok()).map(day_name),
            GroupBy::Hour => key.and_then(|h| h.parse::<i64>().ok()).map(hour_name),
            GroupBy::Key => key.filter(|k| k != "0"),
            _ => key.filter(|k| !k.is_empty()),
        }
    }
}

/// What "top" means for a list of groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rank {
    Cost,
    Requests,
    Tokens,
}

impl Rank {
    /// What sorts first for this rank, before cost (`None` for cost itself).
    fn measure(self, r: &Rollup) -> AppResult<Option<Expr>> {
        Ok(match self {
            Rank::Cost => None,
            Rank::Requests => Some(col(r, Col::Requests)?.sum()),
            Rank::Tokens => Some(col(r, Col::InputTokens)?.sum().add(col(r, Col::OutputTokens)?.sum())),
        })
    }
}

/// One group's sums. `key` is the hour (RFC 3339), day (YYYY-MM-DD), model,
/// assistant, end user, key id or project id; `None` for events that did not name one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UsageRow {
    pub key: Option<String>,
    pub requests: i64,
    pub errors: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cost: Nanos,
    pub latency_sum_ms: i64,
    pub latency_count: i64,
}

#[derive(FromQueryResult)]
struct Sums {
    key: Option<String>,
    requests: Option<i64>,
    errors: Option<i64>,
    input_tokens: Option<i64>,
    output_tokens: Option<i64>,
    cost_dollars: Option<i64>,
    cost_rest: Option<i64>,
    latency_sum: Option<i64>,
    latency_count: Option<i64>,
}

/// Most groups one answer holds, the costliest first (days never reach it);
/// `summary` returns one more when there are more, so callers can say so.
pub const MAX_GROUPS: u64 = 1_000;

/// PostgreSQL sums BIGINT as NUMERIC: cast back so both engines return integers.
fn sum(e: Expr) -> Expr {
    e.sum().cast_as(Alias::new("BIGINT"))
}

/// Costs summed as whole dollars and the rest apart, so neither sum can
/// overflow a BIGINT (`cost_of_parts` puts them together).
fn cost_parts(r: &Rollup) -> AppResult<[Expr; 2]> {
    Ok([sum(col(r, Col::CostNanos)?.div(NANOS_PER_USD)), sum(col(r, Col::CostNanos)?.modulo(NANOS_PER_USD))])
}

/// The order "costliest first": the whole dollars with the rests' carried
/// in (they can add up to more than a dollar), then what remains.
fn costliest_first(r: &Rollup) -> AppResult<[Expr; 2]> {
    let [dollars, rest] = cost_parts(r)?;
    Ok([dollars.add(rest.clone().div(NANOS_PER_USD)), rest.modulo(NANOS_PER_USD)])
}

/// Failed calls: a column where the status is not in the key, else the
/// calls whose status is the error (its database value from `EventStatus`).
fn errors(r: &Rollup) -> AppResult<Expr> {
    if r.has(Col::Errors) {
        return Ok(sum(col(r, Col::Errors)?));
    }
    let failed = Expr::case(col(r, Col::Status)?.eq(EventStatus::Error.to_value()), col(r, Col::Requests)?).finally(0i64);
    Ok(sum(failed.into()))
}

/// An output column, by its name. Groups go by name: the values in a key's
/// expression are bound parameters, and PostgreSQL does not see two
/// copies of one expression with different parameters as the same.
fn by_name(alias: &str) -> Expr {
    Expr::col(Alias::new(alias))
}

/// Run a select and read its rows as `T`.
async fn rows<T: FromQueryResult>(db: &DatabaseConnection, q: &SelectStatement) -> AppResult<Vec<T>> {
    Ok(T::find_by_statement(db.get_database_backend().build(q)).all(db).await?)
}

/// Sums grouped, the costliest first (see `top`).
pub async fn summary(db: &DatabaseConnection, scope: &Scope, group: GroupBy) -> AppResult<Vec<UsageRow>> {
    top(db, scope, group, Rank::Cost, MAX_GROUPS + 1).await
}

/// The first `limit` groups by `rank`, largest first (days and hours in
/// time order instead). Days are UTC.
pub async fn top(db: &DatabaseConnection, scope: &Scope, group: GroupBy, rank: Rank, limit: u64) -> AppResult<Vec<UsageRow>> {
    let q = top_query(scope, group, rank, limit)?;
    let mut out: Vec<UsageRow> = rows::<Sums>(db, &q)
        .await?
        .into_iter()
        .map(|s| UsageRow {
            key: group.name(s.key),
            requests: s.requests.unwrap_or(0),
            errors: s.errors.unwrap_or(0),
            input_tokens: s.input_tokens.unwrap_or(0),
            output_tokens: s.output_tokens.unwrap_or(0),
            cost: Nanos(cost_of_parts(s.cost_dollars.unwrap_or(0), s.cost_rest.unwrap_or(0))),
            latency_sum_ms: s.latency_sum.unwrap_or(0),
            latency_count: s.latency_count.unwrap_or(0),
        })
        .collect();
    if matches!(group, GroupBy::Day | GroupBy::Hour) {
        out.sort_by(|a, b| a.key.cmp(&b.key));
    }
    Ok(out)
}

fn top_query(scope: &Scope, group: GroupBy, rank: Rank, limit: u64) -> AppResult<SelectStatement> {
    let r = pick(scope, &[group.needs()], group == GroupBy::Hour, false)?;
    let key = group.key(r)?;
    let [dollars, rest] = cost_parts(r)?;
    let mut q = Query::select();
    q.from(r.table())
        .cond_where(scope.condition(r)?)
        .expr_as(key, Alias::new("key"))
        .expr_as(sum(col(r, Col::Requests)?), Alias::new("requests"))
        .expr_as(errors(r)?, Alias::new("errors"))
        .expr_as(sum(col(r, Col::InputTokens)?), Alias::new("input_tokens"))
        .expr_as(sum(col(r, Col::OutputTokens)?), Alias::new("output_tokens"))
        .expr_as(dollars, Alias::new("cost_dollars"))
        .expr_as(rest, Alias::new("cost_rest"))
        .expr_as(sum(col(r, Col::LatencySum)?), Alias::new("latency_sum"))
        .expr_as(sum(col(r, Col::LatencyCount)?), Alias::new("latency_count"))
        .add_group_by([by_name("key")]);
    if let Some(first) = rank.measure(r)? {
        q.order_by_expr(first, Order::Desc);
    }
    let [by_dollars, by_rest] = costliest_first(r)?;
    // Ties in a stable order, so a list reads the same on every load.
    q.order_by_expr(by_dollars, Order::Desc).order_by_expr(by_rest, Order::Desc).order_by_expr(by_name("key"), Order::Asc).limit(limit);
    Ok(q)
}

/// Calls per latency bucket over the scope (for p50, p95 and p99).
pub async fn latencies(db: &DatabaseConnection, scope: &Scope) -> AppResult<LatencyCounts> {
    let r = pick(scope, &[], false, true)?;
    let bucket = col(r, Col::Bucket)?;
    let mut q = Query::select();
    q.from(r.table()).cond_where(scope.condition(r)?).expr(bucket.clone()).expr(sum(col(r, Col::Calls)?)).add_group_by([bucket]);
    let mut out = LatencyCounts::default();
    for row in db.query_all(&q).await? {
        let (bucket, calls): (i32, Option<i64>) = (row.try_get_by_index(0)?, row.try_get_by_index(1)?);
        out.add_to(bucket, calls.unwrap_or(0));
    }
    Ok(out)
}

/// How many events in the scope have no price yet. Reads events (the
/// rollups do not keep where a cost came from); an index on (project,
/// hour) bounds it.
pub async fn unpriced(db: &DatabaseConnection, scope: &Scope) -> AppResult<i64> {
    let q = usage_event::Entity::find().filter(scope.condition(&rollup::EVENTS)?).filter(usage_event::Column::CostSource.eq(CostSource::Unpriced));
    Ok(q.count(db).await? as i64)
}

/// The environments a project has reported, for filters.
pub async fn environments(db: &DatabaseConnection, project_id: i64) -> AppResult<Vec<String>> {
    // The filter bar lists what there is room for; a project with more than
    // a hundred environments is not one Plinth has met.
    Ok(crate::server::repo::requests::names(db, project_id, usage_daily_totals::Column::Environment).await?.0)
}

/// Dollars and nano-dollars summed apart, as one amount; past what an i64
/// holds (9.2 billion dollars) it stays at that ceiling.
pub(crate) fn cost_of_parts(dollars: i64, rest: i64) -> i64 {
    let total = dollars as i128 * NANOS_PER_USD as i128 + rest as i128;
    i64::try_from(total).unwrap_or(i64::MAX)
}

/// A Unix hour as RFC 3339 (UTC).
pub(crate) fn hour_name(hour: i64) -> String {
    DateTime::<Utc>::from_timestamp(hour.saturating_mul(3_600), 0).map(|d| d.format("%Y-%m-%dT%H:00:00Z").to_string()).unwrap_or_default()
}

/// Days since the Unix epoch as YYYY-MM-DD.
pub(crate) fn day_name(days: i64) -> String {
    DateTime::<Utc>::from_timestamp(days.saturating_mul(86_400), 0).map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(from: i64, to: i64) -> Scope {
        Scope::project(1, 2, Hours { from, to })
    }

    #[test]
    fn the_cheapest_rollup_that_can_answer_is_picked() {
        let days = scope(24, 48);
        let hours = scope(25, 48);
        let table = |s: &Scope, needs: &[Col], by_hour| pick(s, needs, by_hour, false).map(|r| r.table().to_string());
        assert_eq!(table(&days, &[Col::Model], false).unwrap(), "usage_daily_totals");
        assert_eq!(table(&days, &[Col::EndUser], false).unwrap(), "usage_daily_user_totals");
        assert_eq!(table(&days, &[Col::EndUser, Col::Model], false).unwrap(), "usage_daily_users");
        assert_eq!(table(&days, &[Col::EndUser, Col::Assistant], false).unwrap(), "usage_hourly");
        assert_eq!(table(&days, &[Col::Hour], true).unwrap(), "usage_hourly_totals");
        assert_eq!(table(&hours, &[Col::Model], false).unwrap(), "usage_hourly_totals");
        assert_eq!(table(&days.clone().api_key(Some(3)), &[], false).unwrap(), "usage_daily_totals");
        assert!(table(&days.clone().api_key(Some(3)), &[Col::EndUser], false).is_err(), "no rollup keeps both");
        assert_eq!(pick(&days, &[], false, true).unwrap().table().to_string(), "usage_latency_daily");
        assert!(pick(&days.end_user(Some("ann")), &[], false, true).is_err());
    }

    #[test]
    fn groups_go_by_their_output_name() {
        // With the key's expression repeated, PostgreSQL saw two different
        // bound parameters and refused to group.
        let s = Scope::new(1, Within::Org, Hours { from: 24, to: 48 });
        let sql = top_query(&s, GroupBy::Day, Rank::Cost, 10).unwrap().build(sea_orm::sea_query::PostgresQueryBuilder).0;
        assert!(sql.contains(r#"GROUP BY "key""#), "{sql}");
    }

    #[test]
    fn every_scope_stays_in_its_organization() {
        use sea_orm::sea_query::SqliteQueryBuilder;
        for within in [Within::Org, Within::Group(4), Within::Projects(vec![5, 6]), Within::Project(7)] {
            let sql = Scope::new(42, within, Hours::default()).projects().to_string(SqliteQueryBuilder);
            assert!(sql.contains(r#""org_id" = 42"#), "{sql}");
        }
    }
}
