//! The account flows end to end through `app()` against real PostgreSQL, reading the links
//! from the mail the app sends.

// Integration tests: unwrapping is how a failed step reports itself.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::{net::IpAddr, time::Duration};

use app::email::worker::{DeliveryWorker, RetryPolicy};
use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use common::{
    TestApp,
    accounts::{PASSWORD, redirects_to_login},
    assert_security_headers, link_in, select,
    smtp::SmtpSink,
    test_config, text_of,
};
use mail_parser::MessageParser;
use tokio_util::sync::CancellationToken;

#[tokio::test]
async fn register_confirm_login_logout_with_mail_over_smtp() {
    let sink = SmtpSink::start().await;
    let port = sink.port().to_string();
    let app = TestApp::with_config(test_config(&[
        ("SMTP_HOST", "127.0.0.1"),
        ("SMTP_PORT", &port),
    ]))
    .await;
    let mut client = app.client();

    let page = client.get("/register").await;
    let doc = page.document();
    for name in ["email", "password", "password_confirmation"] {
        let input = select(&doc, &format!("form input[name={name}]"));
        assert_eq!(input.len(), 1, "{name}");
        assert!(input[0].attr("autocomplete").is_some(), "{name}");
        let id = input[0].attr("id").unwrap();
        assert_eq!(select(&doc, &format!("label[for={id}]")).len(), 1, "{name}");
    }

    let registered = client.sign_up("Ada@Example.com").await;
    assert_eq!(registered.status, StatusCode::OK);
    assert!(registered.text().contains("ada@example.com"));

    // The confirmation mail travels over SMTP; the link comes from the delivered message.
    let worker = DeliveryWorker::new(
        app.state.db.clone(),
        app.state.mail_transport.clone(),
        RetryPolicy::from_config(&app.state.config.email),
    );
    worker.deliver_due(&CancellationToken::new()).await.unwrap();
    let received = sink.wait_for(1, Duration::from_secs(5)).await;
    let message = MessageParser::default().parse(&received[0].data).unwrap();
    assert_eq!(message.subject(), Some("Confirm your email address"));
    let text = message.body_text(0).unwrap();
    let link = link_in(&text, "/confirm?token=").unwrap();

    let confirmed = client.get(&link).await;
    assert_eq!(confirmed.status, StatusCode::OK);
    assert!(confirmed.text().contains("confirmed"));

    let login = client
        .post(
            "/login",
            &[("email", "ada@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(login.status, StatusCode::SEE_OTHER);
    assert_eq!(login.header("location"), Some("/"));
    let home = client.get("/").await;
    let doc = home.document();
    assert_eq!(
        text_of(&select(&doc, ".site-header .user .email")[0]),
        "ada@example.com"
    );
    assert_eq!(
        select(&doc, ".site-header form[action='/logout'] button").len(),
        1
    );
    assert!(select(&doc, ".confirm-banner").is_empty());
    assert_eq!(client.get("/account").await.status, StatusCode::OK);

    let session = client.session_cookie().unwrap().clone();
    let logout = client.post("/logout", &[]).await;
    assert_eq!(logout.status, StatusCode::SEE_OTHER);
    assert!(redirects_to_login(&client.get("/account").await));
    // The old cookie is dead on the server too.
    let mut replay = app.client();
    replay.cookies.insert("session".into(), session);
    assert!(redirects_to_login(&replay.get("/account").await));
}

#[tokio::test]
async fn an_unconfirmed_account_can_log_in_and_is_offered_a_new_link() {
    let app = TestApp::new().await;
    let mut client = app.client();
    client.sign_up("bo@example.com").await;
    let mut client = app.logged_in("bo@example.com", false).await;
    let doc = client.get("/").await.document();
    assert_eq!(
        select(&doc, ".confirm-banner form[action='/confirm/resend']").len(),
        1
    );

    let resent = client.post("/confirm/resend", &[]).await;
    assert_eq!(resent.status, StatusCode::SEE_OTHER);
    assert_eq!(app.mail_to("bo@example.com").await.len(), 2);
    let link = app.link_in_mail("bo@example.com", "/confirm?token=").await;
    assert_eq!(client.get(&link).await.status, StatusCode::OK);
    assert!(select(&client.get("/").await.document(), ".confirm-banner").is_empty());

    // Changing the address needs a confirmed one: now it is allowed.
    let changed = client
        .post(
            "/account/email",
            &[("email", "bo2@example.com"), ("current_password", PASSWORD)],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_session_id_changes_at_login_and_remember_me_sets_the_lifetime() {
    let app = TestApp::new().await;
    app.registered("cy@example.com").await;

    let mut client = app.logged_in("cy@example.com", false).await;
    let first = client.session_cookie().unwrap().clone();
    let again = client
        .post(
            "/login",
            &[("email", "cy@example.com"), ("password", PASSWORD)],
        )
        .await;
    let second = client.session_cookie().unwrap().clone();
    assert_ne!(first, second, "the session id must change at login");
    let set_cookie = again.header("set-cookie").unwrap().to_ascii_lowercase();
    assert!(set_cookie.contains("httponly"));
    assert!(set_cookie.contains("samesite=lax"));
    assert!(
        !set_cookie.contains("max-age"),
        "a browser-session cookie: {set_cookie}"
    );
    assert!(
        !set_cookie.contains("expires"),
        "a browser-session cookie: {set_cookie}"
    );
    let mut stale = app.client();
    stale.cookies.insert("session".into(), first);
    assert!(redirects_to_login(&stale.get("/account").await));

    let mut remembered = app.client();
    let response = remembered
        .post(
            "/login",
            &[
                ("email", "cy@example.com"),
                ("password", PASSWORD),
                ("remember", "on"),
            ],
        )
        .await;
    let set_cookie = response.header("set-cookie").unwrap().to_ascii_lowercase();
    let max_age: i64 = set_cookie
        .split(';')
        .find_map(|part| part.trim().strip_prefix("max-age="))
        .unwrap()
        .parse()
        .unwrap();
    assert!((29 * 86400..=30 * 86400).contains(&max_age), "{set_cookie}");
}

#[tokio::test]
async fn a_password_reset_ends_every_session_and_its_link_works_once() {
    let app = TestApp::new().await;
    app.registered("di@example.com").await;
    let mut old_session = app.logged_in("di@example.com", true).await;
    assert_eq!(old_session.get("/account").await.status, StatusCode::OK);

    let mut client = app.client();
    let asked = client
        .post("/password/forgot", &[("email", "di@example.com")])
        .await;
    assert_eq!(asked.status, StatusCode::OK);
    let link = app
        .link_in_mail("di@example.com", "/password/reset?token=")
        .await;
    let form = client.get(&link).await;
    assert_eq!(form.status, StatusCode::OK);
    assert_eq!(
        select(&form.document(), "form input[name=password]").len(),
        1
    );

    let new_password = "a brand new passphrase";
    let weak = client
        .post(
            &link,
            &[("password", "short"), ("password_confirmation", "short")],
        )
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    let doc = weak.document();
    assert_eq!(select(&doc, "#password-reset-password-error").len(), 1);
    // The form names the account, for password managers.
    assert_eq!(
        select(&doc, "input[hidden][autocomplete=username]")[0].attr("value"),
        Some("di@example.com")
    );

    let reset = client
        .post(
            &link,
            &[
                ("password", new_password),
                ("password_confirmation", new_password),
            ],
        )
        .await;
    assert_eq!(reset.status, StatusCode::SEE_OTHER);
    assert_eq!(reset.header("location"), Some("/login"));

    assert!(
        redirects_to_login(&old_session.get("/account").await),
        "old session survived"
    );
    let old = client
        .post(
            "/login",
            &[("email", "di@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(old.status, StatusCode::UNPROCESSABLE_ENTITY);
    let new = client
        .post(
            "/login",
            &[("email", "di@example.com"), ("password", new_password)],
        )
        .await;
    assert_eq!(new.status, StatusCode::SEE_OTHER);

    // Used once: the same link now fails, for showing and for posting.
    assert_eq!(client.get(&link).await.status, StatusCode::BAD_REQUEST);
    let replay = client
        .post(
            &link,
            &[
                ("password", "another passphrase"),
                ("password_confirmation", "another passphrase"),
            ],
        )
        .await;
    assert_eq!(replay.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn tokens_expire_and_only_their_hashes_are_stored() {
    let app = TestApp::new().await;
    let mut client = app.client();
    client.sign_up("ed@example.com").await;
    let link = app.link_in_mail("ed@example.com", "/confirm?token=").await;
    let token = link.strip_prefix("/confirm?token=").unwrap();
    let (id, secret) = token.split_once('.').unwrap();

    let stored: Vec<(String, Vec<u8>)> =
        sqlx::query_as("SELECT id, verifier_hash FROM auth_tokens")
            .fetch_all(&app.state.db)
            .await
            .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].0, id);
    assert_ne!(stored[0].1, secret.as_bytes());
    assert_eq!(stored[0].1.len(), 32, "a SHA-256, not the secret");
    let dump: String = sqlx::query_scalar("SELECT string_agg(t::text, ' ') FROM auth_tokens t")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert!(!dump.contains(secret));

    // A tampered secret is refused; an expired token too.
    let tampered = format!("/confirm?token={id}.{}", "0".repeat(64));
    assert_eq!(client.get(&tampered).await.status, StatusCode::BAD_REQUEST);
    sqlx::query("UPDATE auth_tokens SET expires_at = now() - interval '1 second'")
        .execute(&app.state.db)
        .await
        .unwrap();
    let expired = client.get(&link).await;
    assert_eq!(expired.status, StatusCode::BAD_REQUEST);
    assert!(expired.text().contains("cannot be used"));
    assert_security_headers(&expired);
}

#[tokio::test]
async fn changing_the_email_is_confirmed_at_the_new_address_and_noticed_at_the_old() {
    let app = TestApp::new().await;
    app.registered("fay@example.com").await;
    let mut client = app.logged_in("fay@example.com", false).await;

    let wrong = client
        .post(
            "/account/email",
            &[
                ("email", "fay@new.example"),
                ("current_password", "not my password"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let doc = wrong.document();
    assert_eq!(
        select(&doc, "#change-email-current_password-error").len(),
        1
    );
    // Low on the page, so the form opens with a summary linking to the field in error.
    let summary = select(&doc, "form#change-email > [data-error-summary]");
    assert_eq!(summary.len(), 1);
    assert_eq!(
        select(&doc, "form#change-email [data-error-summary] a")[0].attr("href"),
        Some("#change-email-current_password")
    );
    assert!(select(&doc, "form#change-password [data-error-summary]").is_empty());

    let asked = client
        .post(
            "/account/email",
            &[("email", "Fay@New.example"), ("current_password", PASSWORD)],
        )
        .await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER);
    let link = app.link_in_mail("fay@new.example", "/confirm?token=").await;
    assert!(
        app.mail_to("fay@example.com")
            .await
            .iter()
            .all(|(s, _)| !s.contains("changed"))
    );

    let confirmed = client.get(&link).await;
    assert_eq!(confirmed.status, StatusCode::OK);
    let notices = app.mail_to("fay@example.com").await;
    let (subject, text) = notices.last().unwrap();
    assert_eq!(subject, "Your email address was changed");
    assert!(text.contains("fay@new.example"));

    let relogin = app
        .client()
        .post(
            "/login",
            &[("email", "fay@new.example"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(relogin.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_password_change_keeps_this_session_and_ends_the_others() {
    let app = TestApp::new().await;
    app.registered("gus@example.com").await;
    let mut here = app.logged_in("gus@example.com", false).await;
    let mut elsewhere = app.logged_in("gus@example.com", false).await;
    let new_password = "another long passphrase";

    let changed = here.change_password(new_password).await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER);
    assert_eq!(here.get("/account").await.status, StatusCode::OK);
    assert!(redirects_to_login(&elsewhere.get("/account").await));

    let mut third = app.client();
    third
        .post(
            "/login",
            &[("email", "gus@example.com"), ("password", new_password)],
        )
        .await;
    let ended = here.post("/account/sessions/end-others", &[]).await;
    assert_eq!(ended.status, StatusCode::SEE_OTHER);
    assert_eq!(here.get("/account").await.status, StatusCode::OK);
    assert!(redirects_to_login(&third.get("/account").await));
}

/// Normalises the only legitimate difference between two answers: the address typed.
fn without(text: &str, email: &str) -> String {
    text.replace(email, "EMAIL")
}

#[tokio::test]
async fn answers_are_the_same_for_existing_and_unknown_addresses() {
    let app = TestApp::new().await;
    app.registered("hal@example.com").await;

    for (path, extra, unknown_email) in [
        (
            "/register",
            &[("password", PASSWORD), ("password_confirmation", PASSWORD)][..],
            "new-1@example.com",
        ),
        ("/password/forgot", &[][..], "new-2@example.com"),
        ("/confirm/resend", &[][..], "new-3@example.com"),
    ] {
        let answer = |email: &'static str| {
            let app = &app;
            async move {
                let mut form = vec![("email", email)];
                form.extend_from_slice(extra);
                let started = std::time::Instant::now();
                let response = app.client().post(path, &form).await;
                (response, started.elapsed())
            }
        };
        let (known, known_time) = answer("hal@example.com").await;
        let (unknown, unknown_time) = answer(unknown_email).await;
        assert_eq!(known.status, unknown.status, "{path}");
        assert_eq!(
            without(&known.text(), "hal@example.com"),
            without(&unknown.text(), unknown_email),
            "{path}"
        );
        // Both answers take about as long.
        let ratio = known_time.as_secs_f64() / unknown_time.as_secs_f64();
        assert!(
            (0.5..2.0).contains(&ratio),
            "{path}: {known_time:?} vs {unknown_time:?}"
        );
    }
    // The account holder hears about the attempt by mail instead; nothing goes to addresses
    // without an account, except the confirmation of the one just registered.
    let mail = app.mail_to("hal@example.com").await;
    assert!(
        mail.iter()
            .any(|(subject, _)| subject.contains("tried to sign up"))
    );
    assert_eq!(app.mail_to("new-1@example.com").await.len(), 1);
    assert!(app.mail_to("new-2@example.com").await.is_empty());
    assert!(app.mail_to("new-3@example.com").await.is_empty());

    let known = app
        .client()
        .post(
            "/login",
            &[
                ("email", "hal@example.com"),
                ("password", "wrong password!"),
            ],
        )
        .await;
    let unknown = app
        .client()
        .post(
            "/login",
            &[
                ("email", "zed@example.com"),
                ("password", "wrong password!"),
            ],
        )
        .await;
    assert_eq!(known.status, unknown.status);
    for response in [&known, &unknown] {
        assert_eq!(
            text_of(&select(&response.document(), "form#login [data-error-summary] li")[0]),
            "Invalid email or password."
        );
    }
}

#[tokio::test]
async fn ten_failed_logins_lock_the_account_and_tell_its_owner() {
    let app = TestApp::new().await;
    app.registered("ida@example.com").await;
    let mut client = app.client();
    for _ in 0..10 {
        let failed = client
            .post(
                "/login",
                &[
                    ("email", "ida@example.com"),
                    ("password", "wrong password!"),
                ],
            )
            .await;
        assert_eq!(failed.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let locked = client
        .post(
            "/login",
            &[("email", "ida@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(
        locked.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "locked accounts stay shut"
    );
    let notices: Vec<_> = app
        .mail_to("ida@example.com")
        .await
        .into_iter()
        .filter(|(subject, _)| subject.contains("locked"))
        .collect();
    assert_eq!(notices.len(), 1);

    sqlx::query("UPDATE users SET locked_until = now() - interval '1 second'")
        .execute(&app.state.db)
        .await
        .unwrap();
    let unlocked = client
        .post(
            "/login",
            &[("email", "ida@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(unlocked.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn hammering_the_login_gets_429_with_retry_after() {
    let app = TestApp::new().await;
    let mut client = app.client();
    client.ip = "203.0.113.9".parse::<IpAddr>().unwrap();
    let mut limited = None;
    for n in 0..40 {
        let email = format!("user{n}@example.com");
        let response = client
            .post(
                "/login",
                &[("email", &email), ("password", "wrong password!")],
            )
            .await;
        if response.status == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(response);
            break;
        }
    }
    let limited = limited.expect("no 429 after 40 attempts from one address");
    let retry_after: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!(retry_after > 0);
    assert!(
        limited
            .header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert_security_headers(&limited);

    // Another address is not affected.
    let mut other = app.client();
    other.ip = "198.51.100.7".parse::<IpAddr>().unwrap();
    let response = other
        .post(
            "/login",
            &[
                ("email", "someone@example.com"),
                ("password", "wrong password!"),
            ],
        )
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// Every route that changes state, found in the source of the routers (a new route cannot
/// be forgotten here): a cross-site request to it is refused.
#[tokio::test]
async fn every_state_changing_route_refuses_cross_site_requests() {
    let app = TestApp::new().await;
    app.registered("jo@example.com").await;
    let signed_in = app.logged_in("jo@example.com", false).await;
    let cookie = format!("session={}", signed_in.session_cookie().unwrap());

    let routes = state_changing_routes();
    assert!(routes.len() >= 10, "found only {routes:?}");
    // Typed routes are found too, their handlers in the module that mounts them.
    for route in ["/files", "/files/{id}/delete", "/dev/mailbox/clear"] {
        assert!(
            routes.contains(&("POST".to_owned(), route.to_owned())),
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
                        .method(method.as_str())
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
            assert!(
                response
                    .header("content-type")
                    .unwrap()
                    .starts_with("text/html")
            );
        }
        // The route is real: from the app's own pages the same request reaches a handler.
        let same_site = app
            .request(
                Request::builder()
                    .method(method.as_str())
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

/// `(METHOD, path)` of every state-changing route in `src/`: each `.route(PATH, ...post(...)...)`,
/// where PATH is a literal or a `paths::NAME` constant defined in `src/`, and each
/// `.typed_post(handler)` (or put, patch, delete), whose path is the `#[typed_path]` of the
/// handler's first argument, in the same module.
fn state_changing_routes() -> Vec<(String, String)> {
    let src = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/src"));
    let mut sources = Vec::new();
    let mut stack = vec![src];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let source = std::fs::read_to_string(&path).unwrap();
                sources.push((
                    path,
                    source.split_whitespace().collect::<Vec<_>>().join(" "),
                ));
            }
        }
    }
    let constants: std::collections::HashMap<String, String> = sources
        .iter()
        .flat_map(|(_, source)| source.split("pub const ").skip(1))
        .filter_map(|definition| {
            let (name, rest) = definition.split_once(": &str = \"")?;
            // Only paths: other constants (form ids) may share a path's name.
            let value = rest.split_once('"')?.0;
            value
                .starts_with('/')
                .then(|| (name.to_owned(), value.to_owned()))
        })
        .collect();
    let mut found = Vec::new();
    for (file, source) in &sources {
        let flat = source.replace(".route( ", ".route(");
        for call in flat.split(".route(").skip(1) {
            let Some((argument, rest)) = call.split_once(',') else {
                continue;
            };
            let route = match argument.trim().strip_prefix('"') {
                Some(literal) => literal.trim_end_matches('"').to_owned(),
                None => match constants.get(argument.trim().trim_start_matches("paths::")) {
                    Some(path) => path.clone(),
                    None => continue,
                },
            };
            for method in ["post", "put", "patch", "delete"] {
                if rest.contains(&format!("{method}(")) {
                    found.push((method.to_uppercase(), route.clone()));
                }
            }
        }
        let module = file.parent().unwrap();
        for method in ["post", "put", "patch", "delete"] {
            for call in source.split(&format!(".typed_{method}(")).skip(1) {
                let handler = call.split(')').next().unwrap().trim();
                let route = typed_route(&sources, module, handler)
                    .unwrap_or_else(|| panic!("no typed path found for {handler} in {module:?}"));
                found.push((method.to_uppercase(), route));
            }
        }
    }
    found
}

/// The path a typed route mounts `handler` (`list::upload`, say) on: the `#[typed_path]` of
/// the type of its first argument, both found in the files of `module`.
fn typed_route(
    sources: &[(std::path::PathBuf, String)],
    module: &std::path::Path,
    handler: &str,
) -> Option<String> {
    let in_module = || sources.iter().filter(|(file, _)| file.starts_with(module));
    let mut segments = handler.rsplit("::");
    let name = segments.next()?;
    // `list::upload` is in `list.rs` (or `list/mod.rs`) when there is more than one `upload`.
    let parent = segments.next();
    let definition = format!("async fn {name}(");
    let argument_type = in_module()
        .filter(|(file, source)| {
            source.contains(&definition)
                && parent.is_none_or(|parent| {
                    file.file_stem().is_some_and(|stem| stem == parent)
                        || file.parent().and_then(|dir| dir.file_name()) == Some(parent.as_ref())
                })
        })
        .find_map(|(_, source)| {
            let parameters = source.split_once(&definition)?.1;
            let first = parameters.split([',', ')']).next()?;
            Some(first.rsplit(':').next()?.trim().to_owned())
        })?;
    in_module().find_map(|(_, source)| {
        source
            .split("#[typed_path(\"")
            .skip(1)
            .find_map(|definition| {
                let (path, rest) = definition.split_once('"')?;
                let declared = rest.split_once("struct ")?.1;
                let declared = declared.split([' ', ';', '{', '(']).next()?;
                (declared == argument_type).then(|| path.to_owned())
            })
    })
}

#[tokio::test]
async fn next_only_accepts_local_paths() {
    let app = TestApp::new().await;
    app.registered("kim@example.com").await;
    for (next, expected) in [
        ("/account", "/account"),
        ("//evil.example", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
    ] {
        let response = app
            .client()
            .post(
                "/login",
                &[
                    ("email", "kim@example.com"),
                    ("password", PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(response.header("location"), Some(expected), "next={next}");
    }
    let form = app.client().get("/login?next=//evil.example").await;
    let next = select(&form.document(), "input[name=next]")[0]
        .attr("value")
        .unwrap()
        .to_owned();
    assert_eq!(next, "/");
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
    let admin_link = "nav a[href='/admin/users']";
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
    let rows = select(&list.document(), ".data-table tbody tr")
        .iter()
        .map(text_of)
        .collect::<Vec<_>>();
    assert_eq!(rows.len(), 2);
    assert!(
        rows.iter()
            .any(|row| row.contains("lee@example.com") && row.contains("user"))
    );
}

#[tokio::test]
async fn markup_in_the_email_field_comes_back_escaped() {
    let app = TestApp::new().await;
    let payload = "\"><script>alert(1)</script>@example.com";
    let response = app
        .client()
        .post(
            "/register",
            &[
                ("email", payload),
                ("password", "x"),
                ("password_confirmation", "y"),
            ],
        )
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    let doc = response.document();
    assert!(select(&doc, "script:not([src])").is_empty());
    let value = select(&doc, "input[name=email]")[0]
        .attr("value")
        .unwrap()
        .to_owned();
    assert_eq!(value, payload.to_lowercase());
    // Passwords are never echoed back.
    assert!(select(&doc, "input[type=password][value]").is_empty());
    assert!(select(&doc, "#register-email-error").len() == 1);
    let input = select(&doc, "input[name=email]")[0];
    assert_eq!(input.attr("aria-invalid"), Some("true"));
    assert!(
        input
            .attr("aria-describedby")
            .unwrap()
            .contains("register-email-error")
    );
}

/// An on-blur check as htmx sends it: the field's name, its input's id and the whole form.
fn blur_check(id: &str, name: &str, body: &'static str) -> Request<Body> {
    Request::post("/auth/validate")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .header("hx-request", "true")
        .header("hx-trigger", id)
        .header("hx-trigger-name", name)
        .body(Body::from(body))
        .unwrap()
}

#[tokio::test]
async fn a_field_checked_on_blur_comes_back_whole_with_its_state() {
    let app = TestApp::new().await;
    let mut client = app.client();
    let body = "email=A%40b.co&password=short&password_confirmation=";

    let bad = client
        .send(blur_check("register-password", "password", body))
        .await;
    assert_eq!(bad.status, StatusCode::OK);
    let fragment = bad.fragment();
    let field = ".form-field.__invalid:has(> input#register-password[aria-invalid=true])";
    assert_eq!(select(&fragment, field).len(), 1);
    assert_eq!(
        text_of(&select(&fragment, "p#register-password-error")[0]),
        "Use at least 10 characters."
    );
    assert_eq!(
        text_of(&select(&fragment, "label[for=register-password]")[0]),
        "Password"
    );
    assert!(select(&fragment, "input[type=password][value]").is_empty());
    assert!(select(&fragment, "#register-password-hint").len() == 1);
    // The message also goes to the form's live region, out of band.
    assert_eq!(
        text_of(&select(&fragment, "#register-announce[data-hx-swap-oob]")[0]),
        "Password: Use at least 10 characters."
    );

    // A good field comes back with no error state at all, and the address as typed
    // (sanitized).
    let good = client
        .send(blur_check("register-email", "email", body))
        .await;
    let fragment = good.fragment();
    assert!(select(&fragment, ".__invalid, [aria-invalid], .error").is_empty());
    assert_eq!(
        select(&fragment, "input#register-email")[0].attr("value"),
        Some("a@b.co")
    );

    // The same rules serve the account page's forms, each field rendered as its form shows
    // it.
    let change_email = client
        .send(blur_check("change-email-email", "email", "email=nope"))
        .await;
    let fragment = change_email.fragment();
    assert_eq!(
        select(&fragment, "input#change-email-email[aria-invalid=true]").len(),
        1
    );
    assert_eq!(select(&fragment, "#change-email-email-hint").len(), 1);

    for (id, name) in [
        ("register-role", "role"),
        ("change-email-current_password", "current_password"),
        ("login-email", "email"),
        ("register-email", "password"),
        ("email", "email"),
    ] {
        let refused = client.send(blur_check(id, name, body)).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{id} {name}");
    }
}

#[tokio::test]
async fn the_sign_up_page_sends_someone_signed_in_home() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    let response = ada.get("/register").await;
    assert_eq!(response.status, StatusCode::SEE_OTHER);
    assert_eq!(response.header("location"), Some("/"));
    assert_eq!(app.client().get("/register").await.status, StatusCode::OK);

    // The home page offers sign-up to visitors only, and says the health link is JSON.
    let link_texts = |doc: &scraper::Html| {
        select(doc, ".feature-list a")
            .iter()
            .map(|a| format!("{} {}", a.attr("href").unwrap(), text_of(a)))
            .collect::<Vec<_>>()
    };
    let visitor = link_texts(&app.client().get("/").await.document());
    assert!(
        visitor.contains(&"/register Create an account".to_owned()),
        "{visitor:?}"
    );
    assert!(visitor.contains(&"/health/ready Readiness check (JSON)".to_owned()));
    let member = link_texts(&ada.get("/").await.document());
    assert!(
        member.contains(&"/account Your account".to_owned()),
        "{member:?}"
    );
    assert!(!member.iter().any(|link| link.starts_with("/register")));
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

#[tokio::test]
async fn every_lock_takes_ten_more_failures_and_is_mailed() {
    let app = TestApp::new().await;
    app.registered("lou@example.com").await;
    let mut client = app.client();
    for round in 1..=2 {
        for _ in 0..10 {
            client
                .post(
                    "/login",
                    &[
                        ("email", "lou@example.com"),
                        ("password", "wrong password!"),
                    ],
                )
                .await;
        }
        sqlx::query("UPDATE users SET locked_until = now() - interval '1 second'")
            .execute(&app.state.db)
            .await
            .unwrap();
        let notices = app
            .mail_to("lou@example.com")
            .await
            .into_iter()
            .filter(|(subject, _)| subject.contains("locked"))
            .count();
        assert_eq!(notices, round, "one notice per lock");
        // After a lock has passed, a single mistake does not lock the account again.
        client
            .post(
                "/login",
                &[
                    ("email", "lou@example.com"),
                    ("password", "wrong password!"),
                ],
            )
            .await;
        let (locked,): (bool,) =
            sqlx::query_as("SELECT coalesce(locked_until > now(), false) FROM users")
                .fetch_one(&app.state.db)
                .await
                .unwrap();
        assert!(!locked);
        sqlx::query("UPDATE users SET failed_logins = 0")
            .execute(&app.state.db)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn reset_requests_for_one_address_are_limited_whatever_the_client() {
    let app = TestApp::new().await;
    app.registered("max@example.com").await;
    let mut statuses = Vec::new();
    for n in 0..7u8 {
        let mut client = app.client();
        client.ip = IpAddr::from([198, 51, 100, n]);
        let response = client
            .post("/password/forgot", &[("email", "max@example.com")])
            .await;
        statuses.push(response.status);
    }
    assert_eq!(statuses[..5], [StatusCode::OK; 5]);
    assert_eq!(statuses[5], StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn links_live_as_long_as_promised_and_work_once() {
    let app = TestApp::new().await;
    let mut client = app.client();
    client.sign_up("ned@example.com").await;
    client
        .post("/password/forgot", &[("email", "ned@example.com")])
        .await;
    let lifetimes: Vec<(String, f64)> = sqlx::query_as(
        "SELECT purpose::text, extract(epoch FROM expires_at - created_at)::float8 \
         FROM auth_tokens ORDER BY purpose",
    )
    .fetch_all(&app.state.db)
    .await
    .unwrap();
    assert_eq!(
        lifetimes,
        [
            ("confirm_email".to_owned(), 48.0 * 3600.0),
            ("reset_password".to_owned(), 30.0 * 60.0)
        ]
    );

    let confirm = app
        .mail_to("ned@example.com")
        .await
        .iter()
        .find_map(|(_, text)| link_in(text, "/confirm?token="))
        .unwrap();
    assert_eq!(client.get(&confirm).await.status, StatusCode::OK);
    assert_eq!(
        client.get(&confirm).await.status,
        StatusCode::BAD_REQUEST,
        "used twice"
    );
}

#[tokio::test]
async fn a_password_change_retires_links_sent_before_it() {
    let app = TestApp::new().await;
    app.registered("oz@example.com").await;
    let mut client = app.logged_in("oz@example.com", false).await;
    client
        .post(
            "/account/email",
            &[
                ("email", "oz@elsewhere.example"),
                ("current_password", PASSWORD),
            ],
        )
        .await;
    let change_link = app
        .link_in_mail("oz@elsewhere.example", "/confirm?token=")
        .await;
    let new_password = "a different passphrase";
    client.change_password(new_password).await;
    assert_eq!(
        client.get(&change_link).await.status,
        StatusCode::BAD_REQUEST
    );
    let email: String = sqlx::query_scalar("SELECT email FROM users")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(email, "oz@example.com");
}

#[tokio::test]
async fn confirming_an_address_ends_sessions_opened_before_by_someone_else() {
    let app = TestApp::new().await;
    // Someone registers an address that is not theirs and signs in before its owner confirms.
    let mut squatter = app.client();
    squatter.sign_up("pat@example.com").await;
    let mut squatter = app.logged_in("pat@example.com", false).await;
    assert_eq!(squatter.get("/account").await.status, StatusCode::OK);

    // The owner opens the link from the mailbox, signed out.
    let link = app.link_in_mail("pat@example.com", "/confirm?token=").await;
    assert_eq!(app.client().get(&link).await.status, StatusCode::OK);
    assert!(redirects_to_login(&squatter.get("/account").await));
}

#[tokio::test]
async fn after_a_post_the_login_returns_to_the_home_page() {
    let app = TestApp::new().await;
    let response = app
        .client()
        .post("/account/password", &[("current_password", "x")])
        .await;
    assert_eq!(response.header("location"), Some("/login?next=/"));
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
