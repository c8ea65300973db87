//! Latency percentiles from log-scale buckets (`domain::latency`):
//! `usage_latency_hourly` and `usage_latency_daily` count calls per
//! (project, hour or day, environment, bucket), replacing the thirteen
//! fixed `lat_i` columns of the hourly and daily totals, whose buckets were
//! too coarse (p95 came out 7–9% off).
//!
//! Filled from the stored events. Hours whose events retention has already
//! deleted keep what the old columns knew: each old bucket's calls go to
//! the new bucket of its middle (its lower bound for the open last one).
use sea_orm::ConnectionTrait;
use sea_orm_migration::{prelude::*, schema::*};
use std::collections::{BTreeMap, HashSet};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Latency {
    Id,
    ProjectId,
    Hour,
    Environment,
    Bucket,
    Calls,
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
}

const HOURLY: &str = "usage_latency_hourly";
const DAILY: &str = "usage_latency_daily";
/// The old tables with `lat_i` columns, and the new table each one's counts go to.
const OLD: [(&str, Option<&str>); 3] = [("usage_hourly_totals", Some(HOURLY)), ("usage_daily_totals", Some(DAILY)), ("usage_hourly", None)];
const OLD_BOUNDS_MS: [i64; 12] = crate::LATENCY_BOUNDS_MS;

/// `domain::latency::bucket_of` as of this migration (a test holds them equal).
pub fn latency_bucket(ms: i64) -> i32 {
    if ms <= 0 {
        return 0;
    }
    let gamma: f64 = (1.0 + 0.015) / (1.0 - 0.015);
    ((ms as f64).ln() / gamma.ln()).ceil() as i32 + 1
}

type Counts = BTreeMap<(i64, i64, String, i32), i64>;

fn table(name: &str) -> TableCreateStatement {
    let t = Alias::new(name);
    Table::create()
        .table(t.clone())
        .col(big_pk_auto(Latency::Id))
        .col(big_integer(Latency::ProjectId))
        .col(big_integer(Latency::Hour))
        .col(string_len(Latency::Environment, 200))
        .col(integer(Latency::Bucket))
        .col(big_integer(Latency::Calls))
        .foreign_key(ForeignKey::create().from(t, Latency::ProjectId).to(Projects::Table, Projects::Id).on_delete(ForeignKeyAction::Cascade))
        .to_owned()
}

/// Add counts to a table, a chunk of rows per statement.
async fn add(m: &SchemaManager<'_>, name: &str, counts: Counts) -> Result<(), DbErr> {
    let mut rows = counts.into_iter().peekable();
    while rows.peek().is_some() {
        let mut insert = Query::insert();
        insert.into_table(Alias::new(name)).columns([Latency::ProjectId, Latency::Hour, Latency::Environment, Latency::Bucket, Latency::Calls]);
        for ((project, hour, env, bucket), calls) in rows.by_ref().take(500) {
            insert.values_panic([project.into(), hour.into(), env.into(), bucket.into(), calls.into()]);
        }
        let mut on = OnConflict::columns([Latency::ProjectId, Latency::Hour, Latency::Environment, Latency::Bucket]);
        on.value(Latency::Calls, Expr::cust(format!("{name}.calls + excluded.calls")));
        insert.on_conflict(on);
        m.exec_stmt(insert).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for name in [HOURLY, DAILY] {
            m.create_table(table(name)).await?;
            m.create_index(
                Index::create()
                    .name(format!("ux_{name}_key"))
                    .table(Alias::new(name))
                    .col(Latency::ProjectId)
                    .col(Latency::Hour)
                    .col(Latency::Environment)
                    .col(Latency::Bucket)
                    .unique()
                    .to_owned(),
            )
            .await?;
        }
        let db = m.get_connection();
        // The events, a chunk at a time by id.
        let (mut hourly_covered, mut daily_covered) = (HashSet::new(), HashSet::new());
        let mut after = 0i64;
        loop {
            let select = Query::select()
                .columns([Alias::new("id"), Alias::new("project_id"), Alias::new("hour"), Alias::new("environment"), Alias::new("latency_ms")])
                .from(Alias::new("usage_events"))
                .and_where(Expr::col(Alias::new("id")).gt(after))
                .and_where(Expr::col(Alias::new("latency_ms")).is_not_null())
                .order_by(Alias::new("id"), Order::Asc)
                .limit(20_000)
                .to_owned();
            let rows = db.query_all(&select).await?;
            if rows.is_empty() {
                break;
            }
            let (mut hourly, mut daily) = (Counts::new(), Counts::new());
            for row in rows {
                after = row.try_get("", "id")?;
                let (project, hour): (i64, i64) = (row.try_get("", "project_id")?, row.try_get("", "hour")?);
                let env: Option<String> = row.try_get("", "environment")?;
                let env = env.unwrap_or_default();
                let bucket = latency_bucket(row.try_get("", "latency_ms")?);
                let day = hour.div_euclid(24) * 24;
                *hourly.entry((project, hour, env.clone(), bucket)).or_default() += 1;
                *daily.entry((project, day, env.clone(), bucket)).or_default() += 1;
                hourly_covered.insert((project, hour, env.clone()));
                daily_covered.insert((project, day, env));
            }
            add(m, HOURLY, hourly).await?;
            add(m, DAILY, daily).await?;
        }
        // What the old columns knew of hours no event is left for.
        let old_buckets: Vec<String> = (0..=OLD_BOUNDS_MS.len()).map(|i| format!("lat_{i}")).collect();
        let middle = |i: usize| match (i.checked_sub(1).map(|j| OLD_BOUNDS_MS[j]), OLD_BOUNDS_MS.get(i)) {
            (low, Some(high)) => (low.unwrap_or(0) + high) / 2,
            (low, None) => low.unwrap_or(0),
        };
        for (old, new, covered) in [(OLD[0].0, HOURLY, &hourly_covered), (OLD[1].0, DAILY, &daily_covered)] {
            let mut select = Query::select();
            select.columns([Alias::new("project_id"), Alias::new("hour"), Alias::new("environment")]).from(Alias::new(old));
            for b in &old_buckets {
                select.column(Alias::new(b.as_str()));
            }
            let mut counts = Counts::new();
            for row in db.query_all(&select).await? {
                let key: (i64, i64, String) = (row.try_get("", "project_id")?, row.try_get("", "hour")?, row.try_get("", "environment")?);
                if covered.contains(&key) {
                    continue;
                }
                for (i, b) in old_buckets.iter().enumerate() {
                    let calls: i64 = row.try_get("", b)?;
                    if calls > 0 {
                        let n = counts.entry((key.0, key.1, key.2.clone(), latency_bucket(middle(i)))).or_default();
                        *n = n.saturating_add(calls);
                    }
                }
            }
            add(m, new, counts).await?;
        }
        // SQLite drops one column per ALTER TABLE.
        for (old, _) in OLD {
            for b in &old_buckets {
                m.alter_table(Table::alter().table(Alias::new(old)).drop_column(Alias::new(b.as_str())).to_owned()).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // The fixed buckets come back empty: what they held cannot be recovered.
        for (old, _) in OLD {
            for i in 0..=OLD_BOUNDS_MS.len() {
                let add = ColumnDef::new(Alias::new(format!("lat_{i}"))).big_integer().not_null().default(0).to_owned();
                m.alter_table(Table::alter().table(Alias::new(old)).add_column(add).to_owned()).await?;
            }
        }
        for name in [DAILY, HOURLY] {
            m.drop_table(Table::drop().table(Alias::new(name)).to_owned()).await?;
        }
        Ok(())
    }
}
