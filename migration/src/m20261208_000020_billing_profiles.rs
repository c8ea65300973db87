//! `billing_profiles`: an organization's payment method and billing
//! contact. Of a card only the brand, the last four digits, the expiry and
//! the name on it are kept; there is no column a number could go in.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum BillingProfiles {
    Table,
    OrgId,
    CardBrand,
    CardLast4,
    CardExpMonth,
    CardExpYear,
    CardName,
    ContactEmail,
    Address,
    UpdatedAt,
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
                .table(BillingProfiles::Table)
                .col(big_integer(BillingProfiles::OrgId).primary_key())
                .col(string_len_null(BillingProfiles::CardBrand, 30))
                .col(string_len_null(BillingProfiles::CardLast4, 4))
                .col(integer_null(BillingProfiles::CardExpMonth))
                .col(integer_null(BillingProfiles::CardExpYear))
                .col(string_len_null(BillingProfiles::CardName, 100))
                .col(string_len_null(BillingProfiles::ContactEmail, 254))
                .col(string_len_null(BillingProfiles::Address, 500))
                .col(timestamp_with_time_zone(BillingProfiles::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(BillingProfiles::Table, BillingProfiles::OrgId)
                        .to(Organizations::Table, Organizations::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(BillingProfiles::Table).to_owned()).await
    }
}
