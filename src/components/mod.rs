//! Building blocks shared by pages.
pub mod auth;
pub mod feedback;
pub mod form;
pub mod layout;
