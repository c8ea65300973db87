//! The HTML shell and the router: every URL of the console is listed here.
use crate::components::auth::provide_auth;
use crate::components::layout::ConsoleLayout;
use crate::components::org::provide_orgs;
use crate::pages::audit::AuditPage;
use crate::pages::prices::PricesPage;
use crate::pages::invite::InvitePage;
use crate::pages::orgs::NewOrgPage;
use crate::pages::projects::{NewProjectPage, ProjectDashboardPage, ProjectKeysPage, ProjectLayout, ProjectMembersPage, ProjectOverview, ProjectRequestPage, ProjectRequestsPage, ProjectSettingsPage, ProjectTokensPage, ProjectUsersPage};
use crate::pages::settings::SettingsPage;
use crate::pages::team::TeamPage;
use crate::pages::{auth::LoginPage, auth::SignupPage, errors::NotFound, home::HomePage, profile::ProfilePage};
use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{SsrMode, path};

/// Sets the saved theme before first paint, so a dark-theme user sees no flash.
const THEME_SCRIPT: &str = "try{var t=localStorage.getItem('plinth-theme');if(t)document.documentElement.dataset.theme=t}catch(e){}";

pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::server::http::set_page_csp();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <script nonce=leptos::nonce::use_nonce()>{THEME_SCRIPT}</script>
                <AutoReload options=options.clone() />
                <HashedStylesheet id="leptos" options=options.clone() />
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
        <Title formatter=|page: String| if page.is_empty() { "Plinth".to_string() } else { format!("{page} · Plinth") } />
        // Every page renders once its data is ready (SsrMode::Async): the
        // console's nested boundaries hydrate reliably that way, where
        // out-of-order streaming let server and browser disagree.
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async />
                <Route path=path!("/signup") view=SignupPage ssr=SsrMode::Async />
                <Route path=path!("/invite/:token") view=InvitePage ssr=SsrMode::Async />
                <ParentRoute path=path!("") view=ConsoleLayout ssr=SsrMode::Async>
                    <Route path=path!("") view=HomePage ssr=SsrMode::Async />
                    <Route path=path!("/profile") view=ProfilePage ssr=SsrMode::Async />
                    <Route path=path!("/orgs/new") view=NewOrgPage ssr=SsrMode::Async />
                    <Route path=path!("/team") view=TeamPage ssr=SsrMode::Async />
                    <Route path=path!("/audit") view=AuditPage ssr=SsrMode::Async />
                    <Route path=path!("/prices") view=PricesPage ssr=SsrMode::Async />
                    <Route path=path!("/settings") view=SettingsPage ssr=SsrMode::Async />
                    <Route path=path!("/projects/new") view=NewProjectPage ssr=SsrMode::Async />
                    <ParentRoute path=path!("/projects/:slug") view=ProjectLayout ssr=SsrMode::Async>
                        <Route path=path!("") view=ProjectOverview ssr=SsrMode::Async />
                        <Route path=path!("/dashboard") view=ProjectDashboardPage ssr=SsrMode::Async />
                        <Route path=path!("/requests") view=ProjectRequestsPage ssr=SsrMode::Async />
                        <Route path=path!("/requests/:id") view=ProjectRequestPage ssr=SsrMode::Async />
                        <Route path=path!("/keys") view=ProjectKeysPage ssr=SsrMode::Async />
                        <Route path=path!("/members") view=ProjectMembersPage ssr=SsrMode::Async />
                        <Route path=path!("/settings") view=ProjectSettingsPage ssr=SsrMode::Async />
                        <Route path=path!("/users") view=ProjectUsersPage ssr=SsrMode::Async />
                        <Route path=path!("/tokens") view=ProjectTokensPage ssr=SsrMode::Async />
                    </ParentRoute>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
