//! Group commit: batches of one project that arrive while another group of
//! its batches is being written wait, then go in together, in one
//! transaction. Live traffic's batches share most rollup rows (the same
//! hours, models and users), so a group writes each shared row once, and
//! commits once.
use super::{Batch, write_group};
use crate::error::{AppError, AppResult};
use sea_orm::DatabaseConnection;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;
use tokio::sync::oneshot;

/// At most this many events in one group's transaction.
pub const GROUP_EVENTS: usize = 4_000;
/// At most this many events of one project waiting; a batch past it is
/// answered 503 `busy` at once instead of holding its body in memory.
pub const WAITING_EVENTS: usize = 4 * GROUP_EVENTS;
/// How long a batch waits for its turn before it is answered 503 `busy`.
pub const WAIT: Duration = Duration::from_secs(30);

type Waiting = (Batch, oneshot::Sender<AppResult<u64>>);

/// The ingestion writer of one database (in `AppState`): a queue per
/// project, and on SQLite, which has one writer, the turn of the groups.
pub struct Writer {
    queues: Mutex<HashMap<i64, Weak<Queue>>>,
    pub(super) sqlite: tokio::sync::Semaphore,
}

impl Default for Writer {
    fn default() -> Self {
        Writer { queues: Mutex::default(), sqlite: tokio::sync::Semaphore::new(1) }
    }
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Writer")
    }
}

/// One project's batches waiting for its write turn.
#[derive(Default)]
struct Queue {
    waiting: Mutex<Vec<Waiting>>,
    turn: Arc<tokio::sync::Mutex<()>>,
}

impl Writer {
    fn queue(&self, project_id: i64) -> Arc<Queue> {
        let mut queues = self.queues.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(queue) = queues.get(&project_id).and_then(Weak::upgrade) {
            return queue;
        }
        // Queues go with their last batch; forget them now and then.
        if queues.len() >= 64 && queues.len().is_power_of_two() {
            queues.retain(|_, q| q.strong_count() > 0);
        }
        let queue = Arc::new(Queue::default());
        queues.insert(project_id, Arc::downgrade(&queue));
        queue
    }

    /// Whether a group of a project's batches is being written, and how
    /// many of its batches wait for the next turn (tests watch it).
    pub fn state(&self, project_id: i64) -> (bool, usize) {
        let queue = self.queues.lock().unwrap_or_else(|e| e.into_inner()).get(&project_id).and_then(Weak::upgrade);
        queue.map_or((false, 0), |q| (q.turn.try_lock().is_err(), lock(&q.waiting).len()))
    }

    /// Write `batch` with whatever batches of its project are waiting;
    /// returns how many of its events went in (the rest were stored before).
    pub(super) async fn write(self: &Arc<Self>, db: &DatabaseConnection, batch: Batch) -> AppResult<u64> {
        let queue = self.queue(batch.key.project_id);
        let (sender, mut result) = oneshot::channel();
        {
            let mut waiting = lock(&queue.waiting);
            // Batches whose client stopped waiting hold no place.
            waiting.retain(|(_, sender)| !sender.is_closed());
            if waiting.iter().map(|(b, _)| b.rows.len()).sum::<usize>() + batch.rows.len() > WAITING_EVENTS {
                return Err(AppError::Busy);
            }
            waiting.push((batch, sender));
        }
        // Past the deadline this batch's receiver is dropped, and a group
        // that has not taken it yet leaves it out (`take_group`).
        let waited = tokio::time::timeout(WAIT, async {
            loop {
                let turn = tokio::select! {
                    // A group that took this batch answered it.
                    r = &mut result => return r.unwrap_or(Err(AppError::Internal)),
                    turn = queue.turn.clone().lock_owned() => turn,
                };
                // The turn came: this batch still waits unless the group
                // before took it (a group answers before it lets the turn go).
                if let Ok(r) = result.try_recv() {
                    return r;
                }
                let group = take_group(&queue);
                if group.is_empty() {
                    // Not reached: this batch was waiting, or a group answered it.
                    tracing::error!("a batch was neither waiting nor answered");
                    return Err(AppError::Internal);
                }
                // Written in a task of its own, holding the turn: a client
                // that disconnects cancels its own wait, not the batches it leads.
                let (db, writer) = (db.clone(), self.clone());
                tokio::spawn(async move {
                    let _turn = turn;
                    let (batches, senders): (Vec<Batch>, Vec<_>) = group.into_iter().unzip();
                    match write_group(&db, &writer, batches).await {
                        Ok(counts) => senders.into_iter().zip(counts).for_each(|(s, c)| drop(s.send(c))),
                        Err(e) => senders.into_iter().for_each(|s| drop(s.send(Err(e.clone())))),
                    }
                });
                // This batch was in the group, or (behind a full group) leads the next.
            }
        });
        waited.await.unwrap_or(Err(AppError::Busy))
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The waiting batches, oldest first, up to `GROUP_EVENTS` events (and at
/// least one batch). Batches whose client stopped waiting are dropped: they
/// were never acknowledged, and a retry sends them again.
fn take_group(queue: &Queue) -> Vec<Waiting> {
    let mut waiting = lock(&queue.waiting);
    waiting.retain(|(_, sender)| !sender.is_closed());
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
