//! Plain text with its web addresses made into links, for showing text someone else wrote
//! (an email's text part, a contact's notes). Everything is escaped by Maud; only `http://`
//! and `https://` addresses become links, so no `javascript:` or `data:` URL can be made
//! clickable.

use linkify::{LinkFinder, LinkKind};
use maud::{Markup, html};

/// `text` with each http(s) address a link to itself. The `linkify` crate finds where an
/// address ends (a sentence's full stop or closing bracket is not part of it, a bracket the
/// address opened is); of what it finds, only `http://` and `https://` become links.
pub fn linkify(text: &str) -> Markup {
    let mut finder = LinkFinder::new();
    finder.kinds(&[LinkKind::Url]);
    html! {
        @for span in finder.spans(text) {
            @let piece = span.as_str();
            @if span.kind().is_some() && is_web_address(piece) {
                a href=(piece) { (piece) }
            } @else {
                (piece)
            }
        }
    }
}

fn is_web_address(address: &str) -> bool {
    let lower = address.get(..8).unwrap_or(address).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

#[cfg(test)]
mod tests {
    use scraper::{Html, Selector};

    use super::*;

    fn links(text: &str) -> (Vec<String>, String) {
        let html = linkify(text).into_string();
        let doc = Html::parse_fragment(&html);
        let hrefs = doc
            .select(&Selector::parse("a").unwrap())
            .map(|a| a.attr("href").unwrap().to_owned())
            .collect();
        (hrefs, doc.root_element().text().collect())
    }

    #[test]
    fn addresses_become_links_and_the_text_is_kept() {
        let text = "Confirm: http://localhost:3000/confirm?token=a.b&x=1.\nOr (https://x.test/a).";
        let (hrefs, shown) = links(text);
        assert_eq!(
            hrefs,
            [
                "http://localhost:3000/confirm?token=a.b&x=1",
                "https://x.test/a"
            ]
        );
        assert_eq!(shown, text);
    }

    #[test]
    fn brackets_the_address_opened_are_kept() {
        let text = "See https://en.wikipedia.org/wiki/Rust_(programming_language).";
        let (hrefs, shown) = links(text);
        assert_eq!(
            hrefs,
            ["https://en.wikipedia.org/wiki/Rust_(programming_language)"]
        );
        assert_eq!(shown, text);
    }

    #[test]
    fn only_http_addresses_are_links_and_markup_is_escaped() {
        let text = "<script>alert(1)</script> javascript:alert(1) data:text/html,x \
                    xhttp://no.test https:// http://a.test/\"><b>x</b>";
        let html = linkify(text).into_string();
        let doc = Html::parse_fragment(&html);
        assert!(
            doc.select(&Selector::parse("script, b").unwrap())
                .next()
                .is_none()
        );
        let (hrefs, shown) = links(text);
        assert_eq!(hrefs, ["http://a.test/"]);
        assert_eq!(shown, text);
    }
}
