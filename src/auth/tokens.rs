//! Single-use tokens for links in email. A token is `<id>.<secret>`: the id finds the row,
//! and only a SHA-256 of the secret is stored, so a database leak yields no usable link.
//! The secret is compared in constant time.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// What a new token gives: the string for the link, and what to store.
pub struct NewToken {
    pub token: String,
    pub id: String,
    pub verifier_hash: Vec<u8>,
}

pub fn generate() -> NewToken {
    let id = random_hex(16);
    let secret = random_hex(32);
    NewToken {
        token: format!("{id}.{secret}"),
        verifier_hash: digest(&secret),
        id,
    }
}

/// The id and secret of a token from a link, if it has the right shape.
pub fn split(token: &str) -> Option<(&str, &str)> {
    let (id, secret) = token.split_once('.')?;
    let hex = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit());
    (hex(id, 32) && hex(secret, 64)).then_some((id, secret))
}

pub fn matches(secret: &str, stored_hash: &[u8]) -> bool {
    digest(secret).ct_eq(stored_hash).into()
}

fn digest(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buffer);
    buffer.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_verifies_against_its_stored_hash_only() {
        let new = generate();
        let (id, secret) = split(&new.token).unwrap();
        assert_eq!(id, new.id);
        assert!(matches(secret, &new.verifier_hash));
        assert!(
            !new.token
                .contains(&format!("{:02x}", new.verifier_hash[0]).repeat(8))
        );
        let other = generate();
        assert!(!matches(split(&other.token).unwrap().1, &new.verifier_hash));
    }

    #[test]
    fn malformed_tokens_are_refused() {
        for token in [
            "",
            "abc",
            "abc.def",
            &format!("{}.", "a".repeat(32)),
            "zz.zz",
        ] {
            assert!(split(token).is_none(), "{token}");
        }
    }
}
