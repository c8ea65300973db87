//! A project's analytics over a time window and environment (see
//! `domain::analytics::Filters`), read from the hourly rollups: the cost of
//! a load grows with the range, not with the number of events. Anyone who
//! may view the project may see them (`ProjectAction::View`).
mod dashboard;
mod tokens;
mod users;
pub use dashboard::*;
pub use tokens::*;
pub use users::*;

#[cfg(feature = "ssr")]
pub(crate) mod shared {
    use crate::domain::analytics::{Filters, Window};
    use crate::error::AppError;
    use crate::server::guard::ProjectCtx;
    use crate::server::usage::query::{Hours, Scope};

    /// The window the filters name now, and the rollup scope it covers.
    pub fn window_scope(ctx: &ProjectCtx, filters: &Filters) -> Result<(Window, Scope), AppError> {
        let window = filters.window(chrono::Utc::now().timestamp().div_euclid(3_600)).map_err(AppError::invalid)?;
        let scope = Scope::project(ctx.org.org.id, ctx.project.id, Hours::from(&window)).environment(filters.environment());
        Ok((window, scope))
    }

    /// Where applications send events (the empty state's snippets).
    pub fn endpoint(ctx: &ProjectCtx) -> String {
        ctx.org.app.config.public_url.join("/api/v1/events").map(|u| u.to_string()).unwrap_or_default()
    }

    /// The chart loader's URL, if the site was built with it.
    pub fn charts_script(ctx: &ProjectCtx) -> Option<String> {
        ctx.org.app.charts_script.as_deref().map(str::to_string)
    }
}
