use sea_orm::entity::prelude::*;

/// One project's usage in one Unix hour for one model, assistant,
/// environment and status, all end users together (see `usage::rollup`):
/// what dashboards read. Missing names are ''.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "usage_hourly_totals")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub project_id: i64,
    /// The API key that reported the calls; 0 for calls rolled up before keys were counted.
    pub api_key_id: i64,
    pub hour: i64,
    pub model: String,
    pub assistant: String,
    pub environment: String,
    pub status: String,
    pub requests: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cost_nanos: i64,
    pub latency_sum: i64,
    pub latency_count: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
