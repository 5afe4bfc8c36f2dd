//! The embedded default database: a private PostgreSQL cluster started from the PostgreSQL
//! binaries already on the machine, so that `cargo run` works on a fresh clone with no
//! configuration and no Docker.
//!
//! The cluster lives under `.data/postgres` of the project (git-ignored), listens on a free
//! loopback port with a generated password (kept in `.data/postgres.password`, readable only
//! by you), and is stopped when the process that started it exits. A cluster already running
//! (a second `cargo run`, or the test suite) is reused, and left to the process that started
//! it. PostgreSQL refuses to run as root, so under root the server runs as the `postgres` (or
//! `nobody`) user.

use std::{
    fs::{self, File},
    io,
    io::Write,
    os::unix::{
        fs::{MetadataExt, OpenOptionsExt, PermissionsExt},
        process::CommandExt,
    },
    path::{Path, PathBuf},
    process::{Command, Output},
};

use anyhow::{Context, bail};
use sqlx::{Connection, PgConnection, postgres::PgConnectOptions};

/// The database the app uses inside the embedded cluster.
const APP_DATABASE: &str = "app_development";
const SUPERUSER: &str = "postgres";

pub struct EmbeddedPostgres {
    data_dir: PathBuf,
    bin_dir: PathBuf,
    port: u16,
    database: String,
    password: Option<String>,
    run_as: Option<UnixUser>,
    /// Whether this process started the server (and so stops it on drop).
    owns_server: bool,
}

impl EmbeddedPostgres {
    /// Starts (or reuses) the development cluster in `.data/postgres` of the current folder.
    pub async fn start_in_project() -> anyhow::Result<Self> {
        let data_dir = std::env::current_dir()
            .context("reading the current folder")?
            .join(".data")
            .join("postgres");
        let cluster = Self::start(data_dir).await?;
        cluster.create_database(APP_DATABASE).await?;
        Ok(cluster.with_database(APP_DATABASE))
    }

    /// Starts the cluster kept in `data_dir`, creating it on first use. Waits until it accepts
    /// connections. Concurrent callers on the same folder are serialised by a lock file.
    pub async fn start(data_dir: PathBuf) -> anyhow::Result<Self> {
        tokio::task::spawn_blocking(move || start_blocking(data_dir))
            .await
            .context("starting the embedded PostgreSQL")?
    }

    /// Creates `name` in the cluster unless it exists.
    pub async fn create_database(&self, name: &str) -> anyhow::Result<()> {
        let mut conn = PgConnection::connect_with(&self.connect_options().database("postgres"))
            .await
            .context("connecting to the embedded PostgreSQL")?;
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                .bind(name)
                .fetch_one(&mut conn)
                .await?;
        if !exists {
            // Identifiers cannot be bound; `name` is ours, not user input, but quote it anyway.
            let statement = format!("CREATE DATABASE \"{}\"", name.replace('"', "\"\""));
            sqlx::query(&statement).execute(&mut conn).await?;
        }
        Ok(())
    }

    fn with_database(mut self, name: &str) -> Self {
        name.clone_into(&mut self.database);
        self
    }

    pub fn connect_options(&self) -> PgConnectOptions {
        let options = PgConnectOptions::new()
            .host("127.0.0.1")
            .port(self.port)
            .username(SUPERUSER)
            .database(&self.database);
        match &self.password {
            Some(password) => options.password(password),
            None => options,
        }
    }

    /// The same as [`Self::connect_options`], as a URL (for `DATABASE_URL`).
    pub fn url(&self) -> String {
        let password = self
            .password
            .as_ref()
            .map(|password| format!(":{password}"))
            .unwrap_or_default();
        format!(
            "postgres://{SUPERUSER}{password}@127.0.0.1:{}/{}",
            self.port, self.database
        )
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Leaves the server running after this value is dropped (the test suite shares one
    /// cluster across test processes).
    pub fn leave_running(mut self) -> PgConnectOptions {
        self.owns_server = false;
        self.connect_options()
    }

    fn pg_ctl(&self) -> Command {
        command(&self.bin_dir.join("pg_ctl"), self.run_as.as_ref())
    }
}

impl Drop for EmbeddedPostgres {
    fn drop(&mut self) {
        if !self.owns_server {
            return;
        }
        let result = self
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

fn start_blocking(data_dir: PathBuf) -> anyhow::Result<EmbeddedPostgres> {
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
        bin_dir,
        port: 0,
        database: "postgres".into(),
        password: None,
        run_as,
        owns_server: false,
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
            cluster.owns_server = true;
        }
    }
    Ok(cluster)
}

fn init_cluster(cluster: &EmbeddedPostgres, password_path: &Path) -> anyhow::Result<()> {
    fs::create_dir_all(&cluster.data_dir)
        .with_context(|| format!("creating {}", cluster.data_dir.display()))?;
    fs::set_permissions(&cluster.data_dir, fs::Permissions::from_mode(0o700))?;
    if let Some(user) = &cluster.run_as {
        std::os::unix::fs::chown(&cluster.data_dir, Some(user.uid), Some(user.gid))
            .with_context(|| format!("giving {} to {}", cluster.data_dir.display(), user.name))?;
    }
    // Other users of this machine can reach the loopback port: the superuser gets a password,
    // kept in a file only we can read. initdb reads it from a file too; when initdb runs as
    // another user, that is a copy in a private temporary folder of that user's.
    let password = random_password();
    write_private(password_path, &password, None)?;
    let handoff = match &cluster.run_as {
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
    let output = command(&cluster.bin_dir.join("initdb"), cluster.run_as.as_ref())
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
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
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

fn command(program: &Path, run_as: Option<&UnixUser>) -> Command {
    let mut command = Command::new(program);
    // The server inherits neither our locale quirks nor a PGDATA pointing elsewhere.
    command.env_remove("PGDATA").env("LC_ALL", "C");
    if let Some(user) = run_as {
        command.uid(user.uid).gid(user.gid).current_dir("/");
    }
    command
}

fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

/// Where PostgreSQL's server binaries are: `PATH`, `pg_config --bindir`, then the usual
/// Debian, Homebrew and source-install locations (newest version first).
fn find_bin_dir() -> Option<PathBuf> {
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

fn no_postgres_found() -> anyhow::Error {
    anyhow::anyhow!(
        "no database: DATABASE_URL is not set and no PostgreSQL server binaries (initdb, pg_ctl) \
         were found to start an embedded one. Either set DATABASE_URL to a PostgreSQL server \
         (see .env.example), or run `docker compose up -d postgres` and use the DATABASE_URL \
         from .env.example, or install PostgreSQL (Debian/Ubuntu: `apt-get install \
         postgresql`, macOS: `brew install postgresql@17`)"
    )
}

/// Under root the data folder must be reachable by the unprivileged user; if a parent folder
/// is closed to it (a project under `/root`, say), the cluster goes to the temp folder instead,
/// keyed by the project path so each project keeps its own.
fn fallback_data_dir(wanted: &Path) -> PathBuf {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(wanted.as_os_str().as_encoded_bytes());
    let key: String = digest[..6]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    std::env::temp_dir()
        .join(format!("app-postgres-{key}"))
        .join("postgres")
}

fn running_as_root() -> bool {
    // Linux only; elsewhere developers do not run their dev server as root.
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|line| line.starts_with("Uid:"))?;
            line.split_whitespace().nth(2).map(|euid| euid == "0")
        })
        .unwrap_or(false)
}

struct UnixUser {
    name: String,
    uid: u32,
    gid: u32,
}

impl UnixUser {
    /// The `postgres` user that Debian's packages create, or `nobody`.
    fn unprivileged() -> anyhow::Result<Self> {
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
    fn can_reach(&self, path: &Path) -> bool {
        path.ancestors().skip(1).all(|dir| match fs::metadata(dir) {
            Ok(meta) => {
                use std::os::unix::fs::MetadataExt;
                let mode = meta.mode();
                mode & 0o001 != 0 || (meta.uid() == self.uid && mode & 0o100 != 0)
            }
            Err(error) => error.kind() == io::ErrorKind::NotFound,
        })
    }
}
