//! One module per console section, matching the URLs in `app.rs`.
pub mod audit;
pub mod auth;
pub mod billing;
pub mod errors;
pub mod home;
pub mod invite;
pub mod orgs;
pub mod prices;
pub mod profile;
pub mod projects;
pub mod settings;
pub mod team;
