//! The live event stream (`GET /live`), in one process with the in-process pub/sub: who
//! receives what, keep-alive, the end of a stream with its session, and the per-user cap.
//! `tests/multi_instance.rs` runs the same through Valkey across instances.

use crate::common;

use std::time::Duration;

use app::live::{Toast, is_valid_name};
use axum::http::{Method, StatusCode};
use common::{TestApp, TestClient, events::EventStream, requests, test_config};

const SOON: Duration = Duration::from_secs(3);
const QUIET: Duration = Duration::from_millis(400);

/// A signed-in user's open stream, past its greeting; returns the stream's id too.
async fn open(client: &mut TestClient<'_>) -> (EventStream, String) {
    let (status, mut stream) = client.open_stream("/live").await;
    assert_eq!(status, StatusCode::OK);
    let id = stream.expect_event("stream", SOON).await;
    (stream, id)
}

async fn add_contact(client: &mut TestClient<'_>, first_name: &str) {
    let response = client
        .post(
            "/contacts",
            &[("first_name", first_name), ("last_name", "Live")],
        )
        .await;
    assert_eq!(
        response.status,
        StatusCode::SEE_OTHER,
        "{}",
        response.text()
    );
}

#[tokio::test]
async fn a_change_reaches_the_users_own_pages_and_nobody_elses() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    let mut bob = app.signed_in("bob@example.com").await;
    let (mut ada_tab, _) = open(&mut ada).await;
    let (mut ada_other_tab, _) = open(&mut ada).await;
    let (mut bob_tab, _) = open(&mut bob).await;

    add_contact(&mut ada, "Grace").await;
    ada_tab.expect_event("contacts-changed", SOON).await;
    ada_other_tab.expect_event("contacts-changed", SOON).await;
    assert_eq!(
        bob_tab.next_event(QUIET).await,
        None,
        "Bob saw Ada's change"
    );

    add_contact(&mut bob, "Linus").await;
    bob_tab.expect_event("contacts-changed", SOON).await;
    assert_eq!(
        ada_tab.next_event(QUIET).await,
        None,
        "Ada saw Bob's change"
    );
}

#[tokio::test]
async fn the_page_that_made_a_change_is_not_told_of_it() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    let (mut this_tab, this_id) = open(&mut ada).await;
    let (mut other_tab, _) = open(&mut ada).await;

    let mut request = requests::htmx(
        Method::POST,
        "/contacts",
        None,
        &[("first_name", "Grace"), ("last_name", "Hopper")],
    );
    request
        .headers_mut()
        .insert("x-live-stream", this_id.parse().unwrap());
    let response = ada.send(request).await;
    assert!(response.status.is_redirection() || response.status == StatusCode::OK);
    other_tab.expect_event("contacts-changed", SOON).await;
    assert_eq!(this_tab.next_event(QUIET).await, None);
}

#[tokio::test]
async fn toasts_reach_the_user_escaped() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    let (mut tab, _) = open(&mut ada).await;
    let ada_id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind("ada@example.com")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    let toast = Toast::new("Export of <b>everything</b> done").link("/contacts", "See them");
    app.state.live.toast(ada_id, toast).await;
    let html = tab.expect_event("toast", SOON).await;
    assert!(
        html.contains("Export of &lt;b&gt;everything&lt;/b&gt; done"),
        "{html}"
    );
    assert!(html.contains(r#"href="/contacts""#), "{html}");
}

#[tokio::test]
async fn an_idle_stream_sends_keep_alive_comments() {
    let app = TestApp::with_config(test_config(&[("LIVE_KEEP_ALIVE_SECS", "1")])).await;
    let mut ada = app.signed_in("ada@example.com").await;
    let (mut tab, _) = open(&mut ada).await;
    let item = tab.next_item(Duration::from_secs(3)).await;
    assert_eq!(
        item,
        Some(common::events::Item::Comment("keepalive".into()))
    );
}

#[tokio::test]
async fn the_stream_ends_with_its_session() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    let (mut tab, _) = open(&mut ada).await;
    let response = ada.post("/logout", &[]).await;
    assert_eq!(response.status, StatusCode::SEE_OTHER);
    // It says goodbye, for the page to close it, and ends even if the page does not.
    tab.expect_event("signed-out", SOON).await;
    assert!(
        tab.ends_within(Duration::from_secs(7)).await,
        "the stream outlived the logout"
    );

    // Signed out, no stream opens.
    let (status, _) = ada.open_stream("/live").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

/// The session that ended the others carries on under a new id (see `adopt_epoch`): its page
/// opens a new stream on its next page, the other session cannot.
#[tokio::test]
async fn ending_the_other_sessions_ends_their_streams() {
    let app = TestApp::new().await;
    app.confirmed_user("ada@example.com").await;
    let mut laptop = app.logged_in("ada@example.com", false).await;
    let mut phone = app.logged_in("ada@example.com", false).await;
    let (_laptop_tab, _) = open(&mut laptop).await;
    let (mut phone_tab, _) = open(&mut phone).await;

    let response = laptop.post("/account/sessions/end-others", &[]).await;
    assert!(response.status.is_redirection(), "{}", response.status);
    phone_tab.expect_event("signed-out", SOON).await;
    let (status, _) = phone.open_stream("/live").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    open(&mut laptop).await;
}

#[tokio::test]
async fn a_user_may_open_only_so_many_streams() {
    let app = TestApp::with_config(test_config(&[("LIVE_MAX_STREAMS_PER_USER", "2")])).await;
    let mut ada = app.signed_in("ada@example.com").await;
    let mut bob = app.signed_in("bob@example.com").await;
    let (first, _) = open(&mut ada).await;
    let (_second, _) = open(&mut ada).await;
    let (status, _) = ada.open_stream("/live").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // Another user's budget is their own.
    let (_bobs, _) = open(&mut bob).await;

    drop(first);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let (status, _) = ada.open_stream("/live").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn another_sites_page_cannot_open_a_stream() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    let request = axum::http::Request::get("/live")
        .header("sec-fetch-site", "cross-site")
        .body(axum::body::Body::empty())
        .unwrap();
    let response = ada.send(request).await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
}

#[test]
fn event_names_are_single_words_of_safe_characters() {
    for good in [
        "toast",
        "contacts-changed",
        "export-0b4e7c7e-6a1f-4a59-9d43-2f6d1b6c0a10",
    ] {
        assert!(is_valid_name(good), "{good}");
    }
    for bad in [
        "",
        "two words",
        "line\nbreak",
        "carriage\rreturn",
        "Upper",
        "a:b",
        "é",
    ] {
        assert!(!is_valid_name(bad), "{bad:?}");
    }
}

#[tokio::test]
async fn a_lockout_from_elsewhere_is_shown_to_the_signed_in_user() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    let (mut tab, _) = open(&mut ada).await;
    let mut intruder = app.client();
    for _ in 0..app::auth::LOCK_AFTER_FAILURES {
        let response = intruder
            .post(
                "/login",
                &[("email", "ada@example.com"), ("password", "guess")],
            )
            .await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let toast = tab.expect_event("toast", SOON).await;
    assert!(toast.contains("Your account was locked"), "{toast}");
    assert!(toast.contains("/password/forgot"), "{toast}");
}
