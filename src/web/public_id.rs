//! [`PublicId`]: a record's UUID as URLs and pages carry it, in 22 characters of base64url
//! (`/contacts/A6KGMSx5QJSjmGJ8-fk1mw`) instead of 36. A list row names its record in its id,
//! its select box and its links, so a page of 25 carries it a hundred times or more.
//!
//! Paths take it as their `id` (the router parses it, and an id that is not one is a 404,
//! like a record that is someone else's); handlers unwrap the `Uuid` the database knows:
//! `ContactPath { id: PublicId(id) }: ContactPath`. The UUID's usual hyphenated text is read
//! too, so an id copied out of `psql` or an older link still works.

use std::{fmt, str::FromStr};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Deserialize, Deserializer, de};
use uuid::Uuid;

/// A UUID written as 22 characters of base64url (its 16 bytes, unpadded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicId(pub Uuid);

impl From<Uuid> for PublicId {
    fn from(id: Uuid) -> Self {
        Self(id)
    }
}

impl fmt::Display for PublicId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = [0; 22];
        let written = URL_SAFE_NO_PAD
            .encode_slice(self.0.as_bytes(), &mut text)
            .map_err(|_| fmt::Error)?;
        // base64url is ASCII.
        f.write_str(std::str::from_utf8(&text[..written]).map_err(|_| fmt::Error)?)
    }
}

/// The text is not a [`PublicId`] nor a UUID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotAnId;

impl fmt::Display for NotAnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not an id")
    }
}

impl std::error::Error for NotAnId {}

impl FromStr for PublicId {
    type Err = NotAnId;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.len() == 22 {
            let mut bytes = [0; 16];
            return match URL_SAFE_NO_PAD.decode_slice(text, &mut bytes) {
                Ok(16) => Ok(Self(Uuid::from_bytes(bytes))),
                _ => Err(NotAnId),
            };
        }
        Uuid::parse_str(text).map(Self).map_err(|_| NotAnId)
    }
}

impl<'de> Deserialize<'de> for PublicId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_22_url_safe_characters_and_reads_back() {
        for _ in 0..100 {
            let id = Uuid::new_v4();
            let text = PublicId(id).to_string();
            assert_eq!(text.len(), 22, "{text}");
            assert!(
                text.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                "{text}"
            );
            assert_eq!(text.parse(), Ok(PublicId(id)));
        }
        assert_eq!(PublicId(Uuid::nil()).to_string(), "AAAAAAAAAAAAAAAAAAAAAA");
        assert_eq!(PublicId(Uuid::max()).to_string(), "_____________________w");
    }

    #[test]
    fn a_uuids_usual_text_is_read_too() {
        let id = Uuid::new_v4();
        assert_eq!(id.hyphenated().to_string().parse(), Ok(PublicId(id)));
        assert_eq!(id.simple().to_string().parse(), Ok(PublicId(id)));
    }

    #[test]
    fn anything_else_is_not_an_id() {
        for text in [
            "",
            "1",
            "AAAAAAAAAAAAAAAAAAAAA",
            "AAAAAAAAAAAAAAAAAAAAAAA",
            // 22 characters, but not base64url, or more than 16 bytes' worth.
            "AAAAAAAAAAAAAAAAAAAA+A",
            "AAAAAAAAAAAAAAAAAAAA%2",
            "_____________________x",
            "1; DROP TABLE contacts",
            "00000000-0000-0000-0000-00000000000g",
        ] {
            assert_eq!(text.parse::<PublicId>(), Err(NotAnId), "{text:?}");
        }
    }

    #[test]
    fn it_deserializes_from_a_path_or_form_value() {
        let id = Uuid::new_v4();
        let json = format!("\"{}\"", PublicId(id));
        assert_eq!(
            serde_json::from_str::<PublicId>(&json).unwrap(),
            PublicId(id)
        );
        assert!(serde_json::from_str::<PublicId>("\"nope\"").is_err());
    }
}
