use sea_orm::entity::prelude::*;

/// A model's price from `effective_from` on, in nano-dollars per million
/// tokens. `org_id` is `None` for the built-in catalog.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "model_prices")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: Option<i64>,
    pub provider: String,
    pub model: String,
    pub input_per_million: i64,
    pub output_per_million: i64,
    pub effective_from: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub created_by: Option<i64>,
    /// This version prices the model's calls that name no provider.
    pub default_provider: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
