//! The JSON wire format of `POST /api/v1/events`: the body and each event
//! read as raw JSON, so one bad event is reported on its own and a hostile
//! object costs bounded work. Each event's values become an `EventInput`;
//! `NewEvent::check` applies the rules.
use super::{EventInput, MetaValue, NewEvent, check_id, clip};
use crate::domain::money::Nanos;
use crate::domain::usage::*;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

/// The request body: `{"events": [...]}`, each event kept as its raw text
/// so that one bad event is reported on its own.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Batch<'a> {
    #[serde(borrow, deserialize_with = "one_past_the_limit")]
    pub events: Vec<&'a RawValue>,
}

/// The events, but at most one more than allowed: the rest of an oversized
/// list is skipped, not kept in memory, and the caller answers 413.
fn one_past_the_limit<'de: 'a, 'a, D: Deserializer<'de>>(d: D) -> Result<Vec<&'a RawValue>, D::Error> {
    struct V<'a>(std::marker::PhantomData<&'a ()>);
    impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
        type Value = Vec<&'a RawValue>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a list of events")
        }
        fn visit_seq<S: serde::de::SeqAccess<'de>>(self, mut seq: S) -> Result<Self::Value, S::Error> {
            let mut events = Vec::new();
            while events.len() <= MAX_EVENTS_PER_REQUEST {
                match seq.next_element::<&'a RawValue>()? {
                    Some(ev) => events.push(ev),
                    None => return Ok(events),
                }
            }
            while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
            Ok(events)
        }
    }
    d.deserialize_seq(V(std::marker::PhantomData))
}

/// An event's fields as raw JSON, in order.
struct Fields<'a>(Vec<(String, &'a RawValue)>);

/// Reads a JSON object as raw members, refusing a repeated key, a key
/// outside `allowed` and more than `max` keys as soon as it sees one, so a
/// hostile object costs at most `max` members of work.
struct Members<'k> {
    allowed: Option<&'k [&'k str]>,
    max: usize,
    what: &'k str,
}

impl<'de, 'k> serde::de::DeserializeSeed<'de> for Members<'k> {
    type Value = Vec<(String, &'de RawValue)>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, 'k> Visitor<'de> for Members<'k> {
    type Value = Vec<(String, &'de RawValue)>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "{} as a JSON object", self.what)
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
        use serde::de::Error;
        let mut members: Vec<(String, &'de RawValue)> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if let Some(allowed) = self.allowed
                && !allowed.contains(&key.as_str())
            {
                return Err(M::Error::custom(format!("unknown field `{}`; the fields are: {}", clip(&key, 40), allowed.join(", "))));
            }
            if members.iter().any(|(k, _)| *k == key) {
                return Err(M::Error::custom(format!("`{}` appears twice in {}", clip(&key, 40), self.what)));
            }
            if members.len() == self.max {
                return Err(M::Error::custom(format!("{} has more than {} keys", self.what, self.max)));
            }
            members.push((key, map.next_value()?));
        }
        Ok(members)
    }
}

/// `raw` read with `seed`, the whole text consumed.
fn members<'a>(raw: &'a RawValue, seed: Members) -> Result<Vec<(String, &'a RawValue)>, String> {
    let mut de = serde_json::Deserializer::from_str(raw.get());
    let out = serde::de::DeserializeSeed::deserialize(seed, &mut de).map_err(|e| short_serde(&e))?;
    de.end().map_err(|e| short_serde(&e))?;
    Ok(out)
}

impl<'a> Fields<'a> {
    fn take(&mut self, name: &str) -> Option<&'a RawValue> {
        let i = self.0.iter().position(|(k, _)| k == name)?;
        let raw = self.0.remove(i).1;
        (raw.get() != "null").then_some(raw)
    }
}

/// Read and check one event. `text_cap` bounds `input` and `output` in bytes.
pub fn parse_event(raw: &RawValue, now: DateTime<Utc>, text_cap: usize) -> Result<NewEvent, (Option<String>, String)> {
    let seed = Members { allowed: Some(&EVENT_FIELDS), max: EVENT_FIELDS.len(), what: "an event" };
    let mut f = Fields(members(raw, seed).map_err(|e| (None, e))?);
    // The id first, so every later error can name it.
    let id = match f.take("id") {
        None => return Err((None, "`id` is required".into())),
        Some(raw) => serde_json::from_str::<String>(raw.get()).map_err(|_| (None, "`id` must be a string".to_string()))?,
    };
    let with_id = |msg: String| (Some(clip(&id, MAX_ID_CHARS)), msg);
    check_id(&id).map_err(with_id)?;
    let input = read_fields(&mut f, id.clone()).map_err(with_id)?;
    NewEvent::check(input, now, text_cap).map_err(with_id)
}

/// The event's values as JSON types: what is a string, a count, a cost.
fn read_fields(f: &mut Fields, id: String) -> Result<EventInput, String> {
    let timestamp = required_string(f, "timestamp")?;
    let timestamp = DateTime::parse_from_rfc3339(&timestamp)
        .map_err(|_| format!("`timestamp` must be an RFC 3339 date-time such as 2026-11-23T10:15:00Z, not {}", clip(&timestamp, 40)))?
        .with_timezone(&Utc);
    let model = required_string(f, "model")?;
    let status = required_string(f, "status")?;
    let Some(status) = EventStatus::parse(&status) else {
        let names: Vec<String> = EventStatus::ALL.iter().map(|s| format!("\"{}\"", s.as_str())).collect();
        return Err(format!("`status` must be {}, not {}", names.join(" or "), clip(&status, 40)));
    };
    let mut e = EventInput::new(id, timestamp, model, status);
    e.provider = optional_string(f, "provider")?;
    e.assistant = optional_string(f, "assistant")?;
    e.end_user = optional_string(f, "user")?;
    e.environment = optional_string(f, "environment")?;
    e.session_id = optional_string(f, "session_id")?;
    e.input_tokens = count(f, "input_tokens")?;
    e.output_tokens = count(f, "output_tokens")?;
    e.latency_ms = count(f, "latency_ms")?;
    e.cost = match f.take("cost_usd") {
        None => None,
        Some(raw) => {
            // A number's own text, or a string holding one: never a float.
            let text = match serde_json::from_str::<String>(raw.get()) {
                Ok(s) => s,
                Err(_) => raw.get().to_string(),
            };
            Some(Nanos::parse_usd(&text).map_err(|e| format!("`cost_usd` {e}"))?)
        }
    };
    e.error = optional_string(f, "error")?;
    e.input = optional_string(f, "input")?;
    e.output = optional_string(f, "output")?;
    e.metadata = metadata(f)?;
    Ok(e)
}

fn required_string(f: &mut Fields, field: &str) -> Result<String, String> {
    optional_string(f, field)?.ok_or_else(|| format!("`{field}` is required"))
}

fn optional_string(f: &mut Fields, field: &str) -> Result<Option<String>, String> {
    match f.take(field) {
        None => Ok(None),
        Some(raw) => serde_json::from_str::<String>(raw.get()).map(Some).map_err(|_| format!("`{field}` must be a string")),
    }
}

fn count(f: &mut Fields, field: &str) -> Result<Option<u64>, String> {
    let Some(raw) = f.take(field) else { return Ok(None) };
    let n = serde_json::from_str::<u64>(raw.get()).map_err(|_| format!("`{field}` must be a non-negative integer, not {}", clip(raw.get(), 40)))?;
    Ok(Some(n))
}

/// A flat object, its members read as they were written (numbers keep
/// their digits); at most 50 keys are read, whatever follows.
fn metadata(f: &mut Fields) -> Result<Option<Vec<(String, MetaValue)>>, String> {
    let Some(raw) = f.take("metadata") else { return Ok(None) };
    let seed = Members { allowed: None, max: MAX_METADATA_KEYS, what: "`metadata`" };
    let pairs = members(raw, seed).map_err(|e| if e.contains("as a JSON object") { "`metadata` must be an object".to_string() } else { e })?;
    let mut out = Vec::with_capacity(pairs.len());
    for (k, v) in pairs {
        let flat = || format!("`metadata.{}` must be a string, number, boolean or null: metadata is flat", clip(&k, 40));
        let value = match v.get().as_bytes().first() {
            Some(b'"') => MetaValue::Text(serde_json::from_str(v.get()).map_err(|_| flat())?),
            Some(b'-' | b'0'..=b'9') => MetaValue::Number(v.get().to_string()),
            Some(b't') => MetaValue::Bool(true),
            Some(b'f') => MetaValue::Bool(false),
            Some(b'n') => MetaValue::Null,
            _ => return Err(flat()),
        };
        out.push((k, value));
    }
    Ok(Some(out))
}

/// serde's message without "at line 1 column 40", which means nothing to the caller.
pub fn short_serde(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    let msg = match msg.find(" at line ") {
        Some(i) => &msg[..i],
        None => &msg,
    };
    // serde quotes the offending value whole; a reply need not repeat megabytes.
    clip(msg, 200)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap()
    }

    fn parse(json: &str) -> Result<NewEvent, (Option<String>, String)> {
        let raw: Box<RawValue> = serde_json::from_str(json).unwrap();
        parse_event(&raw, now(), 16)
    }

    const MINIMAL: &str = r#"{"id":"e1","timestamp":"2026-11-23T11:00:00Z","model":"gpt-4o","status":"success"}"#;

    #[test]
    fn a_minimal_event_parses() {
        let ev = parse(MINIMAL).unwrap();
        assert_eq!((ev.id.as_str(), ev.model.as_str(), ev.status, ev.input_tokens, ev.cost), ("e1", "gpt-4o", EventStatus::Success, 0, None));
    }

    #[test]
    fn every_field_parses() {
        let ev = parse(
            r#"{"id":"e2","timestamp":"2026-11-23T13:04:00+01:00","model":"m","provider":"openai","assistant":"a","user":"u",
            "environment":"prod","session_id":"s","input_tokens":10,"output_tokens":5,"cost_usd":0.000123,"latency_ms":250,
            "status":"error","error":"timeout\nafter 30 s","input":"hello","output":null,"metadata":{"k":"v","n":1,"b":true}}"#,
        )
        .unwrap();
        assert_eq!(ev.occurred_at, Utc.with_ymd_and_hms(2026, 11, 23, 12, 4, 0).unwrap());
        assert_eq!(ev.cost, Some(Nanos(123_000)));
        assert_eq!((ev.input_tokens, ev.output_tokens, ev.latency_ms), (10, 5, Some(250)));
        assert_eq!(ev.output, None);
        assert_eq!(ev.metadata.as_deref(), Some(r#"{"k":"v","n":1,"b":true}"#));
        let big = parse(&MINIMAL.replace("}", r#","metadata":{"n":123456789012345678901234,"x":0.1}}"#)).unwrap();
        assert_eq!(big.metadata.as_deref(), Some(r#"{"n":123456789012345678901234,"x":0.1}"#), "numbers keep their digits");
        assert_eq!(parse(&MINIMAL.replace("}", r#","cost_usd":"1.25"}"#)).unwrap().cost, Some(Nanos(1_250_000_000)));
    }

    #[test]
    fn each_bad_field_is_named() {
        let cases = [
            (r#"{"timestamp":"2026-11-23T11:00:00Z"}"#, "`id` is required"),
            (r#"{"id":5}"#, "`id` must be a string"),
            (r#"{"id":""}"#, "`id` must not be empty"),
            (&MINIMAL.replace("\"e1\"", &format!("\"{}\"", "x".repeat(129))), "at most 128"),
            (&MINIMAL.replace("11:00:00Z", "12:06:00Z"), "in the future"),
            (&MINIMAL.replace("2026-11-23T11:00:00Z", "yesterday"), "RFC 3339"),
            (&MINIMAL.replace("2026-11-23", "1999-12-31"), "before the year 2000"),
            (&MINIMAL.replace(r#""model":"gpt-4o","#, ""), "`model` is required"),
            (&MINIMAL.replace("success", "ok"), "\"success\" or \"error\""),
            (&MINIMAL.replace("}", r#","input_tokens":-1}"#), "`input_tokens` must be a non-negative integer"),
            (&MINIMAL.replace("}", r#","input_tokens":1.5}"#), "`input_tokens` must be a non-negative integer"),
            (&MINIMAL.replace("}", r#","output_tokens":1000000001}"#), "at most"),
            (&MINIMAL.replace("}", r#","cost_usd":1000000.000000001}"#), "at most 1000000 dollars"),
            (&MINIMAL.replace("}", r#","cost_usd":-0.1}"#), "`cost_usd` must be a non-negative"),
            (&MINIMAL.replace("}", r#","cost_usd":1e-12}"#), "nano-dollar"),
            (&MINIMAL.replace("}", r#","metadata":{"a":{"b":1}}}"#), "metadata is flat"),
            (&MINIMAL.replace("}", r#","metadata":[1]}"#), "must be an object"),
            (&MINIMAL.replace("}", r#","user":"a\u0000b"}"#), "control or invisible characters"),
            (&MINIMAL.replace("gpt-4o", "gpt-4o\u{200b}"), "`model` must not contain control or invisible characters"),
            (&MINIMAL.replace("}", r#","assistant":"a\u202eb"}"#), "`assistant` must not"),
            (&MINIMAL.replace("}", r#","environment":"prod\u2066"}"#), "`environment` must not"),
            (&MINIMAL.replace("}", r#","user":"\ufeffbob"}"#), "`user` must not"),
            (&MINIMAL.replace("}", r#","metadata":{"ke\u200by":"v"}}"#), "`metadata key` must not"),
            (&MINIMAL.replace("}", r#","input":"a\u0000b"}"#), "NUL"),
            (&MINIMAL.replace("}", r#","inputTokens":3}"#), "unknown field `inputTokens`"),
            (&MINIMAL.replace("}", r#","id":"again"}"#), "appears twice"),
            (&MINIMAL.replace("}", r#","metadata":{"a":"1","a":"2"}}"#), "appears twice"),
            ("[1,2]", "an event as a JSON object"),
        ];
        for (json, want) in cases {
            let (_, msg) = parse(json).unwrap_err();
            assert!(msg.contains(want), "{json}: {msg}");
        }
        let digits = "9".repeat(MAX_METADATA_VALUE_CHARS + 1);
        for number in ["1e999", "-1e999", digits.as_str()] {
            let (_, msg) = parse(&MINIMAL.replace("}", &format!(r#","metadata":{{"n":{number}}}}}"#))).unwrap_err();
            assert!(msg.contains("finite number of at most 1024"), "{number}: {msg}");
        }
        let tiny = format!("0.{}1", "0".repeat(MAX_METADATA_VALUE_CHARS - 3));
        assert!(parse(&MINIMAL.replace("}", &format!(r#","metadata":{{"n":{tiny}}}}}"#))).is_ok(), "1,024 characters that a float holds");
        assert!(parse(&MINIMAL.replace("}", &format!(r#","metadata":{{"n":{}}}}}"#, &digits[..300]))).is_ok(), "300 digits");
        let many: String = (0..51).map(|i| format!(r#""k{i}":"v""#)).collect::<Vec<_>>().join(",");
        assert!(parse(&MINIMAL.replace("}", &format!(r#","metadata":{{{many}}}}}"#))).unwrap_err().1.contains("more than 50 keys"));
        // A hostile object stops at its first unknown key, whatever follows.
        let hostile: String = (0..100_000).map(|i| format!(r#""k{i}":0"#)).collect::<Vec<_>>().join(",");
        assert!(parse(&format!(r#"{{"id":"h",{hostile}}}"#)).unwrap_err().1.contains("unknown field `k0`"));
        let long = format!(r#"{{"events": "{}"}}"#, "x".repeat(10_000));
        let e = serde_json::from_str::<Batch>(&long).err().unwrap();
        assert!(short_serde(&e).chars().count() <= 201);
        // The id comes back with the error once it is readable.
        assert_eq!(parse(&MINIMAL.replace("success", "ok")).unwrap_err().0.as_deref(), Some("e1"));
    }

    #[test]
    fn long_text_is_cut_on_a_character_boundary() {
        let ev = parse(&MINIMAL.replace("}", r#","input":"ééééééééééé","output":"short"}"#)).unwrap();
        assert_eq!(ev.input.as_deref(), Some("éééééééé"), "16 bytes of two-byte characters");
        assert!(ev.truncated);
        assert!(!parse(MINIMAL).unwrap().truncated);
    }
}
