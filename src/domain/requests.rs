//! The request log: one project's reported calls, newest first, filtered and
//! paged by a cursor (keyset), so page 1,000 costs what page 1 does.
use crate::domain::analytics::{Filters, MAX_FILTER_CHARS, Window};
use crate::domain::money::Nanos;
use crate::domain::usage::EventStatus;
use chrono::{DateTime, Utc};
use leptos::Params;
use leptos_router::params::Params;
use serde::{Deserialize, Serialize};

/// Rows per page.
pub const PAGE_SIZE: u64 = 50;

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

/// Calls a filtered page of the log reads at most. A rare filter (an end
/// user's few calls, a combination that matches none) would otherwise read
/// the whole window for one page: 10M rows for a miss. The page then stops
/// at this many calls of the log, says how far back it searched, and its
/// cursor goes on from there ("Search older").
pub const SEARCH_ROWS: u64 = 7_500;

impl RequestFilters {
    /// Whether any filter other than the window's range is set.
    pub fn narrows(&self) -> bool {
        self.texts().iter().any(|t| Self::text(t).is_some()) || self.key.is_some() || self.status.is_some()
    }

    /// The filters given as text.
    fn texts(&self) -> [&Option<String>; 4] {
        [&self.model, &self.assistant, &self.user, &self.window.env]
    }

    /// A non-empty filter value, or `None`.
    pub fn text(v: &Option<String>) -> Option<&str> {
        v.as_deref().filter(|s| !s.is_empty())
    }

    /// The filters checked: their cursor, or why they cannot be used.
    pub fn check(&self) -> Result<Option<Cursor>, String> {
        // PostgreSQL cannot compare a NUL: control characters are refused, not a 500.
        if self.texts().iter().any(|t| t.as_deref().is_some_and(|s| s.chars().count() > MAX_FILTER_CHARS || s.chars().any(char::is_control))) {
            return Err(format!("Filters are at most {MAX_FILTER_CHARS} characters, without control characters."));
        }
        match Self::text(&self.after) {
            Some(c) => Cursor::parse(c).map(Some).ok_or_else(|| "That page link is broken; start from the first page.".into()),
            None => Ok(None),
        }
    }
}

/// The log's query string as the URL has it (flat, every value text: the
/// filter form sends `key=` for "Any"). Shared by the page and its CSV export.
#[derive(Params, Clone, Debug, Default, PartialEq, Deserialize)]
pub struct RequestQuery {
    pub range: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub env: Option<String>,
    pub model: Option<String>,
    pub assistant: Option<String>,
    pub user: Option<String>,
    /// Text, not a number: the form sends `key=` for "Any".
    pub key: Option<String>,
    pub status: Option<String>,
    pub after: Option<String>,
}

impl RequestQuery {
    pub fn key_id(&self) -> Option<i64> {
        self.key.as_deref().and_then(|k| k.parse().ok())
    }

    /// The filters, parsed once; why not, when the URL's window is not one.
    pub fn filters(&self) -> Result<RequestFilters, String> {
        Ok(RequestFilters {
            window: Filters::from_url(self.range.as_deref(), self.from.as_deref(), self.to.as_deref(), self.env.as_deref())?,
            model: self.model.clone(),
            assistant: self.assistant.clone(),
            user: self.user.clone(),
            key: self.key_id(),
            // "Any" sends `status=`: no filter.
            status: self.status.as_deref().and_then(EventStatus::parse),
            after: self.after.clone(),
        })
    }

    /// `base` with these filters as its query string and `after` replaced.
    pub fn href(&self, base: &str, after: Option<&str>) -> String {
        let mut pairs = form_urlencoded::Serializer::new(String::new());
        let text = [
            ("range", &self.range),
            ("from", &self.from),
            ("to", &self.to),
            ("env", &self.env),
            ("model", &self.model),
            ("assistant", &self.assistant),
            ("user", &self.user),
            ("status", &self.status),
        ];
        for (k, v) in text {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                pairs.append_pair(k, v);
            }
        }
        if let Some(k) = self.key_id() {
            pairs.append_pair("key", &k.to_string());
        }
        if let Some(a) = after {
            pairs.append_pair("after", a);
        }
        format!("{base}?{}", pairs.finish())
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
    /// A filter's list holds only the first names (`repo::requests::MAX_NAMES`).
    pub lists_cut: bool,
    /// The project has no events at all (the empty state then explains how to send one).
    pub never_reported: bool,
    /// The filtered search stopped before filling the page (it reads at
    /// most `SEARCH_ROWS` calls a page): how far back it reached. "Older"
    /// searches on from there.
    pub searched_to: Option<chrono::DateTime<chrono::Utc>>,
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
    /// Why an unpriced call has no cost (`None` when it has one).
    pub unpriced_reason: Option<String>,
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
