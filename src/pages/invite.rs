//! Opening an invitation link: accept it, or learn clearly why not.
use crate::api::invitations::invitation;
use crate::components::auth::use_auth;
use crate::components::feedback::{ActionError, Loaded};
use crate::components::org::use_orgs;
use crate::components::page_data::page_data;
use crate::domain::team::InvitationView;
use crate::urls::query_value;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn InvitePage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let auth = use_auth();
    let accept = use_orgs().accept;
    let view_data = page_data(move || (token(), accept.version().get(), auth.logout.version().get()), |(t, ..)| invitation(t));
    view! {
        <Title text="Invitation" />
        <main class="auth-page" id="main">
            <div class="auth-card card">
                <a class="brand" href="/"><span class="brand-mark" aria-hidden="true"></span>"Plinth"</a>
                <Loaded resource=view_data then=move |v: InvitationView| {
                        let here = format!("/invite/{}", token());
                        Ok(match v {
                            InvitationView::Open { org_name, email, role, invited_by, signed_in } => view! {
                                <h1>"Join " {org_name.clone()}</h1>
                                <p>{invited_by.map(|n| format!("{n} invited you")).unwrap_or_else(|| "You are invited".into())} " to join " <strong>{org_name}</strong> " as " {role.label()} "."</p>
                                <p class="muted">"This invitation is for " <strong>{email.clone()}</strong> "."</p>
                                {if signed_in {
                                    view! {
                                        <ActionForm action=accept attr:class="form">
                                            <ActionError action=accept />
                                            <input type="hidden" name="token" value=token() />
                                            <button type="submit" class="btn btn-primary" disabled=move || accept.pending().get()>"Accept invitation"</button>
                                        </ActionForm>
                                    }.into_any()
                                } else {
                                    view! {
                                        <div class="row">
                                            <a class="btn btn-primary" href=format!("/signup?email={}&next={}", query_value(&email), query_value(&here))>"Create account"</a>
                                            <a class="btn btn-secondary" href=format!("/login?next={}", query_value(&here))>"Sign in"</a>
                                        </div>
                                    }.into_any()
                                }}
                            }.into_any(),
                            InvitationView::WrongAccount { org_name, email, signed_in_as } => view! {
                                <h1>"Wrong account"</h1>
                                <p>"This invitation to " <strong>{org_name}</strong> " is for " <strong>{email}</strong> ", but you are signed in as " {signed_in_as} "."</p>
                                <p class="muted">"Sign out, then open the link again and sign in as the invited address."</p>
                                <ActionForm action=auth.logout><button type="submit" class="btn btn-secondary">"Sign out"</button></ActionForm>
                            }.into_any(),
                            InvitationView::AlreadyAccepted { org_name } => view! {
                                <h1>"Invitation already used"</h1>
                                <p>"This invitation to " <strong>{org_name}</strong> " has already been accepted. Each link works once."</p>
                                <a class="btn btn-primary" href="/">"Go to the dashboard"</a>
                            }.into_any(),
                            InvitationView::Revoked => view! {
                                <h1>"Invitation revoked"</h1>
                                <p>"Whoever invited you has withdrawn this invitation. Ask them for a new one if you still need access."</p>
                            }.into_any(),
                            InvitationView::Expired { org_name } => view! {
                                <h1>"Invitation expired"</h1>
                                <p>"Invitations last 7 days. Ask someone at " <strong>{org_name}</strong> " to send a new one."</p>
                            }.into_any(),
                            InvitationView::NotFound => view! {
                                <h1>"Invitation not found"</h1>
                                <p>"This link is not valid. It may be mistyped, or a newer link may have replaced it."</p>
                            }.into_any(),
                        })
                } />
            </div>
        </main>
    }
}
