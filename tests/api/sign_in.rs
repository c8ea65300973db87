//! Sign-in throttling that cannot be turned into a lock-out and holds
//! across instances (issue 21). Attempts are counted in the database; a
//! browser that signed in to an account before keeps its own allowance, so
//! strangers who use up the account's unknown-devices allowance do not lock
//! its owner out.
use crate::fixtures::*;
use crate::helpers::*;
use crate::on_both_engines;
use reqwest::StatusCode;

/// The device cookie a sign-in or sign-up answer set.
fn device_cookie(res: &Res) -> Option<String> {
    res.headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("plinth_device=").map(|rest| rest.split(';').next().unwrap_or("").to_string()))
}

async fn log_in_from(app: &TestApp, device: Option<&str>, email: &str, password: &str) -> Res {
    let mut c = Client::new(app);
    let cookie = device.map(|d| format!("plinth_device={d}")).unwrap_or_default();
    let headers: Vec<(&str, &str)> = if device.is_some() { vec![("cookie", cookie.as_str())] } else { vec![] };
    c.call_with_headers("login", &[("email", email), ("password", password)], &headers).await
}

on_both_engines!(strangers_cannot_lock_the_owner_out, |app: TestApp| async move {
    let mut owner = Client::new(&app);
    let signed_up = owner.sign_up("Ada", "ada@example.com", PASSWORD).await;
    let laptop = device_cookie(&signed_up).expect("sign-up trusts the browser");
    assert!(signed_up.headers.get_all("set-cookie").iter().any(|v| v.to_str().unwrap().contains("HttpOnly")));
    // Someone who knows the email uses up the unknown devices' allowance.
    for _ in 0..5 {
        assert_eq!(log_in_from(&app, None, "ada@example.com", "guess").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert_eq!(log_in_from(&app, None, "ada@example.com", PASSWORD).await.status, StatusCode::TOO_MANY_REQUESTS, "unknown devices wait");
    // Refused attempts are refused by reading: they write nothing (on SQLite
    // a write would take every tenant's write lock).
    let rows = scalar(&app, "SELECT COUNT(*) FROM sign_in_attempts").await;
    for _ in 0..10 {
        assert_eq!(log_in_from(&app, None, "ada@example.com", "guess").await.status, StatusCode::TOO_MANY_REQUESTS);
    }
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM sign_in_attempts").await, rows);
    // A forged or foreign device cookie is an unknown device.
    assert_eq!(log_in_from(&app, Some(&"0".repeat(64)), "ada@example.com", PASSWORD).await.status, StatusCode::TOO_MANY_REQUESTS);
    let mut bob = Client::new(&app);
    let bobs = device_cookie(&bob.sign_up("Bob", "bob@example.com", PASSWORD).await).unwrap();
    assert_eq!(log_in_from(&app, Some(&bobs), "ada@example.com", PASSWORD).await.status, StatusCode::TOO_MANY_REQUESTS, "Bob's device is not Ada's");
    // The owner's own browser signs in.
    let res = log_in_from(&app, Some(&laptop), "ada@example.com", PASSWORD).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(device_cookie(&res), None, "a trusted device keeps its cookie");
    // Its own allowance is bounded too: guessing from a stolen device cookie stops at five.
    for _ in 0..5 {
        assert_eq!(log_in_from(&app, Some(&laptop), "ada@example.com", "guess").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert_eq!(log_in_from(&app, Some(&laptop), "ada@example.com", PASSWORD).await.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM trusted_devices").await, 2, "only hashes of the two browsers are kept");
    // Signing in from cookieless clients again and again keeps a bounded number of devices.
    for _ in 0..25 {
        assert_eq!(log_in_from(&app, None, "bob@example.com", PASSWORD).await.status, StatusCode::OK);
    }
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM trusted_devices d JOIN users u ON u.id = d.user_id WHERE u.email = 'bob@example.com'").await, 20);
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM trusted_devices WHERE token_hash = '{laptop}'")).await, 0, "never the token itself");
});

// Two instances on one database count the same attempts: N instances do not
// allow N times the guesses.
on_both_engines!(sign_in_throttling_holds_across_instances, |app: TestApp| async move {
    signed_up(&app, "Ada", "ada@example.com").await;
    let twin = start(test_config(&app.db.as_ref().unwrap().url), None).await;
    for i in 0..5 {
        let on = if i % 2 == 0 { &app } else { &twin };
        assert_eq!(Client::new(on).log_in("ada@example.com", "guess").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    for on in [&app, &twin] {
        assert_eq!(Client::new(on).log_in("ada@example.com", PASSWORD).await.status, StatusCode::TOO_MANY_REQUESTS);
    }
    // Parallel guesses over both instances still reach the password check at most five times in all.
    signed_up(&app, "Bob", "bob@example.com").await;
    let guesses = (0..20).map(|i| {
        let mut c = Client::new(if i % 2 == 0 { &app } else { &twin });
        async move { c.log_in("bob@example.com", "guess").await.status }
    });
    let statuses = join_all(guesses).await;
    let checked = statuses.iter().filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY).count();
    assert!(checked <= 5, "{checked} checks: {statuses:?}");
});
