//! Logging in: the session id and its lifetime, where the login returns to, and the lockout
//! and rate limits that stop guessing.

use crate::common;

use std::net::IpAddr;

use axum::http::StatusCode;
use common::{
    TestApp,
    accounts::{PASSWORD, redirects_to_login},
    assert_security_headers, select,
};

#[tokio::test]
async fn the_session_id_changes_at_login_and_remember_me_sets_the_lifetime() {
    let app = TestApp::new().await;
    app.registered("cy@example.com").await;

    let mut client = app.logged_in("cy@example.com", false).await;
    let first = client.session_cookie().unwrap().clone();
    let again = client
        .post(
            "/login",
            &[("email", "cy@example.com"), ("password", PASSWORD)],
        )
        .await;
    let second = client.session_cookie().unwrap().clone();
    assert_ne!(first, second, "the session id must change at login");
    let set_cookie = again.header("set-cookie").unwrap().to_ascii_lowercase();
    assert!(set_cookie.contains("httponly"));
    assert!(set_cookie.contains("samesite=lax"));
    assert!(
        !set_cookie.contains("max-age"),
        "a browser-session cookie: {set_cookie}"
    );
    assert!(
        !set_cookie.contains("expires"),
        "a browser-session cookie: {set_cookie}"
    );
    let mut stale = app.client();
    stale.cookies.insert("session".into(), first);
    assert!(redirects_to_login(&stale.get("/account").await));

    let mut remembered = app.client();
    let response = remembered
        .post(
            "/login",
            &[
                ("email", "cy@example.com"),
                ("password", PASSWORD),
                ("remember", "on"),
            ],
        )
        .await;
    let set_cookie = response.header("set-cookie").unwrap().to_ascii_lowercase();
    let max_age: i64 = set_cookie
        .split(';')
        .find_map(|part| part.trim().strip_prefix("max-age="))
        .unwrap()
        .parse()
        .unwrap();
    assert!((29 * 86400..=30 * 86400).contains(&max_age), "{set_cookie}");
}

#[tokio::test]
async fn ten_failed_logins_lock_the_account_and_tell_its_owner() {
    let app = TestApp::new().await;
    app.registered("ida@example.com").await;
    let mut client = app.client();
    for _ in 0..10 {
        let failed = client
            .post(
                "/login",
                &[
                    ("email", "ida@example.com"),
                    ("password", "wrong password!"),
                ],
            )
            .await;
        assert_eq!(failed.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let locked = client
        .post(
            "/login",
            &[("email", "ida@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(
        locked.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "locked accounts stay shut"
    );
    let notices: Vec<_> = app
        .mail_to("ida@example.com")
        .await
        .into_iter()
        .filter(|(subject, _)| subject.contains("locked"))
        .collect();
    assert_eq!(notices.len(), 1);

    sqlx::query("UPDATE users SET locked_until = now() - interval '1 second'")
        .execute(&app.state.db)
        .await
        .unwrap();
    let unlocked = client
        .post(
            "/login",
            &[("email", "ida@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(unlocked.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn hammering_the_login_gets_429_with_retry_after() {
    let app = TestApp::new().await;
    let mut client = app.client();
    client.ip = "203.0.113.9".parse::<IpAddr>().unwrap();
    let mut limited = None;
    for n in 0..40 {
        let email = format!("user{n}@example.com");
        let response = client
            .post(
                "/login",
                &[("email", &email), ("password", "wrong password!")],
            )
            .await;
        if response.status == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(response);
            break;
        }
    }
    let limited = limited.expect("no 429 after 40 attempts from one address");
    let retry_after: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!(retry_after > 0);
    assert!(limited.is_html());
    assert_security_headers(&limited);

    // Another address is not affected.
    let mut other = app.client();
    other.ip = "198.51.100.7".parse::<IpAddr>().unwrap();
    let response = other
        .post(
            "/login",
            &[
                ("email", "someone@example.com"),
                ("password", "wrong password!"),
            ],
        )
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn every_lock_takes_ten_more_failures_and_is_mailed() {
    let app = TestApp::new().await;
    app.registered("lou@example.com").await;
    let mut client = app.client();
    for round in 1..=2 {
        for _ in 0..10 {
            client
                .post(
                    "/login",
                    &[
                        ("email", "lou@example.com"),
                        ("password", "wrong password!"),
                    ],
                )
                .await;
        }
        sqlx::query("UPDATE users SET locked_until = now() - interval '1 second'")
            .execute(&app.state.db)
            .await
            .unwrap();
        let notices = app
            .mail_to("lou@example.com")
            .await
            .into_iter()
            .filter(|(subject, _)| subject.contains("locked"))
            .count();
        assert_eq!(notices, round, "one notice per lock");
        // After a lock has passed, a single mistake does not lock the account again.
        client
            .post(
                "/login",
                &[
                    ("email", "lou@example.com"),
                    ("password", "wrong password!"),
                ],
            )
            .await;
        let (locked,): (bool,) =
            sqlx::query_as("SELECT coalesce(locked_until > now(), false) FROM users")
                .fetch_one(&app.state.db)
                .await
                .unwrap();
        assert!(!locked);
        sqlx::query("UPDATE users SET failed_logins = 0")
            .execute(&app.state.db)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn next_only_accepts_local_paths() {
    let app = TestApp::new().await;
    app.registered("kim@example.com").await;
    for (next, expected) in [
        ("/account", "/account"),
        ("//evil.example", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
    ] {
        let response = app
            .client()
            .post(
                "/login",
                &[
                    ("email", "kim@example.com"),
                    ("password", PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(response.header("location"), Some(expected), "next={next}");
    }
    let form = app.client().get("/login?next=//evil.example").await;
    let next = select(&form.document(), "input[name=next]")[0]
        .attr("value")
        .unwrap()
        .to_owned();
    assert_eq!(next, "/");
}

#[tokio::test]
async fn after_a_post_the_login_returns_to_the_home_page() {
    let app = TestApp::new().await;
    let response = app
        .client()
        .post("/account/password", &[("current_password", "x")])
        .await;
    assert_eq!(response.header("location"), Some("/login?next=/"));
}

#[tokio::test]
async fn the_login_page_says_why_the_visitor_was_sent_there() {
    let app = TestApp::new().await;
    let mut client = app.client();
    let sent = client.get("/contacts?q=ada").await;
    let location = sent.header("location").unwrap().to_owned();
    let reason = |page: &common::TestResponse| {
        select(&page.document(), ".login-reason")
            .first()
            .map(common::text_of)
    };
    let page = client.get(&location).await;
    assert_eq!(
        reason(&page).as_deref(),
        Some("Log in to see your contacts.")
    );
    let page = client.get("/login?next=/account").await;
    assert_eq!(reason(&page).as_deref(), Some("Log in to see this page."));
    // Someone who came to log in needs no reason.
    assert_eq!(reason(&client.get("/login").await), None);
}

#[tokio::test]
async fn logging_out_says_so_on_the_next_page() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    ada.get("/").await;
    let signed_in = ada.session_cookie().unwrap().clone();
    let logout = ada.post("/logout", &[]).await;
    assert_eq!(logout.status, StatusCode::SEE_OTHER);
    // The message waits in a session of its own: the signed-in one's id is never stored again.
    assert_ne!(ada.session_cookie(), Some(&signed_in));
    let old: i64 = sqlx::query_scalar("SELECT count(*) FROM tower_sessions.session WHERE id = $1")
        .bind(&signed_in)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(old, 0);
    let home = ada.get("/").await;
    let messages: Vec<_> = select(&home.document(), ".flash-message")
        .iter()
        .map(common::text_of)
        .collect();
    assert_eq!(messages, ["You are logged out."]);
    assert!(redirects_to_login(&ada.get("/account").await));
    // Said once.
    assert!(select(&ada.get("/").await.document(), ".flash-message").is_empty());
}
