//! The signed-in request path: a page view writes nothing and, once warm, reads nothing from
//! PostgreSQL; changes made on this instance apply at once and those made on another within
//! `SESSION_CACHE_SECS`; flash messages wait for the page that shows them; a request never
//! needs two pool connections; a session store outage is a 503.

use crate::common;

use std::time::Duration;

use app::{
    auth::db::Role,
    error::AppError,
    web::{flash::Flash, layout::PageLayout},
};
use axum::{
    body::Body,
    http::{Request, StatusCode},
    response::IntoResponse,
    routing::{get, post},
};
use common::{
    TestApp, TestResponse,
    accounts::{PASSWORD, redirects_to_login},
    select, test_config, text_of,
};
use maud::html;
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
    let (app, outage) = TestApp::behind_outage(test_config(&[]), app::routes()).await;
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
    // A page view that writes the session: it reads from the copy (the database is not
    // needed until the save at the end fails).
    let routes = app::routes().route(
        "/test/flash",
        get(|flash: Flash| async move {
            flash.success("saved").await?;
            Ok::<_, AppError>("ok")
        }),
    );
    let (app, outage) = TestApp::behind_outage(test_config(&[]), routes).await;
    let mut ada = app.signed_in("ada@example.com").await;
    assert_eq!(ada.get("/account").await.status, StatusCode::OK);

    outage.set_down(true);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let response = ada.get("/test/flash").await;
    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(response.is_html());
    assert!(response.text().contains("temporarily unavailable"));
    outage.set_down(false);
}

/// Sends a request to another instance of the app (its own caches) with `cookie`.
async fn on_instance(
    router: &axum::Router,
    method: &str,
    path: &str,
    cookie: &str,
) -> TestResponse {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("cookie", format!("session={cookie}"))
        .header("sec-fetch-site", "same-origin")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::empty())
        .unwrap();
    TestResponse::read(router.clone().oneshot(request).await.unwrap()).await
}

#[tokio::test]
async fn sessions_ended_on_this_instance_end_at_once() {
    // A long cache time: only dropping the copies can explain an immediate effect.
    let app = TestApp::with_config(test_config(&[("SESSION_CACHE_SECS", "60")])).await;
    app.confirmed_user("ada@example.com").await;
    let mut here = app.logged_in("ada@example.com", false).await;
    let mut elsewhere = app.logged_in("ada@example.com", false).await;
    assert_eq!(elsewhere.get("/account").await.status, StatusCode::OK);

    let ended = here.post("/account/sessions/end-others", &[]).await;
    assert_eq!(ended.status, StatusCode::SEE_OTHER);
    assert!(redirects_to_login(&elsewhere.get("/account").await));
    assert_eq!(here.get("/account").await.status, StatusCode::OK);
}

#[tokio::test]
async fn sessions_ended_on_another_instance_end_here_within_the_cache_time() {
    let app = TestApp::with_config(test_config(&[("SESSION_CACHE_SECS", "1")])).await;
    let other_instance = app::app(app.another_instance());
    app.confirmed_user("ada@example.com").await;
    let mut here = app.logged_in("ada@example.com", false).await;
    let elsewhere = app.logged_in("ada@example.com", false).await;
    let elsewhere = elsewhere.session_cookie().unwrap().clone();
    let seen = on_instance(&other_instance, "GET", "/account", &elsewhere).await;
    assert_eq!(seen.status, StatusCode::OK);

    let ended = here.post("/account/sessions/end-others", &[]).await;
    assert_eq!(ended.status, StatusCode::SEE_OTHER);
    // Changes are never authorised against a copy...
    let post = on_instance(
        &other_instance,
        "POST",
        "/account/sessions/end-others",
        &elsewhere,
    )
    .await;
    assert!(redirects_to_login(&post), "{}", post.status);
    // ...and page views stop within the cache time.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let page = on_instance(&other_instance, "GET", "/account", &elsewhere).await;
    assert!(redirects_to_login(&page), "{}", page.status);
    assert_eq!(here.get("/account").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_session_ended_elsewhere_cannot_take_over_the_account() {
    // The victim changes the password on one instance; the thief's session, still fresh in
    // the other instance's copy, tries to end the victim's sessions there.
    let app = TestApp::with_config(test_config(&[("SESSION_CACHE_SECS", "60")])).await;
    let other_instance = app::app(app.another_instance());
    app.confirmed_user("ada@example.com").await;
    let mut victim = app.logged_in("ada@example.com", false).await;
    let thief = app.logged_in("ada@example.com", false).await;
    let thief = thief.session_cookie().unwrap().clone();
    let seen = on_instance(&other_instance, "GET", "/account", &thief).await;
    assert_eq!(seen.status, StatusCode::OK);

    let changed = victim.change_password("a brand new password").await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.text());
    let attempt = on_instance(
        &other_instance,
        "POST",
        "/account/sessions/end-others",
        &thief,
    )
    .await;
    assert!(redirects_to_login(&attempt), "{}", attempt.status);
    assert_eq!(victim.get("/account").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_copy_behind_the_session_does_not_end_it() {
    // The password is changed through this instance; the next page view lands on the other,
    // whose copy of the user still has the old epoch.
    let app = TestApp::with_config(test_config(&[("SESSION_CACHE_SECS", "60")])).await;
    let other_instance = app::app(app.another_instance());
    app.confirmed_user("ada@example.com").await;
    let mut ada = app.logged_in("ada@example.com", false).await;
    let before = ada.session_cookie().unwrap().clone();
    let seen = on_instance(&other_instance, "GET", "/account", &before).await;
    assert_eq!(seen.status, StatusCode::OK);
    let changed = ada.change_password("a brand new password").await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER);
    let after = ada.session_cookie().unwrap().clone();
    let page = on_instance(&other_instance, "GET", "/account", &after).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(ada.get("/account").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_session_logged_out_elsewhere_is_not_brought_back_by_an_old_copy() {
    let routes = app::routes().route(
        "/test/note",
        get(|flash: Flash| async move {
            flash.success("noted").await?;
            Ok::<_, AppError>("ok")
        }),
    );
    let app =
        TestApp::with_routes(test_config(&[("SESSION_CACHE_SECS", "60")]), routes.clone()).await;
    let other_instance = app::with_middleware(routes, app.another_instance());
    let mut ada = app.signed_in("ada@example.com").await;
    let cookie = ada.session_cookie().unwrap().clone();
    // The other instance keeps a copy of the session...
    let seen = on_instance(&other_instance, "GET", "/account", &cookie).await;
    assert_eq!(seen.status, StatusCode::OK);
    // ...which is logged out here...
    assert_eq!(ada.post("/logout", &[]).await.status, StatusCode::SEE_OTHER);
    // ...and then written by a page view there, from its old copy.
    on_instance(&other_instance, "GET", "/test/note", &cookie).await;
    // (The logout's message waits in a new, anonymous session of its own.)
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM tower_sessions.session WHERE id = $1")
        .bind(&cookie)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(rows, 0, "the logged-out session came back");
    let mut stale = app.client();
    stale.cookies.insert("session".into(), cookie);
    assert!(redirects_to_login(&stale.get("/account").await));
}

fn max_age(response: &TestResponse) -> Option<i64> {
    let cookie = response.header("set-cookie")?;
    cookie
        .split(';')
        .find_map(|part| part.trim().strip_prefix("Max-Age="))
        .map(|age| age.parse().unwrap())
}

#[tokio::test]
async fn remember_me_keeps_its_lifetime_when_the_session_is_saved_again() {
    let app = TestApp::new().await;
    app.confirmed_user("ada@example.com").await;
    let mut remembered = app.logged_in("ada@example.com", true).await;
    // The first page shows (and so removes) the "logged in" message: a save.
    let page = remembered.get("/account").await;
    let age = max_age(&page).expect("the save sends the cookie again");
    assert!(age > 29 * 86_400, "{age}");

    let mut browser_only = app.logged_in("ada@example.com", false).await;
    let page = browser_only.get("/account").await;
    assert!(page.header("set-cookie").is_some());
    assert_eq!(
        max_age(&page),
        None,
        "a browser-session cookie has no Max-Age"
    );
}

#[tokio::test]
async fn a_flash_survives_a_handler_that_takes_the_layout_and_redirects() {
    let routes = app::routes()
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
async fn the_account_flows_work_on_the_smallest_pool() {
    // DATABASE_MAX_CONNECTIONS=4, the smallest the config allows, with the jobs worker (which
    // delivers the mail) holding one connection for LISTEN and two kept back for a running
    // export (its snapshot, and its progress updates): every request must make do with the
    // last.
    let app = TestApp::with_pool_size(test_config(&[]), 4).await;
    let stop = CancellationToken::new();
    let jobs = tokio::spawn(app::jobs::Worker::new(app.state.clone()).run(stop.clone()));
    let export_snapshot = app.state.db.acquire().await.unwrap();
    let export_progress = app.state.db.acquire().await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    app.registered("ada@example.com").await;
    let mut ada = app.logged_in("ada@example.com", false).await;
    assert_eq!(ada.get("/account").await.status, StatusCode::OK);

    // An address change, confirmed at the new address.
    let changed = ada
        .post(
            "/account/email",
            &[("email", "ada@new.example"), ("current_password", PASSWORD)],
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
    jobs.await.unwrap();
    drop((export_snapshot, export_progress));
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
