//! CPU time spent during a benchmark's phase, by this process (the server
//! and its clients) and by PostgreSQL's processes on this machine: where a
//! rate's time goes, and whether the two cores were the limit.
use std::time::{Duration, Instant};

/// Clock ticks of user and system time in one `/proc/<pid>/stat`.
fn ticks(stat: &str) -> Option<u64> {
    // The command name is in parentheses and may hold spaces: fields count
    // from after its closing one (utime and stime are fields 14 and 15).
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

fn own() -> u64 {
    std::fs::read_to_string("/proc/self/stat").ok().and_then(|s| ticks(&s)).unwrap_or(0)
}

/// Every `postgres` process's time, the exited backends' included through
/// the postmaster's reaped children (`cutime`/`cstime` are not counted: a
/// benchmark's connections stay open for its phases).
fn postgres() -> u64 {
    let Ok(dir) = std::fs::read_dir("/proc") else { return 0 };
    dir.filter_map(|e| std::fs::read_to_string(e.ok()?.path().join("stat")).ok())
        .filter(|s| s.split_once(" (").is_some_and(|(_, rest)| rest.starts_with("postgres")))
        .filter_map(|s| ticks(&s))
        .sum()
}

/// Ticks per second (`getconf CLK_TCK`, 100 on Linux).
const TICK: f64 = 100.0;

pub struct Meter {
    started: Instant,
    own: u64,
    postgres: u64,
}

pub struct Spent {
    pub wall: Duration,
    pub own: f64,
    pub postgres: f64,
}

impl Meter {
    pub fn start() -> Self {
        Meter { started: Instant::now(), own: own(), postgres: postgres() }
    }

    pub fn stop(self) -> Spent {
        Spent { wall: self.started.elapsed(), own: (own() - self.own) as f64 / TICK, postgres: (postgres() - self.postgres) as f64 / TICK }
    }
}

impl Spent {
    /// "CPU µs per event: this process X, PostgreSQL Y; cores busy Z of N".
    pub fn per_event(&self, events: u64) -> String {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        let us = |s: f64| s * 1e6 / events as f64;
        format!(
            "CPU per event: this process {:.0} µs, PostgreSQL {:.0} µs; cores busy {:.2} of {cores}",
            us(self.own),
            us(self.postgres),
            (self.own + self.postgres) / self.wall.as_secs_f64()
        )
    }
}
