//! Where links without an organization lead (`crate::urls`): `/` to the
//! dashboard of the organization the user last worked in, and links from
//! before organizations were in URLs (`/team`, `/projects/bot/keys?range=7d`)
//! to the same page under it, query kept. A user in no organization gets
//! the home page's "create your first organization"; old links send them
//! there too. Signed-out visitors never get here: `http::load_user` sent
//! them to sign-in, with the old link as the way back, and sign-in sends
//! them on through `after_sign_in`.
use crate::domain::User;
use crate::error::AppResult;
use crate::server::AppState;
use crate::server::auth::CurrentUser;
use crate::server::entities::user;
use crate::server::guard;
use crate::urls;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use sea_orm::EntityTrait;

pub async fn redirect(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if !matches!(*req.method(), Method::GET | Method::HEAD) || !(path == "/" || urls::is_pre_org_path(path)) {
        return next.run(req).await;
    }
    let Some(caller) = req.extensions().get::<CurrentUser>().cloned() else { return next.run(req).await };
    let target = req.uri().path_and_query().map(|p| p.as_str()).unwrap_or(path).to_string();
    match under_current_org(&app, &caller, &target).await {
        Ok(Some(to)) => Redirect::to(&to).into_response(),
        Ok(None) if path == "/" => next.run(req).await,
        Ok(None) => Redirect::to("/").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "could not find the current organization");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// `/` or an old link (path and query) under the caller's current
/// organization; `None` when they belong to none.
async fn under_current_org(app: &AppState, caller: &CurrentUser, target: &str) -> AppResult<Option<String>> {
    let rest = if target == "/" || target.starts_with("/?") { "" } else { target };
    Ok(guard::current_org_of(app, caller).await?.map(|ctx| urls::org_path(&ctx.org.slug, rest)))
}

/// Where sign-in sends `user` on to: `next` (already a same-origin path),
/// unless it is an old link, which goes under their current organization
/// (or to `/`). Sign-in answers a server function, which the browser's
/// router follows without asking the server, so `redirect` above would not
/// see it.
pub async fn after_sign_in(app: &AppState, user: &User, next: String) -> AppResult<String> {
    let path = next.split(['?', '#']).next().unwrap_or_default();
    if !urls::is_pre_org_path(path) {
        return Ok(next);
    }
    let current_org_id = user::Entity::find_by_id(user.id.0).one(&app.db).await?.and_then(|u| u.current_org_id);
    let caller = CurrentUser { user: user.clone(), current_org_id };
    Ok(under_current_org(app, &caller, &next).await?.unwrap_or_else(|| "/".into()))
}
