//! How often one account may upload. The quota (`quota`) bounds what an account keeps; this
//! bounds the work it can ask for, since every upload is received, hashed and, for images,
//! decoded for a thumbnail, even when it is refused or deleted again at once.
//!
//! Accounts that have not confirmed their address get a tenth of the budget rather than none:
//! anyone can make one with any address, so they must not be able to spend much, but a new
//! user trying the app before opening their mail should find uploads working.

use std::time::Duration;

use crate::{
    auth::AuthUser,
    backends::rate_limit::{Limit, RateLimiter},
    error::AppError,
    monitoring,
};

const HOUR: Duration = Duration::from_secs(3600);

/// Upload requests per hour of a confirmed account (each up to `UPLOAD_MAX_FILES` files).
pub const CONFIRMED: Limit = Limit {
    max: 100,
    per: HOUR,
};
/// Upload requests per hour of an account whose address is not confirmed.
pub const UNCONFIRMED: Limit = Limit { max: 10, per: HOUR };

/// Counts one upload by `user`; a 429 (with `Retry-After`) past their limit.
pub async fn check_upload(limiter: &RateLimiter, user: &AuthUser) -> Result<(), AppError> {
    let limit = if user.email_confirmed_at.is_some() {
        CONFIRMED
    } else {
        UNCONFIRMED
    };
    limiter
        .hit("upload:user", &user.id.to_string(), limit)
        .await
        .map_err(|retry_after| {
            metrics::counter!(monitoring::RATE_LIMIT_REFUSALS, "limit" => "upload").increment(1);
            AppError::TooManyRequests { retry_after }
        })
}
