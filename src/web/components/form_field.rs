//! A labelled input with its hint and error: [`FormField`].
//!
//! Its ids are `{form}-{name}` (and `-hint`, `-error` after them): every field names the
//! form it belongs to, so two forms on one page (the account page has two "Current
//! password" fields) can never share an id, and a label can never point at the other form's
//! input.
//!
//! A field checked on blur posts its form to its `validate_url` and is replaced whole by the
//! answer (label, input, hint and error together), so its `aria-invalid`, its red border and
//! its message always agree. `assets/app.js` keeps what the user typed in the new input:
//! the server never sends a password back.

use maud::{Markup, html};

use crate::web::css::CssFragment;

/// The kind of `<input>` a [`FormField`] renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Text,
    Email,
    Password,
    Tel,
    /// A whole number.
    Number,
    /// A number with decimals: a text input with the decimal keypad, since
    /// `type="number"` would reformat or reject what is typed in some locales.
    Decimal,
    Date,
    /// A date and time of day (`datetime-local`).
    DateTime,
    /// A checkbox: checked when the value is not empty; the browser sends `on` when checked
    /// and nothing otherwise.
    Checkbox,
    /// A `<textarea>`, for text of several lines.
    TextArea,
}

impl InputKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Text | Self::TextArea | Self::Decimal => "text",
            Self::Email => "email",
            Self::Password => "password",
            Self::Tel => "tel",
            Self::Number => "number",
            Self::Date => "date",
            Self::DateTime => "datetime-local",
            Self::Checkbox => "checkbox",
        }
    }

    fn input_mode(self) -> Option<&'static str> {
        (self == Self::Decimal).then_some("decimal")
    }
}

/// A labelled input with its error. The error is linked to the input with
/// `aria-describedby` and the input marked `aria-invalid`, so screen readers announce it.
#[derive(Debug, Clone)]
pub struct FormField<'a> {
    /// The id of the form the field is in; it prefixes the field's ids.
    pub form: &'a str,
    pub name: &'a str,
    pub label: &'a str,
    pub kind: InputKind,
    pub value: &'a str,
    pub error: Option<&'a str>,
    pub autocomplete: Option<&'a str>,
    pub required: bool,
    /// The label says "(optional)": for the fields of a form that may be left blank, when
    /// others must not be.
    pub optional: bool,
    pub hint: Option<&'a str>,
    /// Where to check the field when it loses focus: htmx posts the form there and swaps the
    /// answer, the field re-rendered, in place of this one (see
    /// [`validate_field`](crate::web::form::validate_field)).
    pub validate_url: Option<&'a str>,
    /// The label is read by screen readers but not shown (a field in a table row, whose
    /// column header says what it is).
    pub label_hidden: bool,
    /// The input is not inside its `<form>` (a table row cannot hold one): the `form`
    /// attribute ties it to the form by id.
    pub outside_form: bool,
}

impl<'a> FormField<'a> {
    pub fn new(form: &'a str, name: &'a str, label: &'a str) -> Self {
        Self {
            form,
            name,
            label,
            kind: InputKind::Text,
            value: "",
            error: None,
            autocomplete: None,
            required: false,
            optional: false,
            hint: None,
            validate_url: None,
            label_hidden: false,
            outside_form: false,
        }
    }

    /// The input's id, which its label, the error summary's link and htmx's `HX-Trigger`
    /// header name it by.
    pub fn id(&self) -> String {
        format!("{}-{}", self.form, self.name)
    }

    pub fn render(&self) -> Markup {
        let id = self.id();
        let hint_id = format!("{id}-hint");
        let error_id = format!("{id}-error");
        let described_by: Vec<&str> = [
            self.hint.map(|_| hint_id.as_str()),
            self.error.map(|_| error_id.as_str()),
        ]
        .into_iter()
        .flatten()
        .collect();
        // Passwords are never sent back to the browser.
        let value = (self.kind != InputKind::Password).then_some(self.value);
        let on_blur = self.validate_url.is_some();
        let described_by = (!described_by.is_empty()).then(|| described_by.join(" "));
        let form = self.outside_form.then_some(self.form);
        let checkbox = self.kind == InputKind::Checkbox;
        // A check waits for the form's submission under way, and a submission for the check
        // under way: the check's answer never arrives after its form was swapped away (htmx
        // skips a queued request whose element has gone), with nowhere to go.
        let sync = on_blur.then(|| format!("#{}:queue", self.form));
        html! {
            div.form-field.__invalid[self.error.is_some()].__checkbox[checkbox] {
                @if checkbox {
                    // The box before its label, as people expect to see one.
                    input #(id) name=(self.name) type="checkbox" value="on" form=[form]
                        checked[!self.value.is_empty()]
                        aria-invalid=[self.error.map(|_| "true")]
                        aria-describedby=[described_by.as_deref()];
                }
                label._visually-hidden[self.label_hidden] for=(id) {
                    (self.label)
                    @if self.optional { " " span.optional { "(optional)" } }
                }
                // `data-hx-*`: htmx reads the `data-` spelling too, and it is valid HTML.
                @match self.kind {
                    InputKind::Checkbox => {}
                    InputKind::TextArea => {
                        textarea #(id) name=(self.name) form=[form] rows="4"
                            required[self.required]
                            aria-invalid=[self.error.map(|_| "true")]
                            aria-describedby=[described_by.as_deref()]
                            data-hx-post=[self.validate_url]
                            data-hx-trigger=[on_blur.then_some("blur changed")]
                            data-hx-sync=[sync.as_deref()]
                            data-hx-target=[on_blur.then_some("closest .form-field")]
                            data-hx-swap=[on_blur.then_some("outerHTML")] { (self.value) }
                    }
                    _ => {
                        input #(id) name=(self.name) type=(self.kind.as_str()) value=[value]
                            inputmode=[self.kind.input_mode()] form=[form]
                            autocomplete=[self.autocomplete] required[self.required]
                            aria-invalid=[self.error.map(|_| "true")]
                            aria-describedby=[described_by.as_deref()]
                            data-hx-post=[self.validate_url]
                            data-hx-trigger=[on_blur.then_some("blur changed")]
                            data-hx-sync=[sync.as_deref()]
                            data-hx-target=[on_blur.then_some("closest .form-field")]
                            data-hx-swap=[on_blur.then_some("outerHTML")];
                    }
                }
                @if let Some(hint) = self.hint {
                    p.hint #(hint_id) { (hint) }
                }
                @if let Some(error) = self.error {
                    p.error #(error_id) { (error) }
                }
            }
        }
    }
}

inventory::submit! { CssFragment::new("form-field", r#"
.form-field {
    display: grid;
    gap: var(--space-1);
    margin-bottom: var(--space-4);

    & label { font-weight: 600; }
    & label .optional { font-weight: 400; color: var(--color-muted); }
    & .hint { margin: 0; color: var(--color-muted); font-size: var(--text-sm); }
    & .error { margin: 0; color: var(--color-danger); font-size: var(--text-sm); font-weight: 600; }
    & textarea { resize: vertical; }
    &.__checkbox {
        grid-template-columns: auto 1fr;
        align-items: center;
        column-gap: var(--space-2);

        & .hint, & .error { grid-column: 1 / -1; }
        & input { width: 1.25rem; height: 1.25rem; }
    }
    &.__invalid input, &.__invalid textarea { border: 2px solid var(--color-danger); }
}
"#) }

#[cfg(test)]
mod tests {
    use scraper::{Html, Selector};

    use super::*;

    fn parse(markup: Markup) -> Html {
        Html::parse_fragment(&markup.into_string())
    }

    fn attr(doc: &Html, selector: &str, name: &str) -> Option<String> {
        doc.select(&Selector::parse(selector).unwrap())
            .next()
            .and_then(|element| element.attr(name).map(str::to_owned))
    }

    fn count(doc: &Html, selector: &str) -> usize {
        doc.select(&Selector::parse(selector).unwrap()).count()
    }

    #[test]
    fn a_field_with_an_error_is_linked_to_it() {
        let field = FormField {
            error: Some("Enter an email address."),
            value: "\"><script>x</script>",
            kind: InputKind::Email,
            autocomplete: Some("email"),
            required: true,
            ..FormField::new("sign-up", "email", "Email")
        };
        let doc = parse(field.render());
        assert_eq!(attr(&doc, "label", "for").as_deref(), Some("sign-up-email"));
        assert_eq!(attr(&doc, "input", "id").as_deref(), Some("sign-up-email"));
        assert_eq!(attr(&doc, "input", "aria-invalid").as_deref(), Some("true"));
        assert_eq!(
            attr(&doc, "input", "aria-describedby").as_deref(),
            Some("sign-up-email-error")
        );
        assert_eq!(count(&doc, "p.error#sign-up-email-error"), 1);
        assert_eq!(
            attr(&doc, "input", "value").as_deref(),
            Some("\"><script>x</script>")
        );
        assert_eq!(count(&doc, "script"), 0);
        assert_eq!(count(&doc, ".form-field.__invalid input[required]"), 1);
    }

    #[test]
    fn an_optional_field_says_so_in_its_label() {
        let optional = FormField {
            optional: true,
            ..FormField::new("contact", "phone", "Phone")
        };
        let doc = parse(optional.render());
        let label = doc
            .select(&Selector::parse("label").unwrap())
            .next()
            .unwrap();
        assert_eq!(label.text().collect::<String>(), "Phone (optional)");
        let plain = parse(FormField::new("contact", "phone", "Phone").render());
        assert_eq!(count(&plain, "label .optional"), 0);
    }

    #[test]
    fn a_valid_field_has_no_error_state_at_all() {
        let field = FormField {
            hint: Some("We never share it."),
            ..FormField::new("sign-up", "email", "Email")
        };
        let doc = parse(field.render());
        assert_eq!(count(&doc, ".form-field.__invalid"), 0);
        assert_eq!(attr(&doc, "input", "aria-invalid"), None);
        assert_eq!(count(&doc, ".error"), 0);
        assert_eq!(
            attr(&doc, "input", "aria-describedby").as_deref(),
            Some("sign-up-email-hint")
        );
    }

    #[test]
    fn the_same_name_in_two_forms_gets_two_ids() {
        let a = FormField::new("change-password", "current_password", "Current password");
        let b = FormField::new("change-email", "current_password", "Current password");
        assert_ne!(a.id(), b.id());
    }

    #[test]
    fn a_field_checked_on_blur_replaces_itself_with_valid_htmx_attributes() {
        let field = FormField {
            validate_url: Some("/check"),
            ..FormField::new("sign-up", "email", "Email")
        };
        let doc = parse(field.render());
        assert_eq!(
            attr(&doc, "input", "data-hx-post").as_deref(),
            Some("/check")
        );
        assert_eq!(
            attr(&doc, "input", "data-hx-target").as_deref(),
            Some("closest .form-field")
        );
        assert_eq!(
            attr(&doc, "input", "data-hx-swap").as_deref(),
            Some("outerHTML")
        );
        let html = field.render().into_string();
        assert!(!html.contains(" hx-"), "{html}");
    }

    #[test]
    fn a_textarea_keeps_its_text_escaped_and_a_row_field_names_its_form() {
        let field = FormField {
            kind: InputKind::TextArea,
            value: "</textarea><script>x</script>",
            label_hidden: true,
            outside_form: true,
            ..FormField::new("contact-1-edit", "notes", "Notes")
        };
        let doc = parse(field.render());
        assert_eq!(count(&doc, "script"), 0);
        assert_eq!(
            count(&doc, "label._visually-hidden[for=contact-1-edit-notes]"),
            1
        );
        assert_eq!(
            attr(&doc, "textarea", "form").as_deref(),
            Some("contact-1-edit")
        );
        let textarea = doc
            .select(&Selector::parse("textarea").unwrap())
            .next()
            .unwrap();
        assert_eq!(
            textarea.text().collect::<String>(),
            "</textarea><script>x</script>"
        );
    }

    #[test]
    fn a_checkbox_is_checked_by_its_value_and_comes_before_its_label() {
        let field = FormField {
            kind: InputKind::Checkbox,
            value: "on",
            ..FormField::new("invoice", "paid", "Paid")
        };
        let html = field.render().into_string();
        let doc = parse(field.render());
        assert_eq!(
            count(
                &doc,
                ".form-field.__checkbox input[type=checkbox][checked][value=on]"
            ),
            1
        );
        assert!(html.find("<input").unwrap() < html.find("<label").unwrap());
        let unchecked = FormField { value: "", ..field };
        assert_eq!(count(&parse(unchecked.render()), "input[checked]"), 0);
    }

    #[test]
    fn a_decimal_asks_for_the_decimal_keypad() {
        let field = FormField {
            kind: InputKind::Decimal,
            ..FormField::new("invoice", "amount", "Amount")
        };
        let doc = parse(field.render());
        assert_eq!(count(&doc, "input[type=text][inputmode=decimal]"), 1);
    }

    #[test]
    fn a_password_is_never_echoed() {
        let field = FormField {
            kind: InputKind::Password,
            value: "hunter2hunter2",
            ..FormField::new("login", "password", "Password")
        };
        let doc = parse(field.render());
        assert_eq!(attr(&doc, "input", "value"), None);
        assert_eq!(attr(&doc, "input", "aria-describedby"), None);
    }
}
