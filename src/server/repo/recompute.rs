//! Recomputing a model's costs from the price catalog, as a background job
//! of short chunks. Each chunk reads the next `CHUNK` events of one project
//! with one set-based `UPDATE`, moves the rollups by the same amounts, and
//! records its progress, in one write transaction of its own; between
//! chunks the job pauses as long as the chunk took, so other writers get the
//! database (on SQLite there is one write lock for every tenant: a single
//! transaction over 150,000 events held it for 38 s). Events are read by a
//! seek on (project, occurred_at, id), so each chunk costs the same.
//!
//! One job runs per organization at a time: a `running` row moved within
//! the last minute. Each chunk commits events and rollups together, so a job
//! that stops part-way leaves every figure consistent, and running it again
//! finishes the rest (events already at the catalog's cost are unchanged).
use crate::domain::account::User;
use crate::domain::audit::AuditAction;
use crate::domain::money::Nanos;
use crate::domain::prices::{RecomputeJob, RecomputeState};
use crate::domain::usage::CostSource;
use crate::error::{AppError, AppResult};
use crate::server::entities::{cost_recompute, project, usage_event};
use crate::server::repo::audit::{self, Change};
use crate::server::repo::prices::Catalog;
use crate::server::usage::rollup::RollupKey;
use crate::server::usage::store;
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{CaseStatement, Expr};
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde_json::json;
use std::collections::BTreeMap;

/// Events read per chunk (those of the model are re-priced, in one transaction).
pub const CHUNK: u64 = 2_000;
/// A running job not moved for this long died with its process.
const STALE_AFTER_SECONDS: i64 = 60;

fn to_job(m: cost_recompute::Model) -> RecomputeJob {
    RecomputeJob {
        id: m.id,
        model: m.model,
        state: m.state,
        events_total: m.events_total,
        events_done: m.events_done,
        changed: m.changed,
        delta: m.delta_nanos,
        error: m.error,
        started_at: m.started_at,
        finished_at: m.finished_at,
    }
}

/// The events a recompute of `model` in these projects looks at.
fn priced_by_catalog(project_ids: Vec<i64>, model: &str) -> sea_orm::Select<usage_event::Entity> {
    usage_event::Entity::find()
        .filter(usage_event::Column::ProjectId.is_in(project_ids))
        .filter(usage_event::Column::Model.eq(model))
        .filter(usage_event::Column::CostSource.ne(CostSource::Reported))
}

/// The organization's newest job, if it has one.
pub async fn latest(db: &DatabaseConnection, org_id: i64) -> AppResult<Option<RecomputeJob>> {
    let job = cost_recompute::Entity::find().filter(cost_recompute::Column::OrgId.eq(org_id)).order_by_desc(cost_recompute::Column::Id).one(db).await?;
    Ok(job.map(|j| settle_stale(j, Utc::now())).map(to_job))
}

/// A running job whose process stopped reads as failed.
fn settle_stale(mut job: cost_recompute::Model, now: DateTime<Utc>) -> cost_recompute::Model {
    if job.state == RecomputeState::Running && now - job.updated_at > Duration::seconds(STALE_AFTER_SECONDS) {
        job.state = RecomputeState::Failed;
        job.error = Some("The recompute stopped with its server process; run it again to finish it.".into());
    }
    job
}

/// Start a recompute of `model` for the organization: one at a time.
pub async fn start(db: &DatabaseConnection, org_id: i64, actor: Option<&User>, model: &str) -> AppResult<cost_recompute::Model> {
    // Counted before the write transaction: on SQLite a scan inside it would
    // hold every tenant's write lock. The total is a progress estimate.
    let projects: Vec<i64> =
        project::Entity::find().select_only().column(project::Column::Id).filter(project::Column::OrgId.eq(org_id)).into_tuple().all(db).await?;
    let total = priced_by_catalog(projects, model).count(db).await?;
    let tx = crate::server::repo::begin_org_write(db, org_id).await?;
    let now = Utc::now();
    let running = cost_recompute::Entity::find()
        .filter(cost_recompute::Column::OrgId.eq(org_id))
        .filter(cost_recompute::Column::State.eq(RecomputeState::Running))
        .filter(cost_recompute::Column::UpdatedAt.gt(now - Duration::seconds(STALE_AFTER_SECONDS)))
        .one(&tx)
        .await?;
    if let Some(r) = running {
        return Err(AppError::Conflict(format!(
            "A recompute of {} is running ({} of {} events). Wait for it to finish, then start another.",
            r.model, r.events_done, r.events_total
        )));
    }
    let job = cost_recompute::ActiveModel {
        org_id: Set(org_id),
        model: Set(model.to_string()),
        state: Set(RecomputeState::Running),
        events_total: Set(i64::try_from(total).unwrap_or(i64::MAX)),
        events_done: Set(0),
        changed: Set(0),
        delta_nanos: Set(0),
        error: Set(None),
        started_by: Set(actor.map(|u| u.id.0)),
        started_at: Set(now),
        updated_at: Set(now),
        finished_at: Set(None),
        ..Default::default()
    }
    .insert(&tx)
    .await?;
    tx.commit().await?;
    Ok(job)
}

/// Start a recompute and run it in the background; the page follows it
/// through `latest`.
pub async fn spawn(db: &DatabaseConnection, org_id: i64, actor: User, model: String) -> AppResult<RecomputeJob> {
    let job = start(db, org_id, Some(&actor), &model).await?;
    let shown = to_job(job.clone());
    let db = db.clone();
    tokio::spawn(async move {
        if let Err(e) = run(&db, job, Some(&actor), |_| {}).await {
            tracing::error!(error = %e, "cost recompute failed");
        }
    });
    Ok(shown)
}

/// Run a started job to its end, chunk by chunk; `progress` hears after each.
pub async fn run(
    db: &DatabaseConnection,
    job: cost_recompute::Model,
    actor: Option<&User>,
    mut progress: impl FnMut(&RecomputeJob),
) -> AppResult<RecomputeJob> {
    let outcome = run_chunks(db, &job, &mut progress).await;
    let (state, error) = match &outcome {
        Ok(_) => (RecomputeState::Done, None),
        Err(e) => (RecomputeState::Failed, Some(e.to_string())),
    };
    let tx = crate::server::repo::begin_org_write(db, job.org_id).await?;
    let current = cost_recompute::Entity::find_by_id(job.id).one(&tx).await?.ok_or_else(|| AppError::NotFound("Recompute".into()))?;
    let now = Utc::now();
    let finished = cost_recompute::ActiveModel {
        id: Set(job.id),
        state: Set(state),
        error: Set(error),
        updated_at: Set(now),
        finished_at: Set(Some(now)),
        ..Default::default()
    }
    .update(&tx)
    .await?;
    if let (Some(user), RecomputeState::Done) = (actor, state) {
        let after = json!({"model": current.model, "events": current.events_done, "changed": current.changed, "delta": Nanos(current.delta_nanos).usd_exact()});
        audit::record(&tx, Change::new(job.org_id, user, AuditAction::CostsRecomputed, current.model.clone()).after(after)).await?;
    }
    tx.commit().await?;
    outcome?;
    Ok(to_job(finished))
}

async fn run_chunks(db: &DatabaseConnection, job: &cost_recompute::Model, progress: &mut impl FnMut(&RecomputeJob)) -> AppResult<()> {
    let projects: Vec<i64> =
        project::Entity::find().select_only().column(project::Column::Id).filter(project::Column::OrgId.eq(job.org_id)).into_tuple().all(db).await?;
    for project_id in projects {
        let mut after: Option<(DateTime<Utc>, i64)> = None;
        loop {
            let started = std::time::Instant::now();
            let Some((last, job)) = chunk(db, job, project_id, after).await? else { break };
            after = Some(last);
            progress(&job);
            // As long again for everyone else: SQLite's busy writers poll
            // for the lock, and an immediate next chunk would starve them.
            tokio::time::sleep(started.elapsed().max(std::time::Duration::from_millis(5))).await;
        }
    }
    Ok(())
}

/// What a chunk reads of an event.
#[derive(Debug, sea_orm::FromQueryResult)]
struct Pricing {
    id: i64,
    occurred_at: DateTime<Utc>,
    hour: i64,
    model: String,
    provider: Option<String>,
    assistant: Option<String>,
    end_user: Option<String>,
    environment: Option<String>,
    status: crate::domain::usage::EventStatus,
    input_tokens: i64,
    output_tokens: i64,
    cost_nanos: i64,
    cost_source: CostSource,
    api_key_id: Option<i64>,
}

/// Re-price the next events of one project after `after`; `None` when there
/// are none left.
async fn chunk(
    db: &DatabaseConnection,
    job: &cost_recompute::Model,
    project_id: i64,
    after: Option<(DateTime<Utc>, i64)>,
) -> AppResult<Option<((DateTime<Utc>, i64), RecomputeJob)>> {
    use usage_event::Column as C;
    // The catalog as it is now: a price added while the job runs applies to what is left.
    let catalog = Catalog::load(db, job.org_id).await?;
    let mut q = usage_event::Entity::find().filter(C::ProjectId.eq(project_id));
    if let Some((at, id)) = after {
        q = q.filter(C::OccurredAt.gte(at)).filter(Condition::any().add(C::OccurredAt.gt(at)).add(C::Id.gt(id)));
    }
    // Read in time order through (project, occurred_at, id), the model and
    // cost source checked on the rows, so every chunk is a seek; read before
    // the write transaction, which then only writes. Only this job changes
    // these events' costs (one job per organization).
    // Only the columns pricing needs: an event's text can be 64 KiB, and a
    // chunk of whole rows could hold 128 MiB.
    let rows: Vec<Pricing> = q
        .select_only()
        .columns([C::Id, C::OccurredAt, C::Hour, C::Model, C::Provider, C::Assistant, C::EndUser, C::Environment, C::Status])
        .columns([C::InputTokens, C::OutputTokens, C::CostNanos, C::CostSource, C::ApiKeyId])
        .order_by_asc(C::OccurredAt)
        .order_by_asc(C::Id)
        .limit(CHUNK)
        .into_model::<Pricing>()
        .all(db)
        .await?;
    let Some(last) = rows.last().map(|e| (e.occurred_at, e.id)) else { return Ok(None) };
    let mut costs = CaseStatement::new();
    let mut sources = CaseStatement::new();
    let (mut ids, mut looked_at, mut changed, mut delta) = (Vec::new(), 0i64, 0i64, 0i64);
    let mut moves: BTreeMap<RollupKey, i64> = BTreeMap::new();
    for e in rows.iter().filter(|e| e.model == job.model && e.cost_source != CostSource::Reported) {
        looked_at += 1;
        let Ok((cost, source)) = catalog.catalog_cost(e.provider.as_deref(), &e.model, e.occurred_at, e.input_tokens, e.output_tokens) else { continue };
        if cost.0 == e.cost_nanos && source == e.cost_source {
            continue;
        }
        costs = costs.case(C::Id.eq(e.id), Expr::value(cost.0));
        sources = sources.case(C::Id.eq(e.id), Expr::value(source));
        ids.push(e.id);
        let d = cost.0 - e.cost_nanos;
        (changed, delta) = (changed + 1, delta.saturating_add(d));
        let slot = moves
            .entry(RollupKey::of_event(e.hour, e.api_key_id, &e.model, e.assistant.as_deref(), e.end_user.as_deref(), e.environment.as_deref(), e.status))
            .or_default();
        *slot = slot.saturating_add(d);
    }
    // The organization's lock first, as every writer of its data takes it.
    let tx = crate::server::repo::begin_org_write(db, job.org_id).await?;
    if !ids.is_empty() {
        usage_event::Entity::update_many()
            .col_expr(C::CostNanos, costs.finally(Expr::col(C::CostNanos)).into())
            .col_expr(C::CostSource, sources.finally(Expr::col(C::CostSource)).into())
            .filter(C::Id.is_in(ids))
            .exec(&tx)
            .await?;
        store::adjust_cost(&tx, project_id, moves).await?;
    }
    let current = cost_recompute::Entity::find_by_id(job.id).one(&tx).await?.ok_or_else(|| AppError::NotFound("Recompute".into()))?;
    // A job set aside as stale (its chunks stalled past a minute) must not
    // move costs and rollups again beside the job that replaced it.
    let newest = cost_recompute::Entity::find().filter(cost_recompute::Column::OrgId.eq(job.org_id)).order_by_desc(cost_recompute::Column::Id).one(&tx).await?;
    if current.state != RecomputeState::Running || newest.is_some_and(|n| n.id != job.id) {
        return Err(AppError::Conflict("This recompute was replaced by a newer one.".into()));
    }
    let moved = cost_recompute::ActiveModel {
        id: Set(job.id),
        events_done: Set(current.events_done + looked_at),
        changed: Set(current.changed + changed),
        delta_nanos: Set(current.delta_nanos.saturating_add(delta)),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .update(&tx)
    .await?;
    tx.commit().await?;
    Ok(Some((last, to_job(moved))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_running_job_left_by_its_process_reads_as_failed() {
        let now = Utc::now();
        let job = |updated: DateTime<Utc>| cost_recompute::Model {
            id: 1,
            org_id: 1,
            model: "m".into(),
            state: RecomputeState::Running,
            events_total: 10,
            events_done: 5,
            changed: 5,
            delta_nanos: 0,
            error: None,
            started_by: None,
            started_at: updated,
            updated_at: updated,
            finished_at: None,
        };
        assert_eq!(settle_stale(job(now - Duration::seconds(5)), now).state, RecomputeState::Running);
        let stale = settle_stale(job(now - Duration::seconds(61)), now);
        assert_eq!(stale.state, RecomputeState::Failed);
        assert!(stale.error.unwrap().contains("run it again"));
        assert_eq!(to_job(job(now)).percent(), 50);
    }
}
