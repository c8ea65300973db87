//! The public API's guard: `Authorization: Bearer` → checksum → hash lookup
//! → project and scope, then the key's rate limit. A handler states what its
//! key must allow by the extractor it takes: `IngestKey` or `ReadKey`.
use super::ApiError;
use crate::domain::policy::KeyAction;
use crate::error::AppError;
use crate::server::AppState;
use crate::server::guard::{self, KeyCtx};
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

/// A key allowed to send usage events (scope `ingest` or `all`).
pub struct IngestKey(pub KeyCtx);

/// A key allowed to read usage (scope `read` or `all`).
pub struct ReadKey(pub KeyCtx);

impl FromRequestParts<AppState> for IngestKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        authorize(parts, app, KeyAction::Ingest, "This API key cannot send events: its scope is read. Use a key with the ingest or all scope.").await.map(Self)
    }
}

impl FromRequestParts<AppState> for ReadKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        authorize(parts, app, KeyAction::ReadUsage, "This API key cannot read usage: its scope is ingest. Use a key with the read or all scope.")
            .await
            .map(Self)
    }
}

async fn authorize(parts: &Parts, app: &AppState, action: KeyAction, refused: &str) -> Result<KeyCtx, ApiError> {
    let secret = bearer(parts).ok_or(AppError::Unauthenticated)?;
    let key = guard::api_key(&app.db, secret).await?;
    // Every request of a working key counts, whatever it then asks for.
    if let Err(wait) = app.throttle.api.acquire(&key.key_id.to_string(), 1) {
        let limit = app.config.limits.api_requests_per_key_minute;
        return Err(ApiError {
            error: AppError::TooManyRequests(format!("This API key sent more than {limit} requests in a minute. Retry after the time in Retry-After.")),
            message: None,
            // Rounded up: a client that waits exactly this long finds room.
            retry_after: Some((wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)),
        });
    }
    key.require(action).map_err(|e| ApiError::with_message(e, refused))?;
    Ok(key)
}

/// The token of `Authorization: Bearer <token>` (the scheme in any case).
fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}
