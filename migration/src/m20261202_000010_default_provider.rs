//! `model_prices.default_provider`: the version that prices a model's calls
//! when a call names no provider. Without it, a provider-less call was priced
//! by whichever provider sorted first, so adding an `azure/gpt-4o` price made
//! every such gpt-4o call cost what Azure charges, or $0 before its start.
//! Built-in prices are their maker's, so each one is its model's default.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ModelPrices {
    Table,
    OrgId,
    DefaultProvider,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let add =
            Table::alter().table(ModelPrices::Table).add_column(ColumnDef::new(ModelPrices::DefaultProvider).boolean().not_null().default(false)).to_owned();
        m.alter_table(add).await?;
        let built_in =
            Query::update().table(ModelPrices::Table).value(ModelPrices::DefaultProvider, true).and_where(Expr::col(ModelPrices::OrgId).is_null()).to_owned();
        m.exec_stmt(built_in).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table(ModelPrices::Table).drop_column(ModelPrices::DefaultProvider).to_owned()).await
    }
}
