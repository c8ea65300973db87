//! Sign-up, sign-in, sign-out and the profile.
use crate::domain::User;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
mod ssr {
    pub use crate::domain::{Email, Password, PersonName};
    pub use crate::server::{AppState, auth};
    pub use leptos::prelude::expect_context;
    pub use tower_sessions::Session;

    pub async fn session() -> Result<Session, crate::error::AppError> {
        leptos_axum::extract::<Session>().await.map_err(crate::error::AppError::internal)
    }

    /// The client's address, for throttling (see `http::client_ip`).
    pub async fn client_address(state: &AppState) -> String {
        use axum::extract::ConnectInfo;
        let Ok(ConnectInfo(peer)) = leptos_axum::extract::<ConnectInfo<std::net::SocketAddr>>().await else {
            return "unknown".into();
        };
        let headers = leptos_axum::extract::<axum::http::HeaderMap>().await.unwrap_or_default();
        crate::server::http::client_bucket(crate::server::http::client_ip(&state.config, peer.ip(), &headers))
    }

    /// Give the browser its device cookie (`auth::sign_in`).
    pub fn set_device_cookie(state: &AppState, token: &str) {
        let cookie = auth::sign_in::device_cookie(token, state.config.cookie_secure);
        if let Ok(value) = axum::http::HeaderValue::from_str(&cookie) {
            expect_context::<leptos_axum::ResponseOptions>().append_header(axum::http::header::SET_COOKIE, value);
        }
    }
}

/// The signed-in user, or `None`.
#[server(endpoint = "me")]
pub async fn me() -> Result<Option<User>, AppError> {
    Ok(ssr::auth::current_user())
}

#[server(endpoint = "signup")]
pub async fn sign_up(name: String, email: String, password: String, next: Option<String>) -> Result<User, AppError> {
    use ssr::*;
    let name = PersonName::parse(&name)?;
    let email = Email::parse(&email)?;
    let password = Password::parse(password)?;
    let state = expect_context::<AppState>();
    let address = client_address(&state).await;
    let slot = state
        .throttle
        .sign_up
        .acquire(&address, 1)
        .map_err(|wait| AppError::TooManyRequests(auth::throttle::wait_message("Too many sign-ups from your network.", wait)))?;
    if let Err(weak) = auth::password::check_strength(&password, &[name.as_str(), email.as_str()]).await {
        // Choosing a better password is not another sign-up.
        state.throttle.sign_up.release(&address, slot);
        return Err(weak);
    }
    let user = auth::create_user(&state, name, email, password).await?;
    // The browser that made the account is one of its trusted devices.
    set_device_cookie(&state, &auth::sign_in::trust_device(&state.db, user.id.0).await?);
    auth::start_session(&session().await?, &user).await?;
    let next = crate::server::redirect::same_origin_path(&state.config.public_url, next.as_deref());
    leptos_axum::redirect(&crate::server::org_links::after_sign_in(&state, &user, next).await?);
    Ok(user)
}

#[server(endpoint = "login")]
pub async fn log_in(email: String, password: String, next: Option<String>) -> Result<User, AppError> {
    use ssr::*;
    let state = expect_context::<AppState>();
    let headers = leptos_axum::extract::<axum::http::HeaderMap>().await.unwrap_or_default();
    let device = auth::sign_in::device_token(&headers);
    let signed_in = auth::authenticate(&state, &email, password, &client_address(&state).await, device.as_deref()).await?;
    if let Some(token) = &signed_in.device_token {
        set_device_cookie(&state, token);
    }
    let user = signed_in.user;
    auth::start_session(&session().await?, &user).await?;
    let next = crate::server::redirect::same_origin_path(&state.config.public_url, next.as_deref());
    leptos_axum::redirect(&crate::server::org_links::after_sign_in(&state, &user, next).await?);
    Ok(user)
}

#[server(endpoint = "logout")]
pub async fn log_out() -> Result<(), AppError> {
    use ssr::*;
    auth::end_session(&session().await?).await?;
    leptos_axum::redirect("/login");
    Ok(())
}

#[server(endpoint = "profile")]
pub async fn update_profile(name: String) -> Result<User, AppError> {
    use ssr::*;
    let user = auth::require_user()?;
    let name = PersonName::parse(&name)?;
    auth::update_name(&expect_context::<AppState>(), user.id, name).await
}

#[server(endpoint = "password")]
pub async fn change_password(current: String, new: String, confirm: String) -> Result<(), AppError> {
    use ssr::*;
    let user = auth::require_user()?;
    if new != confirm {
        return Err(AppError::invalid("The new passwords do not match."));
    }
    let new = Password::parse(new)?;
    auth::password::check_strength(&new, &[user.name.as_str(), user.email.as_str()]).await?;
    auth::change_password(&expect_context::<AppState>(), &session().await?, user.id, current, new).await
}
