//! The cluster's life: created on first use (with a generated superuser password), started on
//! a free loopback port unless a server already runs on its folder, and stopped by the value
//! that started it when that value is dropped.

use std::{
    fs::{self, File},
    io::Write,
    os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt},
    path::{Path, PathBuf},
    process::{Command, Output},
};

use anyhow::{Context, bail};

use super::{
    EmbeddedPostgres, SUPERUSER,
    binaries::{find_bin_dir, no_postgres_found},
    run_as::{UnixUser, command, fallback_data_dir, running_as_root},
};

/// What controls the server process: its binaries, the user it runs as, and whether this
/// process started it (and so stops it on drop).
pub(super) struct Server {
    bin_dir: PathBuf,
    run_as: Option<UnixUser>,
    owned: bool,
}

impl Server {
    fn pg_ctl(&self) -> Command {
        command(&self.bin_dir.join("pg_ctl"), self.run_as.as_ref())
    }
}

/// Lets `cluster` go without stopping its server.
pub(super) fn leave_running(mut cluster: EmbeddedPostgres) {
    cluster.server.owned = false;
}

impl Drop for EmbeddedPostgres {
    fn drop(&mut self) {
        if !self.server.owned {
            return;
        }
        let result = self
            .server
            .pg_ctl()
            .arg("stop")
            .arg("-D")
            .arg(&self.data_dir)
            .args(["-m", "fast", "-w", "-s"])
            .output();
        match result {
            Ok(output) if output.status.success() => {
                tracing::info!("embedded PostgreSQL stopped");
            }
            Ok(output) => tracing::warn!(
                stderr = %String::from_utf8_lossy(&output.stderr).trim(),
                "embedded PostgreSQL did not stop cleanly"
            ),
            Err(error) => tracing::warn!(%error, "could not run pg_ctl stop"),
        }
    }
}

/// Starts the cluster kept in `data_dir` (or reuses the server running on it), creating it
/// on first use; blocks until it accepts connections.
pub(super) fn start(data_dir: PathBuf) -> anyhow::Result<EmbeddedPostgres> {
    let bin_dir = find_bin_dir().ok_or_else(no_postgres_found)?;
    let run_as = if running_as_root() {
        Some(UnixUser::unprivileged()?)
    } else {
        None
    };
    let data_dir = match &run_as {
        Some(user) if !user.can_reach(&data_dir) => fallback_data_dir(&data_dir),
        _ => data_dir,
    };
    let parent = data_dir
        .parent()
        .context("the data folder has no parent")?
        .to_owned();
    fs::create_dir_all(&parent).with_context(|| format!("creating {}", parent.display()))?;
    check_private(&parent)?;

    // One process at a time initialises or starts the cluster.
    // Beside the data folder, named after it: `.data/postgres.lock`, `.data/postgres.password`
    // (the test suite's cluster, `.data/test-postgres`, has its own).
    let name = data_dir
        .file_name()
        .context("the data folder has no name")?
        .to_string_lossy()
        .into_owned();
    let lock_path = parent.join(format!("{name}.lock"));
    let lock = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .with_context(|| format!("opening {}", lock_path.display()))?;
    lock.lock()
        .context("locking the embedded PostgreSQL folder")?;
    let password_path = parent.join(format!("{name}.password"));

    let mut cluster = EmbeddedPostgres {
        data_dir,
        port: 0,
        database: "postgres".into(),
        password: None,
        server: Server {
            bin_dir,
            run_as,
            owned: false,
        },
    };
    if !cluster.data_dir.join("PG_VERSION").exists() {
        init_cluster(&cluster, &password_path)?;
    }
    // Clusters made before passwords were introduced have none, and trust loopback.
    cluster.password = fs::read_to_string(&password_path)
        .ok()
        .map(|password| password.trim().to_owned());
    match running_port(&cluster) {
        Some(port) => cluster.port = port,
        None => {
            cluster.port = free_port()?;
            start_server(&cluster)?;
            cluster.server.owned = true;
        }
    }
    Ok(cluster)
}

fn init_cluster(cluster: &EmbeddedPostgres, password_path: &Path) -> anyhow::Result<()> {
    let run_as = cluster.server.run_as.as_ref();
    fs::create_dir_all(&cluster.data_dir)
        .with_context(|| format!("creating {}", cluster.data_dir.display()))?;
    fs::set_permissions(&cluster.data_dir, fs::Permissions::from_mode(0o700))?;
    if let Some(user) = run_as {
        std::os::unix::fs::chown(&cluster.data_dir, Some(user.uid), Some(user.gid))
            .with_context(|| format!("giving {} to {}", cluster.data_dir.display(), user.name))?;
    }
    // Other users of this machine can reach the loopback port: the superuser gets a password,
    // kept in a file only we can read. initdb reads it from a file too; when initdb runs as
    // another user, that is a copy in a private temporary folder of that user's.
    let password = random_password();
    write_private(password_path, &password, None)?;
    let handoff = match run_as {
        Some(user) => {
            let dir = std::env::temp_dir().join(format!("app-initdb-{}", &random_password()[..12]));
            fs::create_dir(&dir)?;
            fs::set_permissions(&dir, fs::Permissions::from_mode(0o700))?;
            std::os::unix::fs::chown(&dir, Some(user.uid), Some(user.gid))?;
            let file = dir.join("password");
            write_private(&file, &password, Some(user))?;
            Some((dir, file))
        }
        None => None,
    };
    let pwfile = handoff
        .as_ref()
        .map_or(password_path, |(_, file)| file.as_path());
    let output = command(&cluster.server.bin_dir.join("initdb"), run_as)
        .arg("-D")
        .arg(&cluster.data_dir)
        .arg("--pwfile")
        .arg(pwfile)
        .args([
            "-A",
            "scram-sha-256",
            "-U",
            SUPERUSER,
            "-E",
            "UTF8",
            "--no-sync",
        ])
        .output()
        .context("running initdb");
    if let Some((dir, _)) = handoff {
        let _ = fs::remove_dir_all(dir);
    }
    check(output?, "initdb")
}

/// Writes `content` to a new file readable only by its owner (`owner`, or us).
fn write_private(path: &Path, content: &str, owner: Option<&UnixUser>) -> anyhow::Result<()> {
    let mut file = File::options()
        .create(true)
        .truncate(true)
        .write(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    file.write_all(content.as_bytes())?;
    if let Some(user) = owner {
        std::os::unix::fs::chown(path, Some(user.uid), Some(user.gid))?;
    }
    Ok(())
}

fn random_password() -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut bytes = [0u8; 24];
    OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The folder holding the lock and password files must be closed to other users, or one of
/// them could plant a link there for us to follow.
fn check_private(dir: &Path) -> anyhow::Result<()> {
    let meta = fs::symlink_metadata(dir)?;
    if meta.file_type().is_symlink() || meta.mode() & 0o022 != 0 {
        bail!(
            "{} must be a folder only its owner can write to",
            dir.display()
        );
    }
    if running_as_root() && meta.uid() != 0 {
        bail!("{} must belong to root when running as root", dir.display());
    }
    Ok(())
}

fn start_server(cluster: &EmbeddedPostgres) -> anyhow::Result<()> {
    // Loopback TCP only: socket paths under a deep project folder can exceed the OS limit.
    let options = format!(
        "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c fsync=off",
        cluster.port
    );
    let output = cluster
        .server
        .pg_ctl()
        .arg("start")
        .arg("-D")
        .arg(&cluster.data_dir)
        .arg("-l")
        .arg(cluster.data_dir.join("server.log"))
        .args(["-o", &options, "-w", "-t", "30", "-s"])
        .output()
        .context("running pg_ctl start")?;
    check(output, "pg_ctl start").with_context(|| {
        format!(
            "the embedded PostgreSQL did not start; see {}",
            cluster.data_dir.join("server.log").display()
        )
    })
}

/// The port of a server already running on this data folder, read from `postmaster.pid`.
fn running_port(cluster: &EmbeddedPostgres) -> Option<u16> {
    let status = cluster
        .server
        .pg_ctl()
        .arg("status")
        .arg("-D")
        .arg(&cluster.data_dir)
        .output()
        .ok()?;
    if !status.status.success() {
        return None;
    }
    let pid_file = fs::read_to_string(cluster.data_dir.join("postmaster.pid")).ok()?;
    // Line 4 of postmaster.pid is the port.
    pid_file.lines().nth(3)?.trim().parse().ok()
}

fn check(output: Output, what: &str) -> anyhow::Result<()> {
    if output.status.success() {
        return Ok(());
    }
    bail!(
        "{what} failed: {}{}",
        String::from_utf8_lossy(&output.stderr).trim(),
        String::from_utf8_lossy(&output.stdout).trim()
    )
}

fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}
