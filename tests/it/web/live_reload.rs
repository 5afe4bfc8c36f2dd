//! Live reload in development: the boot stream, its end on shutdown, and its absence in
//! production.

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
