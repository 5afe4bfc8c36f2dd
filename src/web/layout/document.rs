//! The HTML around every page's content: the document's `<head>` (stylesheet, scripts) and
//! the part of `<body>` boosted navigation swaps (skip link, site header, alerts, `<main>`,
//! footer), with their CSS. `mod.rs` decides how much of it a request gets.

use maud::{DOCTYPE, Markup, html};

use super::PageLayout;
use crate::web::{
    assets::asset_url,
    components::flash_messages,
    css::{CssFragment, Stylesheet},
    flash::FlashMessage,
    live_reload,
    site_header::SiteHeader,
    theme,
};

/// What `<head>` holds besides the title, the same for every page of a frame (the
/// [`PageFrame`](super::PageFrame) renders it once).
pub(super) fn head(stylesheet: &Stylesheet, live_reload: bool) -> Markup {
    html! {
        meta charset="utf-8";
        meta name="viewport" content="width=device-width, initial-scale=1";
        link rel="stylesheet" href=(stylesheet.href());
        link rel="icon" href=(asset_url("favicon.svg")) type="image/svg+xml";
        script src=(asset_url("vendor/htmx-2.0.11.min.js")) defer {}
        script src=(asset_url("vendor/htmx-ext-sse-2.2.4.min.js")) defer {}
        script src=(asset_url("app.js")) defer {}
        // Here rather than on the files page: htmx runs no script it swaps in, so a page
        // reached by boosted navigation only has what the first load had.
        script src=(asset_url("upload.js")) defer {}
        // Likewise for the passkey forms (account page, login page).
        script src=(asset_url("passkeys.js")) defer {}
        @if live_reload {
            script src=(asset_url(live_reload::SCRIPT)) data-url=(live_reload::PATH) defer {}
        }
    }
}

/// The region flash messages and error notices are swapped into.
pub const ALERTS_ID: &str = "alerts";

impl PageLayout {
    /// The whole document, for a request that is not htmx's.
    pub(super) fn document(
        &self,
        title: &str,
        content: Markup,
        flashes: &[FlashMessage],
    ) -> Markup {
        html! {
            (DOCTYPE)
            html lang="en" data-theme=[self.theme.attribute()] {
                head {
                    (self.frame.head())
                    title { (title) " · " (crate::APP_NAME.as_str()) }
                }
                // Every link and form is boosted: see `web::htmx`.
                body data-hx-boost="true" { (self.body(content, flashes)) }
            }
        }
    }

    /// What is inside `<body>`: the part boosted navigation swaps, so that whatever the frame
    /// puts around a signed-in user's page (the live event stream) comes and goes with it.
    pub(super) fn body(&self, content: Markup, flashes: &[FlashMessage]) -> Markup {
        let page = self.page(content, flashes);
        if self.current_user.is_none() {
            return page;
        }
        (self.frame.signed_in_frame)(page)
    }

    fn page(&self, content: Markup, flashes: &[FlashMessage]) -> Markup {
        html! {
            a.skip-link href="#main" { "Skip to content" }
            (SiteHeader {
                links: &self.frame.links,
                user: self.current_user.as_ref(),
                current_path: &self.current_path,
            }.render())
            div #(ALERTS_ID) { (flash_messages(flashes)) }
            // Focusable from script, so that after boosted navigation `app.js` can move focus
            // to the new page's content as a full load would move it to the top.
            main #main.page-content tabindex="-1" { (content) }
            footer.site-footer {
                p { "Built with Axum, Maud, htmx and PostgreSQL." }
                (theme::switcher(self.theme, &self.current_path))
            }
        }
    }
}

/// `messages` in place of the page's alerts, for a fragment that also has something to say
/// (htmx swaps it out of band, wherever the fragment itself goes).
pub fn alerts_out_of_band(messages: &[FlashMessage]) -> Markup {
    html! {
        div #(ALERTS_ID) data-hx-swap-oob="true" { (flash_messages(messages)) }
    }
}

inventory::submit! { CssFragment::new("site-footer", r#"
.site-footer {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    justify-content: center;
    gap: var(--space-3) var(--space-5);
    padding: var(--space-5);
    color: var(--color-muted);
    font-size: var(--text-sm);

    & p { margin: 0; }
}
"#) }

inventory::submit! { CssFragment::new("skip-link", r#"
.skip-link {
    position: absolute;
    left: -100vw;

    &:focus {
        left: var(--space-3);
        top: var(--space-3);
        padding: var(--space-2) var(--space-3);
        background: var(--color-surface);
    }
}
"#) }

inventory::submit! { CssFragment::new("page-content", r#"
.page-content {
    /* Below the header, above the footer, which stays at the bottom of a short page. */
    flex: 1 0 auto;
    width: min(100% - 2 * var(--space-5), var(--content-width));
    margin: var(--space-6) auto;

    /* Lists get the room their columns need. */
    &:has(.data-table, .record-list) { --content-width: var(--list-width); }

    /* Focused by script after boosted navigation (see app.js), never by the user. */
    &:focus { outline: none; }
}
"#) }
