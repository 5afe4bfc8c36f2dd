//! The file storage and uploads section: where uploaded files are kept (an S3-compatible
//! bucket or a local folder, `backends::storage`) and what the upload form accepts (`files`).

use std::{path::PathBuf, time::Duration};

use secrecy::SecretString;

use super::{
    ConfigError,
    env::{Env, parse_base_url},
};

/// Where uploaded files are kept (`backends::storage`).
#[derive(Debug, Clone)]
pub struct StorageConfig {
    /// `None` means the local folder below.
    pub s3: Option<S3Config>,
    /// The folder files are kept in without S3 (relative to the working directory).
    pub local_dir: PathBuf,
}

/// An S3-compatible object store, addressed path-style (`{endpoint}/{bucket}/{key}`), which
/// RustFS, MinIO, AWS S3 and R2 all accept.
#[derive(Debug, Clone)]
pub struct S3Config {
    /// E.g. `http://127.0.0.1:9000` or `https://s3.eu-central-1.amazonaws.com`.
    pub endpoint: String,
    pub region: String,
    pub bucket: String,
    pub access_key: String,
    pub secret_key: SecretString,
    /// How long a download link handed to a browser stays valid.
    pub presigned_url_ttl: Duration,
}

/// What the upload form accepts (`files`).
#[derive(Debug, Clone)]
pub struct UploadConfig {
    /// The largest file, and the largest upload of several files together.
    pub max_bytes: u64,
    /// The most files one upload request may carry: each holds a spool file (a descriptor and
    /// a buffer) until the request ends, so thousands of one-byte parts must not get that far.
    pub max_files: usize,
    /// What one account may store in all, in bytes and in files (`files::quota`).
    pub quota_bytes: u64,
    pub quota_files: u64,
    /// Content types accepted, as detected from the files' bytes (never the name or the
    /// browser's claim), e.g. `image/png`.
    pub allowed_types: Vec<String>,
}

/// The types accepted unless `UPLOAD_ALLOWED_TYPES` says otherwise: images, PDFs and plain
/// text. Not HTML or SVG, which can carry scripts.
const DEFAULT_ALLOWED_TYPES: &str =
    "image/jpeg,image/png,image/gif,image/webp,application/pdf,text/plain";

impl StorageConfig {
    pub(super) fn read(env: &Env<'_>) -> Result<Self, ConfigError> {
        let local_dir = PathBuf::from(
            env.get("UPLOADS_DIR")
                .unwrap_or_else(|| ".data/uploads".into()),
        );
        // Read even without an endpoint, so that a typo in one is reported, not ignored.
        let region = env.get("S3_REGION").unwrap_or_else(|| "us-east-1".into());
        // Named after the app by default, so that two apps on one S3 server keep apart.
        let bucket = env
            .get("S3_BUCKET")
            .unwrap_or_else(|| format!("{}-uploads", env!("CARGO_PKG_NAME").replace('_', "-")));
        let access_key = env.get("S3_ACCESS_KEY");
        let secret_key = env.get("S3_SECRET_KEY").map(SecretString::from);
        let presigned_url_ttl = env.seconds_or("S3_PRESIGNED_URL_SECS", 60)?;
        // S3's own ceiling for a presigned URL is a week.
        if presigned_url_ttl > Duration::from_secs(7 * 24 * 3600) {
            let got = presigned_url_ttl.as_secs().to_string();
            return Err(env.invalid("S3_PRESIGNED_URL_SECS", "at most 604800 seconds", &got));
        }
        let Some(endpoint) = env.get("S3_ENDPOINT") else {
            return Ok(StorageConfig {
                s3: None,
                local_dir,
            });
        };
        let endpoint = parse_base_url(&endpoint).map_err(|problem| ConfigError {
            variable: "S3_ENDPOINT",
            problem,
        })?;
        if !is_bucket_name(&bucket) {
            return Err(env.invalid(
                "S3_BUCKET",
                "3 to 63 lower-case letters, digits, dots and hyphens",
                &bucket,
            ));
        }
        let (Some(access_key), Some(secret_key)) = (access_key, secret_key) else {
            return Err(env.missing(
                "S3_ACCESS_KEY",
                "S3_ENDPOINT is set: set S3_ACCESS_KEY and S3_SECRET_KEY too",
            ));
        };
        Ok(StorageConfig {
            s3: Some(S3Config {
                endpoint,
                region,
                bucket,
                access_key,
                secret_key,
                presigned_url_ttl,
            }),
            local_dir,
        })
    }
}

/// S3's rules for bucket names, the part that matters for path-style URLs.
fn is_bucket_name(name: &str) -> bool {
    (3..=63).contains(&name.len())
        && name
            .bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || b".-".contains(&byte))
        && !name.starts_with(['.', '-'])
        && !name.ends_with(['.', '-'])
}

impl UploadConfig {
    pub(super) fn read(env: &Env<'_>) -> Result<Self, ConfigError> {
        let max_bytes: u64 = env.parse_or("UPLOAD_MAX_BYTES", "a size in bytes", 25 << 20)?;
        if max_bytes == 0 {
            return Err(env.invalid("UPLOAD_MAX_BYTES", "a size in bytes above 0", "0"));
        }
        let max_files: usize = env.parse_or("UPLOAD_MAX_FILES", "a number of files", 20)?;
        if max_files == 0 {
            return Err(env.invalid("UPLOAD_MAX_FILES", "a number of files above 0", "0"));
        }
        let quota_bytes: u64 = env.parse_or("UPLOAD_QUOTA_BYTES", "a size in bytes", 1 << 30)?;
        if quota_bytes == 0 {
            return Err(env.invalid("UPLOAD_QUOTA_BYTES", "a size in bytes above 0", "0"));
        }
        let quota_files: u64 = env.parse_or("UPLOAD_QUOTA_FILES", "a number of files", 1000)?;
        if quota_files == 0 {
            return Err(env.invalid("UPLOAD_QUOTA_FILES", "a number of files above 0", "0"));
        }
        let types = env
            .get("UPLOAD_ALLOWED_TYPES")
            .unwrap_or_else(|| DEFAULT_ALLOWED_TYPES.into());
        let allowed_types: Vec<String> = types
            .split(',')
            .map(|kind| kind.trim().to_ascii_lowercase())
            .filter(|kind| !kind.is_empty())
            .collect();
        let malformed = allowed_types.iter().find(|kind| {
            !matches!(kind.split_once('/'), Some((kind, sub)) if !kind.is_empty() && !sub.is_empty())
        });
        if let Some(kind) = malformed {
            return Err(env.invalid(
                "UPLOAD_ALLOWED_TYPES",
                "content types separated by commas, such as image/png,application/pdf",
                kind,
            ));
        }
        if allowed_types.is_empty() {
            return Err(env.invalid("UPLOAD_ALLOWED_TYPES", "at least one content type", &types));
        }
        Ok(UploadConfig {
            max_bytes,
            max_files,
            quota_bytes,
            quota_files,
            allowed_types,
        })
    }
}
