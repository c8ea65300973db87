//! Usage events reported over the public API, and the model price catalog.
//!
//! Money is integer nano-dollars (10⁻⁹ USD). `hour` is the event's Unix
//! hour, so grouping by hour or day is integer arithmetic on both engines.
//! Built-in prices have no organization; an organization's own rows win.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum UsageEvents {
    Table,
    Id,
    ProjectId,
    /// The client's id for the event: the idempotency key within the project.
    EventId,
    OccurredAt,
    Hour,
    ReceivedAt,
    Model,
    Provider,
    Assistant,
    EndUser,
    Environment,
    SessionId,
    InputTokens,
    OutputTokens,
    CostNanos,
    CostSource,
    LatencyMs,
    Status,
    Error,
    Input,
    Output,
    Truncated,
    Metadata,
    ApiKeyId,
}

#[derive(DeriveIden)]
enum ModelPrices {
    Table,
    Id,
    OrgId,
    Provider,
    Model,
    /// Nano-dollars per million tokens.
    InputPerMillion,
    OutputPerMillion,
    EffectiveFrom,
    CreatedAt,
    CreatedBy,
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

/// List prices in USD per million tokens (input, output) when this was
/// written. Organizations correct them on the Model prices page.
const BUILT_IN: &[(&str, &str, &str, &str)] = &[
    ("openai", "gpt-4o", "2.50", "10.00"),
    ("openai", "gpt-4o-mini", "0.15", "0.60"),
    ("openai", "gpt-4.1", "2.00", "8.00"),
    ("openai", "gpt-4.1-mini", "0.40", "1.60"),
    ("openai", "gpt-4.1-nano", "0.10", "0.40"),
    ("openai", "o3", "2.00", "8.00"),
    ("openai", "o4-mini", "1.10", "4.40"),
    ("openai", "text-embedding-3-small", "0.02", "0"),
    ("openai", "text-embedding-3-large", "0.13", "0"),
    ("anthropic", "claude-opus-4", "15.00", "75.00"),
    ("anthropic", "claude-sonnet-4", "3.00", "15.00"),
    ("anthropic", "claude-3-5-haiku", "0.80", "4.00"),
    ("google", "gemini-2.5-pro", "1.25", "10.00"),
    ("google", "gemini-2.5-flash", "0.30", "2.50"),
    ("mistral", "mistral-large", "2.00", "6.00"),
    ("mistral", "mistral-small", "0.10", "0.30"),
];

/// "2.50" dollars as nano-dollars, exactly.
fn nanos(usd: &str) -> i64 {
    let (whole, frac) = usd.split_once('.').unwrap_or((usd, ""));
    let frac = format!("{frac:0<9}");
    whole.parse::<i64>().expect("whole dollars") * 1_000_000_000 + frac.parse::<i64>().expect("nine decimals")
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(UsageEvents::Table)
                .col(big_pk_auto(UsageEvents::Id))
                .col(big_integer(UsageEvents::ProjectId))
                .col(string_len(UsageEvents::EventId, 128))
                .col(timestamp_with_time_zone(UsageEvents::OccurredAt))
                .col(big_integer(UsageEvents::Hour))
                .col(timestamp_with_time_zone(UsageEvents::ReceivedAt))
                .col(string_len(UsageEvents::Model, 200))
                .col(string_len_null(UsageEvents::Provider, 200))
                .col(string_len_null(UsageEvents::Assistant, 200))
                .col(string_len_null(UsageEvents::EndUser, 200))
                .col(string_len_null(UsageEvents::Environment, 200))
                .col(string_len_null(UsageEvents::SessionId, 200))
                .col(big_integer(UsageEvents::InputTokens))
                .col(big_integer(UsageEvents::OutputTokens))
                .col(big_integer(UsageEvents::CostNanos))
                .col(string_len(UsageEvents::CostSource, 10))
                .col(big_integer_null(UsageEvents::LatencyMs))
                .col(string_len(UsageEvents::Status, 10))
                .col(text_null(UsageEvents::Error))
                .col(text_null(UsageEvents::Input))
                .col(text_null(UsageEvents::Output))
                .col(boolean(UsageEvents::Truncated))
                .col(text_null(UsageEvents::Metadata))
                .col(big_integer_null(UsageEvents::ApiKeyId))
                .foreign_key(
                    ForeignKey::create()
                        .from(UsageEvents::Table, UsageEvents::ProjectId)
                        .to(Projects::Table, Projects::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_usage_events_project_event")
                .table(UsageEvents::Table)
                .col(UsageEvents::ProjectId)
                .col(UsageEvents::EventId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("ix_usage_events_project_hour").table(UsageEvents::Table).col(UsageEvents::ProjectId).col(UsageEvents::Hour).to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ModelPrices::Table)
                .col(big_pk_auto(ModelPrices::Id))
                .col(big_integer_null(ModelPrices::OrgId))
                .col(string_len(ModelPrices::Provider, 200))
                .col(string_len(ModelPrices::Model, 200))
                .col(big_integer(ModelPrices::InputPerMillion))
                .col(big_integer(ModelPrices::OutputPerMillion))
                .col(timestamp_with_time_zone(ModelPrices::EffectiveFrom))
                .col(timestamp_with_time_zone(ModelPrices::CreatedAt))
                .col(big_integer_null(ModelPrices::CreatedBy))
                .foreign_key(
                    ForeignKey::create()
                        .from(ModelPrices::Table, ModelPrices::OrgId)
                        .to(Organizations::Table, Organizations::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create().from(ModelPrices::Table, ModelPrices::CreatedBy).to(Users::Table, Users::Id).on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_model_prices_version")
                .table(ModelPrices::Table)
                .col(ModelPrices::OrgId)
                .col(ModelPrices::Provider)
                .col(ModelPrices::Model)
                .col(ModelPrices::EffectiveFrom)
                .unique()
                .to_owned(),
        )
        .await?;

        let since = chrono::DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z").expect("a fixed date").with_timezone(&chrono::Utc);
        let mut insert = Query::insert()
            .into_table(ModelPrices::Table)
            .columns([
                ModelPrices::Provider,
                ModelPrices::Model,
                ModelPrices::InputPerMillion,
                ModelPrices::OutputPerMillion,
                ModelPrices::EffectiveFrom,
                ModelPrices::CreatedAt,
            ])
            .to_owned();
        for (provider, model, input, output) in BUILT_IN {
            insert.values_panic([(*provider).into(), (*model).into(), nanos(input).into(), nanos(output).into(), since.into(), since.into()]);
        }
        m.exec_stmt(insert).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ModelPrices::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(UsageEvents::Table).to_owned()).await
    }
}
