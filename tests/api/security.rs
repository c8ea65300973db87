//! Session fixation, logout, throttling, cross-site requests and the sign-in gate.
use crate::helpers::*;
use crate::on_both_engines;
use reqwest::StatusCode;

on_both_engines!(session_id_rotates_on_login, |app: TestApp| async move {
    signed_up(&app, "Eve", "eve@example.com").await;
    let mut c = signed_up(&app, "Ada", "ada@example.com").await;
    let before = c.cookie.clone().expect("signed-up client has a session");
    // Signing in on a session that already exists (a fixated id, say) must not keep it.
    assert_eq!(c.log_in("eve@example.com", PASSWORD).await.status, StatusCode::OK);
    let after = c.cookie.clone().unwrap();
    assert_ne!(before, after, "the session id changes at sign-in");
    assert_eq!(c.me().await["email"], "eve@example.com");

    let mut replay = Client::new(&app);
    replay.cookie = Some(before);
    assert!(replay.me().await.is_null(), "the old id no longer works");
});

on_both_engines!(logout_invalidates_the_session, |app: TestApp| async move {
    let mut c = signed_up(&app, "Ada", "ada@example.com").await;
    let cookie = c.cookie.clone().unwrap();
    assert_eq!(count_rows(&app, "sessions").await, 1);
    let res = c.call("logout", &[]).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(c.cookie.is_none(), "the cookie is cleared");
    assert_eq!(count_rows(&app, "sessions").await, 0, "the server forgot the session");
    let mut replay = Client::new(&app);
    replay.cookie = Some(cookie);
    assert!(replay.me().await.is_null());
    assert_eq!(replay.get("/profile").await.status, StatusCode::SEE_OTHER);
});

on_both_engines!(repeated_failed_logins_get_429, |app: TestApp| async move {
    signed_up(&app, "Ada", "ada@example.com").await;
    let mut c = Client::new(&app);
    for _ in 0..5 {
        assert_eq!(c.log_in("ada@example.com", "wrong password").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let throttled = c.log_in("ada@example.com", PASSWORD).await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS, "even the right password waits");
    assert!(throttled.error_message().starts_with("Too many sign-in attempts. Try again in 15 minutes"), "{}", throttled.body);
    // Another account from the same address is not locked yet (per-address limit is higher).
    signed_up(&app, "Bob", "bob@example.com").await;
    assert_eq!(Client::new(&app).log_in("bob@example.com", PASSWORD).await.status, StatusCode::OK);
});

#[tokio::test]
async fn per_address_throttle_covers_many_accounts() {
    let app = spawn_app(Engine::Sqlite).await.unwrap();
    let mut c = Client::new(&app);
    for i in 0..20 {
        let res = c.log_in(&format!("user{i}@example.com"), "wrong password").await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert_eq!(c.log_in("fresh@example.com", "wrong password").await.status, StatusCode::TOO_MANY_REQUESTS);
}

on_both_engines!(cross_site_state_changes_are_rejected, |app: TestApp| async move {
    let mut c = signed_up(&app, "Ada", "ada@example.com").await;
    let evil = c.call_with_headers("profile", &[("name", "Pwned")], &[("origin", "https://evil.example")]).await;
    assert_eq!(evil.status, StatusCode::FORBIDDEN);
    let fetch_meta = c.call_with_headers("profile", &[("name", "Pwned")], &[("sec-fetch-site", "cross-site")]).await;
    assert_eq!(fetch_meta.status, StatusCode::FORBIDDEN);
    let logout = c.call_with_headers("logout", &[], &[("origin", "null")]).await;
    assert_eq!(logout.status, StatusCode::FORBIDDEN);
    assert_eq!(c.me().await["name"], "Ada", "nothing changed");

    let origin = app.base.clone();
    let same = c.call_with_headers("profile", &[("name", "Ada K")], &[("origin", origin.as_str()), ("sec-fetch-site", "same-origin")]).await;
    assert_eq!(same.status, StatusCode::OK, "{}", same.body);
});

on_both_engines!(pages_need_a_session, |app: TestApp| async move {
    let mut anonymous = Client::new(&app);
    let res = anonymous.get("/profile?tab=1").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), Some("/login?next=%2Fprofile%3Ftab%3D1"));
    let login = anonymous.get("/login?next=%2Fprofile").await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(login.body.contains("Sign in"));
    assert_eq!(anonymous.get("/signup").await.status, StatusCode::OK);

    // Signing in with ?next= comes back to the page asked for.
    signed_up(&app, "Ada", "ada@example.com").await;
    let mut c = Client::new(&app);
    let res = c.call_with_headers("login", &[("email", "ada@example.com"), ("password", PASSWORD), ("next", "/profile")], &[("accept", "text/html")]).await;
    assert_eq!(res.status, StatusCode::FOUND, "{}", res.body);
    assert_eq!(res.location(), Some("/profile"));
    let offsite = c
        .call_with_headers("login", &[("email", "ada@example.com"), ("password", PASSWORD), ("next", "https://evil.example/")], &[("accept", "text/html")])
        .await;
    assert_eq!(offsite.location(), Some("/"), "never redirects off-site");
    let profile = c.get("/profile").await;
    assert_eq!(profile.status, StatusCode::OK);
    assert!(profile.body.contains("Change password"));
    let signed_in_login = c.get("/login?next=%2Fprofile").await;
    assert_eq!(signed_in_login.location(), Some("/profile"), "signed-in users skip the sign-in page");

    let missing = c.get("/no/such/page").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("Page not found"));
});

on_both_engines!(assets_and_probes_do_not_touch_the_session, |app: TestApp| async move {
    let mut c = signed_up(&app, "Ada", "ada@example.com").await;
    let before = c.cookie.clone();
    for path in ["/healthz", "/pkg/plinth.css", "/favicon.svg"] {
        let res = c.get(path).await;
        assert!(!res.headers.contains_key("set-cookie"), "{path} must not save the session");
        assert!(res.headers.contains_key("x-request-id"), "{path} still gets a request id");
    }
    assert_eq!(c.cookie, before);
    assert!(!c.me().await.is_null(), "the session is untouched");
});
