use sea_orm::entity::prelude::*;

/// A scheduled job's lease and last run (`server::jobs`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "jobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub name: String,
    /// The instance running it now, if any.
    pub holder: Option<String>,
    /// When the holder's lease ends; past it, another instance may take over.
    pub lease_until: Option<DateTimeUtc>,
    pub next_run_at: DateTimeUtc,
    pub last_started_at: Option<DateTimeUtc>,
    pub last_finished_at: Option<DateTimeUtc>,
    /// `ok` or `failed`.
    pub last_outcome: Option<String>,
    pub last_message: String,
    pub runs: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
