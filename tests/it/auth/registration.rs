//! Signing up end to end, reading the links from the mail the app sends: confirmation,
//! answers that never tell whether an address is registered, escaping, and the on-blur check.

use crate::common;

use std::time::Duration;

use axum::http::StatusCode;
use common::{
    TestApp,
    accounts::{PASSWORD, redirects_to_login},
    deliver_mail, link_in,
    requests::on_blur,
    select,
    smtp::SmtpSink,
    test_config, text_of,
};
use mail_parser::MessageParser;

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
    deliver_mail(&app.state).await;
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
        select(
            &doc,
            ".site-header .account-menu form[action='/logout'] button"
        )
        .len(),
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

#[tokio::test]
async fn a_field_checked_on_blur_comes_back_whole_with_its_state() {
    let app = TestApp::new().await;
    let mut client = app.client();
    let form = [
        ("email", "A@b.co"),
        ("password", "short"),
        ("password_confirmation", ""),
    ];

    let bad = client
        .send(on_blur(
            "/auth/validate",
            "register-password",
            "password",
            &form,
        ))
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
        .send(on_blur("/auth/validate", "register-email", "email", &form))
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
        .send(on_blur(
            "/auth/validate",
            "change-email-email",
            "email",
            &[("email", "nope")],
        ))
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
        let refused = client
            .send(on_blur("/auth/validate", id, name, &form))
            .await;
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

    // The home page offers sign-up to visitors, and says the health link is JSON.
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
    // Someone signed in gets their own home, with nothing to sign up for.
    let member = ada.get("/").await.document();
    assert!(link_texts(&member).is_empty());
    assert!(select(&member, "main a[href='/register']").is_empty());
    assert_eq!(select(&member, "main .home-dashboard").len(), 1);
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
