//! Slow queries: the statements that took at least `SLOW_QUERY_MS`, each with the route of
//! the request that ran it, counted (`db_client_slow_queries_total` by `http_route`) and the
//! latest [`KEPT`] kept in memory for the operations dashboard, which every instance
//! publishes with its heartbeat (`instances.rs`).
//!
//! One source: SQLx writes an event for every statement it finishes, at `warn` from
//! `SLOW_QUERY_MS` on (`backends::database::pool` sets the threshold), and the layer that
//! reads those events for traces (`telemetry::queries`) hands the slow ones here. While
//! traces are not exported that layer listens at `warn` only, so a fast statement writes no
//! event at all.
//!
//! What is kept is the statement's text as the code wrote it (never the values bound to it),
//! with its literals replaced by `?` (a statement may spell a value out) and cut to
//! [`STATEMENT_CHARS`]. A statement run outside any request (a job, a timer) has the route
//! [`BACKGROUND`].

use std::{collections::VecDeque, sync::Mutex, time::Duration};

use serde::{Deserialize, Serialize};

use super::SLOW_QUERIES;

/// How many are kept, per instance.
pub const KEPT: usize = 50;
/// The longest statement kept, in characters.
pub const STATEMENT_CHARS: usize = 240;
/// The route of a statement run outside any request.
pub const BACKGROUND: &str = "background";

/// One slow statement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlowQuery {
    /// When it finished, in seconds since the Unix epoch.
    pub at: i64,
    /// The template of the route whose request ran it, or [`BACKGROUND`].
    pub route: String,
    /// The statement, normalised (see the module's comment).
    pub statement: String,
    /// How long it took, in milliseconds.
    pub millis: f64,
}

/// The process's latest slow statements, newest first. In the process rather than in an
/// instance's state because the `tracing` layer that notes them is installed before any
/// state exists (tests that build several apps in one process share it, as they share the
/// recorder).
static LATEST: Mutex<VecDeque<SlowQuery>> = Mutex::new(VecDeque::new());

/// Notes that `statement` took `took` in the request of `route` (`None`: outside any).
pub fn note(route: Option<&str>, statement: &str, took: Duration) {
    let route = route.unwrap_or(BACKGROUND);
    metrics::counter!(SLOW_QUERIES, "http_route" => route.to_owned()).increment(1);
    let query = SlowQuery {
        at: time::OffsetDateTime::now_utc().unix_timestamp(),
        route: route.to_owned(),
        statement: normalised(statement),
        millis: took.as_secs_f64() * 1000.0,
    };
    let mut latest = LATEST
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    latest.push_front(query);
    latest.truncate(KEPT);
}

/// The latest slow statements of this process, newest first.
pub fn latest() -> Vec<SlowQuery> {
    LATEST
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .iter()
        .cloned()
        .collect()
}

/// `statement` on one line, its string and number literals as `?` (placeholders such as `$1`
/// stay), cut to [`STATEMENT_CHARS`].
pub fn normalised(statement: &str) -> String {
    let mut out = String::with_capacity(statement.len().min(STATEMENT_CHARS + 4));
    let mut chars = statement.trim().chars().peekable();
    // The previous character written, to tell `$1` and `x1` from a number.
    let mut previous = ' ';
    // Characters written so far.
    let mut written = 0;
    while let Some(c) = chars.next() {
        if written >= STATEMENT_CHARS {
            out.push('…');
            return out;
        }
        match c {
            '\'' => {
                // A string literal, with '' as an escaped quote inside it.
                loop {
                    match chars.next() {
                        None => break,
                        Some('\'') if chars.peek() == Some(&'\'') => {
                            chars.next();
                        }
                        Some('\'') => break,
                        Some(_) => {}
                    }
                }
                out.push('?');
                previous = '?';
                written += 1;
            }
            c if c.is_ascii_digit()
                && !(previous.is_alphanumeric() || previous == '_' || previous == '$') =>
            {
                while chars
                    .peek()
                    .is_some_and(|next| next.is_ascii_digit() || *next == '.')
                {
                    chars.next();
                }
                out.push('?');
                previous = '?';
                written += 1;
            }
            c if c.is_whitespace() => {
                if previous != ' ' {
                    out.push(' ');
                    previous = ' ';
                    written += 1;
                }
            }
            c => {
                out.push(c);
                previous = c;
                written += 1;
            }
        }
    }
    out.truncate(out.trim_end().len());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_become_placeholders_and_lines_one() {
        assert_eq!(
            normalised(
                "SELECT pg_sleep(0.25), 'ada@example.com',\n    'it''s' FROM t1\n WHERE id = $12 AND n > 3"
            ),
            "SELECT pg_sleep(?), ?, ? FROM t1 WHERE id = $12 AND n > ?"
        );
        let long = format!("SELECT {}", "x, ".repeat(200));
        let cut = normalised(&long);
        assert_eq!(cut.chars().count(), STATEMENT_CHARS + 1);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn the_latest_are_kept_newest_first() {
        for n in 0..KEPT + 3 {
            note(
                Some("/a/{id}"),
                &format!("SELECT {n}"),
                Duration::from_millis(120),
            );
        }
        note(None, "SELECT now()", Duration::from_millis(300));
        let latest = latest();
        assert_eq!(latest.len(), KEPT);
        assert_eq!(latest[0].route, BACKGROUND);
        assert_eq!(latest[1].route, "/a/{id}");
        assert_eq!(latest[1].statement, "SELECT ?");
        assert!((latest[0].millis - 300.0).abs() < 1e-6);
    }
}
