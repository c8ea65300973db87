//! The team table: search, filter, sort and page through members, edit roles
//! inline, remove members, and manage invitations.
mod filters;
mod invitations;
mod members;
use crate::components::page_data::page_data;
use filters::TeamFilters;
use invitations::InviteDialog;
use members::MembersTable;

use crate::api::orgs::{OrgNav, load_dashboard};
use crate::api::team::{Invite, RemoveMember, ResendInvitation, RevokeInvitation, load_team_page};
use crate::components::dialog::show;
use crate::components::feedback::{ActionError, Loaded};
use crate::components::org::{use_org, use_orgs};
use crate::domain::OrgRole;
use crate::domain::policy::{OrgAction, can};
use crate::domain::team::TeamSort;
use crate::error::AppError;
use leptos::html::Dialog;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query, use_query_map};

#[component]
pub fn TeamPage() -> impl IntoView {
    let (orgs, org) = (use_orgs(), use_org());
    let base = move || crate::urls::org_path(org.get_untracked(), "/team");
    // Search, filter, sort and page live in the URL; a change navigates.
    let query = use_query::<TeamFilters>();
    let filters = Memo::new(move |_| query.get().unwrap_or_default());
    let navigate = use_navigate();
    // Typing replaces the history entry; the other controls add one, for Back.
    let go = move |f: TeamFilters, replace: bool| navigate(&f.href(&base()), NavigateOptions { replace, scroll: false, ..Default::default() });
    let page_href = Callback::new(move |index: u64| filters.with_untracked(|f| f.on_page(index).href(&base())));
    // Any change that alters the table bumps this, so the page reloads.
    let changed = RwSignal::new(0u32);
    let remove = ServerAction::<RemoveMember>::new();
    let revoke = ServerAction::<RevokeInvitation>::new();
    let resend = ServerAction::<ResendInvitation>::new();
    let invite = ServerAction::<Invite>::new();
    // Created here, outside any Suspense body, and keyed by plain signals
    // (not by another resource's value): otherwise server and browser can
    // resolve it differently and hydration fails.
    let table = page_data(
        move || {
            let versions = (remove.version().get(), revoke.version().get(), resend.version().get(), invite.version().get(), changed.get());
            (orgs.epoch.get(), org.get(), filters.get(), versions)
        },
        |(_, org, f, _)| load_team_page(org, f.search(), f.role(), f.sort().as_str().to_string(), f.descending(), f.page_index()),
    );
    let invite_dialog = NodeRef::<Dialog>::new();
    let dialog_opened = RwSignal::new(0u32);
    // The invite dialog's project list, loaded when it first opens.
    let projects =
        page_data(move || (dialog_opened.get(), org.get()), |(n, org)| async move { if n == 0 { Ok(None) } else { load_dashboard(org).await.map(Some) } });
    let open_invite = move || {
        dialog_opened.update(|n| *n += 1);
        show(invite_dialog);
    };
    // /team?invite=1 (the dashboard's quick action) opens the dialog at once.
    let query = use_query_map();
    Effect::new(move || {
        let allowed = orgs.current().is_some_and(|o| can(o.role, OrgAction::InviteMembers));
        if allowed && query.read().get("invite").is_some() {
            open_invite();
        }
    });
    view! {
        <Title text="Team" />
        <Loaded resource=orgs.nav then=move |nav: OrgNav| {
            let org = nav.current.ok_or_else(|| AppError::NotFound("Organization".into()))?;
            // The same policy the server enforces decides what to show.
            let can_invite = can(org.role, OrgAction::InviteMembers);
            Ok(view! {
                <header class="page-header">
                    <div>
                        <h1>"Team"</h1>
                        <p class="page-subtitle muted">"Everyone in " {org.name.clone()} " and the role they have."</p>
                    </div>
                    <div class="page-actions">
                        {can_invite.then(|| view! {
                            <button type="button" class="btn btn-primary" on:click=move |_| open_invite()>"Invite members"</button>
                        })}
                    </div>
                </header>
                {can_invite.then(|| view! { <InviteDialog dialog=invite_dialog projects invite org=org.clone() /> })}
            })
        } />
        <div class="toast-region" aria-live="polite">
            <ActionError action=remove />
            <ActionError action=revoke />
            <ActionError action=resend />
        </div>
        <div class="table-toolbar">
            <label class="visually-hidden" for="team-search">"Search members"</label>
            <input
                id="team-search"
                type="search"
                placeholder="Search by name or email"
                // `value` for the server-rendered page, `prop:value` once hydrated.
                value=move || filters.with(|f| f.search())
                prop:value=move || filters.with(|f| f.search())
                on:input={
                    let go = go.clone();
                    move |ev| go(TeamFilters { q: Some(event_target_value(&ev)), page: None, ..filters.get_untracked() }, true)
                }
            />
            <label class="visually-hidden" for="team-role">"Filter by role"</label>
            // `selected` on the options for the server-rendered page; `prop:value`
            // once hydrated, when Back changes the URL under a touched select.
            <select
                id="team-role"
                prop:value=move || filters.with(|f| f.role())
                on:change={
                    let go = go.clone();
                    move |ev| go(TeamFilters { role: Some(event_target_value(&ev)), page: None, ..filters.get_untracked() }, false)
                }
            >
                <option value="">"All roles"</option>
                {OrgRole::ALL
                    .into_iter()
                    .map(|r| view! { <option value=r.as_str() selected=move || filters.with(|f| f.role() == r.as_str())>{r.label()}</option> })
                    .collect_view()}
            </select>
            <label class="visually-hidden" for="team-sort">"Sort by"</label>
            <select
                id="team-sort"
                prop:value=move || filters.with(|f| f.sort().as_str())
                on:change={
                    let go = go.clone();
                    move |ev| go(TeamFilters { sort: Some(event_target_value(&ev)), page: None, ..filters.get_untracked() }, false)
                }
            >
                {[(TeamSort::Name, "Sort by name"), (TeamSort::Email, "Sort by email"), (TeamSort::Role, "Sort by role"), (TeamSort::Joined, "Sort by date joined")]
                    .into_iter()
                    .map(|(s, label)| view! { <option value=s.as_str() selected=move || filters.with(|f| f.sort() == s)>{label}</option> })
                    .collect_view()}
            </select>
            <button
                type="button"
                class="btn btn-ghost btn-sm"
                aria-label=move || format!("Sort order: {}", if filters.with(|f| f.descending()) { "Descending" } else { "Ascending" })
                on:click=move |_| go(TeamFilters { desc: Some(!filters.with_untracked(|f| f.descending())), page: None, ..filters.get_untracked() }, false)
            >
                <span aria-hidden="true">{move || if filters.with(|f| f.descending()) { "↓ " } else { "↑ " }}</span>
                {move || if filters.with(|f| f.descending()) { "Descending" } else { "Ascending" }}
            </button>
        </div>
        <Loaded resource=table loading="Loading members…" inline=true then=move |t: crate::domain::team::TeamPage| {
            Ok(view! { <MembersTable t page_href changed remove revoke resend /> })
        } />
    }
}
