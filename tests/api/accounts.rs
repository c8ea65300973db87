//! Sign-up, sign-in, sign-out, profile and password change over HTTP.
use crate::helpers::*;
use crate::on_both_engines;
use reqwest::StatusCode;
use std::time::Duration;

on_both_engines!(sign_up_log_in_log_out, |app: TestApp| async move {
    let mut c = signed_up(&app, "Ada Lovelace", "Ada@Example.com").await;
    let me = c.me().await;
    assert_eq!(me["name"], "Ada Lovelace");
    assert_eq!(me["email"], "ada@example.com", "emails are stored lower-cased");
    assert!(me.get("password_hash").is_none(), "the hash never leaves the server");

    let home = c.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Create your first organization"), "signed-in home shows the empty state");

    let out = c.call("logout", &[]).await;
    assert_eq!(out.status, StatusCode::OK, "{}", out.body);
    assert!(c.me().await.is_null());
    let home = c.get("/").await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert_eq!(home.location(), Some("/login?next=%2F"));

    let back = c.log_in("ADA@example.com", PASSWORD).await;
    assert_eq!(back.status, StatusCode::OK, "{}", back.body);
    assert_eq!(c.me().await["email"], "ada@example.com");
});

on_both_engines!(sign_up_checks_its_input, |app: TestApp| async move {
    let mut c = Client::new(&app);
    let res = c.sign_up("Ada", "ada@example.com", "short").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.error_message(), "Use a password of at least 8 characters.");
    let res = c.sign_up("Ada", "ada@example.com", &"x".repeat(129)).await;
    assert_eq!(res.error_message(), "Use a password of at most 128 characters.");
    let res = c.sign_up("Ada", "not-an-email", PASSWORD).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.error_message().contains("valid email"));
    let res = c.sign_up("  ", "ada@example.com", PASSWORD).await;
    assert_eq!(res.error_message(), "Enter your name.");
    assert_eq!(count_rows(&app, "users").await, 0, "nothing was written");

    signed_up(&app, "Ada", "ada@example.com").await;
    let mut other = Client::new(&app);
    let dup = other.sign_up("Imposter", "ADA@example.com", PASSWORD).await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    assert!(dup.error_message().contains("already exists"));
    let missing = other.call("signup", &[("name", "x")]).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", missing.body);
});

on_both_engines!(sign_in_errors_do_not_reveal_accounts, |app: TestApp| async move {
    signed_up(&app, "Ada", "ada@example.com").await;
    let mut c = Client::new(&app);
    let wrong_password = c.log_in("ada@example.com", "not the password").await;
    let unknown_email = c.log_in("nobody@example.com", "not the password").await;
    assert_eq!(wrong_password.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong_password.status, unknown_email.status);
    assert_eq!(wrong_password.body, unknown_email.body, "same answer for both");
    assert!(c.cookie.is_none(), "a failed sign-in starts no session");
});

on_both_engines!(password_change_ends_other_sessions, |app: TestApp| async move {
    let mut here = signed_up(&app, "Ada", "ada@example.com").await;
    let mut elsewhere = Client::new(&app);
    assert_eq!(elsewhere.log_in("ada@example.com", PASSWORD).await.status, StatusCode::OK);

    let wrong = here.call("password", &[("current", "nope nope"), ("new", "a new passphrase"), ("confirm", "a new passphrase")]).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong.error_message(), "Your current password is not correct.");
    let mismatch = here.call("password", &[("current", PASSWORD), ("new", "a new passphrase"), ("confirm", "another one!")]).await;
    assert_eq!(mismatch.error_message(), "The new passwords do not match.");
    let short = here.call("password", &[("current", PASSWORD), ("new", "short"), ("confirm", "short")]).await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!elsewhere.me().await.is_null(), "failed attempts change nothing");

    let old_cookie = here.cookie.clone();
    let ok = here.call("password", &[("current", PASSWORD), ("new", "a new passphrase"), ("confirm", "a new passphrase")]).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_ne!(here.cookie, old_cookie, "this session gets a fresh id");
    assert_eq!(here.me().await["email"], "ada@example.com", "this session stays signed in");
    assert!(elsewhere.me().await.is_null(), "the other session is over");

    let mut c = Client::new(&app);
    assert_eq!(c.log_in("ada@example.com", PASSWORD).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(c.log_in("ada@example.com", "a new passphrase").await.status, StatusCode::OK);
});

on_both_engines!(profile_name_changes, |app: TestApp| async move {
    let mut c = signed_up(&app, "Ada", "ada@example.com").await;
    let res = c.call("profile", &[("name", "  Ada King ")]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(c.me().await["name"], "Ada King");
    let bad = c.call("profile", &[("name", "")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(c.me().await["name"], "Ada King", "bad input loses nothing");
    let mut anonymous = Client::new(&app);
    assert_eq!(anonymous.call("profile", &[("name", "Mallory")]).await.status, StatusCode::UNAUTHORIZED);
});

#[tokio::test]
async fn idle_and_absolute_timeouts_end_sessions() {
    let app = spawn_app_with(Engine::Sqlite, |c| {
        c.session_idle = Duration::from_secs(2);
        c.session_absolute = Duration::from_secs(4);
    })
    .await
    .unwrap();
    let mut idle = signed_up(&app, "Ada", "ada@example.com").await;
    tokio::time::sleep(Duration::from_millis(2600)).await;
    assert!(idle.me().await.is_null(), "idle session expired");

    let mut busy = Client::new(&app);
    busy.log_in("ada@example.com", PASSWORD).await;
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(1000)).await;
        let _ = busy.me().await;
    }
    assert!(busy.me().await.is_null(), "an active session still ends at the absolute timeout");
}

#[tokio::test]
async fn sessions_survive_a_restart() {
    let db = TestDb::new(Engine::Sqlite).await.unwrap();
    let app = start(test_config(&db.url), None).await;
    let mut c = signed_up(&app, "Ada", "ada@example.com").await;
    drop(app);
    // A second server over the same database file.
    let restarted = start(test_config(&db.url), None).await;
    c.base = restarted.base.clone();
    assert_eq!(c.me().await["email"], "ada@example.com");
}
