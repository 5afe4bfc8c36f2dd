//! Every page, in each state a visitor meets it, passes axe-core's WCAG 2.1 AA rules at 375
//! and 1280 px in both colour schemes and fits a phone (see `common::a11y`); an error low on
//! a long page is brought into view; links in a mailed message work from the dev mailbox.

use app::auth::db::Role;
use serde_json::Value;

use crate::common::{
    a11y::Audit,
    accounts::{PASSWORD, create_user},
    browser::{Browser, ServedApp},
    link_in,
};

/// The latest mail to `to`: its text part.
async fn last_mail_text(app: &ServedApp, to: &str) -> String {
    let (text,): (String,) = sqlx::query_as(
        "SELECT text_body FROM email_outbox WHERE $1 = ANY(to_addresses) \
         ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(to)
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    text
}

/// Submits the form `form` (its id) with `values` for its named fields, and waits for the
/// page that answers to show an error summary.
async fn submit_with_errors(browser: &Browser, form: &str, values: &[(&str, &str)]) {
    for (name, value) in values {
        browser
            .fill(&format!("form#{form} input[name={name}]"), value)
            .await;
    }
    browser
        .click(&format!("form#{form} button[type=submit]"))
        .await;
    browser
        .wait_for(&format!(
            "return document.querySelector('form#{form} [data-error-summary]') !== null;"
        ))
        .await;
}

#[tokio::test]
async fn browser_every_page_passes_axe_at_two_widths_in_both_schemes_and_fits_a_phone() {
    let app = ServedApp::start().await;
    let browser = Browser::start().await;
    let mut audit = Audit::new();
    let visit = async |path: &str| browser.client.goto(&app.url(path)).await.unwrap();

    for (name, path) in [
        ("home", "/"),
        ("login", "/login"),
        ("register", "/register"),
        ("password-forgot", "/password/forgot"),
        ("confirm-resend", "/confirm/resend"),
        ("not-found", "/no/such/page"),
    ] {
        visit(path).await;
        audit.page(&browser, name).await;
    }

    visit("/login").await;
    let wrong = [("email", "nobody@example.com"), ("password", "wrong one!")];
    submit_with_errors(&browser, "login", &wrong).await;
    audit.page(&browser, "login-failed").await;
    visit("/register").await;
    let invalid = [("email", "nope"), ("password", "short")];
    submit_with_errors(&browser, "register", &invalid).await;
    audit.page(&browser, "register-invalid").await;

    // A new password, through a mailed link.
    create_user(&app.state.db, "reset@example.com", Role::User).await;
    visit("/password/forgot").await;
    browser.fill("input[name=email]", "reset@example.com").await;
    browser.click("form button[type=submit]").await;
    browser
        .wait_for("return document.querySelector('h1').textContent === 'Check your email';")
        .await;
    audit.page(&browser, "check-your-email").await;
    let text = last_mail_text(&app, "reset@example.com").await;
    visit(&link_in(&text, "/password/reset?token=").unwrap()).await;
    audit.page(&browser, "password-reset").await;

    // Signed in before confirming: the banner asking to confirm.
    browser.sign_up(&app, "new@example.com", PASSWORD).await;
    browser.log_in(&app, "new@example.com", PASSWORD).await;
    browser
        .wait_for("return document.querySelector('.confirm-banner') !== null;")
        .await;
    audit.page(&browser, "home-unconfirmed").await;
    browser.log_out().await;

    // Signed in: an administrator with a long address, which the header must fit on a phone.
    let admin = "a.very.long.address.for.an.administrator@subdomain.example.com";
    create_user(&app.state.db, admin, Role::Admin).await;
    browser.log_in(&app, admin, PASSWORD).await;
    audit.page(&browser, "home-signed-in").await;
    // The home once there is something to show: counts, the latest contacts and files.
    sqlx::query(
        "WITH owner AS (SELECT id FROM users WHERE email = $1),          added AS (INSERT INTO contacts (owner_id, first_name, last_name)                    SELECT id, 'Ada', 'Lovelace' FROM owner)          INSERT INTO files (owner_id, original_name, content_type, size_bytes, sha256, storage_key)          SELECT id, 'notes.txt', 'text/plain', 1536, sha256('x'::bytea), 'files/' || gen_random_uuid()          FROM owner",
    )
    .bind(admin)
    .execute(&app.state.db)
    .await
    .unwrap();
    visit("/").await;
    audit.page(&browser, "home-dashboard").await;
    visit("/account").await;
    audit.page(&browser, "account").await;
    let wrong = [("email", "nope"), ("current_password", "not it at all")];
    submit_with_errors(&browser, "change-email", &wrong).await;
    audit.page(&browser, "account-email-invalid").await;
    visit("/account/passkeys").await;
    audit.page(&browser, "passkeys").await;
    visit("/admin/users").await;
    audit.page(&browser, "admin-users").await;
    visit("/account/sessions").await;
    audit.page(&browser, "account-sessions").await;
    visit("/account/delete").await;
    audit.page(&browser, "account-delete").await;

    // The dev mailbox with mail delivered and mail waiting.
    app.deliver_mail().await;
    visit("/account").await;
    browser
        .fill("form#change-email input[name=email]", "new@example.com")
        .await;
    browser
        .fill("form#change-email input[name=current_password]", PASSWORD)
        .await;
    browser.click("form#change-email button[type=submit]").await;
    browser
        .wait_for("return document.querySelector('.flash-message.__success') !== null;")
        .await;
    visit("/dev/mailbox").await;
    audit.page(&browser, "mailbox").await;
    browser.click(".record-list tbody tr a").await;
    browser
        .wait_for("return document.querySelector('pre.text a') !== null;")
        .await;
    audit.page(&browser, "mailbox-message").await;
    visit("/dev/mailbox/previews").await;
    audit.page(&browser, "mailbox-previews").await;

    browser.close().await;
    audit.assert_clean();
}

#[tokio::test]
async fn browser_a_rejected_form_low_on_a_page_is_brought_into_view_and_focused() {
    let app = ServedApp::start().await;
    let browser = Browser::start().await;
    create_user(&app.state.db, "ada@example.com", Role::User).await;
    browser.log_in(&app, "ada@example.com", PASSWORD).await;
    browser.client.goto(&app.url("/account")).await.unwrap();
    // A phone's height, so that the change-email form starts below the fold.
    browser.client.set_window_size(390, 700).await.unwrap();

    let wrong = [("email", "ada@new.example"), ("current_password", "wrong!")];
    submit_with_errors(&browser, "change-email", &wrong).await;
    browser
        .wait_for(
            "return document.activeElement.matches('form#change-email [data-error-summary]');",
        )
        .await;
    let visible = browser
        .eval(
            "const box = document.activeElement.getBoundingClientRect(); \
             return box.top >= 0 && box.top < window.innerHeight;",
        )
        .await;
    assert_eq!(
        visible,
        Value::Bool(true),
        "the error summary is out of view"
    );
    // Its link leads to the field in error.
    browser
        .click("form#change-email [data-error-summary] a")
        .await;
    browser
        .wait_for("return document.activeElement.id === 'change-email-current_password';")
        .await;
    browser.close().await;
}

#[tokio::test]
async fn browser_links_in_a_mailed_message_open_in_a_new_tab() {
    let app = ServedApp::start().await;
    let browser = Browser::start().await;
    browser.sign_up(&app, "eve@example.com", PASSWORD).await;

    browser.client.goto(&app.url("/dev/mailbox")).await.unwrap();
    browser.click(".record-list tbody tr a").await;
    browser
        .wait_for("return document.querySelector('iframe.frame') !== null;")
        .await;
    // The text part's address is a link.
    let href = browser
        .eval("return document.querySelector('pre.text a').getAttribute('href');")
        .await;
    assert!(href.as_str().unwrap().contains("/confirm?token="), "{href}");

    let windows = browser.client.windows().await.unwrap().len();
    browser.client.enter_frame(0).await.unwrap();
    browser
        .wait_for("return document.querySelector('a[href*=\"/confirm?token=\"]') !== null;")
        .await;
    browser.click("a[href*='/confirm?token=']").await;
    browser.client.enter_parent_frame().await.unwrap();
    for _ in 0..50 {
        if browser.client.windows().await.unwrap().len() > windows {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        browser.client.windows().await.unwrap().len(),
        windows + 1,
        "the link did not open a new tab"
    );
    // The mailbox page itself stayed where it was.
    assert!(
        browser
            .client
            .current_url()
            .await
            .unwrap()
            .path()
            .starts_with("/dev/mailbox/")
    );
    browser.close().await;
}

#[tokio::test]
async fn browser_sudo_mode_and_two_factor_pages_pass_axe() {
    let app = ServedApp::start().await;
    let browser = Browser::start().await;
    let mut audit = Audit::new();
    let visit = async |path: &str| browser.client.goto(&app.url(path)).await.unwrap();
    let now = || time::OffsetDateTime::now_utc().unix_timestamp();

    create_user(&app.state.db, "tf@example.com", Role::User).await;
    browser.log_in(&app, "tf@example.com", PASSWORD).await;
    visit("/account/confirm?next=/account").await;
    audit.page(&browser, "sudo").await;
    visit("/account/two-factor").await;
    audit.page(&browser, "two-factor-off").await;
    browser.click("form#two-factor-setup button").await;
    browser
        .wait_for("return document.querySelector('code.secret') !== null;")
        .await;
    audit.page(&browser, "two-factor-setup").await;
    let secret = browser
        .eval("return document.querySelector('code.secret').textContent;")
        .await;
    let secret = app::auth::two_factor::secret_from_text(secret.as_str().unwrap()).unwrap();
    // The current step's code stays good through the next step too, so a loaded machine
    // never sees it expire before the click (the previous step's could).
    let code = app::auth::two_factor::code_at(&secret, now()).unwrap();
    browser
        .fill("form#two-factor-enable input[name=code]", &code)
        .await;
    browser
        .click("form#two-factor-enable button[type=submit]")
        .await;
    browser
        .wait_for("return document.querySelector('ol.codes') !== null;")
        .await;
    audit.page(&browser, "two-factor-recovery-codes").await;
    visit("/account/two-factor").await;
    audit.page(&browser, "two-factor-on").await;
    visit("/account/confirm?next=/account").await;
    audit.page(&browser, "sudo-two-factor").await;

    browser.log_out().await;
    visit("/login").await;
    browser.fill("input[name=email]", "tf@example.com").await;
    browser.fill("input[name=password]", PASSWORD).await;
    browser.click("form#login button[type=submit]").await;
    browser
        .wait_for("return document.querySelector('form#login-two-factor') !== null;")
        .await;
    audit.page(&browser, "login-two-factor").await;

    browser.close().await;
    audit.assert_clean();
}
