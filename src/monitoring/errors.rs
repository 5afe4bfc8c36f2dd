//! The latest server errors (5xx) of this instance, for the operations dashboard: when,
//! which route, which status, the request id (to find the request's log lines) and the
//! cause's chain, with email addresses masked and cut short, since a cause may quote what a
//! user typed. Kept in memory, the last [`KEPT`]; published with the instance's heartbeat.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
};

use serde::{Deserialize, Serialize};

/// How many are kept.
pub const KEPT: usize = 20;
/// The longest cause kept, in characters.
const CAUSE_CHARS: usize = 300;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecentError {
    /// Seconds since the Unix epoch.
    pub at: i64,
    pub route: String,
    pub status: u16,
    pub request_id: String,
    pub cause: Option<String>,
}

/// This instance's latest server errors. Cheap to clone.
#[derive(Clone, Default)]
pub struct RecentErrors {
    inner: Arc<Mutex<VecDeque<RecentError>>>,
}

impl std::fmt::Debug for RecentErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecentErrors")
    }
}

impl RecentErrors {
    pub fn push(&self, mut error: RecentError) {
        error.cause = error.cause.as_deref().map(masked);
        let mut errors = self
            .inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        errors.push_front(error);
        errors.truncate(KEPT);
    }

    /// The newest first.
    pub fn latest(&self) -> Vec<RecentError> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .iter()
            .cloned()
            .collect()
    }
}

/// `cause` with every word that looks like an email address masked (with the punctuation
/// around it), cut to
/// [`CAUSE_CHARS`].
fn masked(cause: &str) -> String {
    let mut out: String = cause
        .split_inclusive(char::is_whitespace)
        .map(|word| {
            let bare = word.trim_end();
            if looks_like_address(bare) {
                format!("<address>{}", &word[bare.len()..])
            } else {
                word.to_owned()
            }
        })
        .collect();
    if out.chars().count() > CAUSE_CHARS {
        out = out.chars().take(CAUSE_CHARS).collect::<String>() + "…";
    }
    out
}

fn looks_like_address(word: &str) -> bool {
    let word = word.trim_matches(|c: char| !c.is_alphanumeric());
    word.split_once('@')
        .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_masked_and_long_causes_cut() {
        assert_eq!(
            masked("sending to <ada@example.com>: refused (ada@example.com) now"),
            "sending to <address> refused <address> now"
        );
        assert_eq!(masked(&"x".repeat(400)).chars().count(), CAUSE_CHARS + 1);
        let errors = RecentErrors::default();
        for n in 0..KEPT + 5 {
            errors.push(RecentError {
                at: n as i64,
                route: "/".into(),
                status: 500,
                request_id: n.to_string(),
                cause: None,
            });
        }
        let latest = errors.latest();
        assert_eq!(latest.len(), KEPT);
        assert_eq!(latest[0].request_id, (KEPT + 4).to_string());
    }
}
