//! The landing page after sign-in.
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text="Dashboard" />
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
