//! The landing page (`/`) and an organization's dashboard (`/o/<slug>`).
use crate::api::orgs::{Dashboard, OrgNav, load_dashboard};
use crate::components::feedback::Loaded;
use crate::components::org::{use_org, use_orgs};
use crate::components::page_data::page_data;
use crate::domain::project::{Project, Slug};
use crate::urls::{org_path, project_path};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::NavigateOptions;
use leptos_router::components::Redirect;

/// `/`: the organization the user last worked in (the server redirects a
/// full page load before it gets here; this covers in-app navigation), or
/// the invitation to create a first one.
#[component]
pub fn HomePage() -> impl IntoView {
    let orgs = use_orgs();
    view! {
        <Title text="Dashboard" />
        <Loaded resource=orgs.nav then={|nav: OrgNav| Ok(match nav.current {
            // Replacing `/`, so Back does not land on it and come straight back.
            Some(org) => view! { <Redirect path=org_path(&org.slug, "") options=NavigateOptions { replace: true, ..Default::default() } /> }.into_any(),
            None => view! { <NoOrganization /> }.into_any(),
        })} />
    }
}

/// `/o/<slug>`: the organization's dashboard.
#[component]
pub fn OrgHomePage() -> impl IntoView {
    let (orgs, org) = (use_orgs(), use_org());
    let dashboard = page_data(move || (orgs.epoch.get(), org.get()), |(_, org)| load_dashboard(org));
    view! {
        <Title text="Dashboard" />
        <Loaded resource=dashboard then={|d: Dashboard| Ok(view! { <OrgDashboard d /> })} />
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
    let slug = org.slug.clone();
    view! {
        <header class="page-header">
            <div>
                <h1>{org.name.clone()}</h1>
                <p class="page-subtitle muted">
                    {org.kind.label()} " organization · you are " {org.role.label()}
                </p>
            </div>
            <div class="page-actions">
                {can_invite.then(|| view! { <a class="btn btn-secondary" href=org_path(&slug, "/team?invite=1")>"Invite member"</a> })}
                {can_create_project.then(|| view! { <a class="btn btn-primary" href=org_path(&slug, "/projects/new")>"New project"</a> })}
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
                    {can_create_project.then(|| view! { <div class="empty-actions"><a class="btn btn-primary" href=org_path(&slug, "/projects/new")>"New project"</a></div> })}
                </section>
            }
                .into_any()
        } else {
            view! { <div class="card-grid">{projects.into_iter().map(|p| view! { <ProjectCard org=slug.clone() p /> }).collect_view()}</div> }.into_any()
        }}
    }
}

#[component]
pub fn ProjectCard(org: Slug, p: Project) -> impl IntoView {
    let env = p.environment;
    view! {
        <a class="card" href=project_path(&org, &p.slug, "")>
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
