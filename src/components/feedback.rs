//! Loading, error and empty states, so every async part looks the same.
use crate::components::page_data::PageData;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use std::sync::Arc;

/// The body of a `Suspense`: `suspense_body!(async move { .. })`, the view
/// once the data it awaits has arrived.
///
/// In the browser this is `move || Suspend::new(..)`, a closure that runs
/// again whenever the resources it reads reload. On the server a page renders
/// once, after its data has arrived (`SsrMode::Async`), and Leptos calls a
/// closure body up to three times (two dry runs that look for resources, then
/// the render), building the whole view each time. There it is a plain
/// `Suspend`, built once, which keeps what it built. The markup is the same
/// either way (a closure renders as its value), so hydration is unaffected.
/// Every build without the `hydrate` feature gets the plain form: right for
/// the server, the only such build; a client-only build would need the closure.
///
/// A macro, so that the browser gets what `view!` makes of a literal
/// `{move || ..}`: with `--cfg erase_components` it wraps the closure in
/// `__as_shared_reactive_fn`, one render type per output type. Hidden from
/// `view!` (in a function, or a macro without the wrapper) the closures were
/// 13 KB gzip more of bundle. README, "Performance".
#[cfg(all(feature = "hydrate", erase_components))]
macro_rules! suspense_body {
    ($body:expr) => {
        ::leptos::__as_shared_reactive_fn(move || ::leptos::prelude::Suspend::new($body))
    };
}
#[cfg(all(feature = "hydrate", not(erase_components)))]
macro_rules! suspense_body {
    ($body:expr) => {
        move || ::leptos::prelude::Suspend::new($body)
    };
}
#[cfg(not(feature = "hydrate"))]
macro_rules! suspense_body {
    ($body:expr) => {
        ::leptos::prelude::Suspend::new($body)
    };
}
pub(crate) use suspense_body;

/// Whether a `Transition` is loading new data, and the setter to give it
/// (`set_pending`). Only the browser shows "Updating…". On the server the
/// Transition's effect runs as its own task and can run after the page's
/// owner is gone, on another thread: setting the signal then panicked and
/// left the page unanswered (seen once under load). So the server gets a
/// setter that does nothing.
pub fn pending_flag() -> (RwSignal<bool>, SignalSetter<bool>) {
    let pending = RwSignal::new(false);
    let setter = if cfg!(feature = "hydrate") { pending.into() } else { SignalSetter::default() };
    (pending, setter)
}

#[component]
pub fn Loading(#[prop(default = "Loading…")] label: &'static str) -> impl IntoView {
    view! {
        <div class="loading" role="status" aria-live="polite">
            <span class="spinner" aria-hidden="true"></span>
            <span>{label}</span>
        </div>
    }
}

/// An error from a server function, read out by screen readers.
#[component]
pub fn ErrorAlert(error: AppError) -> impl IntoView {
    let billing = match &error {
        AppError::PlanLimit { billing, .. } => Some(view! { " " <a href=billing.clone()>"Change the plan"</a> }),
        _ => None,
    };
    view! { <div class="alert alert-error" role="alert">{error.to_string()}{billing}</div> }
}

/// Shows the error of a finished action, if any.
#[component]
pub fn ActionError<S>(action: ServerAction<S>) -> impl IntoView
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    move || action.value().get().and_then(Result::err).map(|error| view! { <ErrorAlert error /> })
}

/// Shows `message` after an action succeeds.
#[component]
pub fn ActionSuccess<S>(action: ServerAction<S>, message: &'static str) -> impl IntoView
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    move || matches!(action.value().get(), Some(Ok(_))).then(|| view! { <div class="alert alert-success" role="status">{message}</div> })
}

/// A whole-page error with the matching HTTP status when rendered on the server.
#[component]
pub fn ErrorPage(status: u16, title: String, message: String) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(axum::http::StatusCode::from_u16(status).unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR));
    }
    view! {
        <leptos_meta::Title text=title.clone() />
        <section class="error-page">
            <p class="error-code" aria-hidden="true">{status}</p>
            <h1>{title}</h1>
            <p class="muted">{message}</p>
            <a class="btn btn-primary" href="/">"Back to the dashboard"</a>
        </section>
    }
}

/// The page to show when loading a page's data failed.
#[component]
pub fn PageError(error: AppError) -> impl IntoView {
    let title = match &error {
        AppError::NotFound(_) => "Not found",
        AppError::Forbidden => "No access",
        AppError::Unauthenticated => "Signed out",
        _ => "Something went wrong",
    };
    view! { <ErrorPage status=error.status_code() title=title.to_string() message=error.to_string() /> }
}

/// A resource's part of a page: a loading indicator until it arrives, the
/// error page if it failed, else what `then` makes of the value. `then` may
/// refuse too (`Err(AppError::Forbidden)`), with the same error page. Create
/// the resource at the top of the page (see "Page data and hydration" in the
/// README); `quiet` shows nothing while loading, and `inline` shows an error
/// as an alert in its place, for a part of a page rather than the page.
#[component]
pub fn Loaded<T, V, F>(
    resource: PageData<Result<T, AppError>>,
    then: F,
    #[prop(default = "Loading…")] loading: &'static str,
    #[prop(optional)] quiet: bool,
    #[prop(optional)] inline: bool,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    F: Fn(T) -> Result<V, AppError> + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let then = Arc::new(then);
    view! {
        <Suspense fallback=move || (!quiet).then(|| view! { <Loading label=loading /> })>
            {suspense_body!({
                let then = then.clone();
                async move {
                    match resource.await.and_then(|value| then(value)) {
                        Ok(view) => view.into_any(),
                        Err(error) if inline => view! { <ErrorAlert error /> }.into_any(),
                        Err(error) => view! { <PageError error /> }.into_any(),
                    }
                }
            })}
        </Suspense>
    }
}
