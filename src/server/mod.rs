//! Server-only code: configuration, database, sessions, HTTP plumbing.
pub mod app;
pub mod assets;
pub mod audit_key;
pub mod auth;
pub mod billing;
pub mod charts;
pub mod config;
pub mod db;
pub mod entities;
pub mod export;
pub mod guard;
pub mod http;
pub mod jobs;
pub mod lazy;
pub mod mail;
pub mod org_links;
pub mod public_api;
pub mod redirect;
pub mod repo;
pub mod secrets;
pub mod seed;
pub mod state;
pub mod usage;

pub use state::AppState;
