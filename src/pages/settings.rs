//! Organization settings (Owners only): general details and the danger zone.
use crate::api::orgs::{BillingZone, DeleteOrg, OrgNav, SetBillingZone, UpdateOrg, load_billing_zone, load_deletion_preview};
use crate::components::dialog::{hide, show};
use crate::components::feedback::{ActionError, ActionSuccess, ErrorAlert, Loaded, Loading, suspense_body};
use crate::components::form::KindSelect;
use crate::components::form::Submit;
use crate::components::org::use_orgs;
use crate::components::page_data::page_data;
use crate::domain::OrgSummary;
use crate::domain::policy::OrgAction;
use leptos::html::Dialog;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SettingsPage() -> impl IntoView {
    let orgs = use_orgs();
    view! {
        <Title text="Settings" />
        <Loaded resource=orgs.nav then=|nav: OrgNav| {
            let org = nav.current_for(OrgAction::ManageOrganization)?;
            Ok(view! { <Settings org /> })
        } />
    }
}

#[component]
fn Settings(org: OrgSummary) -> impl IntoView {
    let orgs = use_orgs();
    let update: ServerAction<UpdateOrg> = orgs.update;
    let danger = org.clone();
    let zone_org = org.clone();
    view! {
        <header class="page-header">
            <div>
                <h1>"Settings"</h1>
                <p class="page-subtitle muted">{org.name.clone()}</p>
            </div>
        </header>
        <div class="stack">
            <section class="card" aria-labelledby="general-title">
                <h2 id="general-title" class="card-title">"General"</h2>
                <ActionForm action=update attr:class="form">
                    <ActionError action=update />
                    <ActionSuccess action=update message="Saved." />
                    <input type="hidden" name="org_id" value=org.id.0 />
                    <div class="field">
                        <label for="org-name">"Organization name"</label>
                        <input id="org-name" name="name" required maxlength="100" value=org.name.clone() />
                    </div>
                    <p class="hint">
                        "Its pages are under " <code>{crate::urls::org_path(&org.slug, "")}</code>
                        ". The address stays when the name changes, so links keep working."
                    </p>
                    <KindSelect selected=org.kind />
                    <div class="form-actions"><Submit label="Save changes" pending=update.pending() /></div>
                </ActionForm>
            </section>
            <BillingZoneCard org=zone_org />
            <DangerZone org=danger delete=orgs.delete />
        </div>
    }
}

/// The zone billing periods follow; typing filters the IANA names offered.
#[component]
fn BillingZoneCard(org: OrgSummary) -> impl IntoView {
    let save = ServerAction::<SetBillingZone>::new();
    let id = org.id;
    let zone = page_data(move || save.version().get(), move |_| load_billing_zone(id));
    view! {
        <section class="card" aria-labelledby="billing-zone-title">
            <h2 id="billing-zone-title" class="card-title">"Billing period"</h2>
            <Loaded resource=zone inline=true then=move |z: BillingZone| {
                let options = z.zones.into_iter().map(|name| view! { <option value=name /> }).collect_view();
                Ok(view! {
                    <ActionForm action=save attr:class="form">
                        <ActionError action=save />
                        <ActionSuccess action=save message="Saved. Periods start at midnight in this zone." />
                        <input type="hidden" name="org_id" value=org.id.0 />
                        <div class="field">
                            <label for="billing-zone">"Time zone"</label>
                            <input id="billing-zone" name="zone" required list="billing-zones" autocomplete="off" value=z.zone aria-describedby="billing-zone-hint" />
                            <datalist id="billing-zones">{options}</datalist>
                        </div>
                        <p id="billing-zone-hint" class="hint">
                            "Billing periods, plan limits and invoices run from 00:00 on the 1st of each month in this zone (an IANA name, such as Europe/Paris). The events counted this month stay counted when it changes."
                        </p>
                        <div class="form-actions"><Submit label="Save time zone" pending=save.pending() /></div>
                    </ActionForm>
                })
            } />
        </section>
    }
}

#[component]
fn DangerZone(org: OrgSummary, delete: ServerAction<DeleteOrg>) -> impl IntoView {
    let dialog = NodeRef::<Dialog>::new();
    let opened = RwSignal::new(0u32);
    let preview = page_data(move || opened.get(), move |n| async move { if n == 0 { None } else { Some(load_deletion_preview(org.id.0).await) } });
    let typed = RwSignal::new(String::new());
    let name = org.name.clone();
    let matches = {
        let name = name.clone();
        move || typed.get().trim() == name
    };
    view! {
        <section class="card danger-zone" aria-labelledby="danger-title">
            <h2 id="danger-title" class="card-title">"Danger zone"</h2>
            <p>"Deleting the organization removes its projects, members, invitations, API keys, usage and invoices. This cannot be undone."</p>
            <button type="button" class="btn btn-danger" on:click=move |_| { opened.update(|n| *n += 1); show(dialog); }>"Delete organization"</button>
        </section>
        <dialog node_ref=dialog class="dialog" aria-labelledby="delete-title">
            <ActionForm action=delete attr:class="form">
                <h2 id="delete-title">"Delete " {name.clone()} "?"</h2>
                <div class="dialog-body stack">
                    <ActionError action=delete />
                    <p>"This permanently removes:"</p>
                    <Suspense fallback=|| view! { <Loading label="Counting…" /> }>
                        {suspense_body!(async move {
                            match preview.await {
                                Some(Ok(p)) => view! {
                                    <ul class="deletion-list">
                                        <li>{p.projects} " projects"</li>
                                        <li>{p.members} " members"</li>
                                        <li>{p.invitations} " invitations"</li>
                                        <li>{p.groups} " project groups"</li>
                                        <li>{p.api_keys} " API keys"</li>
                                        <li>{p.usage_events} " usage events"</li>
                                        <li>{p.invoices} " invoices"</li>
                                    </ul>
                                }.into_any(),
                                Some(Err(error)) => view! { <ErrorAlert error /> }.into_any(),
                                None => ().into_any(),
                            }
                        })}
                    </Suspense>
                    <input type="hidden" name="org_id" value=org.id.0 />
                    <div class="field">
                        <label for="delete-confirm">"Type " <strong>{name.clone()}</strong> " to confirm"</label>
                        <input id="delete-confirm" name="confirm" autocomplete="off" on:input=move |ev| typed.set(event_target_value(&ev)) />
                    </div>
                </div>
                <div class="dialog-actions">
                    <button type="button" class="btn btn-secondary" on:click=move |_| hide(dialog)>"Cancel"</button>
                    <button type="submit" class="btn btn-danger" disabled=move || !matches() || delete.pending().get()>"Delete organization"</button>
                </div>
            </ActionForm>
        </dialog>
    }
}
