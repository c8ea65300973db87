use crate::domain::OrgKind;
use crate::domain::plan::PlanId;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organizations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    /// Unique; its name in console URLs (`domain::project::Slug`).
    pub slug: String,
    pub kind: OrgKind,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Number of the newest audit entry (0: none yet).
    pub audit_seq: i64,
    /// Hash of the newest audit entry; the end of the chain.
    pub audit_head: String,
    /// The newest verified point of the audit chain: its number and hash,
    /// sealed (`repo::audit`), so a check starts there.
    pub audit_checkpoint_seq: i64,
    pub audit_checkpoint_hash: String,
    pub audit_checkpoint_seal: String,
    pub plan: PlanId,
    /// The IANA zone whose midnights start billing periods (`billing::period`).
    pub billing_time_zone: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
