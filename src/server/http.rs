//! HTTP plumbing around the Leptos app: health probes, the cross-site
//! request check, the sign-in gate, and error statuses for server functions.
use crate::error::AppError;
use crate::server::AppState;
use crate::server::auth::{self, CurrentUser};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

pub async fn healthz() -> &'static str {
    "ok"
}

pub async fn readyz(State(state): State<AppState>) -> Response {
    if crate::server::db::ping(&state.db).await {
        "ready".into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
    }
}

/// Refuse state-changing requests that a browser marks as cross-site, or whose
/// Origin is neither the public URL nor the Host they were sent to.
pub async fn reject_cross_site(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && is_cross_site(req.headers(), &state.config.public_origin()) {
        tracing::warn!(path = %req.uri().path(), "cross-site request refused");
        return (StatusCode::FORBIDDEN, "Cross-site request refused.").into_response();
    }
    next.run(req).await
}

fn is_cross_site(headers: &HeaderMap, public_origin: &str) -> bool {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if get("sec-fetch-site") == Some("cross-site") {
        return true;
    }
    let Some(origin) = get("origin") else {
        // Non-browser clients send no Origin; browsers always do on POST.
        return false;
    };
    if origin == public_origin {
        return false;
    }
    let origin_host = origin.split_once("://").map(|(_, h)| h);
    origin_host.is_none() || origin_host != get("host")
}

/// Paths anyone may open. Everything else that is a page needs a session.
fn is_public(path: &str) -> bool {
    const PUBLIC: [&str; 2] = ["/login", "/signup"];
    PUBLIC.contains(&path)
}

/// Invitation links work signed out, so the page can offer sign-up.
fn is_open_to_all(path: &str) -> bool {
    path.starts_with("/invite/")
}

/// Not pages: assets, probes and server functions answer for themselves.
fn is_page(path: &str) -> bool {
    let asset = path.rsplit('/').next().is_some_and(|last| last.contains('.'));
    !(asset || path.starts_with("/api/") || path.starts_with("/pkg/") || path == "/healthz" || path == "/readyz")
}

/// Resolve the session's user into the request, and send anonymous page
/// requests to sign-in with a way back (`?next=`).
pub async fn load_user(State(state): State<AppState>, session: Session, mut req: Request, next: Next) -> Response {
    let user = match auth::session_user(&state, &session).await {
        Ok(user) => user,
        Err(_) => return (StatusCode::INTERNAL_SERVER_ERROR, "Session store unavailable.").into_response(),
    };
    let path = req.uri().path().to_string();
    let is_get = matches!(*req.method(), Method::GET | Method::HEAD);
    if is_get && is_page(&path) && !is_open_to_all(&path) {
        match (&user, is_public(&path)) {
            (None, false) => {
                let target = req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
                let next = url::form_urlencoded::byte_serialize(target.as_bytes()).collect::<String>();
                return Redirect::to(&format!("/login?next={next}")).into_response();
            }
            (Some(_), true) => return Redirect::to(&safe_next(req.uri().query())).into_response(),
            _ => {}
        }
    }
    if let Some(user) = user {
        req.extensions_mut().insert(CurrentUser(user));
    }
    next.run(req).await
}

/// The `next` query parameter if it is a local path, else `/`. Never an
/// absolute URL, so sign-in cannot be used to bounce users to another site.
pub fn safe_next(query: Option<&str>) -> String {
    let next = query
        .and_then(|q| url::form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "next").map(|(_, v)| v.into_owned()));
    crate::app::local_path(next.as_deref())
}

/// Server-function errors leave server_fn as 500; give them the status their
/// `AppError` stands for, so clients and tests see 401, 403, 422, 429…
pub async fn error_status(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR || !res.headers().contains_key("serverfnerror") {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "error body too large").into_response();
    };
    if let Ok(err) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = StatusCode::from_u16(err.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn cross_site_detection() {
        let public = "https://plinth.example.com";
        assert!(!is_cross_site(&headers(&[]), public));
        assert!(!is_cross_site(&headers(&[("origin", "https://plinth.example.com")]), public));
        assert!(!is_cross_site(&headers(&[("origin", "http://127.0.0.1:4000"), ("host", "127.0.0.1:4000")]), public));
        assert!(is_cross_site(&headers(&[("origin", "https://evil.example")]), public));
        assert!(is_cross_site(&headers(&[("origin", "null")]), public));
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "cross-site")]), public));
    }

    #[test]
    fn pages_and_assets() {
        assert!(is_page("/"));
        assert!(is_page("/profile"));
        assert!(!is_page("/pkg/plinth.js"));
        assert!(!is_page("/favicon.svg"));
        assert!(!is_page("/api/login"));
    }

    #[test]
    fn next_is_local_only() {
        assert_eq!(safe_next(Some("next=%2Fprofile")), "/profile");
        assert_eq!(safe_next(Some("next=https%3A%2F%2Fevil.example")), "/");
        assert_eq!(safe_next(Some("next=%2F%2Fevil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
