//! Toasts: short notices pushed to every open page of a user (an export finished, the account
//! was locked from elsewhere). They stack in a corner, are read by screen readers as they
//! arrive, and go away when dismissed or after a while (`app.js`).

use maud::{Markup, html};

use super::EventName;
use crate::web::css::CssFragment;

/// The event toasts arrive as; the layout's toast region swaps them in.
pub(super) const TOAST: EventName = EventName::new("toast");

/// The element toasts are added to.
pub const TOASTS_ID: &str = "toasts";

/// A notice with an optional link.
#[derive(Debug, Clone)]
pub struct Toast {
    message: String,
    link: Option<(String, String)>,
}

impl Toast {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            link: None,
        }
    }

    /// Adds a link (`href`, its text) after the message.
    #[must_use]
    pub fn link(mut self, href: impl Into<String>, text: impl Into<String>) -> Self {
        self.link = Some((href.into(), text.into()));
        self
    }

    pub(super) fn render(&self) -> Markup {
        html! {
            div.toast data-toast {
                p {
                    (self.message)
                    @if let Some((href, text)) = &self.link {
                        " " a href=(href) { (text) }
                    }
                }
                button.toast-close type="button" data-toast-close aria-label="Dismiss" { "×" }
            }
        }
    }
}

/// What surrounds a signed-in user's page (the layout's `PageFrame::signed_in_frame`): the
/// element that opens the page's event stream, and the toasts' region inside it. Boosted
/// navigation swaps it with the page, which closes the old page's stream and opens the new
/// page's.
pub fn around_signed_in_page(page: Markup) -> Markup {
    html! {
        div.live-page data-hx-ext="sse" data-sse-connect=(super::PATH)
            data-sse-close=(super::SIGNED_OUT.as_str()) {
            (page)
            (toast_region())
        }
    }
}

inventory::submit! { CssFragment::new("live-page", r#"
/* Only opens the stream: the page lays out as if it were not there. */
.live-page { display: contents; }
"#) }

/// The region toasts are swapped into: inside the element that opens the stream. Its own
/// swap style is not passed on, so a link in a toast navigates as any other.
fn toast_region() -> Markup {
    html! {
        div #(TOASTS_ID) .toasts role="status" aria-live="polite"
            data-sse-swap=(TOAST.0) data-hx-swap="beforeend" data-hx-disinherit="*" {}
    }
}

inventory::submit! { CssFragment::new("toasts", r#"
.toasts {
    position: fixed;
    inset-block-end: var(--space-4);
    inset-inline-end: var(--space-4);
    z-index: 20;
    display: grid;
    gap: var(--space-2);
    width: min(100% - 2 * var(--space-4), 24rem);

    &:empty { display: none; }
}
"#) }

inventory::submit! { CssFragment::new("toast", r#"
.toast {
    display: flex;
    align-items: start;
    gap: var(--space-3);
    padding: var(--space-3) var(--space-4);
    border-radius: var(--radius);
    border-left: 4px solid var(--color-accent);
    background: var(--color-surface);
    box-shadow: 0 2px 12px rgb(0 0 0 / 0.2);
    overflow-wrap: anywhere;

    & p { margin: 0; flex: 1; }
}
"#) }

inventory::submit! { CssFragment::new("toast-close", r#"
.toast-close {
    min-width: 2.75rem;
    min-height: 2.75rem;
    margin: calc(-1 * var(--space-2));
    border: 0;
    background: none;
    color: inherit;
    font-size: 1.25rem;
    cursor: pointer;
}
"#) }

#[cfg(test)]
mod tests {
    use scraper::{Html, Selector};

    use super::*;

    #[test]
    fn a_signed_in_page_opens_its_stream_around_the_page_and_the_toasts() {
        let html = around_signed_in_page(html! { main { "page" } }).into_string();
        let doc = Html::parse_fragment(&html);
        let inside = |selector: &str| doc.select(&Selector::parse(selector).unwrap()).count();
        assert_eq!(
            inside("[data-sse-connect='/live'][data-sse-close='signed-out'] > main"),
            1
        );
        assert_eq!(
            inside("[data-sse-connect] > #toasts[data-sse-swap='toast']"),
            1
        );
    }
}
