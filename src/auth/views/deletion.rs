//! The page that asks before deleting the account: what goes, that it cannot be undone, and
//! the form that does it (a plain form: it works without JavaScript).

use maud::{Markup, html};

use crate::{
    auth::{AuthUser, fields::ids, paths},
    web::{
        components::{ButtonStyle, action_button},
        css::CssFragment,
    },
};

/// Sudo mode has made sure it is the user: the form is a button.
pub fn confirm_delete(user: &AuthUser) -> Markup {
    html! {
        section.account-deletion {
            h1 { "Delete your account?" }
            p { "This deletes the account " strong { (user.email) } " and everything in it, for good:" }
            ul {
                li { "your contacts, your files and your exports;" }
                li { "every session, on every device, which is signed out at once;" }
                li { "any message still waiting to be sent to you." }
            }
            p.warning { "It cannot be undone. A last message to your address confirms it." }
            form #(ids::DELETE_ACCOUNT) method="post" action=(paths::ACCOUNT_DELETE) {
                div.form-actions {
                    (action_button("Delete my account", ButtonStyle::Danger))
                    a href=(paths::ACCOUNT) { "Cancel" }
                }
            }
        }
    }
}

inventory::submit! { CssFragment::new("account-deletion", r#"
.account-deletion {
    max-width: 32rem;
    border-left: 4px solid var(--color-danger);
    padding-left: var(--space-4);

    & .warning { color: var(--color-danger); font-weight: 600; }
}
"#) }

// The account page's section that leads here.
inventory::submit! { CssFragment::new("danger-zone", r#"
.danger-zone {
    max-width: 28rem;
    margin-bottom: var(--space-6);
    border-left: 4px solid var(--color-danger);
    padding-left: var(--space-4);

    & h2 { color: var(--color-danger); }
}
"#) }
