//! Whether each backing service answers, checked when the dashboard is drawn, at once and
//! each with a short timeout, so that one that swallows packets costs the page a second.

use std::time::Duration;

use crate::{AppState, backends::database};

const TIMEOUT: Duration = Duration::from_secs(1);

/// A service's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Up,
    Down,
    /// Not configured: the embedded default stands in for it.
    Embedded(&'static str),
    /// Turned off in the configuration.
    Off,
}

/// Every service, by name, with its state.
pub async fn check(state: &AppState) -> Vec<(&'static str, Status)> {
    let postgres = async {
        match tokio::time::timeout(TIMEOUT, database::ping(&state.db)).await {
            Ok(Ok(())) => Status::Up,
            _ => Status::Down,
        }
    };
    let smtp = async {
        match tokio::time::timeout(TIMEOUT, state.mail_transport.check()).await {
            Ok(Some(true)) => Status::Up,
            Ok(Some(false)) | Err(_) => Status::Down,
            Ok(None) => Status::Embedded("dev mailbox"),
        }
    };
    let storage = async {
        match tokio::time::timeout(TIMEOUT, state.storage.list("health-check/")).await {
            Ok(Ok(_)) => Status::Up,
            _ => Status::Down,
        }
    };
    let valkey = match &state.valkey {
        // The connection notes every command's outcome; the page asks nothing more of it.
        Some(valkey) if valkey.is_down() => Status::Down,
        Some(_) => Status::Up,
        None => Status::Embedded("in this process"),
    };
    // Known from the last new password checked: the page does not send one itself.
    let breached = match state.breach_check.answering() {
        Some(true) => Status::Up,
        Some(false) => Status::Down,
        None => Status::Off,
    };
    let (postgres, smtp, storage) = tokio::join!(postgres, smtp, storage);
    vec![
        ("PostgreSQL", postgres),
        ("Valkey", valkey),
        (
            match state.storage.name() {
                "s3" => "File storage (S3)",
                _ => "File storage (local folder)",
            },
            storage,
        ),
        ("SMTP", smtp),
        ("Breached-password service", breached),
    ]
}
