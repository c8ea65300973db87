//! Confirmation dialogs on the native <dialog> element: focus is trapped,
//! Escape cancels, and the page behind is inert.
use leptos::html::Dialog;
use leptos::prelude::*;

/// A button that asks before it acts. `on_confirm` runs only after the user
/// confirms in the dialog.
#[component]
pub fn ConfirmButton(
    #[prop(into)] label: String,
    #[prop(into)] title: String,
    #[prop(into)] message: String,
    #[prop(into)] confirm_label: String,
    #[prop(into)] on_confirm: Callback<()>,
    #[prop(default = "btn btn-danger btn-sm")] class: &'static str,
    #[prop(optional, into)] aria_label: Option<String>,
) -> impl IntoView {
    let dialog = NodeRef::<Dialog>::new();
    view! {
        <button type="button" class=class on:click=move |_| show(dialog) aria-label=aria_label>{label}</button>
        <ConfirmDialog dialog title message confirm_label on_confirm />
    }
}

/// The confirmation dialog alone, for a trigger that lives elsewhere. Render
/// it outside anything that can be hidden (a menu panel, say): a modal dialog
/// inside a hidden element is invisible yet still makes the page inert.
#[component]
pub fn ConfirmDialog(
    dialog: NodeRef<Dialog>,
    #[prop(into)] title: String,
    #[prop(into)] message: String,
    #[prop(into)] confirm_label: String,
    #[prop(into)] on_confirm: Callback<()>,
) -> impl IntoView {
    let name = title.clone();
    view! {
        <dialog node_ref=dialog class="dialog" aria-label=name>
            <h2>{title}</h2>
            <div class="dialog-body"><p>{message}</p></div>
            <div class="dialog-actions">
                <button type="button" class="btn btn-secondary" on:click=move |_| hide(dialog)>"Cancel"</button>
                <button
                    type="button"
                    class="btn btn-danger"
                    on:click=move |_| {
                        hide(dialog);
                        on_confirm.run(());
                    }
                >
                    {confirm_label}
                </button>
            </div>
        </dialog>
    }
}

/// Open a <dialog> as modal.
pub fn show(dialog: NodeRef<Dialog>) {
    if let Some(d) = dialog.get() {
        let _ = d.show_modal();
    }
}

pub fn hide(dialog: NodeRef<Dialog>) {
    if let Some(d) = dialog.get() {
        d.close();
    }
}
