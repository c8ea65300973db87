//! SeaORM entities, one per table. Queries live in `server::repo`, scoped by
//! organization or project.
pub mod api_key;
pub mod audit_entry;
pub mod billing_profile;
pub mod cost_recompute;
pub mod invitation;
pub mod job;
pub mod membership;
pub mod model_price;
pub mod organization;
pub mod plan_change;
pub mod project;
pub mod project_group;
pub mod project_member;
pub mod session;
pub mod sign_in_attempt;
pub mod trusted_device;
pub mod usage_daily_totals;
pub mod usage_daily_user_totals;
pub mod usage_daily_users;
pub mod usage_event;
pub mod usage_hourly;
pub mod usage_hourly_totals;
pub mod usage_latency_daily;
pub mod usage_latency_hourly;
pub mod usage_meter;
pub mod user;
