//! `organizations.slug`: the organization's name in console URLs
//! (`/o/<slug>/…`), unique across the instance. Existing organizations get
//! one from their name ("Acme Corp" → `acme-corp`), with `-2`, `-3`… when
//! two names give the same slug, taken in order of creation.
use sea_orm::ConnectionTrait;
use sea_orm_migration::prelude::*;
use std::collections::HashSet;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
    Name,
    Slug,
}

/// The app's `OrgSlug::suggest` as of this migration (a migration keeps the
/// rule it ran with, whatever the app's becomes).
fn suggest(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out: String = out.trim_end_matches('-').chars().take(50).collect();
    let out = out.trim_end_matches('-');
    if out.len() < 2 { "org".to_string() } else { out.to_string() }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter().table(Organizations::Table).add_column(ColumnDef::new(Organizations::Slug).string_len(60).not_null().default("")).to_owned(),
        )
        .await?;
        let db = m.get_connection();
        let select =
            Query::select().columns([Organizations::Id, Organizations::Name]).from(Organizations::Table).order_by(Organizations::Id, Order::Asc).to_owned();
        let rows = db.query_all(&select).await?;
        let mut taken = HashSet::new();
        for row in rows {
            let (id, name): (i64, String) = (row.try_get("", "id")?, row.try_get("", "name")?);
            let base = suggest(&name);
            let slug = (1..).map(|n| if n == 1 { base.clone() } else { format!("{base}-{n}") }).find(|s| !taken.contains(s)).unwrap_or_default();
            taken.insert(slug.clone());
            m.exec_stmt(Query::update().table(Organizations::Table).value(Organizations::Slug, slug).and_where(Expr::col(Organizations::Id).eq(id)).to_owned())
                .await?;
        }
        m.create_index(Index::create().name("ux_organizations_slug").table(Organizations::Table).col(Organizations::Slug).unique().to_owned()).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("ux_organizations_slug").table(Organizations::Table).to_owned()).await?;
        m.alter_table(Table::alter().table(Organizations::Table).drop_column(Organizations::Slug).to_owned()).await
    }
}
