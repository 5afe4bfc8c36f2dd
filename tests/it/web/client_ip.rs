//! The client's address that rate limits count by (`CLIENT_IP_SOURCE`): behind a trusted
//! proxy, each client by the address the proxy forwards; without one, the TCP peer, whatever
//! header a client sends.

use crate::common::{self, TestApp, TestResponse, requests};
use axum::http::StatusCode;

/// Both "clients" reach the app from the same TCP peer, as through one reverse proxy.
const PROXY: [u8; 4] = [10, 0, 0, 2];

/// A failed login through the proxy, by a client the proxy forwards as `forwarded_for`. The
/// address signed in as changes every time, so only the per-client budget is spent.
async fn failed_login(app: &TestApp, forwarded_for: &str, attempt: usize) -> TestResponse {
    let mut client = app.client();
    client.ip = PROXY.into();
    let email = format!("user{attempt}@example.com");
    let mut request = requests::post(
        "/login",
        &[("email", &email), ("password", "wrong password!")],
    );
    request
        .headers_mut()
        .insert("x-forwarded-for", forwarded_for.parse().unwrap());
    client.send(request).await
}

/// Spends the login budget of `forwarded_for` until the app answers 429.
async fn spend_login_budget(app: &TestApp, forwarded_for: &str) {
    for attempt in 0..40 {
        let response = failed_login(app, forwarded_for, attempt).await;
        if response.status == StatusCode::TOO_MANY_REQUESTS {
            return;
        }
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    panic!("no 429 after 40 failed logins as {forwarded_for}");
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_login_budget() {
    let config = common::test_config(&[("CLIENT_IP_SOURCE", "RightmostXForwardedFor")]);
    let app = TestApp::with_config(config).await;
    // The proxy appends the address it saw to what the client sent: the rightmost counts.
    spend_login_budget(&app, "192.0.2.1, 203.0.113.9").await;

    let other = failed_login(&app, "192.0.2.1, 198.51.100.7", 100).await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Changing what the client itself sends (the left part) gains nothing.
    let same = failed_login(&app, "192.0.2.99, 203.0.113.9", 101).await;
    assert_eq!(same.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn behind_a_trusted_proxy_ipv6_clients_count_by_their_network() {
    let config = common::test_config(&[("CLIENT_IP_SOURCE", "RightmostXForwardedFor")]);
    let app = TestApp::with_config(config).await;
    spend_login_budget(&app, "2001:db8:1:2::1").await;
    let same_network = failed_login(&app, "2001:db8:1:2:ffff::9", 100).await;
    assert_eq!(same_network.status, StatusCode::TOO_MANY_REQUESTS);
    let other_network = failed_login(&app, "2001:db8:1:3::1", 101).await;
    assert_eq!(other_network.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn by_default_a_spoofed_forwarded_for_is_ignored() {
    let app = TestApp::new().await;
    spend_login_budget(&app, "203.0.113.9").await;
    // Another X-Forwarded-For from the same peer is the same client: still limited.
    let spoofed = failed_login(&app, "198.51.100.7", 100).await;
    assert_eq!(spoofed.status, StatusCode::TOO_MANY_REQUESTS);
}
