//! The signed-in account page: changing the email address (confirmed at the new one, noticed
//! at the old) and the password (other sessions end, links sent before are retired).

use crate::common;

use axum::http::StatusCode;
use common::{
    TestApp,
    accounts::{PASSWORD, redirects_to_login},
    select,
};

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
