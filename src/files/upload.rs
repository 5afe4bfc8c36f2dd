//! Receiving an upload, before anything is stored: each `file` part of the multipart body is
//! written to a spool file as it arrives, counted, hashed (SHA-256) and its type detected
//! from its first bytes, so that memory holds a network chunk or two whatever the file's size.
//! Then images are measured and given thumbnails.
//!
//! An upload is all or nothing: any file refused, and none is kept. Over the size limit (one
//! file, or all of them together), the count limit or the room left in the account's quota
//! (`quota`), the whole request is a 413 as soon as the part or byte past it arrives; refusals of single files
//! (empty, a type not allowed, an image too large to decode) are collected so that the form
//! can say what was wrong with each.

use axum::{
    extract::{
        Multipart,
        multipart::{Field, MultipartError},
    },
    http::{StatusCode, header},
};
use sha2::{Digest, Sha256};

use super::{
    detect::{self, SNIFF_LEN},
    error::FileError,
    fields::FILE_FIELD,
    names,
    quota::{Quota, Usage},
    thumbnail::{self, Thumbnail},
};
use crate::{
    backends::storage::{SpoolFile, Storage, StorageError},
    config::UploadConfig,
    error::AppError,
    monitoring,
};

/// What a multipart body adds around its files (boundaries, part headers), on top of
/// `UPLOAD_MAX_BYTES`, in the body limit of the upload route.
pub const MULTIPART_OVERHEAD: u64 = 64 * 1024;
const NOTHING_UPLOADED: &str = "nothing was uploaded";

/// A file received whole and accepted, waiting in its spool file to be stored.
pub struct ReceivedFile {
    pub spool: SpoolFile,
    /// Cleaned for display (see `names`).
    pub name: String,
    pub size: u64,
    pub sha256: [u8; 32],
    pub content_type: &'static str,
    /// For images that could be decoded.
    pub thumbnail: Option<thumbnail::Encoded>,
}

/// Why one file is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Empty,
    TypeNotAllowed(&'static str),
    ImageTooLarge { width: u32, height: u32 },
}

impl Refusal {
    /// As `/metrics` counts it.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::TypeNotAllowed(_) => "type-not-allowed",
            Self::ImageTooLarge { .. } => "image-too-large",
        }
    }
}

/// Counts a refused upload by its reason, for `/metrics`.
pub fn count_refusal(reason: &'static str) {
    metrics::counter!(monitoring::UPLOAD_REFUSALS, "reason" => reason).increment(1);
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedFile {
    pub name: String,
    pub refusal: Refusal,
}

impl RefusedFile {
    /// What to tell the user; `allowed` is the configured list of types.
    pub fn message(&self, allowed: &[String]) -> String {
        let name = &self.name;
        match &self.refusal {
            Refusal::Empty => format!("{name} is empty."),
            Refusal::TypeNotAllowed(content_type) => format!(
                "{name} was not accepted: its content is {} and only these can be uploaded: {}.",
                detect::label(content_type),
                accepted_labels(allowed)
            ),
            Refusal::ImageTooLarge { width, height } => format!(
                "{name} is {width} × {height} pixels: images can be at most {} pixels wide or \
                 high, and {} megapixels.",
                thumbnail::MAX_SIDE,
                thumbnail::MAX_PIXELS / 1_000_000
            ),
        }
    }
}

/// The accepted types as people read them: "JPEG image, PNG image, PDF document".
pub fn accepted_labels(allowed: &[String]) -> String {
    allowed
        .iter()
        .map(|content_type| detect::label(content_type))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Everything the form sent.
#[derive(Default)]
pub struct Upload {
    pub accepted: Vec<ReceivedFile>,
    pub refused: Vec<RefusedFile>,
}

/// Reads every `file` part into a spool file. Parts with other names are skipped, and so is
/// a file input left empty (a part with no name and no content). `used` is what the account
/// stored before this upload: the upload must fit beside it.
pub async fn receive(
    multipart: &mut Multipart,
    storage: &Storage,
    config: &UploadConfig,
    used: Usage,
) -> Result<Upload, FileError> {
    let mut upload = Upload::default();
    let limits = Limits {
        config,
        quota: Quota::of(config),
        used,
    };
    let mut total: u64 = 0;
    let mut parts: usize = 0;
    while let Some(field) = multipart.next_field().await.map_err(unreadable(config))? {
        if field.name() != Some(FILE_FIELD) {
            continue;
        }
        // Refused at the first part past the cap, before it gets a spool file: the ones
        // before it are dropped with the upload.
        parts += 1;
        if parts > config.max_files {
            return Err(FileError::TooManyFiles {
                limit: config.max_files,
            });
        }
        limits.admit(total, parts)?;
        let disposition = field
            .headers()
            .get(header::CONTENT_DISPOSITION)
            .and_then(|value| value.to_str().ok());
        let sent = names::sent_name(field.file_name(), disposition).unwrap_or_default();
        let name = names::display_name(&sent);
        match receive_file(field, name, storage, &limits, parts, &mut total).await? {
            Received::Nothing => {}
            Received::Accepted(file) => upload.accepted.push(*file),
            Received::Refused(refused) => upload.refused.push(refused),
        }
    }
    Ok(upload)
}

/// What an upload must stay within.
struct Limits<'a> {
    config: &'a UploadConfig,
    quota: Quota,
    used: Usage,
}

impl Limits<'_> {
    /// Whether `bytes` in `files` still fit in the account's quota.
    fn admit(&self, bytes: u64, files: usize) -> Result<(), FileError> {
        let adding = Usage {
            bytes,
            files: u64::try_from(files).unwrap_or(u64::MAX),
        };
        self.quota
            .admit(self.used, adding)
            .map_err(FileError::OverQuota)
    }
}

enum Received {
    /// An empty file input: the browser sends a part with no file name and no content.
    Nothing,
    Accepted(Box<ReceivedFile>),
    Refused(RefusedFile),
}

/// Streams one part, the `part`th file, to disk. `total` counts the bytes of every file so
/// far: the limits hold for all of them together.
async fn receive_file(
    mut field: Field<'_>,
    name: String,
    storage: &Storage,
    limits: &Limits<'_>,
    part: usize,
    total: &mut u64,
) -> Result<Received, FileError> {
    let config = limits.config;
    let mut spool = storage
        .spool()
        .await
        .map_err(FileError::storage(NOTHING_UPLOADED))?;
    let mut hasher = Sha256::new();
    let mut size: u64 = 0;
    let mut head = Vec::with_capacity(SNIFF_LEN);
    while let Some(chunk) = field.chunk().await.map_err(unreadable(config))? {
        let length = chunk.len() as u64;
        size += length;
        *total += length;
        if *total > config.max_bytes {
            return Err(FileError::TooLarge {
                limit: config.max_bytes,
            });
        }
        limits.admit(*total, part)?;
        if head.len() < SNIFF_LEN {
            let wanted = (SNIFF_LEN - head.len()).min(chunk.len());
            head.extend_from_slice(&chunk[..wanted]);
            // Refused as soon as its type is known: the rest is not worth writing.
            if head.len() == SNIFF_LEN
                && let Err(refusal) = accepted_type(&head, config)
            {
                return Ok(Received::Refused(RefusedFile { name, refusal }));
            }
        }
        hasher.update(&chunk);
        spool
            .write(&chunk)
            .await
            .map_err(FileError::storage(NOTHING_UPLOADED))?;
    }
    if size == 0 {
        // What a file input left empty sends: an empty file name and no content.
        if field.file_name().is_some_and(str::is_empty) {
            return Ok(Received::Nothing);
        }
        let refusal = Refusal::Empty;
        return Ok(Received::Refused(RefusedFile { name, refusal }));
    }
    let content_type = match accepted_type(&head, config) {
        Ok(content_type) => content_type,
        Err(refusal) => return Ok(Received::Refused(RefusedFile { name, refusal })),
    };
    spool
        .finish()
        .await
        .map_err(FileError::storage(NOTHING_UPLOADED))?;
    Ok(Received::Accepted(Box::new(ReceivedFile {
        spool,
        name,
        size,
        sha256: hasher.finalize().into(),
        content_type,
        thumbnail: None,
    })))
}

/// The type detected from the file's first bytes, if the configuration accepts it.
fn accepted_type(head: &[u8], config: &UploadConfig) -> Result<&'static str, Refusal> {
    let content_type = detect::content_type(head);
    if config
        .allowed_types
        .iter()
        .any(|allowed| allowed == content_type)
    {
        Ok(content_type)
    } else {
        Err(Refusal::TypeNotAllowed(content_type))
    }
}

/// A body cut off or malformed is a 400; over the body limit (no `Content-Length`, or one that
/// lied) it is the same 413 as a file over the limit.
fn unreadable(config: &UploadConfig) -> impl Fn(MultipartError) -> FileError + '_ {
    move |error| {
        if is_over_body_limit(&error) {
            FileError::TooLarge {
                limit: config.max_bytes,
            }
        } else {
            tracing::info!(%error, "unreadable upload");
            AppError::BadRequest(
                "The upload could not be read: it was cut off or is not a form with files.".into(),
            )
            .into()
        }
    }
}

/// axum recognises its own body limit in a multipart error, but not the limit layer's error
/// wrapped inside it: the cause is looked for all the way down.
fn is_over_body_limit(error: &MultipartError) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(error) = cause {
        if error.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        cause = error.source();
    }
    error.status() == StatusCode::PAYLOAD_TOO_LARGE
}

/// A file from bytes already in hand rather than from a request (demo data, imports):
/// spooled, hashed and typed from its bytes like an upload. Its type is not checked against
/// the allowed list: the caller chose it.
pub async fn from_bytes(
    storage: &Storage,
    name: &str,
    bytes: &[u8],
) -> Result<ReceivedFile, StorageError> {
    let mut spool = storage.spool().await?;
    spool.write(bytes).await?;
    spool.finish().await?;
    Ok(ReceivedFile {
        spool,
        name: names::display_name(name),
        size: bytes.len() as u64,
        sha256: Sha256::digest(bytes).into(),
        content_type: detect::content_type(&bytes[..bytes.len().min(SNIFF_LEN)]),
        thumbnail: None,
    })
}

/// Measures each image and makes its thumbnail: an image over the pixel limits is refused;
/// one that would cost more memory to decode than thumbnails may take, or that cannot be
/// decoded, is kept without a thumbnail.
pub async fn make_thumbnails(upload: Upload) -> Upload {
    let Upload {
        accepted,
        mut refused,
    } = upload;
    let mut kept = Vec::with_capacity(accepted.len());
    for mut file in accepted {
        let Some(format) = detect::thumbnail_format(file.content_type) else {
            kept.push(file);
            continue;
        };
        match thumbnail::make(file.spool.path().to_owned(), format).await {
            Thumbnail::Made(made) => {
                file.thumbnail = Some(made);
                kept.push(file);
            }
            Thumbnail::OverBudget { .. } | Thumbnail::Unreadable => kept.push(file),
            Thumbnail::TooLarge { width, height } => refused.push(RefusedFile {
                name: file.name,
                refusal: Refusal::ImageTooLarge { width, height },
            }),
        }
    }
    Upload {
        accepted: kept,
        refused,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_say_what_was_wrong_and_what_is_accepted() {
        let allowed = vec!["image/png".to_owned(), "application/pdf".to_owned()];
        let refused = RefusedFile {
            name: "setup.png".into(),
            refusal: Refusal::TypeNotAllowed("application/vnd.microsoft.portable-executable"),
        };
        assert_eq!(
            refused.message(&allowed),
            "setup.png was not accepted: its content is \
             application/vnd.microsoft.portable-executable and only these can be uploaded: \
             PNG image, PDF document."
        );
        let bomb = RefusedFile {
            name: "bomb.png".into(),
            refusal: Refusal::ImageTooLarge {
                width: 100_000,
                height: 100_000,
            },
        };
        assert!(bomb.message(&allowed).contains("100000 × 100000 pixels"));
    }
}
