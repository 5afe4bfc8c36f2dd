//! Password resets by mail: the link works once and for as long as promised, only its hash is
//! stored, a reset ends every session, and requests are limited per address.

use crate::common;

use std::net::IpAddr;

use axum::http::StatusCode;
use common::{
    TestApp,
    accounts::{PASSWORD, redirects_to_login},
    assert_security_headers, link_in, select,
};

#[tokio::test]
async fn a_password_reset_ends_every_session_and_its_link_works_once() {
    let app = TestApp::new().await;
    app.registered("di@example.com").await;
    let mut old_session = app.logged_in("di@example.com", true).await;
    assert_eq!(old_session.get("/account").await.status, StatusCode::OK);

    let mut client = app.client();
    let asked = client
        .post("/password/forgot", &[("email", "di@example.com")])
        .await;
    assert_eq!(asked.status, StatusCode::OK);
    let link = app
        .link_in_mail("di@example.com", "/password/reset?token=")
        .await;
    let form = client.get(&link).await;
    assert_eq!(form.status, StatusCode::OK);
    assert_eq!(
        select(&form.document(), "form input[name=password]").len(),
        1
    );

    let new_password = "a brand new passphrase";
    let weak = client
        .post(
            &link,
            &[("password", "short"), ("password_confirmation", "short")],
        )
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    let doc = weak.document();
    assert_eq!(select(&doc, "#password-reset-password-error").len(), 1);
    // The form names the account, for password managers.
    assert_eq!(
        select(&doc, "input[hidden][autocomplete=username]")[0].attr("value"),
        Some("di@example.com")
    );

    let reset = client
        .post(
            &link,
            &[
                ("password", new_password),
                ("password_confirmation", new_password),
            ],
        )
        .await;
    assert_eq!(reset.status, StatusCode::SEE_OTHER);
    assert_eq!(reset.header("location"), Some("/login"));

    assert!(
        redirects_to_login(&old_session.get("/account").await),
        "old session survived"
    );
    let old = client
        .post(
            "/login",
            &[("email", "di@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(old.status, StatusCode::UNPROCESSABLE_ENTITY);
    let new = client
        .post(
            "/login",
            &[("email", "di@example.com"), ("password", new_password)],
        )
        .await;
    assert_eq!(new.status, StatusCode::SEE_OTHER);

    // Used once: the same link now fails, for showing and for posting.
    assert_eq!(client.get(&link).await.status, StatusCode::BAD_REQUEST);
    let replay = client
        .post(
            &link,
            &[
                ("password", "another passphrase"),
                ("password_confirmation", "another passphrase"),
            ],
        )
        .await;
    assert_eq!(replay.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn tokens_expire_and_only_their_hashes_are_stored() {
    let app = TestApp::new().await;
    let mut client = app.client();
    client.sign_up("ed@example.com").await;
    let link = app.link_in_mail("ed@example.com", "/confirm?token=").await;
    let token = link.strip_prefix("/confirm?token=").unwrap();
    let (id, secret) = token.split_once('.').unwrap();

    let stored: Vec<(String, Vec<u8>)> =
        sqlx::query_as("SELECT id, verifier_hash FROM auth_tokens")
            .fetch_all(&app.state.db)
            .await
            .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].0, id);
    assert_ne!(stored[0].1, secret.as_bytes());
    assert_eq!(stored[0].1.len(), 32, "a SHA-256, not the secret");
    let dump: String = sqlx::query_scalar("SELECT string_agg(t::text, ' ') FROM auth_tokens t")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert!(!dump.contains(secret));

    // A tampered secret is refused; an expired token too.
    let tampered = format!("/confirm?token={id}.{}", "0".repeat(64));
    assert_eq!(client.get(&tampered).await.status, StatusCode::BAD_REQUEST);
    sqlx::query("UPDATE auth_tokens SET expires_at = now() - interval '1 second'")
        .execute(&app.state.db)
        .await
        .unwrap();
    let expired = client.get(&link).await;
    assert_eq!(expired.status, StatusCode::BAD_REQUEST);
    assert!(expired.text().contains("cannot be used"));
    assert_security_headers(&expired);
}

#[tokio::test]
async fn reset_requests_for_one_address_are_limited_whatever_the_client() {
    let app = TestApp::new().await;
    app.registered("max@example.com").await;
    let mut statuses = Vec::new();
    for n in 0..7u8 {
        let mut client = app.client();
        client.ip = IpAddr::from([198, 51, 100, n]);
        let response = client
            .post("/password/forgot", &[("email", "max@example.com")])
            .await;
        statuses.push(response.status);
    }
    assert_eq!(statuses[..5], [StatusCode::OK; 5]);
    assert_eq!(statuses[5], StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn links_live_as_long_as_promised_and_work_once() {
    let app = TestApp::new().await;
    let mut client = app.client();
    client.sign_up("ned@example.com").await;
    client
        .post("/password/forgot", &[("email", "ned@example.com")])
        .await;
    let lifetimes: Vec<(String, f64)> = sqlx::query_as(
        "SELECT purpose::text, extract(epoch FROM expires_at - created_at)::float8 \
         FROM auth_tokens ORDER BY purpose",
    )
    .fetch_all(&app.state.db)
    .await
    .unwrap();
    assert_eq!(
        lifetimes,
        [
            ("confirm_email".to_owned(), 48.0 * 3600.0),
            ("reset_password".to_owned(), 30.0 * 60.0)
        ]
    );

    let confirm = app
        .mail_to("ned@example.com")
        .await
        .iter()
        .find_map(|(_, text)| link_in(text, "/confirm?token="))
        .unwrap();
    assert_eq!(client.get(&confirm).await.status, StatusCode::OK);
    assert_eq!(
        client.get(&confirm).await.status,
        StatusCode::BAD_REQUEST,
        "used twice"
    );
}
