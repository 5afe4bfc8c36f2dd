//! The signed-in request path: a page view writes nothing and, once warm, reads nothing from
//! PostgreSQL; changes made on this instance apply at once and those made on another within
//! `SESSION_CACHE_SECS`; flash messages wait for the page that shows them; a request never
//! needs two pool connections; a session store outage is a 503.

// Integration tests: unwrapping is how a failed step reports itself.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::{sync::Arc, time::Duration};

use axum::{
    body::Body,
    http::{Request, StatusCode},
    response::IntoResponse,
    routing::{get, post},
};
use common::{TestApp, TestResponse, accounts::redirects_to_login, select, test_config, text_of};
use maud::html;
use starter::{
    auth::db::Role,
    email::worker::{DeliveryWorker, RetryPolicy},
    error::AppError,
    web::{flash::Flash, layout::PageLayout},
};
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

async fn session_expiry(app: &TestApp) -> Vec<time::OffsetDateTime> {
    sqlx::query_scalar("SELECT expiry_date FROM tower_sessions.session ORDER BY id")
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_page_view_writes_no_session() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    // The first page after signing in shows (and so removes) the "logged in" message.
    assert_eq!(ada.get("/account").await.status, StatusCode::OK);
    let before = session_expiry(&app).await;
    assert_eq!(before.len(), 1);
    tokio::time::sleep(Duration::from_millis(20)).await;
    for path in ["/account", "/", "/account"] {
        let response = ada.get(path).await;
        assert_eq!(response.status, StatusCode::OK, "{path}");
        assert!(
            response.header("set-cookie").is_none(),
            "{path} set a cookie"
        );
    }
    // A save would have moved the sliding expiry.
    assert_eq!(session_expiry(&app).await, before);
}

#[tokio::test]
async fn a_warm_page_view_reads_nothing_from_the_database() {
    let (app, outage) = TestApp::behind_outage(test_config(&[]), starter::routes()).await;
    let mut ada = app.signed_in("ada@example.com").await;
    assert_eq!(ada.get("/account").await.status, StatusCode::OK);

    outage.set_down(true);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let page = ada.get("/account").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    assert!(page.text().contains("ada@example.com"));
    outage.set_down(false);
}

#[tokio::test]
async fn a_session_store_outage_while_saving_is_a_503_page() {
    let routes = starter::routes().route(
        "/test/flash",
        post(|flash: Flash| async move {
            flash.success("saved").await?;
            Ok::<_, AppError>("ok")
        }),
    );
    let (app, outage) = TestApp::behind_outage(test_config(&[]), routes).await;
    let mut ada = app.signed_in("ada@example.com").await;
    assert_eq!(ada.get("/account").await.status, StatusCode::OK);

    outage.set_down(true);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let response = ada.post("/test/flash", &[]).await;
    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        response
            .header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert!(response.text().contains("temporarily unavailable"));
    outage.set_down(false);
}

/// Sends `path` to another instance of the app (its own caches) with `cookie`.
async fn on_instance(router: &axum::Router, path: &str, cookie: &str) -> TestResponse {
    let request = Request::get(path)
        .header("cookie", format!("session={cookie}"))
        .body(Body::empty())
        .unwrap();
    TestResponse::read(router.clone().oneshot(request).await.unwrap()).await
}

#[tokio::test]
async fn sessions_ended_here_end_at_once_and_elsewhere_within_the_cache_time() {
    let app = TestApp::with_config(test_config(&[("SESSION_CACHE_SECS", "1")])).await;
    let other_instance = starter::app(app.another_instance());
    app.confirmed_user("ada@example.com").await;
    let mut here = app.logged_in("ada@example.com", false).await;
    let mut elsewhere = app.logged_in("ada@example.com", false).await;
    let elsewhere_cookie = elsewhere.session_cookie().unwrap().clone();
    // Both instances have seen the second session.
    assert_eq!(elsewhere.get("/account").await.status, StatusCode::OK);
    let other = on_instance(&other_instance, "/account", &elsewhere_cookie).await;
    assert_eq!(other.status, StatusCode::OK);

    let ended = here.post("/account/sessions/end-others", &[]).await;
    assert_eq!(ended.status, StatusCode::SEE_OTHER);
    // On this instance, at once.
    let mut stale = app.client();
    stale
        .cookies
        .insert("session".into(), elsewhere_cookie.clone());
    assert!(redirects_to_login(&stale.get("/account").await));
    // On the other one, within the cache time.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let other = on_instance(&other_instance, "/account", &elsewhere_cookie).await;
    assert!(redirects_to_login(&other), "{}", other.status);
    assert_eq!(here.get("/account").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_flash_survives_a_handler_that_takes_the_layout_and_redirects() {
    let routes = starter::routes()
        .route(
            "/test/save",
            post(|flash: Flash| async move {
                flash.success("Saved.").await?;
                Ok::<_, AppError>(axum::response::Redirect::to("/test/detour"))
            }),
        )
        // Takes the layout (as a page handler does), then decides to redirect.
        .route(
            "/test/detour",
            get(|_layout: PageLayout| async move {
                axum::response::Redirect::to("/test/after").into_response()
            }),
        )
        .route(
            "/test/after",
            get(|layout: PageLayout| async move {
                layout.render("After", html! { p { "after" } }).await
            }),
        );
    let app = TestApp::with_routes(test_config(&[]), routes).await;
    let mut client = app.client();
    assert_eq!(
        client.post("/test/save", &[]).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        client.get("/test/detour").await.status,
        StatusCode::SEE_OTHER
    );
    let after = client.get("/test/after").await;
    let doc = after.document();
    let messages = select(&doc, "#alerts .flash-message");
    assert_eq!(messages.len(), 1);
    assert_eq!(text_of(&messages[0]), "Saved.");
}

#[tokio::test]
async fn the_account_flows_work_on_a_pool_of_two() {
    // DATABASE_MAX_CONNECTIONS=2, the smallest the config allows, with the email worker
    // holding one connection for LISTEN: every request must make do with the other.
    let app = TestApp::with_pool_size(test_config(&[]), 2).await;
    let stop = CancellationToken::new();
    let worker = DeliveryWorker::new(
        app.state.db.clone(),
        Arc::clone(&app.state.mail_transport),
        RetryPolicy::from_config(&app.state.config.email),
    );
    let worker = tokio::spawn(worker.run(stop.clone()));
    tokio::time::sleep(Duration::from_millis(200)).await;

    app.registered("ada@example.com").await;
    let mut ada = app.logged_in("ada@example.com", false).await;
    assert_eq!(ada.get("/account").await.status, StatusCode::OK);

    // An address change, confirmed at the new address.
    let changed = ada
        .post(
            "/account/email",
            &[
                ("email", "ada@new.example"),
                ("current_password", common::accounts::PASSWORD),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.text());
    let link = app.link_in_mail("ada@new.example", "/confirm?token=").await;
    let confirmed = ada.get(&link).await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.text());

    // A password reset.
    let mut anonymous = app.client();
    let asked = anonymous
        .post("/password/forgot", &[("email", "ada@new.example")])
        .await;
    assert_eq!(asked.status, StatusCode::OK);
    let link = app
        .link_in_mail("ada@new.example", "/password/reset?token=")
        .await;
    assert_eq!(anonymous.get(&link).await.status, StatusCode::OK);
    let reset = anonymous
        .post(
            &link,
            &[
                ("password", "another fine password"),
                ("password_confirmation", "another fine password"),
            ],
        )
        .await;
    assert_eq!(reset.status, StatusCode::SEE_OTHER, "{}", reset.text());
    stop.cancel();
    worker.await.unwrap();
}

#[tokio::test]
async fn pages_with_account_data_are_never_stored_by_caches() {
    let app = TestApp::new().await;
    app.user_with_role("root@example.com", Role::Admin).await;
    let mut admin = app.logged_in("root@example.com", false).await;
    for path in ["/account", "/admin/users"] {
        let response = admin.get(path).await;
        assert_eq!(response.status, StatusCode::OK);
        let cache_control = response.header("cache-control").unwrap_or_default();
        assert!(
            cache_control.contains("no-store"),
            "{path}: {cache_control:?}"
        );
    }
    let anonymous = app.get("/login").await;
    assert!(anonymous.header("cache-control").is_none());
}
