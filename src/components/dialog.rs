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
    let open = move |_| {
        if let Some(d) = dialog.get() {
            let _ = d.show_modal();
        }
    };
    let close = move || {
        if let Some(d) = dialog.get() {
            d.close();
        }
    };
    view! {
        <button type="button" class=class on:click=open aria-label=aria_label>{label}</button>
        <dialog node_ref=dialog class="dialog">
            <h2>{title}</h2>
            <div class="dialog-body"><p>{message}</p></div>
            <div class="dialog-actions">
                <button type="button" class="btn btn-secondary" on:click=move |_| close()>"Cancel"</button>
                <button
                    type="button"
                    class="btn btn-danger"
                    on:click=move |_| {
                        close();
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
