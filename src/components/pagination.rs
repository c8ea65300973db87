//! The bar under a paged table: a summary and links to the pages around.
//! Links, not buttons: the page number lives in the URL, so a reload, Back
//! and a shared link keep it, and paging works before hydration.
use leptos::prelude::*;

#[component]
pub fn Pagination(
    /// Names the navigation landmark, e.g. "Team pages".
    label: &'static str,
    summary: String,
    /// The page shown, from 0.
    page: u64,
    has_next: bool,
    /// The URL of another page (from 0).
    href: Callback<u64, String>,
    #[prop(default = "Previous")] previous: &'static str,
    #[prop(default = "Next")] next: &'static str,
) -> impl IntoView {
    view! {
        <nav class="pagination" aria-label=label>
            <span class="muted">{summary}</span>
            <span class="spacer"></span>
            {(page > 0).then(|| view! { <a class="btn btn-secondary btn-sm" rel="prev" href=href.run(page - 1)>{previous}</a> })}
            {has_next.then(|| view! { <a class="btn btn-secondary btn-sm" rel="next" href=href.run(page + 1)>{next}</a> })}
        </nav>
    }
}
