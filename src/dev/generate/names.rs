//! Names: what a resource or field may be called, and the forms of a name the generated code
//! uses (`invoices`, `invoice`, `Invoice`, "Invoices", "Due on").

use std::{fs, path::Path};

use anyhow::{Context, bail};

/// Rust's keywords, strict and reserved: none can name a module or a field.
const RUST_KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true", "type", "unsafe",
    "use", "where", "while", "abstract", "become", "box", "do", "final", "macro", "override",
    "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// PostgreSQL's reserved key words (and those it reserves for function and type names): as a
/// table or column name each would make the generated SQL fail (`CREATE TABLE users (order
/// text)`), so none can name a resource or a field.
const SQL_KEYWORDS: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "binary",
    "both",
    "case",
    "cast",
    "check",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "false",
    "fetch",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "group",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "natural",
    "not",
    "notnull",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "outer",
    "overlaps",
    "placing",
    "primary",
    "references",
    "returning",
    "right",
    "select",
    "session_user",
    "similar",
    "some",
    "symmetric",
    "system_user",
    "table",
    "tablesample",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
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
    if SQL_KEYWORDS.contains(&name) {
        bail!("{name:?} is an SQL key word that PostgreSQL reserves; choose another {what} name");
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

/// A resource's table must be new: one that a migration already creates (the accounts'
/// `users`, or any other) would fail to be created, and the generated down migration would
/// drop it. The resource's own migration (`*_create_{name}.up.sql`, rewritten by `--force`)
/// does not count.
pub fn check_table_is_free(migrations: &Path, name: &str) -> anyhow::Result<()> {
    let own = format!("_create_{name}.up.sql");
    let entries =
        fs::read_dir(migrations).with_context(|| format!("reading {}", migrations.display()))?;
    for entry in entries {
        let path = entry?.path();
        let file = path
            .file_name()
            .and_then(|file| file.to_str())
            .unwrap_or("");
        if !file.ends_with(".sql") || file.ends_with(&own) {
            continue;
        }
        let sql =
            fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        if creates_table(&sql, name) {
            bail!(
                "{name:?} is a table of the app already (created in migrations/{file}); choose another resource name"
            );
        }
    }
    Ok(())
}

/// Whether `sql` has `CREATE TABLE [IF NOT EXISTS] [schema.]name`, in any case.
fn creates_table(sql: &str, name: &str) -> bool {
    let words: Vec<String> = sql
        .split(|c: char| c.is_whitespace() || c == '(')
        .filter(|word| !word.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    words.windows(2).enumerate().any(|(at, pair)| {
        if pair[0] != "create" || pair[1] != "table" {
            return false;
        }
        let rest = &words[at + 2..];
        let table = match rest {
            [if_, not, exists, table, ..] if if_ == "if" && not == "not" && exists == "exists" => {
                table
            }
            [table, ..] => table,
            [] => return false,
        };
        let table = table.trim_matches('"');
        table == name
            || table
                .rsplit_once('.')
                .is_some_and(|(_, table)| table.trim_matches('"') == name)
    })
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

    #[test]
    fn sql_key_words_name_neither_fields_nor_resources() {
        for word in [
            "order", "select", "user", "group", "limit", "check", "default", "table", "from", "to",
            "primary", "all", "column", "offset", "end",
        ] {
            assert!(check_field(word).is_err(), "{word}");
        }
        assert!(check_field("ordered_on").is_ok());
        assert!(check_resource("orders").is_ok());
    }

    #[test]
    fn tables_created_by_a_migration_are_taken() {
        let sql = "-- x\nCREATE TABLE users (\n id uuid\n);\ncreate table if not exists \
                   tower_sessions.session (id text);\nCREATE TABLE \"Jobs\"(id int);";
        assert!(creates_table(sql, "users"));
        assert!(creates_table(sql, "session"));
        assert!(!creates_table(sql, "user"));
        assert!(!creates_table(sql, "sessions"));

        let migrations = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        for taken in [
            "users",
            "contacts",
            "files",
            "jobs",
            "email_outbox",
            "auth_tokens",
        ] {
            assert!(check_table_is_free(&migrations, taken).is_err(), "{taken}");
        }
        assert!(check_table_is_free(&migrations, "invoices").is_ok());
    }
}
