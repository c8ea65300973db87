//! The HTML shell and the router: every URL of the console is listed here.
use crate::components::auth::provide_auth;
use crate::components::layout::ConsoleLayout;
use crate::components::org::{OrgFrame, OrgsProvider};
use crate::pages::audit::AuditPage;
use crate::pages::billing::BillingPage;
use crate::pages::invite::InvitePage;
use crate::pages::orgs::NewOrgPage;
use crate::pages::prices::PricesPage;
use crate::pages::projects::{
    NewProjectPage, ProjectDashboardPage, ProjectKeysPage, ProjectLayout, ProjectMembersPage, ProjectOverview, ProjectRequestPage, ProjectRequestsPage,
    ProjectSettingsPage, ProjectTokensPage, ProjectUsersPage,
};
use crate::pages::settings::SettingsPage;
use crate::pages::team::TeamPage;
use crate::pages::{auth::LoginPage, auth::SignupPage, errors::NotFound, home::HomePage, home::OrgHomePage, profile::ProfilePage};
use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{Lazy, LazyRoute, SsrMode, lazy_route, path};

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

/// Pages whose code loads on first use, each from its own WASM chunk that
/// `scripts/build.mjs` splits off (README, "Lazy routes"). The server renders
/// them like any page and names their chunks in the page, so the browser
/// fetches them alongside the main bundle. The pages most visits start on
/// (sign-in, home, team), the layouts and the not-found page stay in the main
/// bundle: a lazy page costs a round of chunk requests on its first visit.
macro_rules! lazy_pages {
    ($($route:ident => $page:ident),* $(,)?) => {
        /// The lazy route types, for the server's start-up check of the manifest.
        pub const LAZY_PAGES: &[&str] = &[$(stringify!($route)),*];
        $(
        pub struct $route;
        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }
            fn view(_this: Self) -> AnyView {
                #[cfg(feature = "ssr")]
                crate::server::lazy::preload_chunks(stringify!($route));
                view! { <$page /> }.into_any()
            }
        }
    )*};
}

lazy_pages! {
    LazySignup => SignupPage,
    LazyInvite => InvitePage,
    LazyProfile => ProfilePage,
    LazyNewOrg => NewOrgPage,
    LazyAudit => AuditPage,
    LazyPrices => PricesPage,
    LazySettings => SettingsPage,
    LazyBilling => BillingPage,
    LazyNewProject => NewProjectPage,
    LazyProjectOverview => ProjectOverview,
    LazyProjectDashboard => ProjectDashboardPage,
    LazyProjectRequests => ProjectRequestsPage,
    LazyProjectRequest => ProjectRequestPage,
    LazyProjectKeys => ProjectKeysPage,
    LazyProjectMembers => ProjectMembersPage,
    LazyProjectSettings => ProjectSettingsPage,
    LazyProjectUsers => ProjectUsersPage,
    LazyProjectTokens => ProjectTokensPage,
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_auth();
    view! {
        <Title formatter=|page: String| if page.is_empty() { "Plinth".to_string() } else { format!("{page} · Plinth") } />
        // Every page renders once its data is ready (SsrMode::Async): the
        // console's nested boundaries hydrate reliably that way, where
        // out-of-order streaming let server and browser disagree.
        <Router>
            <OrgsProvider>
                <Routes fallback=NotFound>
                    <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async />
                    <Route path=path!("/signup") view={Lazy::<LazySignup>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/invite/:token") view={Lazy::<LazyInvite>::new()} ssr=SsrMode::Async />
                    <ParentRoute path=path!("") view=ConsoleLayout ssr=SsrMode::Async>
                        // Outside any organization (see `crate::urls`).
                        <Route path=path!("") view=HomePage ssr=SsrMode::Async />
                        <Route path=path!("/profile") view={Lazy::<LazyProfile>::new()} ssr=SsrMode::Async />
                        <Route path=path!("/orgs/new") view={Lazy::<LazyNewOrg>::new()} ssr=SsrMode::Async />
                        <ParentRoute path=path!("/o/:org") view=OrgFrame ssr=SsrMode::Async>
                            <Route path=path!("") view=OrgHomePage ssr=SsrMode::Async />
                            <Route path=path!("/team") view=TeamPage ssr=SsrMode::Async />
                            <Route path=path!("/audit") view={Lazy::<LazyAudit>::new()} ssr=SsrMode::Async />
                            <Route path=path!("/prices") view={Lazy::<LazyPrices>::new()} ssr=SsrMode::Async />
                            <Route path=path!("/settings") view={Lazy::<LazySettings>::new()} ssr=SsrMode::Async />
                            <Route path=path!("/billing") view={Lazy::<LazyBilling>::new()} ssr=SsrMode::Async />
                            <Route path=path!("/projects/new") view={Lazy::<LazyNewProject>::new()} ssr=SsrMode::Async />
                            <ParentRoute path=path!("/projects/:slug") view=ProjectLayout ssr=SsrMode::Async>
                                <Route path=path!("") view={Lazy::<LazyProjectOverview>::new()} ssr=SsrMode::Async />
                                <Route path=path!("/dashboard") view={Lazy::<LazyProjectDashboard>::new()} ssr=SsrMode::Async />
                                <Route path=path!("/requests") view={Lazy::<LazyProjectRequests>::new()} ssr=SsrMode::Async />
                                <Route path=path!("/requests/:id") view={Lazy::<LazyProjectRequest>::new()} ssr=SsrMode::Async />
                                <Route path=path!("/keys") view={Lazy::<LazyProjectKeys>::new()} ssr=SsrMode::Async />
                                <Route path=path!("/members") view={Lazy::<LazyProjectMembers>::new()} ssr=SsrMode::Async />
                                <Route path=path!("/settings") view={Lazy::<LazyProjectSettings>::new()} ssr=SsrMode::Async />
                                <Route path=path!("/users") view={Lazy::<LazyProjectUsers>::new()} ssr=SsrMode::Async />
                                <Route path=path!("/tokens") view={Lazy::<LazyProjectTokens>::new()} ssr=SsrMode::Async />
                            </ParentRoute>
                        </ParentRoute>
                    </ParentRoute>
                </Routes>
            </OrgsProvider>
        </Router>
    }
}
