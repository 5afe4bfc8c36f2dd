//! Accounts end to end through `app()` against real PostgreSQL, one file per flow, reading
//! the links from the mail the app sends; and `ops.rs`, the flows' rules called without HTTP.

mod access;
mod account;
mod breached;
mod deletion;
mod hardening;
mod login;
mod ops;
mod passkeys;
mod password_reset;
mod registration;
mod sessions;
mod sudo;
mod two_factor;
