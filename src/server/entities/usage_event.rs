use crate::domain::usage::{CostSource, EventStatus};
use sea_orm::entity::prelude::*;

/// One reported LLM call (see `domain::usage`). Money in nano-dollars.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "usage_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub project_id: i64,
    pub event_id: String,
    pub occurred_at: DateTimeUtc,
    /// Unix hour of `occurred_at`: hours and days group by integer division.
    pub hour: i64,
    pub received_at: DateTimeUtc,
    pub model: String,
    pub provider: Option<String>,
    pub assistant: Option<String>,
    pub end_user: Option<String>,
    pub environment: Option<String>,
    pub session_id: Option<String>,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cost_nanos: i64,
    pub cost_source: CostSource,
    pub latency_ms: Option<i64>,
    pub status: EventStatus,
    pub error: Option<String>,
    pub input: Option<String>,
    pub output: Option<String>,
    pub truncated: bool,
    pub metadata: Option<String>,
    pub api_key_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
