//! Scheduled work, run once across every instance of Plinth: each job takes
//! a lease row in the database before it runs (`lease`), renews it while it
//! runs, records its last run and outcome there, and `plinth jobs` lists
//! them. `plinth serve` looks for due jobs every 30 seconds.
pub mod lease;

use crate::error::{AppError, AppResult};
use crate::server::AppState;
use chrono::{Duration, Utc};
use tower_sessions::ExpiredDeletion;

/// Every job. Adding one is a variant here, its interval and its `run` arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr, strum::EnumString, strum::EnumIter)]
#[strum(serialize_all = "kebab-case")]
pub enum Job {
    /// Remove events past each project's retention (rollups stay).
    Retention,
    /// Remove expired sessions, old sign-in attempts and unused devices.
    Prune,
    /// Apply the downgrades whose period has ended.
    PlanChanges,
}

impl Job {
    pub fn name(self) -> &'static str {
        self.into()
    }

    pub fn all() -> impl Iterator<Item = Job> {
        <Job as strum::IntoEnumIterator>::iter()
    }

    /// How long after a run the job is due again.
    pub fn every(self) -> Duration {
        match self {
            Self::Retention => Duration::hours(1),
            Self::Prune => Duration::minutes(5),
            Self::PlanChanges => Duration::minutes(1),
        }
    }

    /// Do the work once; the text says what it did.
    async fn run(self, state: AppState) -> AppResult<String> {
        let db = &state.db;
        match self {
            Self::Retention => {
                let n = crate::server::usage::store::purge_expired(db, Utc::now()).await?;
                Ok(format!("removed {n} events past their project's retention"))
            }
            Self::Prune => {
                state.sessions.delete_expired().await.map_err(AppError::internal)?;
                crate::server::auth::sign_in::prune(db).await?;
                Ok("removed expired sessions and old sign-in attempts".into())
            }
            Self::PlanChanges => {
                let (applied, failed) = crate::server::billing::change::apply_due(db, Utc::now()).await?;
                match failed {
                    0 => Ok(format!("applied {applied} scheduled plan changes")),
                    n => Err(AppError::internal(format!("applied {applied} scheduled plan changes; {n} failed and wait for the next run"))),
                }
            }
        }
    }
}

/// How one attempt to run a job went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Another instance holds it, or it is not due.
    Skipped,
    Ran {
        ok: bool,
        message: String,
    },
}

/// Run `job` if it is due (or, with `force`, whenever no other instance
/// holds it), under a lease taken for `instance` and renewed every third
/// of its length while the run lasts. A run whose lease could not be
/// renewed (another instance took it over) is stopped. A panic in a job
/// ends its run as failed, not the scheduler.
pub async fn run_once(state: &AppState, job: Job, instance: &str, force: bool) -> AppResult<Outcome> {
    let db = &state.db;
    if !lease::acquire(db, job.name(), instance, Utc::now(), force).await? {
        return Ok(Outcome::Skipped);
    }
    let mut run = tokio::spawn(job.run(state.clone()));
    let mut renew = tokio::time::interval(lease::RENEW);
    renew.tick().await;
    let result = loop {
        tokio::select! {
            done = &mut run => break done.map_err(|e| if e.is_panic() { "the job panicked".to_string() } else { e.to_string() }),
            _ = renew.tick() => {
                if !lease::renew(db, job.name(), instance, Utc::now()).await.unwrap_or(false) {
                    run.abort();
                    break Err("stopped: the lease was lost to another instance".to_string());
                }
            }
        }
    };
    let (ok, message) = match result {
        Ok(Ok(message)) => (true, message),
        Ok(Err(e)) => (false, e.to_string()),
        Err(why) => (false, why),
    };
    if !ok {
        tracing::warn!(job = job.name(), %message, "job failed");
    }
    lease::finish(db, job.name(), instance, ok, &message, Utc::now() + job.every()).await?;
    Ok(Outcome::Ran { ok, message })
}

/// `plinth serve`'s scheduler: every 30 seconds, each due job that no other
/// instance holds. Per-instance memory (the rate limiters' windows) is
/// pruned here too.
pub async fn scheduler(state: AppState) {
    let instance = uuid::Uuid::new_v4().simple().to_string();
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(30));
    loop {
        tick.tick().await;
        state.throttle.prune();
        for job in Job::all() {
            if let Err(e) = run_once(&state, job, &instance, false).await {
                tracing::warn!(job = job.name(), error = ?e, "could not run a job");
            }
        }
    }
}
