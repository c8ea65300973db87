//! A project's tokens: the totals, input tokens per request and output
//! tokens per response, tokens over time, and each assistant's tokens split
//! by model. Filters live in the URL, as on the dashboard.
use crate::api::analytics::load_tokens;
use crate::components::analytics_page::{AnalyticsPage, ExportLinks, Stat};
use crate::components::chart::ChartCard;
use crate::components::first_event::FirstEvent;
use crate::domain::analytics::Filters;
use crate::domain::money::count;
use crate::domain::reports::TokensReport;
use leptos::prelude::*;

#[component]
pub fn ProjectTokensPage() -> impl IntoView {
    view! { <AnalyticsPage section="tokens" load=load_tokens environments=|d: &TokensReport| d.environments.clone() render=|d, base, filters| view! { <Tokens d base filters /> } /> }
}

#[component]
fn Tokens(d: TokensReport, base: String, filters: Filters) -> impl IntoView {
    if d.requests == 0 {
        return view! { <FirstEvent title=format!("No usage in {}", d.window.label) endpoint=d.endpoint base=base.clone() /> }.into_any();
    }
    view! {
        <dl class="stats">
            <Stat label="Total tokens" value=count(d.total()) />
            <Stat label="Input tokens" value=count(d.input_tokens) />
            <Stat label="Output tokens" value=count(d.output_tokens) />
            <Stat label="Input tokens per request" value=d.per_request() />
            <Stat label="Output tokens per response" value=d.per_response() />
        </dl>
        <ChartCard title="Tokens over time (UTC)" chart=d.over_time script=d.charts_script.clone() />
        <ChartCard title="Tokens by assistant and model" chart=d.by_assistant script=d.charts_script />
        <ExportLinks base filters links=&[("by day", "usage.csv?group_by=day"), ("by assistant", "usage.csv?group_by=assistant"), ("by model", "usage.csv?group_by=model")] />
    }
    .into_any()
}
