//! The console frame: top navigation (organization switcher, theme, user
//! menu), the sidebar, and the content area that pages render into.
use crate::api::orgs::LeaveOrg;
use crate::components::auth::use_auth;
use crate::components::dialog::{ConfirmDialog, show};
use crate::components::feedback::{ActionError, Loaded, Loading, suspense_body};
use crate::components::org::use_orgs;
use crate::domain::policy::{OrgAction, can};
use crate::domain::{OrgSummary, User};
use leptos::html::Dialog;
use leptos::prelude::*;
use leptos_router::components::{A, Outlet};
use leptos_router::hooks::{use_location, use_navigate};

#[component]
pub fn ConsoleLayout() -> impl IntoView {
    let auth = use_auth();
    let orgs = use_orgs();
    let sidebar_open = RwSignal::new(false);
    // Close the mobile sidebar after navigating.
    let location = use_location();
    Effect::new(move || {
        location.pathname.track();
        sidebar_open.set(false);
    });
    view! {
        <div class="app" class:sidebar-open=move || sidebar_open.get()>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <header class="topnav">
                <button
                    class="btn btn-ghost sidebar-toggle"
                    aria-label="Toggle navigation"
                    aria-controls="sidebar"
                    aria-expanded=move || sidebar_open.get().to_string()
                    on:click=move |_| sidebar_open.update(|o| *o = !*o)
                >
                    <span aria-hidden="true">"☰"</span>
                </button>
                <a class="brand" href="/">
                    <span class="brand-mark" aria-hidden="true"></span>
                    "Plinth"
                </a>
                <OrgSwitcher />
                <span class="spacer"></span>
                <ThemeToggle />
                <Suspense fallback=|| view! { <span class="avatar skeleton" aria-hidden="true"></span> }>
                    {suspense_body!(async move {
                        // One boundary awaits both: boundaries nested inside
                        // another's async body do not hydrate reliably.
                        let org = orgs.nav.await.ok().and_then(|n| n.current);
                        match auth.user.await {
                            Ok(Some(user)) => view! { <UserMenu user org /> }.into_any(),
                            _ => view! { <SignedOut /> }.into_any(),
                        }
                    })}
                </Suspense>
            </header>
            <aside class="sidebar" id="sidebar">
                <nav aria-label="Main">
                    <SidebarLinks />
                    <p class="sidebar-section">"Account"</p>
                    <A href="/profile">"Profile"</A>
                </nav>
            </aside>
            <main id="main" class="content" tabindex="-1">
                <div class="toast-region" aria-live="polite">
                    <ActionError action=orgs.leave />
                </div>
                // The page stays outside this boundary: inside its async body
                // the page (and each of its resources) was built again each
                // time the boundary re-rendered, three loads per request.
                <Loaded resource=auth.user quiet=true then={|user: Option<User>| Ok(user.is_none().then(|| view! { <SignedOut /> }))} />
                <Outlet />
            </main>
        </div>
    }
}

/// Rendered when the session has ended while a page was open: go to sign-in.
#[component]
fn SignedOut() -> impl IntoView {
    let navigate = use_navigate();
    let location = use_location();
    Effect::new(move || {
        let here = format!("{}{}", location.pathname.get_untracked(), location.search.get_untracked());
        let next = crate::urls::query_value(&here);
        navigate(&format!("/login?next={next}"), Default::default());
    });
    view! { <Loading label="Signing you in again…" /> }
}

/// A dropdown menu: a trigger button and a panel that Escape or a second click closes.
#[component]
fn Menu(id: &'static str, label: String, #[prop(into)] trigger_class: String, trigger: AnyView, children: ChildrenFn) -> impl IntoView {
    let open = RwSignal::new(false);
    let menu_id = format!("menu-{id}");
    view! {
        <div
            class="menu-anchor"
            on:keydown=move |ev| {
                if ev.key() == "Escape" {
                    open.set(false);
                }
            }
        >
            <button
                type="button"
                class=trigger_class
                aria-label=label
                aria-haspopup="true"
                aria-expanded=move || open.get().to_string()
                aria-controls=menu_id.clone()
                on:click=move |_| open.update(|o| *o = !*o)
            >
                {trigger}
            </button>
            <div class="menu" id=menu_id hidden=move || !open.get() on:click=move |_| open.set(false)>
                {children()}
            </div>
        </div>
    }
}

#[component]
fn UserMenu(user: User, org: Option<OrgSummary>) -> impl IntoView {
    let logout = use_auth().logout;
    let orgs = use_orgs();
    let initials = user.initials();
    // The confirmation lives outside the menu, which hides itself on click.
    let leave = NodeRef::<Dialog>::new();
    let in_org = org.is_some();
    view! {
        <Menu
            id="account"
            label="Account menu".to_string()
            trigger_class="btn btn-ghost user-menu"
            trigger=view! { <span class="avatar" aria-hidden="true">{initials}</span> }.into_any()
        >
            <p class="menu-section">{user.name.clone()}</p>
            <p class="menu-item muted">{user.email.clone()}</p>
            <hr />
            <a class="menu-item" href="/profile">"Profile"</a>
            {in_org.then(|| view! {
                <button type="button" class="menu-item" on:click=move |_| show(leave)>"Leave organization"</button>
            })}
            <ActionForm action=logout>
                <button type="submit" class="menu-item">"Sign out"</button>
            </ActionForm>
        </Menu>
        {org.map(|org| {
            let id = org.id.0;
            view! {
                <ConfirmDialog
                    dialog=leave
                    title=format!("Leave {}?", org.name)
                    message="You will lose access to its projects and data until someone invites you again."
                    confirm_label="Leave"
                    on_confirm=move |_| {
                        orgs.leave.dispatch(LeaveOrg { org_id: id });
                    }
                />
            }
        })}
    }
}

/// Lists the user's organizations and marks the one on screen; each is a
/// link to its dashboard (opening it makes it the current one).
#[component]
fn OrgSwitcher() -> impl IntoView {
    let orgs = use_orgs();
    view! {
        <Suspense fallback=|| view! { <span class="org-switcher skeleton" aria-hidden="true"></span> }>
            {suspense_body!(async move {
                let nav = orgs.nav.await.ok();
                let current = nav.as_ref().and_then(|n| n.current.clone());
                let list = nav.map(|n| n.orgs).unwrap_or_default();
                let label = current.as_ref().map(|c| c.name.clone()).unwrap_or_else(|| "No organization".into());
                // The accessible name holds the visible text (WCAG 2.5.3).
                let name = format!("Switch organization, current: {label}");
                let current_id = current.map(|c| c.id);
                view! {
                    <Menu
                        id="orgs"
                        label=name
                        trigger_class="btn btn-ghost org-switcher"
                        trigger=view! { <span class="org-name">{label}</span> }.into_any()
                    >
                        <p class="menu-section">"Organizations"</p>
                        {if list.is_empty() {
                            view! { <p class="menu-item muted">"You are not in any organization yet."</p> }.into_any()
                        } else {
                            list.clone()
                                .into_iter()
                                .map(|o| {
                                    let is_current = Some(o.id) == current_id;
                                    view! {
                                        <A
                                            href=crate::urls::org_path(&o.slug, "")
                                            attr:class="menu-item"
                                        >
                                            // The link itself gets aria-current on the organization's pages.
                                            {is_current.then(|| view! { <span aria-hidden="true">"✓ "</span> })}
                                            {o.name}
                                            <span class="muted">" · " {o.role.label()}</span>
                                        </A>
                                    }
                                })
                                .collect_view()
                                .into_any()
                        }}
                        <hr />
                        <a class="menu-item" href="/orgs/new">"Create an organization"</a>
                    </Menu>
                }
            })}
        </Suspense>
    }
}

/// Sidebar links for the current organization, shown by what the role allows.
#[component]
fn SidebarLinks() -> impl IntoView {
    let orgs = use_orgs();
    view! {
        <Suspense fallback=|| ()>
            {suspense_body!(async move {
                let org = orgs.nav.await.ok().and_then(|n| n.current);
                org.map(|org| {
                    let (role, to) = (org.role, move |rest: &str| crate::urls::org_path(&org.slug, rest));
                    view! {
                        <p class="sidebar-section">"Organization"</p>
                        <A href=to("") exact=true>"Dashboard"</A>
                        {can(role, OrgAction::ViewTeam).then(|| view! { <A href=to("/team")>"Team"</A> })}
                        {can(role, OrgAction::ViewAuditLog).then(|| view! { <A href=to("/audit")>"Audit log"</A> })}
                        {can(role, OrgAction::ManagePrices).then(|| view! { <A href=to("/prices")>"Model prices"</A> })}
                        {can(role, OrgAction::ManageOrganization).then(|| view! { <A href=to("/billing")>"Billing"</A> })}
                        {can(role, OrgAction::ManageOrganization).then(|| view! { <A href=to("/settings")>"Settings"</A> })}
                    }
                })
            })}
        </Suspense>
    }
}

/// Switches between light and dark, remembered in this browser.
#[component]
fn ThemeToggle() -> impl IntoView {
    let dark = RwSignal::new(false);
    Effect::new(move || {
        // Read what the head script applied (or the OS preference) once hydrated.
        if let Some(el) = document().document_element() {
            let saved = el.get_attribute("data-theme");
            let prefers_dark = window().match_media("(prefers-color-scheme: dark)").ok().flatten().is_some_and(|m| m.matches());
            dark.set(saved.as_deref() == Some("dark") || (saved.is_none() && prefers_dark));
        }
    });
    let toggle = move |_| {
        let next = !dark.get_untracked();
        dark.set(next);
        let theme = if next { "dark" } else { "light" };
        if let Some(el) = document().document_element() {
            let _ = el.set_attribute("data-theme", theme);
        }
        if let Ok(Some(storage)) = window().local_storage() {
            let _ = storage.set_item("plinth-theme", theme);
        }
    };
    view! {
        <button
            type="button"
            class="btn btn-ghost theme-toggle"
            aria-label=move || if dark.get() { "Switch to light theme" } else { "Switch to dark theme" }
            aria-pressed=move || dark.get().to_string()
            on:click=toggle
        >
            <span aria-hidden="true">{move || if dark.get() { "☀" } else { "☾" }}</span>
        </button>
    }
}
