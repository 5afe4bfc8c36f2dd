//! Every path of the accounts module, declared once as a typed path: the router mounts each
//! handler on its type (`typed_get`), and links, form actions and mail use the same type's
//! `PATH` (these paths have no parameters), or the constants below where other modules keep
//! links in constants (the navigation).

use axum_extra::routing::TypedPath;

/// Where a visitor goes when there is nowhere better (after logging out, say).
pub const SITE_ROOT: &str = "/";

macro_rules! paths {
    ($($(#[$doc:meta])* $name:ident $constant:ident = $path:literal;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, TypedPath)]
        #[typed_path($path)]
        pub struct $name;

        pub const $constant: &str = $name::PATH;
    )*};
}

paths! {
    /// The sign-up form, and where it posts.
    RegisterPath REGISTER = "/register";
    /// The link in the confirmation mail (`?token=`).
    ConfirmPath CONFIRM = "/confirm";
    /// Asking for a new confirmation link.
    ConfirmResendPath CONFIRM_RESEND = "/confirm/resend";
    /// The login form (`?next=`), and where it posts.
    LoginPath LOGIN = "/login";
    LogoutPath LOGOUT = "/logout";
    /// Asking for a password reset link.
    PasswordForgotPath PASSWORD_FORGOT = "/password/forgot";
    /// The link in the reset mail (`?token=`), and where its form posts.
    PasswordResetPath PASSWORD_RESET = "/password/reset";
    /// The account page.
    AccountPath ACCOUNT = "/account";
    AccountPasswordPath ACCOUNT_PASSWORD = "/account/password";
    AccountEmailPath ACCOUNT_EMAIL = "/account/email";
    EndOtherSessionsPath ACCOUNT_END_OTHER_SESSIONS = "/account/sessions/end-others";
    /// The administrators' list of users.
    AdminUsersPath ADMIN_USERS = "/admin/users";
    /// On-blur checks of the email and new-password fields of every account form.
    ValidatePath VALIDATE = "/auth/validate";
}
