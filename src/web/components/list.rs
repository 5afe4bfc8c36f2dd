//! Lists: the list of records every module shows (contacts, files, users, the mailbox,
//! generated resources: [`record_list`]), a table of figures that never widens the page
//! ([`data_table`]), the row that loads the next page ([`more_row`]), a value that is missing
//! ([`optional`]), and what a list shows when it is empty.

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

/// What a column of a [`record_list`] holds: it decides the column's width on a desktop and
/// where its cells go in a phone's two-line item. Rows give their cells the matching element:
/// `td.select`, `td.media`, `th scope="row"` for the primary cell (it heads the row, so a
/// screen reader names the record as it moves along the row), `td.actions`; details are
/// plain `td`s. A row being edited in place gives each cell (all `td`s then) `data-label`,
/// its column's name, which labels the fields on a phone.
#[derive(Debug, Clone, Copy)]
pub enum Column<'a> {
    /// The box that selects the row for the bulk action of form `form`; its header is a
    /// "select all" box (shown by `app.js`: it needs script).
    Select { form: &'a str },
    /// A picture leading the row (a thumbnail), named for screen readers only.
    Media(&'a str),
    /// What names the record, usually a link to it: the item's first line on a phone.
    Primary(&'a str),
    /// A detail: on a phone, on the item's second line, muted, and left out when missing.
    Detail(&'a str),
    /// A short detail (a type, a size, a date): a narrow column.
    Short(&'a str),
    /// The row's actions (Edit, Delete), named for screen readers only.
    Actions,
}

impl<'a> Column<'a> {
    /// The column's name ("Actions" for the actions, "Select" for the boxes).
    pub fn name(&self) -> &'a str {
        match *self {
            Self::Select { .. } => "Select",
            Self::Media(name) | Self::Primary(name) | Self::Detail(name) | Self::Short(name) => {
                name
            }
            Self::Actions => "Actions",
        }
    }
}

/// A list of records: on a desktop a table of one line per row (long values end in an
/// ellipsis, and `assets/app.js` shows the whole value as a tooltip), whose columns keep their
/// widths when a row opens for editing; on a phone (a box 40rem wide or less) a two-line
/// item per record, the [`Column::Primary`] cell over the details, with the selection box
/// or picture before them and the actions after. Hovered rows are tinted, and selected ones.
///
/// Like [`data_table`], the box is a labelled region that scrolls rather than widening the
/// page. `rows` are the `tr` elements of the body, with cells in `columns`' order.
pub fn record_list(label: &str, columns: &[Column<'_>], rows: Markup) -> Markup {
    html! {
        div.record-list role="region" aria-label=(label) tabindex="0" {
            table {
                thead {
                    tr {
                        @for column in columns {
                            @match column {
                                Column::Select { form } => th.__select scope="col" {
                                    input type="checkbox" hidden data-select-all=(form)
                                        aria-label={ "Select all " (label.to_lowercase()) };
                                },
                                Column::Media(name) => th.__media scope="col" {
                                    span._visually-hidden { (name) }
                                },
                                Column::Primary(name) => th.__primary scope="col" { (name) },
                                Column::Detail(name) => th scope="col" { (name) },
                                Column::Short(name) => th.__short scope="col" { (name) },
                                Column::Actions => th.__actions scope="col" {
                                    span._visually-hidden { "Actions" }
                                },
                            }
                        }
                    }
                }
                tbody { (rows) }
            }
        }
    }
}

inventory::submit! { CssFragment::new("record-list", r#"
.record-list {
    container-type: inline-size;
    max-width: 100%;
    overflow-x: auto;

    & table { width: 100%; border-collapse: collapse; table-layout: fixed; }
    & th, & td {
        padding: var(--space-2) var(--space-3);
        border-bottom: 1px solid var(--color-border);
        text-align: left;
        vertical-align: middle;
        white-space: nowrap;
        overflow: hidden;
        text-overflow: ellipsis;
    }
    & thead th { color: var(--color-muted); font-weight: 600; font-size: var(--text-sm); }
    & tbody th { font-weight: inherit; }
    & th.__primary { width: 28%; }
    & th.__select { width: 2.75rem; }
    & th.__media { width: 4.5rem; }
    & th.__short { width: 8rem; }
    & th.__actions { width: 10rem; }
    & td.select, & th.__select { padding-right: 0; }
    /* The row's links (Edit, Delete) side by side, without a wrapper of their own. */
    & td.actions { overflow: visible; text-align: right; }
    & td.actions > a + a { margin-left: var(--space-3); }
    & tbody tr:hover { background: var(--color-hover); }
    & tbody tr:has(> td.select input:checked) { background: var(--color-selected); }
    /* A row deleted in place (`data-inline-delete`, see app.js) fades out for as long as
       htmx waits before removing it. */
    & tbody tr.htmx-swapping { opacity: 0; transition: opacity 300ms ease-out; }
    & a[data-inline-delete] { color: var(--color-danger); }
    /* A row open for editing shows its fields and their messages whole. */
    & tr[data-inline-editing] td, & .more-row td { white-space: normal; overflow: visible; vertical-align: top; }
    & .more-row td { text-align: center; }

    @container (width <= 40rem) {
        & thead { display: none; }
        & table, & tbody { display: block; }
        & tr {
            position: relative;
            display: block;
            min-height: 4rem;
            padding: var(--space-2) var(--space-3);
            border-bottom: 1px solid var(--color-border);
            overflow: hidden;
            white-space: nowrap;
            text-overflow: ellipsis;
            background: var(--color-bg);
        }
        & tr:has(> td.select) { padding-left: 2.75rem; }
        & tr:has(> td.media) { padding-left: calc(3rem + 2 * var(--space-3)); }
        & tr:has(> td.actions) { padding-right: 8.5rem; }
        & td {
            display: inline;
            padding: 0;
            border: 0;
            margin-right: var(--space-3);
            color: var(--color-muted);
            font-size: var(--text-sm);
        }
        & tbody th {
            display: block;
            padding: 0;
            border: 0;
            margin: 0;
            overflow: hidden;
            color: var(--color-text);
            font-size: var(--text-md);
            font-weight: 600;
            text-overflow: ellipsis;
        }
        & td:has(> .missing) { display: none; }
        & td.select, & td.media, & td.actions {
            position: absolute;
            top: 50%;
            translate: 0 -50%;
            margin: 0;
        }
        & td.select { left: var(--space-3); }
        & td.media { left: var(--space-3); }
        /* Over the end of a long second line, in the row's own colour. */
        & td.actions {
            right: 0;
            padding: 0 var(--space-3) 0 var(--space-2);
            background: inherit;
            color: inherit;
            font-size: inherit;
        }

        /* Being edited, a row reads as a card: each field under its column's name. */
        & tr[data-inline-editing] { white-space: normal; padding-right: var(--space-3); }
        & tr[data-inline-editing] td { display: block; margin: 0 0 var(--space-2); color: inherit; font-size: inherit; }
        & tr[data-inline-editing] td.select { display: none; }
        & tr[data-inline-editing] td.actions { position: static; translate: none; }
        & tr[data-inline-editing] td[data-label]::before {
            content: attr(data-label);
            display: block;
            color: var(--color-muted);
            font-size: var(--text-sm);
        }
        & .more-row { padding: var(--space-3); white-space: normal; }
        & .more-row td { display: block; margin: 0; color: inherit; font-size: inherit; }
    }
}
"#) }

/// A value that may be missing: a dash to the eye, "none" to a screen reader. A
/// [`record_list`] leaves a missing detail out of a phone's item.
pub fn optional(value: Option<impl Render>) -> Markup {
    match value {
        Some(value) => value.render(),
        None => missing(),
    }
}

/// What stands for a value that is missing (see [`optional`]): one element, as a list with
/// many gaps has one in many cells. The dash is drawn by the style sheet, on its parent.
pub fn missing() -> Markup {
    html! {
        span.missing { "none" }
    }
}

// "none" is for screen readers only (`assets/base.css` hides it as it hides
// `._visually-hidden`), and the dash drawn before it is for the eye only: it has no text for
// screen readers (`/ ""`); a browser without that syntax keeps the first declaration. The
// dash is drawn by the parent because the hidden word clips whatever it draws itself.
inventory::submit! { CssFragment::new("missing", r#"
:has(> .missing)::before { content: "–"; content: "–" / ""; color: var(--color-muted); }
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
