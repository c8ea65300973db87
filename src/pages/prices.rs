//! Model prices (Owners and Admins): the catalog events are costed with,
//! a form to add a corrected or new price from a start time, and a button
//! that recomputes the costs of a model's events (and the dashboards' sums).
use crate::api::orgs::OrgNav;
use crate::api::prices::{AddPrice, RecomputeCosts, load_prices, recompute_status};
use crate::components::feedback::{ActionError, ActionSuccess, Loaded, suspense_body};
use crate::components::form::Submit;
use crate::components::format::date_time;
use crate::components::org::use_orgs;
use crate::components::page_data::PageData;
use crate::components::page_data::page_data;
use crate::components::table::DataTable;
use crate::domain::money::Nanos;
use crate::domain::money::count;
use crate::domain::policy::OrgAction;
use crate::domain::prices::{PriceList, RecomputeJob, RecomputeState};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn PricesPage() -> impl IntoView {
    let orgs = use_orgs();
    view! {
        <Title text="Model prices" />
        <header class="page-header">
            <div>
                <h1>"Model prices"</h1>
                <p class="page-subtitle muted">"Dollars per million tokens. Events without their own cost are priced with the version in force when they happened."</p>
            </div>
        </header>
        <Loaded resource=orgs.nav then=|nav: OrgNav| {
            let org = nav.current_for(OrgAction::ManagePrices)?;
            Ok(view! { <Prices org_id=org.id.0 /> })
        } />
    }
}

#[component]
fn Prices(org_id: i64) -> impl IntoView {
    let add = ServerAction::<AddPrice>::new();
    let recompute = ServerAction::<RecomputeCosts>::new();
    let prices = page_data(move || add.version().get(), move |_| load_prices(org_id));
    // The newest recompute, asked again each second while one runs (the
    // job runs in the background, in chunks).
    let tick = RwSignal::new(0u32);
    let status = page_data(move || (recompute.version().get(), tick.get()), move |_| recompute_status(org_id));
    Effect::new(move |_| {
        if let Some(Ok(Some(job))) = status.get()
            && job.state == RecomputeState::Running
        {
            set_timeout(move || tick.update(|t| *t += 1), std::time::Duration::from_secs(1));
        }
    });
    view! {
        <div class="stack">
            <section class="card" aria-labelledby="add-price">
                <h2 id="add-price" class="card-title">"Add a price"</h2>
                <ActionForm action=add attr:class="form form-grid">
                    <ActionError action=add />
                    <ActionSuccess action=add message="Saved. New events use it; recompute to re-price earlier ones." />
                    <input type="hidden" name="org_id" value=org_id />
                    <div class="field"><label for="pr-provider">"Provider"</label><input id="pr-provider" name="provider" required maxlength="200" placeholder="openai" /></div>
                    <div class="field"><label for="pr-model">"Model"</label><input id="pr-model" name="model" required maxlength="200" placeholder="gpt-4o" /></div>
                    <div class="field"><label for="pr-input">"Input, $ per million"</label><input id="pr-input" name="input" required inputmode="decimal" placeholder="2.50" /></div>
                    <div class="field"><label for="pr-output">"Output, $ per million"</label><input id="pr-output" name="output" required inputmode="decimal" placeholder="10.00" /></div>
                    <div class="field"><label for="pr-from">"In force from (UTC)"</label><input id="pr-from" name="effective_from" type="date" aria-describedby="pr-from-hint" /><p class="hint" id="pr-from-hint">"Empty: from now."</p></div>
                    <div class="field">
                        <label class="checkbox"><input type="checkbox" name="default_provider" value="true" aria-describedby="pr-default-hint" />"Default provider of this model"</label>
                        <p class="hint" id="pr-default-hint">"Prices the model's calls that name no provider. Built-in prices are their maker's and count as defaults; yours win over them."</p>
                    </div>
                    <div class="form-actions"><Submit label="Add price" pending=add.pending() /></div>
                </ActionForm>
            </section>
            <ActionError action=recompute />
            <RecomputeProgress status />
            <Loaded resource=prices then=move |list: PriceList| Ok(view! { <PriceTable list recompute /> }) />
        </div>
    }
}

#[component]
fn PriceTable(list: PriceList, recompute: ServerAction<RecomputeCosts>) -> impl IntoView {
    let org_id = list.org_id;
    view! {
        <DataTable label="Prices" columns=&["Provider", "Model", "Input", "Output", "In force from", "Source", "Default", "Actions"]>
            {list.rows.into_iter().map(|p| {
                let model = p.model.clone();
                view! {
                    <tr>
                        <td>{p.provider.clone()}</td>
                        <td>{p.model.clone()}</td>
                        <td class="num">{format!("${}", p.input.usd_exact())}</td>
                        <td class="num">{format!("${}", p.output.usd_exact())}</td>
                        <td>{date_time(&p.effective_from)}</td>
                        <td>{if p.built_in { "built-in" } else { "your organization" }}</td>
                        <td>{if p.default_provider { "yes" } else { "" }}</td>
                        <td>
                            <button type="button" class="btn btn-secondary btn-sm" disabled=move || recompute.pending().get()
                                aria-label=format!("Recompute costs of {}", p.model)
                                on:click=move |_| { recompute.dispatch(RecomputeCosts { org_id, model: model.clone() }); }>
                                "Recompute costs"
                            </button>
                        </td>
                    </tr>
                }
            }).collect_view()}
        </DataTable>
    }
}

/// Where the newest recompute stands: a progress bar while it runs, then
/// what it changed. Kept on screen while the next answer loads.
#[component]
fn RecomputeProgress(status: PageData<Result<Option<RecomputeJob>, AppError>>) -> impl IntoView {
    view! {
        <div role="status" aria-live="polite">
            <Transition fallback=|| ()>
                {suspense_body!(async move {
                    match status.await {
                        Ok(Some(job)) => view! { <RecomputeLine job /> }.into_any(),
                        Ok(None) | Err(_) => ().into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn RecomputeLine(job: RecomputeJob) -> impl IntoView {
    let figures = format!("{} of {} events", count(job.events_done), count(job.events_total));
    match job.state {
        RecomputeState::Running => view! {
            <p class="recompute">
                <label for="recompute-progress">{format!("Recomputing {}: {figures}", job.model)}</label>
                <progress id="recompute-progress" max="100" value=job.percent()>{format!("{}%", job.percent())}</progress>
            </p>
        }
        .into_any(),
        RecomputeState::Done => view! {
            <p class="muted">
                {format!("Recomputed {}: {} events looked at, {} changed, by {} in all.", job.model, count(job.events_done), count(job.changed), Nanos(job.delta).usd_exact())}
            </p>
        }
        .into_any(),
        RecomputeState::Failed => view! {
            <p class="alert alert-error">
                {format!("The recompute of {} stopped after {figures}. {}", job.model, job.error.unwrap_or_default())}
            </p>
        }
        .into_any(),
    }
}
