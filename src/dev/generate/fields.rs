//! The fields of a generated resource: `name:type`, with `?` for an optional one, and what
//! each type becomes in SQL, in Rust, in the form and on the page.
//!
//! Forms keep what was typed as text (so an invalid value comes back as typed) and check it
//! with `web::rules`; PostgreSQL casts the text to the column's type when it is stored, and
//! the record reads it back typed.

use anyhow::{Context, bail};
use serde::Serialize;

use super::names;

/// The types a field can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A line of text, up to 200 characters.
    String,
    /// Text of any length, in a textarea.
    Text,
    Int,
    /// An exact number (`numeric`), for money and measures.
    Decimal,
    Bool,
    Date,
    /// A moment in time (`timestamptz`), entered in UTC.
    Datetime,
    Uuid,
}

impl Kind {
    const ALL: [(&'static str, Self); 8] = [
        ("string", Self::String),
        ("text", Self::Text),
        ("int", Self::Int),
        ("decimal", Self::Decimal),
        ("bool", Self::Bool),
        ("date", Self::Date),
        ("datetime", Self::Datetime),
        ("uuid", Self::Uuid),
    ];

    fn parse(name: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .find(|(known, _)| *known == name)
            .map(|(_, kind)| *kind)
    }

    /// Whether a form checks this type with a rule of `web::rules`.
    fn has_rule(self) -> bool {
        matches!(
            self,
            Self::Int | Self::Decimal | Self::Date | Self::Datetime | Self::Uuid
        )
    }

    pub fn names() -> String {
        Self::ALL.map(|(name, _)| name).join(", ")
    }
}

/// A field as the templates use it: every piece of code that differs by type is decided
/// here, so the templates only place it.
#[derive(Debug, Clone, Serialize)]
pub struct Field {
    pub name: String,
    /// "Due on".
    pub label: String,
    pub kind: &'static str,
    pub optional: bool,
    /// The column definition: `due_on date NOT NULL`.
    pub column: String,
    /// The record's field type: `time::Date`, `Option<String>`.
    pub rust_type: String,
    /// How the SELECT reads it, with sqlx's nullability override where a cast hides it.
    pub select: String,
    /// The form's field type: `String`, `Option<String>` (optional, or a checkbox).
    pub form_type: &'static str,
    /// Attributes of the form's field (serde, sanitizer, validator), one per line.
    pub form_attributes: Vec<String>,
    /// The SQL placeholder's cast from the bound text: `::text::date`; empty for text.
    pub cast: &'static str,
    /// What is bound for it from `form`: `&form.due_on`, `form.paid.is_some()`.
    pub bind: String,
    /// The form's value from `record`, to edit it.
    pub to_form: String,
    /// The record's value as text on the page (an `Option<String>` when optional).
    pub display: String,
    /// The form's value as the form field shows it (`&str`), from `input`.
    pub form_value: String,
    /// `web::components::InputKind`'s variant.
    pub input: &'static str,
    /// A valid value and an invalid one (empty: every text is valid), for the tests.
    pub sample: &'static str,
    pub invalid_sample: &'static str,
    /// Its form value is checked by a rule of `web::rules`.
    pub has_rule: bool,
}

impl Field {
    /// `name:type` or `name:type?`.
    pub fn parse(spec: &str) -> anyhow::Result<Self> {
        let (name, kind) = spec
            .split_once(':')
            .with_context(|| format!("{spec:?}: write a field as name:type, like due_on:date"))?;
        names::check_field(name)?;
        let (kind_name, optional) = match kind.strip_suffix('?') {
            Some(kind) => (kind, true),
            None => (kind, false),
        };
        let kind = Kind::parse(kind_name).with_context(|| {
            format!(
                "{spec:?}: unknown type {kind_name:?}; use one of {}",
                Kind::names()
            )
        })?;
        if kind == Kind::Bool && optional {
            bail!("{spec:?}: a checkbox is either checked or not, so bool cannot be optional");
        }
        Ok(Self::new(name, kind, optional))
    }

    fn new(name: &str, kind: Kind, optional: bool) -> Self {
        let (sql, rust, cast, input, sample, invalid_sample) = match kind {
            Kind::String => ("text", "String", "", "Text", "Sample", ""),
            Kind::Text => ("text", "String", "", "TextArea", "Some longer text.", ""),
            Kind::Int => ("bigint", "i64", "::text::bigint", "Number", "42", "4.2"),
            Kind::Decimal => (
                "numeric",
                "String",
                "::text::numeric",
                "Decimal",
                "12.50",
                "twelve",
            ),
            Kind::Bool => ("boolean", "bool", "", "Checkbox", "on", ""),
            Kind::Date => (
                "date",
                "time::Date",
                "::text::date",
                "Date",
                "2026-11-26",
                "2026-13-01",
            ),
            Kind::Datetime => (
                "timestamptz",
                "time::OffsetDateTime",
                "::text::timestamp AT TIME ZONE 'UTC'",
                "DateTime",
                "2026-11-26T14:30",
                "soon",
            ),
            Kind::Uuid => (
                "uuid",
                "uuid::Uuid",
                "::text::uuid",
                "Text",
                "67e55044-10b1-426f-9247-bb680e5fe0c8",
                "not-an-id",
            ),
        };
        let kind_name = Kind::ALL
            .iter()
            .find(|(_, known)| *known == kind)
            .map_or("string", |(name, _)| name);
        let column = match kind {
            Kind::Bool => format!("{name} boolean NOT NULL DEFAULT false"),
            Kind::String if optional => format!("{name} text CHECK (length({name}) <= 200)"),
            Kind::String => {
                format!("{name} text NOT NULL CHECK (length({name}) BETWEEN 1 AND 200)")
            }
            _ if optional => format!("{name} {sql}"),
            _ => format!("{name} {sql} NOT NULL"),
        };
        let rust_type = if optional {
            format!("Option<{rust}>")
        } else {
            rust.to_owned()
        };
        // numeric is read as text, so the exact value survives: sqlx cannot tell that the cast
        // keeps the column's nullability.
        let select = match (kind, optional) {
            (Kind::Decimal, false) => format!(r#"{name}::text AS "{name}!""#),
            (Kind::Decimal, true) => format!(r#"{name}::text AS "{name}""#),
            _ => name.to_owned(),
        };
        let form_type = if optional || kind == Kind::Bool {
            "Option<String>"
        } else {
            "String"
        };
        let form_attributes = form_attributes(kind, optional);
        let bind = match (kind, optional) {
            (Kind::Bool, _) => format!("form.{name}.is_some()"),
            (_, true) => format!("form.{name}.as_deref()"),
            (_, false) => format!("&form.{name}"),
        };
        let value = |expression: &str| {
            if optional {
                format!(
                    "record.{name}.map(|value| {})",
                    expression.replace("VALUE", "value")
                )
            } else {
                expression.replace("VALUE", &format!("record.{name}"))
            }
        };
        // A function of the value: `f(record.x)`, or `record.x.map(f)` when optional.
        let apply = |function: &str| {
            if optional {
                format!("record.{name}.map({function})")
            } else {
                format!("{function}(record.{name})")
            }
        };
        let to_form = match kind {
            Kind::Bool => format!(r#"record.{name}.then(|| "on".to_owned())"#),
            Kind::String | Kind::Text | Kind::Decimal => format!("record.{name}.clone()"),
            Kind::Datetime => apply("rules::date_time_input"),
            _ => value("VALUE.to_string()"),
        };
        let display = match kind {
            Kind::Bool => format!(r#"String::from(if record.{name} {{ "Yes" }} else {{ "No" }})"#),
            Kind::String | Kind::Text | Kind::Decimal => format!("record.{name}.clone()"),
            Kind::Datetime => apply("rules::date_time_text"),
            _ => value("VALUE.to_string()"),
        };
        let form_value = if form_type == "String" {
            format!("&input.{name}")
        } else {
            format!("input.{name}.as_deref().unwrap_or_default()")
        };
        Self {
            name: name.to_owned(),
            label: names::label(name),
            kind: kind_name,
            optional,
            column,
            rust_type,
            select,
            form_type,
            form_attributes,
            cast,
            bind,
            to_form,
            display,
            form_value,
            input,
            sample,
            invalid_sample,
            has_rule: kind.has_rule(),
        }
    }
}

fn form_attributes(kind: Kind, optional: bool) -> Vec<String> {
    let mut attributes = Vec::new();
    if kind == Kind::Bool {
        return attributes;
    }
    if optional {
        attributes.push(r#"#[serde(deserialize_with = "blank_as_none")]"#.to_owned());
    }
    attributes.push("#[sanitizer(trim)]".to_owned());
    let rule = match kind {
        Kind::String if optional => r#"length(max = 200, message = "Use at most 200 characters.")"#,
        Kind::String => r#"length(min = 1, max = 200, message = "Enter 1 to 200 characters.")"#,
        Kind::Text if optional => "",
        Kind::Text => r#"length(min = 1, message = "This cannot be empty.")"#,
        Kind::Int => r#"custom(function = "rules::whole_number")"#,
        Kind::Decimal => r#"custom(function = "rules::decimal")"#,
        Kind::Date => r#"custom(function = "rules::date")"#,
        Kind::Datetime => r#"custom(function = "rules::date_time")"#,
        Kind::Uuid => r#"custom(function = "rules::uuid")"#,
        Kind::Bool => "",
    };
    // A required value that is not text must be there before its format is checked.
    if !optional && !matches!(kind, Kind::String | Kind::Text) {
        attributes.push(
            r#"#[validate(length(min = 1, message = "This cannot be empty."), "#.to_owned()
                + rule
                + ")]",
        );
    } else if !rule.is_empty() {
        attributes.push(format!("#[validate({rule})]"));
    }
    attributes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_parses_with_its_optional_form() {
        for (name, _) in Kind::ALL {
            let field = Field::parse(&format!("some_field:{name}")).unwrap();
            assert_eq!(field.kind, name);
            assert!(!field.optional);
            if name != "bool" {
                let optional = Field::parse(&format!("some_field:{name}?")).unwrap();
                assert!(optional.optional && optional.rust_type.starts_with("Option<"));
                assert!(!optional.column.contains("NOT NULL"));
            }
        }
    }

    #[test]
    fn bad_specs_say_what_is_wrong() {
        for (spec, message) in [
            ("amount", "name:type"),
            ("amount:money", "unknown type"),
            ("paid:bool?", "cannot be optional"),
            ("type:string", "Rust keyword"),
            ("Amount:int", "lower-case"),
            ("id:uuid", "already has"),
        ] {
            let error = Field::parse(spec).unwrap_err().to_string();
            assert!(error.contains(message), "{spec}: {error}");
        }
    }

    #[test]
    fn a_required_typed_value_is_checked_for_presence_then_format() {
        let amount = Field::parse("amount:decimal").unwrap();
        assert_eq!(amount.cast, "::text::numeric");
        assert_eq!(amount.select, r#"amount::text AS "amount!""#);
        assert!(amount.form_attributes.last().unwrap().contains("min = 1"));
        assert!(
            amount
                .form_attributes
                .last()
                .unwrap()
                .contains("rules::decimal")
        );
        let due = Field::parse("due_on:date?").unwrap();
        assert_eq!(due.bind, "form.due_on.as_deref()");
        assert_eq!(due.to_form, "record.due_on.map(|value| value.to_string())");
    }
}
