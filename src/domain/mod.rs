//! Pure types and rules shared by server and browser. Parsing happens here,
//! once: a value of these types is valid by construction.
pub mod account;
pub mod analytics;
pub mod api_key;
pub mod audit;
pub mod billing;
pub mod card;
pub mod csv;
pub mod ids;
pub mod latency;
pub mod money;
pub mod names;
pub mod org;
pub mod paging;
pub mod plan;
pub mod policy;
pub mod prices;
pub mod project;
pub mod reports;
pub mod requests;
pub mod role;
pub mod team;
pub mod text;
pub mod usage;

pub use account::{Email, Password, PersonName, User};
pub use ids::{GroupId, InvitationId, MemberId, OrgId, ProjectId, UserId};
pub use org::{OrgKind, OrgSummary};
pub use role::{OrgRole, ProjectRole};
