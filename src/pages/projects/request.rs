//! One request in full: what was sent and answered, its metadata and error.
//! Project Viewers see everything but the input and output text.
use crate::api::requests::load_request;
use crate::components::feedback::{ErrorAlert, Loading, suspense_body};
use crate::components::format::date_time;
use crate::components::org::use_org;
use crate::components::page_data::page_data;
use crate::domain::money::count;
use crate::domain::requests::RequestDetail;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

#[component]
pub fn ProjectRequestPage() -> impl IntoView {
    let params = use_params_map();
    let org = use_org();
    let slug = Memo::new(move |_| params.read().get("slug").unwrap_or_default());
    let id = Memo::new(move |_| params.read().get("id").and_then(|i| i.parse::<i64>().ok()).unwrap_or(0));
    let data = page_data(move || (org.get(), slug.get(), id.get()), |(org, slug, id)| load_request(org, slug, id));
    view! {
        <p><A href=move || crate::urls::project_path(org.get(), slug.get(), "/requests")>"← All requests"</A></p>
        <Suspense fallback=|| view! { <Loading /> }>
            {suspense_body!(async move {
                match data.await {
                    Ok(d) => view! { <Detail d /> }.into_any(),
                    Err(error) => view! { <ErrorAlert error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Detail(d: RequestDetail) -> impl IntoView {
    let r = d.row;
    let facts: Vec<(&str, String)> = vec![
        ("Event id", r.event_id),
        ("Time", date_time(&r.occurred_at)),
        ("Received", date_time(&d.received_at)),
        ("Status", r.status.as_str().into()),
        ("Model", r.model),
        ("Provider", d.provider.unwrap_or_default()),
        ("Assistant", r.assistant.unwrap_or_default()),
        ("End user", r.end_user.unwrap_or_default()),
        ("Environment", d.environment.unwrap_or_default()),
        ("Session", d.session_id.unwrap_or_default()),
        ("API key", d.key_name.unwrap_or_default()),
        ("Tokens", format!("{} in · {} out", count(r.input_tokens), count(r.output_tokens))),
        ("Cost", r.cost.usd_display()),
        ("Latency", r.latency_ms.map(|ms| format!("{} ms", count(ms))).unwrap_or_default()),
    ];
    view! {
        <h2>"Request"</h2>
        <dl class="facts">
            {facts.into_iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}
        </dl>
        {d.unpriced_reason.map(|why| view! { <p class="alert alert-warning" role="note">{format!("Cost $0.00: {why}")}</p> })}
        {d.error.map(|e| view! { <section class="stack"><h3>"Error"</h3><pre class="alert alert-error" tabindex="0">{e}</pre></section> })}
        {if d.text_hidden {
            view! { <p class="muted">"Input and output are hidden from Project Viewers."</p> }.into_any()
        } else {
            view! {
                <Text title="Input" text=d.input />
                <Text title="Output" text=d.output />
                {d.truncated.then(|| view! { <p class="muted">"Longer than the stored limit: the text was cut."</p> })}
            }.into_any()
        }}
        {(!d.metadata.is_empty()).then(|| view! {
            <section class="stack">
                <h3>"Metadata"</h3>
                <dl class="facts">{d.metadata.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}</dl>
            </section>
        })}
    }
}

#[component]
fn Text(title: &'static str, text: Option<String>) -> impl IntoView {
    view! {
        <section class="stack">
            <h3>{title}</h3>
            {match text {
                Some(t) => view! { <pre class="request-text" tabindex="0">{t}</pre> }.into_any(),
                None => view! { <p class="muted">"Not sent."</p> }.into_any(),
            }}
        </section>
    }
}
