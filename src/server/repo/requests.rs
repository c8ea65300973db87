//! The request log: a project's events, newest first, through the
//! (project_id, occurred_at, id) index with keyset paging. Every query is
//! scoped by the project in the caller's context.
use crate::domain::analytics::Window;
use crate::domain::money::Nanos;
use crate::domain::requests::{Cursor, RequestDetail, RequestFilters, RequestRow, SEARCH_ROWS};
use crate::domain::usage::CostSource;
use crate::error::AppResult;
use crate::server::entities::{api_key, usage_daily_totals, usage_event};
use sea_orm::sea_query::Condition;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// The log's query: newest first, a seek on `ix_usage_events_project_time`
/// (project, occurred_at, id) from the cursor on, so a page's cost does not
/// grow with its position. The window is bounded by `occurred_at` (an
/// event's hour is its time cut to the hour), not by `hour`: with bounds on
/// `hour`, SQLite could take the (project, hour) index, read the whole
/// window and sort it for every page.
pub fn log_query(project_id: i64, window: &Window, f: &RequestFilters, after: Option<Cursor>) -> sea_orm::Select<usage_event::Entity> {
    search_query(project_id, window, f, after, None)
}

/// `log_query` over the rows newer than `floor` only (a search's budget;
/// public for the tests that check its plan):
/// the floor replaces the window's lower bound, which it lies within, so
/// the index range itself stops there.
pub fn search_query(
    project_id: i64,
    window: &Window,
    f: &RequestFilters,
    after: Option<Cursor>,
    floor: Option<Cursor>,
) -> sea_orm::Select<usage_event::Entity> {
    use usage_event::Column as C;
    // Clamped to years 1970 to 9999: SQLite compares stored times as text.
    let at_hour = |h: i64| chrono::DateTime::from_timestamp(h.clamp(0, 70_389_527) * 3_600, 0).unwrap_or_default();
    let mut q = usage_event::Entity::find().filter(C::ProjectId.eq(project_id));
    q = match floor {
        Some(b) => q.filter(C::OccurredAt.gte(b.at)).filter(Condition::any().add(C::OccurredAt.gt(b.at)).add(C::Id.gt(b.id))),
        None => q.filter(C::OccurredAt.gte(at_hour(window.from_hour))),
    };
    // One upper bound only: given two, SQLite's stable plan seeks on one of
    // them (the window's end) and walks down to the cursor, so a page's cost
    // grew with its position (measured 8× at 900,000 rows in). A cursor
    // inside the window is the tighter bound; one past it is ignored.
    let end = at_hour(window.to_hour);
    let cursor = after.filter(|c| c.at < end);
    q = match cursor {
        // `occurred_at <= at` bounds the index range; the rest breaks ties by id.
        Some(c) => q.filter(C::OccurredAt.lte(c.at)).filter(Condition::any().add(C::OccurredAt.lt(c.at)).add(C::Id.lt(c.id))),
        None => q.filter(C::OccurredAt.lt(end)),
    };
    if let Some(env) = f.window.environment() {
        q = q.filter(C::Environment.eq(env));
    }
    if let Some(m) = RequestFilters::text(&f.model) {
        q = q.filter(C::Model.eq(m));
    }
    if let Some(a) = RequestFilters::text(&f.assistant) {
        q = q.filter(C::Assistant.eq(a));
    }
    if let Some(u) = RequestFilters::text(&f.user) {
        q = q.filter(C::EndUser.eq(u));
    }
    if let Some(k) = f.key {
        q = q.filter(C::ApiKeyId.eq(k));
    }
    if let Some(s) = f.status {
        q = q.filter(C::Status.eq(s));
    }
    q.order_by_desc(C::OccurredAt).order_by_desc(C::Id)
}

/// One page of the log, and where the next one starts.
#[derive(Debug, Default)]
pub struct Found {
    pub rows: Vec<RequestRow>,
    pub next: Option<Cursor>,
    /// Set when the search budget ran out before the page was full: the
    /// time it reached back to (`next` goes on from there).
    pub searched_to: Option<chrono::DateTime<chrono::Utc>>,
}

/// One page of a project's log in `window` (`size` rows, `PAGE_SIZE` on
/// screen) and the cursor of the next. With a filter, at most
/// `SEARCH_ROWS` calls are searched per page, in two steps: a common
/// filter fills its page within the first few calls of the log, so only
/// a rare one pays for the whole budget.
pub async fn page(db: &DatabaseConnection, project_id: i64, window: &Window, f: &RequestFilters, after: Option<Cursor>, size: u64) -> AppResult<Found> {
    if !f.narrows() {
        return search(db, project_id, window, f, after, None, size).await;
    }
    let first_step = size.saturating_mul(4).clamp(1_000, SEARCH_ROWS);
    let mut found = Found::default();
    for budget in [first_step, SEARCH_ROWS] {
        let floor = floor(db, project_id, window, after, budget).await?;
        found = search(db, project_id, window, f, after, floor, size).await?;
        if found.searched_to.is_none() {
            break;
        }
    }
    Ok(found)
}

/// The first call past the newest `budget` calls after `after` in the
/// unfiltered log, found on the index alone; `None` when the rest of the
/// window is within the budget.
async fn floor(db: &DatabaseConnection, project_id: i64, window: &Window, after: Option<Cursor>, budget: u64) -> AppResult<Option<Cursor>> {
    use usage_event::Column as C;
    Ok(log_query(project_id, window, &RequestFilters::default(), after)
        .select_only()
        .columns([C::OccurredAt, C::Id])
        .offset(budget)
        .limit(1)
        .into_tuple::<(chrono::DateTime<chrono::Utc>, i64)>()
        .one(db)
        .await?
        .map(|(at, id)| Cursor { at, id }))
}

/// A page of the rows after `after` and newer than `floor`.
async fn search(
    db: &DatabaseConnection,
    project_id: i64,
    window: &Window,
    f: &RequestFilters,
    after: Option<Cursor>,
    floor: Option<Cursor>,
    size: u64,
) -> AppResult<Found> {
    use usage_event::Column as C;
    let q = search_query(project_id, window, f, after, floor);
    let mut rows: Vec<RequestRow> = q
        .select_only()
        .columns([C::Id, C::EventId, C::OccurredAt, C::Model, C::Assistant, C::EndUser, C::InputTokens, C::OutputTokens, C::CostNanos, C::LatencyMs, C::Status])
        .limit(size + 1)
        .into_tuple::<(i64, String, chrono::DateTime<chrono::Utc>, String, Option<String>, Option<String>, i64, i64, i64, Option<i64>, crate::domain::usage::EventStatus)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(id, event_id, occurred_at, model, assistant, end_user, input_tokens, output_tokens, cost, latency_ms, status)| RequestRow {
            id,
            event_id,
            occurred_at,
            model,
            assistant,
            end_user,
            input_tokens,
            output_tokens,
            cost: Nanos(cost),
            latency_ms,
            status,
        })
        .collect();
    if rows.len() as u64 > size {
        rows.truncate(size as usize);
        let next = rows.last().map(|r| Cursor { at: r.occurred_at, id: r.id });
        return Ok(Found { rows, next, searched_to: None });
    }
    // The budget ran out first: go on from the floor, which is not searched
    // yet (a cursor names rows strictly older than it, so one id past it).
    Ok(match floor {
        Some(b) => Found { rows, next: Some(Cursor { at: b.at, id: b.id.saturating_add(1) }), searched_to: Some(b.at) },
        None => Found { rows, next: None, searched_to: None },
    })
}

/// One event of the project, in full; `None` when the project has no such id.
pub async fn detail(db: &DatabaseConnection, org_id: i64, project_id: i64, id: i64, with_text: bool) -> AppResult<Option<RequestDetail>> {
    let Some(e) = usage_event::Entity::find_by_id(id).filter(usage_event::Column::ProjectId.eq(project_id)).one(db).await? else {
        return Ok(None);
    };
    let key_name = match e.api_key_id {
        Some(k) => api_key::Entity::find_by_id(k).filter(api_key::Column::ProjectId.eq(project_id)).one(db).await?.map(|k| k.name),
        None => None,
    };
    let metadata = e.metadata.as_deref().map(metadata_pairs).unwrap_or_default();
    let unpriced_reason =
        match e.cost_source {
            CostSource::Unpriced => {
                let catalog = crate::server::repo::prices::Catalog::load(db, org_id).await?;
                let pricing = catalog.pricing(e.provider.as_deref(), &e.model, e.occurred_at);
                Some(pricing.unpriced_reason(&e.model).unwrap_or_else(|| {
                    "A price for this call was added after it arrived. Recompute the model's costs on the Prices page to apply it.".to_string()
                }))
            }
            CostSource::Reported | CostSource::Catalog => None,
        };
    Ok(Some(RequestDetail {
        row: RequestRow {
            id: e.id,
            event_id: e.event_id,
            occurred_at: e.occurred_at,
            model: e.model,
            assistant: e.assistant,
            end_user: e.end_user,
            input_tokens: e.input_tokens,
            output_tokens: e.output_tokens,
            cost: Nanos(e.cost_nanos),
            latency_ms: e.latency_ms,
            status: e.status,
        },
        provider: e.provider,
        environment: e.environment,
        session_id: e.session_id,
        received_at: e.received_at,
        error: e.error,
        input: if with_text { e.input } else { None },
        output: if with_text { e.output } else { None },
        truncated: e.truncated,
        metadata,
        key_name,
        text_hidden: !with_text,
        unpriced_reason,
    }))
}

/// Most names a filter offers.
pub const MAX_NAMES: usize = 100;

/// Distinct values of a column of the daily totals for a project, for
/// filters (the smallest rollup that has every name): at most `MAX_NAMES`,
/// and whether there were more.
pub async fn names(db: &DatabaseConnection, project_id: i64, column: usage_daily_totals::Column) -> AppResult<(Vec<String>, bool)> {
    let mut names: Vec<String> = usage_daily_totals::Entity::find()
        .select_only()
        .column(column)
        .distinct()
        .filter(usage_daily_totals::Column::ProjectId.eq(project_id))
        .filter(column.ne(""))
        .order_by_asc(column)
        .limit(MAX_NAMES as u64 + 1)
        .into_tuple()
        .all(db)
        .await?;
    let cut = names.len() > MAX_NAMES;
    names.truncate(MAX_NAMES);
    Ok((names, cut))
}

/// The project's keys as (id, name), for the key filter.
pub async fn keys(db: &DatabaseConnection, project_id: i64) -> AppResult<Vec<(i64, String)>> {
    Ok(api_key::Entity::find()
        .select_only()
        .columns([api_key::Column::Id, api_key::Column::Name])
        .filter(api_key::Column::ProjectId.eq(project_id))
        .order_by_asc(api_key::Column::Name)
        .into_tuple()
        .all(db)
        .await?)
}

/// Whether the project has ever reported anything.
pub async fn any(db: &DatabaseConnection, project_id: i64) -> AppResult<bool> {
    Ok(usage_daily_totals::Entity::find().filter(usage_daily_totals::Column::ProjectId.eq(project_id)).one(db).await?.is_some())
}

/// Stored metadata as (key, value) pairs for the page. Values are read as
/// raw JSON, so a number no float can hold (stored before numbers were
/// capped) still shows, as its digits cut to the value cap.
fn metadata_pairs(stored: &str) -> Vec<(String, String)> {
    use crate::domain::usage::MAX_METADATA_VALUE_CHARS;
    let Ok(map) = serde_json::from_str::<std::collections::BTreeMap<String, Box<serde_json::value::RawValue>>>(stored) else {
        return vec![("(unreadable)".into(), "This call's metadata could not be read.".into())];
    };
    let shown = |raw: &serde_json::value::RawValue| match serde_json::from_str::<String>(raw.get()) {
        Ok(text) => text,
        Err(_) => raw.get().to_string(),
    };
    map.into_iter()
        .map(|(k, v)| {
            let v = shown(&v);
            let v = match v.char_indices().nth(MAX_METADATA_VALUE_CHARS) {
                Some((cut, _)) => format!("{}…", &v[..cut]),
                None => v,
            };
            (k, v)
        })
        .collect()
}

#[cfg(test)]
mod metadata_tests {
    #[test]
    fn every_stored_value_shows_even_numbers_no_float_holds() {
        let huge = "9".repeat(5_000);
        let pairs = super::metadata_pairs(&format!(r#"{{"big":{huge},"inf":1e999,"s":"a\"b","t":true}}"#));
        assert_eq!(pairs.len(), 4);
        assert_eq!(pairs[0].0, "big");
        assert_eq!(pairs[0].1.chars().count(), 1_025, "cut to the value cap, with an ellipsis");
        assert_eq!(pairs[1], ("inf".to_string(), "1e999".to_string()));
        assert_eq!(pairs[2], ("s".to_string(), "a\"b".to_string()));
        assert_eq!(pairs[3], ("t".to_string(), "true".to_string()));
    }
}
