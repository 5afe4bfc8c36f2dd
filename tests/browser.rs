//! The app in a real browser: the stylesheet applies, htmx loads and runs under the strict
//! CSP without a single console error, an htmx error lands in the alerts region, the account
//! flows work end to end with on-blur checks; (in `browser/accessibility.rs`) every page
//! passes axe at a phone's and a desktop's width in both colour schemes; and (in
//! `browser/contacts.rs`) the contacts list's htmx interactions work; (in
//! `browser/controls.rs`) buttons, boxes and marks have their states and the theme switcher
//! works; (in `browser/contacts_export.rs`) an export's progress arrives over the live stream; (in
//! `browser/files.rs`) uploads show their thumbnails; (in `browser/live.rs`) two tabs see
//! each other's changes live; (in `browser/lists.rs`) lists are a line per row on a desktop,
//! two on a phone, with a selection bar; (in `browser/passkeys.rs`) a passkey is added and
//! signs in, through Chromium's virtual authenticator; (in `browser/reflow.rs`) long unbroken
//! text never widens a phone's page; and (in `browser/shell.rs`) the header's menus and the
//! phone's one-row header work.

// Integration tests: unwrapping is how a failed step reports itself.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "browser/accessibility.rs"]
mod accessibility;
// The integration tests' harness, shared.
#[path = "it/common/mod.rs"]
mod common;
#[path = "browser/contacts.rs"]
mod contacts;
#[path = "browser/contacts_export.rs"]
mod contacts_export;
#[path = "browser/controls.rs"]
mod controls;
#[path = "browser/files.rs"]
mod files;
#[path = "browser/lists.rs"]
mod lists;
#[path = "browser/live.rs"]
mod live;
#[path = "browser/passkeys.rs"]
mod passkeys;
#[path = "browser/reflow.rs"]
mod reflow;
#[path = "browser/shell.rs"]
mod shell;

use common::{
    a11y::Audit,
    browser::{Browser, ServedApp},
};
use serde_json::Value;

#[tokio::test]
async fn browser_home_page_renders_styled_with_htmx_and_no_console_errors() {
    let app = ServedApp::start().await;
    let browser = Browser::start().await;

    browser.client.goto(&app.url("/")).await.unwrap();
    browser
        .wait_for("return document.readyState === 'complete' && typeof htmx !== 'undefined';")
        .await;
    assert_eq!(
        browser.eval("return htmx.version;").await,
        Value::from("2.0.11")
    );

    // The hashed stylesheet loaded and its rules apply (base custom properties and a
    // component's own fragment).
    let display = browser
        .eval("return getComputedStyle(document.querySelector('.site-header')).display;")
        .await;
    assert_eq!(display, Value::from("flex"));
    let accent = browser
        .eval("return getComputedStyle(document.documentElement).getPropertyValue('--color-accent').trim();")
        .await;
    assert_ne!(accent, Value::from(""));
    // htmx read its config from the meta tag and injected no <style> of its own.
    assert_eq!(
        browser
            .eval("return htmx.config.includeIndicatorStyles;")
            .await,
        Value::Bool(false)
    );
    assert_eq!(
        browser
            .eval("return document.querySelectorAll('style').length;")
            .await,
        Value::from(0)
    );

    let errors = browser.console_errors().await;
    assert!(
        errors.is_empty(),
        "console errors on the home page: {errors:#?}"
    );

    // An htmx request that fails shows its notice in #alerts (HX-Retarget), page intact.
    browser
        .eval("htmx.ajax('GET', '/no/such/page', {target: '#main'}); return true;")
        .await;
    browser
        .wait_for("return document.querySelector('#alerts .flash-message.__error') !== null;")
        .await;
    assert_eq!(
        browser
            .eval("return document.querySelector('#main h1').textContent;")
            .await,
        Value::from("Your application starts here")
    );

    browser.close().await;
}

#[tokio::test]
async fn browser_register_confirm_through_the_mailbox_then_log_in_and_out() {
    let app = ServedApp::start().await;
    let browser = Browser::start().await;
    let mut audit = Audit::new();
    let passphrase = "a long enough passphrase";

    browser.client.goto(&app.url("/register")).await.unwrap();
    browser.fill("input[name=email]", "eve@example.com").await;
    // A too-short password is flagged as soon as the field loses focus: the whole field is
    // swapped, so its input is marked invalid and described by the error, and it keeps what
    // was typed (the server never sends a password back); focus stays where the user went.
    browser.fill("input[name=password]", "short").await;
    browser.click("input[name=password_confirmation]").await;
    browser
        .wait_for(
            "const input = document.querySelector('#register-password'); \
             return input.getAttribute('aria-invalid') === 'true' \
                 && input.closest('.form-field').classList.contains('__invalid') \
                 && input.getAttribute('aria-describedby').includes('register-password-error') \
                 && document.querySelector('#register-password-error').textContent.length > 0;",
        )
        .await;
    assert_eq!(
        browser
            .eval(
                "return [document.querySelector('#register-password').value, \
                         document.activeElement.id, \
                         document.querySelector('#register-announce').textContent];"
            )
            .await,
        serde_json::json!([
            "short",
            "register-password_confirmation",
            "Password: Use at least 10 characters."
        ])
    );
    audit.page(&browser, "register-blur-error").await;
    // Fixed, the field loses its error state as a whole.
    browser.fill("input[name=password]", passphrase).await;
    browser
        .fill("input[name=password_confirmation]", passphrase)
        .await;
    browser
        .wait_for(
            "const input = document.querySelector('#register-password'); \
             return !input.hasAttribute('aria-invalid') \
                 && !input.closest('.form-field').classList.contains('__invalid') \
                 && document.querySelector('#register-password-error') === null;",
        )
        .await;
    assert_eq!(
        browser
            .eval("return document.querySelector('#register-password').value;")
            .await,
        Value::from(passphrase)
    );
    browser.click("form button[type=submit]").await;
    browser
        .wait_for("return document.querySelector('h1').textContent === 'Check your email';")
        .await;

    // Read the confirmation link in the dev mailbox, as a developer would.
    browser.client.goto(&app.url("/dev/mailbox")).await.unwrap();
    browser.click(".record-list tbody tr a").await;
    browser
        .wait_for("return document.querySelector('pre.text') !== null;")
        .await;
    let text = browser
        .eval("return document.querySelector('pre.text').textContent;")
        .await;
    let link = text
        .as_str()
        .unwrap()
        .split_whitespace()
        .find(|word| word.contains("/confirm?token="))
        .unwrap()
        .replace("http://localhost:3000", &app.base_url);
    browser.client.goto(&link).await.unwrap();
    browser
        .wait_for("return document.querySelector('h1').textContent.includes('confirmed');")
        .await;
    audit.page(&browser, "confirmed").await;

    browser.client.goto(&app.url("/login")).await.unwrap();
    browser.fill("input[name=email]", "eve@example.com").await;
    browser.fill("input[name=password]", passphrase).await;
    browser.click("form button[type=submit]").await;
    browser
        .wait_for(
            "return document.querySelector('.site-header .user .email')?.textContent === 'eve@example.com';",
        )
        .await;

    browser.log_out().await;
    let errors = browser.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:#?}");
    browser.close().await;
    audit.assert_clean();
}
