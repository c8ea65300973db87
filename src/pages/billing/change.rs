//! The Billing page's plan change: a confirmation built on the server (the
//! price, when it applies, what blocks it), confirmed with the figures it
//! showed and its idempotency key.
use crate::api::billing::{ChangePlan, preview_plan_change};
use crate::components::dialog::{hide, show};
use crate::components::feedback::{ActionError, ErrorAlert, Loading, suspense_body};
use crate::components::page_data::page_data;
use crate::domain::OrgId;
use crate::domain::billing::{ChangePreview, usd};
use crate::domain::plan::PlanId;
use leptos::html::Dialog;
use leptos::prelude::*;

/// The confirmation: the price difference, when it applies, and why a
/// downgrade cannot be made yet.
#[component]
pub fn Confirm(org_id: OrgId, asked: RwSignal<Option<PlanId>>, change: ServerAction<ChangePlan>) -> impl IntoView {
    let dialog = NodeRef::<Dialog>::new();
    let preview = page_data(
        move || asked.get(),
        move |plan| async move {
            match plan {
                Some(plan) => Some(preview_plan_change(org_id, plan).await),
                None => None,
            }
        },
    );
    Effect::new(move |_| {
        if asked.get().is_some() {
            // A refusal from an earlier try is not this one's.
            if matches!(change.value().get_untracked(), Some(Err(_))) {
                change.value().set(None);
            }
            show(dialog);
        }
    });
    Effect::new(move |_| {
        if matches!(change.value().get(), Some(Ok(_))) {
            hide(dialog);
            asked.set(None);
            focus_plan();
        }
    });
    // Confirmable once the price is shown and nothing blocks the change.
    let ready = move || matches!(preview.get(), Some(Some(Ok(p))) if p.blockers.is_empty());
    let close = move |_| {
        hide(dialog);
        asked.set(None);
    };
    view! {
        <dialog node_ref=dialog class="dialog" aria-labelledby="change-title" on:close=move |_| asked.set(None)>
            <ActionForm action=change attr:class="form">
                <h2 id="change-title">"Change plan"</h2>
                <div class="dialog-body stack">
                    <ActionError action=change />
                    <Suspense fallback=|| view! { <Loading label="Working out the price…" /> }>
                        {suspense_body!(async move {
                            match preview.await {
                                Some(Ok(p)) => view! { <PreviewText p org_id /> }.into_any(),
                                Some(Err(error)) => view! { <ErrorAlert error /> }.into_any(),
                                None => ().into_any(),
                            }
                        })}
                    </Suspense>
                </div>
                <div class="dialog-actions">
                    <button type="button" class="btn btn-secondary" on:click=close>"Cancel"</button>
                    <button type="submit" class="btn btn-primary" disabled=move || change.pending().get() || !ready() aria-busy=move || change.pending().get().to_string()>
                        "Confirm"
                    </button>
                </div>
            </ActionForm>
        </dialog>
    }
}

/// After a change the button that opened the dialog may be gone: keyboard
/// focus goes to the plan's heading, which says what the plan is now.
fn focus_plan() {
    #[cfg(feature = "hydrate")]
    if let Some(h) = leptos::prelude::document().get_element_by_id("plan-title") {
        use leptos::wasm_bindgen::JsCast;
        if let Ok(h) = h.dyn_into::<leptos::web_sys::HtmlElement>() {
            let _ = h.focus();
        }
    }
}

#[component]
fn PreviewText(p: ChangePreview, org_id: OrgId) -> impl IntoView {
    let monthly = if p.monthly_difference_cents >= 0 { format!("+{}", usd(p.monthly_difference_cents)) } else { usd(p.monthly_difference_cents) };
    let when = if p.upgrade {
        format!(
            "{} starts now. You pay {} for the {} days left of this period ({} of {}), then {} a month ({monthly}).",
            p.to.name,
            usd(p.prorated_cents),
            p.days_left,
            p.days_left,
            p.days_in_period,
            usd(p.to.monthly_cents)
        )
    } else {
        format!(
            "{} starts on {}, when this period ends; {} stays until then. Then {} a month ({monthly}).",
            p.to.name,
            p.effective_label,
            p.from.name,
            usd(p.to.monthly_cents)
        )
    };
    let blockers = (!p.blockers.is_empty()).then(|| {
        let items = p.blockers.iter().map(|b| view! { <li>{b.clone()}</li> }).collect_view();
        view! {
            <div class="alert alert-error" role="alert">
                <p>{format!("{} cannot start yet:", p.to.name)}</p>
                <ul>{items}</ul>
                <p>"Remove what is over the limit first, then try again."</p>
            </div>
        }
    });
    view! {
        <p>{when}</p>
        {blockers}
        <input type="hidden" name="org_id" value=org_id.0 />
        <input type="hidden" name="plan" value=p.to.id.as_str() />
        <input type="hidden" name="from" value=p.from.id.as_str() />
        <input type="hidden" name="prorated_cents" value=p.prorated_cents />
        <input type="hidden" name="idempotency_key" value=p.key.clone() />
    }
}
