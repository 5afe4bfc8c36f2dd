//! Pages, fragments, error pages, security headers, stylesheet and static assets, through the
//! real middleware stack against real PostgreSQL.

use crate::common;

use std::time::Duration;

use app::{
    AppState,
    error::AppError,
    web::{flash::Flash, layout::PageLayout},
};
use axum::{
    Router,
    body::Body,
    extract::State,
    http::{Request, StatusCode},
    routing::{get, post},
};
use common::{
    TestApp, TestResponse, assert_security_headers, production_config, select, test_config, text_of,
};
use maud::html;
use tower::ServiceExt;

#[tokio::test]
async fn the_home_page_is_a_full_document_in_the_layout() {
    let app = TestApp::new().await;
    let response = app.get("/").await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(response.is_html());
    assert!(
        response
            .header_values("vary")
            .contains(&"HX-Request".to_owned())
    );

    let doc = response.document();
    assert_eq!(select(&doc, "html > head > title").len(), 1);
    assert_eq!(
        select(
            &doc,
            "header.site-header .site-menu nav a[aria-current=page]"
        )
        .len(),
        1
    );
    assert_eq!(select(&doc, "main#main h1").len(), 1);
    assert_eq!(select(&doc, "div#alerts").len(), 1);
    let htmx = select(&doc, "head script[src*='htmx-2.']");
    assert_eq!(htmx.len(), 1);
    // No inline script or style anywhere: the CSP would block them.
    assert!(select(&doc, "script:not([src]), style, [style]").is_empty());
}

#[tokio::test]
async fn an_htmx_request_gets_the_fragment_without_the_document() {
    let app = TestApp::new().await;
    let response = app.get_htmx("/").await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(!response.text().contains("<html"));
    assert!(!response.text().contains("<head"));
    assert!(
        response
            .header_values("vary")
            .contains(&"HX-Request".to_owned())
    );
    let fragment = response.fragment();
    assert_eq!(select(&fragment, "h1").len(), 1);
    assert_eq!(select(&fragment, "header.site-header").len(), 0);
}

#[tokio::test]
async fn a_history_restore_gets_the_full_page() {
    let app = TestApp::new().await;
    let response = app
        .request(
            Request::get("/")
                .header("hx-request", "true")
                .header("hx-history-restore-request", "true")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(response.text().contains("<html"));
}

#[tokio::test]
async fn an_unknown_url_is_an_html_404_in_the_layout() {
    let app = TestApp::new().await;
    let response = app.get("/no/such/page").await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert!(response.is_html());
    assert_security_headers(&response);
    let doc = response.document();
    assert_eq!(
        text_of(&select(&doc, "main .error-page h1")[0]),
        "Page not found"
    );
    assert_eq!(select(&doc, "header.site-header").len(), 1);
}

#[tokio::test]
async fn error_pages_keep_the_signed_in_users_navigation_and_account() {
    let routes = app::routes().route(
        "/test/slow",
        get(|| async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            "too late"
        }),
    );
    let app = TestApp::with_routes(test_config(&[("REQUEST_TIMEOUT_SECS", "1")]), routes).await;
    let mut ada = app.signed_in("ada@example.com").await;
    let boosted = |path: &str| {
        Request::get(path)
            .header("hx-request", "true")
            .header("hx-boosted", "true")
            .body(Body::empty())
            .unwrap()
    };
    // Not found, not allowed (an admin page), a timeout that ended the handler; loaded, and
    // reached by boosted navigation.
    for (path, status) in [
        ("/no/such/page", StatusCode::NOT_FOUND),
        ("/admin/users", StatusCode::FORBIDDEN),
        ("/test/slow", StatusCode::SERVICE_UNAVAILABLE),
    ] {
        for response in [ada.get(path).await, ada.send(boosted(path)).await] {
            assert_eq!(response.status, status, "{path}");
            let doc = response.document();
            assert_eq!(select(&doc, "main .error-page").len(), 1, "{path}");
            let account = select(&doc, ".site-header summary.user .email");
            assert_eq!(account.len(), 1, "{path}: {}", response.text());
            assert_eq!(text_of(&account[0]), "ada@example.com");
            assert_eq!(
                select(&doc, ".site-header .site-menu nav a[href='/contacts']").len(),
                1,
                "{path}"
            );
            assert!(select(&doc, ".site-header a[href='/login']").is_empty());
            // It shows the account: no cache keeps it.
            assert_eq!(response.header("cache-control"), Some("private, no-store"));
        }
    }

    // A visitor's error page stays anonymous.
    let doc = app.get("/no/such/page").await.document();
    assert!(select(&doc, ".site-header .user").is_empty());
    assert_eq!(
        select(&doc, ".site-header .account a[href='/login']").len(),
        1
    );
}

#[tokio::test]
async fn an_htmx_error_is_a_notice_retargeted_to_the_alerts() {
    let app = TestApp::new().await;
    let response = app.get_htmx("/no/such/page").await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert!(!response.text().contains("<html"));
    assert_eq!(response.header("hx-retarget"), Some("#alerts"));
    assert_eq!(response.header("hx-reswap"), Some("innerHTML"));
    assert!(
        response
            .header_values("vary")
            .contains(&"HX-Request".to_owned())
    );
    assert_security_headers(&response);
    let fragment = response.fragment();
    let notice = select(&fragment, "[role=alert] .flash-message.__error");
    assert_eq!(notice.len(), 1);
    assert_eq!(notice[0].attr("data-status"), Some("404"));
}

#[tokio::test]
async fn a_wrong_method_is_an_html_405_that_keeps_allow() {
    let app = TestApp::new().await;
    let response = app
        .request(Request::post("/").body(Body::empty()).unwrap())
        .await;
    assert_eq!(response.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(response.header("allow").unwrap().contains("GET"));
    assert!(response.is_html());
    assert_security_headers(&response);
}

/// Routes that fail in each way a handler can, behind the real middleware.
fn failing_routes() -> Router<AppState> {
    app::routes()
        .route(
            "/test/internal",
            get(|| async {
                AppError::Internal(anyhow::anyhow!(
                    "SELECT password FROM users -- secret detail"
                ))
            }),
        )
        .route(
            "/test/unprocessable",
            get(|| async { AppError::Unprocessable("That date is in the past.".into()) }),
        )
        .route(
            "/test/database",
            get(|State(state): State<AppState>| async move {
                sqlx::query("SELECT 1").execute(&state.db).await?;
                Ok::<_, AppError>("unreachable")
            }),
        )
        .route(
            "/test/form",
            post(
                |form: axum::Form<std::collections::HashMap<String, i32>>| async move {
                    format!("{}", form.len())
                },
            ),
        )
}

#[tokio::test]
async fn every_error_status_carries_security_headers_and_hides_internals() {
    let app = TestApp::with_routes(test_config(&[]), failing_routes()).await;

    let internal = app.get("/test/internal").await;
    assert_eq!(internal.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_security_headers(&internal);
    assert!(!internal.text().contains("SELECT"));
    assert!(!internal.text().contains("secret detail"));
    assert_eq!(select(&internal.document(), ".error-page").len(), 1);

    let unprocessable = app.get("/test/unprocessable").await;
    assert_eq!(unprocessable.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_security_headers(&unprocessable);
    assert!(unprocessable.text().contains("That date is in the past."));

    // An extractor's own rejection (plain text from axum) becomes an HTML page too.
    let rejected = app
        .request(
            Request::post("/test/form")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from("count=not-a-number"))
                .unwrap(),
        )
        .await;
    assert_eq!(rejected.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(rejected.is_html());
    assert!(!rejected.text().contains("Failed to deserialize"));
    assert_security_headers(&rejected);
}

#[tokio::test]
async fn an_unreachable_database_answers_503_with_a_page() {
    // A pool aimed at a port where nothing listens.
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let options = sqlx::postgres::PgConnectOptions::new()
        .host("127.0.0.1")
        .port(closed_port)
        .username("postgres");
    let pool = sqlx::postgres::PgPoolOptions::new()
        .acquire_timeout(Duration::from_millis(500))
        .connect_lazy_with(options);
    let state = AppState::new(test_config(&[]), pool).unwrap();
    let router = app::with_middleware(failing_routes(), state);

    let request = Request::get("/test/database").body(Body::empty()).unwrap();
    let response = TestResponse::read(router.oneshot(request).await.unwrap()).await;
    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_security_headers(&response);
    assert_eq!(
        text_of(&select(&response.document(), ".error-page h1")[0]),
        "Temporarily unavailable"
    );
}

#[tokio::test]
async fn the_stylesheet_is_served_under_its_hash_and_cached_forever() {
    let app = TestApp::new().await;
    let doc = app.get("/").await.document();
    let href = select(&doc, "link[rel=stylesheet]")[0]
        .attr("href")
        .unwrap()
        .to_owned();
    let hash = href
        .strip_prefix("/assets/style.")
        .and_then(|rest| rest.strip_suffix(".css"))
        .unwrap();
    assert_eq!(hash.len(), 16);
    assert!(hash.chars().all(|c| c.is_ascii_hexdigit()));

    let css = app.get(&href).await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    assert_eq!(
        css.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    // Base styles and component fragments, minified, nesting lowered.
    let body = css.text();
    assert!(body.contains("--color-accent"));
    assert!(body.contains(".site-header .brand"));
    assert!(!body.contains("& "));

    let stale = app.get("/assets/style.0000000000000000.css").await;
    assert_eq!(stale.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn assets_have_types_etags_and_versioned_caching() {
    let app = TestApp::new().await;
    let doc = app.get("/").await.document();
    let src = select(&doc, "script[src*='htmx-2.']")[0]
        .attr("src")
        .unwrap()
        .to_owned();
    assert!(src.contains("?v="));

    let script = app.get(&src).await;
    assert_eq!(script.status, StatusCode::OK);
    assert!(
        script
            .header("content-type")
            .unwrap()
            .contains("javascript")
    );
    assert_eq!(
        script.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    let etag = script.header("etag").unwrap().to_owned();

    // Without the current version the file must be revalidated, and the ETag answers 304.
    let path = src.split('?').next().unwrap();
    let unversioned = app.get(path).await;
    assert_eq!(unversioned.header("cache-control"), Some("no-cache"));
    let revalidated = app
        .request(
            Request::get(path)
                .header("if-none-match", &etag)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(revalidated.status, StatusCode::NOT_MODIFIED);
    assert!(revalidated.body.is_empty());

    let icon = app.get("/assets/favicon.svg").await;
    assert_eq!(icon.header("content-type"), Some("image/svg+xml"));
}

#[tokio::test]
async fn unknown_assets_and_traversal_attempts_are_404() {
    let app = TestApp::new().await;
    for path in [
        "/assets/nope.js",
        "/assets/../Cargo.toml",
        "/assets/%2e%2e/Cargo.toml",
        "/assets/vendor/..%2f..%2fCargo.toml",
        "/assets/..%5c..%5cCargo.toml",
        "/assets/%2fetc%2fpasswd",
        "/assets/base.css%00.js",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!response.text().contains("[package]"), "{path}");
        assert_security_headers(&response);
    }
}

#[tokio::test]
async fn request_ids_are_generated_or_honoured() {
    let app = TestApp::new().await;
    let generated = app.get("/").await;
    let id = generated.header("x-request-id").unwrap();
    assert_eq!(id.len(), 36);

    let honoured = app
        .request(
            Request::get("/")
                .header("x-request-id", "trace-me-123")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(honoured.header("x-request-id"), Some("trace-me-123"));
}

#[tokio::test]
async fn large_responses_are_compressed_small_ones_are_not() {
    let app = TestApp::new().await;
    let href = select(&app.get("/").await.document(), "link[rel=stylesheet]")[0]
        .attr("href")
        .unwrap()
        .to_owned();
    for encoding in ["br", "gzip"] {
        let css = app
            .request(
                Request::get(&href)
                    .header("accept-encoding", encoding)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(css.header("content-encoding"), Some(encoding));
    }
    let live = app
        .request(
            Request::get("/health/live")
                .header("accept-encoding", "gzip")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(live.header("content-encoding"), None);
}

#[tokio::test]
async fn hsts_is_sent_in_production_only() {
    let development = TestApp::new().await;
    assert_eq!(
        development
            .get("/")
            .await
            .header("strict-transport-security"),
        None
    );

    let production = TestApp::with_config(production_config(&[])).await;
    let response = production.get("/").await;
    assert!(
        response
            .header("strict-transport-security")
            .unwrap()
            .contains("max-age=")
    );
    assert_security_headers(&response);
}

#[tokio::test]
async fn a_flash_message_survives_the_redirect_and_shows_once() {
    let routes = app::routes()
        .route(
            "/test/save",
            post(|flash: Flash| async move {
                flash.success("Saved <everything>.").await?;
                Ok::<_, AppError>(axum::response::Redirect::to("/test/after"))
            }),
        )
        .route(
            "/test/after",
            get(|layout: PageLayout| async move {
                layout.render("After", html! { p { "after" } }).await
            }),
        );
    let app = TestApp::with_routes(test_config(&[]), routes).await;

    let saved = app
        .request(Request::post("/test/save").body(Body::empty()).unwrap())
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let cookie = saved.header("set-cookie").unwrap();
    assert!(cookie.contains("HttpOnly"));
    assert!(cookie.contains("SameSite=Lax"));
    let cookie = cookie.split(';').next().unwrap().to_owned();

    let after = |cookie: String| {
        Request::get("/test/after")
            .header("cookie", cookie)
            .body(Body::empty())
            .unwrap()
    };
    let shown = app.request(after(cookie.clone())).await;
    let doc = shown.document();
    let messages = select(&doc, "#alerts .flash-message.__success");
    assert_eq!(messages.len(), 1);
    assert_eq!(text_of(&messages[0]), "Saved <everything>.");

    let again = app.request(after(cookie)).await;
    assert!(select(&again.document(), "#alerts .flash-message").is_empty());
}

#[tokio::test]
async fn a_cross_site_post_is_refused_with_an_html_403() {
    let app = TestApp::new().await;
    sqlx::query(
        "INSERT INTO email_outbox (template, from_address, to_addresses, subject, text_body, \
         html_body, raw_message) VALUES ('t', 'a@b.c', '{a@b.c}', 's', 't', 'h', '')",
    )
    .execute(&app.state.db)
    .await
    .unwrap();
    let clear = |headers: &[(&str, &str)]| {
        let mut request = Request::post("/dev/mailbox/clear");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.body(Body::empty()).unwrap()
    };

    for headers in [
        &[("sec-fetch-site", "cross-site")][..],
        &[("sec-fetch-site", "same-site")][..],
        &[("origin", "https://evil.example")][..],
        &[("origin", "null")][..],
    ] {
        let refused = app.request(clear(headers)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{headers:?}");
        assert!(refused.is_html());
        assert_security_headers(&refused);
        assert!(refused.text().contains("another site"));
    }
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM email_outbox")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(count, 1, "a refused request changed nothing");

    let accepted = app
        .request(clear(&[
            ("sec-fetch-site", "same-origin"),
            ("origin", "http://localhost:3000"),
        ]))
        .await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn timeouts_oversized_bodies_and_panics_get_html_pages() {
    let routes = app::routes()
        .route(
            "/test/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "too late"
            }),
        )
        .route(
            "/test/upload",
            post(|body: String| async move { body.len().to_string() }),
        )
        .route(
            "/test/panic",
            get(|| async {
                // A handler that panics, as a bug would make it.
                #[allow(clippy::unnecessary_literal_unwrap)]
                let answer: &str = None.expect("a bug in a handler");
                answer
            }),
        );
    let app = TestApp::with_routes(
        test_config(&[
            ("REQUEST_TIMEOUT_SECS", "1"),
            ("REQUEST_BODY_LIMIT_BYTES", "1024"),
        ]),
        routes,
    )
    .await;

    let slow = app.get("/test/slow").await;
    assert_eq!(slow.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(slow.is_html());
    assert_security_headers(&slow);

    let big = app
        .request(
            Request::post("/test/upload")
                .header("sec-fetch-site", "same-origin")
                .body(Body::from("x".repeat(4096)))
                .unwrap(),
        )
        .await;
    assert_eq!(big.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(big.is_html());
    assert!(big.text().contains("too large"));
    assert_security_headers(&big);

    let panicked = app.get("/test/panic").await;
    assert_eq!(panicked.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(panicked.is_html());
    assert!(!panicked.text().contains("a bug in a handler"));
    assert_security_headers(&panicked);
}

#[tokio::test]
async fn session_cookies_are_secure_and_host_prefixed_in_production() {
    let routes = app::routes().route(
        "/test/flash",
        post(|flash: Flash| async move {
            flash.success("saved").await?;
            Ok::<_, AppError>("ok")
        }),
    );
    let app = TestApp::with_routes(production_config(&[]), routes).await;
    let response = app
        .request(Request::post("/test/flash").body(Body::empty()).unwrap())
        .await;
    let cookie = response.header("set-cookie").unwrap();
    // `__Host-`: Secure, this host only (no Domain), path `/`, so no subdomain can plant it.
    assert!(cookie.starts_with("__Host-session="), "{cookie}");
    assert!(cookie.contains("Secure"), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Domain"), "{cookie}");
}

#[tokio::test]
async fn health_and_assets_never_touch_the_session_store() {
    let app = TestApp::new().await;
    // Break the session store: anything that loads a session now fails.
    sqlx::query("DROP SCHEMA tower_sessions CASCADE")
        .execute(&app.state.db)
        .await
        .unwrap();
    let with_cookie = |path: &str| {
        Request::get(path)
            .header("cookie", "session=SLcTHeUz3fW9s6Sd7aRr1g")
            .body(Body::empty())
            .unwrap()
    };
    for path in ["/health/live", "/health/ready", "/assets/favicon.svg"] {
        let response = app.request(with_cookie(path)).await;
        assert_eq!(response.status, StatusCode::OK, "{path}");
        assert!(response.header("set-cookie").is_none(), "{path}");
    }
    let page = app.request(with_cookie("/")).await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(page.is_html());
}

#[tokio::test]
async fn every_search_landmark_on_a_page_has_a_name_of_its_own() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    let added = ada.post("/contacts", &[("first_name", "Ada")]).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    for (path, expected) in [
        ("/contacts", vec!["Site", "Contacts list"]),
        ("/search?q=ada", vec!["Contacts and notes"]),
        ("/files", vec!["Site"]),
    ] {
        let doc = ada.get(path).await.document();
        let labels: Vec<_> = select(&doc, "[role=search], search")
            .iter()
            .map(|landmark| landmark.attr("aria-label").unwrap_or_default().to_owned())
            .collect();
        assert_eq!(labels, expected, "{path}");
    }
}

#[tokio::test]
async fn scripts_and_the_stylesheet_come_precompressed_and_decode_to_the_file() {
    use std::io::Read;

    let app = TestApp::new().await;
    let doc = app.get("/").await.document();
    let stylesheet = select(&doc, "link[rel=stylesheet]")[0]
        .attr("href")
        .unwrap()
        .to_owned();
    let script = select(&doc, "script[src*='htmx']")[0]
        .attr("src")
        .unwrap()
        .to_owned();
    for href in [stylesheet, script] {
        let get = |encoding: &'static str| {
            Request::get(&href)
                .header("accept-encoding", encoding)
                .body(Body::empty())
                .unwrap()
        };
        let plain = app.request(get("identity")).await;
        assert_eq!(plain.status, StatusCode::OK);
        assert_eq!(plain.header("content-encoding"), None, "{href}");
        assert_eq!(plain.header("vary"), Some("accept-encoding"), "{href}");

        let brotli = app.request(get("gzip, deflate, br")).await;
        assert_eq!(brotli.header("content-encoding"), Some("br"), "{href}");
        assert_eq!(brotli.header("vary"), Some("accept-encoding"), "{href}");
        assert_eq!(brotli.header("content-type"), plain.header("content-type"));
        assert!(brotli.body.len() < plain.body.len() / 2, "{href}");
        let mut decoded = Vec::new();
        brotli::BrotliDecompress(&mut &brotli.body[..], &mut decoded).unwrap();
        assert_eq!(decoded, *plain.body, "{href}");

        let gzip = app.request(get("gzip")).await;
        assert_eq!(gzip.header("content-encoding"), Some("gzip"), "{href}");
        let mut decoded = Vec::new();
        flate2::read::GzDecoder::new(&gzip.body[..])
            .read_to_end(&mut decoded)
            .unwrap();
        assert_eq!(decoded, *plain.body, "{href}");
        // A file under `assets/` has a validator per representation.
        if href.contains("htmx") {
            let tags = [
                plain.header("etag"),
                gzip.header("etag"),
                brotli.header("etag"),
            ];
            assert!(tags.iter().all(Option::is_some), "{tags:?}");
            assert!(
                tags[0] != tags[1] && tags[1] != tags[2] && tags[0] != tags[2],
                "{tags:?}"
            );
        }
    }
}
