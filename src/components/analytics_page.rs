//! The frame every analytics page shares: the filters from the URL, the
//! data loaded for them, the filter bar, and the old numbers kept on screen
//! (with an "Updating…" status) while new ones load.
use crate::components::analytics_filters::AnalyticsFilters;
use crate::components::feedback::{ErrorAlert, Loading, pending_flag, suspense_body};
use crate::components::org::use_org;
use crate::components::page_data::page_data;
use crate::domain::analytics::Filters;
use crate::domain::project::Slug;
use crate::error::AppError;
use crate::urls::project_path;
use leptos::Params;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query};
use leptos_router::params::Params;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::future::Future;

/// The analytics pages' query string, as text: `filters` parses it, once.
#[derive(Params, Clone, Debug, Default, PartialEq)]
pub struct AnalyticsQuery {
    pub range: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub env: Option<String>,
}

impl AnalyticsQuery {
    pub fn filters(&self) -> Result<Filters, String> {
        Filters::from_url(self.range.as_deref(), self.from.as_deref(), self.to.as_deref(), self.env.as_deref())
    }
}

/// One analytics page of the project in the URL: `section` is its path
/// under the project ("users"), `load` its server function, `environments`
/// what the loaded data offers to filter by, and `render` the page itself
/// (given the data and the project's path, `/o/<org>/projects/<slug>`).
#[component]
pub fn AnalyticsPage<T, Fut, V>(
    section: &'static str,
    load: fn(Slug, String, Filters) -> Fut,
    environments: fn(&T) -> Vec<String>,
    render: fn(T, String, Filters) -> V,
) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    Fut: Future<Output = Result<T, AppError>> + Send + 'static,
    V: IntoView + 'static,
{
    let params = use_params_map();
    let query = use_query::<AnalyticsQuery>();
    // A link with a filter that does not parse shows why, not other figures.
    let parsed = Memo::new(move |_| query.get().map_err(|e| e.to_string()).and_then(|q| q.filters()));
    let filters = Memo::new(move |_| parsed.get().unwrap_or_default());
    let org = use_org();
    let slug = Memo::new(move |_| params.read().get("slug").unwrap_or_default());
    let data = page_data(
        move || (org.get(), slug.get(), parsed.get()),
        move |(org, slug, filters)| async move {
            match filters {
                Ok(filters) => load(org, slug, filters).await,
                Err(message) => Err(AppError::invalid(message)),
            }
        },
    );
    let base = move || project_path(org.get_untracked(), slug.get_untracked(), "");
    let (pending, set_pending) = pending_flag();
    let filter_bar = move |environments: Vec<String>| {
        view! { <AnalyticsFilters path=format!("{}/{section}", base()) filters=filters.get_untracked() environments /> }
    };
    view! {
        // Dimming the old numbers would fail contrast; a status line says instead.
        <p class="muted" role="status">{move || pending.get().then_some("Updating…")}</p>
        <Transition fallback=|| view! { <Loading /> } set_pending>
            <div aria-busy=move || pending.get().to_string()>
                {suspense_body!(async move {
                    match data.await {
                        // The filters render with the data, which names the environments.
                        Ok(d) => view! { {filter_bar(environments(&d))} {render(d, base(), filters.get_untracked())} }.into_any(),
                        Err(error) => view! { {filter_bar(vec![])} <ErrorAlert error /> }.into_any(),
                    }
                })}
            </div>
        </Transition>
    }
}

/// Links that download the page's numbers as CSV, with its filters:
/// `(label, what)` pairs, `what` being `usage.csv?group_by=day` and the like.
#[component]
pub fn ExportLinks(base: String, filters: Filters, links: &'static [(&'static str, &'static str)]) -> impl IntoView {
    let query = filters.to_query();
    view! {
        <p class="export-links">
            <span class="muted">"Export CSV: "</span>
            {links
                .iter()
                .map(|(label, what)| {
                    let sep = if what.contains('?') { '&' } else { '?' };
                    let href = if query.is_empty() { format!("{base}/export/{what}") } else { format!("{base}/export/{what}{sep}{query}") };
                    // `rel="external"`: a download, not a page for the router.
                    view! { <a href=href download rel="external" class="export-link">{*label}</a> }
                })
                .collect_view()}
        </p>
    }
}

/// One KPI.
#[component]
pub fn Stat(label: &'static str, #[prop(into)] value: String) -> impl IntoView {
    view! {
        <div class="stat">
            <dt class="stat-label">{label}</dt>
            <dd class="stat-value">{value}</dd>
        </div>
    }
}
