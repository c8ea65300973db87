use crate::domain::project::Environment;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "projects")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub environment: Environment,
    pub group_id: Option<i64>,
    /// Days events are kept; `None` keeps them forever (rollups are always kept).
    pub retention_days: Option<i32>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::project_group::Entity", from = "Column::GroupId", to = "super::project_group::Column::Id")]
    Group,
}

impl Related<super::project_group::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Group.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
