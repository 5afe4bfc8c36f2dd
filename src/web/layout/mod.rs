//! The page layout and the [`PageLayout`] extractor every page handler takes.
//!
//! ```text
//! async fn show(layout: PageLayout) -> Page {
//!     layout.render("Title", html! { h1 { "Hello" } }).await
//! }
//! ```
//!
//! A plain request gets the whole document; boosted navigation gets what goes inside `<body>`
//! (header, flash messages, content and footer, so the active link and the messages are those
//! of the new page) and the `<title>`; any other htmx request gets only the content, the
//! `<title>`, and pending flash messages as an out-of-band swap (see [`Wants`]). Every
//! response says which request headers it varies on. Flash messages are taken from the
//! session when the page is rendered, not when the layout is extracted, so a handler that
//! takes the layout and then redirects leaves them for the next page.
//!
//! The layout carries what the request [`Wants`]: a handler that takes it asks
//! `layout.wants()` (`fragment_for` a target, or to `redirect`) and takes no `Wants` of its
//! own.
//!
//! This file decides how much of the page a request gets; `document.rs` is the markup around
//! the content (the `<head>`, the header, alerts, `<main>` and footer) with its CSS.

mod document;

use std::{borrow::Cow, convert::Infallible, sync::Arc};

use axum::{
    extract::{FromRef, FromRequestParts},
    http::{header, request::Parts},
    response::{Html, IntoResponse, Response},
};
use maud::{Markup, PreEscaped, html};
use tower_sessions::Session;

pub use self::document::{ALERTS_ID, alerts_out_of_band};
use super::{
    css::Stylesheet,
    current_user::CurrentUser,
    flash::{self, FlashMessage},
    htmx::{VARY_ON_HTMX, Wants},
    site_header::SiteLinks,
    theme::Theme,
};

/// What the frame around every page needs from the app: the compiled stylesheet, the
/// header's links, and what surrounds a signed-in user's page. Cheap to clone; handlers reach
/// it through `FromRef`.
#[derive(Debug, Clone)]
pub struct PageFrame {
    stylesheet: Arc<Stylesheet>,
    pub links: SiteLinks,
    /// Pages load the live-reload script (development only; see `web::live_reload`).
    live_reload: bool,
    /// Wraps a signed-in user's page: the composition root gives `live`'s event stream and
    /// toasts, so that the layout needs to know nothing of them.
    pub signed_in_frame: fn(Markup) -> Markup,
    /// The `<head>` but for the title, the same on every page: rendered here once (see
    /// [`PageFrame::head`]).
    head: Arc<str>,
}

impl PageFrame {
    pub fn new(
        stylesheet: Arc<Stylesheet>,
        links: SiteLinks,
        live_reload: bool,
        signed_in_frame: fn(Markup) -> Markup,
    ) -> Self {
        let head = document::head(&stylesheet, live_reload)
            .into_string()
            .into();
        Self {
            stylesheet,
            links,
            live_reload,
            signed_in_frame,
            head,
        }
    }

    pub fn stylesheet(&self) -> &Arc<Stylesheet> {
        &self.stylesheet
    }

    /// Whether pages load the live-reload script (development only).
    pub fn live_reload(&self) -> bool {
        self.live_reload
    }

    /// The `<head>` but for the title. A debug build reads the assets from disk as they are
    /// edited, and their URLs carry their content's hash: there it is rendered for each page,
    /// so that an edited script is fetched at the next load rather than at the next start.
    fn head(&self) -> PreEscaped<Cow<'_, str>> {
        // Either way, markup Maud rendered from constants and this frame: nothing of a
        // request is in it.
        if cfg!(debug_assertions) {
            PreEscaped(Cow::Owned(
                document::head(&self.stylesheet, self.live_reload).0,
            ))
        } else {
            PreEscaped(Cow::Borrowed(&self.head))
        }
    }
}

/// Everything the layout needs from the request, taken once per page.
pub struct PageLayout {
    wants: Wants,
    current_path: String,
    session: Option<Session>,
    current_user: Option<CurrentUser>,
    theme: Theme,
    frame: PageFrame,
}

impl<S> FromRequestParts<S> for PageLayout
where
    PageFrame: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Infallible> {
        Ok(Self {
            wants: Wants::from_request_parts(parts, state).await?,
            current_path: parts.uri.path().to_owned(),
            session: parts.extensions.get::<Session>().cloned(),
            current_user: parts.extensions.get::<CurrentUser>().cloned(),
            theme: Theme::of_request(&parts.headers),
            frame: PageFrame::from_ref(state),
        })
    }
}

impl PageLayout {
    /// A layout for responses built outside the router (error pages), with no session.
    pub fn bare(wants: Wants, current_path: &str, theme: Theme, frame: PageFrame) -> Self {
        Self {
            wants,
            current_path: current_path.to_owned(),
            session: None,
            current_user: None,
            theme,
            frame,
        }
    }

    /// The same layout shown to `user`: an error page keeps the navigation and account of
    /// whoever is signed in (see `web::error_pages`).
    pub fn signed_in_as(mut self, user: Option<CurrentUser>) -> Self {
        self.current_user = user;
        self
    }

    /// What the request wants: ask it [`Wants::fragment_for`] a target before answering
    /// with a fragment, and hand it to [`redirect`](super::htmx::redirect).
    pub fn wants(&self) -> &Wants {
        &self.wants
    }

    /// The page, as much of it as the request [`Wants`], with the flash messages waiting in
    /// the session (which this takes).
    pub async fn render(self, title: &str, content: Markup) -> Page {
        let flashes = match &self.session {
            Some(session) => flash::take(session).await,
            None => Vec::new(),
        };
        self.render_with(title, content, &flashes)
    }

    /// A fragment for an htmx request that targets part of a page (a table row, a list):
    /// just `content`, marked as personal when someone is signed in.
    pub fn fragment(&self, content: Markup) -> Page {
        Page {
            markup: content,
            personal: self.current_user.is_some(),
        }
    }

    fn render_with(&self, title: &str, content: Markup, flashes: &[FlashMessage]) -> Page {
        let markup = match self.wants {
            Wants::Document => self.document(title, content, flashes),
            Wants::Body => html! {
                title { (title) " · " (crate::APP_NAME.as_str()) }
                (self.body(content, flashes))
            },
            Wants::Fragment { .. } => html! {
                title { (title) " · " (crate::APP_NAME.as_str()) }
                (content)
                @if !flashes.is_empty() { (alerts_out_of_band(flashes)) }
            },
        };
        Page {
            markup,
            personal: self.current_user.is_some(),
        }
    }
}

/// A rendered page (or part of one). It tells caches which htmx headers it depends on, and a
/// page rendered for a signed-in user (it shows their address, at least) is never stored by
/// a browser or proxy cache.
pub struct Page {
    markup: Markup,
    personal: bool,
}

impl Page {
    pub fn into_markup(self) -> Markup {
        self.markup
    }
}

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        let no_store = self
            .personal
            .then_some([(header::CACHE_CONTROL, "private, no-store")]);
        (VARY_ON_HTMX, no_store, Html(self.markup.into_string())).into_response()
    }
}

#[cfg(test)]
mod tests {
    use scraper::{Html as Doc, Selector};

    use super::*;
    use crate::web::flash::FlashLevel;

    fn layout(wants: Wants, path: &str) -> PageLayout {
        PageLayout {
            wants,
            current_path: path.to_owned(),
            session: None,
            current_user: Some(CurrentUser {
                email: "<script>alert(1)</script>@example.com".into(),
                confirmed: false,
                is_admin: false,
            }),
            theme: Theme::Dark,
            frame: PageFrame::new(
                Arc::new(Stylesheet::build().unwrap()),
                crate::SITE_LINKS,
                true,
                |page| html! { div.signed-in { (page) } },
            ),
        }
    }

    fn flashes() -> Vec<FlashMessage> {
        vec![FlashMessage {
            level: FlashLevel::Success,
            text: "<b>Saved</b>".into(),
        }]
    }

    fn render(wants: Wants, path: &str, title: &str, content: Markup) -> String {
        layout(wants, path)
            .render_with(title, content, &flashes())
            .into_markup()
            .into_string()
    }

    fn select<'a>(doc: &'a Doc, selector: &str) -> Vec<scraper::ElementRef<'a>> {
        doc.select(&Selector::parse(selector).unwrap()).collect()
    }

    #[test]
    fn a_full_page_has_the_document_around_the_content() {
        let doc = Doc::parse_document(&render(
            Wants::Document,
            "/",
            "Home",
            html! { p.marker { "hi" } },
        ));
        assert_eq!(
            select(&doc, "head title")[0].inner_html(),
            format!("Home · {}", crate::APP_NAME.as_str())
        );
        assert_eq!(
            select(&doc, "link[rel=stylesheet]")[0].attr("href"),
            Some(layout(Wants::Document, "/").frame.stylesheet.href())
        );
        assert_eq!(select(&doc, "main#main p.marker").len(), 1);
        assert_eq!(
            select(&doc, "nav a[aria-current=page]")[0].attr("href"),
            Some("/")
        );
    }

    #[test]
    fn an_htmx_request_gets_only_the_fragment() {
        let body = render(
            Wants::Fragment { target: None },
            "/",
            "Home",
            html! { p.marker { "hi" } },
        );
        let doc = Doc::parse_fragment(&body);
        assert!(!body.contains("<html"));
        assert_eq!(select(&doc, "p.marker").len(), 1);
        assert_eq!(
            select(&doc, "#alerts[data-hx-swap-oob] .flash-message").len(),
            1
        );
    }

    #[test]
    fn boosted_navigation_gets_the_inside_of_body() {
        let body = render(Wants::Body, "/", "Home", html! { p.marker { "hi" } });
        assert!(!body.contains("<html") && !body.contains("<body"), "{body}");
        let doc = Doc::parse_fragment(&body);
        assert_eq!(
            select(&doc, "title")[0].inner_html(),
            format!("Home · {}", crate::APP_NAME.as_str())
        );
        assert_eq!(select(&doc, "main#main p.marker").len(), 1);
        assert_eq!(
            select(&doc, "nav a[aria-current=page]")[0].attr("href"),
            Some("/")
        );
        // The messages are in their place, not swapped out of band.
        assert_eq!(
            select(&doc, "#alerts:not([data-hx-swap-oob]) .flash-message").len(),
            1
        );
        assert_eq!(select(&doc, "footer").len(), 1);
    }

    #[test]
    fn the_whole_site_is_boosted() {
        let doc = Doc::parse_document(&render(Wants::Document, "/", "Home", html! {}));
        assert_eq!(select(&doc, "body[data-hx-boost=true]").len(), 1);
    }

    #[test]
    fn the_live_reload_script_is_only_there_when_asked_for() {
        let doc = Doc::parse_document(&render(Wants::Document, "/", "Home", html! {}));
        assert_eq!(
            select(&doc, "script[data-url='/dev/reload'][defer]").len(),
            1
        );
        let mut quiet = layout(Wants::Document, "/");
        let frame = &quiet.frame;
        quiet.frame = PageFrame::new(
            frame.stylesheet().clone(),
            frame.links,
            false,
            frame.signed_in_frame,
        );
        let html = quiet
            .render_with("Home", html! {}, &[])
            .into_markup()
            .into_string();
        assert!(!html.contains("live-reload"), "{html}");
    }

    #[test]
    fn only_a_signed_in_users_page_gets_the_frames_wrapper() {
        let mut page = layout(Wants::Document, "/account");
        let html = page
            .document("Account", html! { p { "Hi" } }, &[])
            .into_string();
        assert_eq!(
            select(&Doc::parse_document(&html), "body > .signed-in main").len(),
            1
        );
        page.current_user = None;
        let html = page
            .document("Account", html! { p { "Hi" } }, &[])
            .into_string();
        assert!(select(&Doc::parse_document(&html), ".signed-in").is_empty());
    }

    #[test]
    fn user_supplied_text_is_escaped() {
        let body = render(Wants::Document, "/", "<i>x</i>", html! {});
        let doc = Doc::parse_document(&body);
        assert!(select(&doc, "script:not([src])").is_empty());
        assert!(select(&doc, "#alerts b").is_empty());
        assert!(select(&doc, "title i").is_empty());
        assert!(body.contains("&lt;script&gt;alert(1)&lt;/script&gt;@example.com"));
    }

    #[test]
    fn pages_vary_on_hx_request_and_personal_ones_are_not_stored() {
        let public = Page {
            markup: html! {},
            personal: false,
        }
        .into_response();
        assert_eq!(
            public.headers()["vary"],
            "HX-Request, HX-Boosted, HX-Target"
        );
        assert!(public.headers().get("cache-control").is_none());

        let personal = layout(Wants::Document, "/account").render_with("Account", html! {}, &[]);
        let response = personal.into_response();
        assert_eq!(response.headers()["cache-control"], "private, no-store");
    }
}
