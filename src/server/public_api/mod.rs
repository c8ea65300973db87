//! The public API, `/api/v1/*`: a versioned JSON contract for applications,
//! authenticated by project API keys, never by a session. It is mounted
//! beside the probes, outside the session, user and cross-site layers, with
//! its own body limit. Every error has one shape, built from `AppError`:
//! `{"error": {"code": "...", "message": "..."}}`.
mod auth;
mod events;
pub mod openapi;
mod usage;
mod wire;

pub use auth::{IngestKey, ReadKey};

use crate::domain::usage::MAX_BODY_BYTES;
use crate::error::AppError;
use crate::server::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower_http::timeout::RequestBodyTimeoutLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The code of a known path called with another method.
pub const METHOD_NOT_ALLOWED: &str = "method_not_allowed";

/// The routes and their document, from one declaration per handler
/// (`#[utoipa::path]`): add a route here with `.routes(routes!(…))` only.
fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi()).routes(routes!(events::ingest)).routes(routes!(usage::summary)).split_for_parts()
}

pub fn routes() -> Router<AppState> {
    api()
        .0
        .fallback(|| async { ApiError::from(AppError::NotFound("This API endpoint".into())) })
        .method_not_allowed_fallback(|| async { error_body(StatusCode::METHOD_NOT_ALLOWED, METHOD_NOT_ALLOWED, "This endpoint does not accept that method.") })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        // A body trickled in slowly must not hold a connection for ever.
        .layer(RequestBodyTimeoutLayer::new(std::time::Duration::from_secs(30)))
}

/// An `AppError` as the public API answers it. `message` replaces the
/// console's wording where that speaks of sessions or pages.
#[derive(Debug)]
pub struct ApiError {
    pub error: AppError,
    pub message: Option<String>,
    /// Seconds, for 429 and 503.
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn with_message(error: AppError, message: impl Into<String>) -> Self {
        Self { error, message: Some(message.into()), retry_after: None }
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        let retry_after = (error == AppError::Busy).then_some(1);
        Self { error, message: None, retry_after }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let message = self.message.unwrap_or_else(|| match &self.error {
            AppError::Unauthenticated => UNAUTHENTICATED.to_string(),
            // The console words this as a network failure; here it is the caller's request.
            AppError::Transport(m) => m.clone(),
            AppError::PlanLimit { message, billing, .. } => format!("{message} ({billing})"),
            other => other.to_string(),
        });
        let mut res = error_body(status, self.error.code(), &message);
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(secs) = self.retry_after {
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        res
    }
}

const UNAUTHENTICATED: &str = "Send a working project API key as `Authorization: Bearer plk_…`; this one is missing, malformed, unknown, expired or revoked.";

fn error_body(status: StatusCode, code: &'static str, message: &str) -> Response {
    (status, axum::Json(wire::ErrorBody { error: wire::ErrorDetail { code, message: message.to_string() } })).into_response()
}
