//! Billing (Owners only): the plan and its period, each limit in use, and
//! changing the plan with a confirmation that shows the price and when it
//! takes effect; the payment method and billing contact (`payment`).
mod change;
mod payment;

use crate::api::billing::{CancelPlanChange, ChangePlan, RemoveCard, SaveBillingContact, SaveCard, load_billing};
use crate::api::orgs::OrgNav;
use crate::components::feedback::{ActionError, Loaded};
use crate::components::org::use_orgs;
use crate::components::page_data::page_data;
use crate::domain::OrgId;
use crate::domain::billing::{BillingOverview, Fill, LimitUse, usd};
use crate::domain::money::count;
use crate::domain::org::capitalise;
use crate::domain::plan::{Limit, Plan, PlanId};
use crate::domain::policy::OrgAction;
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
    let (save, remove, contact) = (ServerAction::<SaveCard>::new(), ServerAction::<RemoveCard>::new(), ServerAction::<SaveBillingContact>::new());
    // Reloaded after a success only: a refused card must not wipe the form.
    let done = RwSignal::new(0u32);
    let count_ok = move |ok: bool| {
        if ok {
            done.update(|n| *n += 1);
        }
    };
    Effect::new(move |_| count_ok(matches!(change.value().get(), Some(Ok(_)))));
    Effect::new(move |_| count_ok(matches!(cancel.value().get(), Some(Ok(_)))));
    Effect::new(move |_| count_ok(matches!(save.value().get(), Some(Ok(_)))));
    Effect::new(move |_| count_ok(matches!(remove.value().get(), Some(Ok(_)))));
    Effect::new(move |_| count_ok(matches!(contact.value().get(), Some(Ok(_)))));
    let overview = page_data(move || done.get(), move |_| load_billing(org_id));
    // The plan the confirmation is about (none: closed).
    let asked = RwSignal::new(None::<PlanId>);
    view! {
        <div class="stack">
            {move || change.value().get().and_then(Result::ok).map(|said| view! { <div class="alert alert-success" role="status">{said}</div> })}
            <ActionError action=cancel />
            <Loaded resource=overview then=move |o: BillingOverview| {
                let info = o.payment.clone();
                Ok(view! {
                    <Overview o cancel asked org_id />
                    <payment::Payment info org_id save remove contact />
                })
            } />
        </div>
        <change::Confirm org_id asked change />
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
            <h2 id="plan-title" class="card-title" tabindex="-1">{format!("{} plan", o.plan.name)}</h2>
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
            <div class="limit-head"><span>{capitalise(label)}</span><span class="muted">{text.clone()}</span></div>
            {u.max.map(|_| view! {
                // A <progress>: its width needs no inline style, which the CSP refuses.
                <progress class=class max="100" value=percent aria-label=capitalise(label) aria-valuetext=text.clone()>{format!("{percent}%")}</progress>
            })}
        </div>
    }
}

#[component]
fn PlanCard(p: Plan, current: PlanId, asked: RwSignal<Option<PlanId>>) -> impl IntoView {
    let id = p.id;
    let limits = Limit::ALL
        .into_iter()
        .map(|l| view! { <li>{format!("{}: {}", capitalise(l.label()), p.limits.get(l).map_or("unlimited".to_string(), |n| amount(l, n)))}</li> })
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
