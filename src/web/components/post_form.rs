//! A form that posts, with its fields: [`PostForm`].
//!
//! When anything is wrong the form starts with an error summary (the GOV.UK pattern): "There
//! is a problem" and a link to each field in error. `assets/app.js` moves focus to it when the
//! page loads, so a form low on a long page that comes back with a 422 is scrolled into view
//! and read out, instead of leaving its errors below the fold.

use maud::{Markup, html};

use super::form_field::FormField;
use crate::web::css::CssFragment;

/// A `method="post"` form. Its `id` must be unique on the page: it prefixes the ids of its
/// fields (take them from [`PostForm::field`]).
#[derive(Debug, Clone, Copy)]
pub struct PostForm<'a> {
    pub id: &'a str,
    pub action: &'a str,
    /// A problem with the form as a whole rather than one field (a failed login).
    pub error: Option<&'a str>,
    /// On forms that set a password: the account it belongs to, in a hidden
    /// `autocomplete="username"` input, so that password managers file the new password
    /// under the right account.
    pub username: Option<&'a str>,
}

impl<'a> PostForm<'a> {
    pub fn new(id: &'a str, action: &'a str) -> Self {
        Self {
            id,
            action,
            error: None,
            username: None,
        }
    }

    /// A field of this form.
    pub fn field(&self, name: &'a str, label: &'a str) -> FormField<'a> {
        FormField::new(self.id, name, label)
    }

    /// The form: the error summary when something is wrong, the fields, then `controls`
    /// (hidden inputs, checkboxes, the buttons).
    pub fn render(&self, fields: &[FormField<'_>], controls: Markup) -> Markup {
        html! {
            form.post-form #(self.id) method="post" action=(self.action) novalidate {
                (error_summary(self.id, self.error, fields))
                @if let Some(username) = self.username {
                    input #{ (self.id) "-username" } type="text" hidden
                        autocomplete="username" value=(username);
                }
                @for field in fields { (field.render()) }
                (controls)
                (field_announcer(self.id))
            }
        }
    }
}

fn announcer_id(form: &str) -> String {
    format!("{form}-announce")
}

/// The live region of form `form` that reads out an error found on blur: by then focus is on
/// the next field, so the error itself is not read. [`PostForm`] has one; a form built
/// otherwise (a table row's) needs one to check its fields on blur.
pub fn field_announcer(form: &str) -> Markup {
    html! { p._visually-hidden #(announcer_id(form)) aria-live="polite" {} }
}

/// What the on-blur check says to screen readers about `field`, swapped into the form's
/// live region by htmx (out of band, beside the field it replaces).
pub fn announce_field(field: &FormField<'_>) -> Markup {
    html! {
        p #(announcer_id(field.form)) data-hx-swap-oob="innerHTML" {
            @if let Some(error) = field.error { (field.label) ": " (error) }
        }
    }
}

/// "There is a problem", with the form's own error and a link to each field in error;
/// nothing when all is well.
fn error_summary(form: &str, error: Option<&str>, fields: &[FormField<'_>]) -> Markup {
    let field_errors: Vec<(String, &str)> = fields
        .iter()
        .filter_map(|field| field.error.map(|error| (field.id(), error)))
        .collect();
    if error.is_none() && field_errors.is_empty() {
        return html! {};
    }
    html! {
        // As GOV.UK's: focusable from script only (tabindex -1); the alert inside has it read
        // out when it arrives in a swap.
        div.error-summary #{ (form) "-errors" } tabindex="-1" data-error-summary {
            div role="alert" {
                h2.title { "There is a problem" }
                ul.list {
                    @if let Some(error) = error { li { (error) } }
                    @for (id, error) in &field_errors {
                        li { a href={ "#" (id) } { (error) } }
                    }
                }
            }
        }
    }
}

inventory::submit! { CssFragment::new("post-form", r#"
/* A form reads best at the width of its fields, whatever the page's width. */
.post-form { max-width: 36rem; }
"#) }

inventory::submit! { CssFragment::new("error-summary", r#"
.error-summary {
    margin-bottom: var(--space-5);
    padding: var(--space-3) var(--space-4);
    border: 3px solid var(--color-danger);
    border-radius: var(--radius);

    & .title { margin: 0 0 var(--space-2); font-size: var(--text-md); }
    & .list { margin: 0; padding-left: var(--space-5); }
    & a { color: var(--color-danger); font-weight: 600; }
    &:focus { outline: 3px solid var(--color-accent); outline-offset: 2px; }
}
"#) }

#[cfg(test)]
mod tests {
    use scraper::{Html, Selector};

    use super::*;

    fn select(doc: &Html, selector: &str) -> Vec<String> {
        doc.select(&Selector::parse(selector).unwrap())
            .map(|element| element.text().collect::<String>())
            .collect()
    }

    fn attrs(doc: &Html, selector: &str, name: &str) -> Vec<String> {
        doc.select(&Selector::parse(selector).unwrap())
            .filter_map(|element| element.attr(name).map(str::to_owned))
            .collect()
    }

    #[test]
    fn a_valid_form_has_no_summary() {
        let form = PostForm::new("sign-up", "/register");
        let doc = Html::parse_fragment(
            &form
                .render(&[form.field("email", "Email")], html! {})
                .into_string(),
        );
        assert!(select(&doc, "[data-error-summary]").is_empty());
        assert_eq!(attrs(&doc, "form", "id"), ["sign-up"]);
        assert_eq!(attrs(&doc, "input", "id"), ["sign-up-email"]);
    }

    #[test]
    fn the_summary_links_each_error_to_its_field_and_is_focusable() {
        let form = PostForm {
            error: Some("<b>Something</b> is off."),
            ..PostForm::new("change-email", "/account/email")
        };
        let fields = [
            FormField {
                error: Some("Enter an email address."),
                ..form.field("email", "Email")
            },
            form.field("current_password", "Current password"),
        ];
        let doc = Html::parse_fragment(&form.render(&fields, html! {}).into_string());
        let summary = "form > .error-summary[data-error-summary][tabindex='-1']";
        assert_eq!(
            select(&doc, &format!("{summary} h2")),
            ["There is a problem"]
        );
        assert_eq!(
            attrs(&doc, &format!("{summary} a"), "href"),
            ["#change-email-email"]
        );
        assert_eq!(
            select(&doc, &format!("{summary} li")),
            ["<b>Something</b> is off.", "Enter an email address."]
        );
        assert!(select(&doc, "b").is_empty());
    }

    #[test]
    fn a_form_that_sets_a_password_names_the_account() {
        let form = PostForm {
            username: Some("ada@example.com"),
            ..PostForm::new("change-password", "/account/password")
        };
        let doc = Html::parse_fragment(&form.render(&[], html! {}).into_string());
        assert_eq!(
            attrs(&doc, "input[hidden][autocomplete=username]", "value"),
            ["ada@example.com"]
        );
    }

    #[test]
    fn a_blur_check_announces_the_error_out_of_band() {
        let field = FormField {
            error: Some("Use at least 10 characters."),
            ..FormField::new("sign-up", "password", "Password")
        };
        let doc = Html::parse_fragment(&announce_field(&field).into_string());
        assert_eq!(
            select(&doc, "p#sign-up-announce[data-hx-swap-oob=innerHTML]"),
            ["Password: Use at least 10 characters."]
        );
    }
}
