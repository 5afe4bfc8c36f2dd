//! Form input: [`ValidatedForm<T>`] reads a form in three steps, deserialize → sanitize →
//! validate, and hands the handler either the clean input or the input with its
//! [`FieldErrors`] to re-render.
//!
//! A form type derives the three steps:
//!
//! ```text
//! #[derive(Default, Deserialize, Sanitizer, Validate)]
//! #[serde(default)]                 // a missing field is empty, not a 400
//! pub struct ContactForm {
//!     #[sanitizer(trim)]
//!     #[validate(length(min = 1, max = 100, message = "Enter a name."))]
//!     pub name: String,
//!     #[serde(deserialize_with = "blank_as_none")]   // "  " is None, not Some("")
//!     #[sanitizer(trim, lower_case)]
//!     pub email: Option<String>,
//! }
//! ```
//!
//! A rule across fields is a `#[validate(schema(function = ..., skip_on_field_errors =
//! false))]` whose `ValidationError` code names the field the message belongs to.
//!
//! Of sanitizer's functions, use `trim` and the case conversions; its `clamp` cuts a string
//! with `String::truncate`, which panics inside a multi-byte character: hostile input would
//! crash the request. Limit lengths with validator's `length` instead.
//!
//! Repeated keys (`selected=1&selected=2`) deserialize into a `Vec` (axum-extra's `Form`).
//! The same form type serves the on-blur check of one field ([`validate_field`]), so a field
//! is judged the same way on blur and on submit, and the same field definitions
//! ([`BlurFields`]) render it on the page and after the check.

use std::borrow::Cow;

use axum::{
    body::{Body, Bytes},
    extract::{FromRequest, FromRequestParts, Request},
    http::{StatusCode, request::Parts},
    response::{IntoResponse, Response},
};
use axum_extra::extract::Form;
use axum_htmx::{HxPushUrl, HxTrigger, HxTriggerName};
use sanitizer::prelude::*;
use serde::{Deserialize, Deserializer, de::DeserializeOwned};
use validator::{Validate, ValidationErrors, ValidationErrorsKind};

use super::{
    components::{FormField, announce_field},
    hidden_characters,
};

/// A form read, sanitized and validated.
///
/// ```text
/// let form = match form.valid() {
///     Ok(form) => form,
///     Err(invalid) => return Ok(unprocessable(
///         layout.render("Sign up", views::register(&invalid.input.email, &invalid.errors)).await,
///     )),
/// };
/// ```
pub struct ValidatedForm<T> {
    input: T,
    errors: FieldErrors,
}

/// Input that failed validation: the values as sanitized (to fill the form again) and an
/// error per field.
pub struct Invalid<T> {
    pub input: T,
    pub errors: FieldErrors,
}

impl<T> ValidatedForm<T> {
    /// The input when it is valid.
    pub fn valid(self) -> Result<T, Invalid<T>> {
        if self.errors.is_empty() {
            Ok(self.input)
        } else {
            Err(Invalid {
                input: self.input,
                errors: self.errors,
            })
        }
    }

    /// The input and its errors so far, for a handler with rules of its own to add (those
    /// that need the database or the signed-in account).
    pub fn into_parts(self) -> (T, FieldErrors) {
        (self.input, self.errors)
    }
}

/// A form page re-rendered with its errors: a 422, which htmx is configured to swap. A
/// boosted form keeps its own URL in the address bar rather than the URL it posted to, so
/// that reloading shows the form again.
pub fn unprocessable(page: impl IntoResponse) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        HxPushUrl("false".into()),
        page,
    )
        .into_response()
}

impl<T, S> FromRequest<S> for ValidatedForm<T>
where
    T: DeserializeOwned + Sanitizer + Validate,
    S: Send + Sync,
{
    /// A body that is not a form at all (wrong content type, too large, malformed) is the
    /// rejection's own status; the error-page layer renders it.
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        // The body is read once and looked at twice: as the form type, and field by field
        // for characters no field may hold (see `hidden_characters`).
        let (parts, body) = request.into_parts();
        let bytes = Bytes::from_request(Request::from_parts(parts.clone(), body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        let hidden = fields_with_hidden_characters(&bytes);
        let request = Request::from_parts(parts, Body::from(bytes));
        let Form(mut input) = Form::<T>::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        input.sanitize();
        let mut errors = FieldErrors::default();
        for field in hidden {
            errors.add(field, hidden_characters::FIELD_MESSAGE);
        }
        if let Err(invalid) = input.validate() {
            for (field, message) in FieldErrors::from(&invalid).0 {
                errors.add(field, message);
            }
        }
        Ok(Self { input, errors })
    }
}

/// The names of the fields of a urlencoded body that carry a hidden character; the message
/// replaces any other the field has, since its value cannot be judged as typed.
fn fields_with_hidden_characters(body: &[u8]) -> Vec<String> {
    let mut fields: Vec<String> = form_urlencoded::parse(body)
        .filter(|(name, value)| {
            hidden_characters::contains_hidden(name) || hidden_characters::contains_hidden(value)
        })
        .map(|(name, _)| name.into_owned())
        .collect();
    fields.dedup();
    fields
}

/// Errors by field name, each with the message to show beside the field.
#[derive(Debug, Default, Clone)]
pub struct FieldErrors(Vec<(Cow<'static, str>, Cow<'static, str>)>);

impl FieldErrors {
    /// Adds an error for `field`; the first one a field gets is the one shown.
    pub fn add(
        &mut self,
        field: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
    ) {
        let field = field.into();
        if self.get(&field).is_none() {
            self.0.push((field, message.into()));
        }
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(name, _)| name == field)
            .map(|(_, message)| message.as_ref())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds `other`'s errors for fields that have none yet.
    pub fn merge(&mut self, other: Self) {
        for (field, message) in other.0 {
            self.add(field, message);
        }
    }
}

impl From<&ValidationErrors> for FieldErrors {
    fn from(errors: &ValidationErrors) -> Self {
        let mut fields = Self::default();
        // Sorted so that the first error of a field is always the same one.
        let mut entries: Vec<_> = errors.errors().iter().collect();
        entries.sort_by(|a, b| a.0.cmp(b.0));
        for (field, kind) in entries {
            let ValidationErrorsKind::Field(list) = kind else {
                continue;
            };
            for error in list {
                let message = error
                    .message
                    .clone()
                    .unwrap_or(Cow::Borrowed("This value is not valid."));
                // Schema (cross-field) rules name their field in the code.
                let field = if field == "__all__" {
                    error.code.clone()
                } else {
                    field.clone()
                };
                fields.add(field, message);
            }
        }
        fields
    }
}

/// For optional fields: an empty or whitespace-only value is `None`, not `Some("")`.
pub fn blank_as_none<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    let value = Option::<String>::deserialize(deserializer)?;
    Ok(value.filter(|value| !value.trim().is_empty()))
}

/// A form type whose fields are checked on blur. One type may serve several forms (the
/// account forms share their rules), told apart by the form's id.
pub trait BlurFields {
    /// The fields of the form with id `form` as its page renders them, filled with this input
    /// and these errors: the page and the on-blur check both take them from here, so the
    /// field swapped in after a check is the field the page showed. Those with a
    /// `validate_url` are the ones checked on blur. No fields: no such form.
    fn blur_fields<'a>(&'a self, form: &'a str, errors: &'a FieldErrors) -> Vec<FormField<'a>>;
}

/// The field whose loss of focus sent an on-blur check: htmx names it in `HX-Trigger-Name`
/// and its input's id, `{form}-{name}`, in `HX-Trigger`. A request that does not name one
/// is a 400.
pub struct BlurTrigger {
    form: String,
    name: String,
}

impl<S: Send + Sync> FromRequestParts<S> for BlurTrigger {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let Ok(HxTrigger(id)) = HxTrigger::from_request_parts(parts, state).await;
        let Ok(HxTriggerName(name)) = HxTriggerName::from_request_parts(parts, state).await;
        let (Some(id), Some(name)) = (id, name) else {
            return Err(unknown_field());
        };
        let form = id
            .strip_suffix(name.as_str())
            .and_then(|prefix| prefix.strip_suffix('-'))
            .filter(|form| !form.is_empty())
            .ok_or_else(unknown_field)?
            .to_owned();
        Ok(Self { form, name })
    }
}

impl BlurTrigger {
    /// The id of the form the field is in.
    pub fn form(&self) -> &str {
        &self.form
    }

    /// The field's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The answer: the field re-rendered from `fields` (label, input, hint, error,
    /// `aria-invalid`), plus its error for the form's live region. A field that is not among
    /// them, or not checked on blur, is a 400.
    pub fn answer(&self, fields: &[FormField<'_>]) -> Response {
        match fields
            .iter()
            .find(|field| field.name == self.name && field.validate_url.is_some())
        {
            Some(field) => maud::html! { (field.render()) (announce_field(field)) }.into_response(),
            None => unknown_field(),
        }
    }
}

/// On-blur validation for forms whose rules need nothing but the input: the field judged by
/// the same form type (and so the same rules and messages) as the submit, rendered from the
/// same definitions ([`BlurFields`]) as the page: `post(validate_field::<RegisterForm>)`.
/// A check that needs the database adds its errors first and calls
/// [`BlurTrigger::answer`] itself.
pub async fn validate_field<T>(trigger: BlurTrigger, form: ValidatedForm<T>) -> Response
where
    T: DeserializeOwned + Sanitizer + Validate + BlurFields,
{
    let fields = form.input.blur_fields(trigger.form(), &form.errors);
    trigger.answer(&fields)
}

fn unknown_field() -> Response {
    crate::error::AppError::BadRequest("Unknown field.".into()).into_response()
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use validator::ValidationError;

    use super::*;

    #[derive(Debug, Default, Deserialize, Sanitizer, Validate)]
    #[serde(default)]
    #[validate(schema(function = "names_differ", skip_on_field_errors = false))]
    struct Sample {
        #[sanitizer(trim, lower_case)]
        #[validate(length(min = 1, message = "Enter a name."))]
        name: String,
        #[serde(deserialize_with = "blank_as_none")]
        #[sanitizer(trim)]
        nickname: Option<String>,
        selected: Vec<u32>,
    }

    fn names_differ(sample: &Sample) -> Result<(), ValidationError> {
        if sample.nickname.as_deref() == Some(sample.name.as_str()) {
            return Err(
                ValidationError::new("nickname").with_message("Pick another nickname.".into())
            );
        }
        Ok(())
    }

    async fn read(body: &'static str) -> Result<Sample, Invalid<Sample>> {
        let request = Request::post("/")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        ValidatedForm::<Sample>::from_request(request, &())
            .await
            .ok()
            .unwrap()
            .valid()
    }

    #[tokio::test]
    async fn input_is_sanitized_then_validated() {
        let sample = read("name=+Ada+&nickname=+lovelace+&selected=1&selected=2")
            .await
            .ok()
            .unwrap();
        assert_eq!(sample.name, "ada");
        assert_eq!(sample.nickname.as_deref(), Some("lovelace"));
        assert_eq!(sample.selected, [1, 2]);

        let blank = read("name=ada&nickname=+++").await.ok().unwrap();
        assert_eq!(blank.nickname, None);
    }

    #[tokio::test]
    async fn invalid_input_comes_back_with_an_error_per_field() {
        let Err(invalid) = read("name=+++").await else {
            panic!("accepted")
        };
        assert_eq!(invalid.errors.get("name"), Some("Enter a name."));
        assert_eq!(invalid.input.name, "");

        let Err(invalid) = read("name=Ada&nickname=ada").await else {
            panic!("accepted")
        };
        assert_eq!(
            invalid.errors.get("nickname"),
            Some("Pick another nickname.")
        );
    }

    #[tokio::test]
    async fn a_body_that_is_not_a_form_is_refused() {
        let request = Request::post("/")
            .header("content-type", "application/json")
            .body(Body::from("{}"))
            .unwrap();
        let rejection = ValidatedForm::<Sample>::from_request(request, &())
            .await
            .err()
            .unwrap();
        assert_eq!(rejection.status(), 415);
    }
}
