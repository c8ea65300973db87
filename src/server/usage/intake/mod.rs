//! Intake: one reported LLM call, checked once, whatever the wire format.
//! A wire format (JSON today in `json`, OpenTelemetry next) reads its own
//! syntax into an `EventInput`; `NewEvent::check` applies every rule, with a
//! message that names the field. A `NewEvent` exists only through that
//! check: its fields are private to the usage module, which stores it.
pub mod json;

use crate::domain::money::Nanos;
use crate::domain::usage::*;
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde::Serialize;

/// What a wire format read of one event: its values, not yet checked.
#[derive(Debug, Clone, PartialEq)]
pub struct EventInput {
    pub id: String,
    pub timestamp: DateTime<Utc>,
    pub model: String,
    pub provider: Option<String>,
    pub assistant: Option<String>,
    pub end_user: Option<String>,
    pub environment: Option<String>,
    pub session_id: Option<String>,
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    pub cost: Option<Nanos>,
    pub latency_ms: Option<u64>,
    pub status: EventStatus,
    pub error: Option<String>,
    pub input: Option<String>,
    pub output: Option<String>,
    pub metadata: Option<Vec<(String, MetaValue)>>,
}

impl EventInput {
    /// The fields every event needs; the rest empty.
    pub fn new(id: impl Into<String>, timestamp: DateTime<Utc>, model: impl Into<String>, status: EventStatus) -> Self {
        EventInput {
            id: id.into(),
            timestamp,
            model: model.into(),
            provider: None,
            assistant: None,
            end_user: None,
            environment: None,
            session_id: None,
            input_tokens: None,
            output_tokens: None,
            cost: None,
            latency_ms: None,
            status,
            error: None,
            input: None,
            output: None,
            metadata: None,
        }
    }
}

/// A metadata value: flat, as the contract allows.
#[derive(Debug, Clone, PartialEq)]
pub enum MetaValue {
    Text(String),
    /// A number as its sender wrote it (its digits are kept).
    Number(String),
    Bool(bool),
    Null,
}

/// A checked event, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub(in crate::server::usage) id: String,
    pub(in crate::server::usage) occurred_at: DateTime<Utc>,
    pub(in crate::server::usage) model: String,
    pub(in crate::server::usage) provider: Option<String>,
    pub(in crate::server::usage) assistant: Option<String>,
    pub(in crate::server::usage) end_user: Option<String>,
    pub(in crate::server::usage) environment: Option<String>,
    pub(in crate::server::usage) session_id: Option<String>,
    pub(in crate::server::usage) input_tokens: i64,
    pub(in crate::server::usage) output_tokens: i64,
    pub(in crate::server::usage) cost: Option<Nanos>,
    pub(in crate::server::usage) latency_ms: Option<i64>,
    pub(in crate::server::usage) status: EventStatus,
    pub(in crate::server::usage) error: Option<String>,
    pub(in crate::server::usage) input: Option<String>,
    pub(in crate::server::usage) output: Option<String>,
    /// Input or output was longer than the cap and was cut.
    pub(in crate::server::usage) truncated: bool,
    /// The metadata object as JSON text.
    pub(in crate::server::usage) metadata: Option<String>,
}

/// Why one event was refused, with its id when it had a readable one.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Rejected {
    /// The event's position in `events`, from 0.
    pub index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub error: String,
}

impl NewEvent {
    /// Check every rule of the contract. `text_cap` bounds `input` and
    /// `output` in bytes (longer text is cut, and the event says so).
    pub fn check(e: EventInput, now: DateTime<Utc>, text_cap: usize) -> Result<NewEvent, String> {
        check_id(&e.id)?;
        // Microseconds: the request log's cursor carries no more.
        let occurred_at = chrono::SubsecRound::trunc_subsecs(e.timestamp, 6);
        if occurred_at > now + Duration::minutes(MAX_CLOCK_SKEW_MINUTES) {
            return Err(format!("`timestamp` is more than {MAX_CLOCK_SKEW_MINUTES} minutes in the future"));
        }
        if occurred_at < Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).single().unwrap_or_default() {
            return Err("`timestamp` is before the year 2000".into());
        }
        check_text("model", &e.model, 1, MAX_NAME_CHARS)?;
        for (field, v) in
            [("provider", &e.provider), ("assistant", &e.assistant), ("user", &e.end_user), ("environment", &e.environment), ("session_id", &e.session_id)]
        {
            if let Some(v) = v {
                check_text(field, v, 1, MAX_NAME_CHARS)?;
            }
        }
        let input_tokens = at_most("input_tokens", e.input_tokens, MAX_TOKENS)?.unwrap_or(0);
        let output_tokens = at_most("output_tokens", e.output_tokens, MAX_TOKENS)?.unwrap_or(0);
        let latency_ms = at_most("latency_ms", e.latency_ms, MAX_LATENCY_MS)?;
        if e.cost.is_some_and(|c| c.0 > MAX_EVENT_COST_NANOS || c.0 < 0) {
            return Err("`cost_usd` must be at most 1000000 dollars for one call".into());
        }
        if let Some(err) = &e.error {
            check_text("error", err, 0, usize::MAX)?;
            if err.len() > MAX_ERROR_BYTES {
                return Err(format!("`error` is longer than {} KiB", MAX_ERROR_BYTES / 1024));
            }
        }
        let (input, cut_in) = capped_text("input", e.input, text_cap)?;
        let (output, cut_out) = capped_text("output", e.output, text_cap)?;
        let metadata = e.metadata.map(metadata).transpose()?;
        Ok(NewEvent {
            id: e.id,
            occurred_at,
            model: e.model,
            provider: e.provider,
            assistant: e.assistant,
            end_user: e.end_user,
            environment: e.environment,
            session_id: e.session_id,
            input_tokens,
            output_tokens,
            cost: e.cost,
            latency_ms,
            status: e.status,
            error: e.error,
            input,
            output,
            truncated: cut_in || cut_out,
            metadata,
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn occurred_at(&self) -> DateTime<Utc> {
        self.occurred_at
    }

    pub fn model(&self) -> &str {
        &self.model
    }

    pub fn provider(&self) -> Option<&str> {
        self.provider.as_deref()
    }

    pub fn tokens(&self) -> (i64, i64) {
        (self.input_tokens, self.output_tokens)
    }

    /// The cost the client reported, if any.
    pub fn reported_cost(&self) -> Option<Nanos> {
        self.cost
    }

    pub fn status(&self) -> EventStatus {
        self.status
    }

    pub fn truncated(&self) -> bool {
        self.truncated
    }

    pub fn metadata(&self) -> Option<&str> {
        self.metadata.as_deref()
    }
}

/// The id's rule, apart: a wire format checks it first, so that every
/// later error can name the event.
pub fn check_id(id: &str) -> Result<(), String> {
    check_text("id", id, 1, MAX_ID_CHARS)
}

fn at_most(field: &str, n: Option<u64>, max: u64) -> Result<Option<i64>, String> {
    match n {
        Some(n) if n > max => Err(format!("`{field}` must be at most {max}")),
        // Below `max`, which is far below i64::MAX.
        other => Ok(other.map(|n| n as i64)),
    }
}

/// Names and ids: `min..=max` characters, none that hides text (control
/// characters, which PostgreSQL cannot store as NUL, and invisible or
/// reordering ones, by `text::hides_text`, so one name cannot pass for
/// another). `error` is prose: it may hold line breaks, tabs and
/// right-to-left marks, and only other control characters are refused.
fn check_text(field: &str, value: &str, min: usize, max: usize) -> Result<(), String> {
    let chars = value.chars().count();
    if chars < min {
        return Err(format!("`{field}` must not be empty"));
    }
    if chars > max {
        return Err(format!("`{field}` must be at most {max} characters"));
    }
    let refused = |c: char| match field {
        "error" => c.is_control() && !matches!(c, '\n' | '\r' | '\t'),
        _ => crate::domain::text::hides_text(c),
    };
    if value.chars().any(refused) {
        return Err(format!("`{field}` must not contain control or invisible characters"));
    }
    Ok(())
}

/// Prompt and completion text: kept up to `cap` bytes (cut on a character
/// boundary), so a long call still counts. NUL is refused: PostgreSQL cannot store it.
fn capped_text(field: &str, text: Option<String>, cap: usize) -> Result<(Option<String>, bool), String> {
    let Some(mut text) = text else { return Ok((None, false)) };
    if text.contains('\0') {
        return Err(format!("`{field}` must not contain a NUL character"));
    }
    if text.len() <= cap {
        return Ok((Some(text), false));
    }
    let mut end = cap;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    Ok((Some(text), true))
}

/// A flat object of at most 50 keys, as JSON text: strings at most 1,024
/// characters, numbers finite and kept as written.
fn metadata(pairs: Vec<(String, MetaValue)>) -> Result<String, String> {
    if pairs.len() > MAX_METADATA_KEYS {
        return Err(format!("`metadata` has more than {MAX_METADATA_KEYS} keys"));
    }
    let mut out = String::from("{");
    for (i, (k, v)) in pairs.iter().enumerate() {
        check_text("metadata key", k, 1, MAX_METADATA_KEY_CHARS).map_err(|e| format!("{e} ({})", clip(k, 40)))?;
        if pairs[..i].iter().any(|(seen, _)| seen == k) {
            return Err(format!("`{}` appears twice in `metadata`", clip(k, 40)));
        }
        let value = match v {
            MetaValue::Text(s) => {
                if s.contains('\0') || s.chars().count() > MAX_METADATA_VALUE_CHARS {
                    return Err(format!("`metadata.{}` must be at most {MAX_METADATA_VALUE_CHARS} characters, without NUL", clip(k, 40)));
                }
                serde_json::Value::String(s.clone()).to_string()
            }
            // A number is capped like a string, and must be one a float can
            // hold: `1e999` or two million digits are refused, not stored.
            MetaValue::Number(digits) => {
                let is_json_number = serde_json::from_str::<serde_json::Value>(digits).is_ok_and(|v| v.is_number());
                if digits.len() > MAX_METADATA_VALUE_CHARS || !is_json_number || !digits.parse::<f64>().is_ok_and(f64::is_finite) {
                    return Err(format!("`metadata.{}` must be a finite number of at most {MAX_METADATA_VALUE_CHARS} characters", clip(k, 40)));
                }
                digits.clone()
            }
            MetaValue::Bool(b) => b.to_string(),
            MetaValue::Null => "null".into(),
        };
        if out.len() > 1 {
            out.push(',');
        }
        out.push_str(&serde_json::Value::String(k.clone()).to_string());
        out.push(':');
        out.push_str(&value);
    }
    out.push('}');
    Ok(out)
}

pub(crate) fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap()
    }

    fn input() -> EventInput {
        EventInput::new("e1", now() - Duration::hours(1), "gpt-4o", EventStatus::Success)
    }

    #[test]
    fn the_rules_hold_whatever_the_wire_format() {
        let check = |e: EventInput| NewEvent::check(e, now(), 16);
        assert_eq!(check(input()).unwrap().tokens(), (0, 0));
        let cases: Vec<(EventInput, &str)> = vec![
            (EventInput { id: String::new(), ..input() }, "`id` must not be empty"),
            (EventInput { timestamp: now() + Duration::minutes(6), ..input() }, "in the future"),
            (EventInput { timestamp: Utc.with_ymd_and_hms(1999, 12, 31, 0, 0, 0).unwrap(), ..input() }, "before the year 2000"),
            (EventInput { model: "a\u{200b}b".into(), ..input() }, "`model` must not contain"),
            (EventInput { session_id: Some("x".repeat(201)), ..input() }, "`session_id` must be at most 200"),
            (EventInput { input_tokens: Some(MAX_TOKENS + 1), ..input() }, "`input_tokens` must be at most"),
            (EventInput { latency_ms: Some(u64::MAX), ..input() }, "`latency_ms` must be at most"),
            (EventInput { cost: Some(Nanos(MAX_EVENT_COST_NANOS + 1)), ..input() }, "at most 1000000 dollars"),
            (EventInput { cost: Some(Nanos(-1)), ..input() }, "at most 1000000 dollars"),
            (EventInput { error: Some("x".repeat(MAX_ERROR_BYTES + 1)), ..input() }, "`error` is longer"),
            (EventInput { output: Some("a\0b".into()), ..input() }, "NUL"),
            (EventInput { metadata: Some(vec![("k".into(), MetaValue::Number("NaN".into()))]), ..input() }, "finite number"),
            (EventInput { metadata: Some(vec![("k".into(), MetaValue::Number("+1".into()))]), ..input() }, "finite number"),
            (EventInput { metadata: Some(vec![("k".into(), MetaValue::Null), ("k".into(), MetaValue::Null)]), ..input() }, "appears twice"),
            (EventInput { metadata: Some((0..51).map(|i| (format!("k{i}"), MetaValue::Null)).collect()), ..input() }, "more than 50 keys"),
        ];
        for (e, want) in cases {
            let msg = check(e.clone()).unwrap_err();
            assert!(msg.contains(want), "{e:?}: {msg}");
        }
        let meta = vec![("a".into(), MetaValue::Text("\"q\"".into())), ("n".into(), MetaValue::Number("1.50".into())), ("b".into(), MetaValue::Bool(true))];
        let ev = check(EventInput { metadata: Some(meta), input: Some("ééééééééééé".into()), ..input() }).unwrap();
        assert_eq!(ev.metadata(), Some(r#"{"a":"\"q\"","n":1.50,"b":true}"#));
        assert!(ev.truncated() && ev.input.as_deref() == Some("éééééééé"), "16 bytes of two-byte characters");
    }
}
