use crate::domain::prices::RecomputeState;
use sea_orm::entity::prelude::*;

/// A price recompute of one model for one organization, and its progress.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cost_recomputes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub model: String,
    pub state: RecomputeState,
    pub events_total: i64,
    pub events_done: i64,
    pub changed: i64,
    pub delta_nanos: i64,
    pub error: Option<String>,
    pub started_by: Option<i64>,
    pub started_at: DateTimeUtc,
    /// Moved by every chunk: a running job not moved for a minute died with its process.
    pub updated_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
