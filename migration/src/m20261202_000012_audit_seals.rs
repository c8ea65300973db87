//! The audit chain's keyed mode and checkpoints.
//! - `audit_log.key_id`: the fingerprint of the key an entry was sealed
//!   with (HMAC-SHA-256, `PLINTH_AUDIT_KEY`), or empty for plain SHA-256.
//! - `organizations.audit_checkpoint_*`: the newest verified point of the
//!   chain (number, hash, and a seal over both), so the audit page checks
//!   only what came after it.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    KeyId,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    AuditCheckpointSeq,
    AuditCheckpointHash,
    AuditCheckpointSeal,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table(AuditLog::Table).add_column(ColumnDef::new(AuditLog::KeyId).string_len(32).not_null().default("")).to_owned())
            .await?;
        // SQLite adds one column per ALTER TABLE.
        m.alter_table(
            Table::alter()
                .table(Organizations::Table)
                .add_column(ColumnDef::new(Organizations::AuditCheckpointSeq).big_integer().not_null().default(0))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Organizations::Table)
                .add_column(ColumnDef::new(Organizations::AuditCheckpointHash).string_len(64).not_null().default(""))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Organizations::Table)
                .add_column(ColumnDef::new(Organizations::AuditCheckpointSeal).string_len(100).not_null().default(""))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for col in [Organizations::AuditCheckpointSeal, Organizations::AuditCheckpointHash, Organizations::AuditCheckpointSeq] {
            m.alter_table(Table::alter().table(Organizations::Table).drop_column(col).to_owned()).await?;
        }
        m.alter_table(Table::alter().table(AuditLog::Table).drop_column(AuditLog::KeyId).to_owned()).await
    }
}
