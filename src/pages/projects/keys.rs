//! A project's API keys: create one (its secret shown once), see them all,
//! rotate with a grace period, revoke.
use crate::api::keys::{CreateKey, ProjectKeys, RevokeKey, RotateKey, load_keys};
use crate::components::dialog::ConfirmButton;
use crate::components::feedback::{ActionError, Loaded};
use crate::components::form::Submit;
use crate::components::format::date;
use crate::components::org::use_org;
use crate::components::page_data::page_data;
use crate::components::table::DataTable;
use crate::domain::api_key::{ApiKeyRow, KeyStatus, NewKey};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

#[component]
pub fn ProjectKeysPage() -> impl IntoView {
    let create = ServerAction::<CreateKey>::new();
    let rotate = ServerAction::<RotateKey>::new();
    let revoke = ServerAction::<RevokeKey>::new();
    let params = use_params_map();
    // Reload the list only after a change succeeded: a refused form keeps
    // what the user typed. The newest secret stays on screen until the page
    // is left.
    let changed = RwSignal::new(0usize);
    let fresh = RwSignal::new(None::<NewKey>);
    Effect::new(move || {
        if let Some(Ok(k)) = create.value().get() {
            fresh.set(Some(k));
            changed.update(|n| *n += 1);
        }
    });
    Effect::new(move || {
        if let Some(Ok(k)) = rotate.value().get() {
            fresh.set(Some(k));
            changed.update(|n| *n += 1);
        }
    });
    Effect::new(move || {
        if let Some(Ok(())) = revoke.value().get() {
            changed.update(|n| *n += 1);
        }
    });
    let org = use_org();
    let keys = page_data(move || (org.get(), params.read().get("slug").unwrap_or_default(), changed.get()), |(org, slug, _)| load_keys(org, slug));
    view! {
        <ActionError action=rotate />
        <ActionError action=revoke />
        {move || fresh.get().map(|k| view! { <SecretOnce key=k /> })}
        <Loaded resource=keys inline=true then=move |k: ProjectKeys| {
            let project_id = k.project_id;
            Ok(view! {
                <p class="muted">"Applications send usage with a key: " <code>"Authorization: Bearer plk_…"</code> ". A key acts only in this project."</p>
                {if k.keys.is_empty() {
                    view! { <p class="empty-state muted">"No API keys yet."</p> }.into_any()
                } else {
                    view! {
                        <DataTable label="API keys" columns={&["Name", "Scope", "Key", "Created by", "Created", "Last used", "Expires", "Status", "Actions"]}>
                            {k.keys.into_iter().map(|key| view! { <KeyTr key project_id rotate revoke /> }).collect_view()}
                        </DataTable>
                    }.into_any()
                }}
                {k.can_create.then(|| view! { <NewKeyForm project_id create /> })}
            })
        } />
    }
}

/// The secret of a key just made: the only time anyone sees it.
#[component]
fn SecretOnce(key: NewKey) -> impl IntoView {
    let copied = RwSignal::new(false);
    let secret = key.secret.clone();
    let copy = move |_| {
        let _ = window().navigator().clipboard().write_text(&secret);
        copied.set(true);
    };
    view! {
        <section class="card notice" role="status" aria-labelledby="secret-title">
            <h2 id="secret-title" class="card-title">{format!("Your new key “{}”", key.name)}</h2>
            <p>"Copy it now: Plinth stores only a hash, so it cannot show the key again."</p>
            <div class="row">
                <input id="new-key-secret" class="mono" readonly aria-label="New API key" value=key.secret.clone() size="56" />
                <button type="button" class="btn btn-secondary" on:click=copy>{move || if copied.get() { "Copied" } else { "Copy" }}</button>
            </div>
        </section>
    }
}

#[component]
fn KeyTr(key: ApiKeyRow, project_id: i64, rotate: ServerAction<RotateKey>, revoke: ServerAction<RevokeKey>) -> impl IntoView {
    let id = key.id;
    let grace = RwSignal::new("1h".to_string());
    let badge = match key.status {
        KeyStatus::Active => "badge badge-success",
        KeyStatus::Expiring => "badge badge-warning",
        KeyStatus::Expired | KeyStatus::Revoked => "badge",
    };
    let manage = key.can_manage && key.status.works();
    let rotatable = manage && !key.rotated;
    let name = key.name.clone();
    view! {
        <tr>
            <td>{key.name.clone()}</td>
            <td>{key.scope.as_str()}</td>
            <td><code>{key.hint.clone()}</code></td>
            <td>{key.created_by.clone().unwrap_or_else(|| "—".into())}</td>
            <td>{date(&key.created_at)}</td>
            <td>{key.last_used_at.as_ref().map(date).unwrap_or_else(|| "Never".into())}</td>
            <td>{key.expires_at.as_ref().map(date).unwrap_or_else(|| "Never".into())}</td>
            <td><span class=badge>{key.status.label()}</span></td>
            <td>
                <div class="row">
                    {rotatable.then(|| {
                        let name = name.clone();
                        view! {
                            <select aria-label=format!("When {name} stops after rotation") on:change=move |ev| grace.set(event_target_value(&ev))>
                                <option value="1h" selected=true>"Old key works 1 hour"</option>
                                <option value="24h">"Old key works 24 hours"</option>
                                <option value="none">"Old key stops now"</option>
                            </select>
                            <ConfirmButton label="Rotate" class="btn btn-secondary btn-sm" aria_label=format!("Rotate {name}") title=format!("Rotate {name}?")
                                message="A new key replaces this one, with the same name, scope and expiry. The old key stops when the grace period you chose ends: update your applications before then."
                                confirm_label="Rotate"
                                on_confirm=move |_| { rotate.dispatch(RotateKey { project_id, key_id: id, grace: grace.get_untracked() }); } />
                        }
                    })}
                    {manage.then(|| view! {
                        <ConfirmButton label="Revoke" aria_label=format!("Revoke {name}") title=format!("Revoke {name}?")
                            message="Applications using this key are refused from their next request. This cannot be undone."
                            confirm_label="Revoke"
                            on_confirm=move |_| { revoke.dispatch(RevokeKey { project_id, key_id: id }); } />
                    })}
                </div>
            </td>
        </tr>
    }
}

#[component]
fn NewKeyForm(project_id: i64, create: ServerAction<CreateKey>) -> impl IntoView {
    let expiry = RwSignal::new("90".to_string());
    view! {
        <section class="card">
            <h2 class="card-title">"Create a key"</h2>
            <ActionForm action=create attr:class="form">
                <ActionError action=create />
                <input type="hidden" name="project_id" value=project_id />
                <div class="field">
                    <label for="key-name">"Name"</label>
                    <input id="key-name" name="name" required maxlength="60" autocomplete="off" aria-describedby="key-name-hint" />
                    <p class="hint" id="key-name-hint">"Say where it is used, e.g. “chat backend, production”."</p>
                </div>
                <div class="field">
                    <label for="key-scope">"Scope"</label>
                    <select id="key-scope" name="scope">
                        <option value="ingest" selected=true>"Ingest: send usage events"</option>
                        <option value="read">"Read: query usage"</option>
                        <option value="all">"All: ingest and read"</option>
                    </select>
                </div>
                <div class="field">
                    <label for="key-expiry">"Expires"</label>
                    <select id="key-expiry" on:change=move |ev| expiry.set(event_target_value(&ev))>
                        <option value="30">"In 30 days"</option>
                        <option value="60">"In 60 days"</option>
                        <option value="90" selected=true>"In 90 days"</option>
                        <option value="365">"In 1 year"</option>
                        <option value="never">"Never"</option>
                        <option value="custom">"On a date…"</option>
                    </select>
                </div>
                {move || if expiry.get() == "custom" {
                    view! {
                        <div class="field">
                            <label for="key-expiry-date">"Expiry date"</label>
                            <input id="key-expiry-date" name="expires" type="date" required aria-describedby="key-expiry-hint" />
                            <p class="hint" id="key-expiry-hint">"From tomorrow, up to five years ahead. The key stops at the end of that day (UTC)."</p>
                        </div>
                    }.into_any()
                } else {
                    view! { <input type="hidden" name="expires" value=expiry.get() /> }.into_any()
                }}
                <div class="form-actions"><Submit label="Create key" pending=create.pending() /></div>
            </ActionForm>
        </section>
    }
}
