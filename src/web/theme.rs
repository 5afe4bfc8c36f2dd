//! The colour scheme a visitor chose: the system's (the default), light or dark.
//!
//! The choice is a cookie, read with every page, so the server renders `<html
//! data-theme="dark">` and the page never flashes the other scheme while a script runs. The
//! palette in `assets/base.css` is written with `light-dark()`, so a choice only sets
//! `color-scheme` on the root and every colour follows. The switcher in the footer is a form
//! of three buttons that works without JavaScript (a POST, then back to the page); with it,
//! `app.js` applies the choice at once and posts it in the background.

use axum::{
    Router,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use axum_extra::{extract::Form, routing::TypedPath};
use maud::{Markup, html};
use serde::Deserialize;

use super::{
    css::CssFragment,
    htmx::{Wants, redirect, same_site_path},
    routes::RouterExt,
};
use crate::error::AppError;

const COOKIE: &str = "theme";
/// A year: the choice is a preference, not a secret, and outlives sessions.
const COOKIE_MAX_AGE_SECS: u32 = 365 * 24 * 3600;

/// Where the switcher posts.
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/theme")]
pub struct ThemePath;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

impl Theme {
    const ALL: [Self; 3] = [Self::System, Self::Light, Self::Dark];

    fn name(self) -> &'static str {
        match self {
            Self::System => "system",
            Self::Light => "light",
            Self::Dark => "dark",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::System => "System",
            Self::Light => "Light",
            Self::Dark => "Dark",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|theme| theme.name() == name)
    }

    /// The choice carried by the request's cookies; the system's when there is none.
    pub fn of_request(headers: &HeaderMap) -> Self {
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|cookies| cookies.split(';'))
            .filter_map(|cookie| cookie.trim().split_once('='))
            .find(|(name, _)| *name == COOKIE)
            .and_then(|(_, value)| Self::parse(value))
            .unwrap_or_default()
    }

    /// The value of `<html data-theme>`: none for the system's scheme.
    pub fn attribute(self) -> Option<&'static str> {
        match self {
            Self::System => None,
            chosen => Some(chosen.name()),
        }
    }
}

pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new().typed_post(choose)
}

#[derive(Debug, Deserialize)]
struct Choice {
    theme: String,
    /// The page the switcher was on, to go back to without JavaScript.
    next: Option<String>,
}

/// Stores the choice. The script posts it with htmx and needs nothing back; a plain form
/// goes back to the page it was on.
async fn choose(_: ThemePath, wants: Wants, Form(choice): Form<Choice>) -> Response {
    let Some(theme) = Theme::parse(&choice.theme) else {
        return AppError::BadRequest("Choose a theme: system, light or dark.".to_owned())
            .into_response();
    };
    let cookie = match theme {
        Theme::System => format!("{COOKIE}=; Path=/; Max-Age=0; SameSite=Lax"),
        chosen => format!(
            "{COOKIE}={}; Path=/; Max-Age={COOKIE_MAX_AGE_SECS}; SameSite=Lax",
            chosen.name()
        ),
    };
    let answer = match wants {
        Wants::Fragment { .. } => StatusCode::NO_CONTENT.into_response(),
        _ => redirect(
            &wants,
            same_site_path(choice.next.as_deref()).unwrap_or("/"),
        ),
    };
    ([(header::SET_COOKIE, cookie)], answer).into_response()
}

/// The switcher: three buttons, the current one pressed. `current_path` is where a plain
/// form comes back to.
pub fn switcher(current: Theme, current_path: &str) -> Markup {
    html! {
        form.theme-switcher method="post" action=(ThemePath::PATH)
            data-hx-post=(ThemePath::PATH) data-hx-swap="none" {
            input type="hidden" name="next" value=(current_path);
            span.label id="theme-switcher-label" { "Theme" }
            div.choices role="group" aria-labelledby="theme-switcher-label" {
                @for theme in Theme::ALL {
                    button type="submit" name="theme" value=(theme.name())
                        aria-pressed=(if theme == current { "true" } else { "false" }) {
                        (theme.label())
                    }
                }
            }
        }
    }
}

inventory::submit! { CssFragment::new("theme-switcher", r#"
.theme-switcher {
    display: inline-flex;
    align-items: center;
    gap: var(--space-2);

    & .choices {
        display: inline-flex;
        border: 1px solid var(--color-border);
        border-radius: var(--radius);
        overflow: hidden;
    }
    & button {
        padding: var(--space-1) var(--space-3);
        border: 0;
        background: none;
        color: var(--color-muted);
        cursor: pointer;

        & + button { border-left: 1px solid var(--color-border); }
        &:hover { background: var(--color-hover); color: var(--color-text); }
        &[aria-pressed="true"] { background: var(--color-surface); color: var(--color-text); font-weight: 600; }
        &:focus-visible { outline-offset: -2px; }
    }
}
"#) }

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn with_cookie(cookie: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_str(cookie).unwrap());
        headers
    }

    #[test]
    fn the_cookie_chooses_the_theme_and_anything_else_is_the_systems() {
        assert_eq!(Theme::of_request(&HeaderMap::new()), Theme::System);
        assert_eq!(Theme::of_request(&with_cookie("theme=dark")), Theme::Dark);
        assert_eq!(
            Theme::of_request(&with_cookie("id=abc; theme=light; x=y")),
            Theme::Light
        );
        assert_eq!(
            Theme::of_request(&with_cookie("theme=purple")),
            Theme::System
        );
        assert_eq!(
            Theme::of_request(&with_cookie("xtheme=dark")),
            Theme::System
        );
    }

    #[test]
    fn the_switcher_presses_the_current_choice() {
        let markup = switcher(Theme::Dark, "/contacts").into_string();
        assert!(
            markup.contains(r#"value="dark" aria-pressed="true""#),
            "{markup}"
        );
        assert!(
            markup.contains(r#"value="system" aria-pressed="false""#),
            "{markup}"
        );
        assert!(
            markup.contains(r#"name="next" value="/contacts""#),
            "{markup}"
        );
    }
}
