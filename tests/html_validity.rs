//! Every page the app renders, in each state it can be in (anonymous, signed in, admin,
//! unconfirmed, a form with errors, each kind of error page), is valid HTML: the Nu Html
//! Checker reports no error. The pages are collected into one folder and the checker runs
//! once over all of them (it is a Java program: starting it per page would be slow).
//!
//! Needs Java and npm's `vnu-jar` (see `common::checkers`); without them the test fails and
//! says how to install them.
//!
//! The HTML of an email (`/dev/mailbox/{id}/html`) is not checked: email clients need the
//! table attributes HTML has made obsolete. It is shown only inside a sandboxed frame.

// Integration tests: unwrapping is how a failed step reports itself.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

// The integration tests' harness, shared.
#[path = "it/common/mod.rs"]
mod common;

use std::path::PathBuf;

use app::{AppState, auth::db::Role, error::AppError};
use axum::{Router, body::Body, http::Request, http::StatusCode, routing::get};
use common::{
    TestApp, TestClient, TestResponse,
    accounts::PASSWORD,
    checkers, test_config,
    uploads::{Part, TestStorage, png},
};

/// The pages of one run, written to a folder of their own.
struct Pages {
    dir: PathBuf,
    names: Vec<String>,
}

impl Pages {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("html-validity-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        Self {
            dir,
            names: Vec::new(),
        }
    }

    /// Keeps `response`, which must have `status` and be a whole document, as `name`.
    fn keep(&mut self, name: &str, status: StatusCode, response: &TestResponse) {
        let text = response.text();
        assert_eq!(response.status, status, "{name}: {text}");
        assert!(
            text.starts_with("<!DOCTYPE html>"),
            "{name} is not a whole page: {text}"
        );
        assert!(!self.names.iter().any(|kept| kept == name), "{name} twice");
        std::fs::write(self.dir.join(format!("{name}.html")), text).unwrap();
        self.names.push(name.to_owned());
    }
}

const OK: StatusCode = StatusCode::OK;
const INVALID: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;

/// The app's routes, plus ones that fail inside, for the 500 and 503 pages.
fn routes() -> Router<AppState> {
    app::routes()
        .route(
            "/test/internal",
            get(|| async { AppError::Internal(anyhow::anyhow!("broken")) }),
        )
        .route(
            "/test/unavailable",
            get(|| async { AppError::Unavailable("database") }),
        )
}

#[tokio::test]
async fn every_page_in_every_state_is_valid_html() {
    let app = TestApp::with_routes(test_config(&[]), routes()).await;
    let mut pages = Pages::new();

    anonymous_pages(&app, &mut pages).await;
    account_pages(&app, &mut pages).await;
    two_factor_pages(&app, &mut pages).await;
    contacts_pages(&app, &mut pages).await;
    admin_and_mailbox_pages(&app, &mut pages).await;
    error_pages(&app, &mut pages).await;
    files_pages(&mut pages).await;

    let errors = checkers::html_errors(&pages.dir);
    assert!(
        errors.is_empty(),
        "the Nu Html Checker found {} errors in {} pages (kept in {}):\n{}",
        errors.len(),
        pages.names.len(),
        pages.dir.display(),
        errors.join("\n")
    );
    std::fs::remove_dir_all(&pages.dir).unwrap();
}

async fn anonymous_pages(app: &TestApp, pages: &mut Pages) {
    let mut anon = app.client();
    for (name, path) in [
        ("home", "/"),
        ("login", "/login"),
        ("register", "/register"),
        ("password-forgot", "/password/forgot"),
        ("confirm-resend", "/confirm/resend"),
    ] {
        pages.keep(name, OK, &anon.get(path).await);
    }
    let bad_email = [("email", "not an address")];
    for (name, path) in [
        ("password-forgot-invalid", "/password/forgot"),
        ("confirm-resend-invalid", "/confirm/resend"),
    ] {
        pages.keep(name, INVALID, &anon.post(path, &bad_email).await);
    }
    let register_invalid = [
        ("email", "\"><b>x</b>"),
        ("password", "short"),
        ("password_confirmation", "other"),
    ];
    let response = anon.post("/register", &register_invalid).await;
    pages.keep("register-invalid", INVALID, &response);
    let login_failed = [("email", "nobody@example.com"), ("password", "wrong one!")];
    pages.keep(
        "login-failed",
        INVALID,
        &anon.post("/login", &login_failed).await,
    );
    pages.keep(
        "check-your-email",
        OK,
        &anon.sign_up("new@example.com").await,
    );
    pages.keep(
        "confirm-bad-link",
        StatusCode::BAD_REQUEST,
        &anon.get("/confirm?token=nope").await,
    );

    // Choosing a new password, through a real link.
    app.confirmed_user("reset@example.com").await;
    anon.post("/password/forgot", &[("email", "reset@example.com")])
        .await;
    let link = app
        .link_in_mail("reset@example.com", "/password/reset?token=")
        .await;
    pages.keep("password-reset", OK, &anon.get(&link).await);
    let short = [("password", "short"), ("password_confirmation", "short")];
    pages.keep(
        "password-reset-invalid",
        INVALID,
        &anon.post(&link, &short).await,
    );
}

async fn account_pages(app: &TestApp, pages: &mut Pages) {
    let mut ada = app.signed_in("ada@example.com").await;
    pages.keep("home-signed-in", OK, &ada.get("/").await);
    pages.keep("account", OK, &ada.get("/account").await);
    let wrong_password = [
        ("current_password", "not it at all"),
        ("password", "short"),
        ("password_confirmation", "different"),
    ];
    let response = ada.post("/account/password", &wrong_password).await;
    pages.keep("account-password-invalid", INVALID, &response);
    let bad_email = [("email", "nope"), ("current_password", "not it at all")];
    let response = ada.post("/account/email", &bad_email).await;
    pages.keep("account-email-invalid", INVALID, &response);
    pages.keep("passkeys-empty", OK, &ada.get("/account/passkeys").await);
    let no_script = [("name", "<b>Phone</b>"), ("credential", "")];
    let response = ada.post("/account/passkeys", &no_script).await;
    pages.keep("passkeys-add-refused", INVALID, &response);
    let mut anon = app.client();
    let response = anon.post("/login/passkey", &[("credential", "{}")]).await;
    pages.keep("passkey-sign-in-refused", INVALID, &response);
    // A passkey on the list (its key material is never read to list it).
    let id: uuid::Uuid = sqlx::query_scalar(
        "INSERT INTO passkeys (user_id, name, credential_id, static_state, dynamic_state, transports) \
         SELECT id, 'Work <i>laptop</i>', '\\x00112233445566778899aabbccddeeff', '\\x00', '\\x00000000000000', 0 \
         FROM users WHERE email = 'ada@example.com' RETURNING id",
    )
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    pages.keep("passkeys-list", OK, &ada.get("/account/passkeys").await);
    let rename = format!("/account/passkeys/{id}/rename");
    let response = ada.post(&rename, &[("name", " ")]).await;
    pages.keep("passkeys-rename-invalid", INVALID, &response);
    pages.keep(
        "admin-forbidden",
        StatusCode::FORBIDDEN,
        &ada.get("/admin/users").await,
    );
    // Two sessions: this one, and another to sign out.
    let _other = app.logged_in("ada@example.com", false).await;
    pages.keep("account-sessions", OK, &ada.get("/account/sessions").await);
    pages.keep("account-delete", OK, &ada.get("/account/delete").await);

    // Signed in before confirming: the banner asking to confirm.
    let mut unconfirmed = app.client();
    unconfirmed.sign_up("eve@example.com").await;
    let logged_in = [("email", "eve@example.com"), ("password", PASSWORD)];
    unconfirmed.post("/login", &logged_in).await;
    pages.keep(
        "account-unconfirmed",
        OK,
        &unconfirmed.get("/account").await,
    );
    let link = app.link_in_mail("eve@example.com", "/confirm?token=").await;
    pages.keep("confirmed", OK, &unconfirmed.get(&link).await);
}

/// Sudo mode's confirmation, and two-factor authentication: off, its setup (with a wrong code),
/// the recovery codes, on (with a wrong code to turn it off), and the sign-in's second step.
async fn two_factor_pages(app: &TestApp, pages: &mut Pages) {
    use app::auth::two_factor;
    let now = || time::OffsetDateTime::now_utc().unix_timestamp();
    let mut kim = app.signed_in("kim@example.com").await;
    pages.keep("sudo", OK, &kim.get("/account/confirm?next=/account").await);
    let wrong = [("sudo_password", "not it at all"), ("next", "/account")];
    let response = kim.post("/account/confirm", &wrong).await;
    pages.keep("sudo-invalid", INVALID, &response);
    pages.keep("two-factor-off", OK, &kim.get("/account/two-factor").await);
    let setup = kim.post("/account/two-factor/setup", &[]).await;
    pages.keep("two-factor-setup", OK, &setup);
    let response = kim
        .post("/account/two-factor/enable", &[("code", "000000")])
        .await;
    pages.keep("two-factor-setup-invalid", INVALID, &response);
    let doc = setup.document();
    let selector = scraper::Selector::parse("code.secret").unwrap();
    let text: String = doc.select(&selector).next().unwrap().text().collect();
    let secret = two_factor::secret_from_text(&text).unwrap();
    // The current step's code stays good through the next step too, so a loaded machine
    // never sees it expire before the click (the previous step's could).
    let code = two_factor::code_at(&secret, now()).unwrap();
    let response = kim
        .post("/account/two-factor/enable", &[("code", &code)])
        .await;
    pages.keep("two-factor-recovery-codes", OK, &response);
    pages.keep("two-factor-on", OK, &kim.get("/account/two-factor").await);
    pages.keep("sudo-two-factor", OK, &kim.get("/account/confirm").await);
    let response = kim
        .post("/account/two-factor/disable", &[("code", "000000")])
        .await;
    pages.keep("two-factor-disable-invalid", INVALID, &response);

    let mut half = app.client();
    let logged_in = [("email", "kim@example.com"), ("password", PASSWORD)];
    half.post("/login", &logged_in).await;
    pages.keep("login-two-factor", OK, &half.get("/login/two-factor").await);
    let response = half.post("/login/two-factor", &[("code", "000000")]).await;
    pages.keep("login-two-factor-invalid", INVALID, &response);
}

async fn contacts_pages(app: &TestApp, pages: &mut Pages) {
    let mut ada = app.signed_in("contacts@example.com").await;
    pages.keep("contacts-empty", OK, &ada.get("/contacts").await);
    pages.keep("contacts-new", OK, &ada.get("/contacts/new").await);
    let invalid = [("first_name", ""), ("email", "nope"), ("phone", "call me")];
    let response = ada.post("/contacts", &invalid).await;
    pages.keep("contacts-new-invalid", INVALID, &response);
    let owner: uuid::Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind("contacts@example.com")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    app::dev::seed::add(&app.db.pool, owner, 30).await.unwrap();
    // Written to the database directly, the contacts show once PostgreSQL's notification of
    // them is heard, a moment after the commit (the empty list was kept until then).
    let started = std::time::Instant::now();
    let list = loop {
        let list = ada.get("/contacts").await;
        let shown = !common::select(&list.document(), "th[scope=row]").is_empty();
        if shown || started.elapsed() > std::time::Duration::from_secs(2) {
            break list;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    pages.keep("contacts-list", OK, &list);
    let first = common::select(&list.document(), "th[scope=row] a")[0]
        .attr("href")
        .unwrap()
        .to_owned();
    let next = common::select(&list.document(), "tr#contacts-more a")[0]
        .attr("href")
        .unwrap()
        .to_owned();
    pages.keep("contacts-next-page", OK, &ada.get(&next).await);
    pages.keep(
        "contacts-search-empty",
        OK,
        &ada.get("/contacts?q=zzzz").await,
    );
    pages.keep("contacts-count", OK, &ada.get("/contacts/count").await);
    pages.keep("contact", OK, &ada.get(&first).await);
    pages.keep("contact-edit", OK, &ada.get(&format!("{first}/edit")).await);
    let response = ada.post(&first, &invalid).await;
    pages.keep("contact-edit-invalid", INVALID, &response);
    pages.keep(
        "contact-delete",
        OK,
        &ada.get(&format!("{first}/delete")).await,
    );
    let id = first.trim_start_matches("/contacts/").to_owned();
    let bulk = [("selected", id.as_str()), ("selected", "junk")];
    pages.keep(
        "contacts-bulk-delete",
        OK,
        &ada.post("/contacts/delete", &bulk).await,
    );

    // The export's page in each state, set in the table: the page reads only the job's row.
    let started = ada.post("/contacts/export", &[]).await;
    let export = started.header("location").unwrap().to_owned();
    pages.keep("contacts-export-waiting", OK, &ada.get(&export).await);
    let states = [
        (
            "contacts-export-running",
            "UPDATE jobs SET status = 'running', attempts = 1, progress_done = 1000, \
             progress_total = 3000, locked_until = now() + interval '1 minute'",
            OK,
        ),
        (
            "contacts-export-done",
            "UPDATE jobs SET status = 'done', locked_until = NULL, finished_at = now(), \
             result = '{\"key\": \"exports/x.csv\", \"rows\": 3000}'",
            OK,
        ),
        (
            "contacts-export-failed",
            "UPDATE jobs SET status = 'failed', result = NULL",
            OK,
        ),
        (
            "contacts-export-expired",
            "UPDATE jobs SET finished_at = now() - interval '2 days'",
            StatusCode::GONE,
        ),
    ];
    for (name, sql, status) in states {
        sqlx::query(sql).execute(&app.db.pool).await.unwrap();
        pages.keep(name, status, &ada.get(&export).await);
    }
}

async fn admin_and_mailbox_pages(app: &TestApp, pages: &mut Pages) {
    let mut empty = app.client();
    empty.post("/dev/mailbox/clear", &[]).await;
    pages.keep("mailbox-empty", OK, &empty.get("/dev/mailbox").await);

    // Mail in each state: delivered, and waiting.
    let state = &app.state;
    app.client().sign_up("sent@example.com").await;
    common::deliver_mail(state).await;
    app.client().sign_up("waiting@example.com").await;

    app.user_with_role("root@example.com", Role::Admin).await;
    let mut admin = app.logged_in("root@example.com", false).await;
    pages.keep("admin-users", OK, &admin.get("/admin/users").await);
    // With an instance, a failed job and an action on one, so that every table is drawn.
    app::monitoring::instances::beat(&app.state).await.unwrap();
    sqlx::query(
        "INSERT INTO jobs (kind, status, attempts, finished_at, last_error) VALUES
             ('email-delivery', 'failed', 5, now(), 'SMTP said no'),
             ('email-delivery', 'failed', 5, now(), 'SMTP said no again')",
    )
    .execute(&app.state.db)
    .await
    .unwrap();
    let dashboard = admin.get("/admin/dashboard").await;
    let retry = common::select(&dashboard.document(), ".job-actions form")[0]
        .attr("action")
        .unwrap()
        .to_owned();
    admin.post(&retry, &[]).await;
    // A slow query, so that its table is drawn too.
    app::monitoring::slow_queries::note(
        Some("/contacts/{id}"),
        "SELECT * FROM contacts WHERE owner_id = $1 AND note = '<b>'",
        std::time::Duration::from_millis(250),
    );
    pages.keep("admin-dashboard", OK, &admin.get("/admin/dashboard").await);
    let one_instance = format!("/admin/dashboard?instance={}", app.state.instance.id);
    pages.keep(
        "admin-dashboard-instance",
        OK,
        &admin.get(&one_instance).await,
    );
    let mailbox = admin.get("/dev/mailbox").await;
    pages.keep("mailbox", OK, &mailbox);
    let message = common::select(&mailbox.document(), ".record-list tbody a")[0]
        .attr("href")
        .unwrap()
        .to_owned();
    pages.keep("mailbox-message", OK, &admin.get(&message).await);
    pages.keep(
        "mailbox-previews",
        OK,
        &admin.get("/dev/mailbox/previews").await,
    );
}

async fn error_pages(app: &TestApp, pages: &mut Pages) {
    let mut anon: TestClient<'_> = app.client();
    pages.keep(
        "not-found",
        StatusCode::NOT_FOUND,
        &anon.get("/no/such/page").await,
    );
    // A list's page link that was not made by the list (a path that does not parse is a
    // 404, so a bad query is the way to a 400).
    let mut member = app.signed_in("errors@example.com").await;
    pages.keep(
        "not-found-signed-in",
        StatusCode::NOT_FOUND,
        &member.get("/no/such/page").await,
    );
    pages.keep(
        "bad-request",
        StatusCode::BAD_REQUEST,
        &member.get("/files?after=garbage").await,
    );
    pages.keep(
        "method-not-allowed",
        StatusCode::METHOD_NOT_ALLOWED,
        &anon.get("/logout").await,
    );
    pages.keep(
        "internal-error",
        StatusCode::INTERNAL_SERVER_ERROR,
        &anon.get("/test/internal").await,
    );
    pages.keep(
        "unavailable",
        StatusCode::SERVICE_UNAVAILABLE,
        &anon.get("/test/unavailable").await,
    );
    let too_large = Request::post("/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .body(Body::from(format!("email={}", "a".repeat(3 << 20))))
        .unwrap();
    pages.keep(
        "payload-too-large",
        StatusCode::PAYLOAD_TOO_LARGE,
        &app.request(too_large).await,
    );
    // A bad reset link is limited per client: the 31st gets the 429 page.
    let mut hammering = app.client();
    hammering.ip = [192, 0, 2, 1].into();
    let bad_link = "/password/reset?token=0.0";
    let form = [("password", PASSWORD), ("password_confirmation", PASSWORD)];
    for _ in 0..30 {
        hammering.post(bad_link, &form).await;
    }
    pages.keep(
        "too-many-requests",
        StatusCode::TOO_MANY_REQUESTS,
        &hammering.post(bad_link, &form).await,
    );
    let cross_site = Request::post("/logout")
        .header("sec-fetch-site", "cross-site")
        .body(Body::empty())
        .unwrap();
    pages.keep(
        "cross-site-forbidden",
        StatusCode::FORBIDDEN,
        &app.request(cross_site).await,
    );
}

async fn files_pages(pages: &mut Pages) {
    let storage = TestStorage::local();
    let app = storage.app(&[("UPLOAD_MAX_BYTES", "1048576")]).await;
    let mut ada = app.signed_in("ada@example.com").await;
    pages.keep("files-empty", OK, &ada.get("/files").await);
    let refused = ada
        .upload(&[Part::file("setup.png", b"MZ\x90\x00 not a picture")])
        .await;
    pages.keep("files-upload-refused", INVALID, &refused);
    let too_large = ada
        .upload(&[Part::file("big.txt", &vec![b'a'; 1_100_000])])
        .await;
    pages.keep("files-too-large", StatusCode::PAYLOAD_TOO_LARGE, &too_large);
    ada.upload(&[
        Part::file("picture \"one\".png", &png(64, 48)),
        Part::file("<notes>.txt", b"some notes"),
    ])
    .await;
    let list = ada.get("/files").await;
    pages.keep("files-list", OK, &list);
    let files: Vec<String> = common::select(&list.document(), ".file-list th[scope=row] a")
        .iter()
        .map(|link| link.attr("href").unwrap().to_owned())
        .collect();
    // One an image shown large, the other text shown as text.
    for (n, file) in files.iter().enumerate() {
        pages.keep(&format!("file-details-{n}"), OK, &ada.get(file).await);
    }
    let file = &files[0];
    pages.keep("home-dashboard", OK, &ada.get("/").await);
    pages.keep(
        "file-delete-confirm",
        OK,
        &ada.get(&format!("{file}/delete")).await,
    );
}
