//! Pending invitations and the invite dialog.
use crate::api::orgs::Dashboard;
use crate::api::team::{Invite, ResendInvitation, RevokeInvitation, invite_link};
use crate::components::dialog::{ConfirmButton, hide};
use crate::components::feedback::{ActionError, ErrorAlert, Loaded};
use crate::components::form::ProjectRoleOptions;
use crate::components::format::date;
use crate::components::page_data::PageData;
use crate::components::table::DataTable;
use crate::domain::policy::invitable_roles;
use crate::domain::team::{InvitationRow, InvitationStatus};
use crate::domain::{OrgRole, OrgSummary, ProjectRole};
use crate::error::AppError;
use leptos::html::Dialog;
use leptos::prelude::*;

#[component]
pub(super) fn Invitations(rows: Vec<InvitationRow>, revoke: ServerAction<RevokeInvitation>, resend: ServerAction<ResendInvitation>) -> impl IntoView {
    view! {
        <section aria-labelledby="invitations-title">
            <h2 id="invitations-title">"Invitations"</h2>
            {if rows.is_empty() {
                view! { <p class="muted">"No pending invitations."</p> }.into_any()
            } else {
                view! {
                    <DataTable label="Pending invitations" columns={&["Email", "Role", "Status", "Invited on", "Invited by", "Actions"]}>{rows.into_iter().map(|r| view! { <InvitationTr r revoke resend /> }).collect_view()}</DataTable>
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
                    <button type="button" class="btn btn-secondary btn-sm" aria-label=format!("Copy link for the invitation to {}", r.email) on:click=copy>"Copy link"</button>
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
pub(super) fn InviteDialog(
    dialog: NodeRef<Dialog>,
    projects: PageData<Result<Option<crate::api::orgs::Dashboard>, AppError>>,
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
                        <Loaded resource=projects inline=true then={move |d: Option<Dashboard>| {
                                let list = d.map(|d| d.projects).unwrap_or_default();
                                Ok(if list.is_empty() {
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
                                })
                            }} />
                        <label for="invite-project-role">"Project role"</label>
                        <select id="invite-project-role" on:change=move |ev| if let Some(r) = ProjectRole::parse(&event_target_value(&ev)) { project_role.set(r) }>
                            <ProjectRoleOptions selected=ProjectRole::Member />
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
