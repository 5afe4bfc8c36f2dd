//! Accounts: sign-up with email confirmation, login and logout, password reset, the account
//! page (password, email, sessions), the sessions page (each signed-in session, ended one by
//! one), deleting the account, an admin list of users, and the extractors every other module
//! uses for access control.
//!
//! The ownership pattern for later modules: take an [`AuthUser`], and scope every query by
//! it (`WHERE id = $1 AND user_id = $2`); a record that is not the user's is a 404, so its
//! existence is not revealed.
//!
//! Where things are: `ops/` has the rules of each flow (login, registration, password reset,
//! account), callable without HTTP; `handlers/` the pages, one file per flow (the same, and
//! admin), each calling `ops` and answering; `forms.rs` the form types and their rules;
//! `db.rs` the user SQL; `fields.rs` each form's fields (for the pages and the on-blur
//! check); `breached.rs` the check of new passwords against known breaches; `tokens.rs` the
//! single-use links (crypto and SQL); `links.rs` issuing a link and mailing it; `emails.rs`
//! the messages; `session.rs` who is signed in; `user_cache.rs` the in-memory copy of
//! signed-in users; `rate_limits.rs` every limit and its key; `sudo.rs` sudo mode;
//! `two_factor.rs` two-factor authentication's crypto and SQL (TOTP, recovery codes, the
//! secrets' encryption); `pending_login.rs` a sign-in waiting for its second step;
//! `sessions_db.rs` the rows of the sessions page and `devices.rs` what they say of a client
//! (browser, system, network); `deletion_db.rs` the SQL of deleting an account and `jobs.rs`
//! the removal of its objects from storage. Passkeys: `webauthn.rs` the relying party (the
//! WebAuthn crate behind it), `passkey_db.rs` their SQL and challenges, `views/passkeys.rs`
//! their pages, with `ops/passkeys.rs` and `handlers/passkeys.rs`.
//!
//! Every sign-in ends in `handlers::login::finish_sign_in`, whatever proved it (it records the
//! sign-in for the sessions page).
//!
//! Sudo mode: a sensitive action (changing the password or the address, managing two-factor
//! authentication or passkeys, deleting the account, every administrator's action that changes something) takes
//! [`RequireSudo`] as its handler's last argument (`RequireSudo<ValidatedForm<F>>` when it
//! has a form): past `SUDO_WINDOW_SECS` since the user last proved who they are, it answers
//! with the confirmation form and lets the action through once confirmed, with the user's
//! input kept (see `sudo.rs`).

pub mod breached;
pub mod create_admin;
pub mod db;
pub mod deletion_db;
pub mod devices;
pub mod emails;
pub mod fields;
pub mod forms;
mod handlers;
pub mod jobs;
mod links;
pub mod ops;
pub mod passkey_db;
pub mod password;
pub mod paths;
pub mod pending_login;
pub mod rate_limits;
pub mod session;
pub mod sessions_db;
pub mod sudo;
pub mod tokens;
pub mod two_factor;
pub mod user_cache;
pub mod views;
pub mod webauthn;

use std::time::Duration;

use crate::web::routes::RouterExt;
use axum::{Router, extract::DefaultBodyLimit};
use tower_http::limit::RequestBodyLimitLayer;

pub use self::{
    session::{AuthUser, RequireAdmin},
    sudo::RequireSudo,
    user_cache::UserCache,
};
use crate::state::AppState;

/// Failed sign-ins in a row that lock an account, and for how long.
pub const LOCK_AFTER_FAILURES: i32 = 10;
pub const LOCK_FOR: Duration = Duration::from_secs(15 * 60);
/// "Remember me": the session lasts this long past the last visit.
pub const REMEMBER_FOR: Duration = Duration::from_secs(30 * 24 * 3600);
/// Answers about an address (registration, reset, resend) take at least this long, whether
/// or not an account has it: the work differs (a row or two written, or none), and the
/// difference must not be measurable from outside.
pub const UNIFORM_ANSWER_TIME: Duration = Duration::from_millis(300);

/// The on-blur checks read a handful of short fields; nothing bigger needs reading.
const VALIDATE_BODY_LIMIT: usize = 16 * 1024;

pub fn routes() -> Router<AppState> {
    use self::handlers::{
        self, account, admin, deletion, login, passkeys, password_reset, registration, sessions,
        sudo, two_factor,
    };
    // Every account form checks its email and new-password fields on blur by the sign-up
    // form's rules; the field's id says which form it is in (see `fields.rs`).
    let on_blur = Router::new()
        .typed_post(handlers::validate)
        .layer(RequestBodyLimitLayer::new(VALIDATE_BODY_LIMIT))
        .layer(DefaultBodyLimit::max(VALIDATE_BODY_LIMIT));
    Router::new()
        .typed_get(registration::show)
        .typed_post(registration::register)
        .typed_get(registration::confirm)
        .typed_get(registration::show_resend)
        .typed_post(registration::resend)
        .typed_get(login::show)
        .typed_post(login::login)
        .typed_post(login::logout)
        .typed_get(password_reset::show_forgot)
        .typed_post(password_reset::forgot)
        .typed_get(password_reset::show_reset)
        .typed_post(password_reset::reset)
        .typed_get(account::show)
        .typed_post(account::change_password)
        .typed_post(account::change_email)
        .typed_post(account::end_other_sessions)
        .typed_get(sessions::show)
        .typed_post(sessions::end)
        .typed_get(deletion::show)
        .typed_post(deletion::delete)
        .typed_get(login::show_second_step)
        .typed_post(login::second_step)
        .typed_get(sudo::show)
        .typed_post(sudo::confirm)
        .typed_get(two_factor::show)
        .typed_post(two_factor::setup)
        .typed_post(two_factor::enable)
        .typed_post(two_factor::regenerate_recovery_codes)
        .typed_post(two_factor::disable)
        .typed_get(admin::users)
        .typed_get(passkeys::show)
        .typed_post(passkeys::registration_options)
        .typed_post(passkeys::register)
        .typed_post(passkeys::rename)
        .typed_post(passkeys::remove)
        .typed_post(passkeys::sign_in_options)
        .typed_post(passkeys::sign_in)
        .typed_post(passkeys::confirm_options)
        .typed_post(passkeys::second_factor_options)
        .typed_post(passkeys::second_factor)
        .merge(on_blur)
}
