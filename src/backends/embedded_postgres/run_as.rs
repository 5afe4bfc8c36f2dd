//! Running the server as another user: PostgreSQL refuses to run as root, so under root its
//! commands run as the `postgres` (or `nobody`) user, and the data folder must be one that
//! user can reach.

use std::{
    fs, io,
    os::unix::{fs::MetadataExt, process::CommandExt},
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::Context;

pub(super) struct UnixUser {
    pub(super) name: String,
    pub(super) uid: u32,
    pub(super) gid: u32,
}

impl UnixUser {
    /// The `postgres` user that Debian's packages create, or `nobody`.
    pub(super) fn unprivileged() -> anyhow::Result<Self> {
        let passwd = fs::read_to_string("/etc/passwd").context("reading /etc/passwd")?;
        let find = |wanted: &str| {
            passwd.lines().find_map(|line| {
                let fields: Vec<&str> = line.split(':').collect();
                match fields.as_slice() {
                    [name, _, uid, gid, ..] if *name == wanted => Some(UnixUser {
                        name: (*name).to_owned(),
                        uid: uid.parse().ok()?,
                        gid: gid.parse().ok()?,
                    }),
                    _ => None,
                }
            })
        };
        find("postgres").or_else(|| find("nobody")).context(
            "running as root, and there is no `postgres` or `nobody` user to run PostgreSQL as",
        )
    }

    /// Whether every existing folder above `path` lets this user through.
    pub(super) fn can_reach(&self, path: &Path) -> bool {
        path.ancestors().skip(1).all(|dir| match fs::metadata(dir) {
            Ok(meta) => {
                let mode = meta.mode();
                mode & 0o001 != 0 || (meta.uid() == self.uid && mode & 0o100 != 0)
            }
            Err(error) => error.kind() == io::ErrorKind::NotFound,
        })
    }
}

pub(super) fn running_as_root() -> bool {
    // Linux only; elsewhere developers do not run their dev server as root.
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|line| line.starts_with("Uid:"))?;
            line.split_whitespace().nth(2).map(|euid| euid == "0")
        })
        .unwrap_or(false)
}

/// `program` set up to run as `run_as` (when given) in a clean environment.
pub(super) fn command(program: &Path, run_as: Option<&UnixUser>) -> Command {
    let mut command = Command::new(program);
    // The server inherits neither our locale quirks nor a PGDATA pointing elsewhere.
    command.env_remove("PGDATA").env("LC_ALL", "C");
    if let Some(user) = run_as {
        command.uid(user.uid).gid(user.gid).current_dir("/");
    }
    command
}

/// Under root the data folder must be reachable by the unprivileged user; if a parent folder
/// is closed to it (a project under `/root`, say), the cluster goes to the temp folder instead,
/// keyed by the project path so each project keeps its own.
pub(super) fn fallback_data_dir(wanted: &Path) -> PathBuf {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(wanted.as_os_str().as_encoded_bytes());
    let key = hex::encode(&digest[..6]);
    std::env::temp_dir()
        .join(format!("app-postgres-{key}"))
        .join("postgres")
}
