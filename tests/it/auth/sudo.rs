//! Sudo mode: a sensitive action within `SUDO_WINDOW_SECS` of signing in goes through; past
//! it, the answer asks for the password, refuses (and counts) a wrong one, and with the right
//! one does the action with what the user had typed.

use std::time::Duration;

use crate::common;

use app::auth::db::Role;
use axum::http::{Method, StatusCode};
use common::{TestApp, TestClient, accounts::PASSWORD, select, test_config};
use uuid::Uuid;

/// An app whose sudo window is one second, and a user signed in to it more than a second ago.
async fn lapsed(email: &str) -> TestApp {
    let app = TestApp::with_config(test_config(&[("SUDO_WINDOW_SECS", "1")])).await;
    app.confirmed_user(email).await;
    app
}

async fn wait_out_the_window() {
    tokio::time::sleep(Duration::from_millis(1100)).await;
}

async fn failed_logins(app: &TestApp, email: &str) -> i32 {
    sqlx::query_scalar("SELECT failed_logins FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(&app.state.db)
        .await
        .unwrap()
}

/// The hidden inputs of the confirmation form, by name.
fn kept(response: &common::TestResponse) -> Vec<(String, String)> {
    let doc = response.document();
    select(&doc, "form#sudo input[type=hidden]")
        .iter()
        .map(|input| {
            (
                input.attr("name").unwrap().to_owned(),
                input.attr("value").unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn within_the_window_the_action_goes_through_without_asking() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    let changed = ada.change_password("a brand new passphrase").await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER);
    assert_eq!(changed.header("location"), Some("/account"));
}

#[tokio::test]
async fn past_the_window_the_form_asks_then_goes_through_with_the_input_kept() {
    let app = lapsed("bea@example.com").await;
    let mut bea = app.logged_in("bea@example.com", false).await;
    wait_out_the_window().await;

    let form = [("email", "bea@new.example"), ("current_password", PASSWORD)];
    let asked = bea.post("/account/email", &form).await;
    assert_eq!(asked.status, StatusCode::OK);
    let doc = asked.document();
    assert_eq!(
        select(&doc, "form#sudo")[0].attr("action"),
        Some("/account/email")
    );
    assert_eq!(select(&doc, "#sudo-sudo_password").len(), 1);
    let hidden = kept(&asked);
    assert_eq!(
        hidden,
        [
            ("email".to_owned(), "bea@new.example".to_owned()),
            ("current_password".to_owned(), PASSWORD.to_owned()),
        ]
    );
    assert!(app.mail_to("bea@new.example").await.is_empty(), "not done");

    let mut resubmit: Vec<(&str, &str)> = hidden
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    resubmit.push(("sudo_password", "not my password"));
    let refused = bea.post("/account/email", &resubmit).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let doc = refused.document();
    assert_eq!(select(&doc, "#sudo-sudo_password-error").len(), 1);
    assert_eq!(kept(&refused), hidden, "the input is still kept");
    assert_eq!(failed_logins(&app, "bea@example.com").await, 1);
    assert!(app.mail_to("bea@new.example").await.is_empty());

    resubmit.pop();
    resubmit.push(("sudo_password", PASSWORD));
    let done = bea.post("/account/email", &resubmit).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    assert_eq!(done.header("location"), Some("/account"));
    app.link_in_mail("bea@new.example", "/confirm?token=").await;
    assert_eq!(failed_logins(&app, "bea@example.com").await, 0);
}

#[tokio::test]
async fn a_password_change_past_the_window_is_done_after_confirming() {
    let app = lapsed("cy@example.com").await;
    let mut cy = app.logged_in("cy@example.com", false).await;
    wait_out_the_window().await;
    let new = "another long passphrase";
    let asked = cy.change_password(new).await;
    assert_eq!(asked.status, StatusCode::OK);
    let mut resubmit: Vec<(String, String)> = kept(&asked);
    resubmit.push(("sudo_password".into(), PASSWORD.into()));
    let fields: Vec<(&str, &str)> = resubmit
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    let done = cy.post("/account/password", &fields).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    let relogin = app
        .client()
        .post("/login", &[("email", "cy@example.com"), ("password", new)])
        .await;
    assert_eq!(relogin.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn kept_input_is_escaped() {
    let app = lapsed("di@example.com").await;
    let mut di = app.logged_in("di@example.com", false).await;
    wait_out_the_window().await;
    let asked = di
        .post(
            "/account/email",
            &[("email", "\"><script>alert(1)</script>"), ("x", "<b>")],
        )
        .await;
    assert_eq!(asked.status, StatusCode::OK);
    assert!(!asked.text().contains("<script>alert(1)"));
    assert!(select(&asked.document(), "b").is_empty());
    assert_eq!(kept(&asked)[0].1, "\"><script>alert(1)</script>");
}

#[tokio::test]
async fn an_htmx_request_for_a_fragment_goes_to_the_confirmation_page_and_back() {
    let app = lapsed("eve@example.com").await;
    let mut eve = app.logged_in("eve@example.com", false).await;
    wait_out_the_window().await;
    let request = axum::http::Request::builder()
        .method(Method::POST)
        .uri("/account/email")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("hx-request", "true")
        .header("hx-target", "somewhere")
        .header("hx-current-url", "http://localhost:3000/account?tab=email")
        .body(axum::body::Body::from("email=eve%40new.example"))
        .unwrap();
    let answer = eve.send(request).await;
    assert_eq!(
        answer.header("hx-redirect"),
        Some("/account/confirm?next=/account%3Ftab%3Demail")
    );

    let page = eve
        .get("/account/confirm?next=/account%3Ftab%3Demail")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(kept(&page), [("next".into(), "/account?tab=email".into())]);
    let wrong = eve
        .post(
            "/account/confirm",
            &[
                ("next", "/account?tab=email"),
                ("sudo_password", "nope nope"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let right = eve
        .post(
            "/account/confirm",
            &[("next", "//evil.example"), ("sudo_password", PASSWORD)],
        )
        .await;
    assert_eq!(right.status, StatusCode::SEE_OTHER);
    assert_eq!(right.header("location"), Some("/"), "only local paths");
    assert_eq!(failed_logins(&app, "eve@example.com").await, 0);
}

#[tokio::test]
async fn wrong_confirmations_lock_the_account_like_wrong_sign_ins() {
    let app = lapsed("flo@example.com").await;
    let mut flo = app.logged_in("flo@example.com", false).await;
    wait_out_the_window().await;
    for _ in 0..app::auth::LOCK_AFTER_FAILURES {
        let wrong = flo
            .post("/account/confirm", &[("sudo_password", "a wrong guess")])
            .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let locked: bool = sqlx::query_scalar(
        "SELECT locked_until > now() FROM users WHERE email = 'flo@example.com'",
    )
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    assert!(locked);
    assert!(
        app.mail_to("flo@example.com")
            .await
            .iter()
            .any(|(subject, _)| subject.contains("locked"))
    );
    let right = flo
        .post("/account/confirm", &[("sudo_password", PASSWORD)])
        .await;
    assert_eq!(
        right.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a locked account confirms nothing"
    );
}

async fn failed_job(app: &TestApp) -> Uuid {
    let mut tx = app.state.db.begin().await.unwrap();
    let content = app::auth::emails::password_reset(&app::auth::emails::PasswordReset {
        name: None,
        link: "http://localhost/x",
    });
    app.state
        .mailer
        .enqueue(&mut tx, "x@example.com".parse().unwrap(), content)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    sqlx::query_scalar(
        "UPDATE jobs SET status = 'failed', attempts = max_attempts, finished_at = now() \
         WHERE kind = 'email-delivery' RETURNING id",
    )
    .fetch_one(&app.state.db)
    .await
    .unwrap()
}

async fn job_status(app: &TestApp, job: Uuid) -> String {
    sqlx::query_scalar("SELECT status::text FROM jobs WHERE id = $1")
        .bind(job)
        .fetch_one(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_administrator_action_past_the_window_asks_first() {
    let app = TestApp::with_config(test_config(&[("SUDO_WINDOW_SECS", "1")])).await;
    app.user_with_role("root@example.com", Role::Admin).await;
    let mut root: TestClient<'_> = app.logged_in("root@example.com", false).await;
    let job = failed_job(&app).await;
    wait_out_the_window().await;
    let retry = format!("/admin/dashboard/jobs/{job}/retry");
    let asked = root.post(&retry, &[]).await;
    assert_eq!(asked.status, StatusCode::OK);
    assert_eq!(
        select(&asked.document(), "form#sudo")[0].attr("action"),
        Some(retry.as_str())
    );
    assert_eq!(job_status(&app, job).await, "failed");
    let done = root.post(&retry, &[("sudo_password", PASSWORD)]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(job_status(&app, job).await, "queued");
}

#[tokio::test]
async fn every_form_with_a_password_names_the_account_for_password_managers() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    for path in ["/account", "/account/confirm?next=/account"] {
        let doc = ada.get(path).await.document();
        let within = |form: &scraper::ElementRef<'_>, selector: &str| {
            form.select(&scraper::Selector::parse(selector).unwrap())
                .map(|input| input.value().clone())
                .collect::<Vec<_>>()
        };
        let forms: Vec<_> = select(&doc, "form")
            .into_iter()
            .filter(|form| !within(form, "input[type=password]").is_empty())
            .collect();
        assert!(!forms.is_empty(), "{path}");
        for form in forms {
            let id = form.attr("id").unwrap_or_default();
            let usernames: Vec<_> = within(&form, "input[autocomplete=username]")
                .into_iter()
                .map(|input| {
                    // Present for the password manager, never shown nor sent.
                    assert!(input.attr("hidden").is_some(), "{path} #{id}");
                    assert!(input.attr("name").is_none(), "{path} #{id}");
                    input.attr("value").unwrap().to_owned()
                })
                .collect();
            assert_eq!(usernames, ["ada@example.com"], "{path} #{id}");
        }
    }
}
