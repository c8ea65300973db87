//! The public API's JSON bodies as types. The handlers answer with them and
//! `utoipa` derives the OpenAPI document from them, so the two cannot
//! drift. Limits come from the constants the checks use (`schema_with`).
use crate::domain::usage::*;
use crate::server::public_api::usage::GROUPS;
use crate::server::usage::intake::Rejected;
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::openapi::Required;
use utoipa::openapi::Schema;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::{IntoParams, ToSchema};

// Events are read one by one by `usage::intake::json` (so that one bad
// event is refused on its own); `Batch` and `Event` only describe them, and
// a test holds their fields equal to `EVENT_FIELDS`. (`///` comments here
// are the document's descriptions.)
/// A batch of LLM calls.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct Batch {
    #[schema(schema_with = events_schema)]
    events: Vec<Event>,
}

/// One LLM call.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct Event {
    #[schema(schema_with = id_schema)]
    id: String,
    #[schema(schema_with = timestamp_schema)]
    timestamp: String,
    #[schema(schema_with = model_schema)]
    model: String,
    #[schema(schema_with = provider_schema)]
    provider: Option<String>,
    #[schema(schema_with = assistant_schema)]
    assistant: Option<String>,
    #[schema(schema_with = user_schema)]
    user: Option<String>,
    #[schema(schema_with = environment_schema)]
    environment: Option<String>,
    #[schema(schema_with = session_schema)]
    session_id: Option<String>,
    #[schema(schema_with = tokens_schema)]
    input_tokens: Option<u64>,
    #[schema(schema_with = tokens_schema)]
    output_tokens: Option<u64>,
    #[schema(schema_with = cost_schema)]
    cost_usd: Option<String>,
    #[schema(schema_with = latency_schema)]
    latency_ms: Option<u64>,
    #[schema(schema_with = status_schema)]
    status: String,
    #[schema(schema_with = error_schema)]
    error: Option<String>,
    /// The prompt. Text past the server's cap (32 KiB by default) is cut.
    input: Option<String>,
    /// The completion. Cut like input.
    output: Option<String>,
    #[schema(schema_with = metadata_schema)]
    metadata: Option<Value>,
}

/// Every event was stored or was a duplicate.
#[derive(Serialize, ToSchema)]
pub struct Accepted {
    pub accepted: u64,
    pub duplicates: u64,
}

/// Some events were refused; the others were stored.
#[derive(Serialize, ToSchema)]
pub struct PartlyAccepted {
    pub accepted: u64,
    pub duplicates: u64,
    pub rejected: Vec<Rejected>,
}

/// Every event was refused: an error, with why each one was.
#[derive(Serialize, ToSchema)]
pub struct AllRefused {
    pub error: ErrorDetail,
    pub accepted: u64,
    pub duplicates: u64,
    pub rejected: Vec<Rejected>,
}

/// A 400 of `POST /events`: the body was not usable (an error), or every
/// event in it was refused (an error, with why each one was).
#[derive(ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum BadBatch {
    Error(ErrorBody),
    AllRefused(AllRefused),
}

/// The answer of `GET /usage`.
#[derive(Serialize, ToSchema)]
pub struct Usage {
    #[schema(format = DateTime)]
    pub from: String,
    #[schema(format = DateTime)]
    pub to: String,
    pub group_by: String,
    pub groups: Vec<Group>,
    /// With more groups than the limit, only the costliest are listed, and the total covers those.
    pub truncated: bool,
    pub total: Sums,
}

#[derive(Serialize, ToSchema)]
pub struct Group {
    /// The day (YYYY-MM-DD), model, assistant, user or key id; null for events that named none.
    #[schema(required = true)]
    pub key: Option<String>,
    #[serde(flatten)]
    pub sums: Sums,
}

#[derive(Serialize, ToSchema)]
pub struct Sums {
    pub requests: i64,
    pub errors: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    /// Exact decimal dollars.
    pub cost_usd: String,
    /// Null when no call in the group reported a latency.
    #[schema(required = true)]
    pub avg_latency_ms: Option<i64>,
    /// A sum reached the largest value Plinth stores (9223372036.854775807 dollars, or 9223372036854775807 tokens) and stopped there: the true figure is at least this.
    pub capped: bool,
}

/// Every error: `{"error": {"code": "...", "message": "..."}}`.
#[derive(Serialize, ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    #[schema(schema_with = code_schema)]
    pub code: &'static str,
    pub message: String,
}

/// The query of `GET /usage`. `usage::Query::parse` reads it by hand, to
/// refuse unknown and repeated parameters; a test sends every parameter
/// listed here with its example. (Written out: the derive drops a
/// parameter's description and example when its schema is computed.)
pub struct UsageParams;

impl IntoParams for UsageParams {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let param = |name: &str, schema: Schema, example: &str, description: &str| {
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .schema(Some(schema))
                .example(Some(json!(example)))
                .description(Some(description))
                .build()
        };
        vec![
            param(
                "from",
                time_schema(),
                "2026-11-01",
                "A date (2026-11-01) or an RFC 3339 time; inclusive. Leave the parameter out for the default; an empty value is refused (400).",
            ),
            param(
                "to",
                time_schema(),
                "2026-11-30",
                "A date or an RFC 3339 time; exclusive. Default: the end of the current hour. An empty value is refused (400).",
            ),
            param("group_by", group_schema(), "model", "`key` groups by the API key's id."),
        ]
    }
}

/// A schema written as JSON: for limits held in constants, which the
/// derive's attributes cannot take.
fn schema(v: Value) -> Schema {
    serde_json::from_value(v).unwrap_or_else(|e| unreachable!("a schema literal in wire.rs is malformed: {e}"))
}

fn name(description: &str, nullable: bool) -> Schema {
    let kind = if nullable { json!(["string", "null"]) } else { json!("string") };
    schema(
        json!({ "type": kind, "minLength": 1, "maxLength": MAX_NAME_CHARS, "description": format!("{description} No control or invisible characters (zero widths, bidi controls).") }),
    )
}

fn events_schema() -> Schema {
    schema(json!({ "type": "array", "minItems": 1, "maxItems": MAX_EVENTS_PER_REQUEST, "items": { "$ref": "#/components/schemas/Event" } }))
}

fn id_schema() -> Schema {
    schema(
        json!({ "type": "string", "minLength": 1, "maxLength": MAX_ID_CHARS, "description": "Chosen by the client; unique within the project (the idempotency key)." }),
    )
}

fn timestamp_schema() -> Schema {
    schema(json!({ "type": "string", "format": "date-time", "description": format!("RFC 3339; at most {MAX_CLOCK_SKEW_MINUTES} minutes in the future.") }))
}

fn model_schema() -> Schema {
    name("The model called, as the price catalog names it.", false)
}

fn provider_schema() -> Schema {
    name("openai, anthropic, …: picks the price when two providers sell the same model.", true)
}

fn assistant_schema() -> Schema {
    name("Which part of your product made the call.", true)
}

fn user_schema() -> Schema {
    name("Your end user.", true)
}

fn environment_schema() -> Schema {
    name("production, staging, …", true)
}

fn session_schema() -> Schema {
    name("Groups the calls of one conversation.", true)
}

fn tokens_schema() -> Schema {
    schema(json!({ "type": ["integer", "null"], "minimum": 0, "maximum": MAX_TOKENS, "default": 0 }))
}

fn cost_schema() -> Schema {
    schema(json!({
        "anyOf": [
            { "type": "number", "minimum": 0, "maximum": MAX_EVENT_COST_NANOS / crate::domain::money::NANOS_PER_USD },
            { "type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?([eE][+-]?[0-9]+)?$" },
            { "type": "null" },
        ],
        "description": "Dollars, at most nine decimals and 1000000 for one call, read exactly from the number's text or from a string holding one (an empty string is refused). Without it, Plinth prices the tokens from the catalog.",
    }))
}

fn latency_schema() -> Schema {
    schema(json!({ "type": ["integer", "null"], "minimum": 0, "maximum": MAX_LATENCY_MS }))
}

fn status_schema() -> Schema {
    schema(json!({ "type": "string", "enum": EventStatus::ALL.map(|s| s.as_str()) }))
}

fn error_schema() -> Schema {
    schema(json!({ "type": ["string", "null"], "maxLength": MAX_ERROR_BYTES, "description": "The error message of a failed call." }))
}

fn metadata_schema() -> Schema {
    schema(json!({
        "type": ["object", "null"], "maxProperties": MAX_METADATA_KEYS,
        "additionalProperties": { "type": ["string", "number", "boolean", "null"] },
        "description": format!("Flat: keys of at most {MAX_METADATA_KEY_CHARS} characters (no control or invisible characters), string values of at most {MAX_METADATA_VALUE_CHARS}, numbers finite and at most {MAX_METADATA_VALUE_CHARS} characters long."),
    }))
}

fn code_schema() -> Schema {
    schema(json!({ "type": "string", "enum": crate::error::AppError::codes().into_iter().chain([super::METHOD_NOT_ALLOWED]).collect::<Vec<_>>() }))
}

fn time_schema() -> Schema {
    let one = |format| json!({ "type": "string", "format": format, "minLength": 1 });
    schema(json!({ "anyOf": [one("date"), one("date-time")] }))
}

fn group_schema() -> Schema {
    schema(json!({ "type": "string", "enum": GROUPS.map(|g| g.as_str()), "default": "day" }))
}
