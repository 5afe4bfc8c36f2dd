//! Every path of the accounts module, declared once as a typed path: the router mounts each
//! handler on its type (`typed_get`), and links, form actions and mail use the type's `PATH`
//! (all but one have no parameters), or the constant beside it where other modules keep links
//! in constants (the navigation).

use axum_extra::routing::TypedPath;
use serde::Deserialize;

use crate::{error::AppError, web::public_id::PublicId};

/// Where a visitor goes when there is nowhere better (after logging out, say).
pub const SITE_ROOT: &str = "/";

/// The sign-up form, and where it posts.
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/register")]
pub struct RegisterPath;
pub const REGISTER: &str = RegisterPath::PATH;

/// The link in the confirmation mail (`?token=`).
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/confirm")]
pub struct ConfirmPath;
pub const CONFIRM: &str = ConfirmPath::PATH;

/// Asking for a new confirmation link.
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/confirm/resend")]
pub struct ConfirmResendPath;
pub const CONFIRM_RESEND: &str = ConfirmResendPath::PATH;

/// The login form (`?next=`), and where it posts.
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/login")]
pub struct LoginPath;
pub const LOGIN: &str = LoginPath::PATH;

/// Ends the session.
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/logout")]
pub struct LogoutPath;
pub const LOGOUT: &str = LogoutPath::PATH;

/// Asking for a password reset link.
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/password/forgot")]
pub struct PasswordForgotPath;
pub const PASSWORD_FORGOT: &str = PasswordForgotPath::PATH;

/// The link in the reset mail (`?token=`), and where its form posts.
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/password/reset")]
pub struct PasswordResetPath;
pub const PASSWORD_RESET: &str = PasswordResetPath::PATH;

/// The account page.
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/account")]
pub struct AccountPath;
pub const ACCOUNT: &str = AccountPath::PATH;

/// Changing the password.
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/account/password")]
pub struct AccountPasswordPath;
pub const ACCOUNT_PASSWORD: &str = AccountPasswordPath::PATH;

/// Changing the address.
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/account/email")]
pub struct AccountEmailPath;
pub const ACCOUNT_EMAIL: &str = AccountEmailPath::PATH;

/// Sudo mode's confirmation: "confirm it is you" (`?next=` the page to return to), and where
/// its form posts. A sensitive form past the window shows the same form in its own answer,
/// posting back to itself (see `auth::sudo`).
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/account/confirm")]
pub struct SudoPath;
pub const SUDO: &str = SudoPath::PATH;

/// The second step of a sign-in with two-factor authentication on: the code.
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/login/two-factor")]
pub struct LoginTwoFactorPath;
pub const LOGIN_TWO_FACTOR: &str = LoginTwoFactorPath::PATH;

/// Two-factor authentication: whether it is on, and the ways to change that.
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/account/two-factor")]
pub struct TwoFactorPath;
pub const ACCOUNT_TWO_FACTOR: &str = TwoFactorPath::PATH;

/// Beginning the setup: a new secret, shown with its QR code.
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/account/two-factor/setup")]
pub struct TwoFactorSetupPath;

/// Confirming the setup with a code.
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/account/two-factor/enable")]
pub struct TwoFactorEnablePath;

/// Turning two-factor authentication off, with a code.
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/account/two-factor/disable")]
pub struct TwoFactorDisablePath;

/// New recovery codes (the old ones stop working).
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/account/two-factor/recovery-codes")]
pub struct RecoveryCodesPath;

/// Logging out every other session.
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/account/sessions/end-others")]
pub struct EndOtherSessionsPath;
pub const ACCOUNT_END_OTHER_SESSIONS: &str = EndOtherSessionsPath::PATH;

/// The signed-in sessions of the account, each of which can be ended.
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/account/sessions")]
pub struct SessionsPath;
pub const ACCOUNT_SESSIONS: &str = SessionsPath::PATH;

/// Ending one session of the account; `id` is its row on the sessions page (never the
/// session's own id, which is its secret). Another user's is a 404.
#[derive(Debug, Clone, Copy, TypedPath, Deserialize)]
#[typed_path("/account/sessions/{id}/end", rejection(AppError))]
pub struct EndSessionPath {
    pub id: PublicId,
}

/// The page that asks before deleting the account, and where it posts.
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/account/delete")]
pub struct DeleteAccountPath;
pub const ACCOUNT_DELETE: &str = DeleteAccountPath::PATH;

/// The administrators' list of users.
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/admin/users")]
pub struct AdminUsersPath;
pub const ADMIN_USERS: &str = AdminUsersPath::PATH;

/// On-blur checks of the email and new-password fields of every account form.
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/auth/validate")]
pub struct ValidatePath;
pub const VALIDATE: &str = ValidatePath::PATH;

/// The account's passkeys: the list, and where the form that adds one posts.
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/account/passkeys")]
pub struct AccountPasskeysPath;
pub const ACCOUNT_PASSKEYS: &str = AccountPasskeysPath::PATH;

/// The options (JSON) the browser needs to create a passkey.
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/account/passkeys/options")]
pub struct PasskeyRegistrationOptionsPath;

/// Renaming one of the account's passkeys.
#[derive(Debug, Clone, Copy, TypedPath, Deserialize)]
#[typed_path("/account/passkeys/{id}/rename", rejection(AppError))]
pub struct PasskeyRenamePath {
    pub id: PublicId,
}

/// Removing one of the account's passkeys.
#[derive(Debug, Clone, Copy, TypedPath, Deserialize)]
#[typed_path("/account/passkeys/{id}/delete", rejection(AppError))]
pub struct PasskeyDeletePath {
    pub id: PublicId,
}

/// Signing in with a passkey: where the signed answer posts (`next` beside it).
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/login/passkey")]
pub struct PasskeySignInPath;

/// The options (JSON) the browser needs to sign in with a passkey.
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/login/passkey/options")]
pub struct PasskeySignInOptionsPath;

/// The options (JSON) the browser needs to confirm it is the user with a passkey (sudo mode).
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/account/confirm/passkey/options")]
pub struct PasskeyConfirmOptionsPath;

/// The second step of a sign-in with a passkey: the options (JSON), then the answer.
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/login/two-factor/passkey/options")]
pub struct PasskeySecondFactorOptionsPath;

#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/login/two-factor/passkey")]
pub struct PasskeySecondFactorPath;
