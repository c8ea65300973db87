//! Billing (Owners only): the plan and its period, each limit in use, and
//! changing the plan with a confirmation that shows the price and when it
//! takes effect.
use crate::api::billing::{CancelPlanChange, ChangePlan, load_billing, preview_plan_change};
use crate::api::orgs::OrgNav;
use crate::components::dialog::{hide, show};
use crate::components::feedback::{ActionError, ActionSuccess, ErrorAlert, Loaded, Loading, suspense_body};
use crate::components::org::use_orgs;
use crate::components::page_data::page_data;
use crate::domain::OrgId;
use crate::domain::billing::{BillingOverview, ChangePreview, Fill, LimitUse, usd};
use crate::domain::money::count;
use crate::domain::plan::{Limit, Plan, PlanId};
use crate::domain::policy::OrgAction;
use leptos::html::Dialog;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn BillingPage() -> impl IntoView {
    let orgs = use_orgs();
    view! {
        <Title text="Billing" />
        <header class="page-header">
            <div>
                <h1>"Billing"</h1>
                <p class="page-subtitle muted">"Your plan, what it allows, and what it costs."</p>
            </div>
        </header>
        <Loaded resource=orgs.nav then=|nav: OrgNav| {
            let org = nav.current_for(OrgAction::ManageOrganization)?;
            Ok(view! { <Billing org_id=org.id /> })
        } />
    }
}

#[component]
fn Billing(org_id: OrgId) -> impl IntoView {
    let change = ServerAction::<ChangePlan>::new();
    let cancel = ServerAction::<CancelPlanChange>::new();
    let overview = page_data(move || (change.version().get(), cancel.version().get()), move |_| load_billing(org_id));
    // The plan the confirmation is about (none: closed).
    let asked = RwSignal::new(None::<PlanId>);
    view! {
        <div class="stack">
            <ActionSuccess action=change message="Plan changed." />
            <ActionError action=cancel />
            <Loaded resource=overview then=move |o: BillingOverview| Ok(view! { <Overview o cancel asked org_id /> }) />
        </div>
        <Confirm org_id asked change />
    }
}

#[component]
fn Overview(o: BillingOverview, cancel: ServerAction<CancelPlanChange>, asked: RwSignal<Option<PlanId>>, org_id: OrgId) -> impl IntoView {
    let current = o.plan.id;
    let keep = format!("Keep {}", o.plan.name);
    let scheduled = o.scheduled.clone().map(move |s| {
        view! {
            <div class="alert alert-warning" role="status">
                {format!("{} starts on {}, when this period ends. ", s.to_name, s.at_label)}
                <ActionForm action=cancel attr:class="inline-form">
                    <input type="hidden" name="org_id" value=org_id.0 />
                    <button type="submit" class="btn btn-secondary btn-sm">{keep}</button>
                </ActionForm>
            </div>
        }
    });
    let bars = o.usage.into_iter().map(|u| view! { <LimitBar u /> }).collect_view();
    let plans = o.plans.into_iter().map(|p| view! { <PlanCard p current asked /> }).collect_view();
    view! {
        <section class="card" aria-labelledby="plan-title">
            <h2 id="plan-title" class="card-title">{format!("{} plan", o.plan.name)}</h2>
            <p>{price_line(&o.plan)}</p>
            <p class="muted">{format!("This period: {} ({}).", o.period_label, o.zone)}</p>
            {scheduled}
        </section>
        <section class="card" aria-labelledby="limits-title">
            <h2 id="limits-title" class="card-title">"Limits"</h2>
            <div class="limit-list">{bars}</div>
        </section>
        <section aria-labelledby="plans-title">
            <h2 id="plans-title" class="section-title">"Change plan"</h2>
            <div class="plan-grid">{plans}</div>
        </section>
    }
}

fn price_line(p: &Plan) -> String {
    let overage = match (p.overage_per_1000_events, p.limits.events_per_month) {
        (Some(price), Some(n)) => format!(", with {} events included, then ${} per 1,000", count(n as i64), price.usd_exact()),
        _ => String::new(),
    };
    format!("{} a month{overage}.", usd(p.monthly_cents))
}

fn amount(limit: Limit, n: u64) -> String {
    match limit {
        Limit::StoredBytes => format!("{} MB", count((n / 1_000_000) as i64)),
        _ => count(n.min(i64::MAX as u64) as i64),
    }
}

#[component]
fn LimitBar(u: LimitUse) -> impl IntoView {
    let label = u.limit.label();
    let of = u.max.map_or("unlimited".to_string(), |m| amount(u.limit, m));
    let percent = (u.basis_points().min(10_000) / 100) as u32;
    let class = match u.fill() {
        Fill::Normal => "limit-bar",
        Fill::Warning => "limit-bar limit-warning",
        Fill::Danger => "limit-bar limit-danger",
    };
    let text = format!("{} of {of}", amount(u.limit, u.used));
    view! {
        <div class="limit-row">
            <div class="limit-head"><span>{capitalised(label)}</span><span class="muted">{text.clone()}</span></div>
            {u.max.map(|_| view! {
                // A <progress>: its width needs no inline style, which the CSP refuses.
                <progress class=class max="100" value=percent aria-label=capitalised(label) aria-valuetext=text.clone()>{format!("{percent}%")}</progress>
            })}
        </div>
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

#[component]
fn PlanCard(p: Plan, current: PlanId, asked: RwSignal<Option<PlanId>>) -> impl IntoView {
    let id = p.id;
    let limits = Limit::ALL
        .into_iter()
        .map(|l| view! { <li>{format!("{}: {}", capitalised(l.label()), p.limits.get(l).map_or("unlimited".to_string(), |n| amount(l, n)))}</li> })
        .collect_view();
    view! {
        <article class="card plan-card" aria-labelledby=format!("plan-{}", id.as_str())>
            <h3 id=format!("plan-{}", id.as_str())>{p.name.clone()}</h3>
            <p class="plan-price">{price_line(&p)}</p>
            <ul class="plan-limits">{limits}</ul>
            {if id == current {
                view! { <p class="badge badge-success">"Current plan"</p> }.into_any()
            } else {
                view! { <button type="button" class="btn btn-secondary" on:click=move |_| asked.set(Some(id))>{format!("Switch to {}", p.name)}</button> }.into_any()
            }}
        </article>
    }
}

/// The confirmation: the price difference, when it applies, and why a
/// downgrade cannot be made yet.
#[component]
fn Confirm(org_id: OrgId, asked: RwSignal<Option<PlanId>>, change: ServerAction<ChangePlan>) -> impl IntoView {
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
            show(dialog);
        }
    });
    Effect::new(move |_| {
        if matches!(change.value().get(), Some(Ok(()))) {
            hide(dialog);
            asked.set(None);
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
        <input type="hidden" name="idempotency_key" value=p.key.clone() />
    }
}
