//! The palette of `assets/base.css` gives every text colour at least 4.5:1 against the
//! backgrounds it is shown on (WCAG 1.4.3), in the light scheme and in the dark one. The
//! browser tests check the pages themselves with axe; this says which colour is at fault, and
//! runs without a browser.

use std::collections::HashMap;

/// Text colours, each on every background.
const TEXT: &[&str] = &["text", "muted", "accent", "success", "warning", "danger"];
const BACKGROUNDS: &[&str] = &["bg", "surface"];
/// Tints behind ordinary text: a hovered or selected row, a search match.
const TINTS: &[&str] = &["hover", "selected", "mark"];
/// Button labels on filled buttons.
const ON_FILLS: &[(&str, &str)] = &[("on-accent", "accent"), ("on-accent", "danger")];

struct Palettes {
    light: HashMap<String, String>,
    dark: HashMap<String, String>,
}

/// The `--color-*` properties of the first `:root { ... }` block, each written
/// `light-dark(#light, #dark)` or as one colour for both.
fn palettes() -> Palettes {
    let css =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/base.css")).unwrap();
    let start = css.find(":root {").unwrap() + ":root {".len();
    let block = &css[start..start + css[start..].find('}').unwrap()];
    let mut palettes = Palettes {
        light: HashMap::new(),
        dark: HashMap::new(),
    };
    for declaration in block.split(';') {
        let Some((name, value)) = declaration.split_once(':') else {
            continue;
        };
        let Some(name) = name.trim().strip_prefix("--color-") else {
            continue;
        };
        let value = value.trim();
        let (light, dark) = match value
            .strip_prefix("light-dark(")
            .and_then(|pair| pair.strip_suffix(')'))
        {
            Some(pair) => pair.split_once(',').unwrap(),
            None => (value, value),
        };
        palettes
            .light
            .insert(name.to_owned(), light.trim().to_owned());
        palettes
            .dark
            .insert(name.to_owned(), dark.trim().to_owned());
    }
    palettes
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
    let palettes = palettes();
    let mut failures = Vec::new();
    for (scheme, colours) in [("light", &palettes.light), ("dark", &palettes.dark)] {
        let pairs = TEXT
            .iter()
            .flat_map(|text| BACKGROUNDS.iter().map(move |bg| (*text, *bg)))
            .chain(
                ["text", "muted"]
                    .into_iter()
                    .flat_map(|text| TINTS.iter().map(move |tint| (text, *tint))),
            )
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
fn every_colour_has_a_dark_value_of_its_own() {
    let palettes = palettes();
    for (name, light) in &palettes.light {
        assert_ne!(
            light, &palettes.dark[name],
            "--color-{name} is the same in both schemes: write it light-dark(light, dark)"
        );
    }
}
