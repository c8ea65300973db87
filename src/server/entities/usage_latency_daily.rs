use sea_orm::entity::prelude::*;

/// Calls of one project in one UTC day (`hour` is its first Unix hour) and environment ('' for none)
/// whose latency fell in one log-scale bucket (`domain::latency`). A
/// window's percentiles sum these rows by bucket (see `usage::rollup`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "usage_latency_daily")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub project_id: i64,
    pub hour: i64,
    pub environment: String,
    pub bucket: i32,
    pub calls: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
