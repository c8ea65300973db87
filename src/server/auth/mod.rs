//! Accounts and sessions on the server: sign-up, sign-in, sign-out, password
//! change, and resolving the signed-in user of a request.
pub mod password;
pub mod session_store;
pub mod sign_in;
pub mod throttle;

use crate::domain::{Email, Password, PersonName, User, UserId};
use crate::error::{AppError, AppResult};
use crate::server::AppState;
use crate::server::entities::user;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, SqlErr};
use session_store::USER_ID_KEY;
use tower_sessions::Session;

/// Unix time of sign-in, for the absolute session timeout.
const AUTH_AT_KEY: &str = "auth_at";
/// Unix time the idle deadline last moved; see `session_user`.
const SEEN_AT_KEY: &str = "seen_at";

/// The signed-in user, placed in request extensions by `http::load_user`,
/// with the organization they last switched to (read from the same row).
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    pub current_org_id: Option<i64>,
}

/// The user of the current request, for server functions and pages.
pub fn current_user() -> Option<User> {
    leptos::prelude::use_context::<axum::http::request::Parts>()?.extensions.get::<CurrentUser>().map(|c| c.user.clone())
}

/// As `current_user`, but an error (HTTP 401) when nobody is signed in.
pub fn require_user() -> AppResult<User> {
    current_user().ok_or(AppError::Unauthenticated)
}

pub async fn create_user(state: &AppState, name: PersonName, email: Email, password: Password) -> AppResult<User> {
    let hash = password::hash(password).await?;
    let now = chrono::Utc::now();
    let row = user::ActiveModel {
        name: Set(name.as_str().to_string()),
        email: Set(email.as_str().to_string()),
        password_hash: Set(hash),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&state.db)
    .await
    .map_err(|e| match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict("An account with this email already exists. Sign in instead.".into()),
        _ => AppError::from(e),
    })?;
    Ok(row.into())
}

/// A user who signed in, and the device cookie to give their browser when
/// it was not a trusted device of theirs yet.
pub struct SignedIn {
    pub user: User,
    pub device_token: Option<String>,
}

/// Check an email and password. Unknown email and wrong password give the
/// same error after the same amount of work. `device_token` is the
/// browser's device cookie, if it sent one (see `sign_in`).
pub async fn authenticate(state: &AppState, email: &str, password: String, address: &str, device_token: Option<&str>) -> AppResult<SignedIn> {
    // A string that is no email cannot match an account: refuse it before
    // it becomes a throttle key (a 2 MB "email" must not be stored).
    let Ok(email) = Email::parse(email) else {
        return Err(AppError::invalid("That email and password do not match an account."));
    };
    let email = email.as_str().to_string();
    // Reserve the attempt before hashing: parallel guesses each take a slot,
    // so no more than the limit ever reach the password check.
    let limits = sign_in::Limits { per_account: state.config.limits.sign_in_per_account, per_address: state.config.limits.sign_in_per_address };
    let buckets = sign_in::buckets(&state.db, &email, address, device_token).await?;
    let attempt = sign_in::reserve(&state.db, limits, buckets)
        .await?
        .map_err(|wait| AppError::TooManyRequests(throttle::wait_message("Too many sign-in attempts.", wait)))?;
    let found = user::Entity::find().filter(user::Column::Email.eq(&email)).one(&state.db).await?;
    let ok = match password::verify(password, found.as_ref().map(|u| u.password_hash.clone())).await {
        Ok(ok) => ok,
        Err(e) => {
            // Shed (503) or failed before the check: no attempt was made.
            sign_in::abandon(&state.db, attempt).await?;
            return Err(e);
        }
    };
    match found {
        Some(u) if ok => {
            let device_token = sign_in::succeeded(&state.db, attempt, u.id).await?;
            Ok(SignedIn { user: u.into(), device_token })
        }
        _ => Err(AppError::invalid("That email and password do not match an account.")),
    }
}

/// Sign `user` in on this session, under a fresh session id.
pub async fn start_session(session: &Session, user: &User) -> AppResult<()> {
    session.cycle_id().await?;
    session.insert(USER_ID_KEY, user.id.0).await?;
    let now = chrono::Utc::now().timestamp();
    session.insert(AUTH_AT_KEY, now).await?;
    session.insert(SEEN_AT_KEY, now).await?;
    Ok(())
}

pub async fn end_session(session: &Session) -> AppResult<()> {
    session.flush().await?;
    Ok(())
}

/// The user this session belongs to, if it is signed in and within the
/// absolute timeout. The idle timeout is the store's expiry.
pub async fn session_user(state: &AppState, session: &Session) -> AppResult<Option<CurrentUser>> {
    let Some(user_id) = session.get::<i64>(USER_ID_KEY).await? else {
        return Ok(None);
    };
    let auth_at = session.get::<i64>(AUTH_AT_KEY).await?.unwrap_or(0);
    let age = chrono::Utc::now().timestamp().saturating_sub(auth_at);
    if age < 0 || age as u64 > state.config.session_absolute.as_secs() {
        session.flush().await?;
        return Ok(None);
    }
    match user::Entity::find_by_id(user_id).one(&state.db).await? {
        Some(u) => {
            // Sessions are saved only when changed, so a page view writes
            // nothing. The idle deadline moves by changing `seen_at`, at
            // most once per `session_touch`: one write a minute, not one per
            // request, and the idle timeout is exact to within that minute.
            let now = chrono::Utc::now().timestamp();
            let seen_at = session.get::<i64>(SEEN_AT_KEY).await?.unwrap_or(0);
            if now.saturating_sub(seen_at) >= state.config.session_touch.as_secs() as i64 {
                session.insert(SEEN_AT_KEY, now).await?;
            }
            Ok(Some(CurrentUser { current_org_id: u.current_org_id, user: u.into() }))
        }
        None => {
            session.flush().await?;
            Ok(None)
        }
    }
}

pub async fn update_name(state: &AppState, user_id: UserId, name: PersonName) -> AppResult<User> {
    let row = user::ActiveModel { id: Set(user_id.0), name: Set(name.as_str().to_string()), updated_at: Set(chrono::Utc::now()), ..Default::default() }
        .update(&state.db)
        .await?;
    Ok(row.into())
}

/// Change the password after checking the current one, and end every other
/// session of this user. This session gets a fresh id.
pub async fn change_password(state: &AppState, session: &Session, user_id: UserId, current: String, new: Password) -> AppResult<()> {
    let row = user::Entity::find_by_id(user_id.0).one(&state.db).await?.ok_or(AppError::Unauthenticated)?;
    if !password::verify(current, Some(row.password_hash.clone())).await? {
        return Err(AppError::invalid("Your current password is not correct."));
    }
    let hash = password::hash(new).await?;
    user::ActiveModel { id: Set(user_id.0), password_hash: Set(hash), updated_at: Set(chrono::Utc::now()), ..Default::default() }.update(&state.db).await?;
    session.cycle_id().await?;
    state.sessions.delete_user_sessions(user_id.0, None).await?;
    Ok(())
}
