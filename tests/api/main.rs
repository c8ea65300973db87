//! The one integration-test binary. Each test starts the real server on a
//! free port with a fresh database and drives it over HTTP.
mod fixtures;
mod helpers;
mod mail;

mod accounts;
mod assets;
mod audit_chain;
mod audit_seals;
mod bench;
mod bench_scale;
mod bench_usage;
mod bulk;
mod contention;
mod durability;
mod exports;
mod fuzz;
mod hardening;
mod ingest;
mod keys;
mod limits;
mod lock_order;
mod openapi;
mod operations;
mod org_links;
mod permissions;
mod prices;
mod recompute;
mod reports;
mod requests;
mod rollups;
mod rules;
mod scopes;
mod security;
mod shape;
mod sign_in;
