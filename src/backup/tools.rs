//! PostgreSQL's client tools, `pg_dump` and `pg_restore`: found in `BACKUP_PG_BIN_DIR`, or on
//! `PATH`, `pg_config --bindir` and the usual install folders, newest version first. A
//! `pg_dump` must be at least as new as the server it dumps (an older one refuses); the newest
//! `pg_restore` reads every older dump.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use percent_encoding::percent_decode_str;
use secrecy::{ExposeSecret, SecretString};
use tokio::process::Command;

/// The database the tools work on, as libpq takes it: the URL without its password, which
/// goes in `PGPASSWORD` so that it never shows in the process list.
pub struct Connection {
    url: url::Url,
    password: Option<SecretString>,
}

impl Connection {
    pub fn new(database_url: &SecretString) -> anyhow::Result<Self> {
        let mut url = url::Url::parse(database_url.expose_secret())
            .context("the database URL is not a valid URL")?;
        let password = url.password().map(|password| {
            SecretString::from(
                percent_decode_str(password)
                    .decode_utf8_lossy()
                    .into_owned(),
            )
        });
        url.set_password(None)
            .map_err(|()| anyhow::anyhow!("the database URL cannot hold a password"))?;
        Ok(Self { url, password })
    }

    /// A command for `tool` on this database: `--dbname` and the password set.
    pub fn command(&self, tool: &Tool) -> Command {
        let mut command = Command::new(&tool.path);
        command.arg(format!("--dbname={}", self.url));
        if let Some(password) = &self.password {
            command.env("PGPASSWORD", password.expose_secret());
        }
        command.kill_on_drop(true);
        command
    }
}

/// A client tool and its major version.
#[derive(Debug, Clone)]
pub struct Tool {
    pub path: PathBuf,
    pub major: u32,
}

/// The newest `name` (`pg_dump` or `pg_restore`) of major version `at_least` or later, which
/// `because` explains ("to dump a PostgreSQL 17 server").
pub async fn find(
    name: &str,
    pinned: Option<&Path>,
    at_least: u32,
    because: &str,
) -> anyhow::Result<Tool> {
    let mut found: Vec<Tool> = Vec::new();
    for dir in candidate_dirs(pinned) {
        let path = dir.join(name);
        if !path.is_file() || found.iter().any(|tool| tool.path == path) {
            continue;
        }
        if let Some(major) = major_version(&path).await {
            found.push(Tool { path, major });
        }
    }
    found.sort_by_key(|tool| std::cmp::Reverse(tool.major));
    match found.into_iter().next() {
        Some(tool) if tool.major >= at_least => Ok(tool),
        Some(tool) => bail!(
            "{name} {} (at {}) is too old {because}: install PostgreSQL's client tools \
             {at_least} or newer (Debian/Ubuntu: apt-get install postgresql-client-{at_least}) \
             and set BACKUP_PG_BIN_DIR to their folder if they are not found by themselves",
            tool.major,
            tool.path.display()
        ),
        None => match pinned {
            Some(dir) => bail!(
                "{name} was not found in BACKUP_PG_BIN_DIR ({}): point it at the folder that \
                 holds PostgreSQL's client tools, or unset it to look on PATH",
                dir.display()
            ),
            None => bail!(
                "{name} was not found: install PostgreSQL's client tools {at_least} or newer \
                 (Debian/Ubuntu: apt-get install postgresql-client-{at_least}; macOS: brew \
                 install postgresql@{at_least}), or set BACKUP_PG_BIN_DIR to the folder that \
                 holds them"
            ),
        },
    }
}

/// Only the pinned folder when there is one; otherwise `PATH`, `pg_config`'s folder, then the
/// Debian, Homebrew and source-install folders.
fn candidate_dirs(pinned: Option<&Path>) -> Vec<PathBuf> {
    if let Some(dir) = pinned {
        return vec![dir.to_owned()];
    }
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect())
        .unwrap_or_default();
    if let Ok(output) = std::process::Command::new("pg_config")
        .arg("--bindir")
        .output()
        && output.status.success()
    {
        dirs.push(PathBuf::from(
            String::from_utf8_lossy(&output.stdout).trim(),
        ));
    }
    for parent in ["/usr/lib/postgresql", "/opt/homebrew/opt", "/usr/local/opt"] {
        if let Ok(entries) = std::fs::read_dir(parent) {
            dirs.extend(entries.flatten().map(|entry| entry.path().join("bin")));
        }
    }
    dirs.extend(["/opt/homebrew/bin", "/usr/local/pgsql/bin"].map(PathBuf::from));
    dirs
}

/// From `pg_dump (PostgreSQL) 15.19 (Debian 15.19-0+deb12u1)`: 15.
async fn major_version(tool: &Path) -> Option<u32> {
    let output = Command::new(tool).arg("--version").output().await.ok()?;
    parse_major(&String::from_utf8_lossy(&output.stdout))
}

fn parse_major(version: &str) -> Option<u32> {
    let number = version.split(") ").nth(1)?.split_whitespace().next()?;
    number
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// The server's major version, from `server_version_num` (150019 is 15).
pub async fn server_major(db: &sqlx::PgPool) -> anyhow::Result<u32> {
    let number: String = sqlx::query_scalar("SHOW server_version_num")
        .fetch_one(db)
        .await
        .context("asking the database server its version")?;
    let number: u32 = number
        .parse()
        .with_context(|| format!("reading the server's version {number:?}"))?;
    Ok(number / 10_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_major_version_is_read_from_what_the_tools_print() {
        assert_eq!(
            parse_major("pg_dump (PostgreSQL) 15.19 (Debian 15.19-0+deb12u1)\n"),
            Some(15)
        );
        assert_eq!(parse_major("pg_restore (PostgreSQL) 17.2\n"), Some(17));
        assert_eq!(parse_major("pg_dump (PostgreSQL) 18beta1\n"), Some(18));
        assert_eq!(parse_major("something else"), None);
    }

    #[test]
    fn the_password_leaves_the_url_decoded() {
        let url =
            SecretString::from("postgres://app:p%40ss%2Fword@db.internal:5432/app?sslmode=require");
        let connection = Connection::new(&url).unwrap();
        assert_eq!(
            connection.url.as_str(),
            "postgres://app@db.internal:5432/app?sslmode=require"
        );
        assert_eq!(
            connection
                .password
                .as_ref()
                .map(ExposeSecret::expose_secret),
            Some("p@ss/word")
        );
    }

    #[tokio::test]
    async fn a_pinned_folder_without_the_tools_says_so() {
        let empty = std::env::temp_dir();
        let error = find("pg_dump", Some(&empty), 15, "").await.unwrap_err();
        assert!(error.to_string().contains("BACKUP_PG_BIN_DIR"), "{error}");
    }
}
