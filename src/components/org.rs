//! The organization context: the organization the URL names (`/o/<slug>/…`,
//! see `crate::urls`), actions that change which organizations the user is
//! in (or what they are), and the navigation data that reloads after them.
use crate::api::invitations::AcceptInvitation;
use crate::api::orgs::{CreateOrg, DeleteOrg, LeaveOrg, OrgNav, UpdateOrg, load_org_nav};
use crate::components::auth::use_auth;
use crate::components::page_data::{PageData, page_data};
use crate::domain::OrgSummary;
use crate::domain::project::Slug;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_router::components::Outlet;
use leptos_router::hooks::use_location;

#[derive(Clone, Copy)]
pub struct Orgs {
    pub create: ServerAction<CreateOrg>,
    pub update: ServerAction<UpdateOrg>,
    pub delete: ServerAction<DeleteOrg>,
    pub leave: ServerAction<LeaveOrg>,
    pub accept: ServerAction<AcceptInvitation>,
    /// Changes whenever the user's organizations may have changed; resources
    /// that load organization data use it as their source.
    pub epoch: Memo<usize>,
    pub nav: PageData<Result<OrgNav, AppError>>,
}

impl Orgs {
    /// The organization the URL names (else the user's last one), once the
    /// navigation data has loaded.
    pub fn current(&self) -> Option<OrgSummary> {
        self.nav.get().and_then(Result::ok).and_then(|n| n.current)
    }
}

/// Provides `Orgs` to the pages inside; it reads the URL, so it sits inside the router.
#[component]
pub fn OrgsProvider(children: Children) -> impl IntoView {
    provide_orgs();
    children()
}

fn provide_orgs() {
    let auth = use_auth();
    let create = ServerAction::<CreateOrg>::new();
    let update = ServerAction::<UpdateOrg>::new();
    let delete = ServerAction::<DeleteOrg>::new();
    let leave = ServerAction::<LeaveOrg>::new();
    let accept = ServerAction::<AcceptInvitation>::new();
    let epoch = Memo::new(move |_| {
        [create.version(), update.version(), delete.version(), leave.version(), accept.version(), auth.login.version(), auth.signup.version()]
            .iter()
            .map(|v| v.get())
            .sum()
    });
    let location = use_location();
    let org = Memo::new(move |_| location.pathname.with(|p| crate::urls::org_in(p).and_then(|s| Slug::parse(s).ok())));
    let nav = page_data(move || (epoch.get(), org.get()), |(_, org)| load_org_nav(org));
    provide_context(Orgs { create, update, delete, leave, accept, epoch, nav });
}

pub fn use_orgs() -> Orgs {
    expect_context::<Orgs>()
}

/// The organization slug of the page's URL. Inside `OrgFrame` it is always
/// well-formed (a malformed one renders "not found" instead of the page).
/// It keeps its last value while the URL names none, so a page on its way
/// out does not load its data again for no organization.
pub fn use_org() -> Memo<Slug> {
    let location = use_location();
    Memo::new(move |last: Option<&Slug>| {
        let now = location.pathname.with(|p| crate::urls::org_in(p).and_then(|s| Slug::parse(s).ok()));
        now.or_else(|| last.cloned()).unwrap_or_default()
    })
}

/// The frame of every `/o/:org/…` page: a slug that cannot be one is "not
/// found" at once, like an organization the user is not in (the pages'
/// server functions answer that one).
#[component]
pub fn OrgFrame() -> impl IntoView {
    let location = use_location();
    let well_formed = Memo::new(move |_| location.pathname.with(|p| crate::urls::org_in(p).is_some_and(|s| Slug::parse(s).is_ok())));
    view! {
        <Show when=move || well_formed.get() fallback=|| view! { <crate::components::feedback::PageError error=AppError::NotFound("Organization".into()) /> }>
            <Outlet />
        </Show>
    }
}
