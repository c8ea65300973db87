//! Runtime settings. Environment variables are the one source of truth
//! (`DATABASE_URL` and `PLINTH_*`); see the README's table. Anything unknown
//! or unparsable stops start-up with a message naming the variable.
use std::collections::BTreeMap;
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
    /// The built site (`/pkg`, favicon); by default the one next to the binary.
    pub site_root: String,
    pub log_format: LogFormat,
    /// Reverse proxies whose `X-Forwarded-For` names the real client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    pub limits: Limits,
    /// How often a signed-in session's idle deadline may move (and so its
    /// row be written): at most once per this interval.
    pub session_touch: Duration,
}

/// Rate limits; the sign-in ones are fixed, the others can be set.
#[derive(Debug, Clone)]
pub struct Limits {
    pub sign_in_per_account: usize,
    pub sign_in_per_address: usize,
    pub sign_ups_per_address_hour: usize,
    pub invitations_per_org_hour: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { sign_in_per_account: 5, sign_in_per_address: 20, sign_ups_per_address_hour: 20, invitations_per_org_hour: 100 }
    }
}

#[derive(Debug, Clone)]
pub struct SmtpConfig {
    /// e.g. `smtps://user:pass@mail.example.com:465` or `smtp://localhost:25`.
    pub url: String,
    pub from: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/plinth.db?mode=rwc";

/// Every variable Plinth reads, with its meaning (printed by `plinth --help`).
pub const VARIABLES: &[(&str, &str)] = &[
    ("DATABASE_URL", "sqlite://PATH?mode=rwc or postgres://… (default sqlite://data/plinth.db?mode=rwc)"),
    ("PLINTH_BIND", "address to listen on (default 127.0.0.1:3000)"),
    ("PLINTH_PUBLIC_URL", "URL users reach Plinth at (default http://<bind>)"),
    ("PLINTH_COOKIE_SECURE", "auto | true | false; auto sets Secure when the public URL is https"),
    ("PLINTH_SESSION_IDLE_MINUTES", "sign out after this much inactivity (default 30)"),
    ("PLINTH_SESSION_ABSOLUTE_HOURS", "sign out this long after sign-in, active or not (default 12)"),
    ("PLINTH_SMTP_URL", "SMTP server for email; unset writes emails to the log"),
    ("PLINTH_SMTP_FROM", "sender address, required with PLINTH_SMTP_URL"),
    ("PLINTH_SITE_ROOT", "directory of the built site assets (default: site/ next to the binary)"),
    ("PLINTH_LOG", "log filter, e.g. info or plinth=debug (default info)"),
    ("PLINTH_LOG_FORMAT", "text | json (default text)"),
    ("PLINTH_TRUSTED_PROXIES", "comma-separated CIDRs of reverse proxies whose X-Forwarded-For is believed (default none)"),
    ("PLINTH_SIGNUPS_PER_HOUR", "sign-ups allowed per client address per hour (default 20)"),
    ("PLINTH_INVITATIONS_PER_HOUR", "invitation emails allowed per organization per hour (default 100)"),
];

impl Config {
    pub fn from_env() -> Result<Self, String> {
        Self::from_vars(std::env::vars())
    }

    /// Parse from any set of variables, so tests need not touch the process env.
    pub fn from_vars(vars: impl IntoIterator<Item = (String, String)>) -> Result<Self, String> {
        let vars: BTreeMap<String, String> = vars
            .into_iter()
            .filter(|(k, _)| k == "DATABASE_URL" || k.starts_with("PLINTH_"))
            .collect();
        for key in vars.keys() {
            if !VARIABLES.iter().any(|(known, _)| known == key) {
                return Err(format!(
                    "unknown setting {key}; known settings are: {}",
                    VARIABLES.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", ")
                ));
            }
        }
        let get = |k: &str| vars.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());

        let database_url = get("DATABASE_URL").unwrap_or(DEFAULT_DATABASE_URL).to_string();
        if !(database_url.starts_with("sqlite:") || database_url.starts_with("postgres://") || database_url.starts_with("postgresql://")) {
            return Err("DATABASE_URL must start with sqlite: or postgres://".into());
        }
        let bind: SocketAddr = get("PLINTH_BIND")
            .unwrap_or("127.0.0.1:3000")
            .parse()
            .map_err(|e| format!("PLINTH_BIND must be an address like 127.0.0.1:3000 ({e})"))?;
        let public_url = match get("PLINTH_PUBLIC_URL") {
            Some(raw) => url::Url::parse(raw).map_err(|e| format!("PLINTH_PUBLIC_URL is not a URL ({e})"))?,
            None => url::Url::parse(&format!("http://{bind}")).expect("socket address makes a URL"),
        };
        if !matches!(public_url.scheme(), "http" | "https") {
            return Err("PLINTH_PUBLIC_URL must be an http:// or https:// URL".into());
        }
        let cookie_secure = match get("PLINTH_COOKIE_SECURE").unwrap_or("auto") {
            "auto" => public_url.scheme() == "https",
            "true" => true,
            "false" => false,
            other => return Err(format!("PLINTH_COOKIE_SECURE must be auto, true or false, not {other:?}")),
        };
        let minutes = |k: &str, default: u64, unit: u64| -> Result<Duration, String> {
            let n = match get(k) {
                Some(v) => v.parse::<u64>().ok().filter(|n| *n > 0).ok_or_else(|| format!("{k} must be a whole number above 0, not {v:?}"))?,
                None => default,
            };
            Ok(Duration::from_secs(n * unit))
        };
        let session_idle = minutes("PLINTH_SESSION_IDLE_MINUTES", 30, 60)?;
        let session_absolute = minutes("PLINTH_SESSION_ABSOLUTE_HOURS", 12, 3600)?;
        if session_absolute < session_idle {
            return Err("PLINTH_SESSION_ABSOLUTE_HOURS must not be shorter than PLINTH_SESSION_IDLE_MINUTES".into());
        }
        let smtp = match (get("PLINTH_SMTP_URL"), get("PLINTH_SMTP_FROM")) {
            (None, None) => None,
            (Some(url), Some(from)) => {
                if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
                    return Err("PLINTH_SMTP_URL must start with smtp:// or smtps://".into());
                }
                if from.parse::<lettre::message::Mailbox>().is_err() {
                    return Err(format!("PLINTH_SMTP_FROM is not an email address: {from:?}"));
                }
                Some(SmtpConfig { url: url.into(), from: from.into() })
            }
            (Some(_), None) => return Err("PLINTH_SMTP_FROM is required when PLINTH_SMTP_URL is set".into()),
            (None, Some(_)) => return Err("PLINTH_SMTP_FROM is set but PLINTH_SMTP_URL is not".into()),
        };
        let log_format = match get("PLINTH_LOG_FORMAT").unwrap_or("text") {
            "text" => LogFormat::Text,
            "json" => LogFormat::Json,
            other => return Err(format!("PLINTH_LOG_FORMAT must be text or json, not {other:?}")),
        };
        let trusted_proxies = get("PLINTH_TRUSTED_PROXIES")
            .map(|v| v.split(',').map(str::trim).filter(|c| !c.is_empty()).map(parse_cidr).collect::<Result<Vec<_>, _>>())
            .transpose()?
            .unwrap_or_default();
        let count = |k: &str, default: usize| -> Result<usize, String> {
            match get(k) {
                Some(v) => v.parse::<usize>().ok().filter(|n| (1..=1_000_000).contains(n)).ok_or_else(|| format!("{k} must be a whole number from 1 to 1000000, not {v:?}")),
                None => Ok(default),
            }
        };
        let defaults = Limits::default();
        let limits = Limits {
            sign_ups_per_address_hour: count("PLINTH_SIGNUPS_PER_HOUR", defaults.sign_ups_per_address_hour)?,
            invitations_per_org_hour: count("PLINTH_INVITATIONS_PER_HOUR", defaults.invitations_per_org_hour)?,
            ..defaults
        };
        Ok(Self {
            trusted_proxies,
            limits,
            session_touch: Duration::from_secs(60),
            database_url,
            bind,
            public_url,
            cookie_secure,
            session_idle,
            session_absolute,
            smtp,
            site_root: get("PLINTH_SITE_ROOT").map(str::to_string).unwrap_or_else(crate::server::assets::default_site_root),
            log_format,
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
    raw.parse::<ipnet::IpNet>()
        .or_else(|_| raw.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map(|n| n.trunc())
        .map_err(|_| format!("PLINTH_TRUSTED_PROXIES: {raw:?} is not an address or CIDR like 10.0.0.0/8"))
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
        let err = Config::from_vars(vars(&[("DATABASE_URL", "mysql://x")])).unwrap_err();
        assert!(err.contains("DATABASE_URL"), "{err}");
    }

    #[test]
    fn trusted_proxies_and_limits() {
        let c = Config::from_vars(vars(&[("PLINTH_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7 ,fd00::/8"), ("PLINTH_SIGNUPS_PER_HOUR", "5")])).unwrap();
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
        assert_eq!(metadata, &toml::Value::Table(mirror),
            "Leptos.toml has drifted from [package.metadata.leptos] in Cargo.toml");
    }
}
