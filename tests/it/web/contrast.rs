//! The palettes of `assets/base.css` give every text colour at least 4.5:1 against the
//! backgrounds it is shown on (WCAG 1.4.3), in the light scheme and in the dark one. The
//! browser tests check the pages themselves with axe; this says which colour is at fault, and
//! runs without a browser.

use std::collections::HashMap;

/// Text colours, each on every background.
const TEXT: &[&str] = &["text", "muted", "accent", "success", "warning", "danger"];
const BACKGROUNDS: &[&str] = &["bg", "surface"];
/// Button labels on filled buttons.
const ON_FILLS: &[(&str, &str)] = &[("on-accent", "accent"), ("on-accent", "danger")];

/// The `--color-*` properties of the first `:root { ... }` block at or after `from`.
fn palette(css: &str, from: usize) -> HashMap<String, String> {
    let start = from + css[from..].find(":root {").unwrap() + ":root {".len();
    let block = &css[start..start + css[start..].find('}').unwrap()];
    block
        .split(';')
        .filter_map(|declaration| {
            let (name, value) = declaration.split_once(':')?;
            let name = name.trim().strip_prefix("--color-")?;
            Some((name.to_owned(), value.trim().to_owned()))
        })
        .collect()
}

fn luminance(hex: &str) -> f64 {
    let hex = hex.strip_prefix('#').unwrap();
    assert_eq!(hex.len(), 6, "colours are written #rrggbb: {hex}");
    let channel = |i: usize| {
        let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4)
}

fn contrast(a: &str, b: &str) -> f64 {
    let (a, b) = (luminance(a), luminance(b));
    (a.max(b) + 0.05) / (a.min(b) + 0.05)
}

#[test]
fn every_text_colour_reads_at_4_5_to_1_in_both_schemes() {
    let css =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/base.css")).unwrap();
    let light = palette(&css, 0);
    let dark_at = css.find("prefers-color-scheme: dark").unwrap();
    // The dark scheme overrides some colours and inherits the rest.
    let mut dark = light.clone();
    dark.extend(palette(&css, dark_at));

    let mut failures = Vec::new();
    for (scheme, colours) in [("light", &light), ("dark", &dark)] {
        let pairs = TEXT
            .iter()
            .flat_map(|text| BACKGROUNDS.iter().map(move |bg| (*text, *bg)))
            .chain(ON_FILLS.iter().copied());
        for (text, background) in pairs {
            let ratio = contrast(&colours[text], &colours[background]);
            if ratio < 4.5 {
                failures.push(format!(
                    "{scheme}: --color-{text} {} on --color-{background} {} is {ratio:.2}:1",
                    colours[text], colours[background]
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_dark_scheme_overrides_every_status_colour() {
    let css =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/base.css")).unwrap();
    let dark = palette(&css, css.find("prefers-color-scheme: dark").unwrap());
    for name in ["success", "warning", "danger"] {
        assert!(dark.contains_key(name), "no dark --color-{name}");
    }
}
