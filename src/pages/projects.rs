//! Projects: creation, the overview with its section navigation, project
//! members, and project settings.
use crate::api::projects::{
    CreateProject, DeleteProject, ProjectView, RemoveProjectMember, SetProjectMember, UpdateProject, load_project, load_project_members,
    load_project_form,
};
use crate::components::dialog::ConfirmButton;
use crate::components::feedback::{ActionError, ActionSuccess, ErrorAlert, Loading, PageError};
use crate::components::form::{Field, Submit};
use crate::components::org::use_orgs;
use crate::domain::ProjectRole;
use crate::domain::project::{Environment, Group};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{A, Outlet};
use leptos_router::hooks::use_params_map;

#[component]
fn EnvironmentSelect(selected: Environment) -> impl IntoView {
    view! {
        <div class="field">
            <label for="field-environment">"Environment"</label>
            <select id="field-environment" name="environment">
                {Environment::ALL.into_iter().map(|e| view! { <option value=e.as_str() selected=e == selected>{e.label()}</option> }).collect_view()}
            </select>
        </div>
    }
}

/// Group name with suggestions from the organization's existing groups.
#[component]
fn GroupField(groups: Vec<Group>, #[prop(optional, into)] value: String) -> impl IntoView {
    view! {
        <div class="field">
            <label for="field-group">"Group (optional)"</label>
            <input id="field-group" name="group" list="group-options" maxlength="60" value=value aria-describedby="field-group-hint" />
            <p class="hint" id="field-group-hint">"Usage and cost roll up per group, e.g. Engineering or Marketing."</p>
            <datalist id="group-options">
                {groups.into_iter().map(|g| view! { <option value=g.name></option> }).collect_view()}
            </datalist>
        </div>
    }
}

#[component]
pub fn NewProjectPage() -> impl IntoView {
    let orgs = use_orgs();
    let create = ServerAction::<CreateProject>::new();
    let form = Resource::new(move || orgs.epoch.get(), |_| load_project_form());
    view! {
        <Title text="New project" />
        <header class="page-header">
            <div>
                <h1>"New project"</h1>
                <p class="page-subtitle muted">"A project holds API keys, usage and its own members."</p>
            </div>
        </header>
        <Suspense fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move {
                let (org, groups) = match form.await {
                    Ok(f) if f.can_create => (f.org, f.groups),
                    Ok(_) => return view! { <PageError error=AppError::Forbidden /> }.into_any(),
                    Err(error) => return view! { <PageError error /> }.into_any(),
                };
                view! {
                    <section class="card">
                        <ActionForm action=create attr:class="form">
                            <ActionError action=create />
                            <input type="hidden" name="org_id" value=org.id.0 />
                            <Field label="Name" name="name" required=true autofocus=true maxlength=60 hint="Unique within the organization." />
                            <Field label="Slug" name="slug" maxlength=60 hint="Shown in URLs. Leave empty to derive it from the name." />
                            <div class="field">
                                <label for="field-description">"Description"</label>
                                <textarea id="field-description" name="description" rows="2" maxlength="500"></textarea>
                            </div>
                            <EnvironmentSelect selected=Environment::Development />
                            <GroupField groups />
                            <p class="hint">"Projects belong to " {org.name.clone()} " for good: they cannot move to another organization."</p>
                            <div class="form-actions">
                                <Submit label="Create project" pending=create.pending() />
                                <a class="btn btn-ghost" href="/">"Cancel"</a>
                            </div>
                        </ActionForm>
                    </section>
                }.into_any()
            })}
        </Suspense>
    }
}

/// The project frame: its header and section navigation, then the section.
#[component]
pub fn ProjectLayout() -> impl IntoView {
    let params = use_params_map();
    let orgs = use_orgs();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let project = Resource::new(move || (slug(), orgs.epoch.get()), |(slug, _)| load_project(slug));
    provide_context(project);
    view! {
        <Suspense fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move {
                match project.await {
                    Err(error) => view! { <PageError error /> }.into_any(),
                    Ok(v) => {
                        let base = format!("/projects/{}", v.project.slug);
                        let env = v.project.environment;
                        let sections = [("", "Overview"), ("/dashboard", "Dashboard"), ("/requests", "Requests"), ("/users", "Users"), ("/tokens", "Tokens"), ("/keys", "API keys"), ("/members", "Members"), ("/settings", "Settings")];
                        view! {
                            <Title text=v.project.name.clone() />
                            <header class="page-header">
                                <div>
                                    <h1>{v.project.name.clone()} " " <span class=format!("badge badge-{}", env.as_str())>{env.label()}</span></h1>
                                    <p class="page-subtitle muted">{v.org.name.clone()} " · your role: " {v.project.role.label()}</p>
                                </div>
                            </header>
                            <nav class="tabs" aria-label="Project sections">
                                {sections.into_iter().map(|(path, label)| view! { <A href=format!("{base}{path}") exact=true>{label}</A> }).collect_view()}
                            </nav>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
        // Outside the boundary above: sections create their own resources,
        // which must not be made inside another boundary's async body.
        <Outlet />
    }
}

fn use_project() -> Resource<Result<ProjectView, AppError>> {
    expect_context()
}

#[component]
pub fn ProjectOverview() -> impl IntoView {
    let project = use_project();
    view! {
        <Suspense fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move {
                project.await.ok().map(|v| {
                    let p = v.project;
                    view! {
                        <section class="card stack">
                            <p>{if p.description.is_empty() { "No description.".to_string() } else { p.description.clone() }}</p>
                            <dl class="stats">
                                <div class="stat"><dt class="stat-label">"Slug"</dt><dd class="stat-value"><code>{p.slug.clone()}</code></dd></div>
                                <div class="stat"><dt class="stat-label">"Group"</dt><dd class="stat-value">{p.group.map(|g| g.name).unwrap_or_else(|| "—".into())}</dd></div>
                                <div class="stat"><dt class="stat-label">"Created"</dt><dd class="stat-value">{p.created_at.format("%b %-d, %Y").to_string()}</dd></div>
                            </dl>
                        </section>
                    }
                })
            })}
        </Suspense>
    }
}

/// Sections whose features arrive with usage ingestion.
#[component]
pub fn ProjectSectionPending() -> impl IntoView {
    view! {
        <section class="empty-state">
            <h2>"No usage yet"</h2>
            <p class="muted">"This section fills in once applications report LLM calls for this project with an API key."</p>
        </section>
    }
}

#[component]
pub fn ProjectMembersPage() -> impl IntoView {
    let project = use_project();
    let set = ServerAction::<SetProjectMember>::new();
    let remove = ServerAction::<RemoveProjectMember>::new();
    let params = use_params_map();
    // Keyed by the URL, not by the project resource's value, so server and
    // browser resolve it the same way.
    let members = Resource::new(
        move || (params.read().get("slug").unwrap_or_default(), set.version().get(), remove.version().get()),
        |(slug, ..)| load_project_members(slug),
    );
    view! {
        <ActionError action=set />
        <ActionError action=remove />
        <Suspense fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move {
                let project_id = project.await.map(|v| v.project.id.0).unwrap_or_default();
                match members.await {
                    Err(error) => view! { <ErrorAlert error /> }.into_any(),
                    Ok(m) => view! {
                        <p class="muted">"Organization Owners and Admins are Project Admins everywhere, Members are Project Members and Viewers are Project Viewers. Add people here to give them more, or to let a Guest into this project only."</p>
                        {if m.members.is_empty() {
                            view! { <p class="empty-state muted">"Nobody has a role granted directly in this project."</p> }.into_any()
                        } else {
                            view! {
                                <div class="table-wrap"><table class="table">
                                    <thead><tr><th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"Project role"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th></tr></thead>
                                    <tbody>
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
                                                                {ProjectRole::ALL.into_iter().map(|r| view! { <option value=r.as_str() selected=r == pm.role>{r.label()}</option> }).collect_view()}
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
                                    </tbody>
                                </table></div>
                            }.into_any()
                        }}
                        {(m.can_manage && !m.candidates.is_empty()).then(|| view! {
                            <section class="card">
                                <h2 class="card-title">"Add a member"</h2>
                                <ActionForm action=set attr:class="form">
                                    <input type="hidden" name="project_id" value=project_id />
                                    <div class="field">
                                        <label for="pm-user">"Organization member"</label>
                                        <select id="pm-user" name="user_id">
                                            {m.candidates.into_iter().map(|c| view! { <option value=c.user_id.0>{format!("{} <{}>", c.name, c.email)}</option> }).collect_view()}
                                        </select>
                                    </div>
                                    <div class="field">
                                        <label for="pm-role">"Project role"</label>
                                        <select id="pm-role" name="role">
                                            <option value="member">"Project Member"</option>
                                            <option value="admin">"Project Admin"</option>
                                            <option value="viewer">"Project Viewer"</option>
                                        </select>
                                    </div>
                                    <div class="form-actions"><Submit label="Add to project" pending=set.pending() /></div>
                                </ActionForm>
                            </section>
                        })}
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn ProjectSettingsPage() -> impl IntoView {
    let project = use_project();
    let update = ServerAction::<UpdateProject>::new();
    let delete = ServerAction::<DeleteProject>::new();
    view! {
        <Suspense fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move {
                let v = match project.await {
                    Ok(v) => v,
                    Err(error) => return view! { <ErrorAlert error /> }.into_any(),
                };
                if !v.can_edit {
                    return view! { <p class="alert alert-info">"Only Project Admins can change this project's settings."</p> }.into_any();
                }
                let p = v.project.clone();
                let typed = RwSignal::new(String::new());
                let name = p.name.clone();
                view! {
                    <div class="stack">
                        <section class="card">
                            <h2 class="card-title">"General"</h2>
                            <ActionForm action=update attr:class="form">
                                <ActionError action=update />
                                <ActionSuccess action=update message="Saved. Reload to see the new name everywhere." />
                                <input type="hidden" name="project_id" value=p.id.0 />
                                <div class="field"><label for="p-name">"Name"</label><input id="p-name" name="name" required maxlength="60" value=p.name.clone() /></div>
                                <div class="field"><label for="p-description">"Description"</label><textarea id="p-description" name="description" rows="2" maxlength="500" prop:value=p.description.clone()></textarea></div>
                                <EnvironmentSelect selected=p.environment />
                                <GroupField groups=v.groups.clone() value=p.group.clone().map(|g| g.name).unwrap_or_default() />
                                <p class="hint">"The slug (" <code>{p.slug.clone()}</code> ") stays the same, and projects cannot move to another organization."</p>
                                <div class="form-actions"><Submit label="Save changes" pending=update.pending() /></div>
                            </ActionForm>
                        </section>
                        {v.can_delete.then(|| view! {
                            <section class="card danger-zone">
                                <h2 class="card-title">"Delete project"</h2>
                                <p>"Deleting removes the project, its API keys, usage and project members."</p>
                                <ActionForm action=delete attr:class="form">
                                    <ActionError action=delete />
                                    <input type="hidden" name="project_id" value=p.id.0 />
                                    <div class="field">
                                        <label for="p-confirm">"Type " <strong>{name.clone()}</strong> " to confirm"</label>
                                        <input id="p-confirm" name="confirm" autocomplete="off" on:input=move |ev| typed.set(event_target_value(&ev)) />
                                    </div>
                                    <div class="form-actions">
                                        <button type="submit" class="btn btn-danger" disabled=move || typed.get().trim() != name || delete.pending().get()>"Delete project"</button>
                                    </div>
                                </ActionForm>
                            </section>
                        })}
                    </div>
                }.into_any()
            })}
        </Suspense>
    }
}
