//! The theme switcher: a cookie the server renders `<html data-theme>` from, set by a form
//! that works without JavaScript.

use crate::common;

use app::web::theme::ThemePath;
use axum::http::{Method, StatusCode, header};
use axum_extra::routing::TypedPath;
use common::{
    TestApp, TestResponse,
    requests::{htmx, post},
    select,
};

async fn choose(app: &TestApp, fields: &[(&str, &str)]) -> TestResponse {
    app.request(post(ThemePath::PATH, fields)).await
}

async fn page_with_cookie(app: &TestApp, cookie: &str) -> TestResponse {
    app.request(
        axum::http::Request::get("/")
            .header(header::COOKIE, cookie)
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn a_choice_is_kept_in_a_cookie_and_the_page_goes_back() {
    let app = TestApp::new().await;
    let response = choose(&app, &[("theme", "dark"), ("next", "/contacts?q=a")]).await;
    assert_eq!(response.status, StatusCode::SEE_OTHER);
    assert_eq!(response.header("location"), Some("/contacts?q=a"));
    let cookie = response.header("set-cookie").unwrap();
    assert!(cookie.starts_with("theme=dark;"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");

    let system = choose(&app, &[("theme", "system"), ("next", "/")]).await;
    let cookie = system.header("set-cookie").unwrap();
    assert!(
        cookie.contains("Max-Age=0"),
        "the system's scheme forgets the cookie: {cookie}"
    );
}

#[tokio::test]
async fn the_page_is_rendered_in_the_chosen_scheme_with_the_choice_pressed() {
    let app = TestApp::new().await;
    let dark = page_with_cookie(&app, "theme=dark").await.document();
    assert_eq!(select(&dark, "html[data-theme=dark]").len(), 1);
    assert_eq!(
        select(
            &dark,
            "footer .theme-switcher button[value=dark][aria-pressed=true]"
        )
        .len(),
        1
    );

    for cookie in ["", "theme=purple"] {
        let system = page_with_cookie(&app, cookie).await.document();
        assert!(select(&system, "html[data-theme]").is_empty(), "{cookie:?}");
        assert_eq!(
            select(
                &system,
                ".theme-switcher button[value=system][aria-pressed=true]"
            )
            .len(),
            1
        );
    }
}

#[tokio::test]
async fn htmx_gets_no_content_and_another_sites_address_is_not_followed() {
    let app = TestApp::new().await;
    let response = app
        .request(htmx(
            Method::POST,
            ThemePath::PATH,
            None,
            &[("theme", "light")],
        ))
        .await;
    assert_eq!(response.status, StatusCode::NO_CONTENT);
    assert!(
        response
            .header("set-cookie")
            .unwrap()
            .starts_with("theme=light;")
    );

    for next in ["//evil.example", "https://evil.example", "/\\evil.example"] {
        let response = choose(&app, &[("theme", "light"), ("next", next)]).await;
        assert_eq!(response.header("location"), Some("/"), "{next}");
    }
}

#[tokio::test]
async fn an_unknown_theme_is_a_page_saying_so() {
    let app = TestApp::new().await;
    let response = choose(&app, &[("theme", "purple")]).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert!(response.is_html());
    assert!(response.text().contains("Choose a theme"));
    assert!(response.header("set-cookie").is_none());
}
