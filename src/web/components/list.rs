//! Lists of records: a table that never widens the page and turns into cards on a phone
//! ([`data_table`]), the row that loads the next page ([`more_row`]), and what a list shows
//! when it is empty.

use maud::{Markup, Render, html};

use crate::web::css::CssFragment;

/// A table of records. On a wide screen it scrolls sideways inside its own box, never
/// widening the page (WCAG 1.4.10, reflow); the box is a labelled region that takes keyboard
/// focus, so that it can be scrolled without a mouse. In a box 40rem wide or less (a phone)
/// each row reads as a card instead: one line per cell, labelled by the cell's `data-label`,
/// so give every cell of a row `data-label` with its column's name.
///
/// `columns` are the header cells (text, or markup such as a visually hidden label); `rows`
/// the `tr` elements of the body.
pub fn data_table(label: &str, columns: &[impl Render], rows: Markup) -> Markup {
    html! {
        div.data-table role="region" aria-label=(label) tabindex="0" {
            table {
                thead { tr { @for column in columns { th scope="col" { (column) } } } }
                tbody { (rows) }
            }
        }
    }
}

inventory::submit! { CssFragment::new("data-table", r#"
.data-table {
    container-type: inline-size;
    max-width: 100%;
    overflow-x: auto;

    & table { width: 100%; border-collapse: collapse; }
    & th, & td {
        padding: var(--space-2) var(--space-3);
        border-bottom: 1px solid var(--color-border);
        text-align: left;
        vertical-align: top;
        overflow-wrap: anywhere;
    }
    & th { color: var(--color-muted); font-weight: 600; font-size: var(--text-sm); white-space: nowrap; }
    & tbody tr:hover { background: var(--color-hover); }
    & tbody tr:has(input[type=checkbox]:checked) { background: var(--color-selected); }

    @container (width <= 40rem) {
        & thead { display: none; }
        & table, & tbody, & tr, & td { display: block; }
        & tr { padding: var(--space-2) 0; border-bottom: 1px solid var(--color-border); }
        & td { border: 0; padding: var(--space-1) var(--space-2); }
        & td[data-label]::before {
            content: attr(data-label);
            display: block;
            color: var(--color-muted);
            font-size: var(--text-sm);
        }
    }
}
"#) }

/// The last row of a page of a [`data_table`] when another page follows: a link to it
/// (`url`, with its `?after=` cursor) without JavaScript; with it, htmx fetches the next
/// page's rows as soon as the row scrolls into view (or the link is clicked) and they replace
/// this row. The handler answers a request whose target is `id` with the rows alone.
pub fn more_row(id: &str, url: &str, columns: usize, label: &str) -> Markup {
    html! {
        tr #(id) .more-row {
            td colspan=(columns) {
                a href=(url)
                    data-hx-get=(url)
                    data-hx-trigger="click, revealed"
                    data-hx-target="closest tr"
                    data-hx-swap="outerHTML" {
                    (label)
                }
                span.htmx-indicator aria-hidden="true" { " …" }
            }
        }
    }
}

inventory::submit! { CssFragment::new("more-row", r#"
.more-row {
    & td { text-align: center; }
    & .htmx-indicator { display: none; }
    & .htmx-request .htmx-indicator, &.htmx-request .htmx-indicator { display: inline; }
}
"#) }

/// What a list shows when it has nothing in it, with an optional next step.
pub fn empty_state(title: &str, message: &str, action: Option<Markup>) -> Markup {
    html! {
        div.empty-state {
            p.title { (title) }
            p.message { (message) }
            @if let Some(action) = action { (action) }
        }
    }
}

inventory::submit! { CssFragment::new("empty-state", r#"
.empty-state {
    padding: var(--space-6) var(--space-4);
    border: 1px dashed var(--color-border);
    border-radius: var(--radius);
    text-align: center;

    & .title { margin: 0 0 var(--space-2); font-weight: 600; }
    & .message { margin: 0 0 var(--space-4); color: var(--color-muted); }
}
"#) }

#[cfg(test)]
mod tests {
    use scraper::{Html, Selector};

    use super::*;
    use crate::web::components::{ButtonStyle, action_button};

    fn parse(markup: Markup) -> Html {
        Html::parse_fragment(&markup.into_string())
    }

    fn count(doc: &Html, selector: &str) -> usize {
        doc.select(&Selector::parse(selector).unwrap()).count()
    }

    #[test]
    fn a_table_scrolls_in_a_labelled_focusable_box() {
        let doc = parse(data_table(
            "Users",
            &["Email", "<b>Role</b>"],
            html! { tr { td { "a" } td { "b" } } },
        ));
        let region = ".data-table[role=region][aria-label=Users][tabindex='0']";
        assert_eq!(count(&doc, &format!("{region} > table th[scope=col]")), 2);
        assert_eq!(count(&doc, &format!("{region} tbody tr")), 1);
        assert_eq!(count(&doc, "b"), 0);
    }

    #[test]
    fn header_cells_may_be_markup() {
        let doc = parse(data_table(
            "Contacts",
            &[
                html! { span._visually-hidden { "Select" } },
                html! { "Name" },
            ],
            html! {},
        ));
        assert_eq!(count(&doc, "th span._visually-hidden"), 1);
        assert_eq!(count(&doc, "th"), 2);
    }

    #[test]
    fn empty_state_and_button_render() {
        let doc = parse(empty_state(
            "No contacts yet",
            "Add the first one.",
            Some(action_button("Add contact", ButtonStyle::Primary)),
        ));
        assert_eq!(count(&doc, ".empty-state .title"), 1);
        assert_eq!(
            count(
                &doc,
                ".empty-state button.action-button.__primary[type=submit]"
            ),
            1
        );
    }
}
