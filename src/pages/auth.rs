//! Sign-in and sign-up: the only pages open without a session.
use crate::components::auth::use_auth;
use crate::components::feedback::ActionError;
use crate::components::form::{Field, Submit};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

fn next_param() -> Memo<String> {
    let query = use_query_map();
    Memo::new(move |_| query.read().get("next").unwrap_or_default())
}

#[component]
fn AuthCard(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <Title text=title />
        <main class="auth-page" id="main">
            <div class="auth-card card">
                <a class="brand" href="/">
                    <span class="brand-mark" aria-hidden="true"></span>
                    "Plinth"
                </a>
                <h1>{title}</h1>
                {children()}
            </div>
        </main>
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = use_auth().login;
    let next = next_param();
    let signup_href = move || match next.get() {
        n if n.is_empty() => "/signup".to_string(),
        n => format!("/signup?next={}", crate::urls::query_value(&n)),
    };
    view! {
        <AuthCard title="Sign in">
            <ActionForm action=login attr:class="form" attr:novalidate=true>
                <ActionError action=login />
                <input type="hidden" name="next" value=next />
                <Field label="Email" name="email" kind="email" autocomplete="email" required=true autofocus=true />
                <Field label="Password" name="password" kind="password" autocomplete="current-password" required=true />
                <div class="form-actions">
                    <Submit label="Sign in" pending=login.pending() />
                </div>
            </ActionForm>
            <p class="auth-footer">"New to Plinth? " <a href=signup_href>"Create an account"</a></p>
        </AuthCard>
    }
}

#[component]
pub fn SignupPage() -> impl IntoView {
    let signup = use_auth().signup;
    let next = next_param();
    let query = use_query_map();
    let email = move || query.read().get("email").unwrap_or_default();
    let login_href = move || match next.get() {
        n if n.is_empty() => "/login".to_string(),
        n => format!("/login?next={}", crate::urls::query_value(&n)),
    };
    view! {
        <AuthCard title="Create your account">
            <ActionForm action=signup attr:class="form" attr:novalidate=true>
                <ActionError action=signup />
                <input type="hidden" name="next" value=next />
                <Field label="Name" name="name" autocomplete="name" required=true autofocus=true maxlength=100 />
                <Field label="Email" name="email" kind="email" autocomplete="email" required=true value=email() />
                <Field
                    label="Password"
                    name="password"
                    kind="password"
                    autocomplete="new-password"
                    required=true
                    minlength=8
                    maxlength=128
                    hint="At least 8 characters, and not easy to guess: common words, names and patterns are refused. A few uncommon words together are strong and easy to remember."
                />
                <div class="form-actions">
                    <Submit label="Create account" pending=signup.pending() />
                </div>
            </ActionForm>
            <p class="auth-footer">"Already have an account? " <a href=login_href>"Sign in"</a></p>
        </AuthCard>
    }
}
