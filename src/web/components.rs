//! Shared Maud components. Each registers its CSS right here, beside its markup, under the
//! component's class name.

use maud::{Markup, html};

use super::{css::CssFragment, flash::FlashMessage};

/// The flash messages of a page, announced politely to screen readers.
pub fn flash_messages(messages: &[FlashMessage]) -> Markup {
    html! {
        div.flash-messages role="status" aria-live="polite" {
            @for message in messages {
                p class={ "flash-message " (message.level.class()) } { (message.text) }
            }
        }
    }
}

inventory::submit! { CssFragment::new("flash-messages", r#"
.flash-messages {
    display: grid;
    gap: var(--space-2);
    width: min(100% - 2 * var(--space-5), var(--content-width));
    margin: var(--space-4) auto 0;

    &:empty { display: none; }
}
"#) }

inventory::submit! { CssFragment::new("flash-message", r#"
.flash-message {
    margin: 0;
    padding: var(--space-3) var(--space-4);
    border-radius: var(--radius);
    border-left: 4px solid var(--color-accent);
    background: var(--color-surface);

    &.__success { border-color: var(--color-success); }
    &.__warning { border-color: var(--color-warning); }
    &.__error { border-color: var(--color-danger); }
}
"#) }

/// The kind of `<input>` a [`FormField`] renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Text,
    Email,
    Password,
    Search,
    Tel,
    Url,
}

impl InputKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Email => "email",
            Self::Password => "password",
            Self::Search => "search",
            Self::Tel => "tel",
            Self::Url => "url",
        }
    }
}

/// A labelled input with its error. The error is linked to the input with
/// `aria-describedby` and the input marked `aria-invalid`, so screen readers announce it.
#[derive(Debug, Clone)]
pub struct FormField<'a> {
    pub name: &'a str,
    pub label: &'a str,
    pub kind: InputKind,
    pub value: &'a str,
    pub error: Option<&'a str>,
    pub autocomplete: Option<&'a str>,
    pub required: bool,
    pub hint: Option<&'a str>,
    /// Where to check the field when it loses focus (htmx posts the form there and swaps in
    /// the field's error, see [`field_error`]).
    pub validate_url: Option<&'a str>,
}

impl<'a> FormField<'a> {
    pub fn new(name: &'a str, label: &'a str) -> Self {
        Self {
            name,
            label,
            kind: InputKind::Text,
            value: "",
            error: None,
            autocomplete: None,
            required: false,
            hint: None,
            validate_url: None,
        }
    }

    pub fn render(&self) -> Markup {
        let id = format!("field-{}", self.name);
        let hint_id = format!("{id}-hint");
        let error_id = format!("{id}-error");
        let has_error_slot = self.error.is_some() || self.validate_url.is_some();
        let described_by: Vec<&str> = [
            self.hint.map(|_| hint_id.as_str()),
            has_error_slot.then_some(error_id.as_str()),
        ]
        .into_iter()
        .flatten()
        .collect();
        // Passwords are never sent back to the browser.
        let value = (self.kind != InputKind::Password).then_some(self.value);
        html! {
            div.form-field.__invalid[self.error.is_some()] {
                label for=(id) { (self.label) }
                input #(id) name=(self.name) type=(self.kind.as_str()) value=[value]
                    autocomplete=[self.autocomplete] required[self.required]
                    aria-invalid=[self.error.map(|_| "true")]
                    aria-describedby=[(!described_by.is_empty()).then(|| described_by.join(" "))]
                    hx-post=[self.validate_url]
                    hx-trigger=[self.validate_url.map(|_| "blur changed")]
                    hx-target=[self.validate_url.map(|_| format!("#{error_id}"))]
                    hx-swap=[self.validate_url.map(|_| "outerHTML")];
                @if let Some(hint) = self.hint {
                    p.hint #(hint_id) { (hint) }
                }
                @if has_error_slot {
                    (field_error(self.name, self.error))
                }
            }
        }
    }
}

/// The error line of field `name`, empty when there is none (inline validation swaps it).
pub fn field_error(name: &str, error: Option<&str>) -> Markup {
    html! {
        p.error #{ "field-" (name) "-error" } aria-live="polite" { @if let Some(error) = error { (error) } }
    }
}

inventory::submit! { CssFragment::new("form-field", r#"
.form-field {
    display: grid;
    gap: var(--space-1);
    margin-bottom: var(--space-4);

    & label { font-weight: 600; }
    & input {
        padding: var(--space-2) var(--space-3);
        border: 1px solid var(--color-border);
        border-radius: var(--radius);
        background: var(--color-bg);
        color: var(--color-text);
        font: inherit;
    }
    & .hint { margin: 0; color: var(--color-muted); font-size: var(--text-sm); }
    & .error { margin: 0; color: var(--color-danger); font-size: var(--text-sm); }
    & .error:empty { display: none; }
    &.__invalid input { border-color: var(--color-danger); }
}
"#) }

/// Visual weight of an [`action_button`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ButtonStyle {
    Primary,
    Secondary,
    Danger,
}

/// A submit button. Inside an htmx request it shows the indicator htmx toggles.
pub fn action_button(label: &str, style: ButtonStyle) -> Markup {
    let variant = match style {
        ButtonStyle::Primary => "__primary",
        ButtonStyle::Secondary => "__secondary",
        ButtonStyle::Danger => "__danger",
    };
    html! {
        button type="submit" class={ "action-button " (variant) } {
            (label)
            span.htmx-indicator aria-hidden="true" { " …" }
        }
    }
}

inventory::submit! { CssFragment::new("action-button", r#"
.action-button {
    display: inline-flex;
    align-items: center;
    gap: var(--space-1);
    padding: var(--space-2) var(--space-4);
    border: 1px solid transparent;
    border-radius: var(--radius);
    font: inherit;
    font-weight: 600;
    cursor: pointer;

    &.__primary { background: var(--color-accent); color: var(--color-on-accent); }
    &.__secondary { background: var(--color-surface); border-color: var(--color-border); color: var(--color-text); }
    &.__danger { background: var(--color-danger); color: var(--color-on-accent); }
    &:focus-visible { outline: 2px solid var(--color-accent); outline-offset: 2px; }
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

inventory::submit! { CssFragment::new("data-table", r#"
.data-table {
    width: 100%;
    border-collapse: collapse;

    & th, & td {
        padding: var(--space-2) var(--space-3);
        border-bottom: 1px solid var(--color-border);
        text-align: left;
        vertical-align: top;
    }
    & th { color: var(--color-muted); font-weight: 600; font-size: var(--text-sm); }
}
"#) }

/// Where a paginated list is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pagination {
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
    pub total: u64,
}

impl Pagination {
    pub fn page_count(&self) -> u32 {
        let pages = self.total.div_ceil(u64::from(self.per_page.max(1)));
        u32::try_from(pages).unwrap_or(u32::MAX).max(1)
    }

    /// Previous/next links; `href` turns a page number into its URL (keeping the list's
    /// other query parameters is the caller's business).
    pub fn render(&self, href: impl Fn(u32) -> String) -> Markup {
        let last = self.page_count();
        html! {
            nav.page-nav aria-label="Pagination" {
                @if self.page > 1 {
                    a.previous href=(href(self.page - 1)) rel="prev" { "← Previous" }
                }
                span.position { "Page " (self.page) " of " (last) }
                @if self.page < last {
                    a.next href=(href(self.page + 1)) rel="next" { "Next →" }
                }
            }
        }
    }
}

inventory::submit! { CssFragment::new("page-nav", r#"
.page-nav {
    display: flex;
    justify-content: center;
    align-items: center;
    gap: var(--space-4);
    margin-top: var(--space-5);

    & .position { color: var(--color-muted); }
}
"#) }

#[cfg(test)]
mod tests {
    use scraper::{Html, Selector};

    use super::*;
    use crate::web::flash::FlashLevel;

    fn parse(markup: Markup) -> Html {
        Html::parse_fragment(&markup.into_string())
    }

    fn count(doc: &Html, selector: &str) -> usize {
        doc.select(&Selector::parse(selector).unwrap()).count()
    }

    fn attr(doc: &Html, selector: &str, name: &str) -> Option<String> {
        doc.select(&Selector::parse(selector).unwrap())
            .next()
            .and_then(|element| element.attr(name).map(str::to_owned))
    }

    #[test]
    fn flash_messages_carry_their_level_and_escape_text() {
        let doc = parse(flash_messages(&[FlashMessage {
            level: FlashLevel::Error,
            text: "<img src=x onerror=alert(1)>".into(),
        }]));
        assert_eq!(
            count(
                &doc,
                ".flash-messages[aria-live=polite] .flash-message.__error"
            ),
            1
        );
        assert_eq!(count(&doc, "img"), 0);
    }

    #[test]
    fn a_field_with_an_error_is_linked_to_it() {
        let field = FormField {
            error: Some("Enter an email address."),
            value: "\"><script>x</script>",
            kind: InputKind::Email,
            autocomplete: Some("email"),
            required: true,
            ..FormField::new("email", "Email")
        };
        let doc = parse(field.render());
        assert_eq!(attr(&doc, "label", "for").as_deref(), Some("field-email"));
        assert_eq!(attr(&doc, "input", "aria-invalid").as_deref(), Some("true"));
        assert_eq!(
            attr(&doc, "input", "aria-describedby").as_deref(),
            Some("field-email-error")
        );
        assert_eq!(count(&doc, "p.error#field-email-error"), 1);
        assert_eq!(
            attr(&doc, "input", "value").as_deref(),
            Some("\"><script>x</script>")
        );
        assert_eq!(count(&doc, "script"), 0);
        assert_eq!(count(&doc, ".form-field.__invalid input[required]"), 1);
    }

    #[test]
    fn a_password_is_never_echoed() {
        let field = FormField {
            kind: InputKind::Password,
            value: "hunter2hunter2",
            ..FormField::new("password", "Password")
        };
        let doc = parse(field.render());
        assert_eq!(attr(&doc, "input", "value"), None);
        assert_eq!(attr(&doc, "input", "aria-describedby"), None);
    }

    #[test]
    fn pagination_links_only_where_there_is_somewhere_to_go() {
        let href = |page: u32| format!("/items?page={page}");
        let first = parse(
            Pagination {
                page: 1,
                per_page: 25,
                total: 60,
            }
            .render(href),
        );
        assert_eq!(count(&first, "a.previous"), 0);
        assert_eq!(
            attr(&first, "a.next", "href").as_deref(),
            Some("/items?page=2")
        );

        let last = parse(
            Pagination {
                page: 3,
                per_page: 25,
                total: 60,
            }
            .render(href),
        );
        assert_eq!(
            attr(&last, "a.previous", "href").as_deref(),
            Some("/items?page=2")
        );
        assert_eq!(count(&last, "a.next"), 0);

        let empty = Pagination {
            page: 1,
            per_page: 25,
            total: 0,
        };
        assert_eq!(empty.page_count(), 1);
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
