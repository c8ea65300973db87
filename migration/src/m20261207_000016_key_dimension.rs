//! The API key as a rollup dimension: `usage_hourly_totals` and
//! `usage_daily_totals` gain `api_key_id` in their key, so "this key's
//! spend this month" reads rollups, not events (budgets per key need it).
//!
//! Existing rows are rebuilt from the stored events wherever those events
//! are complete (an hour or day whose rollup count equals its event count).
//! Where retention already deleted events, the rows keep `api_key_id = 0`:
//! "recorded before keys were counted", still in every other figure. So do
//! periods whose sums came near the i64 ceiling (rollups saturate there, a
//! plain SQL sum of the events would overflow and stop the upgrade).
use sea_orm::{ConnectionTrait, Statement};
use sea_orm_migration::prelude::*;
use std::collections::BTreeMap;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The two tables, and the expression of an event's hour that is their `hour`.
const TABLES: [(&str, &str); 2] = [("usage_hourly_totals", "hour"), ("usage_daily_totals", "(hour / 24) * 24")];
const OLD_KEY: &str = "project_id, hour, model, assistant, environment, status";
const NEW_KEY: &str = "project_id, hour, model, assistant, environment, status, api_key_id";
/// Below 2^62: a period whose every row is under it sums its events without overflow
/// (the events' sums per key are at most the row's sum).
const SAFE: i64 = 1 << 62;
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
                   (SELECT project_id, hour AS p, SUM(requests) AS n, \
                           MAX(cost_nanos) AS c, MAX(input_tokens) AS i, MAX(output_tokens) AS o, MAX(latency_sum) AS l \
                    FROM {table} GROUP BY project_id, hour) t \
                 JOIN (SELECT project_id, {period} AS p, COUNT(*) AS n FROM usage_events GROUP BY project_id, {period}) e \
                   ON e.project_id = t.project_id AND e.p = t.p \
                 WHERE t.n = e.n AND t.c < {SAFE} AND t.i < {SAFE} AND t.o < {SAFE} AND t.l < {SAFE}"
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
        let backend = db.get_database_backend();
        for (table, _) in TABLES {
            // Every key's rows of one old key, merged back into one here, with
            // sums that stop at the i64 ceiling as the rollups' do.
            let rows = db.query_all_raw(Statement::from_string(backend, format!("SELECT {OLD_KEY}, {MEASURES} FROM {table}"))).await?;
            let mut merged: BTreeMap<(i64, i64, String, String, String, String), [i64; 6]> = BTreeMap::new();
            for r in rows {
                let key = (
                    r.try_get_by_index(0)?,
                    r.try_get_by_index(1)?,
                    r.try_get_by_index(2)?,
                    r.try_get_by_index(3)?,
                    r.try_get_by_index(4)?,
                    r.try_get_by_index(5)?,
                );
                let sums = merged.entry(key).or_default();
                for (i, s) in sums.iter_mut().enumerate() {
                    *s = s.saturating_add(r.try_get_by_index::<i64>(6 + i)?);
                }
            }
            db.execute_unprepared(&format!("DELETE FROM {table}")).await?;
            db.execute_unprepared(&format!("DROP INDEX ux_{table}_key")).await?;
            db.execute_unprepared(&format!("ALTER TABLE {table} DROP COLUMN api_key_id")).await?;
            let columns: Vec<Alias> = OLD_KEY.split(", ").chain(MEASURES.split(", ")).map(Alias::new).collect();
            let all: Vec<_> = merged.into_iter().collect();
            for chunk in all.chunks(500) {
                let mut insert = Query::insert();
                insert.into_table(Alias::new(table)).columns(columns.clone());
                for ((project, hour, model, assistant, env, status), sums) in chunk {
                    let mut values: Vec<SimpleExpr> =
                        vec![(*project).into(), (*hour).into(), model.clone().into(), assistant.clone().into(), env.clone().into(), status.clone().into()];
                    values.extend(sums.iter().map(|s| SimpleExpr::from(*s)));
                    insert.values_panic(values);
                }
                m.exec_stmt(insert).await?;
            }
            db.execute_unprepared(&format!("CREATE UNIQUE INDEX ux_{table}_key ON {table} ({OLD_KEY})")).await?;
        }
        Ok(())
    }
}
