//! The organization dashboard: the landing page after sign-in.
use crate::api::orgs::{Dashboard, load_dashboard};
use crate::components::feedback::Loaded;
use crate::components::org::use_orgs;
use crate::components::page_data::page_data;
use crate::domain::project::Project;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn HomePage() -> impl IntoView {
    let orgs = use_orgs();
    let dashboard = page_data(move || orgs.epoch.get(), |_| load_dashboard());
    view! {
        <Title text="Dashboard" />
        <Loaded resource=dashboard then={|d: Option<Dashboard>| Ok(match d {
            Some(d) => view! { <OrgDashboard d /> }.into_any(),
            None => view! { <NoOrganization /> }.into_any(),
        })} />
    }
}

#[component]
fn NoOrganization() -> impl IntoView {
    view! {
        <section class="empty-state">
            <div class="empty-icon" aria-hidden="true">"◆"</div>
            <h1>"Create your first organization"</h1>
            <p class="muted">
                "Organizations hold your team, projects, API keys and usage. Create one to start, or ask a colleague to invite you to theirs."
            </p>
            <div class="empty-actions">
                <a class="btn btn-primary" href="/orgs/new">"Create organization"</a>
            </div>
        </section>
    }
}

#[component]
fn OrgDashboard(d: Dashboard) -> impl IntoView {
    let Dashboard { org, member_count, projects, can_create_project, can_invite } = d;
    let empty = projects.is_empty();
    view! {
        <header class="page-header">
            <div>
                <h1>{org.name.clone()}</h1>
                <p class="page-subtitle muted">
                    {org.kind.label()} " organization · you are " {org.role.label()}
                </p>
            </div>
            <div class="page-actions">
                {can_invite.then(|| view! { <a class="btn btn-secondary" href="/team?invite=1">"Invite member"</a> })}
                {can_create_project.then(|| view! { <a class="btn btn-primary" href="/projects/new">"New project"</a> })}
            </div>
        </header>
        <div class="stats">
            <div class="stat card">
                <span class="stat-label">"Members"</span>
                <span class="stat-value" data-testid="member-count">{member_count}</span>
            </div>
            <div class="stat card">
                <span class="stat-label">"Projects"</span>
                <span class="stat-value">{projects.len()}</span>
            </div>
        </div>
        <h2>"Projects"</h2>
        {if empty {
            view! {
                <section class="empty-state">
                    <h2>"No projects yet"</h2>
                    <p class="muted">
                        {if can_create_project {
                            "Projects hold API keys and usage. Create one for each application or environment."
                        } else {
                            "When someone adds you to a project, it appears here."
                        }}
                    </p>
                    {can_create_project.then(|| view! { <div class="empty-actions"><a class="btn btn-primary" href="/projects/new">"New project"</a></div> })}
                </section>
            }
                .into_any()
        } else {
            view! { <div class="card-grid">{projects.into_iter().map(|p| view! { <ProjectCard p /> }).collect_view()}</div> }.into_any()
        }}
    }
}

#[component]
pub fn ProjectCard(p: Project) -> impl IntoView {
    let env = p.environment;
    view! {
        <a class="card" href=format!("/projects/{}", p.slug)>
            <div class="row">
                <h3 class="card-title">{p.name}</h3>
                <span class="spacer"></span>
                <span class=format!("badge badge-{}", env.as_str())>{env.label()}</span>
            </div>
            <p class="card-meta muted">
                {p.group.map(|g| format!("{} · ", g.name))}
                "Created " {crate::components::format::date(&p.created_at)}
            </p>
        </a>
    }
}
