//! The API key as a rollup dimension: `usage_hourly_totals` and
//! `usage_daily_totals` gain `api_key_id` in their key, so "this key's
//! spend this month" reads rollups, not events (budgets per key need it).
//!
//! Existing rows are rebuilt from the stored events wherever those events
//! are complete (an hour or day whose rollup count equals its event count).
//! Where retention already deleted events, the rows keep `api_key_id = 0`:
//! "recorded before keys were counted", still in every other figure.
use sea_orm::ConnectionTrait;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The two tables, and the expression of an event's hour that is their `hour`.
const TABLES: [(&str, &str); 2] = [("usage_hourly_totals", "hour"), ("usage_daily_totals", "(hour / 24) * 24")];
const OLD_KEY: &str = "project_id, hour, model, assistant, environment, status";
const NEW_KEY: &str = "project_id, hour, model, assistant, environment, status, api_key_id";
const MEASURES: &str = "requests, input_tokens, output_tokens, cost_nanos, latency_sum, latency_count";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// One transaction on SQLite too: all of it or none, and every
    /// statement on one connection (the temporary tables live there).
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        for (table, period) in TABLES {
            db.execute_unprepared(&format!("ALTER TABLE {table} ADD COLUMN api_key_id BIGINT NOT NULL DEFAULT 0")).await?;
            db.execute_unprepared(&format!("DROP INDEX ux_{table}_key")).await?;
            db.execute_unprepared(&format!("CREATE UNIQUE INDEX ux_{table}_key ON {table} ({NEW_KEY})")).await?;
            // Periods whose events are all still stored, rebuilt from them.
            db.execute_unprepared(&format!(
                "CREATE TEMPORARY TABLE complete_periods AS \
                 SELECT t.project_id, t.p FROM \
                   (SELECT project_id, hour AS p, SUM(requests) AS n FROM {table} GROUP BY project_id, hour) t \
                 JOIN (SELECT project_id, {period} AS p, COUNT(*) AS n FROM usage_events GROUP BY project_id, {period}) e \
                   ON e.project_id = t.project_id AND e.p = t.p \
                 WHERE t.n = e.n"
            ))
            .await?;
            db.execute_unprepared(&format!(
                "DELETE FROM {table} WHERE EXISTS \
                 (SELECT 1 FROM complete_periods c WHERE c.project_id = {table}.project_id AND c.p = {table}.hour)"
            ))
            .await?;
            db.execute_unprepared(&format!(
                "INSERT INTO {table} ({NEW_KEY}, {MEASURES}) \
                 SELECT project_id, {period}, model, COALESCE(assistant, ''), COALESCE(environment, ''), status, COALESCE(api_key_id, 0), \
                        COUNT(*), SUM(input_tokens), SUM(output_tokens), SUM(cost_nanos), COALESCE(SUM(latency_ms), 0), COUNT(latency_ms) \
                 FROM usage_events e WHERE EXISTS \
                   (SELECT 1 FROM complete_periods c WHERE c.project_id = e.project_id AND c.p = {period}) \
                 GROUP BY project_id, {period}, model, COALESCE(assistant, ''), COALESCE(environment, ''), status, COALESCE(api_key_id, 0)"
            ))
            .await?;
            db.execute_unprepared("DROP TABLE complete_periods").await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let sums = MEASURES.split(", ").map(|c| format!("SUM({c}) AS {c}")).collect::<Vec<_>>().join(", ");
        for (table, _) in TABLES {
            // Every key's rows of one old key, merged back into one.
            db.execute_unprepared(&format!("CREATE TEMPORARY TABLE merged AS SELECT {OLD_KEY}, {sums} FROM {table} GROUP BY {OLD_KEY}")).await?;
            db.execute_unprepared(&format!("DELETE FROM {table}")).await?;
            db.execute_unprepared(&format!("DROP INDEX ux_{table}_key")).await?;
            db.execute_unprepared(&format!("ALTER TABLE {table} DROP COLUMN api_key_id")).await?;
            db.execute_unprepared(&format!("INSERT INTO {table} ({OLD_KEY}, {MEASURES}) SELECT {OLD_KEY}, {MEASURES} FROM merged")).await?;
            db.execute_unprepared("DROP TABLE merged").await?;
            db.execute_unprepared(&format!("CREATE UNIQUE INDEX ux_{table}_key ON {table} ({OLD_KEY})")).await?;
        }
        Ok(())
    }
}
