use crate::components::feedback::ErrorPage;
use leptos::prelude::*;

/// Any URL the router does not know; answered with HTTP 404.
#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <main class="content" id="main">
            <ErrorPage
                status=404
                title="Page not found".to_string()
                message="There is nothing at this address. It may have moved, or the link may be mistyped.".to_string()
            />
        </main>
    }
}
