//! SeaORM entities, one per table. Queries live next to the feature that uses them.
pub mod session;
pub mod user;
