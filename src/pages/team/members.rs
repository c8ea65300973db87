//! The members table: inline role changes and removal.
use super::invitations::Invitations;
use crate::api::team::{ChangeMemberRole, RemoveMember, ResendInvitation, RevokeInvitation};
use crate::components::dialog::ConfirmButton;
use crate::components::format::date;
use crate::components::pagination::Pagination;
use crate::components::table::DataTable;
use crate::domain::OrgRole;
use crate::domain::team::{MemberRow, TeamPage as Page};
use crate::error::AppError;
use leptos::prelude::*;

#[component]
pub(super) fn MembersTable(
    t: Page,
    page_href: Callback<u64, String>,
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
                <DataTable label="Members" columns={&["Name", "Email", "Role", "Status", "Invited on", "Invited by", "Actions"]}>
                            {members.into_iter().map(|m| view! { <MemberTr m changed remove /> }).collect_view()}
                        </DataTable>
            }
                .into_any()
        }}
        <Pagination
            label="Team pages"
            summary=if total == 0 { "No members".to_string() } else { format!("Showing {first}–{last} of {total}") }
            page=current
            has_next
            href=page_href
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
