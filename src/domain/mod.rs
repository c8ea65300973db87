//! Pure types and rules shared by server and browser. Parsing happens here,
//! once: a value of these types is valid by construction.
pub mod account;
pub mod ids;
pub mod policy;
pub mod role;

pub use account::{Email, Password, PersonName, User};
pub use ids::UserId;
pub use role::{OrgRole, ProjectRole};
