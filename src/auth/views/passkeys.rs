//! The passkey pages: the account's list (rename, remove) with the form that adds one, and
//! the "Sign in with a passkey" form of the login page.
//!
//! Creating or using a passkey is the browser's WebAuthn API, which only script can call:
//! `assets/passkeys.js` finds these forms by their `data-passkey` wrapper, fetches the options
//! from `data-options`, asks the browser, puts the signed answer in the hidden `credential`
//! input and submits the form as usual (so the answer is a page, as for any form). Without
//! script the pages say so, and listing, renaming and removing still work.

use axum_extra::routing::TypedPath;
use maud::{Markup, html};
use uuid::Uuid;

use crate::auth::{
    fields::{self, ids, sudo as sudo_fields},
    passkey_db::Passkey,
    paths::{
        self, AccountPasskeysPath, PasskeyConfirmOptionsPath, PasskeyDeletePath,
        PasskeyRegistrationOptionsPath, PasskeyRenamePath, PasskeySecondFactorOptionsPath,
        PasskeySecondFactorPath, PasskeySignInOptionsPath, PasskeySignInPath,
    },
};
use crate::web::{
    components::{ButtonStyle, PostForm, action_button, data_table, empty_state, moment},
    css::CssFragment,
    form::FieldErrors,
    humanize,
};

pub const TITLE: &str = "Passkeys";

/// What the passkeys page shows besides the list: the add form's value and errors, and a
/// rename that was refused.
#[derive(Default)]
pub struct PageState<'a> {
    /// `false` when this site cannot have passkeys (its address is not a domain name).
    pub unavailable: bool,
    pub new_name: &'a str,
    pub new_errors: FieldErrors,
    /// Why the last passkey could not be added.
    pub problem: Option<&'a str>,
    /// The passkey whose rename was refused: its id, what was typed, and why.
    pub rename: Option<(Uuid, &'a str, &'a str)>,
}

pub fn page(passkeys: &[Passkey], state: &PageState<'_>) -> Markup {
    html! {
        h1 { (TITLE) }
        p.passkeys-intro {
            "A passkey signs you in with your device's screen lock, fingerprint, face or "
            "security key instead of your password. It never leaves your device, and it only "
            "works on this site, so it cannot be phished."
        }
        section.passkeys-list aria-labelledby="passkeys-yours" {
            h2 #passkeys-yours { "Your passkeys" }
            @if passkeys.is_empty() {
                (empty_state("No passkeys yet", "Add one below to sign in without your password.", None))
            } @else {
                (data_table("Your passkeys", &["Name", "Added", "Last used", "Remove"], rows(passkeys, state)))
            }
        }
        section.auth-panel aria-labelledby="passkeys-add" {
            h2 #passkeys-add { "Add a passkey" }
            @if state.unavailable {
                p {
                    "Passkeys are not available here: browsers only allow them on a site "
                    "reached by its domain name, and this one is configured with an IP address."
                }
            } @else {
                noscript {
                    p.hint { "Adding a passkey needs JavaScript, which is off in this browser. You can still rename and remove your passkeys." }
                }
                div data-passkey="register" data-options=(PasskeyRegistrationOptionsPath::PATH) {
                    (PostForm { error: state.problem, ..PostForm::new(ids::PASSKEY_REGISTER, AccountPasskeysPath::PATH) }
                        .render(&fields::new_passkey(state.new_name, &state.new_errors), html! {
                            input type="hidden" name="credential" value="" data-passkey-answer;
                            p.passkey-status role="status" {}
                            (action_button("Add a passkey", ButtonStyle::Primary))
                        }))
                }
            }
        }
        p { a href=(paths::ACCOUNT) { "Back to your account" } }
    }
}

fn rows(passkeys: &[Passkey], state: &PageState<'_>) -> Markup {
    html! {
        @for passkey in passkeys {
            @let form_id = format!("{}{}", ids::PASSKEY_RENAME_PREFIX, passkey.id);
            @let refused = state.rename.filter(|(id, _, _)| *id == passkey.id);
            @let value = refused.map_or(passkey.name.as_str(), |(_, value, _)| value);
            @let label = format!("Name of the passkey added on {}", humanize::day(passkey.created_at));
            tr {
                td data-label="Name" {
                    form.passkey-rename #(form_id) method="post" action=(PasskeyRenamePath { id: passkey.id.into() }) novalidate {
                        (fields::passkey_name(&form_id, &label, value, refused.map(|(_, _, error)| error)).render())
                        button type="submit" class="action-button __secondary" {
                            "Rename" span._visually-hidden { " " (passkey.name) }
                        }
                    }
                }
                td data-label="Added" { (moment(passkey.created_at)) }
                td data-label="Last used" {
                    @if let Some(at) = passkey.last_used_at { (moment(at)) } @else { "Never" }
                }
                td data-label="Remove" {
                    form method="post" action=(PasskeyDeletePath { id: passkey.id.into() })
                        data-hx-confirm={ "Remove the passkey \u{201c}" (passkey.name) "\u{201d}? It will no longer sign you in." } {
                        button type="submit" class="action-button __danger" {
                            "Remove" span._visually-hidden { " " (passkey.name) }
                        }
                    }
                }
            }
        }
    }
}

/// The login page's other way in: `next` is where to go after.
pub fn sign_in(next: &str) -> Markup {
    html! {
        div.passkey-sign-in data-passkey="sign-in" data-options=(PasskeySignInOptionsPath::PATH) {
            p.or aria-hidden="true" { "or" }
            form #(ids::PASSKEY_SIGN_IN) method="post" action=(PasskeySignInPath::PATH) {
                input type="hidden" name="next" value=(next);
                input type="hidden" name="credential" value="" data-passkey-answer;
                (action_button("Sign in with a passkey", ButtonStyle::Secondary))
                p.passkey-status role="status" {}
            }
            noscript { p.hint { "Signing in with a passkey needs JavaScript." } }
        }
    }
}

/// Sudo mode's other proof: a passkey, through a form posting to the same `action` with the
/// same `kept` fields as the password form beside it.
pub fn confirm(action: &str, kept: &[(String, String)]) -> Markup {
    html! {
        div.passkey-sign-in data-passkey="confirm" data-options=(PasskeyConfirmOptionsPath::PATH) {
            p.or aria-hidden="true" { "or" }
            form #(ids::PASSKEY_CONFIRM) method="post" action=(action) {
                @for (name, value) in kept {
                    input type="hidden" name=(name) value=(value);
                }
                input type="hidden" name=(sudo_fields::PASSKEY) value="" data-passkey-answer;
                (action_button("Use a passkey", ButtonStyle::Secondary))
                p.passkey-status role="status" {}
            }
        }
    }
}

/// The second step's other way: a passkey of the account whose password was right.
pub fn second_factor() -> Markup {
    html! {
        div.passkey-sign-in data-passkey="second-factor" data-options=(PasskeySecondFactorOptionsPath::PATH) {
            p.or aria-hidden="true" { "or" }
            form #(ids::PASSKEY_SECOND_FACTOR) method="post" action=(PasskeySecondFactorPath::PATH) {
                input type="hidden" name="credential" value="" data-passkey-answer;
                (action_button("Use a passkey", ButtonStyle::Secondary))
                p.passkey-status role="status" {}
            }
        }
    }
}

/// A passkey sign-in that did not work: why, and the ways to try again.
pub fn sign_in_failed(next: &str, problem: &str) -> Markup {
    html! {
        section.auth-panel {
            h1 { "Sign in with a passkey" }
            div.error-summary tabindex="-1" data-error-summary {
                div role="alert" {
                    h2.title { "There is a problem" }
                    p { (problem) }
                }
            }
            (sign_in(next))
            p.alternatives { a href=(paths::LOGIN) { "Log in with your password" } }
        }
    }
}

inventory::submit! { CssFragment::new("passkey-rename", r#"
.passkeys-intro { max-width: 40rem; }
.passkeys-list { margin-bottom: var(--space-6); }
.passkey-rename {
    display: flex;
    flex-wrap: wrap;
    gap: var(--space-2);
    align-items: flex-start;

    & .form-field { margin: 0; flex: 1 1 10rem; }
}
"#) }

inventory::submit! { CssFragment::new("passkey-sign-in", r#"
.passkey-sign-in {
    margin-top: var(--space-4);

    & .or { color: var(--color-muted); font-size: var(--text-sm); margin-bottom: var(--space-2); }
}
.passkey-status { color: var(--color-muted); font-size: var(--text-sm); }
.passkey-status:empty { display: none; }
"#) }
