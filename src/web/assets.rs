//! Serving the static files under `assets/` (`static_files`), and the compiled stylesheet.
//!
//! Pages link files through [`asset_url`], which appends the file's content hash
//! (`/assets/app.js?v=1a2b…`). A request carrying the current hash is cached as immutable;
//! any other gets `no-cache` and revalidates with its `ETag`.

use std::{borrow::Cow, collections::HashMap, sync::LazyLock};

use axum::{
    Router,
    extract::{FromRef, Path, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use serde::Deserialize;

use super::{
    layout::PageFrame,
    live_reload,
    precompressed::{self, Encoding},
    query::Query,
    static_files::StaticFiles,
};
use crate::error::AppError;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

pub fn routes<S>() -> Router<S>
where
    PageFrame: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    Router::new().route("/assets/{*path}", get(serve_asset))
}

/// A short hex SHA-256 of a file's content. Release builds compute them once (the files are
/// in the binary); debug builds read the file from disk each time, so an edited file gets a
/// new URL on the next page load.
fn content_hash(path: &str) -> Option<String> {
    static EMBEDDED: LazyLock<HashMap<String, String>> = LazyLock::new(|| {
        StaticFiles::iter()
            .filter_map(|path| Some((path.to_string(), hash_of(&path)?)))
            .collect()
    });
    if cfg!(debug_assertions) {
        hash_of(path)
    } else {
        EMBEDDED.get(path).cloned()
    }
}

fn hash_of(path: &str) -> Option<String> {
    let file = StaticFiles::get(path)?;
    Some(hex::encode(&file.metadata.sha256_hash()[..8]))
}

/// The URL of a file under `assets/`, versioned by its content.
pub fn asset_url(path: &str) -> String {
    match content_hash(path) {
        Some(hash) => format!("/assets/{path}?v={hash}"),
        None => {
            tracing::error!(path, "link to a missing asset");
            format!("/assets/{path}")
        }
    }
}

#[derive(Deserialize)]
struct Version {
    v: Option<String>,
}

async fn serve_asset(
    State(frame): State<PageFrame>,
    Path(path): Path<String>,
    Query(version): Query<Version>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    if path == frame.stylesheet().file_name {
        let sheet = frame.stylesheet();
        let encoded = encoded(&headers, &sheet.file_name, sheet.body.as_bytes()).await;
        return Ok(stylesheet_response(&sheet.body, encoded));
    }
    // Pages load the live-reload script only in development; it is not served elsewhere.
    if !is_safe_path(&path) || (path == live_reload::SCRIPT && !frame.live_reload()) {
        return Err(AppError::NotFound);
    }
    let (Some(file), Some(hash)) = (StaticFiles::get(&path), content_hash(&path)) else {
        return Err(AppError::NotFound);
    };

    let mime = file.metadata.mimetype();
    let compressible = precompressed::compressible(mime);
    let encoded = match compressible {
        true => encoded(&headers, &hash, &file.data).await,
        false => None,
    };
    // Each representation its own tag: a cache must not answer a request for gzip with the
    // brotli bytes it validated.
    let etag = match &encoded {
        Some((encoding, _)) => format!("\"{hash}-{}\"", encoding.token()),
        None => format!("\"{hash}\""),
    };
    let cache_control = if version.v.as_deref() == Some(hash.as_str()) {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    let mut response = if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|value| value.as_bytes() == etag.as_bytes())
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let content_type = [(header::CONTENT_TYPE, content_type_with_charset(mime))];
        match &encoded {
            Some((encoding, copies)) => (
                content_type,
                [(header::CONTENT_ENCODING, encoding.token())],
                copies.bytes(*encoding),
            )
                .into_response(),
            None => {
                let body = match file.data {
                    Cow::Borrowed(bytes) => axum::body::Body::from(bytes),
                    Cow::Owned(bytes) => axum::body::Body::from(bytes),
                };
                (content_type, body).into_response()
            }
        }
    };
    let headers = response.headers_mut();
    if compressible {
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    if let Ok(etag) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, etag);
    }
    Ok(response)
}

/// The encoding the request accepts and the compressed copies of `body` (of hash `key`), or
/// none to send it as it is.
async fn encoded(
    headers: &HeaderMap,
    key: &str,
    body: &[u8],
) -> Option<(Encoding, std::sync::Arc<precompressed::Compressed>)> {
    let encoding = precompressed::accepted(headers)?;
    Some((encoding, precompressed::copies(key, body).await?))
}

fn stylesheet_response(
    body: &str,
    encoded: Option<(Encoding, std::sync::Arc<precompressed::Compressed>)>,
) -> Response {
    let headers = [
        (header::CONTENT_TYPE, "text/css; charset=utf-8"),
        (header::CACHE_CONTROL, IMMUTABLE),
        (header::VARY, "accept-encoding"),
    ];
    match encoded {
        Some((encoding, copies)) => (
            headers,
            [(header::CONTENT_ENCODING, encoding.token())],
            copies.bytes(encoding),
        )
            .into_response(),
        None => (headers, body.to_owned()).into_response(),
    }
}

fn content_type_with_charset(mime: &str) -> String {
    if mime.starts_with("text/") || mime == "application/javascript" {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_owned()
    }
}

/// Only plain relative paths: no parent or current-folder segments, no empty segments, no
/// backslashes or NULs. rust-embed would refuse most of these too; this does not rely on it.
fn is_safe_path(path: &str) -> bool {
    !path.is_empty()
        && !path.contains(['\\', '\0'])
        && path
            .split('/')
            .all(|segment| !segment.is_empty() && segment != "." && segment != "..")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_paths_are_refused() {
        for path in [
            "../Cargo.toml",
            "vendor/../../src/main.rs",
            "/etc/passwd",
            "a//b",
            ".",
            "a\\b",
        ] {
            assert!(!is_safe_path(path), "{path}");
        }
        assert!(is_safe_path("vendor/htmx-2.0.11.min.js"));
    }

    #[test]
    fn urls_carry_the_content_hash() {
        let url = asset_url("favicon.svg");
        assert!(url.starts_with("/assets/favicon.svg?v="), "{url}");
        assert_eq!(url.len(), "/assets/favicon.svg?v=".len() + 16);
    }
}
