//! - `jobs`: one row per scheduled job (`server::jobs`). An instance runs a
//!   job only while it holds the row's lease (`holder`, `lease_until`), so
//!   one instance at a time runs it, and a crashed holder's lease expires.
//!   Each run's start, end and outcome stay on the row.
//! - `plan_changes`: each change of an organization's plan from the Billing
//!   page. An upgrade applies at once, with its prorated price for the rest
//!   of the period; a downgrade waits for the period's end (`scheduled`).
//!   The client's idempotency key is unique per organization, so a change
//!   sent twice is made once.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Jobs {
    Table,
    Name,
    Holder,
    LeaseUntil,
    NextRunAt,
    LastStartedAt,
    LastFinishedAt,
    LastOutcome,
    LastMessage,
    Runs,
}

#[derive(DeriveIden)]
enum PlanChanges {
    Table,
    Id,
    OrgId,
    FromPlan,
    ToPlan,
    Status,
    IdempotencyKey,
    RequestedBy,
    RequestedAt,
    EffectiveAt,
    ProratedCents,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Jobs::Table)
                .col(string_len(Jobs::Name, 40).primary_key())
                .col(string_len_null(Jobs::Holder, 64))
                .col(timestamp_with_time_zone_null(Jobs::LeaseUntil))
                .col(timestamp_with_time_zone(Jobs::NextRunAt))
                .col(timestamp_with_time_zone_null(Jobs::LastStartedAt))
                .col(timestamp_with_time_zone_null(Jobs::LastFinishedAt))
                .col(string_len_null(Jobs::LastOutcome, 10))
                .col(string_len(Jobs::LastMessage, 500).default(""))
                .col(big_integer(Jobs::Runs).default(0))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(PlanChanges::Table)
                .col(big_pk_auto(PlanChanges::Id))
                .col(big_integer(PlanChanges::OrgId))
                .col(string_len(PlanChanges::FromPlan, 20))
                .col(string_len(PlanChanges::ToPlan, 20))
                .col(string_len(PlanChanges::Status, 20))
                .col(string_len(PlanChanges::IdempotencyKey, 64))
                .col(big_integer_null(PlanChanges::RequestedBy))
                .col(timestamp_with_time_zone(PlanChanges::RequestedAt))
                .col(timestamp_with_time_zone(PlanChanges::EffectiveAt))
                .col(big_integer(PlanChanges::ProratedCents).default(0))
                .foreign_key(
                    ForeignKey::create()
                        .from(PlanChanges::Table, PlanChanges::OrgId)
                        .to(Organizations::Table, Organizations::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_plan_changes_idempotency")
                .table(PlanChanges::Table)
                .col(PlanChanges::OrgId)
                .col(PlanChanges::IdempotencyKey)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ix_plan_changes_due").table(PlanChanges::Table).col(PlanChanges::Status).col(PlanChanges::EffectiveAt).to_owned())
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(PlanChanges::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(Jobs::Table).to_owned()).await
    }
}
