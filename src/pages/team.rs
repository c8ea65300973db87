//! The team table: search, filter, sort and page through members, edit roles
//! inline, remove members, and manage invitations.
use crate::api::team::{ChangeMemberRole, Invite, RemoveMember, ResendInvitation, RevokeInvitation, invite_link, load_team_page};
use crate::api::orgs::load_dashboard;
use crate::components::dialog::{ConfirmButton, hide, show};
use crate::components::feedback::{ActionError, ErrorAlert, Loading, PageError};
use crate::components::org::use_orgs;
use crate::components::pagination::Pagination;
use crate::domain::policy::{OrgAction, can, invitable_roles};
use crate::domain::team::{InvitationRow, InvitationStatus, MemberRow, TeamPage as Page, TeamSort};
use crate::domain::{OrgRole, OrgSummary, ProjectRole};
use crate::error::AppError;
use leptos::html::Dialog;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

fn date(d: &chrono::DateTime<chrono::Utc>) -> String {
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
            <button type="button" class="btn btn-ghost btn-sm" aria-label="Reverse sort order" aria-pressed=move || desc.get().to_string() on:click=move |_| desc.update(|d| *d = !*d)>
                {move || if desc.get() { "↓ Descending" } else { "↑ Ascending" }}
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

#[component]
fn MembersTable(
    t: Page,
    page: RwSignal<u64>,
    changed: RwSignal<u32>,
    remove: ServerAction<RemoveMember>,
    revoke: ServerAction<RevokeInvitation>,
    resend: ServerAction<ResendInvitation>,
) -> impl IntoView {
    let Page { members, total, page: current, page_size, invitations, can_invite } = t;
    let first = current * page_size + 1;
    let last = (current * page_size + members.len() as u64).min(total);
    let has_next = last < total;
    view! {
        {if members.is_empty() {
            view! { <p class="empty-state muted">"No members match your search."</p> }.into_any()
        } else {
            view! {
                <div class="table-wrap">
                    <table class="table">
                        <thead>
                            <tr>
                                <th scope="col">"Name"</th>
                                <th scope="col">"Email"</th>
                                <th scope="col">"Role"</th>
                                <th scope="col">"Status"</th>
                                <th scope="col">"Invited on"</th>
                                <th scope="col">"Invited by"</th>
                                <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                            </tr>
                        </thead>
                        <tbody>
                            {members.into_iter().map(|m| view! { <MemberTr m changed remove /> }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }
                .into_any()
        }}
        <Pagination
            label="Team pages"
            summary=if total == 0 { "No members".to_string() } else { format!("Showing {first}–{last} of {total}") }
            page
            has_next
        />
        {can_invite.then(|| view! { <Invitations rows=invitations revoke resend /> })}
    }
}

/// One member row; the role select saves on change, optimistically.
#[component]
fn MemberTr(m: MemberRow, changed: RwSignal<u32>, remove: ServerAction<RemoveMember>) -> impl IntoView {
    let saved = RwSignal::new(m.role);
    let shown = RwSignal::new(m.role);
    let error = RwSignal::new(None::<AppError>);
    let change = ServerAction::<ChangeMemberRole>::new();
    let member_id = m.id.0;
    // Roll back to the saved role when the server refuses.
    Effect::new(move || match change.value().get() {
        Some(Ok(())) => {
            saved.set(shown.get_untracked());
            error.set(None);
            changed.update(|c| *c += 1);
        }
        Some(Err(e)) => {
            shown.set(saved.get_untracked());
            error.set(Some(e));
        }
        None => {}
    });
    let name = m.name.clone();
    let role_cell = if m.assignable.is_empty() {
        view! { <span class="badge badge-neutral">{m.role.label()}</span> }.into_any()
    } else {
        let options = m.assignable.clone();
        view! {
            <select
                class="role-select"
                aria-label=format!("Role of {name}")
                prop:value=move || shown.get().as_str()
                disabled=move || change.pending().get()
                on:change=move |ev| {
                    if let Some(to) = OrgRole::parse(&event_target_value(&ev)) {
                        shown.set(to);
                        change.dispatch(ChangeMemberRole { member_id, role: to.as_str().to_string() });
                    }
                }
            >
                {options.into_iter().map(|r| view! { <option value=r.as_str()>{r.label()}</option> }).collect_view()}
            </select>
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e.to_string()}</p> })}
        }
            .into_any()
    };
    let label = format!("{} <{}>", m.name, m.email);
    view! {
        <tr>
            <td>{m.name.clone()} {m.is_you.then(|| view! { " " <span class="badge badge-info">"You"</span> })}</td>
            <td>{m.email.clone()}</td>
            <td>{role_cell}</td>
            <td><span class="badge badge-success">"Active"</span></td>
            <td>{date(&m.invited_on)}</td>
            <td>{m.invited_by.clone().unwrap_or_else(|| "—".into())}</td>
            <td>
                {m.removable.then(|| view! {
                    <ConfirmButton
                        label="Remove"
                        aria_label=format!("Remove {}", m.name)
                        title="Remove member?"
                        message=format!("{label} will lose access to this organization and its projects at once.")
                        confirm_label="Remove member"
                        on_confirm=move |_| {
                            remove.dispatch(RemoveMember { member_id });
                        }
                    />
                })}
            </td>
        </tr>
    }
}

#[component]
fn Invitations(rows: Vec<InvitationRow>, revoke: ServerAction<RevokeInvitation>, resend: ServerAction<ResendInvitation>) -> impl IntoView {
    view! {
        <section aria-labelledby="invitations-title">
            <h2 id="invitations-title">"Invitations"</h2>
            {if rows.is_empty() {
                view! { <p class="muted">"No pending invitations."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="table">
                            <thead>
                                <tr>
                                    <th scope="col">"Email"</th>
                                    <th scope="col">"Role"</th>
                                    <th scope="col">"Status"</th>
                                    <th scope="col">"Invited on"</th>
                                    <th scope="col">"Invited by"</th>
                                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                </tr>
                            </thead>
                            <tbody>{rows.into_iter().map(|r| view! { <InvitationTr r revoke resend /> }).collect_view()}</tbody>
                        </table>
                    </div>
                }
                    .into_any()
            }}
        </section>
    }
}

#[component]
fn InvitationTr(r: InvitationRow, revoke: ServerAction<RevokeInvitation>, resend: ServerAction<ResendInvitation>) -> impl IntoView {
    let id = r.id.0;
    let link = RwSignal::new(None::<Result<String, AppError>>);
    let copy = move |_| {
        leptos::task::spawn_local(async move {
            let result = invite_link(id).await;
            if let Ok(l) = &result {
                let _ = window().navigator().clipboard().write_text(l);
            }
            link.set(Some(result));
        });
    };
    let (status, badge) = match r.status {
        InvitationStatus::Expired => ("Expired", "badge badge-warning"),
        _ => ("Invited", "badge badge-info"),
    };
    let email = r.email.clone();
    view! {
        <tr>
            <td>{r.email.clone()}{(!r.projects.is_empty()).then(|| view! { <p class="hint">"Projects: " {r.projects.join(", ")}</p> })}</td>
            <td>{r.role.label()}</td>
            <td><span class=badge>{status}</span> <span class="hint">{format!(" until {}", date(&r.expires_at))}</span></td>
            <td>{date(&r.invited_on)}</td>
            <td>{r.invited_by.clone().unwrap_or_else(|| "—".into())}</td>
            <td>
                <div class="row">
                    <button type="button" class="btn btn-secondary btn-sm" aria-label=format!("Resend invitation to {email}") on:click=move |_| { resend.dispatch(ResendInvitation { invitation_id: id }); }>"Resend"</button>
                    <button type="button" class="btn btn-secondary btn-sm" aria-label=format!("Copy invite link for {}", r.email) on:click=copy>"Copy link"</button>
                    <ConfirmButton
                        label="Revoke"
                        aria_label=format!("Revoke invitation to {}", r.email)
                        title="Revoke invitation?"
                        message=format!("The link sent to {} will stop working.", r.email)
                        confirm_label="Revoke"
                        on_confirm=move |_| {
                            revoke.dispatch(RevokeInvitation { invitation_id: id });
                        }
                    />
                </div>
                {move || link.get().map(|l| match l {
                    Ok(l) => view! {
                        <div class="field">
                            <label class="hint" for=format!("invite-link-{id}")>"New link (copied; earlier links no longer work)"</label>
                            <input id=format!("invite-link-{id}") class="invite-link" readonly value=l />
                        </div>
                    }.into_any(),
                    Err(error) => view! { <ErrorAlert error /> }.into_any(),
                })}
            </td>
        </tr>
    }
}

#[component]
fn InviteDialog(
    dialog: NodeRef<Dialog>,
    projects: Resource<Result<Option<crate::api::orgs::Dashboard>, AppError>>,
    invite: ServerAction<Invite>,
    org: OrgSummary,
) -> impl IntoView {
    let roles = invitable_roles(org.role);
    let org_id = org.id.0;
    let emails = RwSignal::new(String::new());
    let role = RwSignal::new(OrgRole::Member);
    let project_role = RwSignal::new(ProjectRole::Member);
    let chosen = RwSignal::new(Vec::<i64>::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let pr = project_role.get_untracked();
        let grants = chosen.get_untracked().iter().map(|id| format!("{id}:{}", pr.as_str())).collect::<Vec<_>>().join(",");
        invite.dispatch(Invite { org_id, emails: emails.get_untracked(), role: role.get_untracked().as_str().into(), projects: grants });
    };
    Effect::new(move || {
        if let Some(Ok(_)) = invite.value().get() {
            emails.set(String::new());
            chosen.set(Vec::new());
        }
    });
    view! {
        <dialog node_ref=dialog class="dialog" aria-labelledby="invite-title">
            <form class="form" on:submit=submit>
                <h2 id="invite-title">"Invite members"</h2>
                <div class="dialog-body stack">
                    <ActionError action=invite />
                    {move || invite.value().get().and_then(Result::ok).map(|sent| view! {
                        <div class="alert alert-success" role="status">
                            <p>{format!("Invited {}.", sent.iter().map(|s| s.email.clone()).collect::<Vec<_>>().join(", "))}</p>
                            {sent.into_iter().filter_map(|s| s.link.map(|l| (s.email, l))).map(|(email, link)| view! {
                                <p class="hint">"No email server is set up; send this link to " {email.clone()} " yourself:"</p>
                                <input class="invite-link" readonly value=link aria-label=format!("Invite link for {email}") />
                            }).collect_view()}
                        </div>
                    })}
                    <div class="field">
                        <label for="invite-emails">"Email addresses"</label>
                        <textarea id="invite-emails" rows="3" required aria-describedby="invite-emails-hint" prop:value=move || emails.get() on:input=move |ev| emails.set(event_target_value(&ev))></textarea>
                        <p class="hint" id="invite-emails-hint">"Separate several addresses with commas or new lines."</p>
                    </div>
                    <div class="field">
                        <label for="invite-role">"Role"</label>
                        <select id="invite-role" prop:value=move || role.get().as_str() on:change=move |ev| if let Some(r) = OrgRole::parse(&event_target_value(&ev)) { role.set(r) }>
                            {roles.into_iter().map(|r| view! { <option value=r.as_str()>{r.label()}</option> }).collect_view()}
                        </select>
                        <p class="hint">"Guests see only the projects you choose below."</p>
                    </div>
                    <fieldset class="field">
                        <legend>"Projects (optional)"</legend>
                        <Suspense fallback=|| view! { <Loading /> }>
                            {move || Suspend::new(async move {
                                let list = projects.await.ok().flatten().map(|d| d.projects).unwrap_or_default();
                                if list.is_empty() {
                                    view! { <p class="hint">"This organization has no projects yet."</p> }.into_any()
                                } else {
                                    list.into_iter().map(|p| {
                                        let id = p.id.0;
                                        view! {
                                            <label class="checkbox">
                                                <input type="checkbox" prop:checked=move || chosen.get().contains(&id) on:change=move |ev| {
                                                    let on = event_target_checked(&ev);
                                                    chosen.update(|c| { c.retain(|x| *x != id); if on { c.push(id) } });
                                                } />
                                                {p.name}
                                            </label>
                                        }
                                    }).collect_view().into_any()
                                }
                            })}
                        </Suspense>
                        <label for="invite-project-role">"Project role"</label>
                        <select id="invite-project-role" on:change=move |ev| if let Some(r) = ProjectRole::parse(&event_target_value(&ev)) { project_role.set(r) }>
                            <option value="member">"Project Member"</option>
                            <option value="admin">"Project Admin"</option>
                            <option value="viewer">"Project Viewer"</option>
                        </select>
                    </fieldset>
                </div>
                <div class="dialog-actions">
                    <button type="button" class="btn btn-secondary" on:click=move |_| hide(dialog)>"Close"</button>
                    <button type="submit" class="btn btn-primary" disabled=move || invite.pending().get() aria-busy=move || invite.pending().get().to_string()>"Send invitations"</button>
                </div>
            </form>
        </dialog>
    }
}
