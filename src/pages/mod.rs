//! One module per console section, matching the URLs in `app.rs`.
pub mod auth;
pub mod errors;
pub mod home;
pub mod profile;
