//! Rate limits kept in memory, per process (a restart forgives, which is
//! acceptable): sign-ups per address, invitation emails per organization and
//! per inviter, organizations per user, public API requests per key and per
//! project, failed key lookups per address, and running exports. Sign-in
//! attempts are counted in the database instead (`auth::sign_in`).
//!
//! Every limit is a sliding window of timestamps per key. A slot is taken
//! *before* the expensive or risky work (hashing, sending mail) under one
//! lock, so concurrent requests cannot all pass the check before the first
//! one is counted.
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How many events one key may have within a sliding window.
#[derive(Debug)]
pub struct Limiter {
    window: Duration,
    limit: usize,
    hits: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl Limiter {
    pub fn new(window: Duration, limit: usize) -> Self {
        Self { window, limit, hits: Mutex::default() }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, VecDeque<Instant>>> {
        // A panic while holding this lock cannot leave the map inconsistent.
        self.hits.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Take `n` slots for `key` now, or say how long until there is room.
    pub fn acquire(&self, key: &str, n: usize) -> Result<Instant, Duration> {
        let now = Instant::now();
        if n > self.limit {
            return Err(self.window);
        }
        let mut map = self.lock();
        if let Some(q) = map.get_mut(key) {
            while q.front().is_some_and(|t| now.duration_since(*t) >= self.window) {
                q.pop_front();
            }
            if q.len() + n > self.limit {
                // Room comes when enough of the oldest hits have aged out.
                let oldest_needed = q[q.len() + n - self.limit - 1];
                return Err(self.window.saturating_sub(now.duration_since(oldest_needed)).max(Duration::from_secs(1)));
            }
            q.extend(std::iter::repeat_n(now, n));
        } else {
            map.insert(key.to_string(), std::iter::repeat_n(now, n).collect());
        }
        Ok(now)
    }

    /// Give back one slot taken at `at` (the work it guarded did not count).
    pub fn release(&self, key: &str, at: Instant) {
        self.release_n(key, at, 1);
    }

    /// Give back `n` slots taken together at `at`.
    pub fn release_n(&self, key: &str, at: Instant, n: usize) {
        let mut map = self.lock();
        if let Some(q) = map.get_mut(key) {
            for _ in 0..n {
                match q.iter().position(|t| *t == at) {
                    Some(i) => drop(q.remove(i)),
                    None => break,
                }
            }
            if q.is_empty() {
                map.remove(key);
            }
        }
    }

    /// How long until `key` has room, when its window is full now; takes nothing.
    pub fn full(&self, key: &str) -> Option<Duration> {
        let now = Instant::now();
        let map = self.lock();
        let q = map.get(key)?;
        let live: Vec<&Instant> = q.iter().filter(|t| now.duration_since(**t) < self.window).collect();
        (live.len() >= self.limit).then(|| {
            let oldest_needed = live[live.len() - self.limit];
            self.window.saturating_sub(now.duration_since(*oldest_needed)).max(Duration::from_secs(1))
        })
    }

    /// Slots of `key` taken within the window.
    pub fn count(&self, key: &str) -> usize {
        let now = Instant::now();
        self.lock().get(key).map_or(0, |q| q.iter().filter(|t| now.duration_since(**t) < self.window).count())
    }

    pub fn clear(&self, key: &str) {
        self.lock().remove(key);
    }

    /// Drop windows with nothing recent, so memory stays bounded.
    pub fn prune(&self) {
        let now = Instant::now();
        self.lock().retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < self.window));
    }
}

/// Every limit of the server, built once from the configuration.
#[derive(Debug)]
pub struct Throttles {
    /// Sign-ups per client address per hour.
    pub sign_up: Limiter,
    /// Invitation emails per organization per hour.
    pub invitations: Limiter,
    /// Public API requests per API key per minute.
    pub api: Limiter,
    /// Public API requests per project per minute, all its keys together.
    pub api_project: Limiter,
    /// Unknown, malformed or missing API keys per client address per minute.
    pub failed_key_lookups: Limiter,
    /// Invitation emails per inviting user per hour, across organizations.
    pub invitations_by_user: Limiter,
    /// Organizations created per user per day.
    pub orgs_by_user: Limiter,
    /// CSV exports running now.
    pub exports: Exports,
}

/// CSV exports running at once, per project and in all: each one holds a
/// database connection for a moment per chunk, and a Project Viewer could
/// otherwise start as many as the pool has connections.
#[derive(Debug)]
pub struct Exports {
    per_project: usize,
    total: usize,
    running: Mutex<HashMap<i64, usize>>,
}

/// One running export; its place is given back when it is dropped (the
/// download ended, failed, or the client went away).
#[derive(Debug)]
pub struct ExportSlot {
    throttles: std::sync::Arc<Throttles>,
    project_id: i64,
}

impl Exports {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, usize>> {
        self.running.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Throttles {
    /// A place for one more export of `project_id`, if there is room.
    pub fn start_export(self: &std::sync::Arc<Self>, project_id: i64) -> Option<ExportSlot> {
        let mut running = self.exports.lock();
        let all: usize = running.values().sum();
        let mine = running.get(&project_id).copied().unwrap_or(0);
        if all >= self.exports.total || mine >= self.exports.per_project {
            return None;
        }
        running.insert(project_id, mine + 1);
        Some(ExportSlot { throttles: self.clone(), project_id })
    }
}

impl Drop for ExportSlot {
    fn drop(&mut self) {
        let mut running = self.throttles.exports.lock();
        if let Some(n) = running.get_mut(&self.project_id) {
            *n -= 1;
            if *n == 0 {
                running.remove(&self.project_id);
            }
        }
    }
}

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

impl Throttles {
    pub fn new(limits: &crate::server::config::Limits) -> Self {
        Self {
            sign_up: Limiter::new(HOUR, limits.sign_ups_per_address_hour),
            invitations: Limiter::new(HOUR, limits.invitations_per_org_hour),
            api: Limiter::new(MINUTE, limits.api_requests_per_key_minute),
            api_project: Limiter::new(MINUTE, limits.api_requests_per_project_minute),
            failed_key_lookups: Limiter::new(MINUTE, limits.failed_key_lookups_per_address_minute),
            invitations_by_user: Limiter::new(HOUR, limits.invitations_per_user_hour),
            orgs_by_user: Limiter::new(24 * HOUR, limits.orgs_per_user_day),
            exports: Exports { per_project: limits.exports_per_project, total: limits.exports_total, running: Mutex::default() },
        }
    }

    pub fn prune(&self) {
        self.sign_up.prune();
        self.invitations.prune();
        self.api.prune();
        self.api_project.prune();
        self.failed_key_lookups.prune();
        self.invitations_by_user.prune();
        self.orgs_by_user.prune();
    }
}

/// "Try again in N minutes." for a wait.
pub fn wait_message(prefix: &str, wait: Duration) -> String {
    let minutes = wait.as_secs().div_ceil(60).max(1);
    let plural = |n: u64| if n == 1 { "" } else { "s" };
    if minutes <= 90 {
        return format!("{prefix} Try again in {minutes} minute{}.", plural(minutes));
    }
    let hours = minutes.div_ceil(60);
    format!("{prefix} Try again in {hours} hour{}.", plural(hours))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_several_slots_at_once() {
        let l = Limiter::new(Duration::from_secs(60), 10);
        assert!(l.acquire("org", 7).is_ok());
        assert!(l.acquire("org", 4).is_err());
        assert!(l.acquire("org", 3).is_ok());
        assert!(l.acquire("org", 1).is_err());
        assert!(Limiter::new(Duration::from_secs(60), 10).acquire("org", 11).is_err());
    }

    #[test]
    fn exports_run_a_few_at_a_time_and_give_their_place_back() {
        let limits = crate::server::config::Limits { exports_per_project: 2, exports_total: 3, ..Default::default() };
        let t = std::sync::Arc::new(Throttles::new(&limits));
        let (a1, a2) = (t.start_export(1).unwrap(), t.start_export(1).unwrap());
        assert!(t.start_export(1).is_none(), "two per project");
        let b1 = t.start_export(2).unwrap();
        assert!(t.start_export(3).is_none(), "three in all");
        drop(a1);
        assert!(t.start_export(3).is_some(), "a finished export gives its place back");
        drop((a2, b1));
        assert!(t.exports.lock().is_empty());
    }

    #[test]
    fn full_and_count_take_nothing() {
        let l = Limiter::new(Duration::from_secs(60), 2);
        assert_eq!((l.full("a"), l.count("a")), (None, 0));
        l.acquire("a", 1).unwrap();
        assert_eq!((l.full("a"), l.count("a")), (None, 1));
        l.acquire("a", 1).unwrap();
        assert!(l.full("a").is_some_and(|w| w > Duration::from_secs(50)));
        assert_eq!(l.count("a"), 2, "asking took no slot");
    }

    #[test]
    fn windows_expire_and_prune() {
        let l = Limiter::new(Duration::from_millis(20), 1);
        assert!(l.acquire("a", 1).is_ok());
        assert!(l.acquire("a", 1).is_err());
        std::thread::sleep(Duration::from_millis(30));
        assert!(l.acquire("a", 1).is_ok());
        std::thread::sleep(Duration::from_millis(30));
        l.prune();
        assert!(l.lock().is_empty());
    }
}
