use sea_orm::entity::prelude::*;

/// One project's usage in one UTC day for one end user and environment, all
/// models and statuses together (see `usage::rollup`): dashboards' figures by
/// end user over whole days. `hour` is the day's first Unix hour; calls that
/// named no end user are under ''.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "usage_daily_user_totals")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub project_id: i64,
    pub hour: i64,
    pub end_user: String,
    pub environment: String,
    pub requests: i64,
    pub errors: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cost_nanos: i64,
    pub latency_sum: i64,
    pub latency_count: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
