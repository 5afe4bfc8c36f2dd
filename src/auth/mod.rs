//! Accounts: sign-up with email confirmation, login and logout, password reset, the account
//! page (password, email, sessions), an admin list of users, and the extractors every other
//! module uses for access control.
//!
//! The ownership pattern for later modules: take an [`AuthUser`], and scope every query by
//! it (`WHERE id = $1 AND user_id = $2`); a record that is not the user's is a 404, so its
//! existence is not revealed.
//!
//! Where things are: `handlers/` has one file per flow (registration, login, password reset,
//! account, admin); `forms.rs` the form types and their rules; `db.rs` the user SQL;
//! `fields.rs` each form's fields (for the pages and the on-blur check);
//! `breached.rs` the check of new passwords against known breaches; `tokens.rs` the
//! single-use links (crypto and SQL); `links.rs` issuing a link and mailing
//! it; `emails.rs` the messages; `session.rs` who is signed in; `current_user.rs` the
//! in-memory copy of signed-in users; `rate_limits.rs` every limit and its key.

pub mod breached;
pub mod create_admin;
pub mod current_user;
pub mod db;
pub mod emails;
pub mod fields;
pub mod forms;
mod handlers;
mod links;
pub mod password;
pub mod rate_limits;
pub mod session;
pub mod tokens;
pub mod views;

use std::time::Duration;

use axum::{
    Router,
    extract::DefaultBodyLimit,
    routing::{get, post},
};
use tower_http::limit::RequestBodyLimitLayer;

pub use self::{
    current_user::UserCache,
    session::{AuthUser, RequireAdmin},
};
use crate::{state::AppState, web::form::validate_field};

/// Every path of the module, written once: routes, links, form actions and mail use these.
pub mod paths {
    /// Where a visitor goes when there is nowhere better (after logging out, say).
    pub const SITE_ROOT: &str = "/";
    pub const REGISTER: &str = "/register";
    pub const LOGIN: &str = "/login";
    pub const LOGOUT: &str = "/logout";
    pub const CONFIRM: &str = "/confirm";
    pub const CONFIRM_RESEND: &str = "/confirm/resend";
    pub const PASSWORD_FORGOT: &str = "/password/forgot";
    pub const PASSWORD_RESET: &str = "/password/reset";
    pub const ACCOUNT: &str = "/account";
    pub const ACCOUNT_PASSWORD: &str = "/account/password";
    pub const ACCOUNT_EMAIL: &str = "/account/email";
    pub const ACCOUNT_END_OTHER_SESSIONS: &str = "/account/sessions/end-others";
    pub const ADMIN_USERS: &str = "/admin/users";
    /// On-blur checks of the email and new-password fields of every account form.
    pub const VALIDATE: &str = "/auth/validate";
}

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
    use self::{
        forms::RegisterForm,
        handlers::{account, admin, login, password_reset, registration},
    };
    // Every account form checks its email and new-password fields on blur by the sign-up
    // form's rules; the field's id says which form it is in (see `fields.rs`).
    let on_blur = Router::new()
        .route(paths::VALIDATE, post(validate_field::<RegisterForm>))
        .layer(RequestBodyLimitLayer::new(VALIDATE_BODY_LIMIT))
        .layer(DefaultBodyLimit::max(VALIDATE_BODY_LIMIT));
    Router::new()
        .route(
            paths::REGISTER,
            get(registration::show).post(registration::register),
        )
        .route(paths::CONFIRM, get(registration::confirm))
        .route(
            paths::CONFIRM_RESEND,
            get(registration::show_resend).post(registration::resend),
        )
        .route(paths::LOGIN, get(login::show).post(login::login))
        .route(paths::LOGOUT, post(login::logout))
        .route(
            paths::PASSWORD_FORGOT,
            get(password_reset::show_forgot).post(password_reset::forgot),
        )
        .route(
            paths::PASSWORD_RESET,
            get(password_reset::show_reset).post(password_reset::reset),
        )
        .route(paths::ACCOUNT, get(account::show))
        .route(paths::ACCOUNT_PASSWORD, post(account::change_password))
        .route(paths::ACCOUNT_EMAIL, post(account::change_email))
        .route(
            paths::ACCOUNT_END_OTHER_SESSIONS,
            post(account::end_other_sessions),
        )
        .route(paths::ADMIN_USERS, get(admin::users))
        .merge(on_blur)
}
