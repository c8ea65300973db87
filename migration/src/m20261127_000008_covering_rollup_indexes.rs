//! Indexes that keep the dashboard's cost flat as events grow.
//!
//! `ix_usage_events_unpriced`, on both engines: the dashboard counts a
//! range's events that have no price yet. Through (project, hour) that read
//! every event in the range to look at its cost source, a cost that grew with
//! events; led by the cost source, it reads only the unpriced ones.
//!
//! Covering indexes for the rollups, on SQLite only. The dashboard and the
//! Users page sum every rollup row of a project's time range. Through the
//! unique key index alone, SQLite then fetches each row from its table by
//! rowid: one b-tree lookup per row, in whatever order the rows were first
//! written. An index that holds every column those queries
//! read, led by (project, hour), answers them from consecutive index pages
//! ("USING COVERING INDEX"). Measured in one session (release, `make bench`):
//! at 1M events the dashboard's reads took 137 ms with these indexes and
//! 301 ms without; keeping them up to date cost ingestion about 30% (4,338
//! against 6,277 events/s over HTTP, in a benchmark whose events are spread
//! over 30 days, so each batch touches many rollup rows).
//!
//! PostgreSQL gets no covering indexes: its dashboard time already stayed flat
//! (0.96× for ten times the events), and the index would only cost writes.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

use crate::m20261125_000006_rollups::LATENCY_BUCKETS;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// What the dashboard reads from `usage_hourly_totals` (summaries and latency buckets).
fn totals_columns() -> Vec<String> {
    let mut cols: Vec<String> = ["project_id", "hour", "model", "assistant", "environment", "status"].map(String::from).to_vec();
    cols.extend(SUMS.map(String::from));
    cols.extend((0..LATENCY_BUCKETS).map(|i| format!("lat_{i}")));
    cols
}

/// What the Users page reads from `usage_daily_users`.
fn daily_users_columns() -> Vec<String> {
    let mut cols: Vec<String> = ["project_id", "hour", "end_user", "model", "environment", "status"].map(String::from).to_vec();
    cols.extend(SUMS.map(String::from));
    cols
}

const SUMS: [&str; 6] = ["requests", "input_tokens", "output_tokens", "cost_nanos", "latency_sum", "latency_count"];

const INDEXES: [(&str, &str); 2] = [("ix_usage_hourly_totals_covering", "usage_hourly_totals"), ("ix_usage_daily_users_covering", "usage_daily_users")];

const UNPRICED: &str = "ix_usage_events_unpriced";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let by_source = Index::create().name(UNPRICED).table(Alias::new("usage_events")).col(Alias::new("project_id")).col(Alias::new("cost_source")).col(Alias::new("hour")).to_owned();
        m.create_index(by_source).await?;
        if m.get_database_backend() != DatabaseBackend::Sqlite {
            return Ok(());
        }
        for ((name, table), cols) in INDEXES.into_iter().zip([totals_columns(), daily_users_columns()]) {
            let mut index = Index::create().name(name).table(Alias::new(table)).to_owned();
            for col in cols {
                index.col(Alias::new(col));
            }
            m.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() == DatabaseBackend::Sqlite {
            for (name, table) in INDEXES {
                m.drop_index(Index::drop().name(name).table(Alias::new(table)).to_owned()).await?;
            }
        }
        m.drop_index(Index::drop().name(UNPRICED).table(Alias::new("usage_events")).to_owned()).await
    }
}
