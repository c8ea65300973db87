//! Links the console builds: query values are percent-encoded with
//! `form_urlencoded`, the url crate's own encoder (small, and built for the
//! browser too). A leaf module: it imports nothing from the crate.

/// Encode a value for a query string, e.g. the `next=` path after sign-in.
pub fn query_value(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_what_a_query_cannot_hold() {
        assert_eq!(query_value("/invite/ab?x=1&y=2"), "%2Finvite%2Fab%3Fx%3D1%26y%3D2");
        assert_eq!(query_value("a b+c@d.e"), "a+b%2Bc%40d.e");
        assert_eq!(query_value("ü"), "%C3%BC");
    }
}
