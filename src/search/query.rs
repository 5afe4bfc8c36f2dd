//! What the user typed, turned into what PostgreSQL is given.
//!
//! The text goes to `websearch_to_tsquery`, which understands quotes, `-word` and `or`, and
//! never fails, whatever it is given. Searching as you type adds one thing it lacks: the last
//! word, still being typed, matches as a prefix ("smi" finds Smith). That part is a
//! `to_tsquery` expression, which does fail on stray syntax, so it is built here from the
//! word's letters and digits only, each run quoted: `'smi':*`. Raw user text never reaches
//! `to_tsquery`.

/// The longest query searched. Longer text (a paste gone wrong, a script) gets a message
/// saying so rather than an error page.
pub const MAX_LEN: usize = 200;

/// A query over [`MAX_LEN`] characters; `.0` is its length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooLong(pub usize);

/// A query with at least one word to search for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    /// For `websearch_to_tsquery`: the text, less the word given as [`Self::prefix`].
    websearch: String,
    /// A `to_tsquery` expression matching the last word as a prefix, or empty.
    prefix: String,
    /// The words, lower-cased, when the query is plain words (no quotes, `-` or `or`): the
    /// ones a typo may be corrected in. Empty for a query with operators, which is taken as
    /// written.
    words: Vec<String>,
}

impl SearchQuery {
    /// The search for `text`; `None` when it has nothing to search for (blank, only
    /// punctuation such as `& | !`, or only words to leave out).
    pub fn parse(text: &str) -> Result<Option<Self>, TooLong> {
        let length = text.chars().count();
        if length > MAX_LEN {
            return Err(TooLong(length));
        }
        // PostgreSQL refuses text with a NUL in it; other control characters are noise.
        let text: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let tokens: Vec<&str> = text.split_whitespace().collect();
        // Words left out alone ("-acme") ask for everything else: not a search, and the one
        // query the index cannot narrow.
        let wanted = tokens
            .iter()
            .filter(|token| token.chars().any(char::is_alphanumeric))
            .any(|token| !token.starts_with('-'));
        if !wanted {
            return Ok(None);
        }
        let plain = tokens.iter().all(|token| is_plain_word(token));
        let still_typing = !text.ends_with(char::is_whitespace);
        let (websearch, prefix) = match tokens.split_last() {
            Some((last, rest)) if plain && still_typing => {
                let prefix = prefix_expression(last);
                if prefix.is_empty() {
                    (tokens.join(" "), prefix)
                } else {
                    (rest.join(" "), prefix)
                }
            }
            _ => (tokens.join(" "), String::new()),
        };
        let words = if plain {
            tokens
                .iter()
                .flat_map(|token| alphanumeric_runs(token))
                .collect()
        } else {
            Vec::new()
        };
        Ok(Some(Self {
            websearch,
            prefix,
            words,
        }))
    }

    /// The text for `websearch_to_tsquery` (may be empty when the prefix is the whole query).
    pub fn websearch(&self) -> &str {
        &self.websearch
    }

    /// The `to_tsquery` expression for the word being typed; empty for none.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The words a typo may be corrected in; empty for a query with operators.
    pub fn words(&self) -> &[String] {
        &self.words
    }
}

/// A word with no search syntax: not quoted, not excluded, not `or`.
fn is_plain_word(token: &str) -> bool {
    !token.contains('"') && !token.starts_with('-') && !token.eq_ignore_ascii_case("or")
}

/// The lower-cased runs of letters and digits in `token`: "O'Brien" has "o" and "brien",
/// as the text search parser splits it.
fn alphanumeric_runs(token: &str) -> impl Iterator<Item = String> + '_ {
    token
        .split(|c: char| !c.is_alphanumeric())
        .filter(|run| !run.is_empty())
        .map(str::to_lowercase)
}

/// `'run':*` for each run of letters and digits in `token`, joined by `&`. Quoted, so the
/// parser takes each as one word; the runs hold no quote or backslash to escape.
fn prefix_expression(token: &str) -> String {
    alphanumeric_runs(token)
        .map(|run| format!("'{run}':*"))
        .collect::<Vec<_>>()
        .join(" & ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> SearchQuery {
        SearchQuery::parse(text).unwrap().unwrap()
    }

    #[test]
    fn the_last_word_is_a_prefix_while_it_is_typed() {
        let query = parse("John Smi");
        assert_eq!(query.websearch(), "John");
        assert_eq!(query.prefix(), "'smi':*");
        assert_eq!(query.words(), ["john", "smi"]);

        let finished = parse("John Smith ");
        assert_eq!(finished.websearch(), "John Smith");
        assert_eq!(finished.prefix(), "");
    }

    #[test]
    fn a_prefix_keeps_only_letters_and_digits() {
        let query = parse(r"x ada.love'l\ace:*&|!(");
        assert_eq!(query.prefix(), "'ada':* & 'love':* & 'l':* & 'ace':*");
        let lone = parse("ada &|!");
        assert_eq!(lone.websearch(), "ada &|!");
        assert_eq!(lone.prefix(), "");
    }

    #[test]
    fn operators_are_left_to_websearch_and_turn_off_corrections() {
        for text in [r#""acme corp""#, "smith -acme", "ada or grace", r#""-x""#] {
            let query = parse(text);
            assert_eq!(query.websearch(), text);
            assert_eq!(query.prefix(), "");
            assert!(query.words().is_empty(), "{text}");
        }
    }

    #[test]
    fn nothing_to_search_for_is_no_query() {
        for text in [
            "", "   \t", "& | !", "-", r#"""#, "'\\ :* (", "-acme", "-a -b",
        ] {
            assert_eq!(SearchQuery::parse(text), Ok(None), "{text:?}");
        }
    }

    #[test]
    fn control_characters_never_reach_the_database() {
        let query = parse("ada\0love");
        assert_eq!(query.websearch(), "ada");
        assert_eq!(query.prefix(), "'love':*");
    }

    #[test]
    fn long_queries_are_refused_with_their_length() {
        assert!(SearchQuery::parse(&"é".repeat(MAX_LEN)).is_ok());
        assert_eq!(
            SearchQuery::parse(&"a".repeat(MAX_LEN + 5)),
            Err(TooLong(MAX_LEN + 5))
        );
    }
}
