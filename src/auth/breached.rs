//! New passwords are checked against the passwords known from data breaches, as NIST SP
//! 800-63B asks, through the Pwned Passwords range API, without the password leaving the
//! server: only the first 5 of the 40 hex characters of its SHA-1 are sent (k-anonymity), the
//! service answers every suffix it knows under that prefix (padded with decoys, so the size
//! of the answer says nothing either), and the match is made here, in constant time.
//!
//! Range answers are cached for a day (`backends::cache`: shared by every instance when Valkey
//! is set up), so a popular prefix is asked for once a day, not once per sign-up.
//!
//! The check helps and never blocks: when the service is slow or down it is skipped after a
//! short timeout (`PWNED_PASSWORDS_TIMEOUT_MS`), logged once per outage, and the password is
//! judged by the other rules alone. `PWNED_PASSWORDS=off` turns it off.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;

use super::password;
use crate::{
    backends::{cache::Cache, http::HttpClient},
    config::BreachedPasswordsConfig,
    monitoring,
};

/// How long a range answer is kept: the breach corpus changes a few times a year.
const RANGE_TTL: Duration = Duration::from_secs(24 * 3600);

/// Cheap to clone.
#[derive(Debug, Clone)]
pub struct BreachCheck {
    http: HttpClient,
    config: Arc<BreachedPasswordsConfig>,
    cache: Cache,
    /// Whether the last check failed, so that an outage is logged once, not per sign-up.
    failing: Arc<AtomicBool>,
}

impl BreachCheck {
    pub fn new(http: HttpClient, config: BreachedPasswordsConfig, cache: Cache) -> Self {
        if config.enabled {
            tracing::info!(
                service = "breached-passwords",
                url = %config.url,
                "breached passwords: checked against {}",
                config.url
            );
        } else {
            tracing::info!(
                service = "breached-passwords",
                "breached passwords: not checked"
            );
        }
        Self {
            http,
            config: Arc::new(config),
            cache,
            failing: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Whether the service answered the last look-up; `None` when the check is off.
    pub fn answering(&self) -> Option<bool> {
        self.config
            .enabled
            .then(|| !self.failing.load(Ordering::Relaxed))
    }

    /// Why `password` is refused for having appeared in breaches, or `None` (also when the
    /// check is off or could not be made).
    pub async fn problem(&self, password: &str) -> Option<String> {
        let started = std::time::Instant::now();
        let seen = self.times_seen(password).await;
        if self.config.enabled {
            metrics::histogram!(monitoring::BREACH_CHECK_DURATION)
                .record(started.elapsed().as_secs_f64());
        }
        let outcome = match seen {
            None => "skipped",
            Some(0) => "clear",
            Some(_) => "breached",
        };
        metrics::counter!(monitoring::BREACH_CHECKS, "outcome" => outcome).increment(1);
        let seen = seen?;
        (seen > 0).then(|| message(seen))
    }

    /// How often `password` appears in known breaches; `None` when unknown.
    async fn times_seen(&self, password: &str) -> Option<u64> {
        if !self.config.enabled {
            return None;
        }
        let digest = hex::encode_upper(Sha1::digest(password::normalize(password).as_bytes()));
        let (prefix, suffix) = digest.split_at(5);
        let cache_key = format!("breached-passwords:range:{prefix}");
        if let Some(body) = self.cache.get(&cache_key).await {
            return Some(count_in(&body, suffix));
        }
        let url = format!("{}/range/{prefix}", self.config.url);
        let lookup = async {
            let response = self.http.get(&url, &[("Add-Padding", "true")]).await?;
            response.error_for_status()?.text().await
        };
        let failure = match tokio::time::timeout(self.config.timeout, lookup).await {
            Ok(Ok(body)) => {
                if self.failing.swap(false, Ordering::Relaxed) {
                    tracing::info!("breached passwords: the service answers again");
                }
                self.cache.set(&cache_key, &body, RANGE_TTL).await;
                return Some(count_in(&body, suffix));
            }
            Err(_) => "timed out".to_owned(),
            Ok(Err(error)) => match error.status() {
                Some(status) => format!("answered {status}"),
                None => "unreachable".to_owned(),
            },
        };
        if !self.failing.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                failure,
                "breached passwords: the check is skipped until the service answers"
            );
        }
        None
    }
}

fn message(seen: u64) -> String {
    const MESSAGE: &str = "This password has appeared in a data breach; choose another.";
    if seen >= 100 {
        format!("{MESSAGE} It is known from {seen} breached accounts.")
    } else {
        MESSAGE.to_owned()
    }
}

/// The count of `suffix` in a range answer (`SUFFIX:COUNT` per line, padding lines with a
/// count of 0). Every line is compared, and in constant time, so that how long this takes
/// says nothing about where (or whether) the suffix was found.
fn count_in(body: &str, suffix: &str) -> u64 {
    body.lines().fold(0, |found, line| {
        let Some((candidate, count)) = line.trim().split_once(':') else {
            return found;
        };
        let same: bool = candidate.as_bytes().ct_eq(suffix.as_bytes()).into();
        if same {
            count.trim().parse().unwrap_or(0)
        } else {
            found
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_suffix_is_found_among_the_padding() {
        // SHA-1("password") = 5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8
        let digest = hex::encode_upper(Sha1::digest(b"password"));
        assert_eq!(digest, "5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8");
        let body = "0018A45C4D1DEF81644B54AB7F969B88D65:1\r\n\
                    1E4C9B93F3F0682250B6CF8331B7EE68FD8:9659365\r\n\
                    FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0\r\n";
        assert_eq!(count_in(body, &digest[5..]), 9_659_365);
        assert_eq!(count_in(body, "0000000000000000000000000000000000A"), 0);
        assert_eq!(count_in("garbage\nno colon", &digest[5..]), 0);
    }

    #[test]
    fn the_message_gives_the_count_when_it_is_large() {
        assert!(!message(3).contains('3'));
        assert!(message(9_659_365).contains("9659365"));
    }
}
