//! The console frame: top navigation (organization switcher, theme, user
//! menu), the sidebar, and the content area that pages render into.
use crate::components::auth::use_auth;
use crate::components::feedback::{Loading, PageError};
use crate::domain::User;
use leptos::prelude::*;
use leptos_router::components::{A, Outlet};
use leptos_router::hooks::{use_location, use_navigate};

#[component]
pub fn ConsoleLayout() -> impl IntoView {
    let auth = use_auth();
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
                    "☰"
                </button>
                <a class="brand" href="/">
                    <span class="brand-mark" aria-hidden="true"></span>
                    "Plinth"
                </a>
                <OrgSwitcher />
                <span class="spacer"></span>
                <ThemeToggle />
                <Transition fallback=|| view! { <span class="avatar skeleton" aria-hidden="true"></span> }>
                    {move || Suspend::new(async move {
                        match auth.user.await {
                            Ok(Some(user)) => view! { <UserMenu user /> }.into_any(),
                            _ => view! { <SignedOut /> }.into_any(),
                        }
                    })}
                </Transition>
            </header>
            <aside class="sidebar" id="sidebar">
                <nav aria-label="Main">
                    <p class="sidebar-section">"Organization"</p>
                    <A href="/" exact=true>"Dashboard"</A>
                    <p class="sidebar-section">"Account"</p>
                    <A href="/profile">"Profile"</A>
                </nav>
            </aside>
            <main id="main" class="content" tabindex="-1">
                <Transition fallback=|| view! { <Loading /> }>
                    {move || Suspend::new(async move {
                        match auth.user.await {
                            Ok(Some(_)) => view! { <Outlet /> }.into_any(),
                            Ok(None) => view! { <SignedOut /> }.into_any(),
                            Err(error) => view! { <PageError error /> }.into_any(),
                        }
                    })}
                </Transition>
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
        let next: String = url_escape(&here);
        navigate(&format!("/login?next={next}"), Default::default());
    });
    view! { <Loading label="Signing you in again…" /> }
}

fn url_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A dropdown menu: a trigger button and a panel that Escape or a second click closes.
#[component]
fn Menu(
    label: String,
    #[prop(into)] trigger_class: String,
    trigger: AnyView,
    children: ChildrenFn,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let menu_id = format!("menu-{}", label.to_lowercase().replace(' ', "-"));
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
fn UserMenu(user: User) -> impl IntoView {
    let logout = use_auth().logout;
    let initials = user.initials();
    view! {
        <Menu
            label="Account menu".to_string()
            trigger_class="btn btn-ghost user-menu"
            trigger=view! { <span class="avatar" aria-hidden="true">{initials}</span> }.into_any()
        >
            <p class="menu-section">{user.name.clone()}</p>
            <p class="menu-item muted">{user.email.clone()}</p>
            <hr />
            <a class="menu-item" href="/profile">"Profile"</a>
            <ActionForm action=logout>
                <button type="submit" class="menu-item">"Sign out"</button>
            </ActionForm>
        </Menu>
    }
}

/// Organizations arrive with their own feature; until one exists the
/// switcher invites the user to create one.
#[component]
fn OrgSwitcher() -> impl IntoView {
    view! {
        <Menu
            label="Switch organization".to_string()
            trigger_class="btn btn-ghost org-switcher"
            trigger=view! { <span>"No organization"</span> }.into_any()
        >
            <p class="menu-section">"Organizations"</p>
            <p class="menu-item muted">"You are not in any organization yet."</p>
            <hr />
            <a class="menu-item" href="/">"Create an organization"</a>
        </Menu>
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
            let prefers_dark = window()
                .match_media("(prefers-color-scheme: dark)")
                .ok()
                .flatten()
                .is_some_and(|m| m.matches());
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
            {move || if dark.get() { "☀" } else { "☾" }}
        </button>
    }
}
