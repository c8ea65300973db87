//! Usage, in four parts. The pages, the public API and the exports are thin
//! adapters over them:
//! - `intake`: one checked event, whatever the wire format (`intake::json`
//!   reads the ingestion API's);
//! - `store`: batches and every rollup in one transaction, from the typed
//!   descriptions in `rollup`;
//! - `query`: `Scope` (organization, group, projects, key, end user,
//!   environment), hours and `GroupBy`, answered from the cheapest rollup;
//! - `report`: what a page or an answer shows, built from query rows.
pub mod intake;
pub mod query;
pub mod report;
pub mod rollup;
pub mod store;
