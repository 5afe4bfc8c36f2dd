//! Accounts: sign-up with email confirmation, login and logout, password reset, the account
//! page (password, email, sessions), an admin list of users, and the extractors every other
//! module uses for access control.
//!
//! The ownership pattern for later modules: take an [`AuthUser`], and scope every query by
//! it (`WHERE id = $1 AND user_id = $2`); a record that is not the user's is a 404, so its
//! existence is not revealed.

pub mod admin;
pub mod db;
pub mod forms;
pub mod handlers;
pub mod password;
pub mod session;
pub mod tokens;
pub mod views;

use axum::{
    Router,
    routing::{get, post},
};

pub use self::session::{AuthUser, RequireAdmin};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/register",
            get(handlers::show_register).post(handlers::register),
        )
        .route("/login", get(handlers::show_login).post(handlers::login))
        .route("/logout", post(handlers::logout))
        .route("/confirm", get(handlers::confirm))
        .route(
            "/confirm/resend",
            get(handlers::show_resend).post(handlers::resend),
        )
        .route(
            "/password/forgot",
            get(handlers::show_forgot).post(handlers::forgot),
        )
        .route(
            "/password/reset",
            get(handlers::show_reset).post(handlers::reset),
        )
        .route("/account", get(handlers::show_account))
        .route("/account/password", post(handlers::change_password))
        .route("/account/email", post(handlers::change_email))
        .route(
            "/account/sessions/end-others",
            post(handlers::end_other_sessions),
        )
        .route("/admin/users", get(handlers::admin_users))
        .route("/auth/validate", post(handlers::validate_field))
}
