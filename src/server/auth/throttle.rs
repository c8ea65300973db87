//! Sign-in throttling: a sliding window of recent failures per account and per
//! client address, kept in memory (a restart forgives, which is acceptable).
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Throttle {
    window: Duration,
    per_account: usize,
    per_address: usize,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl Default for Throttle {
    /// 5 failures per account, or 20 per address, within 15 minutes.
    fn default() -> Self {
        Self::new(Duration::from_secs(15 * 60), 5, 20)
    }
}

impl Throttle {
    pub fn new(window: Duration, per_account: usize, per_address: usize) -> Self {
        Self { window, per_account, per_address, failures: Mutex::default() }
    }

    /// `Some(wait)` when this account or address must wait before trying again.
    pub fn check(&self, account: &str, address: &str) -> Option<Duration> {
        let now = Instant::now();
        let mut map = self.failures.lock().expect("throttle lock");
        [(format!("acct:{account}"), self.per_account), (format!("addr:{address}"), self.per_address)]
            .into_iter()
            .filter_map(|(key, limit)| {
                let q = map.get_mut(&key)?;
                while q.front().is_some_and(|t| now.duration_since(*t) >= self.window) {
                    q.pop_front();
                }
                (q.len() >= limit).then(|| self.window - now.duration_since(q[q.len() - limit]))
            })
            .max()
    }

    pub fn record_failure(&self, account: &str, address: &str) {
        let now = Instant::now();
        let mut map = self.failures.lock().expect("throttle lock");
        for key in [format!("acct:{account}"), format!("addr:{address}")] {
            map.entry(key).or_default().push_back(now);
        }
    }

    /// A successful sign-in clears the account's failures (not the address's).
    pub fn record_success(&self, account: &str) {
        self.failures.lock().expect("throttle lock").remove(&format!("acct:{account}"));
    }

    /// Drop windows with nothing recent, so memory stays bounded.
    pub fn prune(&self) {
        let now = Instant::now();
        self.failures
            .lock()
            .expect("throttle lock")
            .retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < self.window));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_limit_per_account_and_address() {
        let t = Throttle::new(Duration::from_secs(60), 2, 3);
        assert!(t.check("a@x.io", "1.1.1.1").is_none());
        t.record_failure("a@x.io", "1.1.1.1");
        t.record_failure("a@x.io", "1.1.1.1");
        assert!(t.check("a@x.io", "9.9.9.9").is_some(), "account limit applies from any address");
        assert!(t.check("b@x.io", "1.1.1.1").is_none());
        t.record_failure("b@x.io", "1.1.1.1");
        assert!(t.check("c@x.io", "1.1.1.1").is_some(), "address limit applies to any account");
        t.record_success("a@x.io");
        assert!(t.check("a@x.io", "2.2.2.2").is_none());
    }

    #[test]
    fn windows_expire_and_prune() {
        let t = Throttle::new(Duration::from_millis(20), 1, 10);
        t.record_failure("a", "x");
        assert!(t.check("a", "y").is_some());
        std::thread::sleep(Duration::from_millis(30));
        assert!(t.check("a", "y").is_none());
        t.prune();
        assert!(t.failures.lock().unwrap().is_empty());
    }
}
