//! `ix_usage_events_unpriced`: the dashboard counts a range's events that
//! have no price yet. Through (project, hour) that read every event in the
//! range to look at its cost source, a cost that grew with the events; led by
//! the cost source, it reads only the unpriced ones.
//!
//! Tried and not kept: covering indexes on the rollups for SQLite. They
//! halved the dashboard's reads at 1M events, but keeping them up to date
//! cost ingestion about 30%. See the README, "Usage benchmarks".
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const NAME: &str = "ix_usage_events_unpriced";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let events = Alias::new("usage_events");
        let index = Index::create().name(NAME).table(events).col(Alias::new("project_id")).col(Alias::new("cost_source")).col(Alias::new("hour")).to_owned();
        m.create_index(index).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name(NAME).table(Alias::new("usage_events")).to_owned()).await
    }
}
