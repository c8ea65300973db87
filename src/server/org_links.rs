//! Where links without an organization lead (`crate::urls`): `/` to the
//! dashboard of the organization the user last worked in, and links from
//! before organizations were in URLs (`/team`, `/projects/bot/keys?range=7d`)
//! to the same page under it, query kept. A user in no organization gets
//! the home page's "create your first organization"; old links send them
//! there too. Signed-out visitors never get here: `http::load_user` sent
//! them to sign-in, with the old link as the way back.
use crate::server::AppState;
use crate::server::auth::CurrentUser;
use crate::server::guard;
use crate::urls;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

pub async fn redirect(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let home = path == "/";
    if !matches!(*req.method(), Method::GET | Method::HEAD) || !(home || urls::is_pre_org_path(path)) {
        return next.run(req).await;
    }
    let Some(caller) = req.extensions().get::<CurrentUser>().cloned() else { return next.run(req).await };
    match guard::current_org_of(&app, &caller).await {
        Ok(Some(ctx)) => {
            let rest = if home { String::new() } else { req.uri().path_and_query().map(|p| p.as_str()).unwrap_or(path).to_string() };
            Redirect::to(&urls::org_path(&ctx.org.slug, &rest)).into_response()
        }
        Ok(None) if home => next.run(req).await,
        Ok(None) => Redirect::to("/").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "could not find the current organization");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
