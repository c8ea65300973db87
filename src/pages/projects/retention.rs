//! How long a project keeps its raw events. Expired events are removed
//! hourly; the hourly rollups stay, so dashboards keep their history while
//! the request log only reaches back as far as the retention.
use crate::api::projects::SetRetention;
use crate::components::feedback::{ActionError, ActionSuccess};
use crate::components::form::Submit;
use crate::domain::project::{MAX_RETENTION_DAYS, Project};
use leptos::prelude::*;

#[component]
pub fn RetentionCard(project: Project) -> impl IntoView {
    let save = ServerAction::<SetRetention>::new();
    let current = project.retention_days;
    let choices = [(None, "Forever"), (Some(7), "7 days"), (Some(30), "30 days"), (Some(90), "90 days"), (Some(365), "1 year")];
    let custom = current.filter(|d| !choices.iter().any(|(c, _)| *c == Some(*d)));
    view! {
        <section class="card">
            <h2 class="card-title">"Data retention"</h2>
            <ActionForm action=save attr:class="form">
                <ActionError action=save />
                <ActionSuccess action=save message="Saved. Older events are removed within the hour." />
                <input type="hidden" name="project_id" value=project.id.0 />
                <div class="field">
                    <label for="p-retention">"Keep request details for"</label>
                    <select id="p-retention" name="days" aria-describedby="p-retention-hint">
                        {choices.into_iter().map(|(days, label)| {
                            let value = days.map(|d| d.to_string()).unwrap_or_default();
                            view! { <option value=value selected=current == days>{label}</option> }
                        }).collect_view()}
                        {custom.map(|d| view! { <option value=d.to_string() selected=true>{format!("{d} days")}</option> })}
                    </select>
                    <p class="hint" id="p-retention-hint">
                        {format!("Events older than this are removed, with their input and output text (at most {MAX_RETENTION_DAYS} days). Dashboards and totals keep their history.")}
                    </p>
                </div>
                <div class="form-actions"><Submit label="Save retention" pending=save.pending() /></div>
            </ActionForm>
        </section>
    }
}
