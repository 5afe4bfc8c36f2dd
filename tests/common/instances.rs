//! The app's binary run as real, separate processes: for tests of what several instances
//! share (the database, storage, Valkey) and of what happens when one of them dies.
//!
//! ```text
//! let db = TestDatabase::new().await;
//! let a = Instance::start(&[("DATABASE_URL", &db.url), ("JOBS_LEASE_SECS", "2")]).await;
//! let b = Instance::start(&[("DATABASE_URL", &db.url)]).await;
//! reqwest::get(a.url("/health/live")).await;
//! a.kill();                                   // SIGKILL: no shutdown, no clean-up
//! ```
//!
//! Each instance serves on a free port of 127.0.0.1 with `APP_ENV=test` (unless `env` says
//! otherwise), in the temporary folder with only the variables given (see
//! [`starter_command`](super::starter_command)). Its output goes to a log file, shown when it
//! fails to start and available through [`Instance::logs`]. It is killed when dropped.

use std::{
    path::PathBuf,
    process::{Child, Stdio},
    time::{Duration, Instant},
};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::starter_command;

/// How long an instance may take to answer `/health/live` (it migrates first).
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

pub struct Instance {
    pub child: Child,
    pub port: u16,
    log: PathBuf,
}

impl Instance {
    /// Starts `serve` with `env` and waits until it answers `GET /health/live` with a 200.
    pub async fn start(env: &[(&str, &str)]) -> Self {
        let port = free_port();
        let log = std::env::temp_dir().join(format!("instance-{}.log", uuid::Uuid::new_v4()));
        let output = std::fs::File::create(&log).unwrap();
        let mut command = starter_command();
        command
            .env("APP_ENV", "test")
            .env("HOST", "127.0.0.1")
            .env("LOG_FORMAT", "text")
            .envs(env.iter().copied())
            .env("PORT", port.to_string())
            .arg("serve")
            .stdin(Stdio::null())
            .stdout(output.try_clone().unwrap())
            .stderr(output);
        let child = command.spawn().unwrap();
        let mut instance = Self { child, port, log };
        instance.wait_until_live().await;
        instance
    }

    async fn wait_until_live(&mut self) {
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!(
                    "instance on port {} exited with {status} while starting:\n{}",
                    self.port,
                    self.logs()
                );
            }
            if self.status_of("/health/live").await == Some(200) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "instance on port {} did not answer /health/live within {STARTUP_TIMEOUT:?}:\n{}",
                self.port,
                self.logs()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The status of a plain `GET path`, or none when the instance does not answer.
    pub async fn status_of(&self, path: &str) -> Option<u16> {
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", self.port))
            .await
            .ok()?;
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
            self.port
        );
        stream.write_all(request.as_bytes()).await.ok()?;
        let mut head = [0u8; 12];
        stream.read_exact(&mut head).await.ok()?;
        std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
    }

    /// `http://127.0.0.1:{port}{path}`
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// What the instance has logged so far.
    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Kills the process at once (SIGKILL): it gets no chance to shut down or clean up, as
    /// when its machine dies.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// A port nothing listens on now (the OS picks it; another process could take it before the
/// instance binds it, which the OS makes unlikely by not reusing ports at once).
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}
