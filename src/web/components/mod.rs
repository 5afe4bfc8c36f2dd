//! Shared Maud components. Each registers its CSS right beside its markup, under the
//! component's class name. Feature modules build their pages from these, so what they fix
//! (unique field ids, errors that are seen, tables that fit a phone) every page gets.

mod form_field;
mod list;
mod moment;
mod post_form;

use maud::{Markup, html};

pub use self::{
    form_field::{FormField, InputKind},
    list::{Column, data_table, empty_state, missing, more_row, optional, record_list},
    moment::{moment, moment_at},
    post_form::{PostForm, announce_field, field_announcer},
};
use super::{css::CssFragment, flash::FlashMessage};

/// The flash messages of a page, announced politely to screen readers.
pub fn flash_messages(messages: &[FlashMessage]) -> Markup {
    html! {
        div.flash-messages role="status" aria-live="polite" {
            @for message in messages {
                p class={ "flash-message " (message.level.class()) } { (message.text) }
            }
        }
    }
}

inventory::submit! { CssFragment::new("flash-messages", r#"
.flash-messages {
    display: grid;
    gap: var(--space-2);
    width: min(100% - 2 * var(--space-5), var(--content-width));
    margin: var(--space-4) auto 0;

    &:empty { display: none; }
}
"#) }

inventory::submit! { CssFragment::new("flash-message", r#"
.flash-message {
    margin: 0;
    padding: var(--space-3) var(--space-4);
    border-radius: var(--radius);
    border-left: 4px solid var(--color-accent);
    background: var(--color-surface);
    /* Messages quote addresses, which may be longer than a phone is wide. */
    overflow-wrap: anywhere;

    &.__success { border-color: var(--color-success); }
    &.__error { border-color: var(--color-danger); }
}
"#) }

/// Visual weight of an [`action_button`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ButtonStyle {
    Primary,
    Secondary,
    /// For what cannot be undone.
    Danger,
}

impl ButtonStyle {
    fn class(self) -> &'static str {
        match self {
            Self::Primary => "__primary",
            Self::Secondary => "__secondary",
            Self::Danger => "__danger",
        }
    }
}

/// A submit button. Inside an htmx request it shows the indicator htmx toggles; otherwise
/// the indicator takes no room, so the label sits in the middle of the button.
pub fn action_button(label: &str, style: ButtonStyle) -> Markup {
    html! {
        button type="submit" class={ "action-button " (style.class()) } {
            (label)
            span.htmx-indicator aria-hidden="true" { " …" }
        }
    }
}

/// A link that looks like an [`action_button`]: for actions that lead to a page (add, edit)
/// rather than change something.
pub fn action_link(href: &str, label: &str, style: ButtonStyle) -> Markup {
    html! {
        a href=(href) class={ "action-button " (style.class()) } { (label) }
    }
}

/// The buttons under a form: `label` submits it, "Cancel" leads back to `cancel`.
pub fn form_actions(label: &str, cancel: &str) -> Markup {
    html! {
        div.form-actions {
            (action_button(label, ButtonStyle::Primary))
            a href=(cancel) { "Cancel" }
        }
    }
}

inventory::submit! { CssFragment::new("form-actions", r#"
.form-actions {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: var(--space-4);
}
"#) }

inventory::submit! { CssFragment::new("action-button", r#"
.action-button {
    display: inline-flex;
    align-items: center;
    justify-content: center;
    gap: var(--space-1);
    padding: var(--space-2) var(--space-4);
    border: 1px solid transparent;
    border-radius: var(--radius);
    font: inherit;
    font-weight: 600;
    line-height: inherit;
    text-decoration: none;
    cursor: pointer;

    &.__primary { background: var(--color-accent); color: var(--color-on-accent); }
    &.__secondary { background: var(--color-surface); border-color: var(--color-border); color: var(--color-text); }
    &.__danger { background: var(--color-danger); color: var(--color-on-accent); }
    /* Hovered, a filled button darkens in the light scheme and lightens in the dark one
       (mixed toward the text colour), so its label's contrast only grows. */
    &:hover:not(:disabled, [aria-disabled="true"]) {
        &.__primary { background: color-mix(in srgb, var(--color-accent) 85%, var(--color-text)); }
        &.__danger { background: color-mix(in srgb, var(--color-danger) 85%, var(--color-text)); }
        &.__secondary { background: var(--color-hover); border-color: var(--color-muted); }
    }
    &:active:not(:disabled, [aria-disabled="true"]) { translate: 0 1px; }
    &:disabled, &[aria-disabled="true"] { opacity: 0.5; cursor: not-allowed; }
    &:focus-visible { outline: 2px solid var(--color-accent); outline-offset: 2px; }
    & .htmx-indicator { display: none; }
    &.htmx-request .htmx-indicator, .htmx-request & .htmx-indicator { display: inline; }
}
"#) }

#[cfg(test)]
mod tests {
    use scraper::{Html, Selector};

    use super::*;
    use crate::web::flash::FlashLevel;

    fn parse(markup: Markup) -> Html {
        Html::parse_fragment(&markup.into_string())
    }

    fn count(doc: &Html, selector: &str) -> usize {
        doc.select(&Selector::parse(selector).unwrap()).count()
    }

    #[test]
    fn flash_messages_carry_their_level_and_escape_text() {
        let doc = parse(flash_messages(&[FlashMessage {
            level: FlashLevel::Error,
            text: "<img src=x onerror=alert(1)>".into(),
        }]));
        assert_eq!(
            count(
                &doc,
                ".flash-messages[aria-live=polite] .flash-message.__error"
            ),
            1
        );
        assert_eq!(count(&doc, "img"), 0);
    }
}
