//! Whether each backing service answers, and since when: PostgreSQL, Valkey, file storage,
//! SMTP and the breached-password service, each up, degraded (it answered, slowly) or down,
//! with the time its state began (the last change this instance saw, or its first check).
//!
//! Checked by each instance with its heartbeat (`instances.rs`, every few seconds), all at
//! once and each within [`TIMEOUT`], so that one that swallows packets costs a second; the
//! dashboard shows the last check (checking first if it is older than a heartbeat). The same
//! check sets `service_state` and `service_state_since_timestamp_seconds`, so that the page
//! and `/metrics` agree. A service not configured (an embedded default stands in) or turned
//! off has no series.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use metrics::gauge;
use time::OffsetDateTime;

use super::{SERVICE_STATE, SERVICE_STATE_SINCE};
use crate::{AppState, backends::database};

/// The longest a check waits for an answer: down beyond it.
pub const TIMEOUT: Duration = Duration::from_secs(1);
/// An answer slower than this is degraded.
pub const SLOW: Duration = Duration::from_millis(300);
/// A check older than this is made again before the dashboard shows it.
const FRESH: Duration = super::instances::BEAT;

/// A service's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Up,
    /// It answered, but slower than [`SLOW`].
    Degraded,
    Down,
    /// Not configured: the embedded default stands in for it.
    Embedded(&'static str),
    /// Turned off in the configuration.
    Off,
}

impl Status {
    /// The `state` label, for the states a configured service can be in.
    fn label(self) -> Option<&'static str> {
        match self {
            Self::Up => Some("up"),
            Self::Degraded => Some("degraded"),
            Self::Down => Some("down"),
            Self::Embedded(_) | Self::Off => None,
        }
    }
}

/// The `state` labels, each set to 1 for the current state and 0 for the others.
const STATES: [&str; 3] = ["up", "degraded", "down"];

/// A service as last checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceState {
    /// As people read it: "PostgreSQL".
    pub name: &'static str,
    /// The `service` label: "postgresql".
    pub key: &'static str,
    pub status: Status,
    /// When it entered this state, as far as this instance saw.
    pub since: OffsetDateTime,
}

/// This instance's view of the services. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Services {
    inner: Arc<Mutex<Checked>>,
}

#[derive(Debug, Default)]
struct Checked {
    at: Option<Instant>,
    services: Vec<ServiceState>,
}

impl Services {
    /// Checks every service now, and records what changed.
    pub async fn check(&self, state: &AppState) {
        let seen = check(state).await;
        self.observe(OffsetDateTime::now_utc(), &seen);
    }

    /// The services as last checked, checking first if that is not recent.
    pub async fn current(&self, state: &AppState) -> Vec<ServiceState> {
        let stale = self.lock().at.is_none_or(|at| at.elapsed() >= FRESH);
        if stale {
            self.check(state).await;
        }
        self.lock().services.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Checked> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Takes in a check's results made at `now`: a service whose state changed starts its
    /// `since` now, one that did not keeps its own.
    fn observe(&self, now: OffsetDateTime, seen: &[(&'static str, &'static str, Status)]) {
        let mut checked = self.lock();
        let services = seen
            .iter()
            .map(|&(name, key, status)| {
                let since = checked
                    .services
                    .iter()
                    .find(|known| known.key == key && known.status == status)
                    .map_or(now, |known| known.since);
                ServiceState {
                    name,
                    key,
                    status,
                    since,
                }
            })
            .collect::<Vec<_>>();
        for service in &services {
            if let Some(current) = service.status.label() {
                for state in STATES {
                    let value = if state == current { 1.0 } else { 0.0 };
                    gauge!(SERVICE_STATE, "service" => service.key, "state" => state).set(value);
                }
                gauge!(SERVICE_STATE_SINCE, "service" => service.key)
                    .set(service.since.unix_timestamp() as f64);
            }
        }
        checked.services = services;
        checked.at = Some(Instant::now());
    }
}

/// Up, degraded or down, by how an answer within [`TIMEOUT`] came.
async fn timed<T, E>(check: impl Future<Output = Result<T, E>>) -> Status {
    let started = Instant::now();
    match tokio::time::timeout(TIMEOUT, check).await {
        Ok(Ok(_)) if started.elapsed() >= SLOW => Status::Degraded,
        Ok(Ok(_)) => Status::Up,
        Ok(Err(_)) | Err(_) => Status::Down,
    }
}

/// Every service, by name and label, with its state now.
async fn check(state: &AppState) -> Vec<(&'static str, &'static str, Status)> {
    let postgres = timed(database::ping(&state.db));
    let smtp = async {
        let started = Instant::now();
        match tokio::time::timeout(TIMEOUT, state.mail_transport.check()).await {
            Ok(Some(true)) if started.elapsed() >= SLOW => Status::Degraded,
            Ok(Some(true)) => Status::Up,
            Ok(Some(false)) | Err(_) => Status::Down,
            Ok(None) => Status::Embedded("dev mailbox"),
        }
    };
    let storage = timed(state.storage.list("health-check/"));
    let valkey = match &state.valkey {
        // The connection notes every command's outcome; nothing more is asked of it.
        Some(valkey) if valkey.is_down() => Status::Down,
        Some(_) => Status::Up,
        None => Status::Embedded("in this process"),
    };
    // Known from the last new password checked: nothing is sent to it for the check.
    let breached = match state.breach_check.answering() {
        Some(true) => Status::Up,
        Some(false) => Status::Down,
        None => Status::Off,
    };
    let (postgres, smtp, storage) = tokio::join!(postgres, smtp, storage);
    vec![
        ("PostgreSQL", "postgresql", postgres),
        ("Valkey", "valkey", valkey),
        (
            match state.storage.name() {
                "s3" => "File storage (S3)",
                _ => "File storage (local folder)",
            },
            "storage",
            storage,
        ),
        ("SMTP", "smtp", smtp),
        ("Breached-password service", "breached_password", breached),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_is_the_time_of_the_last_change() {
        let services = Services::default();
        let at = |minute: i64| OffsetDateTime::UNIX_EPOCH + time::Duration::minutes(minute);
        let seen = |status| {
            [
                ("PostgreSQL", "postgresql", status),
                ("SMTP", "smtp", Status::Off),
            ]
        };
        services.observe(at(1), &seen(Status::Up));
        services.observe(at(2), &seen(Status::Up));
        assert_eq!(services.lock().services[0].since, at(1));
        services.observe(at(3), &seen(Status::Down));
        services.observe(at(4), &seen(Status::Down));
        let now = services.lock().services.clone();
        assert_eq!((now[0].status, now[0].since), (Status::Down, at(3)));
        assert_eq!(now[1].since, at(1));
        services.observe(at(5), &seen(Status::Degraded));
        assert_eq!(services.lock().services[0].since, at(5));
    }
}
