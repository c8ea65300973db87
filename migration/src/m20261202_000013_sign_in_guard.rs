//! Sign-in throttling kept in the database, so that it holds across
//! instances and restarts, and devices that signed in before.
//! - `sign_in_attempts`: one row per attempt and bucket (an account's
//!   unknown devices, one trusted device, one client address), counted over
//!   a sliding window and pruned as they age out.
//! - `trusted_devices`: a browser that signed in to an account keeps a
//!   device cookie; only its SHA-256 is stored. Such a browser has its own
//!   allowance, so failures from unknown devices cannot lock its owner out.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SignInAttempts {
    Table,
    Id,
    Bucket,
    At,
}

#[derive(DeriveIden)]
enum TrustedDevices {
    Table,
    Id,
    UserId,
    TokenHash,
    CreatedAt,
    LastUsedAt,
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
                .table(SignInAttempts::Table)
                .col(big_pk_auto(SignInAttempts::Id))
                .col(string_len(SignInAttempts::Bucket, 300))
                .col(timestamp_with_time_zone(SignInAttempts::At))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("ix_sign_in_attempts_bucket").table(SignInAttempts::Table).col(SignInAttempts::Bucket).col(SignInAttempts::At).to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(TrustedDevices::Table)
                .col(big_pk_auto(TrustedDevices::Id))
                .col(big_integer(TrustedDevices::UserId))
                .col(string_len_uniq(TrustedDevices::TokenHash, 64))
                .col(timestamp_with_time_zone(TrustedDevices::CreatedAt))
                .col(timestamp_with_time_zone(TrustedDevices::LastUsedAt))
                .foreign_key(
                    ForeignKey::create().from(TrustedDevices::Table, TrustedDevices::UserId).to(Users::Table, Users::Id).on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(TrustedDevices::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(SignInAttempts::Table).to_owned()).await
    }
}
