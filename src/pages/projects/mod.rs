//! Projects: creation, the overview with its section navigation, and
//! project settings. Project members are in `members.rs`.
mod dashboard;
mod keys;
mod members;
mod request;
mod requests;
mod retention;
mod tokens;
mod users;
pub use dashboard::ProjectDashboardPage;
pub use keys::ProjectKeysPage;
pub use members::ProjectMembersPage;
pub use request::ProjectRequestPage;
pub use requests::ProjectRequestsPage;
pub use tokens::ProjectTokensPage;
pub use users::ProjectUsersPage;

use crate::api::projects::{CreateProject, DeleteProject, ProjectForm, ProjectView, UpdateProject, load_project, load_project_form};
use crate::components::feedback::{ActionError, ActionSuccess, Loaded, Loading, suspense_body};
use crate::components::form::{Field, Submit};
use crate::components::org::{use_org, use_orgs};
use crate::components::page_data::{PageData, page_data};
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
    let (orgs, org_slug) = (use_orgs(), use_org());
    let create = ServerAction::<CreateProject>::new();
    let form = page_data(move || (orgs.epoch.get(), org_slug.get()), |(_, org)| load_project_form(org));
    view! {
        <Title text="New project" />
        <header class="page-header">
            <div>
                <h1>"New project"</h1>
                <p class="page-subtitle muted">"A project holds API keys, usage and its own members."</p>
            </div>
        </header>
        <Loaded resource=form then=move |f: ProjectForm| {
            if !f.can_create {
                return Err(AppError::Forbidden);
            }
            let (org, groups) = (f.org, f.groups);
            Ok(view! {
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
                                <a class="btn btn-ghost" href=crate::urls::org_path(&org.slug, "")>"Cancel"</a>
                            </div>
                        </ActionForm>
                    </section>
            })
        } />
    }
}

/// The project frame: its header and section navigation, then the section.
#[component]
pub fn ProjectLayout() -> impl IntoView {
    let params = use_params_map();
    let (orgs, org) = (use_orgs(), use_org());
    let slug = move || params.read().get("slug").unwrap_or_default();
    let project = page_data(move || (org.get(), slug(), orgs.epoch.get()), |(org, slug, _)| load_project(org, slug));
    provide_context(project);
    view! {
        <Loaded resource=project then=|v: ProjectView| {
                        let base = crate::urls::project_path(&v.org.slug, &v.project.slug, "");
                        let env = v.project.environment;
                        let sections = [("", "Overview"), ("/dashboard", "Dashboard"), ("/requests", "Requests"), ("/users", "Users"), ("/tokens", "Tokens"), ("/keys", "API keys"), ("/members", "Members"), ("/settings", "Settings")];
                        Ok(view! {
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
                        })
        } />
        // Outside the boundary above: sections create their own resources,
        // which must not be made inside another boundary's async body.
        <Outlet />
    }
}

pub(crate) fn use_project() -> PageData<Result<ProjectView, AppError>> {
    expect_context()
}

#[component]
pub fn ProjectOverview() -> impl IntoView {
    let project = use_project();
    // Not `Loaded`: the layout above already shows this resource's error.
    view! {
        <Suspense fallback=|| view! { <Loading /> }>
            {suspense_body!(async move {
                project.await.ok().map(|v| {
                    let p = v.project;
                    view! {
                        <section class="card stack">
                            <p>{if p.description.is_empty() { "No description.".to_string() } else { p.description.clone() }}</p>
                            <dl class="stats">
                                <div class="stat"><dt class="stat-label">"Slug"</dt><dd class="stat-value"><code>{p.slug.clone()}</code></dd></div>
                                <div class="stat"><dt class="stat-label">"Group"</dt><dd class="stat-value">{p.group.map(|g| g.name).unwrap_or_else(|| "—".into())}</dd></div>
                                <div class="stat"><dt class="stat-label">"Created"</dt><dd class="stat-value">{crate::components::format::date(&p.created_at)}</dd></div>
                            </dl>
                        </section>
                    }
                })
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
        <Loaded resource=project inline=true then=move |v: ProjectView| {
                if !v.can_edit {
                    return Ok(view! { <p class="alert alert-info">"Only Project Admins can change this project's settings."</p> }.into_any());
                }
                let p = v.project.clone();
                let retention = p.clone();
                let typed = RwSignal::new(String::new());
                let name = p.name.clone();
                Ok(view! {
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
                        <retention::RetentionCard project=retention />
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
                }.into_any())
        } />
    }
}
