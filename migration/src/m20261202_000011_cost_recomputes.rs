//! `cost_recomputes`: a price recompute runs as a background job, in
//! chunks that each commit on their own, so it never holds the database's
//! write lock for long (on SQLite one long recompute stopped every tenant's
//! writes). The row is its progress, for the Prices page, and the rule that
//! an organization runs one at a time: a running row whose `updated_at` is
//! recent. A job whose process died stops being recent and is set aside.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CostRecomputes {
    Table,
    Id,
    OrgId,
    Model,
    State,
    EventsTotal,
    EventsDone,
    Changed,
    DeltaNanos,
    Error,
    StartedBy,
    StartedAt,
    UpdatedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(CostRecomputes::Table)
                .col(big_pk_auto(CostRecomputes::Id))
                .col(big_integer(CostRecomputes::OrgId))
                .col(string_len(CostRecomputes::Model, 200))
                .col(string_len(CostRecomputes::State, 20))
                .col(big_integer(CostRecomputes::EventsTotal))
                .col(big_integer(CostRecomputes::EventsDone))
                .col(big_integer(CostRecomputes::Changed))
                .col(big_integer(CostRecomputes::DeltaNanos))
                .col(string_len_null(CostRecomputes::Error, 500))
                .col(big_integer_null(CostRecomputes::StartedBy))
                .col(timestamp_with_time_zone(CostRecomputes::StartedAt))
                .col(timestamp_with_time_zone(CostRecomputes::UpdatedAt))
                .col(timestamp_with_time_zone_null(CostRecomputes::FinishedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(CostRecomputes::Table, CostRecomputes::OrgId)
                        .to(Organizations::Table, Organizations::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(CostRecomputes::Table, CostRecomputes::StartedBy)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("ix_cost_recomputes_org").table(CostRecomputes::Table).col(CostRecomputes::OrgId).col(CostRecomputes::Id).to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(CostRecomputes::Table).to_owned()).await
    }
}
