//! The organization context: actions that change which organization the user
//! works in (or what it is), and the navigation data that reloads after them.
use crate::api::invitations::AcceptInvitation;
use crate::api::orgs::{CreateOrg, DeleteOrg, LeaveOrg, OrgNav, SwitchOrg, UpdateOrg, load_org_nav};
use crate::components::auth::use_auth;
use crate::components::page_data::{PageData, page_data};
use crate::domain::OrgSummary;
use crate::error::AppError;
use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct Orgs {
    pub create: ServerAction<CreateOrg>,
    pub switch: ServerAction<SwitchOrg>,
    pub update: ServerAction<UpdateOrg>,
    pub delete: ServerAction<DeleteOrg>,
    pub leave: ServerAction<LeaveOrg>,
    pub accept: ServerAction<AcceptInvitation>,
    /// Changes whenever the current organization may have changed; resources
    /// that load organization data use it as their source.
    pub epoch: Memo<usize>,
    pub nav: PageData<Result<OrgNav, AppError>>,
}

impl Orgs {
    /// The current organization, once the navigation data has loaded.
    pub fn current(&self) -> Option<OrgSummary> {
        self.nav.get().and_then(Result::ok).and_then(|n| n.current)
    }
}

pub fn provide_orgs() {
    let auth = use_auth();
    let create = ServerAction::<CreateOrg>::new();
    let switch = ServerAction::<SwitchOrg>::new();
    let update = ServerAction::<UpdateOrg>::new();
    let delete = ServerAction::<DeleteOrg>::new();
    let leave = ServerAction::<LeaveOrg>::new();
    let accept = ServerAction::<AcceptInvitation>::new();
    let epoch = Memo::new(move |_| {
        [create.version(), switch.version(), update.version(), delete.version(), leave.version(), accept.version(), auth.login.version(), auth.signup.version()]
            .iter()
            .map(|v| v.get())
            .sum()
    });
    let nav = page_data(move || epoch.get(), |_| load_org_nav());
    provide_context(Orgs { create, switch, update, delete, leave, accept, epoch, nav });
}

pub fn use_orgs() -> Orgs {
    expect_context::<Orgs>()
}
