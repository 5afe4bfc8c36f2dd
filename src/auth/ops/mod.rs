//! The rules of the account flows, callable without HTTP: each function takes the parts it
//! needs (the pool, the mailer, the rate limiter, the client's address, the form's values)
//! and returns what happened, and its handler turns that into a response. One file per flow:
//! `login.rs`, `registration.rs` (sign-up, confirming an address, new confirmation links),
//! `password_reset.rs`, `account.rs` (changing the password or the address, ending the other
//! sessions), `sessions.rs` (recording a sign-in, the new-device notice, listing and ending
//! sessions one by one), `deletion.rs` (deleting the account and everything of it).
//! sessions), `sudo.rs` (confirming who one is before a sensitive action).
//!
//! The rules they keep, whatever the page around them: the rate limits (`rate_limits.rs`),
//! answers about an address that take [`UNIFORM_ANSWER_TIME`] whether or not an account has
//! it, the account lock after repeated failures, mail queued in the transaction of the change
//! that causes it, and every change to a user followed by [`UserCache::forget`] once committed.
//! The texts a user reads about the outcome (flash messages, the toast) come from here too.
//! None of the outcomes tells an address that has an account from one that has not.
//!
//! [`UserCache::forget`]: super::UserCache::forget

pub mod account;
pub mod deletion;
pub mod login;
pub mod passkeys;
pub mod password_reset;
pub mod registration;
pub mod sessions;
pub mod sudo;
pub mod two_factor;

use tokio::time::Instant;

use super::UNIFORM_ANSWER_TIME;

/// Waits out the rest of [`UNIFORM_ANSWER_TIME`] since `started`.
async fn answer_no_sooner_than(started: Instant) {
    tokio::time::sleep_until(started + UNIFORM_ANSWER_TIME).await;
}
