//! The request log: one project's reported calls, newest first, filtered and
//! paged by a cursor (keyset), so page 1,000 costs what page 1 does.
use crate::domain::analytics::{Filters, Window};
use crate::domain::money::Nanos;
use crate::domain::usage::EventStatus;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Rows per page.
pub const PAGE_SIZE: u64 = 50;
/// The longest filter value kept; longer ones cannot match anything stored.
pub const MAX_FILTER_CHARS: usize = 200;

/// What the log shows, as its URL says (`?model=gpt-4o&status=error&after=…`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RequestFilters {
    pub window: Filters,
    pub model: Option<String>,
    pub assistant: Option<String>,
    pub user: Option<String>,
    /// An API key's id.
    pub key: Option<i64>,
    pub status: Option<EventStatus>,
    /// The cursor: rows strictly older than this one.
    pub after: Option<String>,
}

impl RequestFilters {
    /// A non-empty filter value, or `None`.
    pub fn text(v: &Option<String>) -> Option<&str> {
        v.as_deref().filter(|s| !s.is_empty())
    }
}

/// A position in the log: the last row's time (microseconds) and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub at: DateTime<Utc>,
    pub id: i64,
}

impl Cursor {
    pub fn encode(&self) -> String {
        format!("{}.{}", self.at.timestamp_micros(), self.id)
    }

    pub fn parse(s: &str) -> Option<Self> {
        let (micros, id) = s.split_once('.')?;
        let at = DateTime::from_timestamp_micros(micros.parse().ok()?)?;
        Some(Cursor { at, id: id.parse().ok()? })
    }
}

/// One row of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestRow {
    pub id: i64,
    pub event_id: String,
    pub occurred_at: DateTime<Utc>,
    pub model: String,
    pub assistant: Option<String>,
    pub end_user: Option<String>,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cost: Nanos,
    pub latency_ms: Option<i64>,
    pub status: EventStatus,
}

/// A page of the log, with what its filters can offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestPage {
    pub window: Window,
    pub rows: Vec<RequestRow>,
    /// The cursor of the next (older) page, if there is one.
    pub next: Option<String>,
    pub models: Vec<String>,
    pub assistants: Vec<String>,
    /// The project's API keys: (id, name).
    pub keys: Vec<(i64, String)>,
    pub environments: Vec<String>,
    /// The project has no events at all (the empty state then explains how to send one).
    pub never_reported: bool,
    pub endpoint: String,
}

/// One call in full. `input` and `output` are `None` for Project Viewers
/// (`text_hidden` then says so).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestDetail {
    pub row: RequestRow,
    pub provider: Option<String>,
    pub environment: Option<String>,
    pub session_id: Option<String>,
    pub received_at: DateTime<Utc>,
    pub error: Option<String>,
    pub input: Option<String>,
    pub output: Option<String>,
    pub truncated: bool,
    /// Metadata as (key, value) pairs, in the order sent.
    pub metadata: Vec<(String, String)>,
    pub key_name: Option<String>,
    pub text_hidden: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_junk() {
        let c = Cursor { at: DateTime::from_timestamp_micros(1_764_000_000_123_456).unwrap(), id: 42 };
        assert_eq!(Cursor::parse(&c.encode()), Some(c));
        for junk in ["", ".", "1.", ".1", "x.1", "1.x", "99999999999999999999.1", "1.2.3"] {
            assert_eq!(Cursor::parse(junk), None, "{junk}");
        }
    }
}
