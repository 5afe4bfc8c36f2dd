//! A contact's page: its details, the addresses in its notes as links, and its actions.

use maud::{Markup, html};

use crate::{
    contacts::{
        db::Contact,
        paths::{DeletePath, EditPath, ListPath},
    },
    web::{
        components::{ButtonStyle, action_link, missing},
        css::CssFragment,
        linkify::linkify,
    },
};

pub fn show(contact: &Contact) -> Markup {
    let id = contact.id;
    html! {
        article.contact-card {
            p.back { a href=(ListPath) { "← All contacts" } }
            h1 { (contact.name()) }
            @if let Some(company) = &contact.company { p.company { (company) } }
            dl {
                dt { "Email" }
                dd {
                    @match &contact.email {
                        Some(email) => a href={ "mailto:" (email) } { (email) },
                        None => (missing()),
                    }
                }
                dt { "Phone" }
                dd {
                    @match &contact.phone {
                        Some(phone) => a href={ "tel:" (phone.replace(' ', "")) } { (phone) },
                        None => (missing()),
                    }
                }
                dt { "Notes" }
                dd.notes { @match &contact.notes {
                    Some(notes) => (linkify(notes)),
                    None => (missing()),
                } }
                dt { "Added" }
                dd { time datetime=(contact.created_at.date()) { (contact.created_at.date()) } }
            }
            div.actions {
                (action_link(&EditPath { id: id.into() }.to_string(), "Edit", ButtonStyle::Primary))
                (action_link(&DeletePath { id: id.into() }.to_string(), "Delete", ButtonStyle::Danger))
            }
        }
    }
}

inventory::submit! { CssFragment::new("contact-card", r#"
.contact-card {
    & .back { margin: 0 0 var(--space-3); }
    & h1 { margin-bottom: var(--space-1); }
    & .company { margin-top: 0; color: var(--color-muted); }
    & dl { display: grid; grid-template-columns: max-content 1fr; gap: var(--space-2) var(--space-4); }
    & dt { color: var(--color-muted); font-weight: 600; }
    & dd { margin: 0; overflow-wrap: anywhere; }
    & .notes { white-space: pre-wrap; }
    & .none { color: var(--color-muted); }
    & .actions { display: flex; flex-wrap: wrap; gap: var(--space-3); margin-top: var(--space-5); }
}
"#) }
