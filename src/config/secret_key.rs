//! The secret key section: the app's own secret, which keys what whoever reads its data
//! must not be able to reverse (`backends::rate_limit` hashes who a limit counts with it, so
//! Valkey holds no email address in clear), and from which the key of two-factor secrets at
//! rest is derived (`auth::two_factor`).

use secrecy::SecretString;

use super::{ConfigError, env::Env};

/// The key used when `SECRET_KEY` is unset outside production. It is public (it is right
/// here), which is fine on a developer's machine and why production refuses it.
const DEVELOPMENT_KEY: &str = "development-only-secret-key-never-use-in-production";

/// Short keys can be guessed, and a guessed key turns the hashes back into the addresses.
const MIN_LEN: usize = 32;

pub(super) fn read(env: &Env<'_>, production: bool) -> Result<SecretString, ConfigError> {
    let Some(key) = env.get("SECRET_KEY") else {
        if production {
            return Err(env.missing(
                "SECRET_KEY",
                "required in production: `openssl rand -hex 32`, the same on every instance",
            ));
        }
        return Ok(SecretString::from(DEVELOPMENT_KEY));
    };
    // The value is never echoed: it is a secret, even a wrong one.
    if key.len() < MIN_LEN {
        return Err(ConfigError {
            variable: "SECRET_KEY",
            problem: format!("expected at least {MIN_LEN} characters (`openssl rand -hex 32`)"),
        });
    }
    if production && key == DEVELOPMENT_KEY {
        return Err(ConfigError {
            variable: "SECRET_KEY",
            problem: "the development key is public: generate one with `openssl rand -hex 32`"
                .into(),
        });
    }
    Ok(SecretString::from(key))
}
