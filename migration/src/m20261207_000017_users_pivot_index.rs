//! `ix_usage_daily_users_user`: the Users page's pivot reads the top ten end
//! users × their models from `usage_daily_users`. Through the key (project,
//! day, model, end user, …) that read every user's rows in the window and
//! kept ten, a cost that grew with users × days × models; led by the end
//! user, it reads only the ten users' rows.
//!
//! Rows are upserted: an update changes measures only, which touches no
//! index on SQLite and is a HOT update on PostgreSQL, so the index costs
//! ingestion only when a (day, model, user, …) row is new (and on
//! PostgreSQL when a page has no room for a HOT update).
//!
//! Built without CONCURRENTLY (a migration runs in a transaction): on
//! PostgreSQL, writes to `usage_daily_users` wait while it builds. The table
//! holds a row per day × model × end user × environment × status, far fewer
//! than the events, so that is seconds, not minutes, at 10M events.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const NAME: &str = "ix_usage_daily_users_user";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let table = Alias::new("usage_daily_users");
        let index = Index::create().name(NAME).table(table).col(Alias::new("project_id")).col(Alias::new("end_user")).col(Alias::new("hour")).to_owned();
        m.create_index(index).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name(NAME).table(Alias::new("usage_daily_users")).to_owned()).await
    }
}
