//! Names: what a resource or field may be called, and the forms of a name the generated code
//! uses (`invoices`, `invoice`, `Invoice`, "Invoices", "Due on").

use anyhow::bail;

/// Rust's keywords, strict and reserved: none can name a module or a field.
const RUST_KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true", "type", "unsafe",
    "use", "where", "while", "abstract", "become", "box", "do", "final", "macro", "override",
    "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// Columns every generated table has, which a field cannot be.
const RESERVED_FIELDS: &[&str] = &["id", "owner_id", "created_at", "updated_at"];

/// Names that would clash with what the crate already has at its root or its tests use.
const RESERVED_MODULES: &[&str] = &[
    "app",
    "assets",
    "common",
    "config",
    "dev",
    "error",
    "generate",
    "main",
    "routes",
    "server",
    "state",
    "std",
    "telemetry",
    "templates",
    "test",
    "tests",
];

/// `snake_case`: lower-case ASCII letters, digits and underscores, starting with a letter.
fn is_snake_case(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.ends_with('_')
        && !name.contains("__")
}

fn check_identifier(name: &str, what: &str) -> anyhow::Result<()> {
    if !is_snake_case(name) {
        bail!(
            "{name:?}: a {what} is written in lower-case snake_case, like due_on (letters, \
             digits and single underscores, starting with a letter)"
        );
    }
    if RUST_KEYWORDS.contains(&name) {
        bail!("{name:?} is a Rust keyword; choose another {what} name");
    }
    if name.len() > 50 {
        bail!("{name:?}: a {what} name has at most 50 characters");
    }
    Ok(())
}

/// A field's name.
pub fn check_field(name: &str) -> anyhow::Result<()> {
    check_identifier(name, "field")?;
    if RESERVED_FIELDS.contains(&name) {
        bail!(
            "{name:?}: every generated table already has id, owner_id, created_at and updated_at"
        );
    }
    Ok(())
}

/// A resource's name: plural snake_case, free as a module name.
pub fn check_resource(name: &str) -> anyhow::Result<()> {
    check_identifier(name, "resource")?;
    if RESERVED_MODULES.contains(&name) {
        bail!("{name:?} is used by the app itself; choose another resource name");
    }
    if singular(name) == name {
        bail!("{name:?}: name the resource in the plural, like invoices");
    }
    Ok(())
}

/// The singular of a plural English noun, by the common rules: `invoices` → `invoice`,
/// `categories` → `category`, `addresses` → `address`.
pub fn singular(plural: &str) -> String {
    if let Some(stem) = plural.strip_suffix("ies") {
        return format!("{stem}y");
    }
    for ending in ["sses", "xes", "ches", "shes", "zzes"] {
        if plural.ends_with(ending) {
            return plural[..plural.len() - 2].to_owned();
        }
    }
    match plural.strip_suffix('s') {
        Some(stem) if !stem.ends_with('s') => stem.to_owned(),
        _ => plural.to_owned(),
    }
}

/// `line_items` → `LineItems`.
pub fn pascal_case(name: &str) -> String {
    name.split('_').map(capitalize).collect()
}

/// `due_on` → "Due on".
pub fn label(name: &str) -> String {
    capitalize(&name.replace('_', " "))
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plural_names_give_their_forms() {
        for (plural, one) in [
            ("invoices", "invoice"),
            ("categories", "category"),
            ("addresses", "address"),
            ("boxes", "box"),
            ("line_items", "line_item"),
            ("matches", "match"),
        ] {
            assert_eq!(singular(plural), one, "{plural}");
        }
        assert_eq!(pascal_case("line_item"), "LineItem");
        assert_eq!(label("due_on"), "Due on");
    }

    #[test]
    fn names_that_cannot_be_are_refused() {
        for bad in [
            "Invoices",
            "2invoices",
            "invoice-items",
            "type",
            "invoice",
            "config",
            "a__b",
        ] {
            assert!(check_resource(bad).is_err(), "{bad}");
        }
        assert!(check_resource("line_items").is_ok());
    }
}
