//! A project's end users (the `user` its applications report): how many were
//! active, what one costs and calls on average, the top ten by cost and by
//! requests, those averages over time, and the costliest users × models.
//! Filters live in the URL, as on the dashboard.
use crate::api::analytics::load_users;
use crate::components::analytics_page::{AnalyticsPage, ExportLinks, Stat};
use crate::components::chart::ChartCard;
use crate::components::first_event::FirstEvent;
use crate::components::table::{DataTable, TableFrame};
use crate::domain::analytics::{Filters, UsageGroup};
use crate::domain::money::count;
use crate::domain::reports::{Pivot, UsersReport};
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn ProjectUsersPage() -> impl IntoView {
    view! { <AnalyticsPage section="users" load=load_users environments=|d: &UsersReport| d.environments.clone() render=|d, base, filters| view! { <Users d base filters /> } /> }
}

#[component]
fn Users(d: UsersReport, base: String, filters: Filters) -> impl IntoView {
    if d.active_users == 0 && d.unnamed_requests == 0 {
        return view! { <FirstEvent title=format!("No usage in {}", d.window.label) endpoint=d.endpoint base=base.clone() /> }.into_any();
    }
    if d.active_users == 0 {
        return view! {
            <section class="empty-state">
                <h2>{format!("No calls named an end user in {}", d.window.label)}</h2>
                <p class="muted">"Send the end user's id in each event's " <code>"user"</code> " field to see who uses this project and what they cost."</p>
            </section>
        }
        .into_any();
    }
    let log = format!("{base}/requests");
    view! {
        <dl class="stats">
            <Stat label="Active end users" value=count(d.active_users) />
            <Stat label="Cost per user" value=d.cost_per_user().usd_display() />
            <Stat label="Requests per user" value=d.requests_per_user() />
        </dl>
        {(d.unnamed_requests > 0).then(|| view! {
            <p class="alert alert-info">{format!("{} calls named no end user; they are not counted on this page.", count(d.unnamed_requests))}</p>
        })}
        <div class="dashboard-tables">
            <TopUsers label="Top users by cost" rows=d.top_by_cost log=log.clone() filters=filters.clone() />
            <TopUsers label="Top users by requests" rows=d.top_by_requests log filters=filters.clone() />
        </div>
        <ChartCard title="Average per active user (UTC)" chart=d.timeline script=d.charts_script />
        <PivotTable pivot=d.pivot />
        <ExportLinks base filters links=&[("by end user", "usage.csv?group_by=user")] />
    }
    .into_any()
}

/// Ten end users, each a link to their calls in the request log (in the same range).
#[component]
fn TopUsers(label: &'static str, rows: Vec<UsageGroup>, log: String, filters: Filters) -> impl IntoView {
    let range = filters.to_query();
    view! {
        <section class="stack">
            <h2 class="card-title">{label}</h2>
            <DataTable label=label columns=&["End user", "Requests", "Tokens", "Cost"]>
                {rows
                    .into_iter()
                    .map(|r| {
                        let user = r.key.unwrap_or_default();
                        let href = format!("{log}?user={}&{range}", crate::urls::query_value(&user));
                        view! {
                            <tr>
                                <td><A href=href>{user}</A></td>
                                <td class="num">{count(r.requests)}</td>
                                <td class="num">{count(r.tokens)}</td>
                                <td class="num">{r.cost.usd_display()}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </DataTable>
        </section>
    }
}

/// The costliest users (rows) × models (columns): cost, then requests and tokens.
#[component]
fn PivotTable(pivot: Pivot) -> impl IntoView {
    let Pivot { models, rows } = pivot;
    view! {
        <section class="stack">
            <h2 class="card-title">"Top users by model"</h2>
            <p class="muted">"Each cell: cost, then requests · tokens."</p>
            <TableFrame label="Top users by model">
                <table class="table pivot">
                    <thead>
                        <tr>
                            <th scope="col">"End user"</th>
                            {models.into_iter().map(|m| view! { <th scope="col">{m}</th> }).collect_view()}
                        </tr>
                    </thead>
                    <tbody>
                        {rows
                            .into_iter()
                            .map(|row| {
                                view! {
                                    <tr>
                                        <th scope="row">{row.user}</th>
                                        {row
                                            .cells
                                            .into_iter()
                                            .map(|cell| match cell {
                                                Some(c) => view! {
                                                    <td class="num">
                                                        {c.cost.usd_display()}
                                                        <span class="cell-detail">{format!("{} · {}", count(c.requests), count(c.tokens))}</span>
                                                    </td>
                                                }
                                                .into_any(),
                                                None => view! { <td class="num muted">"—"</td> }.into_any(),
                                            })
                                            .collect_view()}
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </TableFrame>
        </section>
    }
}
