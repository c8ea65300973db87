//! Project members: who has a role granted directly in a project, and
//! adding people to it.
use crate::api::projects::{AddProjectMember, Candidate, ProjectMembers, RemoveProjectMember, SetProjectMember, load_project_members};
use crate::components::dialog::ConfirmButton;
use crate::components::feedback::{ActionError, Loaded};
use crate::components::form::ProjectRoleOptions;
use crate::components::form::Submit;
use crate::components::org::use_org;
use crate::components::page_data::page_data;
use crate::components::table::DataTable;
use crate::domain::ProjectRole;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

#[component]
pub fn ProjectMembersPage() -> impl IntoView {
    let set = ServerAction::<SetProjectMember>::new();
    let add = ServerAction::<AddProjectMember>::new();
    let remove = ServerAction::<RemoveProjectMember>::new();
    let (params, org) = (use_params_map(), use_org());
    // Keyed by the URL, not by the project resource's value, so server and
    // browser resolve it the same way.
    let members = page_data(
        move || (org.get(), params.read().get("slug").unwrap_or_default(), set.version().get(), add.version().get(), remove.version().get()),
        |(org, slug, ..)| load_project_members(org, slug),
    );
    view! {
        <ActionError action=set />
        <ActionError action=add />
        <ActionError action=remove />
        <Loaded resource=members inline=true then=move |m: ProjectMembers| {
            let project_id = m.project_id;
            Ok(view! {
                        <p class="muted">"Organization Owners and Admins are Project Admins everywhere, Members are Project Members and Viewers are Project Viewers. Add people here to give them more, or to let a Guest into this project only."</p>
                        {if m.members.is_empty() {
                            view! { <p class="empty-state muted">"Nobody has a role granted directly in this project."</p> }.into_any()
                        } else {
                            view! {
                                <DataTable label="Project members" columns={&["Name", "Email", "Project role", "Actions"]}>
                                        {m.members.into_iter().map(|pm| {
                                            let uid = pm.user_id.0;
                                            let name = pm.name.clone();
                                            view! {
                                                <tr>
                                                    <td>{pm.name.clone()}</td>
                                                    <td>{pm.email.clone()}</td>
                                                    <td>{if m.can_manage {
                                                        view! {
                                                            <select aria-label=format!("Project role of {name}") on:change=move |ev| { set.dispatch(SetProjectMember { project_id, user_id: uid, role: event_target_value(&ev) }); }>
                                                                <ProjectRoleOptions selected=pm.role />
                                                            </select>
                                                        }.into_any()
                                                    } else { view! { {pm.role.label()} }.into_any() }}</td>
                                                    <td>{m.can_manage.then(|| view! {
                                                        <ConfirmButton label="Remove" aria_label=format!("Remove {} from the project", pm.name) title="Remove from project?" message=format!("{} keeps their organization role.", pm.name) confirm_label="Remove"
                                                            on_confirm=move |_| { remove.dispatch(RemoveProjectMember { project_id, user_id: uid }); } />
                                                    })}</td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </DataTable>
                            }.into_any()
                        }}
                        {m.can_manage.then(|| view! { <AddMember project_id candidates=m.candidates pick_from_team=m.pick_from_team set add /> })}
            })
        } />
    }
}

#[component]
fn RoleSelect() -> impl IntoView {
    view! {
        <div class="field">
            <label for="pm-role">"Project role"</label>
            <select id="pm-role" name="role">
                <ProjectRoleOptions selected=ProjectRole::Member />
            </select>
        </div>
    }
}

/// Callers who may see the team table pick from the organization's members;
/// others (a Guest who is Project Admin) type an exact email, so the
/// project page never lists the whole organization to them.
#[component]
fn AddMember(
    project_id: i64,
    candidates: Vec<Candidate>,
    pick_from_team: bool,
    set: ServerAction<SetProjectMember>,
    add: ServerAction<AddProjectMember>,
) -> impl IntoView {
    let form = if pick_from_team {
        if candidates.is_empty() {
            return view! { <p class="muted">"Every member of the organization already has a role here."</p> }.into_any();
        }
        view! {
            <ActionForm action=set attr:class="form">
                <input type="hidden" name="project_id" value=project_id />
                <div class="field">
                    <label for="pm-user">"Organization member"</label>
                    <select id="pm-user" name="user_id">
                        {candidates.into_iter().map(|c| view! { <option value=c.user_id.0>{format!("{} <{}>", c.name, c.email)}</option> }).collect_view()}
                    </select>
                </div>
                <RoleSelect />
                <div class="form-actions"><Submit label="Add to project" pending=set.pending() /></div>
            </ActionForm>
        }
        .into_any()
    } else {
        view! {
            <ActionForm action=add attr:class="form">
                <input type="hidden" name="project_id" value=project_id />
                <div class="field">
                    <label for="pm-email">"Email of an organization member"</label>
                    <input id="pm-email" name="email" type="email" required autocomplete="off" />
                </div>
                <RoleSelect />
                <div class="form-actions"><Submit label="Add to project" pending=add.pending() /></div>
            </ActionForm>
        }
        .into_any()
    };
    view! {
        <section class="card">
            <h2 class="card-title">"Add a member"</h2>
            {form}
        </section>
    }
    .into_any()
}
