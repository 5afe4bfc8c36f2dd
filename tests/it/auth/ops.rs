//! The rules of the account flows called directly (`auth::ops`), without HTTP: each test
//! fails if its rule breaks, whatever the pages around it do.

use std::time::Duration;

use app::{
    auth::{
        AuthUser, LOCK_AFTER_FAILURES, UNIFORM_ANSWER_TIME,
        db::{self, User},
        forms::{ChangeEmailForm, NewPasswordForm, RegisterForm},
        ops::{
            account::{self, Outcome},
            login::{self, Credentials, Login},
            password_reset::{self, Reset},
            registration::{self, Registration},
        },
        password,
    },
    backends::rate_limit::RateLimiter,
    error::AppError,
    web::form::FieldErrors,
};

use crate::common::{TestApp, accounts::PASSWORD, link_in, rate_limiter};

const CLIENT: &str = "203.0.113.7";

async fn user(app: &TestApp, email: &str) -> User {
    db::find_by_email(&app.state.db, email)
        .await
        .unwrap()
        .unwrap()
}

async fn log_in(app: &TestApp, limiter: &RateLimiter, email: &str, password: &str) -> Login {
    let credentials = Credentials { email, password };
    let state = &app.state;
    login::log_in(
        &state.db,
        &state.mailer,
        &state.live,
        limiter,
        CLIENT,
        Some(credentials),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn wrong_passwords_lock_the_account_and_the_locking_one_mails_its_owner() {
    let app = TestApp::new().await;
    app.confirmed_user("ida@example.com").await;
    let limiter = rate_limiter();
    for _ in 1..LOCK_AFTER_FAILURES {
        let attempt = log_in(&app, &limiter, "ida@example.com", "wrong password!").await;
        assert!(matches!(attempt, Login::Refused));
    }
    assert!(!user(&app, "ida@example.com").await.is_locked());
    assert!(app.mail_to("ida@example.com").await.is_empty());

    let locking = log_in(&app, &limiter, "ida@example.com", "wrong password!").await;
    assert!(matches!(locking, Login::Refused));
    assert!(user(&app, "ida@example.com").await.is_locked());
    let mail = app.mail_to("ida@example.com").await;
    assert_eq!(mail.len(), 1, "one message for the lock: {mail:?}");
    assert!(
        link_in(&mail[0].1, "/password/forgot").is_some(),
        "{mail:?}"
    );

    // The right password does not open a locked account.
    let right = log_in(&app, &limiter, "ida@example.com", PASSWORD).await;
    assert!(matches!(right, Login::Refused));
}

#[tokio::test]
async fn the_right_password_signs_in_and_clears_the_failures() {
    let app = TestApp::new().await;
    app.confirmed_user("jo@example.com").await;
    let limiter = rate_limiter();
    log_in(&app, &limiter, "jo@example.com", "wrong password!").await;
    assert_eq!(user(&app, "jo@example.com").await.failed_logins, 1);
    let Login::Allowed(signed_in) = log_in(&app, &limiter, "jo@example.com", PASSWORD).await else {
        panic!("the right password was refused");
    };
    assert_eq!(signed_in.email, "jo@example.com");
    assert_eq!(user(&app, "jo@example.com").await.failed_logins, 0);
}

#[tokio::test]
async fn malformed_forms_and_unknown_addresses_spend_the_clients_budget() {
    let app = TestApp::new().await;
    let limiter = rate_limiter();
    let state = &app.state;
    let unknown = log_in(&app, &limiter, "nobody@example.com", PASSWORD).await;
    assert!(matches!(unknown, Login::Refused));
    let mut refused = None;
    for _ in 0..40 {
        let attempt = login::log_in(
            &state.db,
            &state.mailer,
            &state.live,
            &limiter,
            CLIENT,
            None,
        )
        .await;
        match attempt {
            Ok(Login::Refused) => {}
            Ok(Login::Allowed(_) | Login::SecondFactor(_)) => panic!("a malformed form signed in"),
            Err(error) => {
                refused = Some(error);
                break;
            }
        }
    }
    assert!(
        matches!(refused, Some(AppError::TooManyRequests { .. })),
        "{refused:?}"
    );
}

fn register_form(email: &str, password: &str) -> RegisterForm {
    RegisterForm {
        email: email.to_owned(),
        password: password.to_owned(),
        password_confirmation: password.to_owned(),
    }
}

async fn register(app: &TestApp, form: &RegisterForm) -> (Registration, Duration) {
    let state = &app.state;
    let started = std::time::Instant::now();
    let registration = registration::register(
        &state.db,
        &state.mailer,
        &rate_limiter(),
        &state.breach_check,
        CLIENT,
        form,
    )
    .await
    .unwrap();
    (registration, started.elapsed())
}

#[tokio::test]
async fn signing_up_with_a_taken_address_answers_as_a_new_one_and_changes_nothing() {
    let app = TestApp::new().await;
    let (first, first_took) = register(&app, &register_form("kim@example.com", PASSWORD)).await;
    let other_password = "someone else's passphrase";
    let (again, again_took) =
        register(&app, &register_form("kim@example.com", other_password)).await;

    let (Registration::Mailed(first), Registration::Mailed(again)) = (first, again) else {
        panic!("both sign-ups should be answered with a message");
    };
    assert_eq!(first, again, "the answer tells a taken address apart");
    assert!(first_took >= UNIFORM_ANSWER_TIME && again_took >= UNIFORM_ANSWER_TIME);

    // The account is untouched, and its owner, not the answer, learns of the attempt.
    let kim = user(&app, "kim@example.com").await;
    assert!(
        password::verify(PASSWORD, &kim.password_hash)
            .await
            .unwrap()
    );
    let mail = app.mail_to("kim@example.com").await;
    assert_eq!(mail.len(), 2);
    assert!(link_in(&mail[0].1, "/confirm?token=").is_some());
    assert!(link_in(&mail[1].1, "/confirm?token=").is_none());
    assert!(link_in(&mail[1].1, "/password/forgot").is_some());
}

fn new_password_form(current: &str, new: &str) -> NewPasswordForm {
    NewPasswordForm {
        current_password: current.to_owned(),
        password: new.to_owned(),
        password_confirmation: new.to_owned(),
    }
}

async fn reset(app: &TestApp, token: &str, new: &str) -> Reset {
    let state = &app.state;
    password_reset::reset(
        &state.db,
        &state.users,
        &rate_limiter(),
        &state.breach_check,
        CLIENT,
        Some(token),
        &new_password_form("", new),
        FieldErrors::default(),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn a_reset_link_works_once_and_unknown_addresses_get_the_same_answer() {
    let app = TestApp::new().await;
    app.confirmed_user("lu@example.com").await;
    let state = &app.state;
    let limiter = rate_limiter();
    let ask = |email: &'static str| {
        password_reset::request_link(&state.db, &state.mailer, &limiter, CLIENT, email)
    };
    let known = ask("lu@example.com").await.unwrap();
    let unknown = ask("nobody@example.com").await.unwrap();
    assert_eq!(
        known.replace("lu@example.com", "@"),
        unknown.replace("nobody@example.com", "@")
    );
    assert!(app.mail_to("nobody@example.com").await.is_empty());

    let link = app
        .link_in_mail("lu@example.com", "/password/reset?token=")
        .await;
    let token = link.split_once("token=").unwrap().1;
    let account = password_reset::account_of_link(&state.db, Some(token)).await;
    assert_eq!(account.unwrap().unwrap().email, "lu@example.com");

    assert!(matches!(
        reset(&app, token, "the first new passphrase").await,
        Reset::Done
    ));
    let lu = user(&app, "lu@example.com").await;
    assert!(
        password::verify("the first new passphrase", &lu.password_hash)
            .await
            .unwrap()
    );
    assert!(matches!(
        reset(&app, token, "a second new passphrase").await,
        Reset::BadLink
    ));
    let lu = user(&app, "lu@example.com").await;
    assert!(
        password::verify("the first new passphrase", &lu.password_hash)
            .await
            .unwrap(),
        "a used link changed the password again"
    );
    let used = password_reset::account_of_link(&state.db, Some(token)).await;
    assert!(used.unwrap().is_none());
}

#[tokio::test]
async fn a_session_ended_by_a_password_change_cannot_change_it_again() {
    let app = TestApp::new().await;
    app.confirmed_user("mo@example.com").await;
    let state = &app.state;
    let limiter = &rate_limiter();
    let session = AuthUser::from(user(&app, "mo@example.com").await);
    let change = |form: NewPasswordForm, who: AuthUser| async move {
        account::change_password(
            &state.db,
            &state.users,
            limiter,
            &state.breach_check,
            &who,
            &form,
            FieldErrors::default(),
        )
        .await
        .unwrap()
    };

    let wrong = change(
        new_password_form("not it", "a new passphrase"),
        session.clone(),
    )
    .await;
    let Err(errors) = wrong else {
        panic!("a wrong current password was accepted");
    };
    assert!(errors.get("current_password").is_some());

    let changed = change(
        new_password_form(PASSWORD, "a new passphrase"),
        session.clone(),
    )
    .await;
    assert!(matches!(changed, Ok(Outcome::OthersEnded { .. })));
    // The same (now ended) session tries again with the new password as its current one.
    let stale = change(
        new_password_form("a new passphrase", "yet another passphrase"),
        session,
    )
    .await;
    assert!(matches!(stale, Ok(Outcome::SessionEnded)), "{stale:?}");
    let mo = user(&app, "mo@example.com").await;
    assert!(
        password::verify("a new passphrase", &mo.password_hash)
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn an_address_change_to_a_taken_address_sends_nothing_and_says_nothing() {
    let app = TestApp::new().await;
    app.confirmed_user("ned@example.com").await;
    app.confirmed_user("taken@example.com").await;
    let state = &app.state;
    let ned = AuthUser::from(user(&app, "ned@example.com").await);
    let change = |email: &str| ChangeEmailForm {
        email: email.to_owned(),
        current_password: PASSWORD.to_owned(),
    };
    let limiter = rate_limiter();
    let mut answers = Vec::new();
    for email in ["taken@example.com", "free@example.com"] {
        let form = change(email);
        let outcome = account::change_email(
            &state.db,
            &state.mailer,
            &limiter,
            CLIENT,
            &ned,
            &form,
            FieldErrors::default(),
        )
        .await
        .unwrap();
        let Ok(Outcome::LinkSent(message)) = outcome else {
            panic!("{email}: {outcome:?}");
        };
        answers.push(message.replace(email, "@"));
    }
    assert_eq!(answers[0], answers[1]);
    assert!(app.mail_to("taken@example.com").await.is_empty());
    assert!(
        app.link_in_mail("free@example.com", "/confirm?token=")
            .await
            .contains("token=")
    );
}

#[tokio::test]
async fn a_two_factor_code_passes_once_per_step_and_a_recovery_code_once() {
    use app::auth::{
        ops::two_factor::{self, Enable},
        two_factor::{SecretsKey, code_at},
    };
    let app = TestApp::new().await;
    app.confirmed_user("ops2fa@example.com").await;
    let account = user(&app, "ops2fa@example.com").await;
    let state = &app.state;
    let key = SecretsKey::derive(&state.config.secret_key);
    let limiter = rate_limiter();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    // Early in a step, so that the server's `now` below is the same step.
    if now.rem_euclid(30) >= 28 {
        tokio::time::sleep(Duration::from_secs(3)).await;
    }
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let secret = two_factor::begin_setup(&state.db, &key, account.id)
        .await
        .unwrap()
        .unwrap();
    let auth_user = AuthUser::from(account.clone());
    let previous = code_at(&secret, now - 30).unwrap();
    let Enable::Enabled(codes) =
        two_factor::enable(&state.db, &limiter, &key, &auth_user, &previous)
            .await
            .unwrap()
    else {
        panic!("not enabled");
    };
    let check = async |code: &str| {
        two_factor::check_code(&state.db, &key, account.id, code)
            .await
            .unwrap()
    };
    assert!(!check(&previous).await, "the code that enabled it is used");
    let current = code_at(&secret, now).unwrap();
    assert!(check(&current).await);
    assert!(!check(&current).await, "replayed");
    assert!(check(&codes[3]).await);
    assert!(!check(&codes[3]).await, "a recovery code works once");
    let other_key = SecretsKey::derive(&"another key of at least thirty-two chars".into());
    let next = code_at(&secret, now + 30).unwrap();
    assert!(
        !two_factor::check_code(&state.db, &other_key, account.id, &next)
            .await
            .unwrap(),
        "another SECRET_KEY reads no secret"
    );
    assert!(check(&codes[4]).await, "recovery codes do not need the key");
}
