//! Hourly rollups of usage events, per-project retention, and the index the
//! request log pages through.
//!
//! `usage_hourly` sums one project's events of one Unix hour with the same
//! model, assistant, end user, environment and status; `usage_hourly_totals`
//! the same without the end user. Dashboards read the second: end users are
//! many (hundreds per hour), so without them an hour holds a few dozen rows
//! however many events it had. Missing names are '' (not NULL) so that the
//! unique key matches them: NULLs never conflict.
//! `lat_0` … `lat_12` count calls per latency bucket (`LATENCY_BOUNDS_MS`),
//! which gives p50 and p95 without reading events.
use sea_orm_migration::{prelude::*, schema::*};

/// Upper bounds (exclusive) of the latency buckets, in milliseconds; the last
/// bucket holds everything slower. `domain::analytics` uses the same list (a
/// test holds them equal).
pub const LATENCY_BOUNDS_MS: [i64; 12] = [100, 250, 500, 750, 1_000, 1_500, 2_000, 3_000, 5_000, 10_000, 20_000, 60_000];
pub const LATENCY_BUCKETS: usize = LATENCY_BOUNDS_MS.len() + 1;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum UsageHourly {
    Table,
    Id,
    ProjectId,
    Hour,
    Model,
    Assistant,
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
enum UsageEvents {
    Table,
    ProjectId,
    OccurredAt,
    Id,
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
    RetentionDays,
}

fn bucket(i: usize) -> Alias {
    Alias::new(format!("lat_{i}"))
}

/// SQL that puts `latency_ms` in bucket `i` (1 or 0).
fn in_bucket(i: usize) -> String {
    let low = if i == 0 { String::new() } else { format!(" AND latency_ms >= {}", LATENCY_BOUNDS_MS[i - 1]) };
    let high = LATENCY_BOUNDS_MS.get(i).map(|b| format!(" AND latency_ms < {b}")).unwrap_or_default();
    format!("CASE WHEN latency_ms IS NOT NULL{low}{high} THEN 1 ELSE 0 END")
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        rollup_table(m, "usage_hourly", true).await?;
        rollup_table(m, "usage_hourly_totals", false).await?;

        m.create_index(
            Index::create()
                .name("ix_usage_events_project_time")
                .table(UsageEvents::Table)
                .col(UsageEvents::ProjectId)
                .col(UsageEvents::OccurredAt)
                .col(UsageEvents::Id)
                .to_owned(),
        )
        .await?;
        m.alter_table(Table::alter().table(Projects::Table).add_column(integer_null(Projects::RetentionDays)).to_owned()).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table(Projects::Table).drop_column(Projects::RetentionDays).to_owned()).await?;
        m.drop_index(Index::drop().name("ix_usage_events_project_time").table(UsageEvents::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(Alias::new("usage_hourly_totals")).to_owned()).await?;
        m.drop_table(Table::drop().table(UsageHourly::Table).to_owned()).await
    }
}

/// One rollup table, with or without the end user in its key, filled from
/// the events stored before this migration.
async fn rollup_table(m: &SchemaManager<'_>, name: &str, by_user: bool) -> Result<(), DbErr> {
    let t = Alias::new(name);
    let mut table = Table::create()
        .table(t.clone())
        .col(big_pk_auto(UsageHourly::Id))
        .col(big_integer(UsageHourly::ProjectId))
        .col(big_integer(UsageHourly::Hour))
        .col(string_len(UsageHourly::Model, 200))
        .col(string_len(UsageHourly::Assistant, 200))
        .to_owned();
    if by_user {
        table.col(string_len(UsageHourly::EndUser, 200));
    }
    table
        .col(string_len(UsageHourly::Environment, 200))
        .col(string_len(UsageHourly::Status, 10))
        .col(big_integer(UsageHourly::Requests))
        .col(big_integer(UsageHourly::InputTokens))
        .col(big_integer(UsageHourly::OutputTokens))
        .col(big_integer(UsageHourly::CostNanos))
        .col(big_integer(UsageHourly::LatencySum))
        .col(big_integer(UsageHourly::LatencyCount))
        .foreign_key(ForeignKey::create().from(t.clone(), UsageHourly::ProjectId).to(Projects::Table, Projects::Id).on_delete(ForeignKeyAction::Cascade));
    for i in 0..LATENCY_BUCKETS {
        table.col(big_integer(bucket(i)).default(0));
    }
    m.create_table(table).await?;
    let mut index = Index::create()
        .name(format!("ux_{name}_key"))
        .table(t.clone())
        .col(UsageHourly::ProjectId)
        .col(UsageHourly::Hour)
        .col(UsageHourly::Model)
        .col(UsageHourly::Assistant)
        .to_owned();
    if by_user {
        index.col(UsageHourly::EndUser);
    }
    m.create_index(index.col(UsageHourly::Environment).col(UsageHourly::Status).unique().to_owned()).await?;

    let user_col = if by_user { "end_user, " } else { "" };
    let user_val = if by_user { "COALESCE(end_user, ''), " } else { "" };
    let buckets: Vec<String> = (0..LATENCY_BUCKETS).map(|i| format!("lat_{i}")).collect();
    let bucket_sums: Vec<String> = (0..LATENCY_BUCKETS).map(|i| format!("SUM({})", in_bucket(i))).collect();
    m.get_connection()
        .execute_unprepared(&format!(
            "INSERT INTO {name} (project_id, hour, model, assistant, {user_col}environment, status, requests, input_tokens, output_tokens, \
             cost_nanos, latency_sum, latency_count, {}) \
             SELECT project_id, hour, model, COALESCE(assistant, ''), {user_val}COALESCE(environment, ''), status, COUNT(*), \
             SUM(input_tokens), SUM(output_tokens), SUM(cost_nanos), COALESCE(SUM(latency_ms), 0), COUNT(latency_ms), {} \
             FROM usage_events GROUP BY project_id, hour, model, COALESCE(assistant, ''), {user_val}COALESCE(environment, ''), status",
            buckets.join(", "),
            bucket_sums.join(", ")
        ))
        .await?;
    Ok(())
}
