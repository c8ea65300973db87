//! CSV downloads of a project's analytics, for whoever may export it
//! (`ProjectAction::ExportCsv`):
//! - `/o/<org>/projects/<slug>/export/requests.csv` — the request log with the log
//!   page's filters, streamed a thousand rows at a time through its index;
//! - `/o/<org>/projects/<slug>/export/usage.csv?group_by=day|hour|model|assistant|user`
//!   — sums from the rollups, with the analytics pages' range and environment.
//!
//! Plain GET routes behind the session layers, so a browser saves them as
//! files; the path ends in `.csv`, so a signed-out caller gets a 401, not the
//! sign-in page.
//!
//! Neither file can end short without saying so: past `MAX_GROUPS` groups
//! the usage file's last line says it was cut (and `X-Plinth-Truncated`
//! names the cap), and a log export that fails midway writes a last line
//! saying the file is incomplete, then breaks off the response, so the
//! browser marks the download failed too.
use crate::domain::analytics::Filters;
use crate::domain::csv::{Cell, header, line};
use crate::domain::policy::ProjectAction;
use crate::domain::project::Slug;
use crate::domain::requests::{RequestQuery, RequestRow};
use crate::error::{AppError, AppResult};
use crate::server::AppState;
use crate::server::auth::CurrentUser;
use crate::server::auth::throttle::ExportSlot;
use crate::server::guard::{self, ProjectCtx};
use crate::server::repo::requests;
use crate::server::usage::query as usage;
use axum::Extension;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, Uri, header as h};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// Rows per query while streaming the log.
const LOG_CHUNK: u64 = 1_000;
/// Most groups in a usage export (end users can be many).
const MAX_GROUPS: u64 = 100_000;

pub fn routes() -> Router<AppState> {
    Router::new().route("/o/{org}/projects/{slug}/export/requests.csv", get(requests_csv)).route("/o/{org}/projects/{slug}/export/usage.csv", get(usage_csv))
}

/// The caller and their project, if they may export it, with a place among
/// the exports running now (or 429 with `Retry-After`).
async fn project(app: &AppState, caller: Option<Extension<CurrentUser>>, (org, slug): (String, String)) -> AppResult<(ProjectCtx, ExportSlot)> {
    let Some(Extension(caller)) = caller else { return Err(AppError::Unauthenticated) };
    // A malformed organization slug names no organization: the same 404.
    let org = Slug::parse(&org).map_err(|_| AppError::NotFound("Organization".into()))?;
    let ctx = guard::project_at_as(app, &caller, &org, &slug, ProjectAction::ExportCsv).await?;
    let slot = app
        .throttle
        .start_export(ctx.project.id)
        .ok_or_else(|| AppError::TooManyRequests("Other exports of this project, or of this server, are running. Try again in a few seconds.".into()))?;
    Ok((ctx, slot))
}

/// How long a refused export should wait: exports stream for seconds.
const EXPORT_RETRY_SECONDS: &str = "5";

fn failed(e: AppError) -> Response {
    let status = StatusCode::from_u16(e.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut res = (status, [(h::CONTENT_TYPE, "text/plain; charset=utf-8")], e.to_string()).into_response();
    if status == StatusCode::TOO_MANY_REQUESTS {
        res.headers_mut().insert(h::RETRY_AFTER, axum::http::HeaderValue::from_static(EXPORT_RETRY_SECONDS));
    }
    res
}

fn csv(filename: String, body: Body) -> Response {
    let disposition = format!("attachment; filename=\"{filename}\"");
    ([(h::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()), (h::CONTENT_DISPOSITION, disposition), (h::CACHE_CONTROL, "no-store".to_string())], body)
        .into_response()
}

fn today() -> String {
    chrono::Utc::now().format("%Y-%m-%d").to_string()
}

async fn requests_csv(State(app): State<AppState>, Path(at): Path<(String, String)>, caller: Option<Extension<CurrentUser>>, uri: Uri) -> Response {
    let (ctx, slot) = match project(&app, caller, at).await {
        Ok(found) => found,
        Err(e) => return failed(e),
    };
    let query = match Query::<RequestQuery>::try_from_uri(&uri) {
        Ok(Query(q)) => q,
        Err(e) => return failed(AppError::invalid(e.body_text())),
    };
    let mut filters = match query.filters() {
        Ok(f) => f,
        Err(e) => return failed(AppError::invalid(e)),
    };
    filters.after = None;
    let window = match filters
        .window
        .window(chrono::Utc::now().timestamp().div_euclid(3_600))
        .map_err(AppError::invalid)
        .and_then(|w| filters.check().map_err(AppError::invalid).map(|_| w))
    {
        Ok(w) => w,
        Err(e) => return failed(e),
    };
    let (db, project_id, slug) = (ctx.db().clone(), ctx.project.id, ctx.project.slug.clone());
    // Each step reads the next chunk after the last row sent; the state is
    // the cursor, `None` once the log is done.
    // A place among the running exports is held only while a chunk is
    // read (the database work it limits): a client that stops reading holds
    // nothing. The first chunk uses the place the request was given.
    let throttles = app.throttle.clone();
    let mut first_slot = Some(slot);
    // The state: (cursor, first chunk, failed); `None` once done.
    let chunks = futures::stream::unfold(Some((None, true, false)), move |state| {
        let (db, filters, window, throttles) = (db.clone(), filters.clone(), window.clone(), throttles.clone());
        let given = first_slot.take();
        async move {
            let (after, first, failed) = state?;
            if failed {
                // After the line that says so, break the response off. Not at
                // once: hyper drops what it has not yet written when a body
                // fails, and the line must reach the file first.
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                return Some((Err(AppError::Internal), None));
            }
            let slot = match given {
                Some(slot) => slot,
                None => match wait_for_slot(&throttles, project_id).await {
                    Some(slot) => slot,
                    None => return Some((Ok(INCOMPLETE.to_string()), Some((None, false, true)))),
                },
            };
            let page = requests::page(&db, project_id, &window, &filters, after, LOG_CHUNK).await;
            drop(slot);
            // A filtered chunk may stop at the search budget with fewer rows: `next` goes on.
            let requests::Found { rows, next, .. } = match page {
                Ok(page) => page,
                Err(e) => {
                    tracing::error!(error = %e, project_id, "a log export failed midway");
                    return Some((Ok(INCOMPLETE.to_string()), Some((None, false, true))));
                }
            };
            let mut out = if first {
                header(&["id", "event_id", "timestamp", "model", "assistant", "end_user", "input_tokens", "output_tokens", "cost_usd", "latency_ms", "status"])
            } else {
                String::new()
            };
            for r in &rows {
                out.push_str(&log_line(r));
            }
            Some((Ok::<_, AppError>(out), next.map(|c| (Some(c), false, false))))
        }
    });
    // Fused: the compression layer polls once more after the end.
    csv(format!("{slug}-requests-{}.csv", today()), Body::from_stream(futures::StreamExt::fuse(chunks)))
}

/// The last line of a log export that could not be finished.
const INCOMPLETE: &str = "# INCOMPLETE: the export failed before the end of the log; this file is missing rows. Download it again.\n";

/// A place for the next chunk of a running export: other exports' chunks
/// are short, so wait for one, up to half a minute.
async fn wait_for_slot(throttles: &std::sync::Arc<crate::server::auth::throttle::Throttles>, project_id: i64) -> Option<ExportSlot> {
    for _ in 0..600 {
        if let Some(slot) = throttles.start_export(project_id) {
            return Some(slot);
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    None
}

fn log_line(r: &RequestRow) -> String {
    line(&[
        Cell::Int(r.id),
        Cell::Text(&r.event_id),
        Cell::Number(r.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)),
        Cell::Text(&r.model),
        Cell::Text(r.assistant.as_deref().unwrap_or_default()),
        Cell::Text(r.end_user.as_deref().unwrap_or_default()),
        Cell::Int(r.input_tokens),
        Cell::Int(r.output_tokens),
        Cell::Number(r.cost.usd_exact()),
        r.latency_ms.map_or(Cell::Text(""), Cell::Int),
        Cell::Text(r.status.as_str()),
    ])
}

/// The usage file's query string, as text (`Filters::from_url` parses it).
#[derive(serde::Deserialize)]
struct UsageQuery {
    range: Option<String>,
    from: Option<String>,
    to: Option<String>,
    env: Option<String>,
    group_by: Option<String>,
}

/// What a project's usage file may be grouped by.
const FILE_GROUPS: [usage::GroupBy; 6] =
    [usage::GroupBy::Day, usage::GroupBy::Hour, usage::GroupBy::Model, usage::GroupBy::Assistant, usage::GroupBy::User, usage::GroupBy::Key];

async fn usage_csv(State(app): State<AppState>, Path(at): Path<(String, String)>, caller: Option<Extension<CurrentUser>>, uri: Uri) -> Response {
    let (ctx, _slot) = match project(&app, caller, at).await {
        Ok(found) => found,
        Err(e) => return failed(e),
    };
    let query = match Query::<UsageQuery>::try_from_uri(&uri) {
        Ok(Query(q)) => q,
        Err(e) => return failed(AppError::invalid(e.body_text())),
    };
    let group_name = query.group_by.as_deref().unwrap_or("day");
    let Some(group) = usage::GroupBy::parse(group_name).filter(|g| FILE_GROUPS.contains(g)) else {
        return failed(AppError::invalid(format!("group_by is one of {}.", usage::GroupBy::names_of(&FILE_GROUPS))));
    };
    let filters = match Filters::from_url(query.range.as_deref(), query.from.as_deref(), query.to.as_deref(), query.env.as_deref()) {
        Ok(f) => f,
        Err(e) => return failed(AppError::invalid(e)),
    };
    let window = match filters.window(chrono::Utc::now().timestamp().div_euclid(3_600)) {
        Ok(w) => w,
        Err(e) => return failed(AppError::invalid(e)),
    };
    let scope = usage::Scope::project(ctx.org.org.id, ctx.project.id, usage::Hours::from(&window)).environment(filters.environment());
    // One more than the cap: whether there were more is worth saying.
    let rows = match usage::top(ctx.db(), &scope, group, usage::Rank::Cost, MAX_GROUPS + 1).await {
        Ok(rows) => rows,
        Err(e) => return failed(e),
    };
    let (out, truncated) = usage_file(group_name, &rows, MAX_GROUPS as usize);
    let mut res = csv(format!("{}-usage-by-{group_name}-{}.csv", ctx.project.slug, today()), Body::from(out));
    if truncated {
        res.headers_mut().insert("x-plinth-truncated", axum::http::HeaderValue::from(MAX_GROUPS));
    }
    res
}

/// The usage file: the costliest `cap` groups, and a last line saying so
/// when `rows` holds more. Returns the file and whether it was cut.
fn usage_file(group_name: &str, rows: &[usage::UsageRow], cap: usize) -> (String, bool) {
    let mut out = header(&[group_name, "requests", "errors", "input_tokens", "output_tokens", "cost_usd", "avg_latency_ms"]);
    for r in rows.iter().take(cap) {
        out.push_str(&line(&[
            Cell::Text(r.key.as_deref().unwrap_or_default()),
            Cell::Int(r.requests),
            Cell::Int(r.errors),
            Cell::Int(r.input_tokens),
            Cell::Int(r.output_tokens),
            Cell::Number(r.cost.usd_exact()),
            if r.latency_count > 0 { Cell::Int(r.latency_sum_ms / r.latency_count) } else { Cell::Text("") },
        ]));
    }
    let truncated = rows.len() > cap;
    if truncated {
        out.push_str(&format!("# TRUNCATED: only the {cap} costliest groups are listed; narrow the range or filter by environment for the rest.\n"));
    }
    (out, truncated)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::money::Nanos;

    fn row(key: &str) -> usage::UsageRow {
        usage::UsageRow {
            key: Some(key.into()),
            requests: 2,
            errors: 1,
            input_tokens: 10,
            output_tokens: 5,
            cost: Nanos(1_500_000_000),
            latency_sum_ms: 300,
            latency_count: 2,
        }
    }

    #[test]
    fn a_cut_usage_file_says_so() {
        let rows: Vec<_> = ["a", "b", "c"].iter().map(|k| row(k)).collect();
        let (whole, cut) = usage_file("model", &rows, 3);
        assert!(!cut && !whole.contains("TRUNCATED"));
        assert_eq!(whole.lines().count(), 4);
        let (part, cut) = usage_file("model", &rows, 2);
        assert!(cut);
        assert_eq!(part.lines().count(), 4, "header, two groups, the note");
        assert!(part.lines().last().unwrap().starts_with("# TRUNCATED: only the 2 costliest groups"));
        assert!(part.lines().nth(1).unwrap().starts_with("a,2,1,10,5,1.5"), "{part}");
    }
}
