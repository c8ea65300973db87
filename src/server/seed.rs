//! `plinth seed-demo` and `plinth create-user`.
use crate::domain::{Email, Password, PersonName, User};
use crate::error::AppError;
use crate::server::AppState;
use crate::server::auth;
use crate::server::entities::user;
use sea_orm::{EntityTrait, PaginatorTrait};

pub const DEMO_OWNER_EMAIL: &str = "owner@demo.plinth.dev";
pub const DEMO_PASSWORD: &str = "plinth-demo";

/// Parse and create one account.
pub async fn create_user(state: &AppState, name: &str, email: &str, password: String) -> Result<User, AppError> {
    let name = PersonName::parse(name)?;
    let email = Email::parse(email)?;
    let password = Password::parse(password)?;
    auth::create_user(state, name, email, password).await
}

/// Fill an empty database with demo data; `None` when it already has accounts.
/// Returns a short text saying how to sign in.
pub async fn seed_demo(state: &AppState) -> Result<Option<String>, AppError> {
    if user::Entity::find().count(&state.db).await? > 0 {
        return Ok(None);
    }
    let people = [
        ("Olivia Owner", DEMO_OWNER_EMAIL),
        ("Adam Admin", "admin@demo.plinth.dev"),
        ("Mia Member", "member@demo.plinth.dev"),
        ("Victor Viewer", "viewer@demo.plinth.dev"),
        ("Grace Guest", "guest@demo.plinth.dev"),
    ];
    for (name, email) in people {
        create_user(state, name, email, DEMO_PASSWORD.into()).await?;
    }
    Ok(Some(format!(
        "Demo data ready. Sign in as {DEMO_OWNER_EMAIL} with password {DEMO_PASSWORD}\n(every demo account uses the same password)."
    )))
}
