//! One auth context for the whole app: the account actions and the signed-in
//! user, which reloads whenever one of those actions completes.
use crate::api::auth::{ChangePassword, LogIn, LogOut, SignUp, UpdateProfile, me};
use crate::components::page_data::{PageData, page_data};
use crate::domain::User;
use crate::error::AppError;
use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct Auth {
    pub login: ServerAction<LogIn>,
    pub signup: ServerAction<SignUp>,
    pub logout: ServerAction<LogOut>,
    pub update_profile: ServerAction<UpdateProfile>,
    pub change_password: ServerAction<ChangePassword>,
    pub user: PageData<Result<Option<User>, AppError>>,
}

pub fn provide_auth() {
    let login = ServerAction::<LogIn>::new();
    let signup = ServerAction::<SignUp>::new();
    let logout = ServerAction::<LogOut>::new();
    let update_profile = ServerAction::<UpdateProfile>::new();
    let change_password = ServerAction::<ChangePassword>::new();
    let user = page_data(move || (login.version().get(), signup.version().get(), logout.version().get(), update_profile.version().get()), |_| me());
    provide_context(Auth { login, signup, logout, update_profile, change_password, user });
}

pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}
