//! `spawn_app` and a small HTTP client that keeps the session cookie by hand,
//! so tests can replay old cookies on purpose.
use plinth::server::config::Config;
use plinth::server::{AppState, app, db};
use reqwest::StatusCode;
use serde_json::Value;
use std::time::Duration;

#[derive(Clone, Copy, Debug)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Where the PostgreSQL server for tests is; its tests are skipped without it.
pub const POSTGRES_ENV: &str = "PLINTH_TEST_POSTGRES_URL";

/// A fresh, empty database for one test, removed when dropped.
pub struct TestDb {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    File(std::path::PathBuf),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    pub async fn new(engine: Engine) -> Option<Self> {
        let id = uuid::Uuid::new_v4().simple().to_string();
        match engine {
            Engine::Sqlite => {
                let path = std::env::temp_dir().join(format!("plinth-test-{id}.db"));
                Some(Self { url: format!("sqlite://{}?mode=rwc", path.display()), cleanup: Cleanup::File(path) })
            }
            Engine::Postgres => {
                let admin_url = std::env::var(POSTGRES_ENV).ok().filter(|u| !u.is_empty())?;
                let name = format!("plinth_test_{id}");
                let admin = sea_orm::Database::connect(&admin_url).await.expect("connect to the PostgreSQL test server");
                use sea_orm::ConnectionTrait;
                admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create test database");
                admin.close().await.ok();
                let mut url = url::Url::parse(&admin_url).expect("test URL parses");
                url.set_path(&name);
                Some(Self { url: url.to_string(), cleanup: Cleanup::Postgres { admin_url, name } })
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Postgres { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop runs inside the test's runtime; use a thread with its own.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                    rt.block_on(async {
                        use sea_orm::ConnectionTrait;
                        if let Ok(admin) = sea_orm::Database::connect(&admin_url).await {
                            let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

pub struct TestApp {
    pub base: String,
    pub state: AppState,
    /// Held only to be dropped with the app; `None` when the test owns the database.
    #[allow(dead_code)]
    pub db: Option<TestDb>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Settings for a test server; `tweak` may shorten timeouts and the like.
pub fn test_config(database_url: &str) -> Config {
    let mut config = Config::from_vars([("DATABASE_URL".to_string(), database_url.to_string())]).expect("test config");
    // Organizations start on Free, as in Plinth, with Free's limits lifted:
    // a test of something else must not trip over them (`plans.rs` tests them).
    let unlimited = "[free]\nmembers = \"unlimited\"\nprojects = \"unlimited\"\napi_keys = \"unlimited\"\nevents_per_month = \"unlimited\"\n";
    config.plans = std::sync::Arc::new(plinth::server::billing::plans::parse(unlimited).expect("test plans"));
    // Tests run jobs when they mean to (`jobs::run_once`), not on a timer.
    config.run_jobs = false;
    config
}

pub async fn spawn_app(engine: Engine) -> Option<TestApp> {
    spawn_app_with(engine, |_| {}).await
}

pub async fn spawn_app_with(engine: Engine, tweak: impl FnOnce(&mut Config)) -> Option<TestApp> {
    let db = TestDb::new(engine).await?;
    let mut config = test_config(&db.url);
    tweak(&mut config);
    Some(start(config, Some(db)).await)
}

/// Start a server on a free port over an existing database.
pub async fn start(mut config: Config, db: Option<TestDb>) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    config.bind = addr;
    config.public_url = url::Url::parse(&format!("http://{addr}")).unwrap();
    let state = AppState::new(config).await.expect("app state");
    let server = tokio::spawn({
        let state = state.clone();
        async move {
            app::serve(state, listener, std::future::pending()).await.unwrap();
        }
    });
    TestApp { base: format!("http://{addr}"), state, db, server }
}

/// Run `$body` against a fresh app on SQLite and, when configured, PostgreSQL.
#[macro_export]
macro_rules! on_both_engines {
    ($(#[$meta:meta])* $name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test]
            async fn sqlite() {
                let app = $crate::helpers::spawn_app($crate::helpers::Engine::Sqlite).await.unwrap();
                ($body)(app).await;
            }
            #[tokio::test]
            async fn postgres() {
                let Some(app) = $crate::helpers::spawn_app($crate::helpers::Engine::Postgres).await else {
                    eprintln!("skipped: set {} to run PostgreSQL tests", $crate::helpers::POSTGRES_ENV);
                    return;
                };
                ($body)(app).await;
            }
        }
    };
}

/// `on_both_engines!` with a configuration tweak (tighter limits, say).
#[macro_export]
macro_rules! on_both_engines_with {
    ($name:ident, $tweak:expr, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test]
            async fn sqlite() {
                let app = $crate::helpers::spawn_app_with($crate::helpers::Engine::Sqlite, $tweak).await.unwrap();
                ($body)(app).await;
            }
            #[tokio::test]
            async fn postgres() {
                let Some(app) = $crate::helpers::spawn_app_with($crate::helpers::Engine::Postgres, $tweak).await else {
                    eprintln!("skipped: set {} to run PostgreSQL tests", $crate::helpers::POSTGRES_ENV);
                    return;
                };
                ($body)(app).await;
            }
        }
    };
}

#[derive(Debug)]
pub struct Res {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Res {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn location(&self) -> Option<&str> {
        self.headers.get("location").and_then(|v| v.to_str().ok())
    }

    /// The message of an `AppError` body.
    pub fn error_message(&self) -> String {
        self.json()["message"].as_str().unwrap_or_default().to_string()
    }
}

/// One browser-like visitor: holds the session cookie, follows no redirects.
pub struct Client {
    pub base: String,
    http: reqwest::Client,
    pub cookie: Option<String>,
}

impl Client {
    pub fn new(app: &TestApp) -> Self {
        Self::at(&app.base)
    }

    /// A client of a server at `base` (another process, say).
    pub fn at(base: &str) -> Self {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).timeout(Duration::from_secs(30)).build().unwrap();
        Self { base: base.to_string(), http, cookie: None }
    }

    async fn send(&mut self, req: reqwest::RequestBuilder) -> Res {
        let req = match &self.cookie {
            Some(c) => req.header("cookie", format!("{}={c}", app::SESSION_COOKIE)),
            None => req,
        };
        let res = req.send().await.expect("request");
        for value in res.headers().get_all("set-cookie") {
            let value = value.to_str().unwrap();
            let Some(rest) = value.strip_prefix(&format!("{}=", app::SESSION_COOKIE)) else { continue };
            let id = rest.split(';').next().unwrap_or("").to_string();
            let removed = id.is_empty() || value.to_ascii_lowercase().contains("max-age=0");
            self.cookie = (!removed).then_some(id);
        }
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.text().await.unwrap_or_default();
        Res { status, headers, body }
    }

    /// Call a server function the way a non-browser client does (form body, JSON answer).
    pub async fn call(&mut self, endpoint: &str, form: &[(&str, &str)]) -> Res {
        let req = self.http.post(format!("{}/api/{endpoint}", self.base)).form(form);
        self.send(req).await
    }

    /// Call a server function by its type: the path and the argument names
    /// come from the function itself, so renaming either breaks the build,
    /// not the test. `call` stays for requests built to be malformed.
    pub async fn call_fn<F>(&mut self, args: &F) -> Res
    where
        F: leptos::server_fn::ServerFn + serde::Serialize,
    {
        let body = serde_qs::to_string(args).expect("server function arguments serialize");
        let req = self.http.post(format!("{}{}", self.base, F::PATH)).header("content-type", "application/x-www-form-urlencoded").body(body);
        self.send(req).await
    }

    pub async fn call_with_headers(&mut self, endpoint: &str, form: &[(&str, &str)], headers: &[(&str, &str)]) -> Res {
        let mut req = self.http.post(format!("{}/api/{endpoint}", self.base)).form(form);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.send(req).await
    }

    pub async fn get(&mut self, path: &str) -> Res {
        let req = self.http.get(format!("{}{path}", self.base)).header("accept", "text/html");
        self.send(req).await
    }

    pub async fn sign_up(&mut self, name: &str, email: &str, password: &str) -> Res {
        self.call("signup", &[("name", name), ("email", email), ("password", password)]).await
    }

    pub async fn log_in(&mut self, email: &str, password: &str) -> Res {
        self.call("login", &[("email", email), ("password", password)]).await
    }

    /// The signed-in user as the server sees it (`null` when signed out).
    pub async fn me(&mut self) -> Value {
        let res = self.call("me", &[]).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        res.json()
    }
}

pub const PASSWORD: &str = "correct horse battery";

/// A signed-up, signed-in client.
pub async fn signed_up(app: &TestApp, name: &str, email: &str) -> Client {
    let mut c = Client::new(app);
    let res = c.sign_up(name, email, PASSWORD).await;
    assert_eq!(res.status, StatusCode::OK, "sign-up failed: {}", res.body);
    c
}

pub async fn count_rows(app: &TestApp, table: &str) -> i64 {
    use sea_orm::{ConnectionTrait, Statement};
    let backend = app.state.db.get_database_backend();
    let row = app.state.db.query_one_raw(Statement::from_string(backend, format!("SELECT COUNT(*) AS n FROM {table}"))).await.unwrap().unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

pub use db::begin_write;

/// An application calling the public API with one bearer token (or none).
pub struct Api {
    base: String,
    http: reqwest::Client,
    pub token: Option<String>,
}

impl Api {
    pub fn new(app: &TestApp, token: Option<&str>) -> Self {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
        Self { base: app.base.clone(), http, token: token.map(str::to_string) }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Res {
        let req = match &self.token {
            Some(t) => req.header("authorization", format!("Bearer {t}")),
            None => req,
        };
        let res = req.send().await.expect("request");
        let (status, headers) = (res.status(), res.headers().clone());
        Res { status, headers, body: res.text().await.unwrap_or_default() }
    }

    /// POST a body as it is, with its content type.
    pub async fn post_raw(&self, path: &str, content_type: &str, body: impl Into<reqwest::Body>) -> Res {
        self.send(self.http.post(format!("{}{path}", self.base)).header("content-type", content_type).body(body)).await
    }

    pub async fn events(&self, body: &Value) -> Res {
        self.post_raw("/api/v1/events", "application/json", body.to_string()).await
    }

    pub async fn get(&self, path: &str) -> Res {
        self.send(self.http.get(format!("{}{path}", self.base))).await
    }

    /// Any method, no body.
    pub async fn request(&self, method: reqwest::Method, path: &str) -> Res {
        self.send(self.http.request(method, format!("{}{path}", self.base))).await
    }
}

/// Run futures concurrently on the test's runtime.
pub async fn join_all<F: std::future::Future + Send + 'static>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

/// What the database plans for `stmt`, its values bound as the app binds
/// them (SQLite's plan then holds for any value: the build keeps plans
/// stable, `SQLITE_ENABLE_QPSG`). PostgreSQL is told not to scan tables,
/// which a test's few rows would make cheapest: the plan says what the
/// indexes give.
pub async fn plan(app: &TestApp, mut stmt: sea_orm::Statement) -> String {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let backend = app.state.db.get_database_backend();
    let txn = app.state.db.begin().await.unwrap();
    let detail = match backend {
        sea_orm::DbBackend::Postgres => {
            txn.execute_unprepared("SET LOCAL enable_seqscan = off").await.unwrap();
            stmt.sql = format!("EXPLAIN {}", stmt.sql);
            txn.query_all_raw(stmt).await.unwrap().iter().map(|r| r.try_get_by_index::<String>(0).unwrap()).collect::<Vec<_>>()
        }
        _ => {
            // A real read first loads the current schema on this connection.
            txn.query_all_raw(sea_orm::Statement::from_string(backend, "SELECT COUNT(*) FROM sqlite_master")).await.unwrap();
            stmt.sql = format!("EXPLAIN QUERY PLAN {}", stmt.sql);
            txn.query_all_raw(stmt).await.unwrap().iter().map(|r| r.try_get::<String>("", "detail").unwrap()).collect()
        }
    };
    txn.rollback().await.unwrap();
    detail.join("; ")
}
