//! `cargo run -- db seed`: a demo account full of believable data, so that a new project shows
//! a living app at once. `db reset` runs it after recreating the database.

use sqlx::PgPool;

use crate::{
    auth::{db as users, db::Role, password},
    contacts::seed as contacts,
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

/// Creates the demo account (confirmed, password [`PASSWORD`]) with its contacts, unless it
/// exists.
pub async fn seed(pool: &PgPool) -> anyhow::Result<Seeded> {
    let hash = password::hash(PASSWORD).await?;
    let mut tx = pool.begin().await?;
    let Some(owner) = users::insert(&mut tx, EMAIL, &hash, Role::User, true).await? else {
        return Ok(Seeded::AlreadyThere);
    };
    tx.commit().await?;
    contacts::add(pool, owner, CONTACTS).await?;
    Ok(Seeded::Created)
}
