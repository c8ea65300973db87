//! Server functions, one file per feature. Each checks who is calling on the
//! server before it touches data.
pub mod auth;
