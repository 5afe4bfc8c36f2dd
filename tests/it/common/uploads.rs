//! Uploads as a browser sends them (`multipart/form-data`), and the file storage a test runs
//! the app on: a local folder of its own, or an S3 server of its own (`s3s-fs`, served from
//! inside the test process).
//!
//! ```text
//! let storage = TestStorage::local();            // or TestStorage::s3()
//! let app = storage.app(&[("UPLOAD_MAX_BYTES", "65536")]).await;
//! let mut ada = app.signed_in("ada@example.com").await;
//! let response = ada.upload(&[Part::file("photo.png", &png)]).await;
//! ```

use std::{
    net::{SocketAddr, TcpListener},
    path::{Path, PathBuf},
    thread::JoinHandle,
    time::Duration,
};

use axum::{body::Body, http::Request};

use super::{TestApp, TestClient, TestResponse, test_config};

/// One part of a multipart body.
pub struct Part<'a> {
    pub field: &'a str,
    /// Written between the quotes of `filename="…"` as it is: a test may put escapes there.
    pub filename: Option<&'a str>,
    pub content_type: &'a str,
    pub bytes: &'a [u8],
}

impl<'a> Part<'a> {
    /// A file in the `file` field, claimed to be a PNG whatever it holds (browsers guess from
    /// the name; the app must not care).
    pub fn file(filename: &'a str, bytes: &'a [u8]) -> Self {
        Self {
            field: "file",
            filename: Some(filename),
            content_type: "image/png",
            bytes,
        }
    }
}

const BOUNDARY: &str = "----starter-test-boundary-7MA4YWxkTrZu0gW";

/// The body and its `Content-Type`.
pub fn multipart(parts: &[Part<'_>]) -> (String, Vec<u8>) {
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        let filename = part
            .filename
            .map(|name| format!("; filename=\"{name}\""))
            .unwrap_or_default();
        body.extend_from_slice(
            format!(
                "Content-Disposition: form-data; name=\"{}\"{filename}\r\nContent-Type: {}\r\n\r\n",
                part.field, part.content_type
            )
            .as_bytes(),
        );
        body.extend_from_slice(part.bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}

impl TestClient<'_> {
    /// Submits the upload form as a page without script does.
    pub async fn upload(&mut self, parts: &[Part<'_>]) -> TestResponse {
        self.send(upload_request(parts, false)).await
    }

    /// Submits the upload form as htmx does.
    pub async fn upload_htmx(&mut self, parts: &[Part<'_>]) -> TestResponse {
        self.send(upload_request(parts, true)).await
    }
}

pub fn upload_request(parts: &[Part<'_>], htmx: bool) -> Request<Body> {
    let (content_type, body) = multipart(parts);
    let mut request = Request::post("/files")
        .header("content-type", content_type)
        .header("content-length", body.len())
        .header("sec-fetch-site", "same-origin")
        .header("origin", "http://localhost:3000");
    if htmx {
        request = request.header("hx-request", "true");
    }
    request.body(Body::from(body)).unwrap()
}

/// Where a test's app keeps files.
pub enum TestStorage {
    Local(PathBuf),
    S3(S3Server),
}

impl TestStorage {
    /// A folder of its own under the system's temporary folder.
    pub fn local() -> Self {
        Self::Local(temp_dir("uploads"))
    }

    /// An S3 server of its own.
    pub fn s3() -> Self {
        Self::S3(S3Server::start())
    }

    /// The variables that point the app at this storage.
    pub fn variables(&self) -> Vec<(&'static str, String)> {
        match self {
            Self::Local(dir) => vec![("UPLOADS_DIR", dir.display().to_string())],
            Self::S3(server) => vec![
                ("S3_ENDPOINT", server.endpoint()),
                ("S3_ACCESS_KEY", S3Server::ACCESS_KEY.into()),
                ("S3_SECRET_KEY", S3Server::SECRET_KEY.into()),
                ("S3_BUCKET", "test-uploads".into()),
            ],
        }
    }

    /// The app on this storage, prepared as at startup (the bucket created), with `extra`
    /// variables.
    pub async fn app(&self, extra: &[(&str, &str)]) -> TestApp {
        let variables = self.variables();
        let mut all: Vec<(&str, &str)> = variables
            .iter()
            .map(|(name, value)| (*name, value.as_str()))
            .collect();
        all.extend_from_slice(extra);
        let app = TestApp::with_config(test_config(&all)).await;
        app.state.storage.prepare().await.unwrap();
        app
    }
}

impl Drop for TestStorage {
    fn drop(&mut self) {
        if let Self::Local(dir) = self {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn temp_dir(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("starter-test-{what}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// An S3 server that checks signatures and the expiry of presigned links (the `s3s` crate
/// over `s3s-fs`'s folder storage), on a free loopback port over a folder of its own. It runs
/// on a thread with its own runtime, so it answers whatever the test's runtime is doing, and
/// stopping it drops every connection at once, as the death of a server process would.
/// Stopped when dropped.
pub struct S3Server {
    address: SocketAddr,
    dir: PathBuf,
    running: Option<Running>,
}

struct Running {
    stop: tokio::sync::oneshot::Sender<()>,
    thread: JoinHandle<()>,
}

impl S3Server {
    pub const ACCESS_KEY: &str = "test-access-key";
    pub const SECRET_KEY: &str = "test-secret-key";

    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut server = Self {
            address: listener.local_addr().unwrap(),
            dir: temp_dir("s3"),
            running: None,
        };
        server.serve(listener);
        server
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Stops the server, as an outage would: connections are cut and the port refuses.
    pub fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            let _ = running.stop.send(());
            let _ = running.thread.join();
        }
    }

    /// Starts it again on the same port and data.
    pub fn resume(&mut self) {
        if self.running.is_none() {
            self.serve(TcpListener::bind(self.address).unwrap());
        }
    }

    fn serve(&mut self, listener: TcpListener) {
        listener.set_nonblocking(true).unwrap();
        let storage = s3s_fs::FileSystem::new(&self.dir).unwrap();
        let mut service = s3s::service::S3ServiceBuilder::new(storage);
        service.set_auth(s3s::auth::SimpleAuth::from_single(
            Self::ACCESS_KEY,
            Self::SECRET_KEY,
        ));
        let service = service.build();
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                loop {
                    let socket = tokio::select! {
                        _ = &mut stopped => break,
                        accepted = listener.accept() => match accepted {
                            Ok((socket, _)) => socket,
                            Err(_) => continue,
                        },
                    };
                    let service = service.clone();
                    tokio::spawn(async move {
                        let connection = hyper::server::conn::http1::Builder::new()
                            .serve_connection(hyper_util::rt::TokioIo::new(socket), service);
                        let _ = connection.await;
                    });
                }
            });
            // Ends the connections' tasks with the listener, closing their sockets.
            runtime.shutdown_timeout(Duration::from_secs(5));
        });
        self.running = Some(Running { stop, thread });
    }

    pub fn data_dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A PNG of `width` × `height` pixels.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    let mut bytes = Vec::new();
    image::DynamicImage::ImageRgb8(image)
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .unwrap();
    bytes
}

/// Every stored object's key under `files/`, sorted.
pub async fn stored_keys(app: &TestApp) -> Vec<String> {
    let mut keys: Vec<String> = app
        .state
        .storage
        .list("files")
        .await
        .unwrap()
        .into_iter()
        .map(|object| object.key.as_str().to_owned())
        .collect();
    keys.sort();
    keys
}

/// How many file records there are, whoever owns them.
pub async fn record_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM files")
        .fetch_one(&app.state.db)
        .await
        .unwrap()
}
