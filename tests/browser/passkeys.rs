//! Passkeys in Chromium, with DevTools' virtual authenticator standing in for a laptop's
//! built-in one: added on the account's passkeys page (reached by boosted navigation), then,
//! logged out, "Sign in with a passkey" signs in without typing anything.

use app::auth::db::Role;

use crate::common::{
    accounts::{PASSWORD, create_user},
    browser::{Browser, ServedApp},
};

const SIGNED_IN: &str = "return document.querySelector('.site-header .user') !== null;";

#[tokio::test]
async fn browser_a_passkey_added_on_the_account_signs_in_after_logging_out() {
    let app = ServedApp::start_on_localhost().await;
    let browser = Browser::start().await;
    let authenticator = browser.virtual_authenticator().await;
    create_user(&app.state.db, "ada@example.com", Role::User).await;
    browser.log_in(&app, "ada@example.com", PASSWORD).await;

    browser.client.goto(&app.url("/account")).await.unwrap();
    browser.click("a[href='/account/passkeys']").await;
    browser
        .wait_for("return document.querySelector('h1').textContent === 'Passkeys';")
        .await;
    browser.fill("#passkey-register-name", "Laptop").await;
    browser.click("#passkey-register button[type=submit]").await;
    browser
        .wait_for(
            "const input = document.querySelector('form.passkey-rename input[name=name]'); \
             return input !== null && input.value === 'Laptop';",
        )
        .await;
    assert_eq!(browser.virtual_credentials(&authenticator).await.len(), 1);

    browser.log_out().await;

    browser.client.goto(&app.url("/login")).await.unwrap();
    browser.click("#passkey-sign-in button[type=submit]").await;
    browser.wait_for(SIGNED_IN).await;
    let errors = browser.console_errors().await;
    assert!(errors.is_empty(), "{errors:?}");
    browser.close().await;
}
