//! Building blocks shared by pages.
pub mod analytics_filters;
pub mod analytics_page;
pub mod auth;
pub mod chart;
pub mod dialog;
pub mod feedback;
pub mod first_event;
pub mod form;
pub mod format;
pub mod layout;
pub mod org;
pub mod page_data;
pub mod pagination;
pub mod table;
