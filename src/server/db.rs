//! Database connection. SQLite is configured deliberately (WAL, foreign keys,
//! busy timeout) and checked at start-up; PostgreSQL uses the same code.
use migration::MigratorTrait;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, SqliteTransactionMode, Statement, TransactionOptions,
    TransactionTrait,
};
use std::time::Duration;

pub const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    if let Some(path) = sqlite_path(url)
        && let Some(dir) = std::path::Path::new(path).parent().filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).map_err(|e| DbErr::Custom(format!("cannot create {}: {e}", dir.display())))?;
    }
    let mut opts = ConnectOptions::new(url);
    opts.sqlx_logging(false).max_connections(if url.starts_with("sqlite:") { 8 } else { 16 }).acquire_timeout(Duration::from_secs(10)).map_sqlx_sqlite_opts(
        |o| o.journal_mode(SqliteJournalMode::Wal).foreign_keys(true).busy_timeout(SQLITE_BUSY_TIMEOUT).synchronous(SqliteSynchronous::Normal),
    );
    let db = Database::connect(opts).await?;
    check_settings(&db).await?;
    Ok(db)
}

/// Refuse to start if SQLite did not take the settings we rely on.
async fn check_settings(db: &DatabaseConnection) -> Result<(), DbErr> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Ok(());
    }
    let pragma = |name: &'static str| async move {
        let row = db
            .query_one_raw(Statement::from_string(DbBackend::Sqlite, format!("PRAGMA {name}")))
            .await?
            .ok_or_else(|| DbErr::Custom(format!("PRAGMA {name} returned nothing")))?;
        row.try_get_by_index::<String>(0).or_else(|_| row.try_get_by_index::<i64>(0).map(|n| n.to_string()))
    };
    let journal = pragma("journal_mode").await?;
    let fks = pragma("foreign_keys").await?;
    let busy = pragma("busy_timeout").await?;
    let problems: Vec<String> = [
        (journal.eq_ignore_ascii_case("wal"), format!("journal_mode is {journal}, expected wal")),
        (fks == "1", format!("foreign_keys is {fks}, expected 1")),
        (busy.parse::<u128>().unwrap_or(0) >= SQLITE_BUSY_TIMEOUT.as_millis(), format!("busy_timeout is {busy}")),
    ]
    .into_iter()
    .filter_map(|(ok, msg)| (!ok).then_some(msg))
    .collect();
    if !stable_query_plans(db).await? {
        tracing::warn!("SQLite was built without SQLITE_ENABLE_QPSG (see .cargo/config.toml): every `LIMIT ?` query is planned again on each run");
    }
    if problems.is_empty() {
        tracing::info!(journal, foreign_keys = fks, busy_timeout_ms = busy, "sqlite settings checked");
        Ok(())
    } else {
        Err(DbErr::Custom(format!("SQLite is not configured as Plinth needs: {}", problems.join("; "))))
    }
}

/// Whether the bundled SQLite keeps a statement's plan when its bound values
/// change (`SQLITE_ENABLE_QPSG`, set in `.cargo/config.toml`).
pub async fn stable_query_plans(db: &DatabaseConnection) -> Result<bool, DbErr> {
    let sql = "SELECT sqlite_compileoption_used('ENABLE_QPSG')";
    let row = db.query_one_raw(Statement::from_string(DbBackend::Sqlite, sql)).await?;
    Ok(row.and_then(|r| r.try_get_by_index::<i64>(0).ok()) == Some(1))
}

/// Begin a transaction that will write. On SQLite it takes the write lock up
/// front (BEGIN IMMEDIATE), so concurrent writers queue on the busy timeout
/// instead of failing with SQLITE_BUSY when a read lock cannot be upgraded.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions { isolation_level: None, access_mode: None, sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate) })
        .await
}

pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    migration::Migrator::up(db, None).await
}

/// `true` when the database can answer a query (for /readyz).
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.ping().await.is_ok()
}

fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or("");
    (!path.is_empty() && path != ":memory:").then_some(path)
}

/// Every known migration and whether it has been applied.
pub async fn migration_status(db: &DatabaseConnection) -> Result<Vec<(String, bool)>, DbErr> {
    use migration::MigrationStatus;
    Ok(migration::Migrator::get_migration_with_status(db)
        .await?
        .into_iter()
        .map(|m| (m.name().to_string(), matches!(m.status(), MigrationStatus::Applied)))
        .collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn sqlite_paths_are_found() {
        assert_eq!(super::sqlite_path("sqlite://data/plinth.db?mode=rwc"), Some("data/plinth.db"));
        assert_eq!(super::sqlite_path("sqlite::memory:"), None);
        assert_eq!(super::sqlite_path("postgres://x/y"), None);
    }

    /// Without it a cached `LIMIT ?` statement is re-planned on every run
    /// (a third of SQLite's time on a signed-in page; see README, Performance).
    #[tokio::test]
    async fn sqlite_keeps_query_plans_across_bound_values() {
        let path = std::env::temp_dir().join(format!("plinth-qpsg-{}.db", std::process::id()));
        let db = super::connect(&format!("sqlite://{}?mode=rwc", path.display())).await.unwrap();
        assert!(super::stable_query_plans(&db).await.unwrap(), "build with .cargo/config.toml's LIBSQLITE3_FLAGS");
    }
}
