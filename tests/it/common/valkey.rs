//! A Valkey-compatible server (`redis-server`) of the test's own, on a free loopback port, so
//! that a test can stop it and start it again without touching anyone else's.
//!
//! ```text
//! let valkey = TestValkey::start();
//! // ... instances with VALKEY_URL=valkey.url() ...
//! valkey.stop();          // an outage
//! valkey.start_again();   // same port, empty: as a restarted cache would be
//! ```

use std::{
    io::{Read, Write},
    net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// How long a fresh server may take to answer PING.
const START_TIMEOUT: Duration = Duration::from_secs(10);

pub struct TestValkey {
    port: u16,
    child: Option<Child>,
}

impl TestValkey {
    /// A new, empty server; fails with what to install when `redis-server` is missing.
    pub fn start() -> Self {
        let mut valkey = Self {
            port: free_port(),
            child: None,
        };
        valkey.start_again();
        valkey
    }

    /// `redis://127.0.0.1:{port}`, for `VALKEY_URL`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Kills the server and waits for it to be gone: connections to it drop, and new ones are
    /// refused.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port (empty: nothing is saved) and waits until it
    /// answers PING.
    pub fn start_again(&mut self) {
        assert!(self.child.is_none(), "the test Valkey is already running");
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let mut child = spawn(self.port);
            loop {
                if answers_ping(self.port) {
                    self.child = Some(child);
                    return;
                }
                if let Ok(Some(status)) = child.try_wait() {
                    // The port may still be held by the killed server's sockets for a moment.
                    let mut stderr = String::new();
                    if let Some(mut pipe) = child.stderr.take() {
                        let _ = pipe.read_to_string(&mut stderr);
                    }
                    assert!(
                        Instant::now() < deadline,
                        "redis-server on port {} exited ({status}):\n{stderr}",
                        self.port
                    );
                    std::thread::sleep(Duration::from_millis(100));
                    break;
                }
                if Instant::now() >= deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!(
                        "redis-server on port {} did not answer PING within {START_TIMEOUT:?}",
                        self.port
                    );
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }

    /// A client of this server, for the test's own commands (PUBLISH, KEYS ...).
    pub fn client(&self) -> redis::Client {
        redis::Client::open(self.url()).unwrap()
    }
}

impl Drop for TestValkey {
    fn drop(&mut self) {
        self.stop();
    }
}

fn spawn(port: u16) -> Child {
    Command::new("redis-server")
        .args(["--port", &port.to_string()])
        .args(["--bind", "127.0.0.1"])
        .args(["--save", ""])
        .args(["--appendonly", "no"])
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| {
            panic!(
                "cannot start redis-server ({error}): the multi-instance tests need it. Install \
                 it (`apt-get install redis-server`, or Valkey's `valkey-server` under that name)."
            )
        })
}

fn answers_ping(port: u16) -> bool {
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let Ok(mut stream) = TcpStream::connect_timeout(&address, Duration::from_millis(200)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    if stream.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut answer = [0u8; 7];
    stream.read_exact(&mut answer).is_ok() && &answer == b"+PONG\r\n"
}

/// A loopback port nobody listens on at the moment.
pub fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
