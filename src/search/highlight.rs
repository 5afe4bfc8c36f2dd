//! Highlighted text: what `ts_headline` returns, made safe to show.
//!
//! `ts_headline` copies the stored text as it is, with whatever the user typed into it
//! (`<img src=x onerror=...>` included), and wraps the matches in the markers it is given. So
//! the queries ask for two characters from Unicode's private use area as markers, and strip
//! those characters from the text first so that only PostgreSQL can put them there. Here the
//! text is split at the markers into plain and matched parts; Maud escapes every part, and a
//! matched part is wrapped in `<mark>`. No HTML from the database is ever trusted.

use maud::{Markup, Render, html};

/// Where `ts_headline` starts a match (its `StartSel`): U+E000. The queries use the same.
pub const START: char = '\u{E000}';
/// Where `ts_headline` ends a match (its `StopSel`): U+E001.
pub const STOP: char = '\u{E001}';

/// Text with some parts marked as matching the query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Highlighted {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Part {
    text: String,
    matched: bool,
}

impl Highlighted {
    /// The parts of `text` between [`START`] and [`STOP`] are matches. A marker out of
    /// place (a stop with no start) only ends or starts a match, so any input is safe.
    pub fn from_markers(text: &str) -> Self {
        let mut highlighted = Self::default();
        let mut current = String::new();
        let mut matched = false;
        for c in text.chars() {
            match c {
                START | STOP => {
                    highlighted.push(std::mem::take(&mut current), matched);
                    matched = c == START;
                }
                _ => current.push(c),
            }
        }
        highlighted.push(current, matched);
        highlighted
    }

    /// Part of a longer text, as [`Self::from_markers`], with an ellipsis for each end it
    /// leaves out, as `ts_headline` puts one between the fragments it shows.
    pub fn excerpt(text: &str, cut_before: bool, cut_after: bool) -> Self {
        let mut excerpt = Self::from_markers(text);
        if excerpt.is_empty() {
            return excerpt;
        }
        if cut_before {
            excerpt.parts.insert(
                0,
                Part {
                    text: "… ".to_owned(),
                    matched: false,
                },
            );
        }
        if cut_after {
            excerpt.push(" …".to_owned(), false);
        }
        excerpt
    }

    fn push(&mut self, text: String, matched: bool) {
        if !text.is_empty() {
            self.parts.push(Part { text, matched });
        }
    }

    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }
}

impl Render for Highlighted {
    fn render(&self) -> Markup {
        html! {
            @for part in &self.parts {
                @if part.matched { mark { (part.text) } } @else { (part.text) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_are_marked_and_everything_is_escaped() {
        let text = format!("{START}<img{STOP} src=x onerror=alert(1)> & {START}Smith{STOP}");
        let html = Highlighted::from_markers(&text).render().into_string();
        assert_eq!(
            html,
            "<mark>&lt;img</mark> src=x onerror=alert(1)&gt; &amp; <mark>Smith</mark>"
        );
    }

    #[test]
    fn stray_markers_never_unbalance_the_markup() {
        for text in [
            format!("a{STOP}b"),
            format!("{START}a{START}b"),
            format!("{START}"),
        ] {
            let html = Highlighted::from_markers(&text).render().into_string();
            assert_eq!(
                html.matches("<mark>").count(),
                html.matches("</mark>").count()
            );
        }
        assert!(Highlighted::from_markers(&format!("{START}{STOP}")).is_empty());
    }

    #[test]
    fn an_excerpt_shows_where_it_was_cut() {
        let text = format!("met {START}Smith{STOP} at the fair");
        let render = |before, after| {
            Highlighted::excerpt(&text, before, after)
                .render()
                .into_string()
        };
        assert_eq!(render(false, false), "met <mark>Smith</mark> at the fair");
        assert_eq!(render(true, false), "… met <mark>Smith</mark> at the fair");
        assert_eq!(render(false, true), "met <mark>Smith</mark> at the fair …");
        assert_eq!(render(true, true), "… met <mark>Smith</mark> at the fair …");
        assert!(Highlighted::excerpt("", true, true).is_empty());
    }
}
