//! Links the console builds. Everything that belongs to an organization
//! lives under `/o/<org slug>/…`, so a link means the same organization
//! whoever opens it, in whichever tab; projects are
//! `/o/<org>/projects/<project slug>/…`. Outside an organization: `/`,
//! `/login`, `/signup`, `/invite/<token>`, `/profile`, `/orgs/new`.
//!
//! Query values are percent-encoded with `form_urlencoded`, the url crate's
//! own encoder (small, and built for the browser too). A leaf module: it
//! imports nothing from the crate.
use std::fmt::Display;

/// An organization's page: `org_path("acme", "/team")` is `/o/acme/team`;
/// `""` is its dashboard.
pub fn org_path(org: impl Display, rest: &str) -> String {
    format!("/o/{org}{rest}")
}

/// A project's page: `project_path("acme", "bot", "/keys")` is `/o/acme/projects/bot/keys`.
pub fn project_path(org: impl Display, project: impl Display, rest: &str) -> String {
    format!("/o/{org}/projects/{project}{rest}")
}

/// The organization slug a console path names, if it names one.
pub fn org_in(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("/o/")?;
    let slug = rest.split(['/', '?', '#']).next().unwrap_or_default();
    (!slug.is_empty()).then_some(slug)
}

/// Paths from before organizations were in URLs (`/team`, `/projects/x/keys`):
/// they meant "in the current organization", and now redirect under it.
pub fn is_pre_org_path(path: &str) -> bool {
    const OLD: [&str; 5] = ["/team", "/audit", "/prices", "/settings", "/projects"];
    OLD.iter().any(|p| path.strip_prefix(p).is_some_and(|rest| rest.is_empty() || rest.starts_with('/')))
}

/// Encode a value for a query string, e.g. the `next=` path after sign-in.
pub fn query_value(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organization_paths() {
        assert_eq!(org_path("acme", ""), "/o/acme");
        assert_eq!(org_path("acme", "/team?invite=1"), "/o/acme/team?invite=1");
        assert_eq!(project_path("acme", "bot", "/keys"), "/o/acme/projects/bot/keys");
        assert_eq!(org_in("/o/acme/projects/bot"), Some("acme"));
        assert_eq!(org_in("/o/acme"), Some("acme"));
        assert_eq!(org_in("/o/"), None);
        assert_eq!(org_in("/profile"), None);
        for old in ["/team", "/audit", "/prices", "/settings", "/projects/new", "/projects/bot/keys", "/projects"] {
            assert!(is_pre_org_path(old), "{old}");
        }
        for new in ["/", "/teams", "/o/acme/team", "/profile", "/orgs/new", "/projectsx", "/login"] {
            assert!(!is_pre_org_path(new), "{new}");
        }
    }

    #[test]
    fn encodes_what_a_query_cannot_hold() {
        assert_eq!(query_value("/invite/ab?x=1&y=2"), "%2Finvite%2Fab%3Fx%3D1%26y%3D2");
        assert_eq!(query_value("a b+c@d.e"), "a+b%2Bc%40d.e");
        assert_eq!(query_value("ü"), "%C3%BC");
    }
}
