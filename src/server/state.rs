//! Everything a request handler needs, built once at start-up.
use crate::server::auth::session_store::DbSessionStore;
use crate::server::auth::throttle::Throttles;
use crate::server::config::Config;
use crate::server::db;
use crate::server::mail::Mailer;
use axum::extract::FromRef;
use leptos::config::{Env, LeptosOptions};
use sea_orm::DatabaseConnection;
use std::sync::Arc;

#[derive(Clone, Debug)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub throttle: Arc<Throttles>,
    pub sessions: DbSessionStore,
    pub mailer: Mailer,
    pub leptos: LeptosOptions,
    /// Where pages with charts load the chart loader from (`None`: no charts drawn).
    pub charts_script: Option<Arc<str>>,
    /// The lazy pages' chunks, for their preload links (`None`: an unsplit site).
    pub chunks: Option<Arc<crate::server::assets::Chunks>>,
    /// Ingestion's writer for this database (group commit, SQLite's turn).
    pub writer: Arc<crate::server::usage::store::Writer>,
}

impl AppState {
    /// Connect and bring the schema up to date.
    pub async fn new(config: Config) -> Result<Self, String> {
        let db = db::connect(&config.database_url).await.map_err(|e| format!("cannot open the database at {}: {e}", redact(&config.database_url)))?;
        db::migrate(&db).await.map_err(|e| format!("migrations failed: {e}"))?;
        crate::server::repo::audit::seal_unchained(&db).await.map_err(|e| format!("sealing the audit log failed: {e}"))?;
        Self::with_db(config, db)
    }

    pub fn with_db(config: Config, db: DatabaseConnection) -> Result<Self, String> {
        // `cargo leptos watch` sets LEPTOS_ENV=DEV; anything else is production.
        let env = match std::env::var("LEPTOS_ENV") {
            Ok(v) if v.eq_ignore_ascii_case("dev") || v.eq_ignore_ascii_case("development") => Env::DEV,
            _ => Env::PROD,
        };
        let mut leptos =
            LeptosOptions::builder().output_name("plinth").site_root(config.site_root.as_str()).site_pkg_dir("pkg").site_addr(config.bind).env(env).build();
        let hash_file = crate::server::assets::hash_file(&config.site_root);
        if let Some(file) = hash_file {
            leptos.hash_files = true;
            leptos.hash_file = file.to_string_lossy().into();
        }
        let throttle = Arc::new(Throttles::new(&config.limits));
        let charts_script = crate::server::assets::charts_script(&config.site_root, "pkg").map(Arc::from);
        let chunks = crate::server::assets::Chunks::read(&config.site_root, "pkg").map(Arc::new);
        crate::server::auth::password::set_hash_wait(config.limits.hash_wait);
        // Only a configured key is installed: servers without one (tests in
        // one process, say) leave the process's key as it is.
        if config.audit_key.is_some() {
            crate::server::audit_key::install(config.audit_key.clone());
        }
        Ok(Self {
            mailer: Mailer::new(config.mail, config.smtp.as_ref())?,
            sessions: DbSessionStore::new(db.clone()),
            db,
            config: Arc::new(config),
            throttle,
            charts_script,
            chunks,
            leptos,
            writer: Arc::default(),
        })
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}

/// A database URL fit for logs: the password is replaced.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}
