//! The `plinth` binary: serve the console, migrate, seed demo data, create users.
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use plinth::server::config::{Config, LogFormat, Settings};
use plinth::server::{AppState, app, db, seed};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "plinth", version, about = "Plinth: a self-hostable console for LLM workloads.")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    settings: Settings,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database, then serve the console (the default).
    Serve,
    /// Apply pending migrations, or show which are applied.
    Migrate {
        #[command(subcommand)]
        action: Option<MigrateAction>,
    },
    /// Fill an empty database with a demo organization to explore.
    SeedDemo,
    /// Remove usage events past each project's retention now (serve's retention job does it hourly).
    PurgeExpired,
    /// Cost a model's events again from the organization's price catalog (after a price was corrected); rollups follow.
    RecomputeCosts {
        #[arg(long)]
        org: i64,
        #[arg(long)]
        model: String,
    },
    /// List the scheduled jobs with their last run, or run one now.
    Jobs {
        #[command(subcommand)]
        action: Option<JobsAction>,
    },
    /// Show the plans in effect: the built-in ones with PLINTH_PLANS's changes.
    Plans,
    /// Put an organization on a plan at once (the Billing page is the Owner's way).
    SetPlan {
        #[arg(long)]
        org: i64,
        /// free, pro or enterprise.
        #[arg(long)]
        plan: plinth::domain::plan::PlanId,
    },
    /// Check the audit log's hash chain.
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
    /// Create an account without the web form, e.g. the first administrator.
    CreateUser {
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: String,
        #[arg(long, help = "the password; use --password-stdin to keep it out of shell history")]
        password: Option<String>,
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand, Clone, Copy)]
enum MigrateAction {
    /// Apply every pending migration (the default).
    Up,
    /// List migrations and whether each is applied.
    Status,
}

#[derive(Subcommand, Clone)]
enum JobsAction {
    /// Each job: when it last ran, how that went, and when it runs next (the default).
    List,
    /// Run a job now, unless another instance is running it.
    Run {
        /// retention, prune or plan-changes.
        name: String,
    },
}

#[derive(Subcommand, Clone, Copy)]
enum AuditAction {
    /// Walk each organization's chain and name the first entry that was changed, removed or inserted (exit code 1 if any).
    Verify {
        /// Only this organization.
        #[arg(long)]
        org: Option<i64>,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    // Settings come from their variables as flags (trimmed; blank counts as
    // unset), then the real flags, which win. Exits with status 2 and clap's
    // message on an invalid value.
    let vars: Vec<(String, String)> = std::env::vars_os().map(|(k, v)| (k.to_string_lossy().into_owned(), v.to_string_lossy().into_owned())).collect();
    let mut argv = std::env::args_os();
    let args = argv.next().into_iter().chain(Settings::flags_from(vars.clone()).into_iter().map(Into::into)).chain(argv);
    let command = Settings::without_env_fallback(Cli::command()).args_override_self(true);
    let cli = Cli::from_arg_matches(&command.get_matches_from(args)).unwrap_or_else(|e| e.exit());
    let names = vars.into_iter().map(|(k, _)| k);
    let config = match Settings::check_unknown(names).and_then(|()| Config::from_settings(cli.settings)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("plinth: invalid settings: {e}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = init_logs(&config.log_filter, config.log_format) {
        eprintln!("plinth: invalid settings: PLINTH_LOG: {e}");
        return ExitCode::from(2);
    }
    match run(cli.command.unwrap_or(Command::Serve), config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("plinth: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> Result<(), String> {
    match command {
        Command::Serve => {
            let bind = config.bind;
            let public = config.public_url.clone();
            let state = AppState::new(config).await?;
            let listener = tokio::net::TcpListener::bind(bind).await.map_err(|e| format!("cannot listen on {bind}: {e}"))?;
            tracing::info!(%bind, %public, "Plinth is serving");
            println!("Plinth is running at {public}");
            app::serve(state, listener, app::shutdown_signal()).await.map_err(|e| e.to_string())
        }
        Command::Migrate { action } => {
            let conn = db::connect(&config.database_url).await.map_err(|e| e.to_string())?;
            match action.unwrap_or(MigrateAction::Up) {
                MigrateAction::Up => {
                    db::migrate(&conn).await.map_err(|e| e.to_string())?;
                    println!("migrations: all applied");
                }
                MigrateAction::Status => {
                    for (name, applied) in db::migration_status(&conn).await.map_err(|e| e.to_string())? {
                        println!("{} {name}", if applied { "applied" } else { "pending" });
                    }
                }
            }
            Ok(())
        }
        Command::SeedDemo => {
            let state = AppState::new(config).await?;
            match seed::seed_demo(&state).await.map_err(|e| e.to_string())? {
                Some(demo) => println!("{demo}"),
                None => println!(
                    "seed-demo: the database already has accounts; left it as it is.\nDemo sign-in (if it was seeded): {} / {}",
                    seed::DEMO_OWNER_EMAIL,
                    seed::DEMO_PASSWORD
                ),
            }
            Ok(())
        }
        Command::PurgeExpired => {
            let conn = db::connect(&config.database_url).await.map_err(|e| e.to_string())?;
            let n = plinth::server::usage::store::purge_expired(&conn, chrono::Utc::now()).await.map_err(|e| e.to_string())?;
            println!("purge-expired: removed {n} events past their project's retention; rollups kept");
            Ok(())
        }
        Command::RecomputeCosts { org, model } => {
            let conn = db::connect(&config.database_url).await.map_err(|e| e.to_string())?;
            let orgs = plinth::server::repo::orgs::all_ids(&conn).await.map_err(|e| e.to_string())?;
            if !orgs.iter().any(|(id, _)| *id == org) {
                return Err(format!("no organization with id {org}"));
            }
            use plinth::server::repo::recompute;
            // The same job as the Prices page's button, run here to its end.
            let job = recompute::start(&conn, org, None, &model).await.map_err(|e| e.to_string())?;
            let mut shown = -1;
            let done = recompute::run(&conn, job, None, |p| {
                if p.percent() / 10 != shown {
                    shown = p.percent() / 10;
                    eprintln!("recompute-costs: {}% ({} of {} events)", p.percent(), p.events_done, p.events_total);
                }
            })
            .await
            .map_err(|e| e.to_string())?;
            println!(
                "recompute-costs: {} events of {model} looked at, {} changed, by {} USD in all",
                done.events_done,
                done.changed,
                plinth::domain::money::Nanos(done.delta).usd_exact()
            );
            Ok(())
        }
        Command::Jobs { action } => {
            use plinth::server::jobs::{Job, Outcome, lease, run_once};
            match action.unwrap_or(JobsAction::List) {
                JobsAction::List => {
                    let conn = db::connect(&config.database_url).await.map_err(|e| e.to_string())?;
                    let rows = lease::list(&conn).await.map_err(|e| e.to_string())?;
                    let when = |t: Option<chrono::DateTime<chrono::Utc>>| t.map_or("never".to_string(), |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string());
                    for job in Job::all() {
                        let row = rows.iter().find(|r| r.name == job.name());
                        let (last, outcome, next, holder) = match row {
                            Some(r) => (
                                when(r.last_finished_at.or(r.last_started_at)),
                                r.last_outcome.clone().unwrap_or("-".into()),
                                when(Some(r.next_run_at)),
                                r.holder.clone(),
                            ),
                            None => ("never".into(), "-".into(), "at the next start".into(), None),
                        };
                        let running = holder.map(|h| format!(", running on {h}")).unwrap_or_default();
                        let message = row.map(|r| r.last_message.as_str()).filter(|m| !m.is_empty()).map(|m| format!(": {m}")).unwrap_or_default();
                        println!("{:<13} every {:>4} min; last {last} ({outcome}{message}); next {next}{running}", job.name(), job.every().num_minutes());
                    }
                }
                JobsAction::Run { name } => {
                    let job: Job =
                        name.parse().map_err(|_| format!("no job named {name}; jobs are {}", Job::all().map(|j| j.name()).collect::<Vec<_>>().join(", ")))?;
                    let state = AppState::new(config).await?;
                    let instance = format!("cli-{}", uuid::Uuid::new_v4().simple());
                    match run_once(&state, job, &instance, true).await.map_err(|e| e.to_string())? {
                        Outcome::Ran { ok: true, message } => println!("{}: {message}", job.name()),
                        Outcome::Ran { ok: false, message } => return Err(format!("{} failed: {message}", job.name())),
                        Outcome::Skipped => return Err(format!("{} is running on another instance now", job.name())),
                    }
                }
            }
            Ok(())
        }
        Command::Plans => {
            let unlimited = |v: Option<u64>| v.map_or("unlimited".to_string(), |n| n.to_string());
            for p in &config.plans.0 {
                let l = &p.limits;
                let events = match p.overage_per_1000_events {
                    Some(price) => format!("{} included, then {} USD per 1,000", unlimited(l.events_per_month), price.usd_exact()),
                    None => unlimited(l.events_per_month),
                };
                println!(
                    "{} ({}): {} USD a month; members {}, projects {}, API keys {}, events a month {events}, stored bytes {}",
                    p.name,
                    p.id.as_str(),
                    plinth::domain::money::Nanos(p.monthly_cents * 10_000_000).usd_exact(),
                    unlimited(l.members),
                    unlimited(l.projects),
                    unlimited(l.api_keys),
                    unlimited(l.stored_bytes)
                );
            }
            Ok(())
        }
        Command::SetPlan { org, plan } => {
            let conn = db::connect(&config.database_url).await.map_err(|e| e.to_string())?;
            let orgs = plinth::server::repo::orgs::all_ids(&conn).await.map_err(|e| e.to_string())?;
            let Some((_, name)) = orgs.iter().find(|(id, _)| *id == org) else { return Err(format!("no organization with id {org}")) };
            plinth::server::repo::orgs::set_plan(&conn, org, plan).await.map_err(|e| e.to_string())?;
            println!("set-plan: {name} is on {} now", config.plans.get(plan).name);
            Ok(())
        }
        Command::Audit { action: AuditAction::Verify { org } } => {
            // Read only: no migration and no sealing, so the check cannot
            // change what it checks. Entries sealed with a key verify only
            // with that key set.
            plinth::server::audit_key::install(config.audit_key.clone());
            let conn = db::connect(&config.database_url).await.map_err(|e| e.to_string())?;
            let orgs = plinth::server::repo::orgs::all_ids(&conn).await.map_err(|e| e.to_string())?;
            let orgs: Vec<(i64, String)> = match org {
                Some(id) => orgs.into_iter().filter(|(o, _)| *o == id).collect(),
                None => orgs,
            };
            if orgs.is_empty() {
                return Err(match org {
                    Some(id) => format!("no organization with id {id}"),
                    None => "no organizations yet".into(),
                });
            }
            let mut broken = 0;
            for (id, name) in orgs {
                let chain = plinth::server::repo::audit::verify(&conn, id).await.map_err(|e| e.to_string())?;
                match &chain.problem {
                    None => {
                        let sealing = match &chain.key_id {
                            Some(key) if chain.sealed_with_key > 0 => format!("{} sealed with the current key ({key})", chain.sealed_with_key),
                            Some(key) => format!("none sealed with the current key ({key})"),
                            None => "no audit key set: SHA-256 only".to_string(),
                        };
                        println!("ok      org {id} ({name}): {} entries, {sealing}, head {}", chain.entries, chain.head)
                    }
                    Some(problem) => {
                        broken += 1;
                        println!("BROKEN  org {id} ({name}): {problem}");
                    }
                }
            }
            if broken > 0 { Err(format!("{broken} audit chain(s) do not verify")) } else { Ok(()) }
        }
        Command::CreateUser { name, email, password, password_stdin } => {
            let password = match (password, password_stdin) {
                (Some(p), false) => p,
                (None, true) => {
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line).map_err(|e| e.to_string())?;
                    line.trim_end_matches(['\r', '\n']).to_string()
                }
                _ => return Err("give exactly one of --password or --password-stdin".into()),
            };
            let checked = plinth::domain::Password::parse(password.clone()).map_err(|e| e.to_string())?;
            plinth::server::auth::password::check_strength(&checked, &[name.as_str(), email.as_str()]).await.map_err(|e| e.to_string())?;
            let state = AppState::new(config).await?;
            let user = seed::create_user(&state, &name, &email, password).await.map_err(|e| e.to_string())?;
            println!("created user {} <{}>", user.name, user.email);
            Ok(())
        }
    }
}

fn init_logs(filter: &str, format: LogFormat) -> Result<(), String> {
    let filter = tracing_subscriber::EnvFilter::try_new(filter).map_err(|e| e.to_string())?;
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
    Ok(())
}
