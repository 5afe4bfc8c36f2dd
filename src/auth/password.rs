//! Passwords: the rules a new one must meet, and Argon2id hashing off the async runtime.

use argon2::{
    Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version,
    password_hash::{SaltString, rand_core::OsRng},
};
use unicode_normalization::UnicodeNormalization;

pub const MIN_CHARS: usize = 10;
pub const MAX_CHARS: usize = 128;

/// NFKC, so that the same password typed on different systems hashes the same.
pub fn normalize(password: &str) -> String {
    password.nfkc().collect()
}

/// The length rule as the forms state it (a static: the field definitions borrow it).
pub fn length_rule() -> &'static str {
    static RULE: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| format!("{MIN_CHARS} to {MAX_CHARS} characters."));
    &RULE
}

/// Why a new password is refused for its length, or `None` when it is acceptable.
pub fn problem(password: &str) -> Option<String> {
    // Far too long is refused before normalising: hostile input can be megabytes.
    if password.len() > 4 * MAX_CHARS {
        return Some(format!("Use at most {MAX_CHARS} characters."));
    }
    let chars = normalize(password).chars().count();
    if chars < MIN_CHARS {
        Some(format!("Use at least {MIN_CHARS} characters."))
    } else if chars > MAX_CHARS {
        Some(format!("Use at most {MAX_CHARS} characters."))
    } else {
        None
    }
}

/// A password equal to the account's address (ignoring case) is the first thing guessed.
pub fn same_as_email(password: &str, email: &str) -> Option<&'static str> {
    let same = !email.is_empty()
        && password.len() <= 4 * MAX_CHARS
        && normalize(password).to_lowercase() == email.trim().to_lowercase();
    same.then_some("Your password cannot be your email address.")
}

/// Argon2id with 64 MiB, 2 passes, 1 lane.
fn hasher() -> Argon2<'static> {
    // These constants are valid; `Params::new` only rejects out-of-range values.
    let params = Params::new(64 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// At most one hash per core at a time: each takes 64 MiB and tens of milliseconds of CPU, so
/// a burst of logins waits its turn instead of exhausting memory.
async fn permit() -> anyhow::Result<tokio::sync::SemaphorePermit<'static>> {
    static HASHING: std::sync::LazyLock<tokio::sync::Semaphore> = std::sync::LazyLock::new(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        tokio::sync::Semaphore::new(cores)
    });
    Ok(HASHING.acquire().await?)
}

/// Hashes on the blocking pool: a hash takes tens of milliseconds of pure CPU.
pub async fn hash(password: &str) -> anyhow::Result<String> {
    let password = normalize(password);
    let _permit = permit().await?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        hasher()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|error| anyhow::anyhow!("hashing a password: {error}"))
    })
    .await?
}

/// Whether `password` matches `stored` (a PHC string; its own parameters are used).
pub async fn verify(password: &str, stored: &str) -> anyhow::Result<bool> {
    let password = normalize(password);
    let stored = stored.to_owned();
    let _permit = permit().await?;
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&stored)
            .map_err(|error| anyhow::anyhow!("reading a stored password hash: {error}"))?;
        Ok(hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await?
}

/// A real hash of a password nobody has: verifying against it when the account does not
/// exist takes as long as against a real one, so timing does not reveal which emails exist.
pub async fn dummy_hash() -> &'static str {
    static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DUMMY
        .get_or_init(|| async {
            hash("no account has this password, it only costs time")
                .await
                .unwrap_or_default()
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_counts_characters_after_nfkc() {
        assert!(problem("short").is_some());
        assert!(problem("ééééééééé").is_some(), "9 characters, 18 bytes");
        assert!(problem("éééééééééé").is_none(), "10 characters");
        // The ligature ﬁ is two characters after NFKC.
        assert!(problem("ﬁﬁﬁﬁﬁ").is_none());
        assert!(problem(&"x".repeat(129)).is_some());
        assert!(problem(&"x".repeat(128)).is_none());
        assert!(
            problem(&"x".repeat(2 << 20)).is_some(),
            "refused without normalising"
        );
    }

    #[test]
    fn the_password_cannot_be_the_email() {
        assert!(same_as_email("Ada@Example.com", "ada@example.com").is_some());
        assert!(same_as_email("Ada@Example.com", "").is_none());
        assert!(same_as_email("something else", "ada@example.com").is_none());
    }

    #[tokio::test]
    async fn hashes_verify_and_are_argon2id() {
        let stored = hash("correct horse battery").await.unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=65536,t=2,p=1$"));
        assert!(verify("correct horse battery", &stored).await.unwrap());
        assert!(!verify("wrong horse battery", &stored).await.unwrap());
    }
}
