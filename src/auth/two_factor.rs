//! Two-factor authentication's parts: TOTP secrets (RFC 6238: SHA-1, 6 digits, 30-second
//! steps, what every authenticator app reads), their encryption at rest, the otpauth URI and
//! its QR code, recovery codes, and their SQL. The rules (no replay, single use, what counts
//! as a failure) are `ops::two_factor`'s.
//!
//! **Secrets at rest** are encrypted with ChaCha20-Poly1305 under a key derived from
//! `SECRET_KEY` by HKDF-SHA256 with an info string of its own (so it is independent of the
//! rate limits' use of the same secret), with the user's id as associated data (a secret
//! copied to another user's row does not decrypt). A row starts with a version byte, so that a
//! later key can be told from this one. Changing `SECRET_KEY` makes every stored secret
//! unreadable: codes from authenticator apps are then refused, recovery codes still work (they
//! are hashed, not encrypted), and users sign in with one and set two-factor up again.
//!
//! **Recovery codes** are 80 random bits, written as four groups of four characters of
//! Crockford's base32 (no look-alikes). They are stored as SHA-256 of a versioned format, the owner's
//! id and the code: a fast hash is enough for 80 bits of entropy (a guess costs as much as
//! guessing a 2^80 key, unlike a password that may be guessed from a list), and the owner's id
//! keeps one table of guesses from serving every user.
//!
//! Over 400 lines, kept whole: the secret's encryption, its codes and the rows holding them
//! change together (a new format is a new version byte, its SQL and its check).

use argon2::password_hash::rand_core::{OsRng, RngCore};
use chacha20poly1305::{
    ChaCha20Poly1305, Key, KeyInit, Nonce,
    aead::{Aead, Payload},
};
use hkdf::Hkdf;
use maud::{Markup, html};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

/// Bytes of a TOTP secret: 160 bits, as RFC 4226 recommends.
pub const SECRET_BYTES: usize = 20;
/// Recovery codes given at a time.
pub const RECOVERY_CODES: usize = 10;
/// Seconds per TOTP step.
pub const STEP_SECS: u64 = 30;
/// Digits of a code.
pub const DIGITS: usize = 6;

const KEY_INFO: &[u8] = b"two-factor secrets v1";
const VERSION: u8 = 1;
const NONCE_BYTES: usize = 12;

/// The key two-factor secrets are encrypted with.
pub struct SecretsKey(Key);

impl SecretsKey {
    pub fn derive(secret_key: &SecretString) -> Self {
        let hkdf = Hkdf::<Sha256>::new(None, secret_key.expose_secret().as_bytes());
        let mut key = Key::default();
        // 32 bytes is far below HKDF-SHA256's limit of 255 blocks: this cannot fail.
        if hkdf.expand(KEY_INFO, &mut key).is_err() {
            tracing::error!("HKDF refused a 32-byte key");
        }
        Self(key)
    }

    pub fn encrypt(&self, user_id: Uuid, secret: &[u8]) -> anyhow::Result<Vec<u8>> {
        let mut nonce = [0u8; NONCE_BYTES];
        OsRng.fill_bytes(&mut nonce);
        let sealed = ChaCha20Poly1305::new(&self.0)
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: secret,
                    aad: user_id.as_bytes(),
                },
            )
            .map_err(|_| anyhow::anyhow!("encrypting a two-factor secret"))?;
        let mut stored = Vec::with_capacity(1 + NONCE_BYTES + sealed.len());
        stored.push(VERSION);
        stored.extend_from_slice(&nonce);
        stored.extend_from_slice(&sealed);
        Ok(stored)
    }

    /// `None` when `stored` was not sealed by this key for this user (another `SECRET_KEY`).
    pub fn decrypt(&self, user_id: Uuid, stored: &[u8]) -> Option<Vec<u8>> {
        let (&version, rest) = stored.split_first()?;
        if version != VERSION || rest.len() < NONCE_BYTES {
            return None;
        }
        let (nonce, sealed) = rest.split_at(NONCE_BYTES);
        ChaCha20Poly1305::new(&self.0)
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: user_id.as_bytes(),
                },
            )
            .ok()
    }
}

pub fn new_secret() -> Vec<u8> {
    let mut secret = vec![0u8; SECRET_BYTES];
    OsRng.fill_bytes(&mut secret);
    secret
}

/// The secret as authenticator apps take it typed in: base32 (RFC 4648, no padding), in
/// groups of four for reading. The page shows the groups apart without spaces between them,
/// so that a copy pastes as one key.
pub fn secret_groups(secret: &[u8]) -> Vec<String> {
    let chars: Vec<char> = base32(secret).chars().collect();
    chars
        .chunks(4)
        .map(|chunk| chunk.iter().collect::<String>())
        .collect()
}

/// RFC 4648 base32 without padding (what otpauth URIs carry).
fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// The `otpauth://` URI authenticator apps scan: `issuer:account`, the secret, SHA-1, six
/// digits, thirty seconds.
pub fn otpauth_uri(issuer: &str, account: &str, secret: &[u8]) -> String {
    use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
    let issuer_enc = utf8_percent_encode(issuer, NON_ALPHANUMERIC).to_string();
    let account_enc = utf8_percent_encode(account, NON_ALPHANUMERIC).to_string();
    format!(
        "otpauth://totp/{issuer_enc}:{account_enc}?secret={}&issuer={issuer_enc}\
         &algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}",
        base32(secret)
    )
}

/// The QR code of `data` as inline SVG, drawn from the code's modules (with the quiet zone
/// of four modules scanners need). `label` is its accessible name.
pub fn qr_svg(data: &str, label: &str) -> anyhow::Result<Markup> {
    let code = qrcode::QrCode::new(data.as_bytes())
        .map_err(|error| anyhow::anyhow!("drawing a QR code: {error}"))?;
    let width = code.width();
    let quiet = 4;
    let size = width + 2 * quiet;
    let mut path = String::new();
    for (index, color) in code.to_colors().iter().enumerate() {
        if *color == qrcode::Color::Dark {
            let (x, y) = (index % width + quiet, index / width + quiet);
            path.push_str(&format!("M{x} {y}h1v1h-1z"));
        }
    }
    let view_box = format!("0 0 {size} {size}");
    Ok(html! {
        svg.qr-code xmlns="http://www.w3.org/2000/svg" viewBox=(view_box) role="img"
            aria-label=(label) shape-rendering="crispEdges" {
            rect width=(size) height=(size) fill="#fff" {}
            path d=(path) fill="#000" {}
        }
    })
}

/// The time step of `at` (Unix seconds).
pub fn step_at(at: i64) -> i64 {
    at.div_euclid(STEP_SECS as i64)
}

/// The step within ±1 of `now`'s whose code is `code`, if any (the earliest).
pub fn matching_step(secret: &[u8], code: &str, now: i64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let totp = totp_rs::Builder::new()
        .with_secret(secret.to_vec())
        .with_digits(DIGITS as u8)
        .with_skew(1)
        .with_step_duration(STEP_SECS)
        .build()
        .ok()?;
    let now = u64::try_from(now).ok()?;
    totp.check(&code, now)
        .and_then(|step| i64::try_from(step).ok())
}

/// The code of `secret` at `at` (Unix seconds): for tests and the development tools.
pub fn code_at(secret: &[u8], at: i64) -> Option<String> {
    let totp = totp_rs::Builder::new()
        .with_secret(secret.to_vec())
        .with_digits(DIGITS as u8)
        .with_skew(1)
        .with_step_duration(STEP_SECS)
        .build()
        .ok()?;
    Some(totp.generate(u64::try_from(at).ok()?).to_string())
}

/// Reads a secret as shown by [`secret_groups`] (spaces and case ignored).
pub fn secret_from_text(text: &str) -> Option<Vec<u8>> {
    const ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut buffer, mut bits, mut out) = (0u32, 0u32, Vec::new());
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        let value = ALPHABET.find(c.to_ascii_uppercase())?;
        buffer = (buffer << 5) | u32::try_from(value).ok()?;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((buffer >> bits) & 0xff).ok()?);
        }
    }
    Some(out)
}

/// The recovery codes' alphabet: Crockford's base32, lower-case (no i, l, o, u). What is typed
/// back is read the same way: case ignored, `o` as `0`, `i` and `l` as `1`.
const RECOVERY_ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// A new recovery code: 16 characters of a 32-letter alphabet (80 bits), `xxxx-xxxx-xxxx-xxxx`.
pub fn new_recovery_code() -> String {
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    // 256 is a multiple of 32: every character equally likely.
    let chars: Vec<char> = bytes
        .iter()
        .map(|byte| char::from(RECOVERY_ALPHABET[usize::from(*byte) % RECOVERY_ALPHABET.len()]))
        .collect();
    chars
        .chunks(4)
        .map(|chunk| chunk.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// Whether `input` is written like a recovery code (as opposed to a six-digit code).
pub fn looks_like_recovery_code(input: &str) -> bool {
    normalize_recovery_code(input).len() == 16
}

fn normalize_recovery_code(input: &str) -> String {
    input
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| match c.to_ascii_lowercase() {
            'o' => '0',
            'i' | 'l' => '1',
            other => other,
        })
        .collect()
}

/// The stored form of `code` for `user_id`.
pub fn recovery_code_hash(user_id: Uuid, code: &str) -> Vec<u8> {
    let mut hasher = Sha256::new();
    hasher.update(b"recovery-code v1:");
    hasher.update(user_id.as_bytes());
    hasher.update(b":");
    hasher.update(normalize_recovery_code(code).as_bytes());
    hasher.finalize().to_vec()
}

// --- SQL ------------------------------------------------------------------------------------

/// A user's two-factor row.
#[derive(Debug)]
pub struct TwoFactorRow {
    pub secret: Vec<u8>,
    pub enabled_at: Option<OffsetDateTime>,
    pub last_used_step: Option<i64>,
}

pub async fn find(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
) -> Result<Option<TwoFactorRow>, sqlx::Error> {
    sqlx::query_as!(
        TwoFactorRow,
        "SELECT secret, enabled_at, last_used_step FROM user_two_factor WHERE user_id = $1",
        user_id
    )
    .fetch_optional(db)
    .await
}

/// Whether the user has two-factor authentication on.
pub async fn is_enabled(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<bool, sqlx::Error> {
    let enabled = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM user_two_factor
                          WHERE user_id = $1 AND enabled_at IS NOT NULL) AS "enabled!""#,
        user_id
    )
    .fetch_one(db)
    .await?;
    Ok(enabled)
}

/// Stores a new secret being set up, replacing one not yet confirmed; `false` when two-factor
/// is already on (the row is left as it is).
pub async fn store_pending(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    sealed: &[u8],
) -> Result<bool, sqlx::Error> {
    let stored = sqlx::query!(
        r#"
        INSERT INTO user_two_factor (user_id, secret) VALUES ($1, $2)
        ON CONFLICT (user_id) DO UPDATE
            SET secret = EXCLUDED.secret, last_used_step = NULL, created_at = now()
            WHERE user_two_factor.enabled_at IS NULL
        "#,
        user_id,
        sealed
    )
    .execute(db)
    .await?;
    Ok(stored.rows_affected() == 1)
}

/// Turns two-factor on, having accepted a code of step `step`; `false` if it was not pending.
pub async fn enable(
    conn: &mut PgConnection,
    user_id: Uuid,
    step: i64,
) -> Result<bool, sqlx::Error> {
    let enabled = sqlx::query!(
        r#"
        UPDATE user_two_factor SET enabled_at = now(), last_used_step = $2
        WHERE user_id = $1 AND enabled_at IS NULL
        "#,
        user_id,
        step
    )
    .execute(conn)
    .await?;
    Ok(enabled.rows_affected() == 1)
}

/// Records that a code of `step` was accepted, unless one of that step or a later one was
/// already: one statement, so two requests with the same code cannot both pass.
pub async fn use_step(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    step: i64,
) -> Result<bool, sqlx::Error> {
    let used = sqlx::query!(
        r#"
        UPDATE user_two_factor SET last_used_step = $2
        WHERE user_id = $1 AND enabled_at IS NOT NULL
          AND (last_used_step IS NULL OR last_used_step < $2)
        "#,
        user_id,
        step
    )
    .execute(db)
    .await?;
    Ok(used.rows_affected() == 1)
}

/// Turns two-factor off: the secret and the recovery codes go. `false` if it was not on.
pub async fn disable(conn: &mut PgConnection, user_id: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query!(
        "DELETE FROM user_recovery_codes WHERE user_id = $1",
        user_id
    )
    .execute(&mut *conn)
    .await?;
    let deleted = sqlx::query!(
        "DELETE FROM user_two_factor WHERE user_id = $1 AND enabled_at IS NOT NULL",
        user_id
    )
    .execute(&mut *conn)
    .await?;
    Ok(deleted.rows_affected() == 1)
}

/// Replaces the user's recovery codes with these hashes.
pub async fn replace_recovery_codes(
    conn: &mut PgConnection,
    user_id: Uuid,
    hashes: &[Vec<u8>],
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "DELETE FROM user_recovery_codes WHERE user_id = $1",
        user_id
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        r#"
        INSERT INTO user_recovery_codes (user_id, code_hash)
        SELECT $1, hash FROM UNNEST($2::bytea[]) AS hash
        "#,
        user_id,
        hashes
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Uses up the recovery code with this hash; `false` if there is none, or it was used.
pub async fn use_recovery_code(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    hash: &[u8],
) -> Result<bool, sqlx::Error> {
    let used = sqlx::query!(
        r#"
        UPDATE user_recovery_codes SET used_at = now()
        WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL
        "#,
        user_id,
        hash
    )
    .execute(db)
    .await?;
    Ok(used.rows_affected() == 1)
}

/// Recovery codes the user has left.
pub async fn recovery_codes_left(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
) -> Result<i64, sqlx::Error> {
    let left = sqlx::query_scalar!(
        r#"SELECT count(*) AS "left!" FROM user_recovery_codes
           WHERE user_id = $1 AND used_at IS NULL"#,
        user_id
    )
    .fetch_one(db)
    .await?;
    Ok(left)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_sha1_vectors() {
        let secret = b"12345678901234567890";
        assert_eq!(code_at(secret, 59).unwrap(), "287082");
        assert_eq!(code_at(secret, 1_111_111_109).unwrap(), "081804");
        assert_eq!(code_at(secret, 2_000_000_000).unwrap(), "279037");
    }

    #[test]
    fn one_step_of_drift_is_accepted_two_are_not() {
        let secret = new_secret();
        let now = 1_800_000_015;
        for (offset, accepted) in [
            (-60, false),
            (-30, true),
            (0, true),
            (30, true),
            (60, false),
        ] {
            let code = code_at(&secret, now + offset).unwrap();
            assert_eq!(
                matching_step(&secret, &code, now).is_some(),
                accepted,
                "{offset}"
            );
        }
        assert_eq!(matching_step(&secret, "12345", now), None);
        assert_eq!(matching_step(&secret, "abcdef", now), None);
    }

    #[test]
    fn secrets_round_trip_only_for_their_user_and_key() {
        let key = SecretsKey::derive(&SecretString::from("a test key of thirty-two characters"));
        let other = SecretsKey::derive(&SecretString::from("another key of thirty-two characters"));
        let (ada, bob) = (Uuid::new_v4(), Uuid::new_v4());
        let secret = new_secret();
        let sealed = key.encrypt(ada, &secret).unwrap();
        assert!(!sealed.windows(secret.len()).any(|w| w == secret.as_slice()));
        assert_eq!(key.decrypt(ada, &sealed).unwrap(), secret);
        assert!(key.decrypt(bob, &sealed).is_none());
        assert!(other.decrypt(ada, &sealed).is_none());
    }

    #[test]
    fn the_secret_text_reads_back() {
        let secret = new_secret();
        let groups = secret_groups(&secret);
        assert_eq!(groups.len(), 8);
        assert_eq!(secret_from_text(&groups.concat()).unwrap(), secret);
        let typed = groups.join(" ").to_lowercase();
        assert_eq!(secret_from_text(&typed).unwrap(), secret);
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
    }

    #[test]
    fn recovery_codes_are_long_and_hash_by_owner() {
        let code = new_recovery_code();
        assert_eq!(code.len(), 19);
        assert!(looks_like_recovery_code(
            &code.to_uppercase().replace('-', " ")
        ));
        assert!(!looks_like_recovery_code("123456"));
        let user = Uuid::new_v4();
        assert_eq!(
            recovery_code_hash(user, &code),
            recovery_code_hash(user, &code.to_uppercase())
        );
        assert_ne!(
            recovery_code_hash(user, &code),
            recovery_code_hash(Uuid::new_v4(), &code)
        );
    }

    #[test]
    fn the_qr_code_is_an_svg_with_a_name() {
        let uri = otpauth_uri("App", "ada@example.com", &new_secret());
        assert!(uri.starts_with("otpauth://totp/App:ada%40example%2Ecom?secret="));
        let svg = qr_svg(&uri, "QR code").unwrap().into_string();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("aria-label=\"QR code\""));
    }
}
