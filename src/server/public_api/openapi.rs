//! `GET /api/openapi.json`: the public API's contract, built from the same
//! constants the handlers enforce, so the document cannot drift from them.
use crate::domain::usage::*;
use crate::server::public_api::usage::{DEFAULT_RANGE_DAYS, GROUPS, MAX_RANGE_DAYS};
use crate::server::usage::query::MAX_GROUPS;
use axum::Json;
use serde_json::{Value, json};

pub async fn spec() -> Json<Value> {
    Json(document())
}

pub fn document() -> Value {
    let error = json!({ "$ref": "#/components/schemas/Error" });
    let err = |description: &str| json!({ "description": description, "content": { "application/json": { "schema": error } } });
    // Optional fields take `null`, which means the same as leaving them out.
    let name = |description: &str| json!({ "type": ["string", "null"], "minLength": 1, "maxLength": MAX_NAME_CHARS, "description": format!("{description} No control or invisible characters (zero widths, bidi controls).") });
    // Each example is sent to the server by a test (`tests/api/openapi.rs`),
    // which expects the status it is listed under.
    let one_call = json!({ "events": [{
        "id": "example-1", "timestamp": "2026-11-23T10:15:00Z", "model": "gpt-4o-mini", "provider": "openai",
        "assistant": "support-bot", "user": "user-42", "environment": "production", "input_tokens": 120, "output_tokens": 40,
        "latency_ms": 830, "status": "success", "metadata": { "ticket": "T-1001", "retries": 0 },
    }] });
    let partly = json!({ "events": [
        { "id": "example-2", "timestamp": "2026-11-23T10:16:00Z", "model": "claude-sonnet-4", "status": "error", "error": "rate limited", "cost_usd": "0.0012" },
        { "id": "example-3", "timestamp": "2026-11-23T10:17:00Z", "model": "gpt-4o", "status": "ok" },
    ] });
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Plinth public API",
            "version": "1",
            "description": "Report LLM calls and read a project's usage with a project API key. Money is exact: costs are decimal strings of US dollars with up to nine decimals (nano-dollars).",
        },
        "servers": [{ "url": "/api/v1" }],
        "security": [{ "projectKey": [] }],
        "paths": {
            "/events": { "post": {
                "summary": "Report LLM calls",
                "description": format!("Needs a key with the `ingest` or `all` scope. At most {MAX_EVENTS_PER_REQUEST} events and {} MiB per request. An `id` the project already has is counted as a duplicate and changes nothing, so a batch can be retried safely.", MAX_BODY_BYTES / (1024 * 1024)),
                "requestBody": { "required": true, "content": { "application/json": { "schema": {
                    "type": "object", "additionalProperties": false, "required": ["events"],
                    "properties": { "events": { "type": "array", "minItems": 1, "maxItems": MAX_EVENTS_PER_REQUEST, "items": { "$ref": "#/components/schemas/Event" } } },
                }, "examples": {
                    "one_call": { "summary": "One call (answered 200)", "value": one_call },
                    "partly_refused": { "summary": "Two calls, one with an unknown status (answered 207)", "value": partly },
                } } } },
                "responses": {
                    "200": { "description": "Every event was stored or was a duplicate.", "content": { "application/json": {
                        "schema": { "$ref": "#/components/schemas/Accepted" },
                        "examples": { "one_call": { "value": { "accepted": 1, "duplicates": 0 } } },
                    } } },
                    "207": { "description": "Some events were rejected; the others were stored.", "content": { "application/json": {
                        "schema": { "$ref": "#/components/schemas/PartlyAccepted" },
                        "examples": { "partly_refused": { "value": { "accepted": 1, "duplicates": 0, "rejected": [{ "index": 1, "id": "example-3", "error": "`status` must be \"success\" or \"error\", not ok" }] } } },
                    } } },
                    "400": err("The body is not JSON of the documented shape, or not sent as application/json; or every event was refused (the body then also has accepted, duplicates and rejected)."),
                    "401": err("The key is missing, malformed, unknown, expired or revoked."),
                    "403": err("The key's scope does not allow sending events."),
                    "413": err(&format!("More than {MAX_EVENTS_PER_REQUEST} events, or more than {} MiB.", MAX_BODY_BYTES / (1024 * 1024))),
                    "429": err("Over the key's rate limit; retry after `Retry-After` seconds."),
                    "503": err("The database is busy (SQLite, under heavy concurrent writing); nothing was stored; retry after `Retry-After` seconds."),
                },
            } },
            "/usage": { "get": {
                "summary": "A project's usage, summed",
                "description": format!("Needs a key with the `read` or `all` scope. Times are UTC and rounded down to the hour; the range is at most {MAX_RANGE_DAYS} days, by default the last {DEFAULT_RANGE_DAYS}. At most {MAX_GROUPS} groups, the costliest first."),
                "parameters": [
                    { "name": "from", "in": "query", "schema": { "type": "string", "minLength": 1, "anyOf": [{ "format": "date" }, { "format": "date-time" }] }, "example": "2026-11-01", "description": "A date (2026-11-01) or an RFC 3339 time; inclusive. Leave the parameter out for the default; an empty value is refused (400)." },
                    { "name": "to", "in": "query", "schema": { "type": "string", "minLength": 1, "anyOf": [{ "format": "date" }, { "format": "date-time" }] }, "example": "2026-11-30", "description": "A date or an RFC 3339 time; exclusive. Default: the end of the current hour. An empty value is refused (400)." },
                    { "name": "group_by", "in": "query", "schema": { "type": "string", "enum": GROUPS.map(|g| g.as_str()), "default": "day" }, "example": "model", "description": "`key` groups by the API key's id." },
                ],
                "responses": {
                    "200": { "description": "Sums per group and in total.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Usage" } } } },
                    "400": err("A parameter is unknown, repeated or malformed, or the range is too long."),
                    "401": err("The key is missing, malformed, unknown, expired or revoked."),
                    "403": err("The key's scope does not allow reading usage."),
                    "429": err("Over the key's rate limit; retry after `Retry-After` seconds."),
                },
            } },
        },
        "components": {
            "securitySchemes": { "projectKey": { "type": "http", "scheme": "bearer", "description": "A project API key, plk_…, from the project's API keys page." } },
            "schemas": {
                "Event": {
                    "type": "object", "additionalProperties": false,
                    "required": ["id", "timestamp", "model", "status"],
                    "properties": {
                        "id": { "type": "string", "minLength": 1, "maxLength": MAX_ID_CHARS, "description": "Chosen by the client; unique within the project (the idempotency key)." },
                        "timestamp": { "type": "string", "format": "date-time", "description": format!("RFC 3339; at most {MAX_CLOCK_SKEW_MINUTES} minutes in the future.") },
                        "model": name("The model called, as the price catalog names it."),
                        "provider": name("openai, anthropic, …: picks the price when two providers sell the same model."),
                        "assistant": name("Which part of your product made the call."),
                        "user": name("Your end user."),
                        "environment": name("production, staging, …"),
                        "session_id": name("Groups the calls of one conversation."),
                        "input_tokens": { "type": ["integer", "null"], "minimum": 0, "maximum": MAX_TOKENS, "default": 0 },
                        "output_tokens": { "type": ["integer", "null"], "minimum": 0, "maximum": MAX_TOKENS, "default": 0 },
                        "cost_usd": {
                            "anyOf": [
                                { "type": "number", "minimum": 0, "maximum": 1_000_000 },
                                { "type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?([eE][+-]?[0-9]+)?$" },
                                { "type": "null" },
                            ],
                            "description": "Dollars, at most nine decimals and 1000000 for one call, read exactly from the number's text or from a string holding one (an empty string is refused). Without it, Plinth prices the tokens from the catalog.",
                        },
                        "latency_ms": { "type": ["integer", "null"], "minimum": 0, "maximum": MAX_LATENCY_MS },
                        "status": { "type": "string", "enum": ["success", "error"] },
                        "error": { "type": ["string", "null"], "maxLength": MAX_ERROR_BYTES, "description": "The error message of a failed call." },
                        "input": { "type": ["string", "null"], "description": "The prompt. Text past the server's cap (32 KiB by default) is cut." },
                        "output": { "type": ["string", "null"], "description": "The completion. Cut like input." },
                        "metadata": {
                            "type": ["object", "null"], "maxProperties": MAX_METADATA_KEYS,
                            "additionalProperties": { "type": ["string", "number", "boolean", "null"] },
                            "description": format!("Flat: keys of at most {MAX_METADATA_KEY_CHARS} characters (no control or invisible characters), string values of at most {MAX_METADATA_VALUE_CHARS}, numbers finite and at most {MAX_METADATA_VALUE_CHARS} characters long."),
                        },
                    },
                },
                "Accepted": { "type": "object", "required": ["accepted", "duplicates"], "properties": {
                    "accepted": { "type": "integer" }, "duplicates": { "type": "integer" },
                } },
                "PartlyAccepted": { "type": "object", "required": ["accepted", "duplicates", "rejected"], "properties": {
                    "accepted": { "type": "integer" }, "duplicates": { "type": "integer" },
                    "rejected": { "type": "array", "items": { "type": "object", "required": ["index", "error"], "properties": {
                        "index": { "type": "integer", "description": "The event's position in `events`, from 0." },
                        "id": { "type": "string" },
                        "error": { "type": "string" },
                    } } },
                } },
                "Sums": { "type": "object", "properties": {
                    "requests": { "type": "integer" }, "errors": { "type": "integer" },
                    "input_tokens": { "type": "integer" }, "output_tokens": { "type": "integer" },
                    "cost_usd": { "type": "string", "description": "Exact decimal dollars." },
                    "avg_latency_ms": { "type": ["integer", "null"] },
                    "capped": { "type": "boolean", "description": "A sum reached the largest value Plinth stores (9223372036.854775807 dollars, or 9223372036854775807 tokens) and stopped there: the true figure is at least this." },
                } },
                "Usage": { "type": "object", "properties": {
                    "from": { "type": "string", "format": "date-time" },
                    "to": { "type": "string", "format": "date-time" },
                    "group_by": { "type": "string" },
                    "groups": { "type": "array", "items": { "allOf": [{ "$ref": "#/components/schemas/Sums" }, { "type": "object", "properties": {
                        "key": { "type": ["string", "null"], "description": "The day (YYYY-MM-DD), model, assistant or user; null for events that named none." },
                    } }] } },
                    "truncated": { "type": "boolean" },
                    "total": { "$ref": "#/components/schemas/Sums" },
                } },
                "Error": { "type": "object", "required": ["error"], "properties": { "error": {
                    "type": "object", "required": ["code", "message"],
                    "properties": {
                        "code": { "type": "string", "enum": ["bad_request", "invalid", "unauthenticated", "forbidden", "not_found", "too_large", "rate_limited", "method_not_allowed", "busy", "internal"] },
                        "message": { "type": "string" },
                    },
                } } },
            },
        },
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_document_lists_every_event_field() {
        let doc = super::document();
        let props = doc["components"]["schemas"]["Event"]["properties"].as_object().unwrap();
        let mut documented: Vec<&str> = props.keys().map(String::as_str).collect();
        let mut accepted = crate::domain::usage::EVENT_FIELDS.to_vec();
        documented.sort();
        accepted.sort();
        assert_eq!(documented, accepted);
    }
}
