//! `cargo run -- db seed`: a demo account full of believable data (contacts, and files with a
//! thumbnail), so that a new project shows a living app at once. `db reset` runs it after
//! recreating the database.

use std::{io::Cursor, sync::Arc};

use anyhow::Context;
use image::{ImageFormat, Rgb, RgbImage};
use sqlx::PgPool;
use uuid::Uuid;

use crate::{
    auth::{db as users, db::Role, password},
    backends::storage::Storage,
    dev::seed as contacts,
    files::{ops, quota::Quota, upload},
};

/// The demo account, written in the README and on the login page's hint in development.
pub const EMAIL: &str = "demo@example.com";
pub const PASSWORD: &str = "demo-password";
/// Contacts in the demo account: enough for a second page and a search that finds several.
const CONTACTS: usize = 60;

/// What `seed` did.
pub enum Seeded {
    /// The demo account was created with its data.
    Created,
    /// It existed already, and was left as it was.
    AlreadyThere,
}

/// Creates the demo account (confirmed, password [`PASSWORD`]) with its contacts and files,
/// unless it exists.
pub async fn seed(pool: &PgPool, storage: &Arc<Storage>) -> anyhow::Result<Seeded> {
    let hash = password::hash(PASSWORD).await?;
    let mut tx = pool.begin().await?;
    let Some(owner) = users::insert(&mut tx, EMAIL, &hash, Role::User, true).await? else {
        return Ok(Seeded::AlreadyThere);
    };
    tx.commit().await?;
    contacts::add(pool, owner, CONTACTS).await?;
    add_files(pool, storage, owner).await?;
    Ok(Seeded::Created)
}

/// A picture (which gets a thumbnail) and a note, stored as uploads are.
async fn add_files(pool: &PgPool, storage: &Arc<Storage>, owner: Uuid) -> anyhow::Result<()> {
    let note = b"Welcome! This file was added by `cargo run -- db seed`.\n\
        Upload your own on this page: several at once, or dropped onto the form.\n";
    let files = vec![
        upload::from_bytes(storage, "sunset.png", &sunset()?).await?,
        upload::from_bytes(storage, "welcome.txt", note).await?,
    ];
    let received = upload::make_thumbnails(upload::Upload {
        accepted: files,
        refused: Vec::new(),
    })
    .await;
    // The app's own files: no user chose them, so no quota counts them out.
    ops::save(pool, storage, owner, Quota::UNLIMITED, received.accepted)
        .await
        .map_err(|error| anyhow::anyhow!("storing the demo files: {error}"))?;
    Ok(())
}

/// A small picture drawn here, so the demo needs no asset: a sky fading into the sea.
fn sunset() -> anyhow::Result<Vec<u8>> {
    let (width, height) = (480, 270);
    let image = RgbImage::from_fn(width, height, |_, y| {
        let t = y * 255 / height;
        let sky = u8::try_from(t).unwrap_or(u8::MAX);
        if y < height * 2 / 3 {
            Rgb([255, 120 + sky / 3, 60 + sky / 2])
        } else {
            Rgb([40, 70 + sky / 4, 140])
        }
    });
    let mut png = Cursor::new(Vec::new());
    image
        .write_to(&mut png, ImageFormat::Png)
        .context("drawing the demo picture")?;
    Ok(png.into_inner())
}
