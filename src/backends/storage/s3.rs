//! An S3-compatible bucket through rust-s3, addressed path-style (`{endpoint}/{bucket}/{key}`):
//! RustFS, MinIO and local test servers do not serve buckets as subdomains, and AWS and R2
//! accept both.

use std::{collections::HashMap, time::Duration};

use anyhow::Context;
use axum::body::Body;
use s3::{Bucket, BucketConfiguration, Region, creds::Credentials, error::S3Error};
use secrecy::ExposeSecret;
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

use super::{ObjectBody, ObjectKey, Presentation, SpoolFile, StorageError, StoredObject};
use crate::config::S3Config;

/// Per request to S3, so that a storage that swallows packets fails an upload with a clear
/// message well inside the app's own request timeout. A part is at most 8 MiB.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

pub(super) struct S3Bucket {
    bucket: Box<Bucket>,
    /// Kept to create the bucket, which rust-s3 does through a constructor of its own.
    region: Region,
    credentials: Credentials,
    endpoint: String,
    presigned_url_ttl: u32,
}

impl S3Bucket {
    pub(super) fn new(config: &S3Config) -> anyhow::Result<Self> {
        let region = Region::Custom {
            region: config.region.clone(),
            endpoint: config.endpoint.clone(),
        };
        let credentials = Credentials::new(
            Some(&config.access_key),
            Some(config.secret_key.expose_secret()),
            None,
            None,
            None,
        )
        .context("S3 credentials")?;
        let bucket = Bucket::new(&config.bucket, region.clone(), credentials.clone())
            .context("S3 bucket settings")?
            .with_path_style()
            .with_request_timeout(REQUEST_TIMEOUT)
            .context("S3 client")?;
        Ok(Self {
            bucket,
            region,
            credentials,
            endpoint: config.endpoint.clone(),
            presigned_url_ttl: u32::try_from(config.presigned_url_ttl.as_secs())
                .context("S3_PRESIGNED_URL_SECS")?,
        })
    }

    /// Lists one key to learn whether the bucket exists (ListBuckets would need a permission
    /// that keys scoped to one bucket lack), and creates it when it does not.
    pub(super) async fn create_if_missing(&self) -> anyhow::Result<()> {
        let name = self.bucket.name();
        match self
            .bucket
            .list_page(String::new(), None, None, None, Some(1))
            .await
        {
            Ok(_) => return Ok(()),
            Err(S3Error::HttpFailWithBody(404, _)) => {}
            Err(error) => {
                return Err(error).with_context(|| {
                    format!("S3 bucket {name} at {}: not reachable", self.endpoint)
                });
            }
        }
        let created = Bucket::create_with_path_style(
            &name,
            self.region.clone(),
            self.credentials.clone(),
            BucketConfiguration::default(),
        )
        .await
        .with_context(|| format!("creating the S3 bucket {name} at {}", self.endpoint))?;
        if !created.success() {
            anyhow::bail!(
                "creating the S3 bucket {name} at {}: HTTP {} {}",
                self.endpoint,
                created.response_code,
                created.response_text
            );
        }
        tracing::info!(bucket = %name, "storage: created the S3 bucket {name}");
        Ok(())
    }

    /// Streams the file up: one PUT when it is small, otherwise a multipart upload with one
    /// 8 MiB part in memory at a time (rust-s3 aborts the upload if a part fails).
    pub(super) async fn put_file(
        &self,
        key: &ObjectKey,
        file: SpoolFile,
        content_type: &str,
    ) -> Result<(), StorageError> {
        let mut reader = tokio::fs::File::open(file.path())
            .await
            .with_context(|| format!("reading {}", file.path().display()))?;
        self.bucket
            .put_object_stream_builder(key.as_str())
            .with_content_type(content_type)
            .with_max_concurrent_chunks(1)
            .execute_stream(&mut reader)
            .await
            .map_err(|error| failed(error, "storing", key))?;
        Ok(())
    }

    pub(super) async fn put_bytes(
        &self,
        key: &ObjectKey,
        bytes: &[u8],
        content_type: &str,
    ) -> Result<(), StorageError> {
        self.bucket
            .put_object_with_content_type(key.as_str(), bytes, content_type)
            .await
            .map_err(|error| failed(error, "storing", key))?;
        Ok(())
    }

    pub(super) async fn open(&self, key: &ObjectKey) -> Result<ObjectBody, StorageError> {
        let stream = self
            .bucket
            .get_object_stream(key.as_str())
            .await
            .map_err(|error| failed(error, "reading", key))?;
        Ok(ObjectBody {
            body: Body::from_stream(stream.bytes),
            length: None,
        })
    }

    /// A link that serves the object for `presigned_url_ttl`, with S3's response overrides:
    /// they are part of the signature, so the holder cannot change how it is served.
    pub(super) async fn presigned_link(
        &self,
        key: &ObjectKey,
        presentation: &Presentation<'_>,
    ) -> Result<String, StorageError> {
        let overrides = HashMap::from([
            (
                "response-content-type".to_owned(),
                presentation.content_type.to_owned(),
            ),
            (
                "response-content-disposition".to_owned(),
                presentation.content_disposition.to_owned(),
            ),
        ]);
        let link = self
            .bucket
            .presign_get(key.as_str(), self.presigned_url_ttl, Some(overrides))
            .await
            .map_err(|error| failed(error, "signing a link to", key))?;
        Ok(link)
    }

    pub(super) async fn delete(&self, key: &ObjectKey) -> Result<(), StorageError> {
        match self.bucket.delete_object(key.as_str()).await {
            Ok(_) => Ok(()),
            Err(S3Error::HttpFailWithBody(404, _)) => Ok(()),
            Err(error) => Err(failed(error, "deleting", key)),
        }
    }

    pub(super) async fn list(&self, prefix: &str) -> Result<Vec<StoredObject>, StorageError> {
        let pages = self
            .bucket
            .list(format!("{prefix}/"), None)
            .await
            .with_context(|| format!("listing {prefix}/ in the S3 bucket"))?;
        Ok(pages
            .into_iter()
            .flat_map(|page| page.contents)
            .filter_map(|object| {
                Some(StoredObject {
                    key: ObjectKey::parse(&object.key)?,
                    // An unknown age counts as new: the cleanup pass leaves it alone.
                    modified: OffsetDateTime::parse(&object.last_modified, &Rfc3339)
                        .map_or_else(|_| std::time::SystemTime::now(), Into::into),
                })
            })
            .collect())
    }
}

fn failed(error: S3Error, doing: &str, key: &ObjectKey) -> StorageError {
    match error {
        S3Error::HttpFailWithBody(404, _) => StorageError::NotFound(key.clone()),
        error => anyhow::Error::new(error)
            .context(format!("{doing} {key} in S3"))
            .into(),
    }
}
