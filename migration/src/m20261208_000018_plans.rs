//! Plans: each organization is on one (`plan`), and its billing periods
//! start at 00:00 in its billing time zone (an IANA name). `usage_meters`
//! counts the events each organization stored in each period (its month,
//! `2026-12`, in that zone: a change of zone does not restart the count),
//! the figure a plan's monthly event limit is held to.
//!
//! Organizations that exist before this migration had no limits; they move
//! to Enterprise (unlimited), so an upgrade refuses nothing they did before.
//! New organizations start on Free (the code sets it; the column's default
//! is only for rows written by hand).
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
    Plan,
    BillingTimeZone,
}

#[derive(DeriveIden)]
enum UsageMeters {
    Table,
    OrgId,
    Month,
    Events,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter().table(Organizations::Table).add_column(ColumnDef::new(Organizations::Plan).string_len(20).not_null().default("free")).to_owned(),
        )
        .await?;
        m.exec_stmt(Query::update().table(Organizations::Table).value(Organizations::Plan, "enterprise").to_owned()).await?;
        m.alter_table(
            Table::alter()
                .table(Organizations::Table)
                .add_column(ColumnDef::new(Organizations::BillingTimeZone).string_len(64).not_null().default("UTC"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(UsageMeters::Table)
                .col(big_integer(UsageMeters::OrgId))
                .col(string_len(UsageMeters::Month, 7))
                .col(big_integer(UsageMeters::Events).default(0))
                .primary_key(Index::create().col(UsageMeters::OrgId).col(UsageMeters::Month))
                .foreign_key(
                    ForeignKey::create()
                        .from(UsageMeters::Table, UsageMeters::OrgId)
                        .to(Organizations::Table, Organizations::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(UsageMeters::Table).to_owned()).await?;
        m.alter_table(Table::alter().table(Organizations::Table).drop_column(Organizations::BillingTimeZone).to_owned()).await?;
        m.alter_table(Table::alter().table(Organizations::Table).drop_column(Organizations::Plan).to_owned()).await
    }
}
