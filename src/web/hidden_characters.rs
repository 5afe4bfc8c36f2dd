//! Characters no form field, query parameter or cursor may carry, whatever the module: control
//! characters other than tab and line breaks (PostgreSQL refuses NUL in text, so one would
//! reach the database as a 500, and the others are invisible), and the bidirectional
//! overrides and isolates (U+202A–U+202E, U+2066–U+2069), which make text read in another
//! order than it is stored: a link in a contact's notes that reads reversed.
//!
//! One rule, applied at the edges: [`ValidatedForm`](super::form::ValidatedForm) gives a field
//! that carries one a 422 with a message, [`Query`](super::query::Query) answers a query
//! string that carries one with a 400 page before its handler runs, and keyset cursors that
//! decode to one are not cursors.

/// What a form shows beside a field that carries one.
pub const FIELD_MESSAGE: &str =
    "This contains invisible control characters; type it again without them.";

/// What the page says of a query string that carries one.
pub const QUERY_MESSAGE: &str = "The address contains invisible control characters.";

/// A control character other than tab, line feed and carriage return (browsers send a
/// textarea's line breaks as CR LF), or a bidirectional override or isolate.
pub fn is_hidden(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

pub fn contains_hidden(text: &str) -> bool {
    text.chars().any(is_hidden)
}

/// Whether a query string carries one, in a name or a value. Links the app makes never do.
pub fn query_contains_hidden(query: &str) -> bool {
    // Decoded as the extractors decode it: `%00` and `+` alike.
    form_urlencoded::parse(query.as_bytes())
        .any(|(name, value)| contains_hidden(&name) || contains_hidden(&value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_reordering_characters_are_hidden_but_line_breaks_and_tabs_are_not() {
        for c in [
            '\0', '\u{7}', '\u{1b}', '\u{7f}', '\u{85}', '\u{202E}', '\u{2066}',
        ] {
            assert!(is_hidden(c), "{c:?}");
        }
        for c in ['\t', '\n', '\r', 'a', 'é', '\u{200D}', '\u{2014}'] {
            assert!(!is_hidden(c), "{c:?}");
        }
    }

    #[test]
    fn a_query_is_checked_after_decoding() {
        assert!(query_contains_hidden("q=a%00b"));
        assert!(query_contains_hidden("q%00=x"));
        assert!(query_contains_hidden("q=%E2%80%AEtxt.exe"));
        assert!(!query_contains_hidden("q=ada+lovelace&after=abc%0Adef"));
        assert!(!query_contains_hidden("q=%FF"));
    }
}
