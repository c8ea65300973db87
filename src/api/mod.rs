//! Server functions, one file per feature. Each resolves the caller through
//! `server::guard` (which applies `domain::policy`) before touching data.
pub mod analytics;
pub mod audit;
pub mod auth;
pub mod billing;
pub mod invitations;
pub mod keys;
pub mod orgs;
pub mod prices;
pub mod projects;
pub mod requests;
pub mod team;

/// Server-only imports shared by the feature files.
#[cfg(feature = "ssr")]
pub(crate) mod prelude {
    pub use crate::domain::policy::{OrgAction, ProjectAction};
    pub use crate::error::AppError;
    pub use crate::server::auth::require_user;
    pub use crate::server::{AppState, guard, repo};
    pub use leptos::prelude::expect_context;

    pub fn state() -> AppState {
        expect_context::<AppState>()
    }
}
