//! The time range and environment filter every analytics page shows. All of
//! it is in the URL: the range links and the two small forms are plain GET
//! requests, so they work before hydration and a shared link keeps them.
use crate::domain::analytics::{Filters, Range};
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn AnalyticsFilters(
    /// The page's own path, e.g. `/o/acme/projects/bot/dashboard`.
    #[prop(into)]
    path: Signal<String>,
    #[prop(into)] filters: Signal<Filters>,
    /// Environments to offer; the current one is always offered.
    #[prop(into)]
    environments: Signal<Vec<String>>,
) -> impl IntoView {
    let custom = move || filters.with(|f| f.from.is_some() && f.to.is_some());
    let current = move || filters.with(|f| f.range.unwrap_or_default());
    view! {
        <div class="filters">
            <nav class="range-picker" aria-label="Time range">
                {Range::ALL
                    .iter()
                    .map(|&range| {
                        let here = move || (!custom() && current() == range).then_some("page");
                        view! { <A href=move || format!("{}{}", path.get(), filters.with(|f| f.with_range(range))) attr:aria-current=here>{range.label()}</A> }
                    })
                    .collect_view()}
            </nav>
            <form method="get" action=move || path.get() class="inline-form" aria-label="Custom range">
                <label>"From " <input type="date" name="from" required prop:value=move || filters.with(|f| f.from.map(|d| d.to_string()).unwrap_or_default()) /></label>
                <label>"to " <input type="date" name="to" required prop:value=move || filters.with(|f| f.to.map(|d| d.to_string()).unwrap_or_default()) /></label>
                {move || filters.with(|f| f.environment().map(|e| view! { <input type="hidden" name="env" value=e.to_string() /> }))}
                <button type="submit" class="btn btn-secondary">"Show"</button>
            </form>
            <form method="get" action=move || path.get() class="inline-form" aria-label="Environment">
                {move || filters.with(|f| f.range.map(|r| view! { <input type="hidden" name="range" value=r.as_str() /> }))}
                {move || filters.with(|f| f.from.zip(f.to).map(|(from, to)| view! {
                    <input type="hidden" name="from" value=from.to_string() />
                    <input type="hidden" name="to" value=to.to_string() />
                }))}
                <label>
                    "Environment "
                    <select name="env">
                        <option value="">"All"</option>
                        {move || {
                            let chosen = filters.with(|f| f.environment().map(str::to_string));
                            let mut names = environments.get();
                            if let Some(c) = &chosen && !names.contains(c) {
                                names.push(c.clone());
                            }
                            names.into_iter().map(|n| {
                                let selected = chosen.as_deref() == Some(n.as_str());
                                view! { <option value=n.clone() selected=selected>{n.clone()}</option> }
                            }).collect_view()
                        }}
                    </select>
                </label>
                <button type="submit" class="btn btn-secondary">"Filter"</button>
            </form>
        </div>
    }
}
