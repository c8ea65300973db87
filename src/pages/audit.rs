//! The audit log: every change to memberships, roles, invitations, projects
//! and settings, newest first, of one action or all.
use crate::api::audit::{load_audit_page, verify_audit_chain};
use crate::components::feedback::Loaded;
use crate::components::org::{use_org, use_orgs};
use crate::components::page_data::page_data;
use crate::components::pagination::Pagination;
use crate::components::table::DataTable;
use crate::domain::audit::{AuditAction, AuditChain, AuditPage as Entries};
use crate::error::AppError;
use crate::urls::query_value;
use leptos::Params;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query};
use leptos_router::params::Params;

/// `/audit?action=member.removed&page=3`: the filter and the page live in
/// the URL (pages from 1, as people count).
#[derive(Params, Clone, Debug, Default, PartialEq)]
struct AuditQuery {
    action: Option<String>,
    page: Option<u64>,
}

impl AuditQuery {
    fn action(&self) -> String {
        self.action.clone().unwrap_or_default()
    }

    fn page_index(&self) -> u64 {
        self.page.unwrap_or(1).saturating_sub(1)
    }

    /// The audit page at `base` (`/o/<org>/audit`) on page `index` (from 0), leaving out what is at its default.
    fn href(&self, base: &str, index: u64) -> String {
        let mut parts = Vec::new();
        if let Some(action) = self.action.as_deref().filter(|a| !a.is_empty()) {
            parts.push(format!("action={}", query_value(action)));
        }
        if index > 0 {
            parts.push(format!("page={}", index + 1));
        }
        if parts.is_empty() { base.into() } else { format!("{base}?{}", parts.join("&")) }
    }
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let (orgs, org) = (use_orgs(), use_org());
    let base = move || crate::urls::org_path(org.get_untracked(), "/audit");
    let query = use_query::<AuditQuery>();
    let q = Memo::new(move |_| query.get().unwrap_or_default());
    let entries = page_data(
        move || (orgs.epoch.get(), org.get(), q.with(|q| (q.action(), q.page_index()))),
        |(_, org, (action, page))| load_audit_page(org, Some(action), page),
    );
    let href = Callback::new(move |index: u64| q.with_untracked(|q| q.href(&base(), index)));
    // The check's own failure is a line on the page, not the page's error.
    let chain = page_data(move || (orgs.epoch.get(), org.get()), |(_, org)| async { Ok::<_, AppError>(verify_audit_chain(org).await.ok()) });
    let navigate = use_navigate();
    let choose = move |ev| {
        let action = event_target_value(&ev);
        navigate(&AuditQuery { action: Some(action), page: None }.href(&base(), 0), Default::default());
    };
    view! {
        <Title text="Audit log" />
        <header class="page-header">
            <div>
                <h1>"Audit log"</h1>
                <p class="page-subtitle muted">"Who changed what, and when. Visible to Owners and Admins."</p>
            </div>
        </header>
        <Loaded resource=chain quiet=true then={|c: Option<AuditChain>| Ok(chain_status(c))} />
        <div class="table-toolbar">
            <label for="audit-action">"Action"</label>
            // `selected` for the server-rendered page, `prop:value` once hydrated.
            <select id="audit-action" prop:value=move || q.with(|q| q.action()) on:change=choose>
                <option value="">"All actions"</option>
                {AuditAction::ALL
                    .into_iter()
                    .map(|a| view! { <option value=a.as_str() selected=move || q.with(|q| q.action() == a.as_str())>{a.label()}</option> })
                    .collect_view()}
            </select>
        </div>
        <Loaded resource=entries then=move |p: Entries| Ok(entries_table(p, q.with_untracked(|q| !q.action().is_empty()), href)) />
    }
}

fn chain_status(c: Option<AuditChain>) -> AnyView {
    let Some(c) = c else {
        return view! { <p class="muted" data-testid="audit-chain">"The tamper check could not run."</p> }.into_any();
    };
    if c.verifies() {
        view! {
            <p class="alert alert-success" role="status" data-testid="audit-chain">
                {match c.since {
                    None => format!("Tamper check passed: all {} entries are intact and in order. ", c.entries),
                    Some(n) => format!("Tamper check passed: {} entries in order; the {} since the last check (#{n}) are intact. ", c.entries, c.checked),
                }}
                {c.key_id.as_ref().map(|k| format!("Sealed with the audit key {k}. "))}
                <span class="muted">"Chain head "</span><code title=c.head.clone()>{c.head.chars().take(12).collect::<String>()}</code>
            </p>
        }
        .into_any()
    } else {
        view! {
            <p class="alert alert-error" role="alert" data-testid="audit-chain">
                {format!("Tamper check failed: {}. Run `plinth audit verify` on the server for details.", c.problem.unwrap_or_default())}
            </p>
        }
        .into_any()
    }
}

fn entries_table(p: Entries, filtered: bool, href: Callback<u64, String>) -> AnyView {
    if p.entries.is_empty() {
        let text = if filtered { "No entries for this action." } else { "Nothing has changed yet." };
        return view! { <p class="empty-state muted">{text}</p> }.into_any();
    }
    let has_next = (p.page + 1) * p.page_size < p.total;
    view! {
        <DataTable label="Audit log" columns={&["When", "Who", "What", "Target", "Before", "After"]}>
            {p.entries.into_iter().map(|e| {
                let what = e.action_label();
                view! {
                    <tr>
                        <td>{crate::components::format::date_time(&e.at)}</td>
                        <td>{e.actor}</td>
                        <td title=e.action>{what}</td>
                        <td>{e.target}</td>
                        <td><code>{e.before.unwrap_or_default()}</code></td>
                        <td><code>{e.after.unwrap_or_default()}</code></td>
                    </tr>
                }
            }).collect_view()}
        </DataTable>
        <Pagination label="Audit log pages" summary=format!("{} entries", p.total) page=p.page has_next href previous="Newer" next="Older" />
    }
    .into_any()
}
