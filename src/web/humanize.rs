//! Numbers as people read them: durations ("30 minutes", "48 hours") and sizes ("25 MB"),
//! for messages whose numbers must come from the same constants as the code that enforces
//! them, counts ("1,234 contacts"), and moments ("3 minutes ago", "7 Dec 2026").

use std::time::Duration;

use time::{OffsetDateTime, UtcOffset};

/// Seconds under a minute, minutes under two hours, hours under three days, then days;
/// rounded up, so a wait is never understated.
pub fn duration(duration: Duration) -> String {
    const MINUTE: u64 = 60;
    const HOUR: u64 = 60 * MINUTE;
    const DAY: u64 = 24 * HOUR;
    let seconds = duration.as_secs().max(1);
    let (amount, unit) = match seconds {
        0..MINUTE => (seconds, "second"),
        MINUTE..7200 => (seconds.div_ceil(MINUTE), "minute"),
        7200..259_200 => (seconds.div_ceil(HOUR), "hour"),
        _ => (seconds.div_ceil(DAY), "day"),
    };
    match amount {
        1 => format!("a {unit}"),
        _ => format!("{amount} {unit}s"),
    }
}

/// `count` of a thing, with thousands separated: "1 contact", "12,345 contacts".
pub fn count(count: u64, one: &str, many: &str) -> String {
    let noun = if count == 1 { one } else { many };
    format!("{} {noun}", number(count))
}

/// A number with its thousands separated: "12,345".
pub fn number(number: u64) -> String {
    let digits = number.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

/// Bytes in the largest unit that keeps the number at 1 or more: "512 bytes", "1.5 KB",
/// "25 MB" (units of 1024, as file managers count); one decimal below 10, none above.
pub fn bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1024 {
        return match bytes {
            1 => "1 byte".to_owned(),
            _ => format!("{bytes} bytes"),
        };
    }
    // Precision is not the point here: a size shown to a person.
    #[allow(clippy::cast_precision_loss)]
    let mut amount = bytes as f64 / 1024.0;
    let mut unit = UNITS[0];
    for next in &UNITS[1..] {
        if amount < 1024.0 {
            break;
        }
        amount /= 1024.0;
        unit = next;
    }
    let text = if amount < 10.0 {
        format!("{amount:.1}")
    } else {
        format!("{amount:.0}")
    };
    format!("{} {unit}", text.trim_end_matches(".0"))
}

/// How long ago `at` was, seen at `now`: "just now" under a minute, "3 minutes ago" under
/// an hour, "5 hours ago" under a day, and the date after that ("7 Dec 2026", in UTC), when
/// a count of days or months would make the reader work out the date. A moment ahead of
/// `now` (another instance's clock) is "just now" within a minute and its date beyond.
pub fn ago(now: OffsetDateTime, at: OffsetDateTime) -> String {
    const MINUTE: i64 = 60;
    const HOUR: i64 = 60 * MINUTE;
    const DAY: i64 = 24 * HOUR;
    let seconds = (now - at).whole_seconds();
    if seconds.abs() < MINUTE {
        "just now".to_owned()
    } else if (MINUTE..HOUR).contains(&seconds) {
        plural(seconds / MINUTE, "minute")
    } else if (HOUR..DAY).contains(&seconds) {
        plural(seconds / HOUR, "hour")
    } else {
        day(at)
    }
}

fn plural(amount: i64, unit: &str) -> String {
    match amount {
        1 => format!("1 {unit} ago"),
        _ => format!("{amount} {unit}s ago"),
    }
}

/// The day of `at` in UTC as people write it: "7 Dec 2026".
pub fn day(at: OffsetDateTime) -> String {
    let at = at.to_offset(UtcOffset::UTC);
    let month = at.month().to_string();
    format!("{} {} {}", at.day(), &month[..3], at.year())
}

/// `at` to the second in UTC, for a title that says what [`ago`] rounded:
/// "7 Dec 2026, 15:16:14 UTC".
pub fn exact(at: OffsetDateTime) -> String {
    let at = at.to_offset(UtcOffset::UTC);
    format!(
        "{}, {:02}:{:02}:{:02} UTC",
        day(at),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// `at` as machines read it (RFC 3339 in UTC): "2026-12-07T15:16:14Z", for HTML's
/// `datetime` attribute and for exported files (every spreadsheet parses it).
pub fn machine(at: OffsetDateTime) -> String {
    let at = at.to_offset(UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_naturally() {
        assert_eq!(count(0, "contact", "contacts"), "0 contacts");
        assert_eq!(count(1, "contact", "contacts"), "1 contact");
        assert_eq!(count(999, "match", "matches"), "999 matches");
        assert_eq!(count(1000, "x", "xs"), "1,000 xs");
        assert_eq!(count(1_234_567, "x", "xs"), "1,234,567 xs");
    }

    #[test]
    fn durations_read_naturally() {
        let cases = [
            (0, "a second"),
            (1, "a second"),
            (45, "45 seconds"),
            (60, "a minute"),
            (90, "2 minutes"),
            (15 * 60, "15 minutes"),
            (30 * 60, "30 minutes"),
            (3600, "60 minutes"),
            (2 * 3600, "2 hours"),
            (24 * 3600, "24 hours"),
            (48 * 3600, "48 hours"),
            (30 * 86_400, "30 days"),
            (3 * 86_400 + 1, "4 days"),
        ];
        for (seconds, text) in cases {
            assert_eq!(duration(Duration::from_secs(seconds)), text, "{seconds}");
        }
    }

    #[test]
    fn sizes_read_naturally() {
        let cases = [
            (0, "0 bytes"),
            (1, "1 byte"),
            (1023, "1023 bytes"),
            (1024, "1 KB"),
            (1536, "1.5 KB"),
            (64 * 1024, "64 KB"),
            (25 * 1024 * 1024, "25 MB"),
            (3 * 1024 * 1024 * 1024 + 1, "3 GB"),
        ];
        for (bytes, text) in cases {
            assert_eq!(super::bytes(bytes), text, "{bytes}");
        }
    }

    fn moment(
        year: i32,
        month: time::Month,
        day: u8,
        (hour, minute, second): (u8, u8, u8),
        offset_hours: i8,
    ) -> OffsetDateTime {
        time::Date::from_calendar_date(year, month, day)
            .unwrap()
            .with_hms(hour, minute, second)
            .unwrap()
            .assume_offset(UtcOffset::from_hms(offset_hours, 0, 0).unwrap())
    }

    #[test]
    fn moments_read_naturally_at_their_boundaries() {
        let now = moment(2026, time::Month::December, 7, (15, 16, 14), 0);
        let cases = [
            (-120, "7 Dec 2026"),
            (-59, "just now"),
            (0, "just now"),
            (59, "just now"),
            (60, "1 minute ago"),
            (119, "1 minute ago"),
            (120, "2 minutes ago"),
            (3599, "59 minutes ago"),
            (3600, "1 hour ago"),
            (2 * 3600, "2 hours ago"),
            (86_399, "23 hours ago"),
            (86_400, "6 Dec 2026"),
            (400 * 86_400, "2 Nov 2025"),
        ];
        for (seconds, text) in cases {
            let at = now - time::Duration::seconds(seconds);
            assert_eq!(ago(now, at), text, "{seconds}");
        }
    }

    #[test]
    fn exact_moments_are_in_utc() {
        let at = moment(2026, time::Month::January, 2, (3, 4, 5), 2);
        assert_eq!(day(at), "2 Jan 2026");
        assert_eq!(exact(at), "2 Jan 2026, 01:04:05 UTC");
        assert_eq!(machine(at), "2026-01-02T01:04:05Z");
    }
}
