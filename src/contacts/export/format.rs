//! The CSV itself: the columns, one record per contact, and cells that a spreadsheet will not
//! run as formulas.

use std::borrow::Cow;

use anyhow::Context;

use crate::{contacts::db::Contact, web::humanize};

pub const HEADER: [&str; 7] = [
    "First name",
    "Last name",
    "Email",
    "Phone",
    "Company",
    "Notes",
    "Created",
];

/// What starts a formula in a spreadsheet.
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];
/// What a spreadsheet may split a line at: the list separators of every locale (`,` and `;`),
/// tabs, and line breaks.
const SEPARATORS: [char; 5] = [',', ';', '\t', '\r', '\n'];

/// A cell as it is safe to open in a spreadsheet (OWASP's CSV injection advice): a formula
/// gets a `'` before it, so Excel, LibreOffice and Google Sheets show it as text instead of
/// evaluating it. Not only at the start: every cell is quoted ([`encode`]), but a spreadsheet
/// whose list separator is `;` that ignores the quotes would split `Ada;=1+1` and evaluate
/// the second half, so a formula right after a separator is neutralised as well. (Phone
/// numbers written `+44 …` get one too: the spreadsheet shows the number, as text.)
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    let starts_formula = |at: usize| cell[at..].starts_with(FORMULA_START);
    let after_separator =
        |(at, c): (usize, char)| SEPARATORS.contains(&c) && starts_formula(at + c.len_utf8());
    if !starts_formula(0) && !cell.char_indices().any(after_separator) {
        return Cow::Borrowed(cell);
    }
    let mut safe = String::with_capacity(cell.len() + 2);
    if starts_formula(0) {
        safe.push('\'');
    }
    for (at, c) in cell.char_indices() {
        safe.push(c);
        if after_separator((at, c)) {
            safe.push('\'');
        }
    }
    Cow::Owned(safe)
}

/// `rows` as CSV records (after the header when `header`): every cell quoted, so that no
/// locale's separator inside a value splits it, lines ended with CRLF as RFC 4180 has them.
pub fn encode(rows: &[Contact], header: bool) -> anyhow::Result<Vec<u8>> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(Vec::with_capacity(rows.len() * 128));
    if header {
        writer
            .write_record(HEADER)
            .context("writing the CSV header")?;
    }
    for row in rows {
        let optional =
            |value: &Option<String>| neutralise(value.as_deref().unwrap_or("")).into_owned();
        writer
            .write_record([
                neutralise(&row.first_name).into_owned(),
                optional(&row.last_name),
                optional(&row.email),
                optional(&row.phone),
                optional(&row.company),
                optional(&row.notes),
                humanize::machine(row.created_at),
            ])
            .context("writing a CSV record")?;
    }
    writer
        .into_inner()
        .map_err(|error| anyhow::anyhow!("finishing the CSV: {}", error.error()))
}

#[cfg(test)]
mod tests {
    use time::{Date, Month};
    use uuid::Uuid;

    use super::*;

    fn row(first_name: &str, notes: Option<&str>) -> Contact {
        Contact {
            id: Uuid::nil(),
            first_name: first_name.into(),
            last_name: None,
            email: Some("ada@example.com".into()),
            phone: Some("+44 20 7946 0958".into()),
            company: None,
            notes: notes.map(str::to_owned),
            sort_name: first_name.to_lowercase(),
            created_at: Date::from_calendar_date(2026, Month::November, 27)
                .unwrap()
                .with_hms(9, 30, 5)
                .unwrap()
                .assume_offset(time::UtcOffset::from_hms(1, 0, 0).unwrap()),
            updated_at: time::OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn formula_cells_are_neutralised_and_others_left_alone() {
        for cell in [
            "=HYPERLINK(\"http://x\")",
            "+1",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
        ] {
            assert_eq!(neutralise(cell), format!("'{cell}"), "{cell:?}");
        }
        for cell in ["Ada", "", "a=b", " =1", "'quoted", "1-2", "a, b; c", "Zoë;"] {
            assert!(matches!(neutralise(cell), Cow::Borrowed(_)), "{cell:?}");
        }
    }

    #[test]
    fn a_formula_after_a_separator_is_neutralised_too() {
        for (cell, safe) in [
            ("Ada;=1+1", "Ada;'=1+1"),
            ("Ada,@SUM(A1)", "Ada,'@SUM(A1)"),
            ("=1;-2", "'=1;'-2"),
            ("notes\n=HYPERLINK(x)", "notes\n'=HYPERLINK(x)"),
            ("é;+1", "é;'+1"),
        ] {
            assert_eq!(neutralise(cell), safe, "{cell:?}");
        }
    }

    #[test]
    fn every_cell_is_quoted() {
        let bytes = encode(&[row("Ada;=1+1", None)], false).unwrap();
        let line = String::from_utf8(bytes).unwrap();
        assert!(
            line.starts_with("\"Ada;'=1+1\",\"\",\"ada@example.com\""),
            "{line}"
        );
    }

    #[test]
    fn records_round_trip_through_a_csv_parser() {
        let tricky = "Says \"hi\", then\r\nleaves";
        let bytes = encode(
            &[row("Ada", Some(tricky)), row("=cmd|' /C calc'!A0", None)],
            true,
        )
        .unwrap();
        let mut reader = csv::Reader::from_reader(bytes.as_slice());
        assert_eq!(reader.headers().unwrap(), HEADER.as_slice());
        let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(records.len(), 2);
        assert_eq!(&records[0][0], "Ada");
        assert_eq!(&records[0][3], "'+44 20 7946 0958");
        assert_eq!(&records[0][5], tricky);
        assert_eq!(&records[0][6], "2026-11-27T08:30:05Z");
        assert_eq!(&records[1][0], "'=cmd|' /C calc'!A0");
        assert_eq!(&records[1][5], "");
    }
}
