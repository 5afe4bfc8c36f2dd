//! What one account may store: `UPLOAD_QUOTA_BYTES` and `UPLOAD_QUOTA_FILES`.
//!
//! An upload is checked twice. While it arrives, against the usage read before it started,
//! so that an upload that cannot fit stops at the first byte or part past the room left
//! instead of being spooled whole. Then, authoritatively, in the transaction that records the
//! files, with the owner's row locked ([`db::lock_owner`]): two uploads at once are recorded
//! one after the other, and the second sees the first's files. Past the quota nothing is
//! recorded and the objects already stored are removed (see `ops::save`).

use sqlx::PgExecutor;
use uuid::Uuid;

use super::db;
use crate::{config::UploadConfig, web::humanize};

/// What an account stores now, or what an upload adds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub bytes: u64,
    pub files: u64,
}

/// How much one account may store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub bytes: u64,
    pub files: u64,
}

impl Quota {
    /// For files the app adds itself (the demo account's).
    pub const UNLIMITED: Self = Self {
        bytes: u64::MAX,
        files: u64::MAX,
    };

    pub fn of(config: &UploadConfig) -> Self {
        Self {
            bytes: config.quota_bytes,
            files: config.quota_files,
        }
    }

    /// Whether `adding` fits beside `used`; if not, the refusal that says by how much.
    pub fn admit(self, used: Usage, adding: Usage) -> Result<(), OverQuota> {
        let fits = used.bytes.saturating_add(adding.bytes) <= self.bytes
            && used.files.saturating_add(adding.files) <= self.files;
        if fits {
            Ok(())
        } else {
            Err(OverQuota { quota: self, used })
        }
    }
}

/// An upload that does not fit in what the account has left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverQuota {
    pub quota: Quota,
    pub used: Usage,
}

impl OverQuota {
    /// What to tell the user: what they use, what is left, and what to do.
    pub fn message(&self) -> String {
        let Self { quota, used } = self;
        let bytes_left = quota.bytes.saturating_sub(used.bytes);
        let files_left = quota.files.saturating_sub(used.files);
        format!(
            "That does not fit in your storage: you use {} of {} and {} of {} files, so {} and \
             {} are left. Delete files you no longer need to make room.",
            humanize::bytes(used.bytes),
            humanize::bytes(quota.bytes),
            used.files,
            quota.files,
            humanize::bytes(bytes_left),
            files(files_left),
        )
    }
}

fn files(count: u64) -> String {
    match count {
        1 => "1 file".to_owned(),
        count => format!("{count} files"),
    }
}

/// What `owner` stores now. Files being deleted are gone for their owner, and so from their
/// usage.
pub async fn usage(db: impl PgExecutor<'_>, owner: Uuid) -> Result<Usage, sqlx::Error> {
    let (bytes, files) = db::usage(db, owner).await?;
    Ok(Usage {
        bytes: u64::try_from(bytes).unwrap_or_default(),
        files: u64::try_from(files).unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUOTA: Quota = Quota {
        bytes: 1000,
        files: 3,
    };

    #[test]
    fn an_upload_fits_up_to_the_quota_exactly_and_not_a_byte_or_file_more() {
        let used = Usage {
            bytes: 600,
            files: 2,
        };
        let fits = Usage {
            bytes: 400,
            files: 1,
        };
        assert_eq!(QUOTA.admit(used, fits), Ok(()));
        let one_byte_more = Usage { bytes: 401, ..fits };
        assert_eq!(
            QUOTA.admit(used, one_byte_more),
            Err(OverQuota { quota: QUOTA, used })
        );
        let one_file_more = Usage { files: 2, ..fits };
        assert!(QUOTA.admit(used, one_file_more).is_err());
    }

    #[test]
    fn the_refusal_says_what_is_used_and_what_is_left() {
        let refusal = OverQuota {
            quota: Quota {
                bytes: 100 << 20,
                files: 1000,
            },
            used: Usage {
                bytes: 90 << 20,
                files: 999,
            },
        };
        assert_eq!(
            refusal.message(),
            "That does not fit in your storage: you use 90 MB of 100 MB and 999 of 1000 files, \
             so 10 MB and 1 file are left. Delete files you no longer need to make room."
        );
    }
}
