//! The CSS pipeline.
//!
//! `assets/base.css` holds resets and custom properties. Every component registers its own
//! fragment next to its markup:
//!
//! ```text
//! inventory::submit! { CssFragment::new("flash-messages", r#"
//!     .flash-messages { display: grid; }
//! "#) }
//! ```
//!
//! At startup the fragments are checked one by one (so an error names its fragment), joined
//! after the base in name order, compiled by lightningcss for the browser targets below
//! (nesting lowered, prefixes added, minified), hashed, and kept in memory. The layout links
//! `/assets/style.<hash>.css`, which is cached as immutable: a new build gets a new name.

use anyhow::{Context, anyhow};
use lightningcss::{
    printer::PrinterOptions,
    stylesheet::{MinifyOptions, ParserOptions, StyleSheet},
    targets::{Browsers, Targets},
};
use sha2::{Digest, Sha256};

use super::static_files::StaticFiles;

/// A piece of CSS owned by one component.
pub struct CssFragment {
    pub name: &'static str,
    pub source: &'static str,
}

impl CssFragment {
    pub const fn new(name: &'static str, source: &'static str) -> Self {
        Self { name, source }
    }
}

inventory::collect!(CssFragment);

/// The compiled stylesheet served at [`Stylesheet::href`].
#[derive(Debug)]
pub struct Stylesheet {
    /// `style.<hash>.css`
    pub file_name: String,
    href: String,
    pub body: String,
}

impl Stylesheet {
    /// Compiles `assets/base.css` and every registered fragment.
    pub fn build() -> anyhow::Result<Self> {
        let base = StaticFiles::text("base.css").context("assets/base.css is missing")?;
        let mut fragments: Vec<&CssFragment> = inventory::iter::<CssFragment>().collect();
        fragments.sort_by_key(|fragment| fragment.name);
        Self::compile(&base, &fragments)
    }

    fn compile(base: &str, fragments: &[&CssFragment]) -> anyhow::Result<Self> {
        check("assets/base.css", base)?;
        let mut source = String::from(base);
        for fragment in fragments {
            check(&format!("fragment `{}`", fragment.name), fragment.source)?;
            source.push('\n');
            source.push_str(fragment.source);
        }

        let targets = Targets::from(browser_targets());
        let mut sheet = StyleSheet::parse(&source, ParserOptions::default())
            .map_err(|error| anyhow!("CSS error: {error}"))?;
        sheet
            .minify(MinifyOptions {
                targets,
                ..MinifyOptions::default()
            })
            .map_err(|error| anyhow!("CSS error while minifying: {error}"))?;
        let body = sheet
            .to_css(PrinterOptions {
                minify: true,
                targets,
                ..PrinterOptions::default()
            })
            .map_err(|error| anyhow!("CSS error while printing: {error}"))?
            .code;

        let digest = Sha256::digest(body.as_bytes());
        let hash = hex::encode(&digest[..8]);
        let file_name = format!("style.{hash}.css");
        Ok(Self {
            href: format!("/assets/{file_name}"),
            file_name,
            body,
        })
    }

    /// Where the page links it from.
    pub fn href(&self) -> &str {
        &self.href
    }
}

/// Parses one source alone so that an error names where it came from.
fn check(origin: &str, source: &str) -> anyhow::Result<()> {
    let options = ParserOptions {
        filename: origin.to_owned(),
        ..ParserOptions::default()
    };
    StyleSheet::parse(source, options)
        .map(drop)
        .map_err(|error| anyhow!("CSS error in {origin}: {error}"))
}

/// The oldest browsers the CSS is compiled for (about the last three years). lightningcss
/// encodes a version as `major << 16 | minor << 8`.
fn browser_targets() -> Browsers {
    let version = |major: u32, minor: u32| Some((major << 16) | (minor << 8));
    Browsers {
        chrome: version(111, 0),
        edge: version(111, 0),
        firefox: version(111, 0),
        safari: version(16, 4),
        ios_saf: version(16, 4),
        samsung: version(22, 0),
        ..Browsers::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_is_lowered_and_output_minified() {
        let fragment = CssFragment::new("card-box", ".card-box { & .title { color: red; } }");
        let sheet = Stylesheet::compile(":root { --gap: 1rem; }", &[&fragment]).unwrap();
        assert!(
            sheet.body.contains(".card-box .title{color:red}"),
            "{}",
            sheet.body
        );
        assert!(!sheet.body.contains('\n'));
        assert!(sheet.file_name.starts_with("style.") && sheet.file_name.ends_with(".css"));
    }

    #[test]
    fn the_hash_changes_with_the_content() {
        let one = CssFragment::new("one", ".one { color: red; }");
        let two = CssFragment::new("one", ".one { color: blue; }");
        let first = Stylesheet::compile("", &[&one]).unwrap();
        let second = Stylesheet::compile("", &[&two]).unwrap();
        assert_ne!(first.file_name, second.file_name);
    }

    #[test]
    fn an_error_names_its_fragment() {
        let broken = CssFragment::new("broken-widget", ".broken-widget { color: red; } }");
        let error = Stylesheet::compile("", &[&broken]).unwrap_err().to_string();
        assert!(error.contains("broken-widget"), "{error}");
    }

    #[test]
    fn every_registered_fragment_compiles() {
        let sheet = Stylesheet::build().unwrap();
        for fragment in inventory::iter::<CssFragment>() {
            let class = fragment.name;
            assert!(sheet.body.contains(&format!(".{class}")), "{class} missing");
        }
    }
}
