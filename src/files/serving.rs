//! Serving stored files to their owner, so that nothing uploaded can act as part of this site.
//!
//! - The `Content-Type` is the one detected on upload, and `X-Content-Type-Options: nosniff`
//!   stops the browser from guessing another (text that looks like HTML stays text).
//! - Only images, plain text and PDFs are ever shown in the browser; everything else (HTML,
//!   SVG, whatever the allowed list lets in) is a download, whatever the route.
//! - Every response carries a Content Security Policy that lets nothing run: `sandbox` (an
//!   opaque origin, no scripts, no forms) for images, text and downloads. PDFs cannot have it,
//!   since browsers refuse to start their PDF viewer in a sandbox; their policy still allows
//!   no script of ours, and a PDF's own scripts run inside the viewer, not in our origin.
//! - `Content-Disposition` names the file in both RFC 6266 forms (see `names`).
//!
//! From S3 the app sends the browser to a presigned link valid for a minute, signed with the
//! same type and disposition as overrides; S3 serves its own headers there, in its own origin.

use axum::{
    http::{HeaderName, HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};

use super::{
    db::FileRecord,
    detect::{self, Viewing},
    error::FileError,
    names::{self, Disposition},
    ops::stored_key,
    thumbnail,
};
use crate::{
    backends::storage::{Delivery, ObjectBody, Presentation, Storage},
    error::AppError,
};

/// Images and text shown in the browser: the image or text itself, and the inline styles the
/// browser's own viewer page uses; nothing else, in an opaque origin.
const VIEW_POLICY: &str =
    "sandbox; default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'";
/// PDFs: the browser's viewer embeds the document (`object-src 'self'`) in a page with inline
/// styles; no script source is allowed.
const PDF_POLICY: &str = "default-src 'none'; object-src 'self'; style-src 'unsafe-inline'; \
                          frame-ancestors 'none'";
/// Downloads, should a browser show one after all.
const DOWNLOAD_POLICY: &str = "sandbox; default-src 'none'";
/// The files are personal, and a link to S3 expires: no cache keeps either.
const NOT_STORED: &str = "private, no-store";

/// Why the file is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Download,
    View,
}

/// The file, as `purpose` asks when its type allows it. Authorise before calling.
pub async fn file(
    storage: &Storage,
    record: &FileRecord,
    purpose: Purpose,
) -> Result<Response, FileError> {
    let viewing = detect::viewing(&record.content_type);
    let (disposition, policy) = match (purpose, viewing) {
        (Purpose::View, Viewing::Sandboxed) => (Disposition::Inline, VIEW_POLICY),
        (Purpose::View, Viewing::Pdf) => (Disposition::Inline, PDF_POLICY),
        _ => (Disposition::Attachment, DOWNLOAD_POLICY),
    };
    let content_type = detect::served_content_type(&record.content_type);
    let content_disposition = names::content_disposition(disposition, &record.original_name);
    let presentation = Presentation {
        content_type: &content_type,
        content_disposition: &content_disposition,
    };
    let key = stored_key(&record.storage_key)?;
    let delivery = storage
        .deliver(&key, &presentation)
        .await
        .map_err(FileError::storage("the file cannot be fetched now"))?;
    Ok(match delivery {
        Delivery::Redirect(link) => {
            ([(header::CACHE_CONTROL, NOT_STORED)], Redirect::to(&link)).into_response()
        }
        Delivery::Stream(object) => stream(
            object,
            &[
                (header::CONTENT_TYPE, &content_type),
                (header::CONTENT_DISPOSITION, &content_disposition),
                (header::CONTENT_SECURITY_POLICY, policy),
                (header::CACHE_CONTROL, NOT_STORED),
            ],
        ),
    })
}

/// The file's thumbnail, through the app whatever the storage: pages show it in an `<img>`,
/// and their policy allows images from this origin only.
pub async fn thumbnail(storage: &Storage, record: &FileRecord) -> Result<Response, FileError> {
    let key = record.thumbnail_key.as_deref().ok_or(AppError::NotFound)?;
    let object = storage
        .open(&stored_key(key)?)
        .await
        .map_err(FileError::storage("the preview cannot be fetched now"))?;
    Ok(stream(
        object,
        &[
            (
                header::CONTENT_TYPE,
                thumbnail::Encoding::of_key(key).content_type(),
            ),
            (header::CONTENT_SECURITY_POLICY, DOWNLOAD_POLICY),
            // Like the file itself: no cache keeps it after a logout or a deletion.
            (header::CACHE_CONTROL, NOT_STORED),
        ],
    ))
}

/// An image with a thumbnail (one the app could decode), whole, for its page to show large:
/// through the app whatever the storage, with the thumbnail's headers. Nothing else is
/// previewed this way.
pub async fn preview(storage: &Storage, record: &FileRecord) -> Result<Response, FileError> {
    if record.thumbnail_key.is_none() || detect::thumbnail_format(&record.content_type).is_none() {
        return Err(AppError::NotFound.into());
    }
    let object = storage
        .open(&stored_key(&record.storage_key)?)
        .await
        .map_err(FileError::storage("the preview cannot be fetched now"))?;
    let content_type = detect::served_content_type(&record.content_type);
    Ok(stream(
        object,
        &[
            (header::CONTENT_TYPE, &content_type),
            (header::CONTENT_SECURITY_POLICY, DOWNLOAD_POLICY),
            (header::CACHE_CONTROL, NOT_STORED),
        ],
    ))
}

/// The start of a plain text file as its page shows it: at most [`TEXT_PREVIEW_LINES`] lines
/// of the first [`TEXT_PREVIEW_BYTES`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextPreview {
    pub text: String,
    /// Whether the file goes on past what is shown.
    pub cut: bool,
}

pub const TEXT_PREVIEW_LINES: usize = 40;
pub const TEXT_PREVIEW_BYTES: usize = 4096;

/// The start of `record` when it is plain text, reading no more of it than is shown; `None`
/// for any other type.
pub async fn text_preview(
    storage: &Storage,
    record: &FileRecord,
) -> Result<Option<TextPreview>, FileError> {
    use http_body_util::BodyExt;

    if record.content_type != detect::PLAIN_TEXT {
        return Ok(None);
    }
    let object = storage
        .open(&stored_key(&record.storage_key)?)
        .await
        .map_err(FileError::storage("the file cannot be fetched now"))?;
    let mut body = object.body;
    let mut head = Vec::with_capacity(TEXT_PREVIEW_BYTES);
    while head.len() < TEXT_PREVIEW_BYTES {
        let Some(frame) = body.frame().await else {
            break;
        };
        let frame = frame.map_err(|error| {
            FileError::from(AppError::Internal(
                anyhow::Error::from(error).context("reading the start of a text file"),
            ))
        })?;
        if let Ok(data) = frame.into_data() {
            head.extend_from_slice(&data);
        }
    }
    let size = usize::try_from(record.size_bytes).unwrap_or(usize::MAX);
    Ok(Some(text_head(&head, size)))
}

/// What of `head` (the first bytes of a file of `size` bytes) is shown: whole characters,
/// whole lines up to the limits.
fn text_head(head: &[u8], size: usize) -> TextPreview {
    let head = &head[..head.len().min(TEXT_PREVIEW_BYTES)];
    // A character cut by the byte limit is left out, not shown as a replacement.
    let valid = match std::str::from_utf8(head) {
        Ok(text) => text.len(),
        Err(error) if error.error_len().is_none() => error.valid_up_to(),
        Err(_) => head.len(),
    };
    let text = String::from_utf8_lossy(&head[..valid]);
    let shown: String = text
        .split_inclusive('\n')
        .take(TEXT_PREVIEW_LINES)
        .collect();
    let cut = shown.len() < text.len() || valid < size;
    TextPreview {
        text: shown.trim_end_matches('\n').to_owned(),
        cut,
    }
}

fn stream(object: ObjectBody, headers: &[(HeaderName, &str)]) -> Response {
    let mut response = (StatusCode::OK, object.body).into_response();
    let response_headers = response.headers_mut();
    response_headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Some(length) = object.length {
        response_headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    }
    for (name, value) in headers {
        // Every value is ours or built to be a valid header (see `names`); one that is not
        // is left out rather than sent broken.
        match HeaderValue::from_str(value) {
            Ok(value) => {
                response_headers.insert(name.clone(), value);
            }
            Err(error) => tracing::error!(%error, header = %name, "invalid header value"),
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_preview_stops_at_forty_lines_or_four_kilobytes() {
        let short = "one\ntwo\n";
        assert_eq!(
            text_head(short.as_bytes(), short.len()),
            TextPreview {
                text: "one\ntwo".into(),
                cut: false
            }
        );
        let long: String = (1..=100).map(|n| format!("line {n}\n")).collect();
        let preview = text_head(long.as_bytes(), long.len());
        assert!(preview.cut);
        assert_eq!(preview.text.lines().count(), TEXT_PREVIEW_LINES);
        assert!(preview.text.ends_with("line 40"));
        // One long line: its first 4 KB, and never half a character.
        let wide = "é".repeat(3000);
        let preview = text_head(&wide.as_bytes()[..TEXT_PREVIEW_BYTES], wide.len());
        assert!(preview.cut);
        assert_eq!(preview.text.chars().count(), TEXT_PREVIEW_BYTES / 2);
        assert!(preview.text.chars().all(|c| c == 'é'));
    }
}
