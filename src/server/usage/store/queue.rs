//! Group commit: batches of one project that arrive while another of its
//! batches is being written wait, then go in together, in one transaction.
//! Live traffic's batches share most rollup rows (the same hours, models and
//! users), so a group writes each shared row once, and commits once.
use super::{Batch, write_group};
use crate::error::{AppError, AppResult};
use sea_orm::DatabaseConnection;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, Weak};
use tokio::sync::oneshot;

/// At most this many events in one group's transaction.
pub const GROUP_EVENTS: usize = 4_000;

type Waiting = (Batch, oneshot::Sender<AppResult<u64>>);

/// One project's batches waiting for its write turn.
#[derive(Default)]
struct Queue {
    waiting: Mutex<Vec<Waiting>>,
    turn: Arc<tokio::sync::Mutex<()>>,
}

/// Queues by project, dropped when no batch of theirs is in flight.
static QUEUES: LazyLock<Mutex<HashMap<i64, Weak<Queue>>>> = LazyLock::new(Default::default);

fn queue_for(project_id: i64) -> Arc<Queue> {
    let mut queues = QUEUES.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(queue) = queues.get(&project_id).and_then(Weak::upgrade) {
        return queue;
    }
    if queues.len() >= 64 && queues.len().is_power_of_two() {
        queues.retain(|_, q| q.strong_count() > 0);
    }
    let queue = Arc::new(Queue::default());
    queues.insert(project_id, Arc::downgrade(&queue));
    queue
}

/// Whether a group of a project's batches is being written, and how many
/// of its batches wait for the next turn (tests watch it).
pub fn state(project_id: i64) -> (bool, usize) {
    let queue = QUEUES.lock().unwrap_or_else(|e| e.into_inner()).get(&project_id).and_then(Weak::upgrade);
    queue.map_or((false, 0), |q| (q.turn.try_lock().is_err(), q.waiting.lock().unwrap_or_else(|e| e.into_inner()).len()))
}

/// Write `batch` with whatever batches of its project are waiting; returns
/// how many of its events went in (the rest were stored before).
pub async fn write(db: &DatabaseConnection, batch: Batch) -> AppResult<u64> {
    let queue = queue_for(batch.key.project_id);
    let (sender, mut result) = oneshot::channel();
    queue.waiting.lock().unwrap_or_else(|e| e.into_inner()).push((batch, sender));
    loop {
        let turn = tokio::select! {
            // A group that took this batch answered it.
            r = &mut result => return r.unwrap_or(Err(AppError::Internal)),
            turn = queue.turn.clone().lock_owned() => turn,
        };
        // The turn came: this batch still waits unless the group before took
        // it (a group answers before it lets the turn go).
        if let Ok(r) = result.try_recv() {
            return r;
        }
        let group = take_group(&queue);
        if group.is_empty() {
            // Not reached: this batch was waiting, or a group answered it.
            tracing::error!("a batch was neither waiting nor answered");
            return Err(AppError::Internal);
        }
        // Written in a task of its own, holding the turn: a client that
        // disconnects cancels its own request, not the batches it leads.
        let db = db.clone();
        tokio::spawn(async move {
            let _turn = turn;
            let (batches, senders): (Vec<Batch>, Vec<_>) = group.into_iter().unzip();
            match write_group(&db, batches).await {
                Ok(counts) => senders.into_iter().zip(counts).for_each(|(s, c)| drop(s.send(c))),
                Err(e) => senders.into_iter().for_each(|s| drop(s.send(Err(e.clone())))),
            }
        });
        // This batch was in the group, or (behind a full group) leads the next.
    }
}

/// The waiting batches, oldest first, up to `GROUP_EVENTS` events (and at
/// least one batch).
fn take_group(queue: &Queue) -> Vec<Waiting> {
    let mut waiting = queue.waiting.lock().unwrap_or_else(|e| e.into_inner());
    let mut events = 0;
    let n = waiting
        .iter()
        .take_while(|(b, _)| {
            events += b.rows.len();
            events <= GROUP_EVENTS
        })
        .count()
        .max(1);
    let n = n.min(waiting.len());
    waiting.drain(..n).collect()
}
