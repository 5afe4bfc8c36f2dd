//! Finding PostgreSQL's server binaries (`initdb`, `pg_ctl`) on this machine, and the message
//! naming the ways out when there are none.

use std::{
    fs,
    path::{Path, PathBuf},
    process::Command,
};

/// Where PostgreSQL's server binaries are: `PATH`, `pg_config --bindir`, then the usual
/// Debian, Homebrew and source-install locations (newest version first).
pub(super) fn find_bin_dir() -> Option<PathBuf> {
    let has_server = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();

    let on_path = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default();
    let from_pg_config = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| PathBuf::from(String::from_utf8_lossy(&output.stdout).trim()));

    let mut versioned = Vec::new();
    for pattern_dir in ["/usr/lib/postgresql", "/opt/homebrew/opt", "/usr/local/opt"] {
        if let Ok(entries) = fs::read_dir(pattern_dir) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let version = name
                    .strip_prefix("postgresql@")
                    .unwrap_or(&name)
                    .parse::<u32>()
                    .ok();
                if let Some(version) = version {
                    versioned.push((version, entry.path().join("bin")));
                }
            }
        }
    }
    versioned.sort_by_key(|(version, _)| std::cmp::Reverse(*version));

    on_path
        .into_iter()
        .chain(from_pg_config)
        .chain(versioned.into_iter().map(|(_, dir)| dir))
        .chain(["/opt/homebrew/bin", "/usr/local/pgsql/bin"].map(PathBuf::from))
        .find(|dir| has_server(dir))
}

pub(super) fn no_postgres_found() -> anyhow::Error {
    anyhow::anyhow!(
        "no database: DATABASE_URL is not set and no PostgreSQL server binaries (initdb, pg_ctl) \
         were found to start an embedded one. Either set DATABASE_URL to a PostgreSQL server \
         (see .env.example), or run `docker compose up -d postgres` and use the DATABASE_URL \
         from .env.example, or install PostgreSQL (Debian/Ubuntu: `apt-get install \
         postgresql`, macOS: `brew install postgresql@17`)"
    )
}
