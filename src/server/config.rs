//! Runtime settings, declared once in `Settings` (clap, with its `env`
//! feature): each is an environment variable (`DATABASE_URL`, `PLINTH_*`)
//! or a flag; see the README's table. Anything unknown or unparsable stops
//! start-up with a message naming the variable.
use std::net::SocketAddr;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub bind: SocketAddr,
    /// Where users reach Plinth; used in links and for the Origin check.
    pub public_url: url::Url,
    pub cookie_secure: bool,
    pub session_idle: Duration,
    pub session_absolute: Duration,
    pub smtp: Option<SmtpConfig>,
    /// Where email goes: SMTP, the log (links included), or nowhere.
    pub mail: MailMode,
    /// The key new audit entries are sealed with (HMAC-SHA-256), if any.
    pub audit_key: Option<crate::server::audit_key::AuditKey>,
    /// The built site (`/pkg`, favicon); by default the one next to the binary.
    pub site_root: String,
    /// `PLINTH_LOG`, a tracing filter.
    pub log_filter: String,
    pub log_format: LogFormat,
    /// Reverse proxies whose `X-Forwarded-For` names the real client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    pub limits: Limits,
    /// How often a signed-in session's idle deadline may move (and so its
    /// row be written): at most once per this interval.
    pub session_touch: Duration,
    /// The plans organizations may be on (`server::billing::plans`).
    pub plans: std::sync::Arc<crate::domain::plan::Plans>,
    /// Whether `serve` runs the scheduled jobs (`server::jobs`); tests that
    /// run a job themselves turn it off, so it cannot run it first.
    pub run_jobs: bool,
}

/// Rate limits; the sign-in ones are fixed, the others can be set.
#[derive(Debug, Clone)]
pub struct Limits {
    pub sign_in_per_account: usize,
    pub sign_in_per_address: usize,
    pub sign_ups_per_address_hour: usize,
    pub invitations_per_org_hour: usize,
    /// Public API requests per API key per minute.
    pub api_requests_per_key_minute: usize,
    /// Public API requests per project per minute, whatever the key: a
    /// Project Member may hold many keys, and each has its own allowance.
    pub api_requests_per_project_minute: usize,
    /// Failed API-key lookups per client address per minute, before the
    /// address is refused without a lookup.
    pub failed_key_lookups_per_address_minute: usize,
    /// Invitation emails per inviting user per hour, across organizations.
    pub invitations_per_user_hour: usize,
    /// Organizations one user may create per day.
    pub orgs_per_user_day: usize,
    /// How long a sign-in or sign-up waits for a password-hashing slot before 503.
    pub hash_wait: Duration,
    /// CSV exports running at once per project, and in all.
    pub exports_per_project: usize,
    pub exports_total: usize,
    /// Bytes of an event's `input` and of its `output` kept; the rest is cut.
    pub event_text_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            sign_in_per_account: 5,
            sign_in_per_address: 20,
            sign_ups_per_address_hour: 20,
            invitations_per_org_hour: 100,
            api_requests_per_key_minute: 600,
            api_requests_per_project_minute: 1_200,
            failed_key_lookups_per_address_minute: 30,
            invitations_per_user_hour: 100,
            orgs_per_user_day: 10,
            hash_wait: Duration::from_secs(5),
            exports_per_project: 2,
            exports_total: 4,
            event_text_bytes: 32 * 1024,
        }
    }
}

#[derive(Debug, Clone)]
pub struct SmtpConfig {
    /// e.g. `smtps://user:pass@mail.example.com:465` or `smtp://localhost:25`.
    pub url: String,
    pub from: String,
}

/// Where email goes. Without SMTP the default is `off`: an invitation email
/// holds a sign-in link, and a log is read by more people than the invitee.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MailMode {
    /// Through PLINTH_SMTP_URL (the default when it is set).
    Smtp,
    /// Written whole to the log, links included (for development).
    Log,
    /// Not sent; the inviter copies the link from the team page (the default without SMTP).
    Off,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CookieSecure {
    /// Secure when the public URL is https.
    Auto,
    True,
    False,
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/plinth.db?mode=rwc";

/// Every setting, read from its environment variable or its flag (the flag
/// wins). `plinth --help` lists them from here, and an unknown `PLINTH_*`
/// variable is one not named here. Value names are the variables' names, so
/// an error names the variable to fix.
#[derive(clap::Args, Debug, Clone)]
#[command(next_help_heading = "Settings (environment variables, or the flags)")]
pub struct Settings {
    /// sqlite://PATH?mode=rwc or postgres://… (checked in `from_settings`,
    /// whose messages never repeat a value that may hold a password).
    #[arg(long, global = true, env = "DATABASE_URL", hide_env_values = true, value_name = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
    /// Address to listen on.
    #[arg(long, global = true, env = "PLINTH_BIND", value_name = "PLINTH_BIND", default_value = "127.0.0.1:3000")]
    pub bind: SocketAddr,
    /// URL users reach Plinth at, for links and the Origin check [default: http://<bind>].
    #[arg(long, global = true, env = "PLINTH_PUBLIC_URL", value_name = "PLINTH_PUBLIC_URL", value_parser = http_url)]
    pub public_url: Option<url::Url>,
    /// Secure cookies: auto sets them when the public URL is https.
    #[arg(long, global = true, env = "PLINTH_COOKIE_SECURE", value_name = "PLINTH_COOKIE_SECURE", default_value = "auto")]
    pub cookie_secure: CookieSecure,
    /// Sign out after this many minutes of inactivity.
    #[arg(long, global = true, env = "PLINTH_SESSION_IDLE_MINUTES", value_name = "PLINTH_SESSION_IDLE_MINUTES", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=525_600))]
    pub session_idle_minutes: u64,
    /// Sign out this many hours after sign-in, active or not.
    #[arg(long, global = true, env = "PLINTH_SESSION_ABSOLUTE_HOURS", value_name = "PLINTH_SESSION_ABSOLUTE_HOURS", default_value_t = 12, value_parser = clap::value_parser!(u64).range(1..=8_760))]
    pub session_absolute_hours: u64,
    /// SMTP server for email, smtp:// or smtps://; unset writes emails to the log.
    #[arg(long, global = true, env = "PLINTH_SMTP_URL", hide_env_values = true, value_name = "PLINTH_SMTP_URL", requires = "smtp_from")]
    pub smtp_url: Option<String>,
    /// Sender address, required with PLINTH_SMTP_URL.
    #[arg(long, global = true, env = "PLINTH_SMTP_FROM", value_name = "PLINTH_SMTP_FROM", value_parser = mailbox, requires = "smtp_url")]
    pub smtp_from: Option<String>,
    /// Where email goes: smtp, log (whole emails, invitation links included, in the log) or off [default: smtp with PLINTH_SMTP_URL, else off].
    #[arg(long, global = true, env = "PLINTH_MAIL", value_name = "PLINTH_MAIL")]
    pub mail: Option<MailMode>,
    /// Secret (at least 32 characters) that seals new audit entries with HMAC-SHA-256; keep it outside the database.
    #[arg(long, global = true, env = "PLINTH_AUDIT_KEY", hide_env_values = true, value_name = "PLINTH_AUDIT_KEY", conflicts_with = "audit_key_file")]
    pub audit_key: Option<String>,
    /// A file holding the audit key, instead of PLINTH_AUDIT_KEY.
    #[arg(long, global = true, env = "PLINTH_AUDIT_KEY_FILE", value_name = "PLINTH_AUDIT_KEY_FILE")]
    pub audit_key_file: Option<String>,
    /// Directory of the built site assets [default: site/ next to the binary].
    #[arg(long, global = true, env = "PLINTH_SITE_ROOT", value_name = "PLINTH_SITE_ROOT")]
    pub site_root: Option<String>,
    /// Log filter, e.g. info or plinth=debug,info.
    #[arg(long, global = true, env = "PLINTH_LOG", value_name = "PLINTH_LOG", default_value = "info")]
    pub log: String,
    /// Log format.
    #[arg(long, global = true, env = "PLINTH_LOG_FORMAT", value_name = "PLINTH_LOG_FORMAT", default_value = "text")]
    pub log_format: LogFormat,
    /// Comma-separated CIDRs of reverse proxies whose X-Forwarded-For is believed.
    #[arg(long, global = true, env = "PLINTH_TRUSTED_PROXIES", value_name = "PLINTH_TRUSTED_PROXIES")]
    pub trusted_proxies: Option<String>,
    /// Sign-ups allowed per client address per hour.
    #[arg(long, global = true, env = "PLINTH_SIGNUPS_PER_HOUR", value_name = "PLINTH_SIGNUPS_PER_HOUR", default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub signups_per_hour: u64,
    /// Invitation emails allowed per organization per hour.
    #[arg(long, global = true, env = "PLINTH_INVITATIONS_PER_HOUR", value_name = "PLINTH_INVITATIONS_PER_HOUR", default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub invitations_per_hour: u64,
    /// Public API requests allowed per API key per minute.
    #[arg(long, global = true, env = "PLINTH_API_REQUESTS_PER_MINUTE", value_name = "PLINTH_API_REQUESTS_PER_MINUTE", default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub api_requests_per_minute: u64,
    /// Public API requests allowed per project per minute, all its keys together.
    #[arg(long, global = true, env = "PLINTH_API_REQUESTS_PER_PROJECT_MINUTE", value_name = "PLINTH_API_REQUESTS_PER_PROJECT_MINUTE", default_value_t = 1_200, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub api_requests_per_project_minute: u64,
    /// Seconds a sign-in or sign-up waits for a password-hashing slot before it is refused with 503.
    #[arg(long, global = true, env = "PLINTH_HASH_WAIT_SECONDS", value_name = "PLINTH_HASH_WAIT_SECONDS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=60))]
    pub hash_wait_seconds: u64,
    /// Bytes kept of each event's input and of its output text; longer text is cut.
    #[arg(long, global = true, env = "PLINTH_EVENT_TEXT_BYTES", value_name = "PLINTH_EVENT_TEXT_BYTES", default_value_t = 32 * 1024, value_parser = clap::value_parser!(u64).range(0..=1024 * 1024))]
    pub event_text_bytes: u64,
    /// A TOML file of plan limits and prices over the built-in ones (see the README).
    #[arg(long, global = true, env = "PLINTH_PLANS", value_name = "PLINTH_PLANS")]
    pub plans: Option<String>,
}

/// Only the settings, for parsing them on their own.
#[derive(clap::Parser)]
#[command(name = "plinth")]
struct SettingsOnly {
    #[command(flatten)]
    settings: Settings,
}

impl Settings {
    /// The flags for the settings among `vars`, values trimmed, leaving out
    /// blank ones, which count as unset. `plinth` and `Config::from_vars`
    /// both read variables this way rather than through clap's `env`, which
    /// keeps surrounding spaces and takes an empty value for a value.
    pub fn flags_from(vars: impl IntoIterator<Item = (String, String)>) -> Vec<String> {
        use clap::CommandFactory;
        let command = SettingsOnly::command();
        let mut flags = Vec::new();
        for (key, value) in vars {
            let arg = command.get_arguments().find(|a| a.get_env().is_some_and(|e| e == key.as_str()));
            if let (Some(long), false) = (arg.and_then(|a| a.get_long()), value.trim().is_empty()) {
                flags.push(format!("--{long}={}", value.trim()));
            }
        }
        flags
    }

    /// `command` with the settings' variables read by `flags_from` instead
    /// of by clap; `--help` still names each one.
    pub fn without_env_fallback(command: clap::Command) -> clap::Command {
        command.mut_args(|arg| if arg.get_env().is_some() { arg.env(None) } else { arg })
    }

    /// The environment variables the settings are read from.
    pub fn variables() -> Vec<String> {
        use clap::CommandFactory;
        SettingsOnly::command().get_arguments().filter_map(|a| a.get_env()).map(|e| e.to_string_lossy().into_owned()).collect()
    }

    /// Refuse a `PLINTH_*` variable that names no setting: a typo would
    /// otherwise leave a default in place without a word.
    pub fn check_unknown(names: impl IntoIterator<Item = String>) -> Result<(), String> {
        let known = Self::variables();
        for name in names {
            if name.starts_with("PLINTH_") && !known.contains(&name) && !name.starts_with("PLINTH_TEST_") && !name.starts_with("PLINTH_BENCH_") {
                return Err(format!("unknown setting {name}; known settings are: {}", known.join(", ")));
            }
        }
        Ok(())
    }
}

impl Config {
    /// Parse from any set of variables, so tests need not touch the process
    /// env: each becomes its flag, through the same parser `plinth` uses.
    pub fn from_vars(vars: impl IntoIterator<Item = (String, String)>) -> Result<Self, String> {
        use clap::{CommandFactory, FromArgMatches};
        let vars: Vec<(String, String)> = vars.into_iter().collect();
        Settings::check_unknown(vars.iter().map(|(k, _)| k.clone()))?;
        let command = Settings::without_env_fallback(SettingsOnly::command());
        let args = std::iter::once("plinth".to_string()).chain(Settings::flags_from(vars));
        let matches = command.try_get_matches_from(args).map_err(|e| e.to_string())?;
        let settings = SettingsOnly::from_arg_matches(&matches).map_err(|e| e.to_string())?.settings;
        Self::from_settings(settings)
    }

    /// The checks that span settings, and the defaults that depend on others.
    pub fn from_settings(s: Settings) -> Result<Self, String> {
        let database_url = s.database_url;
        if !(database_url.starts_with("sqlite:") || database_url.starts_with("postgres://") || database_url.starts_with("postgresql://")) {
            return Err("DATABASE_URL must start with sqlite: or postgres://".into());
        }
        if s.smtp_url.as_deref().is_some_and(|u| !(u.starts_with("smtp://") || u.starts_with("smtps://"))) {
            return Err("PLINTH_SMTP_URL must start with smtp:// or smtps://".into());
        }
        let trusted_proxies = match s.trusted_proxies.as_deref() {
            Some(list) => list.split(',').map(str::trim).filter(|c| !c.is_empty()).map(parse_cidr).collect::<Result<Vec<_>, _>>()?,
            None => Vec::new(),
        };
        let public_url = match s.public_url {
            Some(url) => url,
            None => url::Url::parse(&format!("http://{}", s.bind)).map_err(|e| format!("PLINTH_BIND makes no URL ({e})"))?,
        };
        let cookie_secure = match s.cookie_secure {
            CookieSecure::Auto => public_url.scheme() == "https",
            CookieSecure::True => true,
            CookieSecure::False => false,
        };
        if s.session_absolute_hours * 60 < s.session_idle_minutes {
            return Err("PLINTH_SESSION_ABSOLUTE_HOURS must not be shorter than PLINTH_SESSION_IDLE_MINUTES".into());
        }
        let smtp = match (s.smtp_url, s.smtp_from) {
            (Some(url), Some(from)) => Some(SmtpConfig { url, from }),
            (None, None) => None,
            _ => return Err("PLINTH_SMTP_URL and PLINTH_SMTP_FROM go together: set both or neither".into()),
        };
        let mail = match (s.mail, &smtp) {
            (Some(MailMode::Smtp), None) => return Err("PLINTH_MAIL=smtp needs PLINTH_SMTP_URL and PLINTH_SMTP_FROM".into()),
            (Some(mode), _) => mode,
            (None, Some(_)) => MailMode::Smtp,
            (None, None) => MailMode::Off,
        };
        let audit_key = match (s.audit_key, s.audit_key_file) {
            (Some(key), _) => Some(crate::server::audit_key::AuditKey::parse(&key).map_err(|e| format!("PLINTH_AUDIT_KEY: {e}"))?),
            (None, Some(path)) => {
                let text = std::fs::read_to_string(&path).map_err(|e| format!("PLINTH_AUDIT_KEY_FILE: cannot read {path}: {e}"))?;
                Some(crate::server::audit_key::AuditKey::parse(&text).map_err(|e| format!("PLINTH_AUDIT_KEY_FILE: {e}"))?)
            }
            (None, None) => None,
        };
        let plans = match s.plans.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            Some(path) => crate::server::billing::plans::load(path)?,
            None => crate::server::billing::plans::defaults(),
        };
        let defaults = Limits::default();
        Ok(Self {
            plans: std::sync::Arc::new(plans),
            database_url,
            bind: s.bind,
            public_url,
            cookie_secure,
            session_idle: Duration::from_secs(s.session_idle_minutes * 60),
            session_absolute: Duration::from_secs(s.session_absolute_hours * 3600),
            smtp,
            mail,
            audit_key,
            site_root: s.site_root.filter(|r| !r.trim().is_empty()).unwrap_or_else(crate::server::assets::default_site_root),
            log_filter: s.log,
            log_format: s.log_format,
            trusted_proxies,
            limits: Limits {
                sign_ups_per_address_hour: s.signups_per_hour as usize,
                invitations_per_org_hour: s.invitations_per_hour as usize,
                api_requests_per_key_minute: s.api_requests_per_minute as usize,
                api_requests_per_project_minute: s.api_requests_per_project_minute as usize,
                hash_wait: Duration::from_secs(s.hash_wait_seconds),
                event_text_bytes: s.event_text_bytes as usize,
                ..defaults
            },
            session_touch: Duration::from_secs(60),
            run_jobs: true,
        })
    }

    /// Whether `peer` is one of the trusted reverse proxies.
    pub fn is_trusted_proxy(&self, peer: std::net::IpAddr) -> bool {
        self.trusted_proxies.iter().any(|net| net.contains(&peer))
    }

    /// The origin (`scheme://host[:port]`) browsers send for same-site requests.
    pub fn public_origin(&self) -> String {
        self.public_url.origin().ascii_serialization()
    }
}

/// `10.0.0.0/8`, `fd00::/8`, or a single address (`192.0.2.7`).
fn parse_cidr(raw: &str) -> Result<ipnet::IpNet, String> {
    let raw = raw.trim();
    raw.parse::<ipnet::IpNet>()
        .or_else(|_| raw.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map(|n| n.trunc())
        .map_err(|_| format!("PLINTH_TRUSTED_PROXIES: {raw:?} is not an address or CIDR like 10.0.0.0/8"))
}

fn http_url(raw: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(raw).map_err(|e| format!("not a URL ({e})"))?;
    if matches!(url.scheme(), "http" | "https") { Ok(url) } else { Err("must be an http:// or https:// URL".into()) }
}

fn mailbox(raw: &str) -> Result<String, String> {
    raw.parse::<lettre::message::Mailbox>().map(|_| raw.to_string()).map_err(|_| "not an email address".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn defaults_are_sqlite_on_localhost() {
        let c = Config::from_vars(vars(&[("HOME", "/root")])).unwrap();
        assert_eq!(c.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(c.bind.to_string(), "127.0.0.1:3000");
        assert_eq!(c.public_origin(), "http://127.0.0.1:3000");
        assert!(!c.cookie_secure);
        assert_eq!(c.session_idle, Duration::from_secs(30 * 60));
        assert_eq!(c.session_absolute, Duration::from_secs(12 * 3600));
        assert!(c.smtp.is_none());
        assert_eq!(c.mail, MailMode::Off, "invitation links stay out of the log unless asked for");
    }

    #[test]
    fn the_audit_key_is_long_and_comes_from_one_place() {
        let key = "k".repeat(32);
        let c = Config::from_vars(vars(&[("PLINTH_AUDIT_KEY", &key)])).unwrap();
        assert_eq!(c.audit_key.unwrap().id.len(), 16);
        let err = Config::from_vars(vars(&[("PLINTH_AUDIT_KEY", "short")])).unwrap_err();
        assert!(err.contains("PLINTH_AUDIT_KEY") && err.contains("32") && !err.contains("short"), "{err}");
        let file = std::env::temp_dir().join(format!("plinth-audit-key-{}", std::process::id()));
        std::fs::write(&file, format!("{key}\n")).unwrap();
        let from_file = Config::from_vars(vars(&[("PLINTH_AUDIT_KEY_FILE", file.to_str().unwrap())])).unwrap();
        assert_eq!(from_file.audit_key.unwrap().id, Config::from_vars(vars(&[("PLINTH_AUDIT_KEY", &key)])).unwrap().audit_key.unwrap().id);
        let both = Config::from_vars(vars(&[("PLINTH_AUDIT_KEY", &key), ("PLINTH_AUDIT_KEY_FILE", file.to_str().unwrap())]));
        assert!(both.is_err());
        std::fs::remove_file(file).ok();
        assert!(Config::from_vars(vars(&[("PLINTH_AUDIT_KEY_FILE", "/nonexistent/key")])).unwrap_err().contains("PLINTH_AUDIT_KEY_FILE"));
    }

    #[test]
    fn mail_goes_where_it_is_told() {
        let smtp = [("PLINTH_SMTP_URL", "smtp://localhost:25"), ("PLINTH_SMTP_FROM", "a@example.com")];
        assert_eq!(Config::from_vars(vars(&smtp)).unwrap().mail, MailMode::Smtp);
        assert_eq!(Config::from_vars(vars(&[("PLINTH_MAIL", "log")])).unwrap().mail, MailMode::Log);
        let err = Config::from_vars(vars(&[("PLINTH_MAIL", "smtp")])).unwrap_err();
        assert!(err.contains("PLINTH_SMTP_URL"), "{err}");
        assert!(Config::from_vars(vars(&[("PLINTH_MAIL", "pigeon")])).unwrap_err().contains("PLINTH_MAIL"));
    }

    #[test]
    fn https_public_url_turns_on_secure_cookies() {
        let c = Config::from_vars(vars(&[("PLINTH_PUBLIC_URL", "https://plinth.example.com/")])).unwrap();
        assert!(c.cookie_secure);
        assert_eq!(c.public_origin(), "https://plinth.example.com");
    }

    #[test]
    fn unknown_and_invalid_settings_are_refused_by_name() {
        let err = Config::from_vars(vars(&[("PLINTH_BINDD", "x")])).unwrap_err();
        assert!(err.contains("unknown setting PLINTH_BINDD"), "{err}");
        let err = Config::from_vars(vars(&[("PLINTH_SESSION_IDLE_MINUTES", "soon")])).unwrap_err();
        assert!(err.contains("PLINTH_SESSION_IDLE_MINUTES"), "{err}");
        let err = Config::from_vars(vars(&[("PLINTH_SMTP_URL", "smtp://localhost")])).unwrap_err();
        assert!(err.contains("PLINTH_SMTP_FROM"), "{err}");
        let err = Config::from_vars(vars(&[("PLINTH_SMTP_FROM", "Plinth <noreply@example.com>")])).unwrap_err();
        assert!(err.contains("PLINTH_SMTP_FROM"), "{err}");
        let err = Config::from_vars(vars(&[("DATABASE_URL", "mysql://root:s3cret@db/x")])).unwrap_err();
        assert!(err.contains("DATABASE_URL") && !err.contains("s3cret"), "a refused URL is not repeated: {err}");
        let err = Config::from_vars(vars(&[("PLINTH_SMTP_URL", "http://u:hunter2@mail"), ("PLINTH_SMTP_FROM", "a@example.com")])).unwrap_err();
        assert!(err.contains("PLINTH_SMTP_URL") && !err.contains("hunter2"), "{err}");
        // Spaces around a value and blank values are forgiven, as before.
        let c = Config::from_vars(vars(&[("PLINTH_BIND", " 0.0.0.0:3000 "), ("PLINTH_COOKIE_SECURE", "true\n"), ("PLINTH_PUBLIC_URL", "  ")])).unwrap();
        assert_eq!(c.bind.to_string(), "0.0.0.0:3000");
        assert!(c.cookie_secure);
        assert_eq!(c.public_origin(), "http://0.0.0.0:3000");
        let err = Config::from_vars(vars(&[("PLINTH_SESSION_IDLE_MINUTES", "120"), ("PLINTH_SESSION_ABSOLUTE_HOURS", "1")])).unwrap_err();
        assert!(err.contains("PLINTH_SESSION_ABSOLUTE_HOURS"), "{err}");
        let err = Config::from_vars(vars(&[("PLINTH_LOG_FORMAT", "xml")])).unwrap_err();
        assert!(err.contains("PLINTH_LOG_FORMAT"), "{err}");
        // Test-only variables are not settings, and not typos either.
        assert!(Config::from_vars(vars(&[("PLINTH_TEST_POSTGRES_URL", "postgres://x")])).is_ok());
    }

    /// Each setting is one clap argument: its flag, its variable, its help.
    #[test]
    fn every_setting_has_a_variable_a_flag_and_help() {
        use clap::CommandFactory;
        let command = SettingsOnly::command();
        let names = Settings::variables();
        assert_eq!(names.len(), 22, "{names:?}");
        let readme = include_str!("../../README.md");
        for name in &names {
            assert!(readme.contains(&format!("| `{name}` |")), "the README's settings table lists {name}");
        }
        for arg in command.get_arguments().filter(|a| a.get_id() != "help") {
            assert!(arg.get_env().is_some() && arg.get_long().is_some() && arg.get_help().is_some(), "{:?}", arg.get_id());
        }
        let flags = Config::from_vars(vars(&[("PLINTH_BIND", "0.0.0.0:8080"), ("PLINTH_LOG_FORMAT", "json"), ("PLINTH_COOKIE_SECURE", "true")])).unwrap();
        assert_eq!(flags.bind.to_string(), "0.0.0.0:8080");
        assert_eq!(flags.log_format, LogFormat::Json);
        assert!(flags.cookie_secure);
    }

    #[test]
    fn trusted_proxies_and_limits() {
        let c = Config::from_vars(vars(&[("PLINTH_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7 ,fd00::/8,"), ("PLINTH_SIGNUPS_PER_HOUR", "5")])).unwrap();
        assert!(c.is_trusted_proxy("10.1.2.3".parse().unwrap()));
        assert!(c.is_trusted_proxy("192.0.2.7".parse().unwrap()));
        assert!(!c.is_trusted_proxy("192.0.2.8".parse().unwrap()));
        assert!(c.is_trusted_proxy("fd00::1".parse().unwrap()));
        assert_eq!(c.limits.sign_ups_per_address_hour, 5);
        assert!(Config::from_vars(vars(&[])).unwrap().trusted_proxies.is_empty());
        let err = Config::from_vars(vars(&[("PLINTH_TRUSTED_PROXIES", "10.0.0.0/33")])).unwrap_err();
        assert!(err.contains("PLINTH_TRUSTED_PROXIES"), "{err}");
        let err = Config::from_vars(vars(&[("PLINTH_INVITATIONS_PER_HOUR", "0")])).unwrap_err();
        assert!(err.contains("PLINTH_INVITATIONS_PER_HOUR"), "{err}");
    }

    /// Leptos.toml mirrors cargo-leptos's `[package.metadata.leptos]`; they must not drift.
    #[test]
    fn leptos_toml_mirrors_cargo_metadata() {
        let root = env!("CARGO_MANIFEST_DIR");
        let cargo: toml::Table = std::fs::read_to_string(format!("{root}/Cargo.toml")).unwrap().parse().unwrap();
        let mirror: toml::Table = std::fs::read_to_string(format!("{root}/Leptos.toml")).unwrap().parse().unwrap();
        let metadata = &cargo["package"]["metadata"]["leptos"];
        assert_eq!(metadata, &toml::Value::Table(mirror), "Leptos.toml has drifted from [package.metadata.leptos] in Cargo.toml");
    }
}
