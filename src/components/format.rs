//! The console's one way to show dates and times.
use chrono::{DateTime, Utc};

/// "Nov 23, 2026": tables and cards.
pub fn date(d: &DateTime<Utc>) -> String {
    d.format("%b %-d, %Y").to_string()
}

/// "2026-11-23 14:05:09 UTC": the audit log, where the second matters.
pub fn date_time(d: &DateTime<Utc>) -> String {
    d.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}
