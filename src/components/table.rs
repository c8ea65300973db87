//! The frame around a data table.
use leptos::prelude::*;

/// A table that scrolls sideways on narrow screens. The scrolling region is
/// focusable and named, so keyboard users can reach and scroll it (axe's
/// `scrollable-region-focusable`).
#[component]
pub fn TableFrame(#[prop(into)] label: String, children: Children) -> impl IntoView {
    view! {
        <div class="table-wrap" role="region" aria-label=label tabindex="0">
            {children()}
        </div>
    }
}
