//! The audit log: every change to memberships, roles, invitations, projects
//! and settings, newest first.
use crate::api::audit::{load_audit_page, verify_audit_chain};
use crate::components::feedback::{Loading, PageError};
use crate::components::org::use_orgs;
use crate::components::pagination::Pagination;
use crate::components::table::DataTable;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query;
use leptos::Params;
use leptos_router::params::Params;

/// `/audit?page=3`: the page lives in the URL (from 1, as people count).
#[derive(Params, Clone, Debug, Default, PartialEq)]
struct AuditQuery {
    page: Option<u64>,
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let orgs = use_orgs();
    let query = use_query::<AuditQuery>();
    let page = Memo::new(move |_| query.get().ok().and_then(|q| q.page).unwrap_or(1).saturating_sub(1));
    let entries = Resource::new(move || (orgs.epoch.get(), page.get()), |(_, page)| load_audit_page(None, page));
    let href = Callback::new(|index: u64| if index == 0 { "/audit".to_string() } else { format!("/audit?page={}", index + 1) });
    let chain = Resource::new(move || orgs.epoch.get(), |_| verify_audit_chain(None));
    view! {
        <Title text="Audit log" />
        <header class="page-header">
            <div>
                <h1>"Audit log"</h1>
                <p class="page-subtitle muted">"Who changed what, and when. Visible to Owners and Admins."</p>
            </div>
        </header>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match chain.await {
                    Ok(c) if c.verifies() => view! {
                        <p class="alert alert-success" role="status" data-testid="audit-chain">
                            {format!("Tamper check passed: all {} entries are intact and in order. ", c.entries)}
                            <span class="muted">"Chain head "</span><code title=c.head.clone()>{c.head.chars().take(12).collect::<String>()}</code>
                        </p>
                    }.into_any(),
                    Ok(c) => view! {
                        <p class="alert alert-error" role="alert" data-testid="audit-chain">
                            {format!("Tamper check failed: {}. Run `plinth audit verify` on the server for details.", c.problem.unwrap_or_default())}
                        </p>
                    }.into_any(),
                    Err(_) => view! { <p class="muted" data-testid="audit-chain">"The tamper check could not run."</p> }.into_any(),
                }
            })}
        </Suspense>
        <Suspense fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move {
                match entries.await {
                    Err(error) => view! { <PageError error /> }.into_any(),
                    Ok(p) if p.entries.is_empty() => view! { <p class="empty-state muted">"Nothing has changed yet."</p> }.into_any(),
                    Ok(p) => {
                        let has_next = (p.page + 1) * p.page_size < p.total;
                        view! {
                            <DataTable label="Audit log" columns={&["When", "Who", "What", "Target", "Before", "After"]}>
                                        {p.entries.into_iter().map(|e| view! {
                                            <tr>
                                                <td>{crate::components::format::date_time(&e.at)}</td>
                                                <td>{e.actor}</td>
                                                <td><code>{e.action}</code></td>
                                                <td>{e.target}</td>
                                                <td><code>{e.before.unwrap_or_default()}</code></td>
                                                <td><code>{e.after.unwrap_or_default()}</code></td>
                                            </tr>
                                        }).collect_view()}
                                    </DataTable>
                            <Pagination label="Audit log pages" summary=format!("{} entries", p.total) page=p.page has_next href previous="Newer" next="Older" />
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}
