//! Creating an organization.
use crate::components::feedback::ActionError;
use crate::components::form::{Field, KindSelect, Submit};
use crate::components::org::use_orgs;
use crate::domain::OrgKind;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NewOrgPage() -> impl IntoView {
    let create = use_orgs().create;
    view! {
        <Title text="New organization" />
        <header class="page-header">
            <div>
                <h1>"Create an organization"</h1>
                <p class="page-subtitle muted">"You will be its first Owner. You can rename it later."</p>
            </div>
        </header>
        <section class="card">
            <ActionForm action=create attr:class="form">
                <ActionError action=create />
                <Field label="Name" name="name" required=true autofocus=true maxlength=100 hint="Usually your company or team name." />
                <KindSelect selected=OrgKind::Company />
                <div class="form-actions">
                    <Submit label="Create organization" pending=create.pending() />
                    <a class="btn btn-ghost" href="/">"Cancel"</a>
                </div>
            </ActionForm>
        </section>
    }
}
