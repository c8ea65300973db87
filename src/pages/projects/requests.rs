//! A project's request log: newest first, filtered by model, assistant, end
//! user, API key, status, time range and environment, fifty at a time. Every
//! filter and the page cursor live in the URL; the filter form is a plain
//! GET form, so it works before hydration too.
use crate::api::requests::load_requests;
use crate::components::analytics_filters::AnalyticsFilters;
use crate::components::feedback::{ErrorAlert, Loading, pending_flag, suspense_body};
use crate::components::first_event::FirstEvent;
use crate::components::format::date_time;
use crate::components::org::use_org;
use crate::components::page_data::page_data;
use crate::components::table::DataTable;
use crate::domain::money::count;
use crate::domain::requests::{RequestPage, RequestQuery, SEARCH_ROWS};
use crate::domain::usage::EventStatus;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query};

#[component]
pub fn ProjectRequestsPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query::<RequestQuery>();
    let q = Memo::new(move |_| query.get().unwrap_or_default());
    let org = use_org();
    let slug = Memo::new(move |_| params.read().get("slug").unwrap_or_default());
    let data = page_data(
        move || (org.get(), slug.get(), q.get().filters()),
        |(org, slug, filters)| async move {
            match filters {
                Ok(filters) => load_requests(org, slug, filters).await,
                Err(message) => Err(crate::error::AppError::invalid(message)),
            }
        },
    );
    let base = move || crate::urls::project_path(org.get_untracked(), slug.get_untracked(), "");
    let (pending, set_pending) = pending_flag();
    let filter_bar = move |environments: Vec<String>| {
        view! { <AnalyticsFilters path=format!("{}/requests", base()) filters=q.get_untracked().filters().map(|f| f.window).unwrap_or_default() environments /> }
    };
    view! {
        <p class="muted" role="status">{move || pending.get().then_some("Updating…")}</p>
        <Transition fallback=|| view! { <Loading /> } set_pending>
            <div aria-busy=move || pending.get().to_string()>
                {suspense_body!(async move {
                    match data.await {
                        // The filters render with the data, which names the environments.
                        Ok(page) => view! { {filter_bar(page.environments.clone())} <Log page q=q.get_untracked() base=base() /> }.into_any(),
                        Err(error) => view! { {filter_bar(vec![])} <ErrorAlert error /> }.into_any(),
                    }
                })}
            </div>
        </Transition>
    }
}

#[component]
fn Log(page: RequestPage, q: RequestQuery, base: String) -> impl IntoView {
    if page.never_reported {
        return view! { <FirstEvent title="No requests yet".to_string() endpoint=page.endpoint base=base.clone() /> }.into_any();
    }
    let chosen = |v: &Option<String>, option: &str| v.as_deref() == Some(option);
    // The chosen name is offered even when the list was cut before it.
    let option_list = |mut names: Vec<String>, current: Option<String>| {
        if let Some(c) = current.as_ref().filter(|c| !c.is_empty() && !names.contains(c)) {
            names.insert(0, c.clone());
        }
        names.into_iter().map(move |n| view! { <option value=n.clone() selected=chosen(&current, &n)>{n.clone()}</option> }).collect_view()
    };
    let hidden = [("range", q.range.clone()), ("from", q.from.clone()), ("to", q.to.clone()), ("env", q.env.clone())];
    let older = page.next.as_deref().map(|c| q.href(&format!("{base}/requests"), Some(c)));
    // A filtered search that stopped at its budget (`SEARCH_ROWS`) says how far back it got.
    let searched = page.searched_to.as_ref().map(date_time);
    let older_label = if searched.is_some() { "Search older" } else { "Older" };
    let first = q.after.is_some().then(|| q.href(&format!("{base}/requests"), None));
    let rows = page.rows;
    let export = q.href(&format!("{base}/export/requests.csv"), None);
    view! {
        <form method="get" action=format!("{base}/requests") class="filters" aria-label="Filter requests">
            {hidden.into_iter().filter_map(|(k, v)| v.filter(|v| !v.is_empty()).map(|v| view! { <input type="hidden" name=k value=v /> })).collect_view()}
            <label>"Model " <select name="model"><option value="">"Any"</option>{option_list(page.models, q.model.clone())}</select></label>
            <label>"Assistant " <select name="assistant"><option value="">"Any"</option>{option_list(page.assistants, q.assistant.clone())}</select></label>
            <label>"API key "
                <select name="key">
                    <option value="">"Any"</option>
                    {page.keys.into_iter().map(|(id, name)| view! { <option value=id.to_string() selected=q.key_id() == Some(id)>{name}</option> }).collect_view()}
                </select>
            </label>
            <label>"Status "
                <select name="status">
                    <option value="">"Any"</option>
                    {
                        let current = q.status.clone();
                        EventStatus::ALL
                            .iter()
                            .map(move |s| view! { <option value=s.as_str() selected=current.as_deref() == Some(s.as_str())>{s.label()}</option> })
                            .collect_view()
                    }
                </select>
            </label>
            <label>"End user " <input type="search" name="user" maxlength="200" value=q.user.clone().unwrap_or_default() /></label>
            <button type="submit" class="btn btn-secondary">"Apply"</button>
            <a href=format!("{base}/requests")>"Clear filters"</a>
        </form>
        // Always in the page (hidden unless cut): an optional node between the
        // form and the table did not hydrate (tachys expected the table there).
        <p class="hint" hidden=!page.lists_cut>
            "The model and assistant lists hold the first 100 names, A to Z. To filter by another, put it in the address, e.g. "
            <code>"?model=…"</code> "."
        </p>
        {if rows.is_empty() {
            let none = match &searched {
                Some(back_to) => format!("No matches in the {} calls searched, back to {back_to}. {GO_ON}", searched_calls(&q)),
                None => format!("No requests match these filters in {}.", page.window.label),
            };
            view! { <p class="empty-state">{none}</p> }.into_any()
        } else {
            view! {
                <DataTable label="Requests" columns=&["Time (UTC)", "Model", "Assistant", "End user", "Tokens", "Cost", "Latency", "Status"]>
                    {rows.into_iter().map(|r| view! {
                        <tr>
                            <td><A href=format!("{base}/requests/{}", r.id)>{date_time(&r.occurred_at)}</A></td>
                            <td>{r.model.clone()}</td>
                            <td>{r.assistant.clone().unwrap_or_default()}</td>
                            <td>{r.end_user.clone().unwrap_or_default()}</td>
                            <td class="num">{format!("{} / {}", count(r.input_tokens), count(r.output_tokens))}</td>
                            <td class="num">{r.cost.usd_display()}</td>
                            <td class="num">{r.latency_ms.map(|ms| format!("{} ms", count(ms))).unwrap_or_default()}</td>
                            <td><span class=if r.status == EventStatus::Error { "badge badge-danger" } else { "badge" }>{r.status.as_str()}</span></td>
                        </tr>
                    }).collect_view()}
                </DataTable>
                {searched.map(|back_to| view! {
                    <p class="hint">{format!("This page stopped after searching {} calls, back to {back_to}. {GO_ON}", count(SEARCH_ROWS as i64))}</p>
                })}
            }.into_any()
        }}
        <p class="export-links">
            <span class="muted">"Export CSV: "</span>
            // `rel="external"`: a download, not a page for the router.
            <a href=export download rel="external" class="export-link">"these requests"</a>
        </p>
        <nav class="pagination" aria-label="Request pages">
            <span class="muted">{format!("Newest first, in {}", page.window.label)}</span>
            <span class="spacer"></span>
            {first.map(|h| view! { <a class="btn btn-secondary btn-sm" href=h>"Newest"</a> })}
            {older.map(|h| view! { <a class="btn btn-secondary btn-sm" rel="next" href=h>{older_label}</a> })}
        </nav>
    }
    .into_any()
}

/// What "Search older" does, said where a search stopped at its budget.
const GO_ON: &str = "“Search older” goes on from there.";

/// The calls an empty search read: the latest ones on the first page, the
/// next ones after "Search older".
fn searched_calls(q: &RequestQuery) -> String {
    format!("{} {}", if q.after.is_some() { "next" } else { "latest" }, count(SEARCH_ROWS as i64))
}
