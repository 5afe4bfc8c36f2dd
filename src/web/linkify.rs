//! Plain text with its web addresses made into links, for showing text someone else wrote
//! (an email's text part). Everything is escaped by Maud; only `http://` and `https://`
//! addresses become links, so no `javascript:` or `data:` URL can be made clickable.

use maud::{Markup, html};

/// Characters that end an address as they end a sentence around it: "see https://x.test/a."
const TRAILING: &[char] = &['.', ',', ';', ':', '!', '?', ')', ']', '}', '\'', '"'];

/// `text` with each http(s) address a link to itself.
pub fn linkify(text: &str) -> Markup {
    html! {
        @for (piece, is_link) in pieces(text) {
            @if is_link { a href=(piece) { (piece) } } @else { (piece) }
        }
    }
}

/// `text` cut into plain pieces and addresses, in order.
fn pieces(text: &str) -> Vec<(&str, bool)> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while let Some(start) = next_address(rest) {
        let (before, from) = rest.split_at(start);
        let end = from
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"'))
            .unwrap_or(from.len());
        let address = from[..end].trim_end_matches(TRAILING);
        let has_host = address
            .split_once("://")
            .is_some_and(|(_, host)| !host.is_empty());
        if !has_host {
            // A bare scheme is not a link; keep the word as text and look further on.
            let (word, tail) = from.split_at(end);
            pieces.push((before, false));
            pieces.push((word, false));
            rest = tail;
            continue;
        }
        pieces.push((before, false));
        pieces.push((address, true));
        rest = &from[address.len()..];
    }
    pieces.push((rest, false));
    pieces.retain(|(piece, _)| !piece.is_empty());
    pieces
}

/// Where the next `http://` or `https://` starts, at the start of a word.
fn next_address(text: &str) -> Option<usize> {
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(found) = lower[from..].find("http") {
        let at = from + found;
        let tail = &lower[at..];
        let word_start = lower[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        if word_start && (tail.starts_with("http://") || tail.starts_with("https://")) {
            return Some(at);
        }
        from = at + "http".len();
    }
    None
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
