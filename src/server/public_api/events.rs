//! `POST /api/v1/events`: applications report LLM calls. Each event is
//! checked on its own; good ones are stored even when others are refused
//! (207), and an id the project already has is a duplicate, not an error.
use super::openapi::{INTERNAL, KEY_REFUSED};
use super::wire::{Accepted, AllRefused, BadBatch, Batch as BatchDoc, ErrorBody, ErrorDetail, PartlyAccepted};
use super::{ApiError, IngestKey, openapi};
use crate::domain::usage::{MAX_BODY_BYTES, MAX_EVENTS_PER_REQUEST};
use crate::error::AppError;
use crate::server::AppState;
use crate::server::usage::intake::Rejected;
use crate::server::usage::intake::json::{Batch, parse_event, short_serde};
use crate::server::usage::store;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::{BytesRejection, FailedToBufferBody};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// What a 429 from `/events` means: the rate limit, or the plan's cap.
const EVENTS_429: &str = "Too many requests for this key or project (`rate_limited`; retry after `Retry-After` seconds); or the organization's plan has no room for this batch's new events this billing period (`plan_events_per_month`): nothing was stored, the message says how many still fit and where an Owner changes the plan, and `Retry-After` is the seconds until the next period starts. A batch whose new events would pass the cap is refused whole; events already stored count as duplicates, as ever.";

#[utoipa::path(
    post,
    path = "/events",
    summary = "Report LLM calls",
    description = format!("Needs a key with the `ingest` or `all` scope. At most {MAX_EVENTS_PER_REQUEST} events and {} MiB per request. An `id` the project already has is counted as a duplicate and changes nothing, so a batch can be retried safely.", MAX_BODY_BYTES / (1024 * 1024)),
    request_body(content = BatchDoc, content_type = "application/json", examples(
        ("one_call" = (summary = "One call (answered 200)", value = json!(openapi::one_call()))),
        ("partly_refused" = (summary = "Two calls, one with an unknown status (answered 207)", value = json!(openapi::partly_refused()))),
    )),
    responses(
        (status = 200, description = "Every event was stored or was a duplicate.", body = Accepted,
            examples(("one_call" = (value = json!({ "accepted": 1, "duplicates": 0 }))))),
        (status = 207, description = "Some events were rejected; the others were stored.", body = PartlyAccepted,
            examples(("partly_refused" = (value = json!(openapi::partly_refused_answer()))))),
        (status = 400, description = "The body is not JSON of the documented shape, or not sent as application/json (`Error`); or every event was refused (`AllRefused`).", body = BadBatch),
        (status = 401, description = KEY_REFUSED, body = ErrorBody),
        (status = 403, description = "The key's scope does not allow sending events.", body = ErrorBody),
        (status = 413, description = format!("More than {MAX_EVENTS_PER_REQUEST} events, or more than {} MiB.", MAX_BODY_BYTES / (1024 * 1024)), body = ErrorBody),
        (status = 408, description = "The body took more than 30 seconds to arrive (no body)."),
        (status = 429, description = EVENTS_429, body = ErrorBody,
            examples(("plan_events_per_month" = (summary = "The plan's monthly events are used up", value = json!(openapi::plan_events_answer()))))),
        (status = 500, description = INTERNAL, body = ErrorBody),
        (status = 503, description = "The database is busy (SQLite, under heavy concurrent writing); nothing was stored; retry after `Retry-After` seconds.", body = ErrorBody),
    ),
)]
pub async fn ingest(
    State(app): State<AppState>,
    IngestKey(key): IngestKey,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(|e| match e {
        BytesRejection::FailedToBufferBody(FailedToBufferBody::LengthLimitError(_)) => {
            AppError::TooLarge(format!("The body is over {} MiB; send fewer events per request.", MAX_BODY_BYTES / (1024 * 1024)))
        }
        other => AppError::Transport(format!("The body could not be read: {other}")),
    })?;
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(bad_request("Send the events as JSON, with `Content-Type: application/json`."));
    }
    let text = std::str::from_utf8(&body).map_err(|_| bad_request("The body is not UTF-8 text."))?;
    let batch: Batch = serde_json::from_str(text).map_err(|e| bad_request(format!("The body must be {{\"events\": [ ... ]}}: {}.", short_serde(&e))))?;
    if batch.events.len() > MAX_EVENTS_PER_REQUEST {
        return Err(AppError::TooLarge(format!("At most {MAX_EVENTS_PER_REQUEST} events per request; split the batch.")).into());
    }
    if batch.events.is_empty() {
        return Err(bad_request("`events` is empty; send at least one event."));
    }

    let now = chrono::Utc::now();
    let cap = app.config.limits.event_text_bytes;
    let mut rejected = Vec::new();
    let mut valid = Vec::with_capacity(batch.events.len());
    for (index, raw) in batch.events.into_iter().enumerate() {
        match parse_event(raw, now, cap) {
            Ok(ev) => valid.push((index, ev)),
            Err((id, error)) => rejected.push(Rejected { index, id, error }),
        }
    }
    let stored = match store::store(&app, &key, valid, &mut rejected).await {
        // The plan's events are used up: the batch fits once the next period starts.
        Err(error @ AppError::PlanLimit { .. }) => {
            let retry_after = crate::server::billing::meter::seconds_to_next_period(&app.db, key.org_id).await.ok();
            return Err(ApiError { error, message: None, retry_after });
        }
        other => other?,
    };
    if rejected.is_empty() {
        return Ok((StatusCode::OK, axum::Json(Accepted { accepted: stored.accepted, duplicates: stored.duplicates })).into_response());
    }
    rejected.sort_by_key(|r| r.index);
    if stored.accepted + stored.duplicates == 0 {
        // Nothing taken: a 4xx, so a client that trusts 2xx keeps its batch.
        // The kind of error every other unusable body gets (`bad_request`).
        let message = "Every event was refused; `rejected` says why.";
        let error = ErrorDetail { code: AppError::Transport(message.into()).code(), message: message.into() };
        let body = AllRefused { error, accepted: 0, duplicates: 0, rejected };
        return Ok((StatusCode::BAD_REQUEST, axum::Json(body)).into_response());
    }
    let body = PartlyAccepted { accepted: stored.accepted, duplicates: stored.duplicates, rejected };
    Ok((StatusCode::MULTI_STATUS, axum::Json(body)).into_response())
}

fn bad_request(message: impl Into<String>) -> ApiError {
    AppError::Transport(message.into()).into()
}
