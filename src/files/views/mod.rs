//! The files pages, one file per page: `list.rs` the list of files, `usage.rs` the quota's
//! meters and `upload.rs` the upload form above it, `file.rs` a file's own page, `delete.rs`
//! the page that asks before deleting one; each with its CSS. Every user-supplied string
//! (a file's name) goes through Maud, which escapes it.

pub mod delete;
pub mod file;
pub mod list;
mod upload;
mod usage;

use crate::web::humanize;

/// A size as people read it: "1.5 KB".
fn size(bytes: i64) -> String {
    humanize::bytes(u64::try_from(bytes).unwrap_or_default())
}

#[cfg(test)]
pub(super) mod tests {
    use scraper::{Html, Selector};
    use time::OffsetDateTime;
    use uuid::Uuid;

    use crate::{config::UploadConfig, files::db::FileRecord};

    pub fn record(name: &str, content_type: &str, thumbnail: bool) -> FileRecord {
        FileRecord {
            id: Uuid::new_v4(),
            original_name: name.into(),
            content_type: content_type.into(),
            size_bytes: 1536,
            sha256: vec![0xab; 32],
            storage_key: "files/x".into(),
            thumbnail_key: thumbnail.then(|| "files/x.thumbnail".into()),
            created_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    pub fn config() -> UploadConfig {
        UploadConfig {
            max_bytes: 25 << 20,
            max_files: 20,
            quota_bytes: 100 << 20,
            quota_files: 1000,
            allowed_types: vec!["image/png".into(), "application/pdf".into()],
        }
    }

    pub fn select<'a>(doc: &'a Html, selector: &str) -> Vec<scraper::ElementRef<'a>> {
        doc.select(&Selector::parse(selector).unwrap()).collect()
    }
}
