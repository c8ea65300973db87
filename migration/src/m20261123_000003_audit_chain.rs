//! A hash chain over each organization's audit log, so that a changed,
//! removed or inserted entry can be found (`plinth audit verify`).
//!
//! Existing entries get their sequence numbers here; the server seals them
//! (computes their hashes) at start-up, with the same code that chains new
//! entries, so there is one definition of the hash.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    OrgId,
    Seq,
    PrevHash,
    Hash,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    AuditSeq,
    AuditHead,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        for col in
            [big_integer(AuditLog::Seq).default(0).to_owned(), string(AuditLog::PrevHash).default("").to_owned(), string(AuditLog::Hash).default("").to_owned()]
        {
            m.alter_table(Table::alter().table(AuditLog::Table).add_column(col).to_owned()).await?;
        }
        // The newest entry's number and hash: removing the newest entries
        // breaks the chain's end too.
        for col in [big_integer(Organizations::AuditSeq).default(0).to_owned(), string(Organizations::AuditHead).default("").to_owned()] {
            m.alter_table(Table::alter().table(Organizations::Table).add_column(col).to_owned()).await?;
        }
        m.get_connection()
            .execute_unprepared("UPDATE audit_log SET seq = (SELECT COUNT(*) FROM audit_log a2 WHERE a2.org_id = audit_log.org_id AND a2.id <= audit_log.id)")
            .await?;
        m.create_index(Index::create().name("ux_audit_log_org_seq").table(AuditLog::Table).col(AuditLog::OrgId).col(AuditLog::Seq).unique().to_owned()).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("ux_audit_log_org_seq").table(AuditLog::Table).to_owned()).await?;
        for col in [AuditLog::Seq, AuditLog::PrevHash, AuditLog::Hash] {
            m.alter_table(Table::alter().table(AuditLog::Table).drop_column(col).to_owned()).await?;
        }
        for col in [Organizations::AuditSeq, Organizations::AuditHead] {
            m.alter_table(Table::alter().table(Organizations::Table).drop_column(col).to_owned()).await?;
        }
        Ok(())
    }
}
