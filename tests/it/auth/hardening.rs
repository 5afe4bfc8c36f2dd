//! The findings of an adversarial pass over the accounts, each pinned: concurrent failures
//! cannot bypass the lockout, hostile addresses are a 422 (never a 500, never an alias of
//! another address), every mail-sending form has its own per-IP budget, a valid reset link
//! is never rate limited, oversized bodies are refused at once, production cookies are
//! `__Host-` (tests/pages.rs), and the on-blur check judges a field as the submit does.

use crate::common;

use std::{net::IpAddr, time::Duration};

use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use common::{TestApp, accounts::PASSWORD, requests::on_blur, select, test_config, text_of};

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn concurrent_wrong_passwords_lock_once_and_the_right_one_then_fails() {
    let app = TestApp::new().await;
    app.confirmed_user("ada@example.com").await;
    // Twenty wrong passwords at once, from twenty addresses (no per-IP limit helps).
    let attempts = (0..20u8).map(|n| {
        let app = &app;
        async move {
            let mut client = app.client();
            client.ip = IpAddr::from([198, 51, 100, n]);
            client
                .post(
                    "/login",
                    &[
                        ("email", "ada@example.com"),
                        ("password", "wrong password!"),
                    ],
                )
                .await
                .status
        }
    });
    let statuses = futures_join_all(attempts).await;
    assert!(
        statuses
            .iter()
            .all(|status| *status == StatusCode::UNPROCESSABLE_ENTITY)
    );

    let right = app
        .client()
        .post(
            "/login",
            &[("email", "ada@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(
        right.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a locked account let us in"
    );
    let locked_mails = app
        .mail_to("ada@example.com")
        .await
        .into_iter()
        .filter(|(subject, _)| subject.contains("locked"))
        .count();
    assert_eq!(locked_mails, 1);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM users WHERE locked_until > now()"
        )
        .await,
        1
    );
}

/// `join_all` without another dependency: the futures run concurrently on this task.
async fn futures_join_all<F: std::future::Future>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output> {
    let mut pending: Vec<_> = futures.map(|future| Some(Box::pin(future))).collect();
    let mut results: Vec<Option<F::Output>> = (0..pending.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for (slot, result) in pending.iter_mut().zip(results.iter_mut()) {
            if let Some(future) = slot {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(output) => {
                        *result = Some(output);
                        *slot = None;
                    }
                    std::task::Poll::Pending => done = false,
                }
            }
        }
        if done {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    results.into_iter().map(Option::unwrap).collect()
}

#[tokio::test]
async fn hostile_addresses_are_refused_on_every_form_with_a_422() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    let hostile = [
        "a\u{0}b@x.test",
        "a\u{1}b@x.test",
        "\"a b\"@example.com",
        "\"<script>\"@example.com",
        "user@[127.0.0.1]",
        "\"victim\"@x.test",
    ];
    for email in hostile {
        let mut client = app.client();
        let register = client
            .post(
                "/register",
                &[
                    ("email", email),
                    ("password", PASSWORD),
                    ("password_confirmation", PASSWORD),
                ],
            )
            .await;
        assert_eq!(
            register.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "register {email:?}"
        );
        let doc = register.document();
        assert!(!text_of(&select(&doc, "#register-email-error")[0]).is_empty());

        let login = client
            .post("/login", &[("email", email), ("password", PASSWORD)])
            .await;
        assert_eq!(
            login.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "login {email:?}"
        );
        for form in ["/password/forgot", "/confirm/resend"] {
            let response = client.post(form, &[("email", email)]).await;
            assert_eq!(
                response.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{form} {email:?}"
            );
        }
        let change = ada
            .post(
                "/account/email",
                &[("email", email), ("current_password", PASSWORD)],
            )
            .await;
        assert_eq!(
            change.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "change {email:?}"
        );
    }
    assert_eq!(count(&app, "SELECT count(*) FROM users").await, 1);
    assert_eq!(count(&app, "SELECT count(*) FROM email_outbox").await, 0);
}

#[tokio::test]
async fn aliases_of_an_address_do_not_make_new_accounts() {
    let app = TestApp::new().await;
    for email in ["victim@x.test", "VICTIM@x.test", " victim@X.TEST "] {
        let response = app.client().sign_up(email).await;
        assert_eq!(response.status, StatusCode::OK, "{email}");
    }
    for alias in ["\"victim\"@x.test", "\"\\victim\"@x.test"] {
        let response = app.client().sign_up(alias).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{alias}");
    }
    assert_eq!(count(&app, "SELECT count(*) FROM users").await, 1);
}

#[tokio::test]
async fn each_mail_sending_form_has_its_own_per_ip_budget() {
    let app = TestApp::new().await;
    let mut client = app.client();
    // Ten resends (each to a different address, so no per-address limit applies)...
    for n in 0..10 {
        let email = format!("r{n}@example.com");
        let response = client.post("/confirm/resend", &[("email", &email)]).await;
        assert_eq!(response.status, StatusCode::OK);
    }
    let over = client
        .post("/confirm/resend", &[("email", "r10@example.com")])
        .await;
    assert_eq!(over.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(over.header("retry-after").is_some());
    // ...leave the reset request untouched.
    let forgot = client
        .post("/password/forgot", &[("email", "someone@example.com")])
        .await;
    assert_eq!(forgot.status, StatusCode::OK);
}

#[tokio::test]
async fn a_valid_reset_link_works_after_the_mail_budgets_are_spent() {
    let app = TestApp::new().await;
    app.confirmed_user("ada@example.com").await;
    let mut client = app.client();
    client
        .post("/password/forgot", &[("email", "ada@example.com")])
        .await;
    let link = app
        .link_in_mail("ada@example.com", "/password/reset?token=")
        .await;
    for n in 0..10 {
        let email = format!("f{n}@example.com");
        client.post("/password/forgot", &[("email", &email)]).await;
        client.post("/confirm/resend", &[("email", &email)]).await;
    }
    assert_eq!(
        client
            .post("/password/forgot", &[("email", "more@example.com")])
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS
    );
    let reset = client
        .post(
            &link,
            &[
                ("password", "a brand new password"),
                ("password_confirmation", "a brand new password"),
            ],
        )
        .await;
    assert_eq!(reset.status, StatusCode::SEE_OTHER, "{}", reset.text());
}

#[tokio::test]
async fn an_email_change_is_limited_per_client_address() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    // Different users behind one address: the per-IP budget is the one that runs out.
    for n in 0..10 {
        let email = format!("new{n}@example.com");
        let response = ada
            .post(
                "/account/email",
                &[("email", &email), ("current_password", PASSWORD)],
            )
            .await;
        if n < 5 {
            assert_eq!(response.status, StatusCode::SEE_OTHER, "{n}");
        } else {
            // Five per user per hour.
            assert_eq!(response.status, StatusCode::TOO_MANY_REQUESTS, "{n}");
        }
    }
    let mut bo = app.signed_in("bo@example.com").await;
    let mut over = None;
    for n in 0..10 {
        let email = format!("bo{n}@example.com");
        let response = bo
            .post(
                "/account/email",
                &[("email", &email), ("current_password", PASSWORD)],
            )
            .await;
        if response.status == StatusCode::TOO_MANY_REQUESTS {
            over = Some(n);
            break;
        }
    }
    // Ada's ten attempts counted against the address too: Bo is stopped at the budget of 10.
    assert_eq!(over, Some(0));
}

#[tokio::test]
async fn the_on_blur_check_and_the_submit_give_the_same_message() {
    let app = TestApp::new().await;
    let mut client = app.client();
    let cases = [
        (
            "email",
            "a\u{0}b@x.test",
            "ok password here",
            "ok password here",
        ),
        (
            "email",
            "\"quoted\"@x.test",
            "ok password here",
            "ok password here",
        ),
        ("password", "ada@example.com", "short", "short"),
        (
            "password",
            "ada@example.com",
            "ADA@example.com",
            "ADA@example.com",
        ),
        (
            "password_confirmation",
            "ada@example.com",
            "long enough one",
            "different one!",
        ),
    ];
    for (field, email, password, confirmation) in cases {
        let form = [
            ("email", email),
            ("password", password),
            ("password_confirmation", confirmation),
        ];
        let submitted = client.post("/register", &form).await;
        assert_eq!(submitted.status, StatusCode::UNPROCESSABLE_ENTITY);
        let doc = submitted.document();
        let on_submit = text_of(&select(&doc, &format!("#register-{field}-error"))[0]);
        assert!(!on_submit.is_empty(), "{field}: no error on submit");

        let blurred = client
            .send(on_blur(
                "/auth/validate",
                &format!("register-{field}"),
                field,
                &form,
            ))
            .await;
        assert_eq!(blurred.status, StatusCode::OK);
        let fragment = blurred.fragment();
        let checked = text_of(&select(&fragment, &format!("#register-{field}-error"))[0]);
        assert_eq!(checked, on_submit, "{field}");
    }
}

#[tokio::test]
async fn the_on_blur_check_reads_only_a_small_body() {
    let app = TestApp::new().await;
    let huge = format!("password={}", "x".repeat(1 << 20));
    let response = app
        .request(
            Request::post("/auth/validate")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("sec-fetch-site", "same-origin")
                .header("hx-trigger", "register-password")
                .header("hx-trigger-name", "password")
                .body(Body::from(huge))
                .unwrap(),
        )
        .await;
    assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn a_declared_body_over_the_limit_is_refused_before_it_is_read() {
    let app = TestApp::with_config(test_config(&[("REQUEST_TIMEOUT_SECS", "5")])).await;
    // The body never comes: only the declared length can answer in time.
    let (_writer, reader) = tokio::io::duplex(64);
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(reader));
    let started = std::time::Instant::now();
    let response = app
        .request(
            Request::post("/login")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("content-length", "100000000")
                .header("sec-fetch-site", "same-origin")
                .body(body)
                .unwrap(),
        )
        .await;
    assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(response.text().contains("too large"));
}

#[tokio::test]
async fn a_lock_set_while_the_password_is_being_checked_still_holds() {
    let app = TestApp::new().await;
    app.confirmed_user("ada@example.com").await;
    let mut client = app.client();
    let login = client.post(
        "/login",
        &[("email", "ada@example.com"), ("password", PASSWORD)],
    );
    // The lock lands after the account was read, while its password hash is computed: a
    // check on the copy read before hashing would let this sign-in through.
    let lock = async {
        tokio::time::sleep(Duration::from_millis(5)).await;
        sqlx::query("UPDATE users SET locked_until = now() + interval '15 minutes'")
            .execute(&app.db.pool)
            .await
            .unwrap();
    };
    let (response, ()) = tokio::join!(login, lock);
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn invalid_forms_cost_no_rate_limit_budget() {
    let app = TestApp::new().await;
    let mut client = app.client();
    for _ in 0..12 {
        for form in ["/password/forgot", "/confirm/resend"] {
            let response = client.post(form, &[("email", "not an address")]).await;
            assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
        }
    }
    for form in ["/password/forgot", "/confirm/resend"] {
        let response = client.post(form, &[("email", "ada@example.com")]).await;
        assert_eq!(response.status, StatusCode::OK, "{form}");
    }
}

#[tokio::test]
async fn guesses_of_the_current_password_are_limited_per_user() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    let guess = [
        ("current_password", "not my password"),
        ("password", "a brand new password"),
        ("password_confirmation", "a brand new password"),
    ];
    for _ in 0..30 {
        let response = ada.post("/account/password", &guess).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let over = ada.post("/account/password", &guess).await;
    assert_eq!(over.status, StatusCode::TOO_MANY_REQUESTS);
    let email = ada
        .post(
            "/account/email",
            &[("email", "new@example.com"), ("current_password", PASSWORD)],
        )
        .await;
    assert_eq!(
        email.status,
        StatusCode::TOO_MANY_REQUESTS,
        "one budget for both forms"
    );
}

#[tokio::test]
async fn a_route_with_a_smaller_limit_refuses_a_declared_body_over_it_at_once() {
    let app = TestApp::with_config(test_config(&[("REQUEST_TIMEOUT_SECS", "5")])).await;
    let (_writer, reader) = tokio::io::duplex(64);
    let started = std::time::Instant::now();
    let response = app
        .request(
            Request::post("/auth/validate")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("content-length", "100000")
                .header("sec-fetch-site", "same-origin")
                .header("hx-trigger-name", "password")
                .body(Body::from_stream(tokio_util::io::ReaderStream::new(reader)))
                .unwrap(),
        )
        .await;
    assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(started.elapsed() < Duration::from_secs(2));
}

/// Sends `form` to `path` from `ip` until it is refused; how many got through.
async fn accepted_before_429(
    app: &TestApp,
    path: &str,
    form: impl Fn(u32) -> Vec<(&'static str, String)>,
    ip: impl Fn(u32) -> IpAddr,
) -> u32 {
    for n in 0..100 {
        let mut client = app.client();
        client.ip = ip(n);
        let form = form(n);
        let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        if client.post(path, &fields).await.status == StatusCode::TOO_MANY_REQUESTS {
            return n;
        }
    }
    panic!("{path} was never limited");
}

fn one_ip(_: u32) -> IpAddr {
    IpAddr::from([203, 0, 113, 9])
}

fn many_ips(n: u32) -> IpAddr {
    IpAddr::from([198, 51, 100, u8::try_from(n).unwrap()])
}

#[tokio::test]
async fn the_documented_limits_hold_for_each_form() {
    let app = TestApp::new().await;
    let address = |n: u32| format!("someone{n}@example.com");
    let password = || PASSWORD.to_owned();

    // Sign-up: 10 per hour per IP, 5 per hour per address.
    let sign_up = |email: String| {
        vec![
            ("email", email),
            ("password", password()),
            ("password_confirmation", password()),
        ]
    };
    assert_eq!(
        accepted_before_429(&app, "/register", |n| sign_up(address(n)), one_ip).await,
        10
    );
    let same = |_| sign_up("same@example.com".into());
    assert_eq!(
        accepted_before_429(&app, "/register", same, many_ips).await,
        5
    );

    // Confirmation resend and reset request: 5 per hour per address.
    for path in ["/confirm/resend", "/password/forgot"] {
        let form = |_| vec![("email", "target@example.com".to_owned())];
        assert_eq!(
            accepted_before_429(&app, path, form, many_ips).await,
            5,
            "{path}"
        );
    }

    // Login: 30 per 15 minutes per address (an unknown one: no lockout in the way).
    let login = |_| {
        vec![
            ("email", "nobody@example.com".to_owned()),
            ("password", "wrong password".to_owned()),
        ]
    };
    assert_eq!(
        accepted_before_429(&app, "/login", login, many_ips).await,
        30
    );

    // A reset link that does not check out: 30 per 15 minutes per IP.
    let bad_link = "/password/reset?token=0.0";
    let reset = |_| {
        vec![
            ("password", password()),
            ("password_confirmation", password()),
        ]
    };
    assert_eq!(accepted_before_429(&app, bad_link, reset, one_ip).await, 30);
}

#[tokio::test]
async fn an_email_change_is_limited_per_new_address() {
    let app = TestApp::new().await;
    let mut refused = None;
    for n in 0..7 {
        let mut user = app.signed_in(&format!("user{n}@example.com")).await;
        user.ip = many_ips(n);
        let response = user
            .post(
                "/account/email",
                &[
                    ("email", "wanted@example.com"),
                    ("current_password", PASSWORD),
                ],
            )
            .await;
        if response.status == StatusCode::TOO_MANY_REQUESTS {
            refused = Some(n);
            break;
        }
    }
    assert_eq!(refused, Some(5));
}
