//! `admin create EMAIL`: the way to the first administrator, who can then manage the others
//! in the app.

use clap::Subcommand;

use crate::{
    auth::create_admin::{self, AdminCreated},
    config::Config,
};

#[derive(Subcommand)]
pub(super) enum AdminAction {
    /// Make EMAIL an administrator: promote its account, or create a confirmed one with a
    /// generated password (printed once).
    Create { email: String },
}

pub(super) async fn run(config: Config, action: AdminAction) -> anyhow::Result<()> {
    let AdminAction::Create { email } = action;
    let database = super::migrated_database(&config).await?;
    match create_admin::create_or_promote(&database.pool, &email).await? {
        AdminCreated::Promoted => println!("{email} is now an administrator"),
        AdminCreated::New { password } => println!(
            "created administrator {email} with the password {password}\n\
             (shown once: log in and change it at /account)"
        ),
    }
    Ok(())
}
