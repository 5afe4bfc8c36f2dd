//! What a backup holds, written beside its dump (`NAME.json`) once the dump is stored: a
//! backup without one is incomplete and is neither listed nor restored. The restore checks
//! the dump's size and checksum against it before touching the database, and the row counts
//! (counted in the dump's own snapshot) after.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The backup's name, from when it was made: `20261207-020000`.
    pub name: String,
    /// Seconds since 1970, UTC.
    pub created_at: i64,
    /// The dump's size and SHA-256 (hex).
    pub bytes: u64,
    pub sha256: String,
    /// The major versions of the server dumped and of the `pg_dump` that dumped it.
    pub server_major: u32,
    pub pg_dump_major: u32,
    /// The newest migration applied to the database, if any.
    pub migration: Option<i64>,
    /// Rows per table (`schema.table`).
    pub tables: BTreeMap<String, i64>,
}

impl Manifest {
    pub fn created_at(&self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(self.created_at).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    pub fn total_rows(&self) -> i64 {
        self.tables.values().sum()
    }
}

/// A backup's name: when it was made, to the second, in UTC. Names sort as times do.
pub fn name_for(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}-{:02}{:02}{:02}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// Whether `name` is one [`name_for`] makes (so it is a safe storage key too).
pub fn is_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    bytes.len() == 15
        && bytes[8] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, byte)| i == 8 || byte.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_times_that_sort_and_only_they_are_names() {
        let at = OffsetDateTime::from_unix_timestamp(1_796_608_805).unwrap();
        assert_eq!(name_for(at), "20261207-020005");
        assert!(is_name("20261207-020005"));
        for not_a_name in [
            "latest",
            "20261207020005",
            "../etc/passwd",
            "2026120-0200050",
            "",
        ] {
            assert!(!is_name(not_a_name), "{not_a_name}");
        }
    }
}
