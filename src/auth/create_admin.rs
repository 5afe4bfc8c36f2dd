//! `starter admin create EMAIL`: the first administrator, from the command line.

use sqlx::PgPool;

use super::{
    db::{self, Role},
    forms::{email_problem, normalize_email},
    password, tokens,
};

/// What `create_or_promote` did.
pub enum AdminCreated {
    /// A new, confirmed account with this generated password (shown once).
    New { password: String },
    /// An existing account became an admin.
    Promoted,
}

pub async fn create_or_promote(pool: &PgPool, email: &str) -> anyhow::Result<AdminCreated> {
    let email = normalize_email(email);
    if let Some(problem) = email_problem(&email) {
        anyhow::bail!("{email:?}: {problem}");
    }
    if let Some(user) = db::find_by_email(pool, &email).await? {
        // Anyone can register any address: only its confirmed owner may become an admin.
        if user.email_confirmed_at.is_none() {
            anyhow::bail!(
                "{email} has not confirmed its address; confirm it first (the link in its \
                 confirmation mail), then run this again"
            );
        }
        db::set_role(pool, user.id, Role::Admin).await?;
        return Ok(AdminCreated::Promoted);
    }
    // 12 random bytes, 24 hex characters: a strong password.
    let generated = tokens::random_hex(12);
    let hash = password::hash(&generated).await?;
    let mut conn = pool.acquire().await?;
    db::insert(&mut conn, &email, &hash, Role::Admin, true)
        .await?
        .ok_or_else(|| anyhow::anyhow!("{email} was registered meanwhile; run again to promote"))?;
    Ok(AdminCreated::New {
        password: generated,
    })
}
