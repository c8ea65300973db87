//! The axum application: Leptos pages and server functions, probes, and the
//! middleware stack. Tests build this same router.
use crate::app::{App, shell};
use crate::server::{AppState, assets, http, public_api};
use axum::Router;
use axum::middleware;
use axum::routing::get;
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use std::net::SocketAddr;
use std::sync::OnceLock;
use tower_http::CompressionLevel;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

pub const SESSION_COOKIE: &str = "plinth_session";

pub fn router(state: AppState) -> Router {
    let idle = time::Duration::seconds(state.config.session_idle.as_secs() as i64);
    let sessions = SessionManagerLayer::new(state.sessions.clone())
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.config.cookie_secure)
        // Saved only when changed; `auth::session_user` moves the idle
        // deadline at most once a minute.
        .with_expiry(Expiry::OnInactivity(idle));
    let trace = TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
        let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
        tracing::info_span!("request", id = %id, method = %req.method(), path = %http::loggable_path(req.uri().path()))
    });
    let leptos = state.leptos.clone();
    // Unknown paths render the console's "not found" page. Unlike
    // `file_and_error_handler`, this serves no file: the site's files are
    // mounted by `assets::routes`, and the rest of its directory stays private.
    let not_found = {
        let (state, leptos) = (state.clone(), leptos.clone());
        leptos_axum::render_app_async_with_context(move || leptos::prelude::provide_context(state.clone()), move || shell(leptos.clone()))
    };
    let pages = Router::new()
        .leptos_routes_with_context(&state, routes(), || {}, move || shell(leptos.clone()))
        // CSV downloads: plain routes that need the signed-in user too.
        .merge(crate::server::export::routes())
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), crate::server::org_links::redirect))
        .layer(middleware::from_fn(http::error_status))
        .layer(middleware::from_fn_with_state(state.clone(), http::load_user))
        .layer(sessions)
        .layer(middleware::from_fn_with_state(state.clone(), http::reject_cross_site))
        // Pages and server-function JSON; assets come precompressed instead.
        .layer(CompressionLayer::new().quality(CompressionLevel::Precise(4)));
    // Assets and probes skip the session layers: with rolling idle expiry a
    // session would otherwise be read and written for every file fetched.
    let assets = assets::routes(&state.config.site_root, &state.leptos.site_pkg_dir, state.leptos.hash_files);
    // A lazy page the manifest does not know still works, but its chunks
    // load only after the main bundle: say so once, at start-up.
    if let Some(chunks) = &state.chunks {
        for route in crate::app::LAZY_PAGES.iter().filter(|r| chunks.of(r).is_none()) {
            tracing::warn!(route, "the site's wasm-split manifest names no chunks for this lazy page; rebuild the site");
        }
    }
    Router::new()
        .route("/healthz", get(http::healthz))
        .route("/readyz", get(http::readyz))
        // The public API authenticates each request by its API key: no session, no cookies.
        .nest("/api/v1", public_api::routes())
        .route("/api/openapi.json", get(public_api::openapi::spec))
        .merge(assets)
        .merge(pages)
        .layer(middleware::from_fn(http::security_headers))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(trace)
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// The console's routes, listed once per process. Listing them renders the
/// app with resource loading switched off by a process-wide flag
/// (`SuppressResourceLoad`), so listing them again while another server in
/// the same process renders a page (as tests do) would leave that page's
/// resources pending forever.
fn routes() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// Serve until `shutdown` resolves; requests in flight then finish first.
pub async fn serve(state: AppState, listener: tokio::net::TcpListener, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
    crate::server::auth::password::warm_up();
    let jobs = tokio::spawn(crate::server::jobs::scheduler(state.clone()));
    if !state.config.run_jobs {
        jobs.abort();
    }
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let result = axum::serve(listener, app).with_graceful_shutdown(shutdown).await;
    jobs.abort();
    result
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: finishing requests in flight");
}
