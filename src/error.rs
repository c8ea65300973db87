//! One error type for every server function, on both targets.
//!
//! The server picks the variant; `status_code()` maps it to HTTP. Internals
//! (database errors, panics) are logged on the server and shown only as
//! `Internal`, never with their text.
use crate::domain::plan::Limit;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", content = "message")]
pub enum AppError {
    /// Input that fails a rule; the message says which and why.
    #[error("{0}")]
    Invalid(String),
    #[error("Your session has ended. Please sign in again.")]
    Unauthenticated,
    #[error("You don't have permission to do that.")]
    Forbidden,
    #[error("{0} not found.")]
    NotFound(String),
    /// The request clashes with existing data, e.g. an email already in use.
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    TooManyRequests(String),
    /// The organization's plan has no room: the message names the limit;
    /// `billing` is the path of the page where an Owner changes the plan.
    /// 429 for events, 409 for what is counted.
    #[error("{message}")]
    PlanLimit { limit: crate::domain::plan::Limit, message: String, billing: String },
    /// A request over a size limit; the message names the limit.
    #[error("{0}")]
    TooLarge(String),
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The database is busy with other writes; nothing was changed, and the
    /// same request can be sent again in a moment.
    #[error("Plinth is busy; nothing was changed. Please try again in a moment.")]
    Busy,
    /// The call never reached the server function (network, encoding).
    #[error("Could not reach Plinth: {0}")]
    Transport(String),
}

impl AppError {
    pub fn invalid(msg: impl Into<String>) -> Self {
        Self::Invalid(msg.into())
    }

    pub fn status_code(&self) -> u16 {
        match self {
            Self::Invalid(_) => 422,
            Self::Unauthenticated => 401,
            Self::Forbidden => 403,
            Self::NotFound(_) => 404,
            Self::Conflict(_) => 409,
            Self::TooManyRequests(_) => 429,
            Self::PlanLimit { limit, .. } => match limit {
                Limit::EventsPerMonth | Limit::StoredBytes => 429,
                Limit::Members | Limit::Projects | Limit::ApiKeys => 409,
            },
            Self::TooLarge(_) => 413,
            Self::Internal => 500,
            Self::Busy => 503,
            Self::Transport(_) => 400,
        }
    }

    /// A stable machine-readable name, for the public API's error bodies.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid(_) => "invalid",
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden => "forbidden",
            Self::NotFound(_) => "not_found",
            Self::Conflict(_) => "conflict",
            Self::TooManyRequests(_) => "rate_limited",
            Self::PlanLimit { limit, .. } => limit.code(),
            Self::TooLarge(_) => "too_large",
            Self::Internal => "internal",
            Self::Busy => "busy",
            Self::Transport(_) => "bad_request",
        }
    }

    /// One error of each kind (`codes()` lists their codes for the public
    /// API's document; a test holds it to every variant).
    pub fn samples() -> Vec<AppError> {
        let s = String::new;
        let mut all = vec![
            Self::Invalid(s()),
            Self::Unauthenticated,
            Self::Forbidden,
            Self::NotFound(s()),
            Self::Conflict(s()),
            Self::TooManyRequests(s()),
            Self::TooLarge(s()),
            Self::Internal,
            Self::Busy,
            Self::Transport(s()),
        ];
        all.extend(Limit::ALL.into_iter().map(|limit| Self::PlanLimit { limit, message: s(), billing: s() }));
        all
    }

    pub fn codes() -> Vec<&'static str> {
        Self::samples().iter().map(Self::code).collect()
    }

    /// Log an internal failure and hide it from the user.
    #[cfg(feature = "ssr")]
    pub fn internal(err: impl std::fmt::Display) -> Self {
        tracing::error!(error = %err, "internal error");
        Self::Internal
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(msg) | ServerFnErrorErr::MissingArg(msg) => Self::Invalid(format!("The request was malformed: {msg}")),
            ServerFnErrorErr::ServerError(msg) => {
                #[cfg(feature = "ssr")]
                tracing::error!(error = %msg, "server function error");
                let _ = msg;
                Self::Internal
            }
            other => Self::Transport(other.to_string()),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<sea_orm::DbErr> for AppError {
    fn from(err: sea_orm::DbErr) -> Self {
        // SQLite's busy timeout ran out: the transaction was rolled back, so
        // the caller may simply send the request again.
        if err.to_string().contains("database is locked") {
            tracing::warn!(error = %err, "database busy");
            return Self::Busy;
        }
        Self::internal(err)
    }
}

#[cfg(feature = "ssr")]
impl From<sea_orm::TransactionError<AppError>> for AppError {
    fn from(err: sea_orm::TransactionError<AppError>) -> Self {
        match err {
            sea_orm::TransactionError::Connection(e) => e.into(),
            sea_orm::TransactionError::Transaction(e) => e,
        }
    }
}

#[cfg(feature = "ssr")]
impl From<tower_sessions::session::Error> for AppError {
    fn from(err: tower_sessions::session::Error) -> Self {
        Self::internal(err)
    }
}

pub type AppResult<T> = Result<T, AppError>;

#[cfg(all(test, feature = "ssr"))]
mod busy_tests {
    use super::*;

    #[test]
    fn a_busy_sqlite_is_a_503_not_a_500() {
        let locked = sea_orm::DbErr::Custom("error returned from database: (code: 5) database is locked".into());
        let e = AppError::from(locked);
        assert_eq!((e.status_code(), e.code()), (503, "busy"));
        assert_eq!(AppError::from(sea_orm::DbErr::Custom("disk I/O error".into())).status_code(), 500);
    }
}

#[cfg(test)]
mod tests {
    use super::AppError;

    #[test]
    fn the_samples_hold_every_variant() {
        let mut seen = [false; 11];
        for e in AppError::samples() {
            // No wildcard: a new variant fails to compile here until it is a sample.
            let i = match e {
                AppError::Invalid(_) => 0,
                AppError::Unauthenticated => 1,
                AppError::Forbidden => 2,
                AppError::NotFound(_) => 3,
                AppError::Conflict(_) => 4,
                AppError::TooManyRequests(_) => 5,
                AppError::TooLarge(_) => 6,
                AppError::Internal => 7,
                AppError::Busy => 8,
                AppError::Transport(_) => 9,
                AppError::PlanLimit { .. } => 10,
            };
            seen[i] = true;
        }
        assert!(seen.iter().all(|s| *s));
        let codes = AppError::codes();
        assert_eq!(codes.len(), codes.iter().collect::<std::collections::BTreeSet<_>>().len(), "one code per variant");
    }
}
