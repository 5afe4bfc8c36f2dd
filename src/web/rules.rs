//! Validation rules for form fields that hold typed values: numbers, dates, times, ids.
//!
//! A form keeps what was typed as text, so an invalid value comes back exactly as typed; these
//! rules (validator's `custom` functions) say whether the text is a value of the type, and
//! PostgreSQL casts it when it is stored. Generated resources use them:
//!
//! ```text
//! #[validate(custom(function = "rules::decimal"))]
//! pub amount: String,
//! ```

use time::{Date, Month, OffsetDateTime, Time};
use validator::ValidationError;

fn invalid(code: &'static str, message: &'static str) -> ValidationError {
    ValidationError::new(code).with_message(message.into())
}

/// Text a field must have, of at most `max` characters (as the table's check counts them):
/// `missing` when it is empty ("Enter a first name."), a limit people can act on when it is
/// too long.
pub fn required_text(text: &str, missing: &'static str, max: usize) -> Result<(), ValidationError> {
    if text.is_empty() {
        return Err(invalid("required", missing));
    }
    if text.chars().count() > max {
        let message = format!(
            "Use at most {} characters.",
            super::humanize::number(max as u64)
        );
        return Err(ValidationError::new("length").with_message(message.into()));
    }
    Ok(())
}

/// A whole number that fits a PostgreSQL `bigint`: `42`, `-7`.
pub fn whole_number(text: &str) -> Result<(), ValidationError> {
    text.parse::<i64>()
        .map(|_| ())
        .map_err(|_| invalid("whole_number", "Enter a whole number, like 42."))
}

/// Digits with at most one decimal point and an optional sign: `12.50`, `-3`, `0.125`.
/// Capped at 30 digits, well inside PostgreSQL's `numeric`.
pub fn decimal(text: &str) -> Result<(), ValidationError> {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |part: &str| part.chars().all(|c| c.is_ascii_digit());
    let count = whole.len() + fraction.len();
    if count == 0 || count > 30 || !all_digits(whole) || !all_digits(fraction) {
        return Err(invalid("decimal", "Enter a number, like 12.50."));
    }
    Ok(())
}

/// A date as a date input sends it: `2026-11-26`.
pub fn date(text: &str) -> Result<(), ValidationError> {
    parse_date(text)
        .map(|_| ())
        .ok_or_else(|| invalid("date", "Enter a date, like 2026-11-26."))
}

/// A date and time as a `datetime-local` input sends it: `2026-11-26T14:30` (seconds
/// optional), read as UTC.
pub fn date_time(text: &str) -> Result<(), ValidationError> {
    parse_date_time(text)
        .map(|_| ())
        .ok_or_else(|| invalid("date_time", "Enter a date and time, like 2026-11-26 14:30."))
}

/// A UUID: `67e55044-10b1-426f-9247-bb680e5fe0c8`.
pub fn uuid(text: &str) -> Result<(), ValidationError> {
    text.parse::<uuid::Uuid>().map(|_| ()).map_err(|_| {
        invalid(
            "uuid",
            "Enter an id like 67e55044-10b1-426f-9247-bb680e5fe0c8.",
        )
    })
}

/// `moment` as a `datetime-local` input shows it, in UTC: `2026-11-26T14:30`.
pub fn date_time_input(moment: OffsetDateTime) -> String {
    let utc = moment.to_offset(time::UtcOffset::UTC);
    format!("{}T{:02}:{:02}", utc.date(), utc.hour(), utc.minute())
}

/// `moment` for reading, in UTC: `2026-11-26 14:30 UTC`.
pub fn date_time_text(moment: OffsetDateTime) -> String {
    let utc = moment.to_offset(time::UtcOffset::UTC);
    format!("{} {:02}:{:02} UTC", utc.date(), utc.hour(), utc.minute())
}

fn parse_date(text: &str) -> Option<Date> {
    let mut parts = text.splitn(3, '-');
    let year: i32 = parts.next().filter(|y| y.len() == 4)?.parse().ok()?;
    let month: u8 = parts.next().filter(|m| m.len() == 2)?.parse().ok()?;
    let day: u8 = parts.next().filter(|d| d.len() == 2)?.parse().ok()?;
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
}

fn parse_date_time(text: &str) -> Option<(Date, Time)> {
    let (date, time) = text.split_once(['T', ' '])?;
    let mut parts = time.splitn(3, ':');
    let hour: u8 = parts.next().filter(|h| h.len() == 2)?.parse().ok()?;
    let minute: u8 = parts.next().filter(|m| m.len() == 2)?.parse().ok()?;
    let second: u8 = match parts.next() {
        Some(s) if s.len() == 2 => s.parse().ok()?,
        Some(_) => return None,
        None => 0,
    };
    Some((
        parse_date(date)?,
        Time::from_hms(hour, minute, second).ok()?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_text_says_what_is_missing_or_how_long_it_may_be() {
        let message = |text: &str| {
            required_text(text, "Enter a first name.", 5)
                .err()
                .and_then(|error| error.message)
                .map(|message| message.to_string())
        };
        assert_eq!(message("").as_deref(), Some("Enter a first name."));
        assert_eq!(message("Ada"), None);
        assert_eq!(message("ééééé"), None, "characters, not bytes");
        assert_eq!(
            message("Adaline").as_deref(),
            Some("Use at most 5 characters.")
        );
    }

    #[test]
    fn numbers() {
        for ok in ["0", "42", "-7", "9223372036854775807"] {
            assert!(whole_number(ok).is_ok(), "{ok}");
        }
        for bad in ["", "4.2", "1e3", "9223372036854775808", " 1"] {
            assert!(whole_number(bad).is_err(), "{bad}");
        }
        for ok in ["12.50", "-3", "+0.125", "7.", ".5"] {
            assert!(decimal(ok).is_ok(), "{ok}");
        }
        for bad in ["", ".", "1.2.3", "1,5", "NaN", "1e5", "-", &"9".repeat(31)] {
            assert!(decimal(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dates_and_times() {
        assert!(date("2024-02-29").is_ok());
        for bad in ["2023-02-29", "2026-13-01", "26-11-26", "2026-1-5", "today"] {
            assert!(date(bad).is_err(), "{bad}");
        }
        for ok in ["2026-11-26T14:30", "2026-11-26 14:30:15"] {
            assert!(date_time(ok).is_ok(), "{ok}");
        }
        for bad in [
            "2026-11-26",
            "2026-11-26T25:00",
            "2026-11-26T14:30:1",
            "2026-11-26T14",
        ] {
            assert!(date_time(bad).is_err(), "{bad}");
        }
        let moment = OffsetDateTime::from_unix_timestamp(1_764_167_400).unwrap();
        assert_eq!(date_time_input(moment), "2025-11-26T14:30");
        assert_eq!(date_time_text(moment), "2025-11-26 14:30 UTC");
    }

    #[test]
    fn ids() {
        assert!(uuid("67e55044-10b1-426f-9247-bb680e5fe0c8").is_ok());
        assert!(uuid("67e55044").is_err());
    }
}
