//! Scheduled jobs run once across instances: a job's lease row decides who
//! runs it, a crashed holder's lease expires, and each run's outcome stays.
use crate::fixtures::*;
use crate::helpers::*;
use chrono::{Duration, Utc};
use plinth::server::AppState;
use plinth::server::jobs::{Job, Outcome, lease, run_once};

async fn two_instances(engine: Engine) -> Option<(TestApp, AppState)> {
    let app = spawn_app(engine).await?;
    let url = app.db.as_ref().unwrap().url.clone();
    let second = AppState::new(test_config(&url)).await.unwrap();
    Some((app, second))
}

async fn each_due_job_runs_once_across_instances(engine: Engine) {
    let Some((app, second)) = two_instances(engine).await else { return };
    // Both instances try every job at once, ten times over: each job runs once.
    for _ in 0..10 {
        let mut tries = Vec::new();
        for job in Job::all() {
            for (state, name) in [(app.state.clone(), "a"), (second.clone(), "b")] {
                tries.push(async move { run_once(&state, job, name, false).await.unwrap() });
            }
        }
        let _ = futures::future::join_all(tries).await;
    }
    let rows = lease::list(&app.state.db).await.unwrap();
    assert_eq!(rows.len(), Job::all().count());
    for r in &rows {
        assert_eq!((r.runs, r.last_outcome.as_deref(), r.holder.as_deref()), (1, Some("ok"), None), "{r:?}");
        let job: Job = r.name.parse().unwrap();
        assert!(r.next_run_at > Utc::now() + job.every() - Duration::minutes(1), "due again one interval later: {r:?}");
    }
    assert!(rows.iter().any(|r| r.last_message.contains("removed 0 events")), "{rows:?}");
}

async fn a_held_lease_keeps_others_out(engine: Engine) {
    let Some((app, second)) = two_instances(engine).await else { return };
    let db = &app.state.db;
    // Instance a holds the lease (a run under way): b is kept out, even forced.
    assert!(lease::acquire(db, Job::Prune.name(), "a", Utc::now(), true).await.unwrap());
    assert!(!lease::acquire(&second.db, Job::Prune.name(), "b", Utc::now(), true).await.unwrap());
    assert_eq!(run_once(&second, Job::Prune, "b", true).await.unwrap(), Outcome::Skipped);
    // a renews it and finishes; then b may run.
    assert!(lease::renew(db, Job::Prune.name(), "a", Utc::now()).await.unwrap());
    assert!(!lease::renew(db, Job::Prune.name(), "b", Utc::now()).await.unwrap(), "only the holder renews");
    lease::finish(db, Job::Prune.name(), "a", true, "done", Utc::now()).await.unwrap();
    assert!(matches!(run_once(&second, Job::Prune, "b", true).await.unwrap(), Outcome::Ran { ok: true, .. }));
}

#[tokio::test]
async fn a_held_lease_keeps_others_out_sqlite() {
    a_held_lease_keeps_others_out(Engine::Sqlite).await;
}

#[tokio::test]
async fn a_held_lease_keeps_others_out_postgres() {
    a_held_lease_keeps_others_out(Engine::Postgres).await;
}

async fn a_crashed_holders_lease_expires(engine: Engine) {
    let Some(app) = spawn_app(engine).await else { return };
    let db = &app.state.db;
    let runs = || async { lease::list(db).await.unwrap().into_iter().find(|r| r.name == "retention").map_or(0, |r| r.runs) };
    // An instance took the lease and died (the server's own scheduler may
    // have run the job once before: this one forces it).
    while !lease::acquire(db, Job::Retention.name(), "dead", Utc::now(), true).await.unwrap() {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let before = runs().await;
    assert_eq!(run_once(&app.state, Job::Retention, "alive", true).await.unwrap(), Outcome::Skipped, "its lease still holds");
    // Ten minutes later it has expired, and another instance runs the job.
    execute(&app, &format!("UPDATE jobs SET lease_until = '{}' WHERE name = 'retention'", (Utc::now() - Duration::seconds(1)).to_rfc3339())).await;
    assert!(matches!(run_once(&app.state, Job::Retention, "alive", true).await.unwrap(), Outcome::Ran { ok: true, .. }));
    // The dead instance's late finish records nothing: it no longer holds the lease.
    lease::finish(db, Job::Retention.name(), "dead", false, "too late", Utc::now()).await.unwrap();
    let row = lease::list(db).await.unwrap().into_iter().find(|r| r.name == "retention").unwrap();
    assert_eq!((row.last_outcome.as_deref(), row.runs), (Some("ok"), before + 1));
}

#[tokio::test]
async fn each_due_job_runs_once_across_instances_sqlite() {
    each_due_job_runs_once_across_instances(Engine::Sqlite).await;
}

#[tokio::test]
async fn each_due_job_runs_once_across_instances_postgres() {
    each_due_job_runs_once_across_instances(Engine::Postgres).await;
}

#[tokio::test]
async fn a_crashed_holders_lease_expires_sqlite() {
    a_crashed_holders_lease_expires(Engine::Sqlite).await;
}

#[tokio::test]
async fn a_crashed_holders_lease_expires_postgres() {
    a_crashed_holders_lease_expires(Engine::Postgres).await;
}

#[test]
fn plinth_jobs_lists_every_job() {
    let path = std::env::temp_dir().join(format!("plinth-jobs-{}.db", uuid::Uuid::new_v4().simple()));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let run = crate::operations::plinth_cmd(&url).args(["jobs", "run", "retention"]).output().unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    assert!(String::from_utf8_lossy(&run.stdout).contains("retention: removed 0 events"));
    let out = crate::operations::plinth_cmd(&url).arg("jobs").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for job in Job::all() {
        assert!(text.contains(job.name()), "{text}");
    }
    assert!(text.contains("(ok: removed 0 events"), "{text}");
    let bad = crate::operations::plinth_cmd(&url).args(["jobs", "run", "nope"]).output().unwrap();
    assert!(!bad.status.success() && String::from_utf8_lossy(&bad.stderr).contains("plan-changes"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}
