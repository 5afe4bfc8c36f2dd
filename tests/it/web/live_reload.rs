//! Live reload in development: the boot stream, its end on shutdown, the boot id on a
//! signed-in page's live stream, and their absence in production.

use crate::common;

use std::time::Duration;

use axum::{body::Body, http::Request};
use common::{TestApp, production_config, select};
use http_body_util::BodyExt;
use tower::ServiceExt;

#[tokio::test]
async fn the_boot_stream_says_who_answers_and_ends_on_shutdown() {
    let app = TestApp::new().await;
    let response = app
        .router
        .clone()
        .oneshot(Request::get("/dev/reload").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut body = response.into_body();
    let first = tokio::time::timeout(Duration::from_secs(5), body.frame())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let text = String::from_utf8(first.into_data().unwrap().to_vec()).unwrap();
    assert!(text.contains("event: boot\n"), "{text}");
    assert!(text.contains("retry: 300\n"), "{text}");
    let id = text
        .lines()
        .find_map(|line| line.strip_prefix("data: "))
        .unwrap();
    assert_eq!(id.len(), 36, "{text}");

    // The stream stays open, and closes when the server starts shutting down.
    assert!(
        tokio::time::timeout(Duration::from_millis(200), body.frame())
            .await
            .is_err()
    );
    app.state.shutdown.cancel();
    let end = tokio::time::timeout(Duration::from_secs(5), body.frame())
        .await
        .unwrap();
    assert!(end.is_none(), "the stream went on after shutdown");

    // Pages load the script that listens to it.
    let page = app.get("/").await;
    assert_eq!(
        select(
            &page.document(),
            "script[src*=live-reload][data-url='/dev/reload']"
        )
        .len(),
        1
    );
}

/// The first event of the signed-in user's `/live` stream, as sent.
async fn live_greeting(app: &TestApp) -> String {
    let ada = app.signed_in("ada@example.com").await;
    let cookie = format!("session={}", ada.session_cookie().unwrap());
    let response = app
        .router
        .clone()
        .oneshot(
            Request::get("/live")
                .header("cookie", cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let mut body = response.into_body();
    let mut text = String::new();
    while !text.contains("\n\n") {
        let frame = tokio::time::timeout(Duration::from_secs(5), body.frame())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        text.push_str(std::str::from_utf8(&frame.into_data().unwrap()).unwrap());
    }
    text
}

/// The data of the first event of the boot stream.
async fn boot_id(app: &TestApp) -> String {
    let response = app
        .router
        .clone()
        .oneshot(Request::get("/dev/reload").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let first = tokio::time::timeout(Duration::from_secs(5), response.into_body().frame())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let text = String::from_utf8(first.into_data().unwrap().to_vec()).unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix("data: "))
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_signed_in_page_hears_the_boot_id_on_its_live_stream() {
    // One stream per tab: the live stream's greeting carries the boot id as its event id, so
    // a signed-in page holds no boot stream besides it.
    let app = TestApp::new().await;
    let greeting = live_greeting(&app).await;
    assert!(greeting.contains("event: stream\n"), "{greeting}");
    let id = format!("id: {}\n", boot_id(&app).await);
    assert!(greeting.contains(&id), "{greeting}");

    // Over plain HTTP here, so that the session cookie is the one the harness reads.
    let production =
        TestApp::with_config(production_config(&[("SESSION_COOKIE_SECURE", "false")])).await;
    let greeting = live_greeting(&production).await;
    assert!(greeting.contains("event: stream\n"), "{greeting}");
    assert!(!greeting.contains("id:"), "{greeting}");
}

#[tokio::test]
async fn production_has_no_live_reload() {
    let app = TestApp::with_config(production_config(&[])).await;
    assert_eq!(app.get("/dev/reload").await.status, 404);
    let page = app.get("/").await;
    assert!(!page.text().contains("live-reload"));
    // Nor is its script served: no page loads it.
    assert_eq!(app.get("/assets/live-reload.js").await.status, 404);
    assert_eq!(app.get("/assets/app.js").await.status, 200);
}
