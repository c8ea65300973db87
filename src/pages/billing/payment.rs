//! The Billing page's payment method and billing contact. Plinth charges
//! nothing, and says so: it keeps what an invoice shows.
use crate::api::billing::{RemoveCard, SaveBillingContact, SaveCard};
use crate::components::feedback::{ActionError, ActionSuccess};
use crate::components::form::Submit;
use crate::domain::OrgId;
use crate::domain::billing::PaymentInfo;
use leptos::prelude::*;

#[component]
pub fn Payment(
    info: PaymentInfo,
    org_id: OrgId,
    save: ServerAction<SaveCard>,
    remove: ServerAction<RemoveCard>,
    contact: ServerAction<SaveBillingContact>,
) -> impl IntoView {
    let has_card = info.card.is_some();
    // The form shows at once without a card, and on "Replace card" with one.
    let editing = RwSignal::new(!has_card);
    Effect::new(move |_| {
        if matches!(save.value().get(), Some(Ok(()))) {
            editing.set(false);
        }
    });
    let current = info.card.map(|c| {
        view! {
            <p class="card-on-file">
                <strong>{c.label()}</strong>
                <span class="muted">{format!(" · expires {} · {}", c.expiry(), c.name)}</span>
            </p>
            <div class="form-actions">
                <button type="button" class="btn btn-secondary" on:click=move |_| editing.set(true)>"Replace card"</button>
                <ActionForm action=remove attr:class="inline-form">
                    <input type="hidden" name="org_id" value=org_id.0 />
                    <button type="submit" class="btn btn-ghost">"Remove card"</button>
                </ActionForm>
            </div>
        }
    });
    view! {
        <section class="card" aria-labelledby="payment-title">
            <h2 id="payment-title" class="card-title">"Payment method"</h2>
            <p class="hint" id="payment-hint">
                "Plinth does not charge cards: a self-hosted server reaches no payment processor. It keeps the card's brand, last four digits and expiry for your invoices, never its number. Invoices are settled by whoever runs Plinth."
            </p>
            <ActionSuccess action=save message="Card saved." />
            <ActionSuccess action=remove message="Card removed." />
            <ActionError action=remove />
            {current}
            <Show when=move || editing.get()>
                <ActionForm action=save attr:class="form form-grid">
                    <ActionError action=save />
                    <input type="hidden" name="org_id" value=org_id.0 />
                    <div class="field">
                        <label for="card-number">"Card number"</label>
                        <input id="card-number" name="number" required inputmode="numeric" autocomplete="cc-number" maxlength="30" aria-describedby="payment-hint" />
                    </div>
                    <div class="field">
                        <label for="card-expiry">"Expiry (MM/YY)"</label>
                        <input id="card-expiry" name="expiry" required autocomplete="cc-exp" maxlength="7" placeholder="04/28" />
                    </div>
                    <div class="field">
                        <label for="card-name">"Name on card"</label>
                        <input id="card-name" name="name" required autocomplete="cc-name" maxlength="100" />
                    </div>
                    <div class="form-actions">
                        <Submit label="Save card" pending=save.pending() />
                        {has_card.then(|| view! { <button type="button" class="btn btn-secondary" on:click=move |_| editing.set(false)>"Cancel"</button> })}
                    </div>
                </ActionForm>
            </Show>
        </section>
        <section class="card" aria-labelledby="contact-title">
            <h2 id="contact-title" class="card-title">"Billing contact"</h2>
            <ActionForm action=contact attr:class="form">
                <ActionError action=contact />
                <ActionSuccess action=contact message="Saved." />
                <input type="hidden" name="org_id" value=org_id.0 />
                <div class="field">
                    <label for="billing-email">"Email for invoices"</label>
                    <input id="billing-email" name="email" type="email" autocomplete="email" maxlength="254" value=info.contact_email />
                </div>
                <div class="field">
                    <label for="billing-address">"Billing address"</label>
                    <textarea id="billing-address" name="address" rows="4" maxlength="500" autocomplete="street-address">{info.address}</textarea>
                </div>
                <div class="form-actions"><Submit label="Save contact" pending=contact.pending() /></div>
            </ActionForm>
        </section>
    }
}
