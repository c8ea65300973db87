//! Opening and accepting an invitation link.
use crate::domain::team::InvitationView;
use crate::error::AppError;
use leptos::prelude::*;

/// What the link shows; works signed out too, so the page can offer sign-up.
#[server(endpoint = "invitations/view")]
pub async fn invitation(token: String) -> Result<InvitationView, AppError> {
    use crate::api::prelude::*;
    let user = crate::server::auth::current_user();
    repo::invitations::view(&state().db, &token, user.as_ref()).await
}

#[server(endpoint = "invitations/accept")]
pub async fn accept_invitation(token: String) -> Result<(), AppError> {
    use crate::api::prelude::*;
    let user = require_user()?;
    repo::invitations::accept(&state().db, &state().config.plans, &token, &user).await?;
    leptos_axum::redirect("/");
    Ok(())
}
