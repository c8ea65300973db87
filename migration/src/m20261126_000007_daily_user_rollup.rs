//! `usage_daily_users`: one project's usage in one UTC day for one end user,
//! model, environment and status. Views by end user over whole days (the
//! Users page, CSV by user) read it instead of `usage_hourly`, where nearly
//! every event of a busy project is its own row; here a row holds a user's
//! day with a model, so the rows grow with users × days, not with events.
//! `hour` is the day's first Unix hour, so the same range filters apply.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum UsageDailyUsers {
    Table,
    Id,
    ProjectId,
    Hour,
    Model,
    EndUser,
    Environment,
    Status,
    Requests,
    InputTokens,
    OutputTokens,
    CostNanos,
    LatencySum,
    LatencyCount,
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use UsageDailyUsers as U;
        m.create_table(
            Table::create()
                .table(U::Table)
                .col(big_pk_auto(U::Id))
                .col(big_integer(U::ProjectId))
                .col(big_integer(U::Hour))
                .col(string_len(U::Model, 200))
                .col(string_len(U::EndUser, 200))
                .col(string_len(U::Environment, 200))
                .col(string_len(U::Status, 10))
                .col(big_integer(U::Requests))
                .col(big_integer(U::InputTokens))
                .col(big_integer(U::OutputTokens))
                .col(big_integer(U::CostNanos))
                .col(big_integer(U::LatencySum))
                .col(big_integer(U::LatencyCount))
                .foreign_key(ForeignKey::create().from(U::Table, U::ProjectId).to(Projects::Table, Projects::Id).on_delete(ForeignKeyAction::Cascade))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_usage_daily_users_key")
                .table(U::Table)
                .col(U::ProjectId)
                .col(U::Hour)
                .col(U::Model)
                .col(U::EndUser)
                .col(U::Environment)
                .col(U::Status)
                .unique()
                .to_owned(),
        )
        .await?;
        // From the hourly rollup, which holds every event stored so far (and
        // outlives retention, as this table does).
        m.get_connection()
            .execute_unprepared(
                "INSERT INTO usage_daily_users (project_id, hour, model, end_user, environment, status, requests, input_tokens, output_tokens, cost_nanos, latency_sum, latency_count) \
                 SELECT project_id, (hour / 24) * 24, model, end_user, environment, status, SUM(requests), SUM(input_tokens), SUM(output_tokens), SUM(cost_nanos), SUM(latency_sum), SUM(latency_count) \
                 FROM usage_hourly GROUP BY project_id, (hour / 24) * 24, model, end_user, environment, status",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(UsageDailyUsers::Table).to_owned()).await
    }
}
