//! The user's own profile: name and password.
use crate::components::auth::use_auth;
use crate::components::feedback::{ActionError, ActionSuccess};
use crate::components::form::{Field, Submit};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ProfilePage() -> impl IntoView {
    let auth = use_auth();
    let name = move || auth.user.get().and_then(Result::ok).flatten().map(|u| u.name).unwrap_or_default();
    let email = move || auth.user.get().and_then(Result::ok).flatten().map(|u| u.email).unwrap_or_default();
    view! {
        <Title text="Profile" />
        <header class="page-header">
            <div>
                <h1>"Profile"</h1>
                <p class="page-subtitle muted">{email}</p>
            </div>
        </header>
        <div class="stack">
            <section class="card" aria-labelledby="profile-name">
                <h2 id="profile-name" class="card-title">"Your name"</h2>
                <ActionForm action=auth.update_profile attr:class="form">
                    <ActionError action=auth.update_profile />
                    <ActionSuccess action=auth.update_profile message="Your name was saved." />
                    <div class="field">
                        <label for="field-name">"Name"</label>
                        <input id="field-name" name="name" autocomplete="name" required maxlength="100" prop:value=name />
                    </div>
                    <div class="form-actions">
                        <Submit label="Save name" pending=auth.update_profile.pending() />
                    </div>
                </ActionForm>
            </section>
            <section class="card" aria-labelledby="profile-password">
                <h2 id="profile-password" class="card-title">"Change password"</h2>
                <p class="muted">"Changing your password signs you out everywhere else."</p>
                <ActionForm action=auth.change_password attr:class="form">
                    <ActionError action=auth.change_password />
                    <ActionSuccess action=auth.change_password message="Password changed. Your other sessions have been signed out." />
                    <Field label="Current password" name="current" kind="password" autocomplete="current-password" required=true />
                    <Field label="New password" name="new" kind="password" autocomplete="new-password" required=true minlength=8 maxlength=128 hint="At least 8 characters, and not easy to guess: common words, your name and patterns are refused." />
                    <Field label="Confirm new password" name="confirm" kind="password" autocomplete="new-password" required=true />
                    <div class="form-actions">
                        <Submit label="Change password" pending=auth.change_password.pending() />
                    </div>
                </ActionForm>
            </section>
        </div>
    }
}
