//! The HTML shell and the router: every URL of the console is listed here.
use crate::components::auth::provide_auth;
use crate::components::layout::ConsoleLayout;
use crate::components::org::provide_orgs;
use crate::pages::audit::AuditPage;
use crate::pages::invite::InvitePage;
use crate::pages::orgs::NewOrgPage;
use crate::pages::projects::{NewProjectPage, ProjectLayout, ProjectMembersPage, ProjectOverview, ProjectSectionPending, ProjectSettingsPage};
use crate::pages::settings::SettingsPage;
use crate::pages::team::TeamPage;
use crate::pages::{auth::LoginPage, auth::SignupPage, errors::NotFound, home::HomePage, profile::ProfilePage};
use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::path;

/// Sets the saved theme before first paint, so a dark-theme user sees no flash.
const THEME_SCRIPT: &str = "try{var t=localStorage.getItem('plinth-theme');if(t)document.documentElement.dataset.theme=t}catch(e){}";

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <script>{THEME_SCRIPT}</script>
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_auth();
    provide_orgs();
    view! {
        <Stylesheet id="leptos" href="/pkg/plinth.css" />
        <Title formatter=|page: String| if page.is_empty() { "Plinth".to_string() } else { format!("{page} · Plinth") } />
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/login") view=LoginPage />
                <Route path=path!("/signup") view=SignupPage />
                <Route path=path!("/invite/:token") view=InvitePage />
                <ParentRoute path=path!("") view=ConsoleLayout>
                    <Route path=path!("") view=HomePage />
                    <Route path=path!("/profile") view=ProfilePage />
                    <Route path=path!("/orgs/new") view=NewOrgPage />
                    <Route path=path!("/team") view=TeamPage />
                    <Route path=path!("/audit") view=AuditPage />
                    <Route path=path!("/settings") view=SettingsPage />
                    <Route path=path!("/projects/new") view=NewProjectPage />
                    <ParentRoute path=path!("/projects/:slug") view=ProjectLayout>
                        <Route path=path!("") view=ProjectOverview />
                        <Route path=path!("/members") view=ProjectMembersPage />
                        <Route path=path!("/settings") view=ProjectSettingsPage />
                        <Route path=path!("/:section") view=ProjectSectionPending />
                    </ParentRoute>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// `next` if it is a path on this site, else `/`: sign-in must never send
/// users to another site.
pub fn local_path(next: Option<&str>) -> String {
    match next {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.starts_with("/\\") => p.to_string(),
        _ => "/".to_string(),
    }
}
