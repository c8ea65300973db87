//! Building blocks shared by pages.
pub mod auth;
pub mod chart;
pub mod dialog;
pub mod feedback;
pub mod form;
pub mod format;
pub mod layout;
pub mod org;
pub mod pagination;
pub mod table;
