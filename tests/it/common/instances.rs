//! The app's binary run as separate processes (`serve`), as instances behind a load balancer
//! would be, and a browser-like HTTP client that can talk to any of them.
//!
//! ```text
//! let a = Instance::start(&[("DATABASE_URL", &db.url), ("VALKEY_URL", &valkey.url())]);
//! let ada = WebClient::new();
//! ada.log_in(&a, "ada@example.com").await;
//! ada.get(&b.url("/account")).await;   // the same cookies, another instance
//! ```

use std::{
    collections::BTreeMap,
    io::{Read, Write},
    net::{Ipv4Addr, SocketAddr, TcpStream},
    process::{Child, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use reqwest::{StatusCode, header::HeaderMap};

use super::{
    accounts::PASSWORD,
    starter_command,
    uploads::{Part, multipart},
    valkey::free_port,
};

/// How long an instance may take to answer `GET /health/live` (it migrates first).
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// The most of an instance's output kept for a failure message.
const OUTPUT_KEPT: usize = 64 * 1024;

/// One running `serve` process.
pub struct Instance {
    pub child: Child,
    pub port: u16,
    output: Arc<Mutex<String>>,
}

impl Instance {
    /// Runs the app on a free port with `APP_ENV=test` and `env` (DATABASE_URL, VALKEY_URL,
    /// ...), and waits until `GET /health/live` answers 200.
    pub fn start(env: &[(&str, &str)]) -> Instance {
        // A port found free may be taken by someone else before the app binds it.
        for _ in 0..3 {
            if let Some(instance) = Self::try_start(env) {
                return instance;
            }
        }
        panic!("the app found its port taken three times in a row");
    }

    /// `None` when the port was taken meanwhile.
    fn try_start(env: &[(&str, &str)]) -> Option<Instance> {
        let port = free_port();
        let mut command = starter_command();
        command
            .arg("serve")
            .env("APP_ENV", "test")
            .env("PORT", port.to_string())
            .env("RUST_LOG", "info")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().unwrap();
        // Drained all along: a full pipe would stall the server.
        let output = Arc::new(Mutex::new(String::new()));
        if let Some(stdout) = child.stdout.take() {
            drain(stdout, output.clone());
        }
        if let Some(stderr) = child.stderr.take() {
            drain(stderr, output.clone());
        }
        let mut instance = Instance {
            child,
            port,
            output,
        };
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Ok(Some(status)) = instance.child.try_wait() {
                // Let the readers collect the last lines.
                std::thread::sleep(Duration::from_millis(100));
                if instance.output().contains("in use") {
                    return None;
                }
                panic!(
                    "the app exited before answering /health/live ({status}):\n{}",
                    instance.output()
                );
            }
            if instance.is_live() {
                return Some(instance);
            }
            if Instant::now() >= deadline {
                instance.kill();
                panic!(
                    "the app did not answer /health/live within {START_TIMEOUT:?}:\n{}",
                    instance.output()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `http://127.0.0.1:{port}{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// The most memory the process has held so far (its peak resident set, `VmHWM`), in bytes.
    #[cfg(target_os = "linux")]
    pub fn peak_memory(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let kib: u64 = status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("no VmHWM in /proc/{}/status", self.child.id()));
        kib * 1024
    }

    /// Ends the process at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// What the process wrote so far (stdout and stderr, the last 64 KiB), for failure
    /// messages.
    pub fn output(&self) -> String {
        self.output
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// `GET /health/live` is 200; a blocking HTTP/1.0 request, so that starting needs no
    /// runtime.
    fn is_live(&self) -> bool {
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let Ok(mut stream) = TcpStream::connect_timeout(&address, Duration::from_millis(200))
        else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
        let request = "GET /health/live HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
        if stream.write_all(request.as_bytes()).is_err() {
            return false;
        }
        let mut head = [0u8; 12];
        stream.read_exact(&mut head).is_ok()
            && (head.starts_with(b"HTTP/1.0 200") || head.starts_with(b"HTTP/1.1 200"))
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
    }
}

fn drain(mut pipe: impl Read + Send + 'static, into: Arc<Mutex<String>>) {
    std::thread::spawn(move || {
        let mut buffer = [0u8; 8192];
        while let Ok(read) = pipe.read(&mut buffer) {
            if read == 0 {
                return;
            }
            let mut kept = into.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            kept.push_str(&String::from_utf8_lossy(&buffer[..read]));
            if kept.len() > OUTPUT_KEPT {
                let mut cut = kept.len() - OUTPUT_KEPT;
                while !kept.is_char_boundary(cut) {
                    cut += 1;
                }
                kept.drain(..cut);
            }
        }
    });
}

/// A browser's session with the app, on any instance: one cookie jar (cookies are not
/// port-specific, so instances on one host share it, as behind a load balancer), redirects
/// not followed, and state-changing requests sent as a same-origin page sends them (the CSRF
/// check reads `Sec-Fetch-Site`).
pub struct WebClient {
    http: reqwest::Client,
    cookies: Mutex<BTreeMap<String, String>>,
}

/// A whole response.
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// A 303 to the login page, as signed-in pages answer without a session.
    pub fn redirects_to_login(&self) -> bool {
        self.status == StatusCode::SEE_OTHER
            && self
                .header("location")
                .is_some_and(|location| location.starts_with("/login"))
    }
}

impl Default for WebClient {
    fn default() -> Self {
        Self::new()
    }
}

impl WebClient {
    pub fn new() -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(Duration::from_secs(5))
                .build()
                .unwrap(),
            cookies: Mutex::default(),
        }
    }

    /// Another client with this one's cookies as they are now: a second tab, or a copy of
    /// the cookie someone kept.
    pub fn copy(&self) -> Self {
        let copy = Self::new();
        *copy.jar() = self.jar().clone();
        copy
    }

    fn jar(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, String>> {
        self.cookies
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Sends `request` with the jar's cookies and keeps the cookies the answer sets. The body
    /// is left unread (for event streams).
    pub async fn send(&self, request: reqwest::RequestBuilder) -> reqwest::Response {
        let cookie = {
            let jar = self.jar();
            jar.iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect::<Vec<_>>()
                .join("; ")
        };
        let request = if cookie.is_empty() {
            request
        } else {
            request.header("cookie", cookie)
        };
        let response = request.send().await.unwrap();
        for set_cookie in response.headers().get_all("set-cookie") {
            let set_cookie = set_cookie.to_str().unwrap();
            let pair = set_cookie.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            let lower = set_cookie.to_ascii_lowercase();
            let expired = lower.contains("max-age=0") || lower.contains("expires=thu, 01 jan 1970");
            if expired || value.is_empty() {
                self.jar().remove(name.trim());
            } else {
                self.jar().insert(name.trim().to_owned(), value.to_owned());
            }
        }
        response
    }

    /// A GET, its body read.
    pub async fn get(&self, url: &str) -> Page {
        let request = self.http.get(url).timeout(Duration::from_secs(10));
        read(self.send(request).await).await
    }

    /// A GET whose body is left to the caller (an event stream).
    pub async fn open(&self, url: &str) -> reqwest::Response {
        let request = self.http.get(url).header("accept", "text/event-stream");
        self.send(request).await
    }

    /// A form POST as a page of the app sends it.
    pub async fn post(&self, url: &str, form: &[(&str, &str)]) -> Page {
        let request = same_origin(self.http.post(url), url).form(form);
        read(self.send(request).await).await
    }

    /// A form POST as a page of the app sends it, through a reverse proxy that forwards the
    /// client as `forwarded_for` (for instances run with `CLIENT_IP_SOURCE=RightmostXForwardedFor`).
    pub async fn post_forwarded_for(
        &self,
        url: &str,
        form: &[(&str, &str)],
        forwarded_for: &str,
    ) -> Page {
        let request = same_origin(self.http.post(url), url)
            .header("x-forwarded-for", forwarded_for)
            .form(form);
        read(self.send(request).await).await
    }

    /// Files sent through the upload form (`multipart/form-data`), as a page of the app would.
    pub async fn upload(&self, url: &str, parts: &[Part<'_>]) -> Page {
        let (content_type, body) = multipart(parts);
        let request = same_origin(self.http.post(url), url)
            .header("content-type", content_type)
            .body(body);
        read(self.send(request).await).await
    }

    /// Logs in through `instance`'s login form as `email` with the fixtures' password;
    /// panics unless it is the 303 of a successful login.
    pub async fn log_in(&self, instance: &Instance, email: &str) {
        let page = self
            .post(
                &instance.url("/login"),
                &[("email", email), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "login as {email} failed: {}",
            page.body
        );
        assert!(
            !self.jar().is_empty(),
            "the login set no cookie: {:?}",
            page.headers
        );
    }
}

/// The headers a browser sends with a form of the page at `url`'s origin.
fn same_origin(request: reqwest::RequestBuilder, url: &str) -> reqwest::RequestBuilder {
    let origin = url
        .find("://")
        .and_then(|scheme| {
            url[scheme + 3..]
                .find('/')
                .map(|path| &url[..scheme + 3 + path])
        })
        .unwrap_or(url)
        .to_owned();
    request
        .timeout(Duration::from_secs(10))
        .header("sec-fetch-site", "same-origin")
        .header("origin", origin)
}

async fn read(response: reqwest::Response) -> Page {
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.text().await.unwrap();
    Page {
        status,
        headers,
        body,
    }
}
