//! Plinth's schema, one file per migration. Every migration must run on both
//! SQLite and PostgreSQL: stick to portable column types.
pub use sea_orm_migration::MigrationStatus;
pub use sea_orm_migration::prelude::*;

mod m20261122_000001_accounts;
mod m20261122_000002_organizations;
mod m20261123_000003_audit_chain;
mod m20261123_000004_api_keys;
mod m20261124_000005_usage;
mod m20261125_000006_rollups;
mod m20261126_000007_daily_user_rollup;
mod m20261127_000008_unpriced_index;
mod m20261128_000009_daily_totals;
mod m20261202_000010_default_provider;
mod m20261202_000011_cost_recomputes;
mod m20261202_000012_audit_seals;
mod m20261202_000013_sign_in_guard;
mod m20261207_000014_org_slugs;
mod m20261207_000015_latency_sketch;
mod m20261207_000016_key_dimension;
mod m20261207_000017_users_pivot_index;
mod m20261208_000018_plans;
mod m20261208_000019_jobs_and_plan_changes;
mod m20261208_000020_billing_profiles;

pub use m20261125_000006_rollups::{LATENCY_BOUNDS_MS, LATENCY_BUCKETS};
pub use m20261207_000015_latency_sketch::latency_bucket;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_accounts::Migration),
            Box::new(m20261122_000002_organizations::Migration),
            Box::new(m20261123_000003_audit_chain::Migration),
            Box::new(m20261123_000004_api_keys::Migration),
            Box::new(m20261124_000005_usage::Migration),
            Box::new(m20261125_000006_rollups::Migration),
            Box::new(m20261126_000007_daily_user_rollup::Migration),
            Box::new(m20261127_000008_unpriced_index::Migration),
            Box::new(m20261128_000009_daily_totals::Migration),
            Box::new(m20261202_000010_default_provider::Migration),
            Box::new(m20261202_000011_cost_recomputes::Migration),
            Box::new(m20261202_000012_audit_seals::Migration),
            Box::new(m20261202_000013_sign_in_guard::Migration),
            Box::new(m20261207_000014_org_slugs::Migration),
            Box::new(m20261207_000015_latency_sketch::Migration),
            Box::new(m20261207_000016_key_dimension::Migration),
            Box::new(m20261207_000017_users_pivot_index::Migration),
            Box::new(m20261208_000018_plans::Migration),
            Box::new(m20261208_000019_jobs_and_plan_changes::Migration),
            Box::new(m20261208_000020_billing_profiles::Migration),
        ]
    }
}
