//! Probes, request ids, migrations on both engines, SQLite write concurrency and the CLI.
use crate::helpers::*;
use crate::on_both_engines;
use migration::MigratorTrait;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, DbBackend, Statement};

on_both_engines!(probes_and_request_ids, |app: TestApp| async move {
    let mut c = Client::new(&app);
    let health = c.get("/healthz").await;
    assert_eq!(health.status, StatusCode::OK);
    assert!(health.headers.contains_key("x-request-id"), "every response carries a request id");
    assert_eq!(c.get("/readyz").await.status, StatusCode::OK);
    app.state.db.clone().close().await.unwrap();
    assert_eq!(c.get("/readyz").await.status, StatusCode::SERVICE_UNAVAILABLE, "not ready without a database");
});

async fn tables(db: &sea_orm::DatabaseConnection) -> Vec<String> {
    let sql = match db.get_database_backend() {
        DbBackend::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        _ => "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    };
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap().iter().map(|r| r.try_get::<String>("", "name").unwrap()).collect()
}

async fn migrations_round_trip(engine: Engine) {
    let Some(test_db) = TestDb::new(engine).await else {
        eprintln!("skipped: set {POSTGRES_ENV} to run PostgreSQL tests");
        return;
    };
    let db = plinth::server::db::connect(&test_db.url).await.unwrap();
    migration::Migrator::up(&db, None).await.unwrap();
    let status = plinth::server::db::migration_status(&db).await.unwrap();
    assert!(!status.is_empty());
    assert!(status.iter().all(|(_, applied)| *applied), "{status:?}");
    let all = tables(&db).await;
    for t in ["users", "sessions", "seaql_migrations"] {
        assert!(all.contains(&t.to_string()), "{t} missing from {all:?}");
    }
    migration::Migrator::down(&db, None).await.unwrap();
    assert_eq!(tables(&db).await, vec!["seaql_migrations".to_string()], "down removes every table");
    migration::Migrator::up(&db, None).await.unwrap();
    assert_eq!(tables(&db).await, all, "up again gives the same schema");
    db.close().await.unwrap();
}

#[tokio::test]
async fn migrations_apply_on_sqlite() {
    migrations_round_trip(Engine::Sqlite).await;
}

#[tokio::test]
async fn migrations_apply_on_postgres() {
    migrations_round_trip(Engine::Postgres).await;
}

/// Nagle's algorithm off on every connection to PostgreSQL. sqlx 0.9.0 left
/// it on: a statement whose parameters filled more than one TCP segment
/// (an ingest batch's JSON) waited about 40 ms for the server's delayed
/// ACK, and PostgreSQL ingestion ran with the cores 80% idle (README).
#[tokio::test]
async fn postgres_connections_send_without_delay() {
    use std::os::fd::BorrowedFd;
    let Some(app) = spawn_app(Engine::Postgres).await else {
        eprintln!("skipped: set {POSTGRES_ENV} to run PostgreSQL tests");
        return;
    };
    app.state.db.execute_unprepared("SELECT 1").await.unwrap();
    let port = url::Url::parse(&std::env::var(POSTGRES_ENV).unwrap()).unwrap().port().unwrap_or(5432);
    let (mut seen, mut delayed) = (0, Vec::new());
    for entry in std::fs::read_dir("/proc/self/fd").unwrap().flatten() {
        let Some(fd) = entry.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else { continue };
        // SAFETY: the descriptor is only queried, and a socket2 query on a
        // descriptor that closed or is not a socket returns an error.
        let fd = unsafe { BorrowedFd::borrow_raw(fd) };
        let socket = socket2::SockRef::from(&fd);
        let Some(peer) = socket.peer_addr().ok().and_then(|a| a.as_socket()) else { continue };
        if peer.port() == port {
            seen += 1;
            if !socket.tcp_nodelay().unwrap_or(false) {
                delayed.push(peer);
            }
        }
    }
    assert!(seen > 0, "the app's pool holds a connection to PostgreSQL");
    assert!(delayed.is_empty(), "connections with Nagle's algorithm on: {delayed:?}");
}

#[tokio::test]
async fn sqlite_is_configured_for_concurrent_writers() {
    let app = spawn_app(Engine::Sqlite).await.unwrap();
    let db = app.state.db.clone();
    let pragma = |p: &'static str| {
        let db = db.clone();
        async move {
            let row = db.query_one_raw(Statement::from_string(DbBackend::Sqlite, format!("PRAGMA {p}"))).await.unwrap().unwrap();
            row.try_get_by_index::<String>(0).or_else(|_| row.try_get_by_index::<i64>(0).map(|n| n.to_string())).unwrap()
        }
    };
    assert_eq!(pragma("journal_mode").await, "wal");
    assert_eq!(pragma("foreign_keys").await, "1");
    assert_eq!(pragma("busy_timeout").await, "5000");

    // Read-then-write transactions from many tasks at once: none may fail with SQLITE_BUSY.
    db.execute_unprepared("CREATE TABLE counter (n INTEGER NOT NULL)").await.unwrap();
    db.execute_unprepared("INSERT INTO counter (n) VALUES (0)").await.unwrap();
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let db = db.clone();
            tokio::spawn(async move {
                let tx = begin_write(&db).await?;
                let row = tx.query_one_raw(Statement::from_string(DbBackend::Sqlite, "SELECT n FROM counter")).await?.unwrap();
                let n: i64 = row.try_get_by_index(0)?;
                tokio::task::yield_now().await;
                tx.execute_unprepared(&format!("UPDATE counter SET n = {}", n + 1)).await?;
                tx.commit().await
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().expect("no writer fails");
    }
    let row = db.query_one_raw(Statement::from_string(DbBackend::Sqlite, "SELECT n FROM counter")).await.unwrap().unwrap();
    assert_eq!(row.try_get_by_index::<i64>(0).unwrap(), 32, "no update was lost");
}

/// `cmd` (a `plinth_cmd`, with its settings and output) run as `plinth
/// serve` on a free port, once it answers `/readyz`: the process and its base URL.
pub async fn serve_process(mut cmd: std::process::Command) -> (std::process::Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = cmd.arg("serve").env("PLINTH_BIND", format!("127.0.0.1:{port}")).spawn().unwrap();
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..400 {
        if reqwest::get(format!("{base}/readyz")).await.is_ok_and(|r| r.status().is_success()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    (child, base)
}

pub fn plinth_cmd(database_url: &str) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_plinth"));
    cmd.env_clear().env("DATABASE_URL", database_url).env("PATH", std::env::var("PATH").unwrap_or_default());
    cmd
}

#[tokio::test]
async fn cli_explains_itself_and_refuses_bad_settings() {
    let out = plinth_cmd("sqlite::memory:").arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for word in ["serve", "migrate", "seed-demo", "create-user", "DATABASE_URL", "PLINTH_SESSION_IDLE_MINUTES"] {
        assert!(help.contains(word), "--help should mention {word}:\n{help}");
    }
    // Variables that may hold passwords are not echoed by --help.
    let out = plinth_cmd("postgres://plinth:s3cret@db/plinth").env("PLINTH_SMTP_URL", "smtps://u:hunter2@mail").arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(!help.contains("s3cret") && !help.contains("hunter2"), "{help}");
    let out = plinth_cmd("sqlite::memory:").env("PLINTH_TYPO", "1").arg("migrate").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown setting PLINTH_TYPO"));
    // An invalid value names its variable; an empty one counts as unset.
    let out = plinth_cmd("sqlite::memory:").env("PLINTH_SESSION_IDLE_MINUTES", "soon").arg("migrate").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("PLINTH_SESSION_IDLE_MINUTES"), "{}", String::from_utf8_lossy(&out.stderr));
    let db = TestDb::new(Engine::Sqlite).await.unwrap();
    let out = plinth_cmd(&db.url).env("PLINTH_PUBLIC_URL", "").arg("migrate").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // A flag wins over its variable.
    let logs = |out: std::process::Output| String::from_utf8_lossy(&out.stderr).trim().to_string();
    let json = logs(plinth_cmd(&db.url).env("PLINTH_LOG_FORMAT", "json").arg("migrate").output().unwrap());
    assert!(json.starts_with('{'), "{json}");
    let text = logs(plinth_cmd(&db.url).env("PLINTH_LOG_FORMAT", "json").args(["migrate", "--log-format", "text"]).output().unwrap());
    assert!(!text.is_empty() && !text.starts_with('{'), "{text}");
    // Every setting is also a flag.
    let out = plinth_cmd("sqlite::memory:").args(["migrate", "--log-format", "yaml"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = plinth_cmd("sqlite::memory:").args(["--log", "plinth=loud", "migrate"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "an invalid log filter stops start-up");
    assert!(String::from_utf8_lossy(&out.stderr).contains("PLINTH_LOG"));
}

#[tokio::test]
async fn cli_migrates_seeds_and_creates_users() {
    let db = TestDb::new(Engine::Sqlite).await.unwrap();
    let run = |args: &[&str]| {
        let out = plinth_cmd(&db.url).args(args).output().unwrap();
        (out.status.success(), String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr))
    };
    let (ok, out) = run(&["migrate", "status"]);
    assert!(ok && out.contains("pending"), "{out}");
    let (ok, out) = run(&["migrate"]);
    assert!(ok, "{out}");
    let (ok, out) = run(&["migrate", "status"]);
    assert!(ok && out.contains("applied") && !out.contains("pending"), "{out}");
    let (ok, out) = run(&["create-user", "--name", "Root", "--email", "root@example.com", "--password", "long enough pw"]);
    assert!(ok, "{out}");
    let (ok, out) = run(&["create-user", "--name", "Root", "--email", "root@example.com", "--password", "long enough pw"]);
    assert!(!ok && out.contains("already exists"), "{out}");
    let (ok, out) = run(&["create-user", "--name", "X", "--email", "x@example.com", "--password", "short"]);
    assert!(!ok && out.contains("at least 8"), "{out}");
    let (ok, out) = run(&["seed-demo"]);
    assert!(ok && out.contains("already has accounts"), "seeding never touches a used database: {out}");

    let fresh = TestDb::new(Engine::Sqlite).await.unwrap();
    let out = plinth_cmd(&fresh.url).arg("seed-demo").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.contains(plinth::server::seed::DEMO_OWNER_EMAIL), "{text}");
    let app = start(test_config(&fresh.url), None).await;
    let mut c = Client::new(&app);
    assert_eq!(c.log_in(plinth::server::seed::DEMO_OWNER_EMAIL, plinth::server::seed::DEMO_PASSWORD).await.status, StatusCode::OK);
    // The printed demo key works with the README's call, and the demo holds a quarter of usage.
    let key = text.split("demo project key: ").nth(1).and_then(|rest| rest.split_whitespace().next()).expect("a demo key line");
    let sent = Api::new(&app, Some(key))
        .events(
            &serde_json::json!({ "events": [{ "id": "hello-1", "timestamp": chrono::Utc::now().to_rfc3339(), "model": "gpt-4o-mini", "status": "success" }] }),
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    let days = crate::fixtures::scalar(&app, "SELECT COUNT(DISTINCT hour / 24) FROM usage_hourly").await;
    assert!((89..=91).contains(&days), "90 days of demo usage, got {days}");
    assert!(crate::fixtures::scalar(&app, "SELECT COUNT(DISTINCT end_user) FROM usage_hourly").await >= 200, "a few hundred end users");
    let newest =
        "SELECT COUNT(DISTINCT occurred_at) FROM (SELECT occurred_at FROM usage_events WHERE event_id LIKE 'demo-%' ORDER BY occurred_at DESC LIMIT 100) AS n";
    assert!(crate::fixtures::scalar(&app, newest).await >= 90, "the newest demo calls each have their own time");

    // The maintenance commands: nothing to purge or re-price in the fresh demo; unknown organizations refused.
    let cli = |args: &[&str]| {
        let out = plinth_cmd(&fresh.url).args(args).output().unwrap();
        (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
    };
    let (ok, out) = cli(&["purge-expired"]);
    assert!(ok && out.contains("removed 0 events"), "{out}");
    let org = crate::fixtures::scalar(&app, "SELECT MIN(id) FROM organizations").await.to_string();
    let (ok, out) = cli(&["recompute-costs", "--org", &org, "--model", "gpt-4o"]);
    assert!(ok && out.contains(" 0 changed"), "{out}");
    let (ok, out) = cli(&["recompute-costs", "--org", "999999", "--model", "gpt-4o"]);
    assert!(!ok && out.contains("no organization with id 999999"), "{out}");
}

// Building a router lists the routes by rendering the app with resource
// loading switched off process-wide. Tests start many servers in one
// process: a page whose resources began loading during another server's
// start used to wait forever. Build routers without pause on another thread
// while pages render; each page must still finish.
#[tokio::test]
async fn pages_render_while_another_server_starts() {
    let app = spawn_app(Engine::Sqlite).await.unwrap();
    let mut fx = crate::fixtures::org(&app, "Startup").await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let builder = std::thread::spawn({
        let (state, stop) = (app.state.clone(), stop.clone());
        move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            let _inside = rt.enter();
            let mut built = 0u32;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                drop(plinth::server::app::router(state.clone()));
                built += 1;
            }
            built
        }
    });
    for _ in 0..10 {
        let page = tokio::time::timeout(std::time::Duration::from_secs(10), fx.owner.client.get(&format!("/o/{}/team", fx.slug))).await;
        let page = page.expect("the page finished while routers were built");
        assert!(page.body.contains("</html>"), "{}", page.status);
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(builder.join().unwrap() > 0, "routers were built meanwhile");
}
