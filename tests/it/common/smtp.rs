//! A real SMTP peer on loopback for the tests: it speaks enough SMTP for lettre (EHLO, MAIL,
//! RCPT, DATA, RSET, NOOP, QUIT), keeps what it receives, and can be stopped and started again
//! on the same port to play an outage, or hold messages (never answer their end of data) to
//! play a server that stalls while the sender is mid-send.

use std::{
    net::SocketAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::Duration,
};

use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
};
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub data: Vec<u8>,
}

/// What the sink keeps across restarts.
#[derive(Default)]
struct Shared {
    inbox: Mutex<Vec<Received>>,
    hold: AtomicBool,
    held: AtomicUsize,
}

type Inbox = Arc<Shared>;

pub struct SmtpSink {
    pub address: SocketAddr,
    inbox: Inbox,
    stop: CancellationToken,
}

impl SmtpSink {
    pub async fn start() -> Self {
        Self::start_on(0, Inbox::default()).await
    }

    /// Listens on `port` (0: any free port), adding to `inbox`.
    async fn start_on(port: u16, inbox: Inbox) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let address = listener.local_addr().unwrap();
        let stop = CancellationToken::new();
        let token = stop.clone();
        let messages = inbox.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    () = token.cancelled() => break,
                    accepted = listener.accept() => {
                        let Ok((stream, _)) = accepted else { break };
                        let token = token.clone();
                        let messages = messages.clone();
                        tokio::spawn(async move {
                            tokio::select! {
                                () = token.cancelled() => {}
                                _ = session(stream, messages) => {}
                            }
                        });
                    }
                }
            }
        });
        Self {
            address,
            inbox,
            stop,
        }
    }

    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// Closes the port and every open connection.
    pub fn stop(&self) {
        self.stop.cancel();
    }

    /// Listens again on the same port, keeping what was received.
    pub async fn restart(&self) -> Self {
        Self::start_on(self.port(), self.inbox.clone()).await
    }

    pub fn received(&self) -> Vec<Received> {
        self.inbox.inbox.lock().unwrap().clone()
    }

    /// While `hold` is on, a message's data is read but never answered (nor kept): the
    /// sender waits, mid-send, until it gives up or dies.
    pub fn hold(&self, hold: bool) {
        self.inbox.hold.store(hold, Ordering::SeqCst);
    }

    /// How many messages have been held so far.
    pub fn held(&self) -> usize {
        self.inbox.held.load(Ordering::SeqCst)
    }

    /// Waits until at least `count` messages have arrived.
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "only {} of {count} messages arrived",
                received.len()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

async fn session(stream: TcpStream, inbox: Inbox) -> std::io::Result<()> {
    let (reader, mut writer) = stream.into_split();
    let mut lines = BufReader::new(reader);
    writer.write_all(b"220 sink.test ESMTP\r\n").await?;
    let (mut from, mut to) = (String::new(), Vec::new());
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_ascii_uppercase();
        let reply: &[u8] = if command.starts_with("EHLO") {
            b"250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
        } else if command.starts_with("HELO") || command == "NOOP" {
            b"250 OK\r\n"
        } else if command.starts_with("MAIL FROM:") {
            from = address_in(&line);
            to.clear();
            b"250 OK\r\n"
        } else if command.starts_with("RCPT TO:") {
            to.push(address_in(&line));
            b"250 OK\r\n"
        } else if command == "RSET" {
            from.clear();
            to.clear();
            b"250 OK\r\n"
        } else if command == "DATA" {
            writer
                .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                .await?;
            let mut data = Vec::new();
            loop {
                let mut raw = Vec::new();
                if lines.read_until(b'\n', &mut raw).await? == 0 {
                    return Ok(());
                }
                if raw == b".\r\n" {
                    break;
                }
                // Undo dot-stuffing.
                let raw = raw.strip_prefix(b".").unwrap_or(&raw);
                data.extend_from_slice(raw);
            }
            if inbox.hold.load(Ordering::SeqCst) {
                inbox.held.fetch_add(1, Ordering::SeqCst);
                std::future::pending::<()>().await;
            }
            inbox.inbox.lock().unwrap().push(Received {
                from: std::mem::take(&mut from),
                to: std::mem::take(&mut to),
                data,
            });
            b"250 OK queued\r\n"
        } else if command == "QUIT" {
            writer.write_all(b"221 Bye\r\n").await?;
            return Ok(());
        } else {
            b"502 Command not implemented\r\n"
        };
        writer.write_all(reply).await?;
    }
}

fn address_in(line: &str) -> String {
    line.split_once('<')
        .and_then(|(_, rest)| rest.split_once('>'))
        .map(|(address, _)| address.to_owned())
        .unwrap_or_default()
}
