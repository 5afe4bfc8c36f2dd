//! `generate resource` and `generate migration`: write code from `templates/` into the
//! project in the current folder (the generators themselves are in `crate::dev::generate`).

use std::{path::Path, process::ExitCode};

use clap::Subcommand;

#[derive(Subcommand)]
pub(in crate::cli) enum Generate {
    /// A feature module like src/contacts/: routes, handlers, views, queries scoped by owner,
    /// a migration and tests; registered in src/lib.rs.
    Resource {
        /// Plural snake_case, like invoices.
        name: String,
        /// name:type, with ? after the type for an optional field; types: string, text, int,
        /// decimal, bool, date, datetime, uuid. Example: number:string amount:decimal
        /// due_on:date paid:bool notes:text?
        #[arg(required = true)]
        fields: Vec<String>,
        /// Overwrite files a generator wrote before.
        #[arg(long)]
        force: bool,
    },
    /// A reversible migration pair (.up.sql and .down.sql) in migrations/.
    Migration {
        /// snake_case, like add_due_on_to_invoices.
        name: String,
        #[arg(long)]
        force: bool,
    },
}

/// Runs without configuration, database or async runtime: it only reads and writes files.
pub(super) fn run(what: Generate) -> ExitCode {
    let root = Path::new(".");
    let (written, next) = match what {
        Generate::Resource {
            name,
            fields,
            force,
        } => (
            crate::dev::generate::resource(root, &name, &fields, force),
            format!(
                "next: scripts/sqlx-offline (records the new queries for offline builds), then \
                 cargo test --test it {name}::; the pages are at /{name}"
            ),
        ),
        Generate::Migration { name, force } => (
            crate::dev::generate::migration(root, &name, force),
            "next: write the change in the .up.sql and its undoing in the .down.sql".to_owned(),
        ),
    };
    match written {
        Ok(files) => {
            for file in files {
                println!("wrote {}", file.display());
            }
            println!("{next}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
