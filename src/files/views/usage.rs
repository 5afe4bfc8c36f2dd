//! What the account stores against its quota, above the upload form: a meter for the bytes
//! and one for the files, each with the numbers beside it. With `optimum` at empty, a meter
//! takes the browser's warning colour past 80% (`low`) and its alarm colour past 95% (`high`).

use maud::{Markup, html};

use crate::{
    files::{
        fields::{USAGE_BYTES, USAGE_FILES},
        quota::{Quota, Usage},
    },
    web::{css::CssFragment, humanize},
};

pub fn storage_usage(used: Usage, quota: Quota) -> Markup {
    let bytes = format!(
        "{} of {}",
        humanize::bytes(used.bytes),
        humanize::bytes(quota.bytes)
    );
    let files = format!("{} of {}", used.files, quota.files);
    html! {
        div.storage-usage {
            (meter(USAGE_BYTES, "Storage", used.bytes, quota.bytes, &bytes))
            (meter(USAGE_FILES, "Files", used.files, quota.files, &files))
        }
    }
}

fn meter(id: &str, label: &str, value: u64, max: u64, text: &str) -> Markup {
    html! {
        label for=(id) { (label) }
        meter #(id) min="0" max=(max) value=(value.min(max)) low=(max / 100 * 80) high=(max / 100 * 95)
            optimum="0" { (text) }
        span.amount { (text) }
    }
}

inventory::submit! { CssFragment::new("storage-usage", r#"
.storage-usage {
    display: grid;
    grid-template-columns: auto minmax(6rem, 16rem) auto;
    gap: var(--space-2) var(--space-3);
    align-items: center;
    justify-content: start;
    margin-bottom: var(--space-5);
    font-size: var(--text-sm);

    & label { font-weight: 600; }
    & meter { width: 100%; height: 0.75rem; }
    & .amount { color: var(--color-muted); font-variant-numeric: tabular-nums; }
}
"#) }

#[cfg(test)]
mod tests {
    use scraper::Html;

    use super::*;
    use crate::files::views::tests::select;

    #[test]
    fn each_meter_is_labelled_and_says_its_numbers() {
        let used = Usage {
            bytes: 90 << 20,
            files: 3,
        };
        let quota = Quota {
            bytes: 100 << 20,
            files: 1000,
        };
        let doc = Html::parse_fragment(&storage_usage(used, quota).into_string());
        let bytes = &select(&doc, &format!("meter#{USAGE_BYTES}"))[0];
        assert_eq!(bytes.attr("value"), Some(&*(90u64 << 20).to_string()));
        assert_eq!(bytes.attr("max"), Some(&*(100u64 << 20).to_string()));
        assert_eq!(
            select(&doc, &format!("label[for={USAGE_FILES}]"))[0]
                .text()
                .collect::<String>(),
            "Files"
        );
        let amounts: Vec<String> = select(&doc, ".amount")
            .iter()
            .map(|amount| amount.text().collect())
            .collect();
        assert_eq!(amounts, ["90 MB of 100 MB", "3 of 1000"]);
    }
}
