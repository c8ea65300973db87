//! The bar under a paged table: a summary and previous/next buttons.
use leptos::prelude::*;

#[component]
pub fn Pagination(
    /// Names the navigation landmark, e.g. "Team pages".
    label: &'static str,
    summary: String,
    page: RwSignal<u64>,
    has_next: bool,
    #[prop(default = "Previous")] previous: &'static str,
    #[prop(default = "Next")] next: &'static str,
) -> impl IntoView {
    let first_page = page.get_untracked() == 0;
    view! {
        <nav class="pagination" aria-label=label>
            <span class="muted">{summary}</span>
            <span class="spacer"></span>
            <button type="button" class="btn btn-secondary btn-sm" disabled=first_page on:click=move |_| page.update(|p| *p = p.saturating_sub(1))>
                {previous}
            </button>
            <button type="button" class="btn btn-secondary btn-sm" disabled=!has_next on:click=move |_| page.update(|p| *p += 1)>
                {next}
            </button>
        </nav>
    }
}
