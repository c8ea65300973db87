//! Project API keys. Only the SHA-256 of a key is stored, with a hint to
//! recognise it by; a key lives until revoked, or until it expires.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    Id,
    ProjectId,
    Name,
    Scope,
    SecretHash,
    Hint,
    CreatedBy,
    CreatedAt,
    LastUsedAt,
    ExpiresAt,
    RevokedAt,
    /// The key that replaced this one when it was rotated.
    ReplacedBy,
}

#[derive(DeriveIden)]
enum Projects {
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
                .table(ApiKeys::Table)
                .col(big_pk_auto(ApiKeys::Id))
                .col(big_integer(ApiKeys::ProjectId))
                .col(string_len(ApiKeys::Name, 60))
                .col(string_len(ApiKeys::Scope, 10))
                .col(string_len(ApiKeys::SecretHash, 64))
                .col(string_len(ApiKeys::Hint, 20))
                .col(big_integer_null(ApiKeys::CreatedBy))
                .col(timestamp_with_time_zone(ApiKeys::CreatedAt))
                .col(timestamp_with_time_zone_null(ApiKeys::LastUsedAt))
                .col(timestamp_with_time_zone_null(ApiKeys::ExpiresAt))
                .col(timestamp_with_time_zone_null(ApiKeys::RevokedAt))
                .col(big_integer_null(ApiKeys::ReplacedBy))
                .foreign_key(
                    ForeignKey::create().from(ApiKeys::Table, ApiKeys::ProjectId).to(Projects::Table, Projects::Id).on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(ForeignKey::create().from(ApiKeys::Table, ApiKeys::CreatedBy).to(Users::Table, Users::Id).on_delete(ForeignKeyAction::SetNull))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ux_api_keys_secret_hash").table(ApiKeys::Table).col(ApiKeys::SecretHash).unique().to_owned()).await?;
        m.create_index(Index::create().name("ix_api_keys_project").table(ApiKeys::Table).col(ApiKeys::ProjectId).col(ApiKeys::CreatedAt).to_owned()).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ApiKeys::Table).to_owned()).await
    }
}
