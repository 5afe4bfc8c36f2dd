//! Registers a generated module in `src/lib.rs`: its `pub mod` line, its routes (one line in
//! `routes()`), and its entry in the navigation of signed-in users; and its tests in
//! `tests/it/main.rs` (a `mod` line). Each edit is made once: running the generator again
//! leaves a registered module as it is.

use anyhow::{Context, bail};

/// `lib` (the text of `src/lib.rs`) with module `name` registered, its navigation link
/// labelled `title`.
pub fn register(lib: &str, name: &str, title: &str) -> anyhow::Result<String> {
    let lib = add_module(lib, name)?;
    let lib = add_routes(&lib, name)?;
    add_nav(&lib, name, title)
}

/// `main` (the text of `tests/it/main.rs`) with the test module `name` declared.
pub fn register_tests(main: &str, name: &str) -> anyhow::Result<String> {
    add_declaration(main, "mod ", name)
        .context("tests/it/main.rs has no `mod` lines to add the tests' module among")
}

fn add_module(lib: &str, name: &str) -> anyhow::Result<String> {
    add_declaration(lib, "pub mod ", name).context("src/lib.rs has no `pub mod` lines")
}

/// `source` with the line `{keyword}{name};` among the others like it, unless it is there;
/// `None` when there are no others to place it among.
fn add_declaration(source: &str, keyword: &str, name: &str) -> Option<String> {
    let line = format!("{keyword}{name};");
    if source.lines().any(|existing| existing == line) {
        return Some(source.to_owned());
    }
    let mut lines: Vec<&str> = source.lines().collect();
    let modules: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].starts_with(keyword) && lines[i].ends_with(';'))
        .collect();
    let last = *modules.last()?;
    // In alphabetical order among the others, as rustfmt keeps them.
    let at = modules
        .iter()
        .copied()
        .find(|&i| lines[i] > line.as_str())
        .unwrap_or(last + 1);
    lines.insert(at, &line);
    Some(join(&lines))
}

fn add_routes(lib: &str, name: &str) -> anyhow::Result<String> {
    let merge = format!(".merge({name}::routes())");
    if lib.contains(&merge) {
        return Ok(lib.to_owned());
    }
    let mut lines: Vec<&str> = lib.lines().collect();
    let Some(at) = lines
        .iter()
        .position(|line| line.trim_start().starts_with(".fallback("))
    else {
        bail!("src/lib.rs: no `.fallback(` line in routes() to add the routes before");
    };
    let indent = &lines[at][..lines[at].len() - lines[at].trim_start().len()];
    let line = format!("{indent}{merge}");
    lines.insert(at, &line);
    Ok(join(&lines))
}

fn add_nav(lib: &str, name: &str, title: &str) -> anyhow::Result<String> {
    let entry = format!("({name}::paths::INDEX, \"{title}\")");
    if lib.contains(&entry) {
        return Ok(lib.to_owned());
    }
    let start = lib
        .find("member_nav: &[")
        .context("src/lib.rs: no `member_nav: &[` in SITE_LINKS to add the link to")?;
    let close = lib[start..]
        .find("],")
        .map(|offset| start + offset)
        .context("src/lib.rs: `member_nav` is not closed by `],`")?;
    let before = lib[..close].trim_end();
    let separator = if before.ends_with('[') || before.ends_with(',') {
        ""
    } else {
        ", "
    };
    Ok(format!("{before}{separator}{entry}{}", &lib[close..]))
}

fn join(lines: &[&str]) -> String {
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIB: &str = "pub mod auth;\npub mod contacts;\npub mod web;\n\n\
        pub const SITE_LINKS: SiteLinks = SiteLinks {\n    \
        member_nav: &[(contacts::paths::INDEX, \"Contacts\")],\n};\n\n\
        pub fn routes() -> Router<AppState> {\n    Router::new()\n        \
        .merge(contacts::routes())\n        .fallback(|| async { AppError::NotFound })\n}\n";

    #[test]
    fn a_module_is_registered_once_in_each_place() {
        let once = register(LIB, "invoices", "Invoices").unwrap();
        assert!(once.contains("pub mod contacts;\npub mod invoices;\npub mod web;"));
        assert!(once.contains("        .merge(invoices::routes())\n        .fallback("));
        assert!(once.contains(
            "member_nav: &[(contacts::paths::INDEX, \"Contacts\"), (invoices::paths::INDEX, \"Invoices\")],"
        ));
        assert_eq!(register(&once, "invoices", "Invoices").unwrap(), once);
    }

    #[test]
    fn a_test_module_is_declared_once_among_the_others() {
        let main = "//! Tests.\n\nmod auth;\nmod common;\nmod web;\n";
        let once = register_tests(main, "invoices").unwrap();
        assert_eq!(
            once,
            "//! Tests.\n\nmod auth;\nmod common;\nmod invoices;\nmod web;\n"
        );
        assert_eq!(register_tests(&once, "invoices").unwrap(), once);
        assert!(register_tests("//! Tests.\n", "invoices").is_err());
    }

    #[test]
    fn a_lib_without_its_anchors_is_reported() {
        let error = register("pub mod a;\n", "invoices", "Invoices").unwrap_err();
        assert!(error.to_string().contains(".fallback("), "{error}");
    }
}
