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

/// A data table in its frame: the header row from `columns` (a column named
/// "Actions" is for screen readers only), the rows from `children`.
#[component]
pub fn DataTable(#[prop(into)] label: String, columns: &'static [&'static str], children: Children) -> impl IntoView {
    let header = |c: &'static str| match c {
        "Actions" => view! { <th scope="col"><span class="visually-hidden">{c}</span></th> }.into_any(),
        _ => view! { <th scope="col">{c}</th> }.into_any(),
    };
    view! {
        <TableFrame label>
            <table class="table">
                <thead>
                    <tr>{columns.iter().map(|c| header(c)).collect_view()}</tr>
                </thead>
                <tbody>{children()}</tbody>
            </table>
        </TableFrame>
    }
}
