use crate::domain::plan::{PlanChangeStatus, PlanId};
use sea_orm::entity::prelude::*;

/// One change of an organization's plan (`server::billing::change`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "plan_changes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub from_plan: PlanId,
    pub to_plan: PlanId,
    pub status: PlanChangeStatus,
    /// The client's key: the same change sent twice is made once.
    pub idempotency_key: String,
    pub requested_by: Option<i64>,
    pub requested_at: DateTimeUtc,
    pub effective_at: DateTimeUtc,
    /// An upgrade's price for the rest of its period, in cents.
    pub prorated_cents: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
