//! The search page and the results fragment htmx swaps into it as you type. Every string from
//! the user or the database goes through Maud, which escapes it; matches are marked by
//! [`Highlighted`](super::highlight::Highlighted), never by HTML from the database.
//!
//! The page is a GET form, so it works without JavaScript: Enter searches, and pages are
//! links. With htmx the box searches 300 ms after typing stops, a newer search replaces one
//! still under way, and the address bar follows, so a search can be bookmarked and Back
//! returns to it. Arrow keys move between the box and the results (`assets/app.js`).

use maud::{Markup, html};

use super::{
    db::MAX_RANKED,
    paths::SearchPath,
    query::MAX_LEN,
    results::{Correction, Hit, Outcome, Section},
};
use crate::{
    contacts,
    web::{
        components::{ButtonStyle, action_button, empty_state},
        css::CssFragment,
        humanize,
    },
};

/// The ids of the elements htmx requests target, which the handler answers by.
pub mod targets {
    /// The results: what a search as you type replaces.
    pub const RESULTS: &str = "search-results";
}

const INPUT_ID: &str = "search-q";
const INDICATOR_ID: &str = "search-indicator";

/// What the results area shows.
pub enum Shown {
    /// A blank query, or one with no word in it.
    NoQuery,
    /// A query over [`MAX_LEN`] characters; its length.
    TooLong(usize),
    Found(Outcome),
}

/// The search page for the query `typed`, with its `results`.
pub fn page(typed: &str, results: Markup) -> Markup {
    html! {
        section.search-page {
            h1 { "Search" }
            (search_form(typed))
            div #(targets::RESULTS) .search-results data-search-results { (results) }
        }
    }
}

fn search_form(typed: &str) -> Markup {
    html! {
        form.search-form method="get" action=(SearchPath) role="search" aria-label="Contacts and notes" {
            label for=(INPUT_ID) { "Search your contacts" }
            div.controls {
                input #(INPUT_ID) type="search" name="q" value=(typed)
                    autocomplete="off" spellcheck="false" data-search-box
                    placeholder="Name, email, company or notes"
                    aria-describedby="search-tips"
                    data-hx-get=(SearchPath)
                    data-hx-trigger="input changed delay:300ms, search"
                    data-hx-target={ "#" (targets::RESULTS) }
                    data-hx-sync="this:replace"
                    data-hx-replace-url="true"
                    data-hx-indicator={ "#" (INDICATOR_ID) };
                (action_button("Search", ButtonStyle::Secondary))
                span.htmx-indicator #(INDICATOR_ID) aria-hidden="true" { "Searching…" }
            }
            p #search-tips .tips {
                "Quotes find a phrase (" code { "\"acme corporation\"" } "), a minus leaves a word out ("
                code { "smith -acme" } "), " code { "or" } " finds either."
            }
        }
    }
}

/// The results area: what htmx swaps as you type.
pub fn results(typed: &str, shown: &Shown) -> Markup {
    match shown {
        Shown::NoQuery => empty_state(
            "Search your contacts",
            "Type a name, an email address, a company or a word from the notes. The start of \
             a word is enough: “lov” finds Lovelace.",
            None,
        ),
        Shown::TooLong(length) => html! {
            p.search-summary role="status" {
                "Your search is " (humanize::number(*length as u64)) " characters long. "
                "Shorten it to at most " (MAX_LEN) " characters and try again."
            }
        },
        Shown::Found(outcome) => found(typed, outcome),
    }
}

fn found(typed: &str, outcome: &Outcome) -> Markup {
    let searched = outcome.searched(typed);
    html! {
        p.search-summary role="status" {
            @match &outcome.correction {
                Some(Correction::ShowingInstead(corrected)) => {
                    "Nothing matches “" (typed.trim()) "”. Showing results for “"
                    strong { (corrected) } "”."
                }
                Some(Correction::DidYouMean(corrected)) => {
                    (summary(typed, outcome)) " Did you mean “"
                    a href=(search_url(corrected, 1)) { (corrected) } "”?"
                }
                None => (summary(typed, outcome)),
            }
        }
        @if let Some(Correction::ShowingInstead(_)) = &outcome.correction {
            p.search-instead {
                "Search instead for " a href=(as_typed_url(typed)) { (typed.trim()) }
            }
        }
        @if outcome.total() == 0 {
            (empty_state(
                "No results",
                "Check the spelling, use fewer words, or type just the start of a name.",
                Some(html! { a href=(contacts::paths::INDEX) { "Show all contacts" } }),
            ))
        }
        @for section in outcome.sections.iter().filter(|section| section.total > 0) {
            (section_results(searched, section))
        }
    }
}

/// "2,338 results for “smith”."
fn summary(typed: &str, outcome: &Outcome) -> String {
    let total = outcome.total();
    let more = outcome.sections.iter().any(Section::more_than_ranked);
    let count = if more {
        format!(
            "More than {} results",
            humanize::number(u64::from(MAX_RANKED))
        )
    } else {
        humanize::count(u64::from(total), "result", "results")
    };
    format!("{count} for “{}”.", typed.trim())
}

fn section_results(searched: &str, section: &Section) -> Markup {
    let (heading, one, many) = section.kind.names();
    let count = if section.more_than_ranked() {
        format!("more than {}", humanize::number(u64::from(MAX_RANKED)))
    } else {
        humanize::count(u64::from(section.total), one, many)
    };
    html! {
        section.search-section aria-labelledby={ "search-" (one) } {
            h2 #{ "search-" (one) } { (heading) " " span.count { "(" (count) ")" } }
            @if section.hits.is_empty() {
                p { "There are no more results. " a href=(search_url(searched, 1)) { "Back to the first page" } }
            } @else {
                ol.search-hits {
                    @for hit in &section.hits { (hit_item(hit)) }
                }
                (pagination(searched, section))
            }
        }
    }
}

fn hit_item(hit: &Hit) -> Markup {
    html! {
        li.search-hit {
            a.title href=(hit.href) data-search-hit { (hit.title) }
            @if !hit.details.is_empty() { p.details { (hit.details) } }
            @if let Some(excerpt) = hit.excerpt.as_ref().filter(|excerpt| !excerpt.is_empty()) {
                p.excerpt { (excerpt) }
            }
        }
    }
}

fn pagination(searched: &str, section: &Section) -> Markup {
    let pages = section.pages();
    let page = section.page;
    html! {
        @if pages > 1 {
            nav.search-pages aria-label="Pages of results" {
                @if page > 1 {
                    a rel="prev" href=(search_url(searched, page - 1)) { "← Previous" }
                }
                span { "Page " (page) " of " (humanize::number(u64::from(pages))) }
                @if page < pages {
                    a rel="next" href=(search_url(searched, page + 1)) { "Next →" }
                }
            }
        }
    }
}

/// The search page's URL for `query` searched as typed, never corrected.
fn as_typed_url(query: &str) -> String {
    let encoded = serde_urlencoded::to_string([("q", query.trim()), ("as_typed", "true")]);
    format!("{SearchPath}?{}", encoded.unwrap_or_default())
}

/// The search page's URL for `query`, at `page`.
pub fn search_url(query: &str, page: u32) -> String {
    let query = query.trim();
    let encoded = if page > 1 {
        serde_urlencoded::to_string([("q", query), ("page", &page.to_string())])
    } else {
        serde_urlencoded::to_string([("q", query)])
    };
    format!("{SearchPath}?{}", encoded.unwrap_or_default())
}

inventory::submit! { CssFragment::new("search-page", r#"
.search-page {
    & h1 { margin-bottom: var(--space-4); }
    & .search-summary { color: var(--color-muted); }
    & .search-instead { margin-top: calc(-1 * var(--space-2)); font-size: var(--text-sm); }
    /* The browser's own colours for <mark> (Mark and MarkText) read well in either scheme. */
    & mark { border-radius: 2px; }
}
"#) }

inventory::submit! { CssFragment::new("search-form", r#"
.search-form {
    margin-bottom: var(--space-5);

    & label { display: block; margin-bottom: var(--space-1); font-weight: 600; }
    & .controls { display: flex; flex-wrap: wrap; align-items: center; gap: var(--space-2); }
    & input {
        flex: 1 1 16rem;
        min-width: 0;
        padding: var(--space-2) var(--space-3);
        border: 1px solid var(--color-border);
        border-radius: var(--radius);
        background: var(--color-bg);
        color: var(--color-text);
        font: inherit;
    }
    & .tips { margin: var(--space-2) 0 0; color: var(--color-muted); font-size: var(--text-sm); }
}
"#) }

inventory::submit! { CssFragment::new("search-section", r#"
.search-section {
    margin-top: var(--space-5);

    & h2 { font-size: var(--text-md); }
    & .count { color: var(--color-muted); font-weight: 400; font-size: var(--text-sm); }
}
"#) }

inventory::submit! { CssFragment::new("search-hits", r#"
.search-hits {
    margin: 0;
    padding: 0;
    list-style: none;
}
"#) }

inventory::submit! { CssFragment::new("search-hit", r#"
.search-hit {
    padding: var(--space-3) 0;
    border-bottom: 1px solid var(--color-border);
    overflow-wrap: anywhere;

    & .title { font-weight: 600; }
    & .details, & .excerpt { margin: var(--space-1) 0 0; }
    & .details { color: var(--color-muted); font-size: var(--text-sm); }
}
"#) }

inventory::submit! { CssFragment::new("search-pages", r#"
.search-pages {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: var(--space-4);
    margin-top: var(--space-4);
}
"#) }

#[cfg(test)]
mod tests {
    use scraper::{Html, Selector};

    use super::*;

    fn texts(html: &Markup, selector: &str) -> Vec<String> {
        let doc = Html::parse_fragment(&html.clone().into_string());
        doc.select(&Selector::parse(selector).unwrap())
            .map(|element| element.text().collect())
            .collect()
    }

    #[test]
    fn urls_carry_the_query_encoded_and_pages_after_the_first() {
        assert_eq!(search_url(" a&b \"c\" ", 1), "/search?q=a%26b+%22c%22");
        assert_eq!(search_url("zoë", 3), "/search?q=zo%C3%AB&page=3");
    }

    #[test]
    fn the_states_without_results_say_what_to_do() {
        let none = results("", &Shown::NoQuery);
        assert_eq!(
            texts(&none, ".empty-state .title"),
            ["Search your contacts"]
        );
        let long = results("x", &Shown::TooLong(1234));
        assert_eq!(
            texts(&long, ".search-summary[role=status]"),
            [
                "Your search is 1,234 characters long. Shorten it to at most 200 characters and try again."
            ]
        );
    }

    #[test]
    fn the_page_is_a_get_form_that_searches_as_you_type() {
        let page = page("<q>", html! {});
        let doc = Html::parse_fragment(&page.into_string());
        let select = |s: &str| doc.select(&Selector::parse(s).unwrap()).count();
        assert_eq!(select("form[method=get][action='/search'][role=search]"), 1);
        assert_eq!(
            select("input[name=q][value='<q>'][data-hx-sync='this:replace']"),
            1
        );
        assert_eq!(select("#search-results[data-search-results]"), 1);
    }
}
