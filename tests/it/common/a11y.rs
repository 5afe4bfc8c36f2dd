//! Accessibility checks of the page a [`Browser`] shows: axe-core with the WCAG 2.1 A and AA
//! rules at a phone's width (375 px) and a desktop's (1280 px), each in the light and the dark
//! colour scheme; and no sideways scrolling of the page on a phone (375 px, and 320 px, the
//! narrowest WCAG 1.4.10 asks for).
//!
//! axe-core is injected with WebDriver's "execute script", which the page's Content Security
//! Policy does not govern; the audit also fails on any console error, CSP violations
//! included. An [`Audit`] collects every problem of every page and reports them together.

use serde_json::Value;

use super::{
    browser::{Browser, ColorScheme},
    checkers,
};

/// The axe-core rule tags of WCAG 2.1 levels A and AA.
const WCAG_21_AA: &str = r#"["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]"#;

const WIDTHS: [u32; 2] = [375, 1280];
const SCHEMES: [ColorScheme; 2] = [ColorScheme::Light, ColorScheme::Dark];
/// Widths at which the page must not scroll sideways.
const PHONE_WIDTHS: [u32; 2] = [375, 320];

/// Whether the page the browser shows scrolls sideways at a phone's widths, one line per
/// width where it does. Leaves the browser at 320 px.
///
/// The page is compared with the emulated width itself, not with `innerWidth`: with a
/// phone's emulation (`mobile: true`) Chromium widens the layout viewport to fit the page, so
/// `scrollWidth > innerWidth` could never fail.
pub async fn sideways_scroll(browser: &Browser, name: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for width in PHONE_WIDTHS {
        browser.emulate(width, ColorScheme::Light).await;
        let widths = browser
            .eval(
                "const root = document.documentElement; \
                 return [root.scrollWidth, root.clientWidth];",
            )
            .await;
        let (Some(scroll), Some(client)) = (widths[0].as_u64(), widths[1].as_u64()) else {
            panic!("{name}: the widths came back as {widths}");
        };
        if scroll > u64::from(width) || scroll > client {
            problems.push(format!(
                "{name} at {width}px: the page is {scroll}px wide (viewport {client}px)"
            ));
        }
    }
    problems
}

/// The problems found on the pages audited so far.
pub struct Audit {
    axe: String,
    pub pages: Vec<String>,
    pub problems: Vec<String>,
}

impl Audit {
    pub fn new() -> Self {
        Self {
            axe: checkers::axe_core_js(),
            pages: Vec::new(),
            problems: Vec::new(),
        }
    }

    /// Audits the page the browser shows now, called `name` in the report. Leaves the
    /// browser at 1280 px in the light scheme.
    pub async fn page(&mut self, browser: &Browser, name: &str) {
        self.pages.push(name.to_owned());
        self.problems.extend(sideways_scroll(browser, name).await);
        for width in WIDTHS {
            for scheme in SCHEMES {
                browser.emulate(width, scheme).await;
                for violation in self.axe(browser).await {
                    self.problems
                        .push(format!("{name} at {width}px, {scheme:?}: {violation}"));
                }
            }
        }
        browser.emulate(1280, ColorScheme::Light).await;
        // An error page's own status is logged as a failed load: expected, not a problem.
        let url = browser.eval("return location.href;").await;
        let own_status = format!(
            "{} - Failed to load resource: the server responded with a status of 4",
            url.as_str().unwrap_or_default()
        );
        for error in browser.console_errors().await {
            if !error.starts_with(&own_status) {
                self.problems
                    .push(format!("{name}: console error: {error}"));
            }
        }
    }

    /// axe's WCAG 2.1 AA violations on the current page, one line per rule.
    async fn axe(&self, browser: &Browser) -> Vec<String> {
        let loaded = browser.eval("return typeof axe !== 'undefined';").await;
        if loaded != Value::Bool(true) {
            browser.eval(&format!("{}\nreturn true;", self.axe)).await;
        }
        let script = format!(
            "const done = arguments[arguments.length - 1];
             axe.run(document, {{ runOnly: {{ type: 'tag', values: {WCAG_21_AA} }},
                                  resultTypes: ['violations'] }})
               .then(results => done(results.violations.map(v => ({{
                   id: v.id, impact: v.impact, help: v.help,
                   nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)
               }}))))
               .catch(error => done({{ error: String(error) }}));"
        );
        let result = browser.eval_async(&script).await;
        if let Some(error) = result.get("error") {
            return vec![format!("axe failed to run: {error}")];
        }
        let Some(violations) = result.as_array() else {
            return vec![format!(
                "axe answered something other than a list: {result}"
            )];
        };
        violations
            .iter()
            .map(|violation| {
                format!(
                    "{} ({}): {}\n    {}",
                    violation["id"].as_str().unwrap_or_default(),
                    violation["impact"].as_str().unwrap_or_default(),
                    violation["help"].as_str().unwrap_or_default(),
                    violation["nodes"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join("\n    ")
                )
            })
            .collect()
    }

    /// Fails listing every problem found.
    pub fn assert_clean(&self) {
        assert!(!self.pages.is_empty(), "no page was audited");
        assert!(
            self.problems.is_empty(),
            "{} accessibility problems on {} pages:\n{}",
            self.problems.len(),
            self.pages.len(),
            self.problems.join("\n")
        );
    }
}
