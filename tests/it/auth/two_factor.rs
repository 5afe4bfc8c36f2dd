//! Two-factor authentication end to end: turned on from the secret the page shows (codes
//! computed here, as an authenticator app would), the sign-in's second step, codes accepted
//! once and within one step of drift, recovery codes, the lock, turning it off, and the
//! administrators' requirement.

use std::time::Duration;

use crate::common;

use app::auth::{db::Role, two_factor};
use axum::http::StatusCode;
use common::{
    TestApp, TestClient, TestResponse,
    accounts::{PASSWORD, redirects_to_login},
    select, test_config, text_of,
};

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Waits until at least two seconds remain in the current 30-second step, so that the server
/// and the test agree on which step it is.
async fn early_in_a_step() {
    let into = now().rem_euclid(30);
    if into >= 28 {
        tokio::time::sleep(Duration::from_secs(u64::try_from(31 - into).unwrap())).await;
    }
}

/// The code for `offset` seconds from now.
fn code(secret: &[u8], offset: i64) -> String {
    two_factor::code_at(secret, now() + offset).unwrap()
}

fn codes_shown(response: &TestResponse) -> Vec<String> {
    select(&response.document(), "ol.codes li code")
        .iter()
        .map(text_of)
        .collect()
}

/// Turns two-factor on from the account pages, confirming with the code of the step before
/// this one (one step of drift): returns the secret read from the page and the recovery codes.
/// The current step and the next are left for the test.
pub(super) async fn turn_on(client: &mut TestClient<'_>) -> (Vec<u8>, Vec<String>) {
    early_in_a_step().await;
    let setup = client.post("/account/two-factor/setup", &[]).await;
    assert_eq!(setup.status, StatusCode::OK, "{}", setup.text());
    let doc = setup.document();
    assert_eq!(select(&doc, "svg.qr-code[role=img][aria-label]").len(), 1);
    let text = text_of(&select(&doc, "code.secret")[0]);
    let secret = two_factor::secret_from_text(&text).unwrap();
    assert_eq!(secret.len(), two_factor::SECRET_BYTES);
    // One key to copy: base32 with no spaces, as the otpauth link carries it.
    assert_eq!(text.len(), 32);
    let uri = select(&doc, "a.otpauth")[0].attr("href").unwrap();
    assert!(uri.starts_with("otpauth://totp/"));
    assert!(uri.contains(&format!("secret={text}&")));
    let enabled = client
        .post(
            "/account/two-factor/enable",
            &[("code", &code(&secret, -30))],
        )
        .await;
    assert_eq!(enabled.status, StatusCode::OK, "{}", enabled.text());
    let codes = codes_shown(&enabled);
    assert_eq!(codes.len(), 10);
    (secret, codes)
}

/// Logs in with the password only: the answer sends to the second step.
pub(super) async fn password_step<'a>(app: &'a TestApp, email: &str) -> TestClient<'a> {
    let mut client = app.client();
    let answer = client
        .post(
            "/login",
            &[
                ("email", email),
                ("password", PASSWORD),
                ("next", "/contacts"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(answer.header("location"), Some("/login/two-factor"));
    client
}

async fn failed_logins(app: &TestApp, email: &str) -> i32 {
    sqlx::query_scalar("SELECT failed_logins FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn turning_on_takes_a_right_code_for_the_secret_shown() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    let page = ada.get("/account").await;
    assert_eq!(
        select(&page.document(), "a[href='/account/two-factor']").len(),
        1
    );
    assert!(
        ada.get("/account/two-factor")
            .await
            .text()
            .contains("Status: off")
    );

    let setup = ada.post("/account/two-factor/setup", &[]).await;
    let text = text_of(&select(&setup.document(), "code.secret")[0]);
    let secret = two_factor::secret_from_text(&text).unwrap();
    let wrong = ada
        .post("/account/two-factor/enable", &[("code", "000000")])
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        select(&wrong.document(), "#two-factor-enable-code-error").len(),
        1
    );
    assert_eq!(
        text_of(&select(&wrong.document(), "code.secret")[0]),
        text,
        "the same secret, shown again"
    );
    let stored: Vec<u8> = sqlx::query_scalar("SELECT secret FROM user_two_factor")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert!(
        !stored.windows(secret.len()).any(|w| w == secret.as_slice()),
        "encrypted at rest"
    );

    early_in_a_step().await;
    let enabled = ada
        .post("/account/two-factor/enable", &[("code", &code(&secret, 0))])
        .await;
    assert_eq!(enabled.status, StatusCode::OK);
    let codes = codes_shown(&enabled);
    assert_eq!(codes.len(), 10);
    let hashes: Vec<Vec<u8>> = sqlx::query_scalar("SELECT code_hash FROM user_recovery_codes")
        .fetch_all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(hashes.len(), 10);
    assert!(
        hashes
            .iter()
            .all(|hash| codes.iter().all(|code| hash.as_slice() != code.as_bytes()))
    );
    let status = ada.get("/account/two-factor").await.text();
    assert!(status.contains("10 unused recovery codes"), "{status}");
    let again = ada.post("/account/two-factor/setup", &[]).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "already on");
}

#[tokio::test]
async fn signing_in_takes_a_code_after_the_password_and_the_step_between_reaches_nothing() {
    let app = TestApp::new().await;
    app.confirmed_user("bo@example.com").await;
    app.confirmed_user("plain@example.com").await;
    let mut bo = app.logged_in("bo@example.com", false).await;
    let (secret, _) = turn_on(&mut bo).await;

    // Without two-factor, the password is enough.
    let plain = app
        .client()
        .post(
            "/login",
            &[("email", "plain@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(plain.header("location"), Some("/"));

    let mut half = password_step(&app, "bo@example.com").await;
    for page in [
        "/account",
        "/contacts",
        "/account/two-factor",
        "/admin/users",
    ] {
        assert!(redirects_to_login(&half.get(page).await), "{page}");
    }
    let sudo = half
        .post("/account/confirm", &[("sudo_password", PASSWORD)])
        .await;
    assert!(redirects_to_login(&sudo));
    let step = half.get("/login/two-factor").await;
    assert_eq!(step.status, StatusCode::OK);
    assert_eq!(select(&step.document(), "#login-two-factor-code").len(), 1);

    let wrong = half.post("/login/two-factor", &[("code", "123456")]).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(failed_logins(&app, "bo@example.com").await, 1);
    assert!(redirects_to_login(&half.get("/account").await));

    let right = half
        .post("/login/two-factor", &[("code", &code(&secret, 0))])
        .await;
    assert_eq!(right.status, StatusCode::SEE_OTHER, "{}", right.text());
    assert_eq!(right.header("location"), Some("/contacts"));
    assert_eq!(half.get("/account").await.status, StatusCode::OK);
    assert_eq!(failed_logins(&app, "bo@example.com").await, 0);

    // The step is over once done: its page goes back to the login.
    let mut other = app.client();
    let gone = other.get("/login/two-factor").await;
    assert_eq!(gone.header("location"), Some("/login"));
}

#[tokio::test]
async fn a_code_is_accepted_once_and_only_within_one_step_of_drift() {
    let app = TestApp::new().await;
    app.confirmed_user("cy@example.com").await;
    let mut cy = app.logged_in("cy@example.com", false).await;
    let (secret, _) = turn_on(&mut cy).await;
    early_in_a_step().await;

    let mut first = password_step(&app, "cy@example.com").await;
    for far in [-60, 60, -90, 90] {
        let refused = first
            .post("/login/two-factor", &[("code", &code(&secret, far))])
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{far}");
    }
    let current = code(&secret, 0);
    let accepted = first.post("/login/two-factor", &[("code", &current)]).await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER);

    let mut second = password_step(&app, "cy@example.com").await;
    let replayed = second
        .post("/login/two-factor", &[("code", &current)])
        .await;
    assert_eq!(replayed.status, StatusCode::UNPROCESSABLE_ENTITY, "replay");
    let earlier = second
        .post("/login/two-factor", &[("code", &code(&secret, -30))])
        .await;
    assert_eq!(
        earlier.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "older step"
    );
    let ahead = second
        .post("/login/two-factor", &[("code", &code(&secret, 30))])
        .await;
    assert_eq!(ahead.status, StatusCode::SEE_OTHER, "one step ahead");
}

#[tokio::test]
async fn a_recovery_code_works_once_and_new_ones_retire_the_old() {
    let app = TestApp::new().await;
    app.confirmed_user("di@example.com").await;
    let mut di = app.logged_in("di@example.com", false).await;
    let (_, codes) = turn_on(&mut di).await;

    let mut first = password_step(&app, "di@example.com").await;
    let used = first
        .post("/login/two-factor", &[("code", &codes[0].to_uppercase())])
        .await;
    assert_eq!(used.status, StatusCode::SEE_OTHER, "case does not matter");
    let mut second = password_step(&app, "di@example.com").await;
    let again = second
        .post("/login/two-factor", &[("code", &codes[0])])
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        di.get("/account/two-factor")
            .await
            .text()
            .contains("9 unused recovery codes")
    );

    let renewed = di.post("/account/two-factor/recovery-codes", &[]).await;
    assert_eq!(renewed.status, StatusCode::OK);
    let new_codes = codes_shown(&renewed);
    assert_eq!(new_codes.len(), 10);
    assert!(new_codes.iter().all(|code| !codes.contains(code)));
    let old = second
        .post("/login/two-factor", &[("code", &codes[1])])
        .await;
    assert_eq!(old.status, StatusCode::UNPROCESSABLE_ENTITY, "retired");
    let new = second
        .post("/login/two-factor", &[("code", &new_codes[1])])
        .await;
    assert_eq!(new.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn wrong_codes_lock_the_account_like_wrong_passwords() {
    let app = TestApp::new().await;
    app.confirmed_user("eve@example.com").await;
    let mut eve = app.logged_in("eve@example.com", false).await;
    let (secret, _) = turn_on(&mut eve).await;

    let mut half = password_step(&app, "eve@example.com").await;
    for _ in 0..app::auth::LOCK_AFTER_FAILURES - 1 {
        half.post("/login/two-factor", &[("code", "000000")]).await;
    }
    // The password again does not wipe out the wrong codes.
    let mut half = password_step(&app, "eve@example.com").await;
    assert_eq!(
        failed_logins(&app, "eve@example.com").await,
        app::auth::LOCK_AFTER_FAILURES - 1
    );
    half.post("/login/two-factor", &[("code", "000000")]).await;
    let locked: bool = sqlx::query_scalar(
        "SELECT locked_until > now() FROM users WHERE email = 'eve@example.com'",
    )
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    assert!(locked);
    assert!(
        app.mail_to("eve@example.com")
            .await
            .iter()
            .any(|(subject, _)| subject.contains("locked"))
    );
    let right = half
        .post("/login/two-factor", &[("code", &code(&secret, 0))])
        .await;
    assert_eq!(right.status, StatusCode::UNPROCESSABLE_ENTITY, "locked");
}

#[tokio::test]
async fn turning_off_takes_a_code_and_sends_a_notice() {
    let app = TestApp::new().await;
    app.confirmed_user("flo@example.com").await;
    let mut flo = app.logged_in("flo@example.com", false).await;
    let (secret, _) = turn_on(&mut flo).await;

    let wrong = flo
        .post("/account/two-factor/disable", &[("code", "111111")])
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        select(&wrong.document(), "#two-factor-disable-code-error").len(),
        1
    );
    assert_eq!(failed_logins(&app, "flo@example.com").await, 1);

    let off = flo
        .post(
            "/account/two-factor/disable",
            &[("code", &code(&secret, 0))],
        )
        .await;
    assert_eq!(off.status, StatusCode::SEE_OTHER);
    assert_eq!(off.header("location"), Some("/account/two-factor"));
    let (subject, text) = app.mail_to("flo@example.com").await.pop().unwrap();
    assert_eq!(subject, "Two-factor authentication was turned off");
    assert!(text.contains("/password/forgot"));
    let count: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM user_two_factor) + (SELECT count(*) FROM user_recovery_codes)",
    )
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    assert_eq!(count, 0);
    let plain = app
        .client()
        .post(
            "/login",
            &[("email", "flo@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(plain.header("location"), Some("/"));
}

#[tokio::test]
async fn managing_two_factor_needs_a_recent_sign_in_which_a_code_can_confirm() {
    let app = TestApp::with_config(test_config(&[("SUDO_WINDOW_SECS", "2")])).await;
    app.confirmed_user("gil@example.com").await;
    // Now, so that turning it on does not wait out the window.
    early_in_a_step().await;
    let mut gil = app.logged_in("gil@example.com", false).await;
    let (secret, codes) = turn_on(&mut gil).await;
    tokio::time::sleep(Duration::from_millis(2100)).await;

    let asked = gil.post("/account/two-factor/recovery-codes", &[]).await;
    assert_eq!(asked.status, StatusCode::OK);
    let doc = asked.document();
    assert_eq!(select(&doc, "form#sudo #sudo-sudo_code").len(), 1);
    assert!(codes_shown(&asked).is_empty(), "not done yet");
    let wrong = gil
        .post(
            "/account/two-factor/recovery-codes",
            &[("sudo_code", "000000")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let done = gil
        .post(
            "/account/two-factor/recovery-codes",
            &[("sudo_code", &code(&secret, 0))],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK);
    let renewed = codes_shown(&done);
    assert_eq!(renewed.len(), 10);
    assert!(!renewed.contains(&codes[0]));
}

#[tokio::test]
async fn administrators_can_be_required_to_turn_it_on() {
    let app = TestApp::with_config(test_config(&[("REQUIRE_TWO_FACTOR_FOR_ADMINS", "on")])).await;
    app.user_with_role("root@example.com", Role::Admin).await;
    let mut root = app.logged_in("root@example.com", false).await;
    for page in ["/admin/users", "/admin/dashboard"] {
        let sent = root.get(page).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{page}");
        assert_eq!(sent.header("location"), Some("/account/two-factor"));
    }
    let told = root.get("/account/two-factor").await.text();
    assert!(told.contains("Administrators must turn two-factor authentication on"));
    turn_on(&mut root).await;
    assert_eq!(root.get("/admin/users").await.status, StatusCode::OK);

    let relaxed = TestApp::new().await;
    relaxed
        .user_with_role("root@example.com", Role::Admin)
        .await;
    let mut root = relaxed.logged_in("root@example.com", false).await;
    assert_eq!(root.get("/admin/users").await.status, StatusCode::OK);
}
