//! What an analytics page shows before a project has any usage: how to send
//! the first event, with the project's own endpoint filled in.
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn FirstEvent(
    #[prop(into)] title: String,
    endpoint: String,
    /// The project's path (`/o/<org>/projects/<slug>`), for the link to its keys.
    base: String,
) -> impl IntoView {
    let curl = format!(
        "curl -X POST {endpoint} \\\n  -H \"Authorization: Bearer $PLINTH_KEY\" \\\n  -H \"Content-Type: application/json\" \\\n  -d '{{\"events\": [{{\"id\": \"call-1\", \"timestamp\": \"'$(date -u +%FT%TZ)'\", \"model\": \"gpt-4o-mini\", \"status\": \"success\", \"input_tokens\": 120, \"output_tokens\": 40}}]}}'"
    );
    let python = format!(
        "import os, uuid, datetime, requests\n\nrequests.post(\n    \"{endpoint}\",\n    headers={{\"Authorization\": f\"Bearer {{os.environ['PLINTH_KEY']}}\"}},\n    json={{\"events\": [{{\n        \"id\": str(uuid.uuid4()),\n        \"timestamp\": datetime.datetime.now(datetime.timezone.utc).isoformat(),\n        \"model\": \"gpt-4o-mini\", \"status\": \"success\",\n        \"input_tokens\": 120, \"output_tokens\": 40,\n    }}]}},\n).raise_for_status()"
    );
    let typescript = format!(
        "await fetch(\"{endpoint}\", {{\n  method: \"POST\",\n  headers: {{\n    Authorization: `Bearer ${{process.env.PLINTH_KEY}}`,\n    \"Content-Type\": \"application/json\",\n  }},\n  body: JSON.stringify({{ events: [{{\n    id: crypto.randomUUID(),\n    timestamp: new Date().toISOString(),\n    model: \"gpt-4o-mini\", status: \"success\",\n    input_tokens: 120, output_tokens: 40,\n  }}] }}),\n}});"
    );
    view! {
        <section class="empty-state stack">
            <h2>{title}</h2>
            <p class="muted">
                "Create an API key with the ingest scope, then report each LLM call to " <code>"POST /api/v1/events"</code> ". "
                <A href=format!("{base}/keys")>"Create an API key"</A>
            </p>
            <Snippet label="curl" code=curl />
            <Snippet label="Python" code=python />
            <Snippet label="TypeScript" code=typescript />
        </section>
    }
}

#[component]
fn Snippet(label: &'static str, code: String) -> impl IntoView {
    view! {
        <details class="snippet">
            <summary>{label}</summary>
            // A scrollable region must be reachable by keyboard (axe: scrollable-region-focusable).
            <pre tabindex="0"><code>{code}</code></pre>
        </details>
    }
}
