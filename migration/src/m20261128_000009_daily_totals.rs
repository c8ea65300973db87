//! Daily rollups for dashboards over whole days, so that their cost stays
//! flat as a project's events grow:
//! - `usage_daily_totals`: `usage_hourly_totals` by UTC day (model,
//!   assistant, environment, status, latency buckets). A 30-day range reads
//!   at most 30 rows per combination instead of 720.
//! - `usage_daily_user_totals`: one end user's day in one environment, all
//!   models and statuses together, with errors as a column. Its rows are
//!   bounded by users × days, which a busy project reaches early; the daily
//!   per-user rollup (by model and status too) kept growing with events.
//!
//! `hour` is the day's first Unix hour, so the same range filters apply.
//! Both are filled from the rollups they refine, which hold every event
//! stored so far (and outlive retention, as these do).
use crate::m20261125_000006_rollups::LATENCY_BUCKETS;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Daily {
    Id,
    ProjectId,
    Hour,
    Model,
    Assistant,
    EndUser,
    Environment,
    Status,
    Requests,
    Errors,
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

const TOTALS: &str = "usage_daily_totals";
const USERS: &str = "usage_daily_user_totals";

fn measures(t: &mut TableCreateStatement, errors: bool) {
    t.col(big_integer(Daily::Requests));
    if errors {
        t.col(big_integer(Daily::Errors));
    }
    t.col(big_integer(Daily::InputTokens))
        .col(big_integer(Daily::OutputTokens))
        .col(big_integer(Daily::CostNanos))
        .col(big_integer(Daily::LatencySum))
        .col(big_integer(Daily::LatencyCount));
}

fn table(name: &str) -> TableCreateStatement {
    let t = Alias::new(name);
    Table::create()
        .table(t.clone())
        .col(big_pk_auto(Daily::Id))
        .col(big_integer(Daily::ProjectId))
        .col(big_integer(Daily::Hour))
        .foreign_key(ForeignKey::create().from(t, Daily::ProjectId).to(Projects::Table, Projects::Id).on_delete(ForeignKeyAction::Cascade))
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let buckets: Vec<String> = (0..LATENCY_BUCKETS).map(|i| format!("lat_{i}")).collect();

        let mut totals = table(TOTALS);
        totals
            .col(string_len(Daily::Model, 200))
            .col(string_len(Daily::Assistant, 200))
            .col(string_len(Daily::Environment, 200))
            .col(string_len(Daily::Status, 10));
        measures(&mut totals, false);
        for b in &buckets {
            totals.col(big_integer(Alias::new(b.as_str())).default(0));
        }
        m.create_table(totals).await?;
        m.create_index(
            Index::create()
                .name("ux_usage_daily_totals_key")
                .table(Alias::new(TOTALS))
                .col(Daily::ProjectId)
                .col(Daily::Hour)
                .col(Daily::Model)
                .col(Daily::Assistant)
                .col(Daily::Environment)
                .col(Daily::Status)
                .unique()
                .to_owned(),
        )
        .await?;

        let mut users = table(USERS);
        users.col(string_len(Daily::EndUser, 200)).col(string_len(Daily::Environment, 200));
        measures(&mut users, true);
        m.create_table(users).await?;
        m.create_index(
            Index::create()
                .name("ux_usage_daily_user_totals_key")
                .table(Alias::new(USERS))
                .col(Daily::ProjectId)
                .col(Daily::Hour)
                .col(Daily::EndUser)
                .col(Daily::Environment)
                .unique()
                .to_owned(),
        )
        .await?;

        let sums = ["requests", "input_tokens", "output_tokens", "cost_nanos", "latency_sum", "latency_count"];
        let summed = |cols: &[&str]| cols.iter().map(|c| format!("SUM({c})")).collect::<Vec<_>>().join(", ");
        let db = m.get_connection();
        let lat: Vec<&str> = buckets.iter().map(String::as_str).collect();
        let totals_cols = [&sums[..], &lat[..]].concat();
        db.execute_unprepared(&format!(
            "INSERT INTO {TOTALS} (project_id, hour, model, assistant, environment, status, {cols}) \
             SELECT project_id, (hour / 24) * 24, model, assistant, environment, status, {sums} \
             FROM usage_hourly_totals GROUP BY project_id, (hour / 24) * 24, model, assistant, environment, status",
            cols = totals_cols.join(", "),
            sums = summed(&totals_cols),
        ))
        .await?;
        db.execute_unprepared(&format!(
            "INSERT INTO {USERS} (project_id, hour, end_user, environment, errors, {cols}) \
             SELECT project_id, hour, end_user, environment, SUM(CASE WHEN status = 'error' THEN requests ELSE 0 END), {sums} \
             FROM usage_daily_users GROUP BY project_id, hour, end_user, environment",
            cols = sums.join(", "),
            sums = summed(&sums),
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Alias::new(USERS)).to_owned()).await?;
        m.drop_table(Table::drop().table(Alias::new(TOTALS)).to_owned()).await
    }
}
