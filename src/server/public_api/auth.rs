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
    let address = client_address(parts, app);
    let failures = &app.throttle.failed_key_lookups;
    // An address that has sent many unknown or malformed keys is refused
    // before any lookup, whatever key it sends now.
    if let Some(wait) = failures.full(&address) {
        return Err(rate_limited("Too many requests with unknown or malformed API keys from your address.", wait));
    }
    let key = match bearer(parts) {
        Some(secret) => guard::api_key(&app.db, secret).await,
        None => Err(AppError::Unauthenticated),
    };
    let key = match key {
        Ok(key) => key,
        Err(AppError::Unauthenticated) => {
            // Past half the allowance, each failure also waits: a guesser is
            // slowed before it is refused. A missing header counts too.
            let taken = failures.acquire(&address, 1).map(|_| failures.count(&address)).unwrap_or(usize::MAX);
            if taken > app.config.limits.failed_key_lookups_per_address_minute / 2 {
                tokio::time::sleep(FAILURE_DELAY).await;
            }
            return Err(AppError::Unauthenticated.into());
        }
        Err(other) => return Err(other.into()),
    };
    // Every request of a working key counts, whatever it then asks for: once
    // against the key, once against its project (a Project Member may hold
    // many keys, and each has its own allowance).
    let limits = &app.config.limits;
    let key_slot = app
        .throttle
        .api
        .acquire(&key.key_id.to_string(), 1)
        .map_err(|wait| rate_limited(&format!("This API key sent more than {} requests in a minute.", limits.api_requests_per_key_minute), wait))?;
    if let Err(wait) = app.throttle.api_project.acquire(&key.project_id.to_string(), 1) {
        app.throttle.api.release(&key.key_id.to_string(), key_slot);
        let message = format!("This project's API keys sent more than {} requests in a minute, all keys together.", limits.api_requests_per_project_minute);
        return Err(rate_limited(&message, wait));
    }
    key.require(action).map_err(|e| ApiError::with_message(e, refused))?;
    Ok(key)
}

/// How long a failed lookup waits once its address is past half its allowance.
const FAILURE_DELAY: std::time::Duration = std::time::Duration::from_millis(500);

/// 429 with `Retry-After` in whole seconds, rounded up: a client that waits
/// exactly this long finds room.
fn rate_limited(what: &str, wait: std::time::Duration) -> ApiError {
    ApiError {
        error: AppError::TooManyRequests(format!("{what} Retry after the time in Retry-After.")),
        message: None,
        retry_after: Some((wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)),
    }
}

/// The client's rate-limit bucket, read as sign-in reads it (trusted
/// proxies' `X-Forwarded-For`, IPv6 by /64).
fn client_address(parts: &Parts, app: &AppState) -> String {
    use crate::server::http::{client_bucket, client_ip};
    match parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>() {
        Some(axum::extract::ConnectInfo(peer)) => client_bucket(client_ip(&app.config, peer.ip(), &parts.headers)),
        None => "unknown".into(),
    }
}

/// The token of `Authorization: Bearer <token>` (the scheme in any case).
fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}
