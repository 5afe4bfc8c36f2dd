//! The account pages (the sessions, deletion and passkeys pages are in `views/`). Every form
//! keeps what the user typed on error (never a password), with an error per field linked to
//! its input and summarised at the top of the form; new emails and passwords are checked on
//! blur. The fields themselves are defined in `fields.rs`.
//!
//! Over 400 lines: the one-form pages of signing up, in and back (each a few lines, sharing
//! the card they sit in); pages of their own grow in `views/`.

pub mod deletion;
pub mod passkeys;
pub mod sessions;

use axum_extra::routing::TypedPath;
use maud::{Markup, html};
use time::OffsetDateTime;

use super::{
    AuthUser, REMEMBER_FOR,
    db::{Role, UsersPage},
    fields::{self, ids},
    paths::{self, AdminUsersPath},
};
use crate::{
    contacts, files,
    web::humanize,
    web::{
        components::{
            ButtonStyle, Column, PostForm, action_button, action_link, moment, more_row,
            record_list,
        },
        css::CssFragment,
        form::FieldErrors,
    },
};

pub fn register(email: &str, errors: &FieldErrors) -> Markup {
    let form = PostForm::new(ids::REGISTER, paths::REGISTER);
    html! {
        section.auth-panel.__card {
            h1 { "Create your account" }
            (form.render(&fields::register(email, errors), action_button("Create account", ButtonStyle::Primary)))
            p.alternatives { "Already have an account? " a href=(paths::LOGIN) { "Log in" } }
        }
    }
}

pub fn check_your_email(message: &str) -> Markup {
    html! {
        section.auth-panel.__card {
            h1 { "Check your email" }
            p { (message) }
            p.alternatives { "Nothing arrived? Check your spam folder, or " a href=(paths::CONFIRM_RESEND) { "ask for a new link" } "." }
        }
    }
}

/// `error`: why the last attempt failed (one message for every reason, so it gives nothing
/// away).
pub fn login(email: &str, next: &str, error: Option<&str>) -> Markup {
    let no_errors = FieldErrors::default();
    let form = PostForm {
        error,
        ..PostForm::new(ids::LOGIN, paths::LOGIN)
    };
    let controls = html! {
        input type="hidden" name="next" value=(next);
        label.remember {
            input type="checkbox" name="remember" value="on";
            " Remember me for " (humanize::duration(REMEMBER_FOR))
        }
        (action_button("Log in", ButtonStyle::Primary))
    };
    html! {
        section.auth-panel.__card {
            h1 { "Log in" }
            @if let (None, Some(reason)) = (error, login_reason(next)) {
                p.login-reason { (reason) }
            }
            (form.render(&fields::login(email, &no_errors), controls))
            (passkeys::sign_in(next))
            p.alternatives {
                a href=(paths::PASSWORD_FORGOT) { "Forgot your password?" }
                " · "
                a href=(paths::REGISTER) { "Create an account" }
            }
        }
    }
}

/// Why someone sent to log in must do so, from the page they asked for (`next`): nothing
/// when they came to log in themselves.
fn login_reason(next: &str) -> Option<&'static str> {
    const REASONS: [(&str, &str); 2] = [
        (contacts::paths::INDEX, "Log in to see your contacts."),
        (files::paths::ListPath::PATH, "Log in to see your files."),
    ];
    if next == paths::SITE_ROOT {
        return None;
    }
    let under = |prefix: &str| {
        next.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?', '#']))
    };
    Some(
        REASONS
            .iter()
            .find(|(prefix, _)| under(prefix))
            .map_or("Log in to see this page.", |(_, reason)| reason),
    )
}

/// A form asking for a link by email; `form` is its id (see [`ids`]).
pub fn request_link(
    title: &str,
    (form, action): (&str, &str),
    intro: &str,
    email: &str,
    errors: &FieldErrors,
) -> Markup {
    let fields = fields::request_link(form, email, errors);
    html! {
        section.auth-panel.__card {
            h1 { (title) }
            p { (intro) }
            (PostForm::new(form, action).render(&fields, action_button("Send the link", ButtonStyle::Primary)))
        }
    }
}

/// `account`: the address of the account whose password this sets.
pub fn reset_password(token: &str, account: &str, errors: &FieldErrors) -> Markup {
    let action = format!("{}?token={token}", paths::PASSWORD_RESET);
    let form = PostForm {
        username: Some(account),
        ..PostForm::new(ids::PASSWORD_RESET, &action)
    };
    html! {
        section.auth-panel.__card {
            h1 { "Choose a new password" }
            (form.render(&fields::reset_password(errors), action_button("Change password", ButtonStyle::Primary)))
        }
    }
}

pub fn link_problem(message: &str) -> Markup {
    html! {
        section.auth-panel.__card {
            h1 { "This link cannot be used" }
            p { (message) }
            p.alternatives {
                a href=(paths::CONFIRM_RESEND) { "Get a new confirmation link" }
                " · "
                a href=(paths::PASSWORD_FORGOT) { "Reset your password" }
            }
        }
    }
}

pub fn confirmed(signed_in: bool, what: &str) -> Markup {
    html! {
        section.auth-panel.__card {
            h1 { (what) }
            @if signed_in {
                p { a href=(paths::ACCOUNT) { "Go to your account" } }
            } @else {
                p { a href=(paths::LOGIN) { "Log in" } " to continue." }
            }
        }
    }
}

/// Sudo mode's confirmation page.
pub struct SudoPage<'a> {
    /// Where the form posts: the confirmation's own path, or the sensitive form's action,
    /// which re-submits `kept` with the proof.
    pub action: &'a str,
    /// The fields of the form being confirmed (or `next`), carried as hidden inputs.
    pub kept: &'a [(String, String)],
    /// Whether a two-factor code is offered besides the password.
    pub two_factor: bool,
    /// Why the last attempt failed.
    pub error: Option<&'a str>,
    /// The signed-in account's address, for password managers.
    pub account: &'a str,
}

pub fn sudo(page: &SudoPage<'_>) -> Markup {
    let form = PostForm {
        username: Some(page.account),
        ..PostForm::new(ids::SUDO, page.action)
    };
    let controls = html! {
        @for (name, value) in page.kept {
            input type="hidden" name=(name) value=(value);
        }
        (action_button("Confirm", ButtonStyle::Primary))
    };
    html! {
        section.auth-panel.__card {
            h1 { "Confirm it is you" }
            p {
                "You are about to do something that needs a recent sign-in. Confirm it is you \
                 to carry on; what you entered before is kept."
            }
            (form.render(&fields::sudo(page.two_factor, page.error), controls))
            (passkeys::confirm(page.action, page.kept))
            p.alternatives { a href=(paths::PASSWORD_FORGOT) { "Forgot your password?" } }
        }
    }
}

/// The second step of a sign-in with two-factor authentication on.
pub fn login_two_factor(error: Option<&str>) -> Markup {
    let form = PostForm::new(ids::LOGIN_TWO_FACTOR, paths::LOGIN_TWO_FACTOR);
    let hint = "The six digits your authenticator app shows, or one of your recovery codes.";
    html! {
        section.auth-panel.__card {
            h1 { "Two-factor authentication" }
            p { "Your password was right. One more step: enter a code to finish signing in." }
            (form.render(&fields::two_factor_code(ids::LOGIN_TWO_FACTOR, hint, error), action_button("Verify", ButtonStyle::Primary)))
            (passkeys::second_factor())
            p.alternatives { a href=(paths::LOGIN) { "Start again" } }
        }
    }
}

/// Where two-factor authentication stands for the user.
pub enum TwoFactorState {
    Off,
    On {
        since: OffsetDateTime,
        recovery_codes_left: i64,
    },
}

/// The two-factor page: turn it on, or (when on) new recovery codes and turning it off.
/// `disable_error`: why the last attempt to turn it off failed.
pub fn two_factor(state: &TwoFactorState, disable_error: Option<&str>) -> Markup {
    html! {
        h1 { "Two-factor authentication" }
        @match state {
            TwoFactorState::Off => {
                section.auth-panel {
                    p {
                        "With two-factor authentication on, signing in takes a code from an \
                         authenticator app on your phone besides your password, so a stolen \
                         password is not enough."
                    }
                    p.hint { "Status: off." }
                    form #(ids::TWO_FACTOR_SETUP) method="post" action=(paths::TwoFactorSetupPath) {
                        (action_button("Set up two-factor authentication", ButtonStyle::Primary))
                    }
                }
            }
            TwoFactorState::On { since, recovery_codes_left } => {
                section.auth-panel {
                    p { "Two-factor authentication is on since " (humanize::day(*since)) "." }
                }
                section.auth-panel {
                    h2 { "Recovery codes" }
                    p {
                        "You have " (recovery_codes_left) " unused recovery "
                        @if *recovery_codes_left == 1 { "code" } @else { "codes" }
                        ". Each lets you sign in once without your phone. New codes replace \
                         every old one."
                    }
                    form #(ids::RECOVERY_CODES) method="post" action=(paths::RecoveryCodesPath) {
                        (action_button("Get new recovery codes", ButtonStyle::Secondary))
                    }
                }
                section.auth-panel {
                    h2 { "Turn off" }
                    @let hint = "A code from your authenticator app, or a recovery code.";
                    (PostForm::new(ids::TWO_FACTOR_DISABLE, &paths::TwoFactorDisablePath.to_string())
                        .render(&fields::two_factor_code(ids::TWO_FACTOR_DISABLE, hint, disable_error), action_button("Turn off two-factor authentication", ButtonStyle::Danger)))
                }
            }
        }
        p { a href=(paths::ACCOUNT) { "Back to your account" } }
    }
}

/// Setting two-factor authentication up: the secret as a QR code, as a link for an app on
/// this device (`uri`, the `otpauth:` URI the QR code holds) and as text in groups, and the
/// form that confirms it with a code.
pub fn two_factor_setup(
    qr_code: Markup,
    uri: &str,
    secret_groups: &[String],
    error: Option<&str>,
) -> Markup {
    let hint = "The six digits the app shows for this account.";
    let action = paths::TwoFactorEnablePath.to_string();
    let form = PostForm::new(ids::TWO_FACTOR_ENABLE, &action);
    html! {
        h1 { "Set up two-factor authentication" }
        ol.two-factor-setup {
            li {
                p { "Scan this code with an authenticator app (any app for time-based codes):" }
                (qr_code)
                p { "On this device: " a.otpauth href=(uri) { "open it in your authenticator app" } "." }
                p { "Or enter this key by hand:" }
                p { code.secret { @for group in secret_groups { span { (group) } } } }
            }
            li {
                p { "Enter the code the app shows, to check it works:" }
                (form.render(&fields::two_factor_code(ids::TWO_FACTOR_ENABLE, hint, error), action_button("Turn on", ButtonStyle::Primary)))
            }
        }
        p { a href=(paths::ACCOUNT_TWO_FACTOR) { "Cancel" } }
    }
}

/// Recovery codes, shown once: a list to print, and a text file to keep.
pub fn recovery_codes(codes: &[String]) -> Markup {
    let text = codes.join("\n");
    let download = format!(
        "data:text/plain;charset=utf-8,{}",
        super::session::encode_query_value(&format!("{text}\n"))
    );
    html! {
        h1 { "Your recovery codes" }
        section.recovery-codes {
            p {
                "If you lose your phone, each of these codes lets you sign in once. Keep them \
                 somewhere safe: they are shown only now."
            }
            ol.codes { @for code in codes { li { code { (code) } } } }
            p.actions {
                a download="recovery-codes.txt" href=(download) { "Download as a text file" }
                " · "
                a href=(paths::ACCOUNT_TWO_FACTOR) { "Done" }
            }
        }
    }
}

/// The values and errors of the account page's forms.
#[derive(Default)]
pub struct AccountForms<'a> {
    pub password_errors: FieldErrors,
    pub email_value: &'a str,
    pub email_errors: FieldErrors,
}

pub fn account(user: &AuthUser, forms: &AccountForms<'_>) -> Markup {
    html! {
        h1 { "Your account" }
        dl.account-summary {
            dt { "Email" } dd { (user.email) }
            dt { "Confirmed" } dd {
                @if let Some(at) = user.email_confirmed_at { (moment(at)) } @else { "Not yet" }
            }
            dt { "Member since" } dd { (moment(user.created_at)) }
        }
        section.auth-panel {
            h2 { "Change password" }
            (PostForm { username: Some(&user.email), ..PostForm::new(ids::CHANGE_PASSWORD, paths::ACCOUNT_PASSWORD) }
                .render(&fields::change_password(&forms.password_errors), action_button("Change password", ButtonStyle::Primary)))
            p.hint { "Changing your password signs you out everywhere else." }
        }
        section.auth-panel {
            h2 { "Change email" }
            // The current address, for the password manager: the field holds the new one.
            (PostForm { username: Some(&user.email), ..PostForm::new(ids::CHANGE_EMAIL, paths::ACCOUNT_EMAIL) }
                .render(&fields::change_email(forms.email_value, &forms.email_errors), action_button("Change email", ButtonStyle::Primary)))
        }
        section.auth-panel {
            h2 { "Passkeys" }
            p { "Sign in with your fingerprint, face or screen lock instead of your password." }
            p { a href=(paths::ACCOUNT_PASSKEYS) { "Manage your passkeys" } }
        }
        section.auth-panel {
            h2 { "Two-factor authentication" }
            p { "A code from your phone besides your password. " a href=(paths::ACCOUNT_TWO_FACTOR) { "Two-factor settings" } }
        }
        section.auth-panel {
            h2 { "Sessions" }
            p { a href=(paths::ACCOUNT_SESSIONS) { "See where you are signed in" } ", and sign out any one session." }
            p { "Signed in on another device you no longer use? End every session but this one." }
            form method="post" action=(paths::ACCOUNT_END_OTHER_SESSIONS) {
                (action_button("End all others", ButtonStyle::Secondary))
            }
        }
        section.danger-zone {
            h2 { "Delete account" }
            p { "Deleting your account removes your contacts, files and exports for good." }
            (action_link(paths::ACCOUNT_DELETE, "Delete my account…", ButtonStyle::Danger))
        }
    }
}

/// The list's columns.
const USER_COLUMNS: [Column<'static>; 5] = [
    Column::Primary("Email"),
    Column::Short("Role"),
    Column::Short("Confirmed"),
    Column::Detail("State"),
    Column::Short("Joined"),
];

/// The administrators' list; `later_page` when reached without JavaScript past the first.
pub fn admin_users(page: &UsersPage, later_page: bool) -> Markup {
    html! {
        h1 { "Users" }
        @if later_page {
            p { a href=(AdminUsersPath) { "Back to the newest users" } }
        }
        (record_list("Users", &USER_COLUMNS, admin_user_rows(page)))
    }
}

/// The rows of a page and, when there is more, the row that loads the next page: a link
/// without JavaScript, and with it as soon as it scrolls into view.
pub fn admin_user_rows(page: &UsersPage) -> Markup {
    html! {
        @for user in &page.rows {
            tr {
                th scope="row" { (user.email) }
                td { @match user.role { Role::Admin => "admin", Role::User => "user" } }
                // Words that read alone too, on a phone's second line.
                td { @if user.email_confirmed_at.is_some() { "confirmed" } @else { "unconfirmed" } }
                td {
                    @if user.is_locked() { "locked" }
                    @else if user.failed_logins > 0 { (user.failed_logins) " failed sign-ins" }
                    @else { "active" }
                }
                td { (moment(user.created_at)) }
            }
        }
        @if let Some(next) = &page.next {
            @let url = format!("{AdminUsersPath}?after={}", next.encode());
            (more_row(ids::USERS_MORE, &url, USER_COLUMNS.len(), "Older users"))
        }
    }
}

inventory::submit! { CssFragment::new("auth-panel", r#"
.auth-panel {
    max-width: 28rem;
    margin-bottom: var(--space-6);

    /* A page that is one form (sign in, sign up, a link's landing): a card in the middle. */
    &.__card {
        margin: var(--space-2) auto var(--space-6);
        padding: var(--space-5);
        border: 1px solid var(--color-border);
        border-radius: calc(2 * var(--radius));
        background: var(--color-surface);
    }
    &.__card h1 { margin-top: 0; }
    @media (max-width: 30rem) {
        &.__card { padding: 0; border: 0; background: none; }
    }

    & h1 { margin-bottom: var(--space-4); }
    & .alternatives, & .hint { color: var(--color-muted); font-size: var(--text-sm); }
    & .login-reason {
        margin: 0 0 var(--space-4);
        padding: var(--space-2) var(--space-3);
        border-left: 4px solid var(--color-accent);
        background: var(--color-bg);
    }
    & .remember { display: flex; gap: var(--space-2); align-items: center; margin-bottom: var(--space-4); }
}
"#) }

inventory::submit! { CssFragment::new("two-factor-setup", r#"
.two-factor-setup {
    max-width: 28rem;
    padding-left: var(--space-4);

    & .qr-code { width: 12rem; height: 12rem; display: block; margin-bottom: var(--space-2); }
    & .secret { overflow-wrap: anywhere; font-size: var(--text-md); }
    /* Groups apart for reading, with no space to copy. */
    & .secret span + span { margin-left: 0.6ch; }
}
"#) }

inventory::submit! { CssFragment::new("recovery-codes", r#"
.recovery-codes {
    max-width: 28rem;

    & .codes { columns: 2; font-size: var(--text-md); margin-bottom: var(--space-4); }
    @media print {
        & .actions { display: none; }
    }
}
"#) }

inventory::submit! { CssFragment::new("account-summary", r#"
.account-summary {
    display: grid;
    /* minmax(0, …): a long address wraps instead of widening the page. */
    grid-template-columns: max-content minmax(0, 1fr);
    gap: var(--space-1) var(--space-4);
    margin-bottom: var(--space-6);

    & dt { color: var(--color-muted); }
    & dd { margin: 0; overflow-wrap: anywhere; }
}
"#) }

#[cfg(test)]
mod tests {
    use super::login_reason;

    #[test]
    fn the_login_page_says_why_from_the_page_asked_for() {
        assert_eq!(login_reason("/"), None);
        assert_eq!(
            login_reason("/contacts"),
            Some("Log in to see your contacts.")
        );
        assert_eq!(
            login_reason("/contacts?q=ada"),
            Some("Log in to see your contacts.")
        );
        assert_eq!(
            login_reason("/contacts/new"),
            Some("Log in to see your contacts.")
        );
        assert_eq!(login_reason("/contactsx"), Some("Log in to see this page."));
        assert_eq!(login_reason("/files"), Some("Log in to see your files."));
        assert_eq!(login_reason("/account"), Some("Log in to see this page."));
    }
}
