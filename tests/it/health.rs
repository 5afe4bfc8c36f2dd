//! Health endpoints, including readiness while the database is down and after it returns.

use crate::common;

use std::time::Duration;

use axum::http::StatusCode;
use common::{TestApp, assert_security_headers, test_config};

#[tokio::test]
async fn live_answers_without_io_and_is_never_cached() {
    let app = TestApp::new().await;
    let response = app.get("/health/live").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.header("cache-control"), Some("no-store"));
    assert!(response.header("set-cookie").is_none());
    assert_security_headers(&response);
}

#[tokio::test]
async fn ready_checks_the_database() {
    let app = TestApp::new().await;
    let response = app.get("/health/ready").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.header("cache-control"), Some("no-store"));
    let body: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["checks"]["database"], "ok");
}

#[tokio::test]
async fn ready_is_503_naming_the_database_while_it_is_down_and_recovers_after() {
    let (app, outage) = TestApp::behind_outage(test_config(&[]), app::routes()).await;
    let ready = || app.get("/health/ready");

    assert_eq!(ready().await.status, StatusCode::OK);

    outage.set_down(true);
    // Give the proxy a moment to cut the connections the pool holds.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let response = ready().await;
    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.header("cache-control"), Some("no-store"));
    assert_security_headers(&response);
    let body: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
    assert_eq!(body["failing"], serde_json::json!(["database"]));
    assert_eq!(body["checks"]["database"], "unavailable");
    // Pages that do not need the database keep working (pages that do answer an HTML 503,
    // see tests/pages.rs).
    let home = app.get("/").await;
    assert_eq!(
        home.status,
        StatusCode::OK,
        "the home page needs no database"
    );

    outage.set_down(false);
    let mut recovered = false;
    for _ in 0..50 {
        if ready().await.status == StatusCode::OK {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        recovered,
        "the app did not recover when the database came back"
    );
}
