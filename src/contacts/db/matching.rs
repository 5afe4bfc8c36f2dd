//! The list's search box, as the list's queries match it: every word must appear somewhere
//! in the contact's name, address or company, in any order and any case ("smith acme" finds
//! John Smith of Acme), as `LIKE` patterns for the trigram index. The longest word leads,
//! because the index narrows best on it; the others filter what it finds. (The site-wide
//! search, ranked and forgiving of typos, is `crate::search`.)

/// The longest query the box accepts (its `maxlength`); anything longer is refused with a
/// message rather than searched.
pub const SEARCH_MAX_LEN: usize = 100;

/// A query over [`SEARCH_MAX_LEN`] characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooLong;

/// A search of the list: at least one word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    /// `%word%` for each distinct word, with `LIKE`'s wildcards escaped, longest first.
    patterns: Vec<String>,
    /// Characters in the longest word.
    longest: usize,
}

impl Search {
    /// The search for `query`; `None` when it has no words (an empty box lists everything).
    pub fn parse(query: &str) -> Result<Option<Self>, TooLong> {
        if query.chars().count() > SEARCH_MAX_LEN {
            return Err(TooLong);
        }
        let mut words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
        words.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        words.dedup();
        let patterns: Vec<String> = words
            .iter()
            .map(|word| format!("%{}%", escape_like(word)))
            .collect();
        let longest = words.first().map_or(0, |word| word.chars().count());
        Ok((!patterns.is_empty()).then_some(Self { patterns, longest }))
    }

    /// Whether the longest word has three characters or more, so that the trigram index can
    /// find its matches.
    pub fn has_trigrams(&self) -> bool {
        self.longest >= 3
    }

    /// The pattern of the longest word.
    pub fn leading_pattern(&self) -> &str {
        self.patterns.first().map_or("%", String::as_str)
    }

    /// The patterns of the other words.
    pub fn other_patterns(&self) -> &[String] {
        self.patterns.get(1..).unwrap_or_default()
    }
}

/// `word` matching itself only: `%`, `_` and the escape character `\` lose their meaning.
fn escape_like(word: &str) -> String {
    let mut escaped = String::with_capacity(word.len());
    for c in word.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_become_patterns_longest_first() {
        let search = Search::parse("  Ada  LOVELACE ada ").unwrap().unwrap();
        assert_eq!(search.leading_pattern(), "%lovelace%");
        assert_eq!(search.other_patterns(), ["%ada%"]);
    }

    #[test]
    fn wildcards_are_matched_literally() {
        let search = Search::parse(r"100% a_b c\d").unwrap().unwrap();
        assert_eq!(search.leading_pattern(), r"%100\%%");
        assert_eq!(search.other_patterns(), [r"%a\_b%", r"%c\\d%"]);
    }

    #[test]
    fn only_words_of_three_or_more_use_the_trigram_index() {
        assert!(Search::parse("smi").unwrap().unwrap().has_trigrams());
        assert!(Search::parse("a smith").unwrap().unwrap().has_trigrams());
        assert!(!Search::parse("jo").unwrap().unwrap().has_trigrams());
        assert!(!Search::parse("a%").unwrap().unwrap().has_trigrams());
    }

    #[test]
    fn blank_is_no_search_and_long_is_refused() {
        assert_eq!(Search::parse(" \t ").unwrap(), None);
        assert_eq!(
            Search::parse(&"é".repeat(SEARCH_MAX_LEN)).map(|s| s.is_some()),
            Ok(true)
        );
        assert_eq!(Search::parse(&"a".repeat(SEARCH_MAX_LEN + 1)), Err(TooLong));
    }
}
