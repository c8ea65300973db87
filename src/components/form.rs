//! Labelled form fields with hints wired up for screen readers.
use crate::domain::{OrgKind, ProjectRole};
use leptos::prelude::*;

#[component]
pub fn Field(
    label: &'static str,
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional, into)] value: Option<String>,
    #[prop(optional)] required: bool,
    #[prop(optional)] autofocus: bool,
    #[prop(optional)] minlength: Option<u32>,
    #[prop(optional)] maxlength: Option<u32>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let hint_id = hint.map(|_| format!("{id}-hint"));
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input
                id=id
                name=name
                type=kind
                value=value
                autocomplete=autocomplete
                required=required
                autofocus=autofocus
                minlength=minlength
                maxlength=maxlength
                aria-describedby=hint_id.clone()
            />
            {hint.map(|h| view! { <p class="hint" id=hint_id>{h}</p> })}
        </div>
    }
}

/// A submit button that shows progress while its action runs.
#[component]
pub fn Submit(label: &'static str, pending: Memo<bool>, #[prop(default = "btn btn-primary")] class: &'static str) -> impl IntoView {
    view! {
        <button type="submit" class=class disabled=move || pending.get() aria-busy=move || pending.get().to_string()>
            {label}
        </button>
    }
}

/// The organization type, as a select.
#[component]
pub fn KindSelect(selected: OrgKind) -> impl IntoView {
    view! {
        <div class="field">
            <label for="field-kind">"Type"</label>
            <select id="field-kind" name="kind">
                {OrgKind::ALL
                    .into_iter()
                    .map(|k| view! { <option value=k.as_str() selected=k == selected>{k.label()}</option> })
                    .collect_view()}
            </select>
        </div>
    }
}

/// `<option>`s for every project role, from the one list `ProjectRole::ALL`.
#[component]
pub fn ProjectRoleOptions(selected: ProjectRole) -> impl IntoView {
    ProjectRole::ALL.into_iter().map(|r| view! { <option value=r.as_str() selected=r == selected>{r.label()}</option> }).collect_view()
}
