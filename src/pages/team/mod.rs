//! The team table: search, filter, sort and page through members, edit roles
//! inline, remove members, and manage invitations.
mod invitations;
mod members;
use invitations::InviteDialog;
use members::MembersTable;

use crate::api::team::{Invite, RemoveMember, ResendInvitation, RevokeInvitation, load_team_page};
use crate::api::orgs::load_dashboard;
use crate::components::dialog::show;
use crate::components::feedback::{ActionError, ErrorAlert, Loading, PageError};
use crate::components::org::use_orgs;
use crate::domain::policy::{OrgAction, can};
use crate::domain::team::TeamSort;
use crate::domain::OrgRole;
use crate::error::AppError;
use leptos::html::Dialog;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

pub(crate) fn date(d: &chrono::DateTime<chrono::Utc>) -> String {
    d.format("%b %-d, %Y").to_string()
}

#[component]
pub fn TeamPage() -> impl IntoView {
    let orgs = use_orgs();
    let search = RwSignal::new(String::new());
    let role = RwSignal::new(String::new());
    let sort = RwSignal::new(TeamSort::Name);
    let desc = RwSignal::new(false);
    let page = RwSignal::new(0u64);
    // Any change that alters the table bumps this, so the page reloads.
    let changed = RwSignal::new(0u32);
    let remove = ServerAction::<RemoveMember>::new();
    let revoke = ServerAction::<RevokeInvitation>::new();
    let resend = ServerAction::<ResendInvitation>::new();
    let invite = ServerAction::<Invite>::new();
    // Created here, outside any Suspense body, and keyed by plain signals
    // (not by another resource's value): otherwise server and browser can
    // resolve it differently and hydration fails.
    let table = Resource::new(
        move || {
            let versions = (remove.version().get(), revoke.version().get(), resend.version().get(), invite.version().get(), changed.get());
            (orgs.epoch.get(), search.get(), role.get(), sort.get(), desc.get(), page.get(), versions)
        },
        |(_, search, role, sort, desc, page, _)| load_team_page(None, search, role, sort.as_str().to_string(), desc, page),
    );
    let invite_dialog = NodeRef::<Dialog>::new();
    let dialog_opened = RwSignal::new(0u32);
    // The invite dialog's project list, loaded when it first opens.
    let projects = Resource::new(move || dialog_opened.get(), |n| async move { if n == 0 { Ok(None) } else { load_dashboard().await } });
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
        <Suspense fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move {
                match orgs.nav.await.map(|n| n.current) {
                    Ok(Some(org)) => {
                        // The same policy the server enforces decides what to show.
                        let can_invite = can(org.role, OrgAction::InviteMembers);
                        view! {
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
                        }.into_any()
                    }
                    Ok(None) => view! { <PageError error=AppError::NotFound("Organization".into()) /> }.into_any(),
                    Err(error) => view! { <PageError error /> }.into_any(),
                }
            })}
        </Suspense>
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
                prop:value=move || search.get()
                on:input=move |ev| {
                    search.set(event_target_value(&ev));
                    page.set(0);
                }
            />
            <label class="visually-hidden" for="team-role">"Filter by role"</label>
            <select
                id="team-role"
                on:change=move |ev| {
                    role.set(event_target_value(&ev));
                    page.set(0);
                }
            >
                <option value="">"All roles"</option>
                {OrgRole::ALL.into_iter().map(|r| view! { <option value=r.as_str()>{r.label()}</option> }).collect_view()}
            </select>
            <label class="visually-hidden" for="team-sort">"Sort by"</label>
            <select id="team-sort" on:change=move |ev| sort.set(TeamSort::parse(&event_target_value(&ev)))>
                <option value="name">"Sort by name"</option>
                <option value="email">"Sort by email"</option>
                <option value="role">"Sort by role"</option>
                <option value="joined">"Sort by date joined"</option>
            </select>
            <button
                type="button"
                class="btn btn-ghost btn-sm"
                aria-label=move || format!("Sort order: {}", if desc.get() { "Descending" } else { "Ascending" })
                on:click=move |_| desc.update(|d| *d = !*d)
            >
                <span aria-hidden="true">{move || if desc.get() { "↓ " } else { "↑ " }}</span>
                {move || if desc.get() { "Descending" } else { "Ascending" }}
            </button>
        </div>
        <Suspense fallback=|| view! { <Loading label="Loading members…" /> }>
            {move || Suspend::new(async move {
                match table.await {
                    Ok(t) => view! { <MembersTable t page changed remove revoke resend /> }.into_any(),
                    Err(error) => view! { <ErrorAlert error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
