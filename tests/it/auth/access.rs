//! Who may do what: cross-site requests refused on every state-changing route, pages that
//! need a user, the admins' pages, and the admin command.

use crate::common;

use axum::{
    body::Body,
    http::{Method, Request, StatusCode},
};
use common::{TestApp, accounts::redirects_to_login, assert_security_headers, select, text_of};

/// Every route that changes state, as the app mounted it (`web::routes::mounted`, so a new
/// route cannot be forgotten here): a cross-site request to it is refused.
#[tokio::test]
async fn every_state_changing_route_refuses_cross_site_requests() {
    let app = TestApp::new().await;
    app.registered("jo@example.com").await;
    let signed_in = app.logged_in("jo@example.com", false).await;
    let cookie = format!("session={}", signed_in.session_cookie().unwrap());

    let routes: Vec<(&str, &str)> = app::web::routes::mounted()
        .into_iter()
        .filter(|(method, _)| *method != "GET")
        .collect();
    assert!(routes.len() >= 10, "found only {routes:?}");
    for route in [
        "/files",
        "/files/{id}/delete",
        "/dev/mailbox/clear",
        "/auth/validate",
    ] {
        assert!(
            routes.contains(&("POST", route)),
            "{route} not in {routes:?}"
        );
    }
    for (method, path) in routes {
        let path = path
            .replace("{id}", "00000000-0000-0000-0000-000000000000")
            .replace("{name}", "x");
        for (header, value) in [
            ("sec-fetch-site", "cross-site"),
            ("origin", "https://evil.example"),
        ] {
            let response = app
                .request(
                    Request::builder()
                        .method(method)
                        .uri(&path)
                        .header(header, value)
                        .header("cookie", &cookie)
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body(Body::from("email=jo%40example.com&password=x"))
                        .unwrap(),
                )
                .await;
            assert_eq!(
                response.status,
                StatusCode::FORBIDDEN,
                "{method} {path} with {header}"
            );
            assert!(response.is_html());
        }
        // The route is real: from the app's own pages the same request reaches a handler.
        let same_site = app
            .request(
                Request::builder()
                    .method(method)
                    .uri(&path)
                    .header("sec-fetch-site", "same-origin")
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(Body::from("email=x"))
                    .unwrap(),
            )
            .await;
        assert!(
            !(403..=405).contains(&same_site.status.as_u16()),
            "{method} {path}: {}",
            same_site.status
        );
    }
    // Nothing happened: still signed in, still the same address.
    let mut still = app.client();
    still.cookies.insert(
        "session".into(),
        signed_in.session_cookie().unwrap().clone(),
    );
    assert_eq!(still.get("/account").await.status, StatusCode::OK);
}

#[tokio::test]
async fn pages_that_need_a_user_redirect_to_login_and_htmx_gets_hx_redirect() {
    let app = TestApp::new().await;
    let page = app.get("/account").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.header("location"), Some("/login?next=/account"));
    let htmx = app.get_htmx("/account").await;
    assert_eq!(htmx.header("hx-redirect"), Some("/login?next=/account"));
}

#[tokio::test]
async fn only_admins_see_the_user_list() {
    let app = TestApp::new().await;
    app.registered("lee@example.com").await;
    app.registered("root@example.com").await;
    sqlx::query("UPDATE users SET role = 'admin' WHERE email = 'root@example.com'")
        .execute(&app.state.db)
        .await
        .unwrap();

    assert!(redirects_to_login(&app.get("/admin/users").await));
    let mut user = app.logged_in("lee@example.com", false).await;
    let admin_link = ".site-menu nav a[href='/admin/users']";
    assert!(select(&user.get("/").await.document(), admin_link).is_empty());
    let forbidden = user.get("/admin/users").await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    assert_security_headers(&forbidden);

    let mut admin = app.logged_in("root@example.com", false).await;
    assert_eq!(
        select(&admin.get("/").await.document(), admin_link).len(),
        1
    );
    let list = admin.get("/admin/users").await;
    assert_eq!(list.status, StatusCode::OK);
    let rows = select(&list.document(), ".record-list tbody tr")
        .iter()
        .map(text_of)
        .collect::<Vec<_>>();
    assert_eq!(rows.len(), 2);
    assert!(
        rows.iter()
            .any(|row| row.contains("lee@example.com") && row.contains("user"))
    );
}

#[test]
fn the_admin_command_creates_and_promotes() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let db = runtime.block_on(common::TestDatabase::new());
    let url = db.url.clone();
    let run = || {
        common::starter_command()
            .env("DATABASE_URL", &url)
            .args(["admin", "create", "Boss@Example.com"])
            .output()
            .unwrap()
    };
    let created = run();
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    assert!(String::from_utf8_lossy(&created.stdout).contains("with the password"));
    let promoted = run();
    assert!(String::from_utf8_lossy(&promoted.stdout).contains("is now an administrator"));
    let role: String = runtime
        .block_on(
            sqlx::query_scalar("SELECT role::text FROM users WHERE email = 'boss@example.com'")
                .fetch_one(&db.pool),
        )
        .unwrap();
    assert_eq!(role, "admin");
    drop(db);
}

#[test]
fn the_admin_command_refuses_an_unconfirmed_account() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let app = runtime.block_on(TestApp::new());
    runtime.block_on(async { app.client().sign_up("quin@example.com").await });
    let output = common::starter_command()
        .env("DATABASE_URL", &app.db.url)
        .args(["admin", "create", "quin@example.com"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("has not confirmed"));
    let role: String = runtime
        .block_on(sqlx::query_scalar("SELECT role::text FROM users").fetch_one(&app.state.db))
        .unwrap();
    assert_eq!(role, "user");
    drop(app);
}

#[tokio::test]
async fn the_user_list_pages_newest_first_fifty_at_a_time() {
    let app = TestApp::new().await;
    app.user_with_role("root@example.com", app::auth::db::Role::Admin)
        .await;
    // 119 more, a second apart, so that newest first has one answer.
    sqlx::query(
        "INSERT INTO users (email, password_hash, created_at) \
         SELECT 'user' || lpad(i::text, 3, '0') || '@example.com', 'x', \
                now() - make_interval(secs => i) \
         FROM generate_series(1, 119) AS i",
    )
    .execute(&app.state.db)
    .await
    .unwrap();
    let mut admin = app.logged_in("root@example.com", false).await;

    let mut seen: Vec<String> = Vec::new();
    let mut path = "/admin/users".to_owned();
    let mut pages = 0;
    loop {
        let page = admin.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        let doc = page.document();
        let rows: Vec<String> = select(&doc, ".record-list th[scope=row]")
            .iter()
            .map(text_of)
            .collect();
        assert!(rows.len() <= 50);
        seen.extend(rows);
        pages += 1;
        let Some(more) = select(&doc, "tr#users-more a")
            .first()
            .map(|link| link.attr("href").unwrap().to_owned())
        else {
            break;
        };
        // With JavaScript the same link brings the rows alone, in place of the "more" row.
        let fragment = admin
            .htmx(Method::GET, &more, Some("users-more"), &[])
            .await;
        assert!(!fragment.text().contains("<h1"), "{}", fragment.text());
        assert!(fragment.text().contains("<tr"));
        path = more;
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 120);
    assert_eq!(seen[0], "root@example.com");
    assert_eq!(seen[1], "user001@example.com");
    assert_eq!(seen[119], "user119@example.com");

    let broken = admin.get("/admin/users?after=not-a-cursor").await;
    assert_eq!(broken.status, StatusCode::BAD_REQUEST);
}
