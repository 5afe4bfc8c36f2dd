//! Where backups live: with S3 configured, the bucket's `backups/` (beside the uploads, which
//! the files' cleanup pass never lists); without it, the folder `BACKUP_DIR`. Each backup is
//! two objects, `NAME.dump` then `NAME.json` (its [`Manifest`]), written in that order so that
//! a manifest always names a whole dump.

use anyhow::Context;
use http_body_util::BodyExt;

use super::manifest::{self, Manifest};
use crate::{
    backends::storage::{ObjectBody, ObjectKey, SpoolFile, Storage, StorageError},
    config::Config,
};

const PREFIX: &str = "backups";
const DUMP_TYPE: &str = "application/octet-stream";
const MANIFEST_TYPE: &str = "application/json";

pub struct BackupStore {
    storage: Storage,
    /// `backups` in a bucket; nothing in the folder, which holds backups only.
    prefix: &'static str,
    place: String,
}

impl BackupStore {
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        Ok(match &config.storage.s3 {
            Some(s3) => Self {
                storage: Storage::from_config(&config.storage)?,
                prefix: PREFIX,
                place: format!("the S3 bucket {} ({PREFIX}/)", s3.bucket),
            },
            None => Self {
                storage: Storage::folder(config.backup.dir.clone()),
                prefix: "",
                place: format!("the folder {}", config.backup.dir.display()),
            },
        })
    }

    /// Where backups go, as people read it.
    pub fn place(&self) -> &str {
        &self.place
    }

    /// Creates the folder or the bucket when missing; fails when storage does not answer.
    pub async fn prepare(&self) -> anyhow::Result<()> {
        self.storage
            .prepare()
            .await
            .with_context(|| format!("reaching {}", self.place))
    }

    fn key(&self, name: &str, extension: &str) -> anyhow::Result<ObjectKey> {
        let key = if self.prefix.is_empty() {
            format!("{name}.{extension}")
        } else {
            format!("{}/{name}.{extension}", self.prefix)
        };
        ObjectKey::parse(&key).with_context(|| format!("{name:?} is not a backup's name"))
    }

    /// A file to write a dump into (removed unless it is stored).
    pub async fn spool(&self) -> anyhow::Result<SpoolFile> {
        self.storage.spool().await.map_err(anyhow::Error::new)
    }

    /// Stores a whole dump, then its manifest.
    pub async fn put(&self, dump: SpoolFile, manifest: &Manifest) -> anyhow::Result<()> {
        let name = &manifest.name;
        self.storage
            .put_file(&self.key(name, "dump")?, dump, DUMP_TYPE)
            .await
            .with_context(|| format!("storing the backup {name} in {}", self.place))?;
        let json = serde_json::to_vec_pretty(manifest)?;
        self.storage
            .put_bytes(&self.key(name, "json")?, &json, MANIFEST_TYPE)
            .await
            .with_context(|| format!("storing the manifest of {name} in {}", self.place))?;
        Ok(())
    }

    /// Every whole backup, newest first.
    pub async fn list(&self) -> anyhow::Result<Vec<Manifest>> {
        let mut manifests = Vec::new();
        for name in self.names("json").await? {
            manifests.push(self.manifest(&name).await?);
        }
        Ok(manifests)
    }

    /// The names of the objects with this extension, newest first.
    async fn names(&self, extension: &str) -> anyhow::Result<Vec<String>> {
        let objects = self
            .storage
            .list(self.prefix)
            .await
            .with_context(|| format!("listing the backups in {}", self.place))?;
        let suffix = format!(".{extension}");
        let mut names: Vec<String> = objects
            .iter()
            .filter_map(|object| {
                let file = object.key.as_str().rsplit('/').next()?;
                let name = file.strip_suffix(&suffix)?;
                manifest::is_name(name).then(|| name.to_owned())
            })
            .collect();
        names.sort_unstable_by(|a, b| b.cmp(a));
        Ok(names)
    }

    pub async fn manifest(&self, name: &str) -> anyhow::Result<Manifest> {
        let key = self.key(name, "json")?;
        let bytes = match self.storage.open(&key).await {
            Ok(object) => collect(object).await?,
            Err(StorageError::NotFound(_)) => {
                anyhow::bail!("there is no backup {name} in {}", self.place)
            }
            Err(error) => {
                return Err(anyhow::Error::new(error)
                    .context(format!("reading the backup {name} in {}", self.place)));
            }
        };
        serde_json::from_slice(&bytes)
            .with_context(|| format!("the manifest of the backup {name} is damaged"))
    }

    /// The dump's bytes, as a stream.
    pub async fn open_dump(&self, name: &str) -> anyhow::Result<ObjectBody> {
        self.storage
            .open(&self.key(name, "dump")?)
            .await
            .with_context(|| format!("reading the backup {name} from {}", self.place))
    }

    /// Removes all but the newest `keep` backups, and dumps left without a manifest by a
    /// backup that did not finish (except the newest, which may be being written). Returns
    /// the names of the backups removed.
    pub async fn prune(&self, keep: usize) -> anyhow::Result<Vec<String>> {
        let whole = self.names("json").await?;
        let removed: Vec<String> = whole.iter().skip(keep).cloned().collect();
        for name in &removed {
            // The manifest first: a backup is never listed without its dump.
            self.delete(name, "json").await?;
            self.delete(name, "dump").await?;
        }
        let unfinished = self
            .names("dump")
            .await?
            .into_iter()
            .filter(|name| !whole.contains(name))
            .skip(1);
        for name in unfinished {
            self.delete(&name, "dump").await?;
        }
        Ok(removed)
    }

    async fn delete(&self, name: &str, extension: &str) -> anyhow::Result<()> {
        let key = self.key(name, extension)?;
        self.storage
            .delete(&key)
            .await
            .with_context(|| format!("removing {key} from {}", self.place))
    }
}

async fn collect(object: ObjectBody) -> anyhow::Result<Vec<u8>> {
    Ok(object
        .body
        .collect()
        .await
        .context("reading from storage")?
        .to_bytes()
        .to_vec())
}
