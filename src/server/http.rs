//! HTTP plumbing around the Leptos app: health probes, the cross-site
//! request check, the sign-in gate, and error statuses for server functions.
use crate::error::AppError;
use crate::server::auth;
use crate::server::{AppState, redirect};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use std::net::IpAddr;
use tower_sessions::Session;

/// A request path fit for logs: invitation links carry a secret token.
pub fn loggable_path(path: &str) -> std::borrow::Cow<'_, str> {
    match path.strip_prefix("/invite/") {
        Some(rest) if !rest.is_empty() => "/invite/[redacted]".into(),
        _ => path.into(),
    }
}

/// The Content-Security-Policy of a page, with the nonce Leptos put on its
/// inline scripts (the hydration loader, serialized resources, the theme
/// script). WebAssembly needs `'wasm-unsafe-eval'`; nothing loads from
/// another host. `dev_reload` is cargo-leptos's live-reload socket.
pub fn page_csp(nonce: &str, dev_reload: Option<&str>) -> String {
    let connect = match dev_reload {
        Some(addr) => format!("'self' ws://{addr}"),
        None => "'self'".to_string(),
    };
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'nonce-{nonce}'; style-src 'self'; img-src 'self' data:; \
         font-src 'self'; connect-src {connect}; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// For everything that is not a page (JSON, assets, probes): nothing may run or embed it.
const DEFAULT_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

/// Put the page's CSP on the response being rendered; called from the shell.
pub fn set_page_csp() {
    let Some(nonce) = leptos::nonce::use_nonce() else { return };
    let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() else { return };
    let options = leptos::prelude::use_context::<leptos::config::LeptosOptions>();
    let reload = options.filter(|o| o.env == leptos::config::Env::DEV).map(|o| format!("{}:{}", o.site_addr.ip(), o.reload_port));
    if let Ok(value) = axum::http::HeaderValue::from_str(&page_csp(&nonce, reload.as_deref())) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

/// Security headers on every response. Pages bring their own CSP (with the
/// nonce); every other response gets one that allows nothing.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, header::HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, header::HeaderValue::from_static("same-origin"));
    h.insert(header::X_FRAME_OPTIONS, header::HeaderValue::from_static("DENY"));
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(header::CONTENT_SECURITY_POLICY, header::HeaderValue::from_static(DEFAULT_CSP));
    }
    res
}

pub async fn healthz() -> &'static str {
    "ok"
}

pub async fn readyz(State(state): State<AppState>) -> Response {
    if crate::server::db::ping(&state.db).await { "ready".into_response() } else { (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response() }
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
            (Some(_), true) => {
                return Redirect::to(&redirect::next_from_query(&state.config.public_url, req.uri().query())).into_response();
            }
            _ => {}
        }
    }
    if let Some(user) = user {
        req.extensions_mut().insert(user);
        if is_get {
            req.extensions_mut().insert(crate::server::guard::RequestScope::default());
        }
    }
    next.run(req).await
}

/// The client's address for rate limits: the socket's peer, unless the peer
/// is a trusted reverse proxy. Then `X-Forwarded-For` is read from the right
/// (each proxy appends the address it saw) and the first hop that is not a
/// trusted proxy is the client. Anything a client wrote further left is
/// ignored, so it cannot pick its own bucket.
pub fn client_ip(config: &crate::server::config::Config, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
    // `::ffff:10.0.0.1` is 10.0.0.1, for the trusted list and for buckets.
    let peer = peer.to_canonical();
    if !config.is_trusted_proxy(peer) {
        return peer;
    }
    let hops: Vec<&str> = headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).map(str::trim).collect();
    for hop in hops.iter().rev() {
        match hop.parse::<IpAddr>().map(|ip| ip.to_canonical()) {
            Ok(ip) if config.is_trusted_proxy(ip) => continue,
            Ok(ip) => return ip,
            Err(_) => return peer,
        }
    }
    peer
}

/// The rate-limit bucket of a client address: the address itself for IPv4,
/// the /64 network for IPv6 (one subscriber commonly holds a whole /64).
pub fn client_bucket(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
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
        if err == AppError::Busy {
            // Nothing was done; the same request may be sent again shortly.
            parts.headers.insert(header::RETRY_AFTER, axum::http::HeaderValue::from_static("1"));
        }
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
    fn forwarded_for_is_read_only_from_trusted_proxies() {
        let mut config = crate::server::config::Config::from_vars([("PLINTH_TRUSTED_PROXIES".to_string(), "10.0.0.0/8".to_string())]).unwrap();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let xff = headers(&[("x-forwarded-for", "6.6.6.6, 203.0.113.9, 10.0.0.2")]);
        assert_eq!(client_ip(&config, ip("10.0.0.1"), &xff), ip("203.0.113.9"), "the nearest untrusted hop, not the client's claim");
        assert_eq!(client_ip(&config, ip("198.51.100.1"), &xff), ip("198.51.100.1"), "an untrusted peer's header is ignored");
        assert_eq!(client_ip(&config, ip("10.0.0.1"), &headers(&[])), ip("10.0.0.1"));
        assert_eq!(client_ip(&config, ip("10.0.0.1"), &headers(&[("x-forwarded-for", "junk")])), ip("10.0.0.1"));
        assert_eq!(client_ip(&config, ip("::ffff:10.0.0.1"), &xff), ip("203.0.113.9"), "a mapped IPv4 peer is that IPv4 address");
        assert_eq!(client_bucket(ip("2001:db8:1:2:aaaa::1")), client_bucket(ip("2001:db8:1:2:bbbb::9")), "one bucket per IPv6 /64");
        assert_ne!(client_bucket(ip("2001:db8:1:2::1")), client_bucket(ip("2001:db8:1:3::1")));
        assert_eq!(client_bucket(ip("192.0.2.1")), "192.0.2.1");
        config.trusted_proxies.clear();
        assert_eq!(client_ip(&config, ip("10.0.0.1"), &xff), ip("10.0.0.1"), "no proxies trusted by default");
    }

    #[test]
    fn invite_tokens_stay_out_of_logs() {
        assert_eq!(loggable_path("/invite/0123abcd"), "/invite/[redacted]");
        assert_eq!(loggable_path("/team"), "/team");
        assert_eq!(loggable_path("/invite/"), "/invite/");
    }

    #[test]
    fn page_csp_allows_only_this_site_and_the_nonce() {
        let csp = page_csp("abc123", None);
        assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval' 'nonce-abc123'"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("unsafe-inline") && !csp.contains("*"), "{csp}");
    }

    #[test]
    fn pages_and_assets() {
        assert!(is_page("/"));
        assert!(is_page("/profile"));
        assert!(!is_page("/pkg/plinth.js"));
        assert!(!is_page("/favicon.svg"));
        assert!(!is_page("/api/login"));
    }
}
