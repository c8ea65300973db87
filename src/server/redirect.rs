//! Where sign-in and sign-up may send a user afterwards: a path on this
//! site, never another host. `next` comes from the URL, so it is hostile.
use url::Url;

/// `next` as a same-origin path (with its query), else `/`.
///
/// Parsed with the `url` crate against the public URL, the way a browser
/// would resolve it, and accepted only if the result stays on our origin.
/// Control characters and backslashes are refused outright: browsers drop
/// tabs and newlines (`/\t/evil.example` becomes `//evil.example`) and read
/// `\` as `/`, and a control character in a `Location` header is invalid.
pub fn same_origin_path(public: &Url, next: Option<&str>) -> String {
    let home = || "/".to_string();
    let Some(raw) = next else { return home() };
    if !raw.starts_with('/') || raw.chars().any(|c| c.is_control() || c == '\\') {
        return home();
    }
    let Ok(url) = public.join(raw) else { return home() };
    if url.origin() != public.origin() {
        return home();
    }
    let mut path = url.path().to_string();
    if let Some(q) = url.query() {
        path.push('?');
        path.push_str(q);
    }
    // A path that normalised to `//host` would be read as another host.
    if path.starts_with("//") { home() } else { path }
}

/// The `next` parameter of a query string, as `same_origin_path` accepts it.
pub fn next_from_query(public: &Url, query: Option<&str>) -> String {
    let next = query.and_then(|q| url::form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "next").map(|(_, v)| v.into_owned()));
    same_origin_path(public, next.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(next: &str) -> String {
        same_origin_path(&Url::parse("https://plinth.example.com").unwrap(), Some(next))
    }

    #[test]
    fn keeps_local_paths() {
        assert_eq!(check("/profile"), "/profile");
        assert_eq!(check("/team?role=admin&page=2"), "/team?role=admin&page=2");
        assert_eq!(check("/invite/abc"), "/invite/abc");
        assert_eq!(check("/a b"), "/a%20b", "served encoded, never raw");
    }

    #[test]
    fn refuses_everything_that_could_leave() {
        for evil in [
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "\t//evil.example",
            "http:evil.example",
            "javascript:alert(1)",
            "/.//evil.example",
            "evil.example",
            "",
        ] {
            assert_eq!(check(evil), "/", "{evil:?}");
        }
        assert_eq!(same_origin_path(&Url::parse("http://a.test").unwrap(), None), "/");
        // Encoded slashes stay a path on this host.
        assert!(check("/%2F%2Fevil.example").starts_with("/%2F"));
    }
}
