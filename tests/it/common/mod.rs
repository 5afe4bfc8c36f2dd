//! Test harness: each test gets a fresh, migrated database and drives the real `app()`.
//!
//! The PostgreSQL server is the one `DATABASE_URL` points at (any database on it; tests
//! create and drop their own), or, when it is unset, a private cluster that the first test
//! starts under `.data/test-postgres` and later tests and test processes reuse. Without
//! either, tests fail with a message saying what to install or set.
// The integration tests use one part of the harness and the system tier another.
#![allow(dead_code)]

pub mod a11y;
pub mod accounts;
pub mod bombs;
pub mod browser;
pub mod checkers;
pub mod events;
pub mod instances;
pub mod outage;
pub mod requests;
pub mod smtp;
pub mod uploads;
pub mod valkey;

use std::{sync::Arc, time::Duration};

use app::{
    AppState, backends::database::MIGRATOR, backends::embedded_postgres::EmbeddedPostgres,
    config::Config,
};
use axum::{
    Router,
    body::Body,
    http::{HeaderMap, Request, StatusCode},
};
use http_body_util::BodyExt;
use scraper::{ElementRef, Html, Selector};
use sha2::{Digest, Sha256};
use sqlx::{
    Connection, Executor, PgConnection, PgPool,
    postgres::{PgConnectOptions, PgPoolOptions},
};
use tokio::sync::OnceCell;
use tower::ServiceExt;

/// The server tests create their databases on: its connection options and a URL (for
/// child processes), both naming its maintenance database.
async fn server() -> (PgConnectOptions, url::Url) {
    static SERVER: OnceCell<(PgConnectOptions, url::Url)> = OnceCell::const_new();
    SERVER
        .get_or_init(|| async {
            if let Ok(url) = std::env::var("DATABASE_URL")
                && !url.trim().is_empty()
            {
                let options = url
                    .parse()
                    .unwrap_or_else(|error| panic!("DATABASE_URL is not a valid URL: {error}"));
                return (options, url::Url::parse(&url).unwrap());
            }
            let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/.data/test-postgres");
            match EmbeddedPostgres::start(dir.into()).await {
                Ok(cluster) => {
                    let url = url::Url::parse(&cluster.url()).unwrap();
                    (cluster.leave_running(), url)
                }
                Err(error) => panic!(
                    "The tests need PostgreSQL. Set DATABASE_URL to a server the tests may create \
                     databases on (e.g. postgres://postgres@127.0.0.1:5432/postgres), or install \
                     the PostgreSQL server binaries so the tests can start their own.\n{error:#}"
                ),
            }
        })
        .await
        .clone()
}

/// A database that exists for one test and is dropped after it.
pub struct TestDatabase {
    pub pool: PgPool,
    pub options: PgConnectOptions,
    /// For child processes (`DATABASE_URL=...`).
    pub url: String,
    name: String,
    server: PgConnectOptions,
}

impl TestDatabase {
    /// A fresh database with every migration applied: a copy of the migrated template.
    pub async fn new() -> Self {
        let (server, _) = server().await;
        let template = template(&server).await;
        Self::create(&format!("TEMPLATE \"{template}\"")).await
    }

    /// A fresh, empty database.
    pub async fn unmigrated() -> Self {
        Self::create("").await
    }

    /// A database named for this test, created with `options` (e.g. its template).
    async fn create(options: &str) -> Self {
        let (server, server_url) = server().await;
        let name = format!("test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = connect_admin(&server).await;
        admin
            .execute(format!("CREATE DATABASE \"{name}\" {options}").as_str())
            .await
            .unwrap();
        admin.close().await.unwrap();
        let options = server.clone().database(&name);
        let mut url = server_url;
        url.set_path(&name);
        let pool = PgPoolOptions::new()
            .max_connections(5)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options.clone())
            .await
            .unwrap();
        Self {
            pool,
            options,
            url: url.to_string(),
            name,
            server,
        }
    }
}

async fn connect_admin(server: &PgConnectOptions) -> PgConnection {
    PgConnection::connect_with(server)
        .await
        .unwrap_or_else(|error| panic!("cannot connect to the test PostgreSQL server: {error}"))
}

/// The database every test database is copied from (`CREATE DATABASE ... TEMPLATE`): migrated
/// once, rather than once per test. Its name holds a hash of the migrations, so a change to
/// them gets a template of its own, and test processes that run at once against one server
/// (this binary, the system tier, a generated project's tests) share a template only when
/// their migrations are the same. It is built under another name and renamed when complete,
/// under an advisory lock, so no process ever copies a half-migrated template.
async fn template(server: &PgConnectOptions) -> String {
    static TEMPLATE: OnceCell<String> = OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            let mut hash = Sha256::new();
            for migration in MIGRATOR.iter() {
                hash.update(migration.version.to_le_bytes());
                hash.update(&migration.checksum);
            }
            let hash = format!("{:x}", hash.finalize());
            let name = format!("test_template_{}", &hash[..16]);
            let mut admin = connect_admin(server).await;
            sqlx::query("SELECT pg_advisory_lock(hashtext($1))")
                .bind(&name)
                .execute(&mut admin)
                .await
                .unwrap();
            let exists: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)")
                    .bind(&name)
                    .fetch_one(&mut admin)
                    .await
                    .unwrap();
            if !exists {
                // A build left by a process that died half way is dropped and done again.
                let building = format!("{name}_building");
                admin
                    .execute(
                        format!("DROP DATABASE IF EXISTS \"{building}\" WITH (FORCE)").as_str(),
                    )
                    .await
                    .unwrap();
                admin
                    .execute(format!("CREATE DATABASE \"{building}\"").as_str())
                    .await
                    .unwrap();
                let mut migrating = PgConnection::connect_with(&server.clone().database(&building))
                    .await
                    .unwrap();
                MIGRATOR.run(&mut migrating).await.unwrap();
                // A template must have no connections when it is copied.
                migrating.close().await.unwrap();
                admin
                    .execute(format!("ALTER DATABASE \"{building}\" RENAME TO \"{name}\"").as_str())
                    .await
                    .unwrap();
                admin
                    .execute(format!("ALTER DATABASE \"{name}\" WITH IS_TEMPLATE true").as_str())
                    .await
                    .unwrap();
            }
            sqlx::query("SELECT pg_advisory_unlock(hashtext($1))")
                .bind(&name)
                .execute(&mut admin)
                .await
                .unwrap();
            admin.close().await.unwrap();
            name
        })
        .await
        .clone()
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let name = std::mem::take(&mut self.name);
        let server = self.server.clone();
        // The test's runtime is blocked in this drop, so its pool cannot be closed from here;
        // FORCE ends its connections server-side. A thread with its own runtime does the work.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async move {
                let mut admin = PgConnection::connect_with(&server).await?;
                admin
                    .execute(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)").as_str())
                    .await?;
                Ok::<_, anyhow::Error>(())
            })
        })
        .join();
        if let Ok(Err(error)) = dropped {
            eprintln!("could not drop a test database: {error:#}");
        }
    }
}

/// The app's binary, run where no `.env` can be found, with only what the test sets.
pub fn starter_command() -> std::process::Command {
    let mut command =
        std::process::Command::new(env!(concat!("CARGO_BIN_EXE_", env!("CARGO_PKG_NAME"))));
    command.current_dir(std::env::temp_dir()).env_clear();
    command
}

/// Runs `command` off the async runtime and checks it succeeded, showing its stderr if not.
pub async fn run_ok(mut command: std::process::Command) -> std::process::Output {
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

pub fn test_config(extra: &[(&str, &str)]) -> Config {
    let extra: Vec<(String, String)> = extra
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Config::from_lookup(|name| {
        extra
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .or_else(|| (name == "APP_ENV").then(|| "test".to_owned()))
    })
    .unwrap()
}

/// A rate limiter of this process's own, as an instance without Valkey has.
pub fn rate_limiter() -> app::backends::rate_limit::RateLimiter {
    let key = secrecy::SecretString::from(PRODUCTION_SECRET_KEY);
    app::backends::rate_limit::RateLimiter::in_process(&key).unwrap()
}

/// A `SECRET_KEY` production accepts (long enough, not the development one).
pub const PRODUCTION_SECRET_KEY: &str = "test-production-secret-key-0123456789";

/// A production configuration (with the variables production requires) plus `extra`. Its
/// DATABASE_URL is never used: tests hand the app their own pool.
pub fn production_config(extra: &[(&str, &str)]) -> Config {
    let mut variables = vec![
        ("APP_ENV", "production"),
        ("APP_BASE_URL", "https://app.example.com"),
        ("SECRET_KEY", PRODUCTION_SECRET_KEY),
        ("DATABASE_URL", "postgres://unused@127.0.0.1/unused"),
        ("SMTP_HOST", "smtp.example.com"),
    ];
    variables.extend_from_slice(extra);
    test_config(&variables)
}

/// The app on a fresh database, driven in process.
pub struct TestApp {
    pub db: TestDatabase,
    pub state: AppState,
    pub router: Router,
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with_config(test_config(&[])).await
    }

    pub async fn with_config(config: Config) -> Self {
        Self::with_routes(config, app::routes()).await
    }

    /// The real middleware around `routes` (the app's, plus test-only ones).
    pub async fn with_routes(config: Config, routes: Router<AppState>) -> Self {
        let db = TestDatabase::new().await;
        let state = AppState::new(config, db.pool.clone()).unwrap();
        let router = app::with_middleware(routes, state.clone());
        Self { db, state, router }
    }

    /// The app on a pool of `size` connections, as `DATABASE_MAX_CONNECTIONS` would give.
    pub async fn with_pool_size(config: Config, size: u32) -> Self {
        let db = TestDatabase::new().await;
        let pool = PgPoolOptions::new()
            .max_connections(size)
            .acquire_timeout(Duration::from_secs(2))
            .connect_with(db.options.clone())
            .await
            .unwrap();
        Self::on_pool(db, config, pool, app::routes())
    }

    /// The app with its pool behind an [`outage::Outage`] proxy, so the test can cut the
    /// database and bring it back; `routes` are the app's plus test-only ones.
    pub async fn behind_outage(config: Config, routes: Router<AppState>) -> (Self, outage::Outage) {
        let db = TestDatabase::new().await;
        let target = tokio::net::lookup_host((db.options.get_host(), db.options.get_port()))
            .await
            .unwrap()
            .next()
            .unwrap();
        let outage = outage::Outage::start(target).await;
        let options = db
            .options
            .clone()
            .host("127.0.0.1")
            .port(outage.address.port());
        let pool = PgPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_millis(700))
            .connect_lazy_with(options);
        (Self::on_pool(db, config, pool, routes), outage)
    }

    fn on_pool(db: TestDatabase, config: Config, pool: PgPool, routes: Router<AppState>) -> Self {
        let state = AppState::new(config, pool).unwrap();
        let router = app::with_middleware(routes, state.clone());
        Self { db, state, router }
    }

    /// A second instance of the app on the same database: its own caches and rate limits,
    /// as another process behind the same load balancer would have.
    pub fn another_instance(&self) -> AppState {
        AppState::new((*self.state.config).clone(), self.state.db.clone()).unwrap()
    }

    pub async fn request(&self, request: Request<Body>) -> TestResponse {
        let response = self.router.clone().oneshot(request).await.unwrap();
        TestResponse::read(response).await
    }

    pub async fn get(&self, path: &str) -> TestResponse {
        self.request(Request::get(path).body(Body::empty()).unwrap())
            .await
    }

    pub async fn get_htmx(&self, path: &str) -> TestResponse {
        self.request(
            Request::get(path)
                .header("hx-request", "true")
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Arc<Vec<u8>>,
}

impl TestResponse {
    pub async fn read(response: axum::response::Response) -> Self {
        let (parts, body) = response.into_parts();
        let body = body.collect().await.unwrap().to_bytes().to_vec();
        Self {
            status: parts.status,
            headers: parts.headers,
            body: Arc::new(body),
        }
    }

    /// Whether the body is HTML, as every page and every error must be.
    pub fn is_html(&self) -> bool {
        self.header("content-type")
            .is_some_and(|value| value.starts_with("text/html"))
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.body.to_vec()).unwrap()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// All values of a header, comma lists split, e.g. every `Vary` entry.
    pub fn header_values(&self, name: &str) -> Vec<String> {
        self.headers
            .get_all(name)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(|value| value.trim().to_owned())
            .collect()
    }

    pub fn document(&self) -> Html {
        Html::parse_document(&self.text())
    }

    pub fn fragment(&self) -> Html {
        Html::parse_fragment(&self.text())
    }
}

/// Elements of `html` matching `selector`.
pub fn select<'a>(html: &'a Html, selector: &str) -> Vec<ElementRef<'a>> {
    let selector = Selector::parse(selector).unwrap_or_else(|_| panic!("bad selector {selector}"));
    html.select(&selector).collect()
}

pub fn text_of(element: &ElementRef<'_>) -> String {
    element.text().collect::<String>().trim().to_owned()
}

/// Every response must carry these; the tests check them on successes, errors and rejections.
pub fn assert_security_headers(response: &TestResponse) {
    let csp = response
        .header("content-security-policy")
        .unwrap_or_else(|| panic!("no CSP on a {} response", response.status));
    assert!(csp.contains("default-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(response.header("x-frame-options"), Some("DENY"));
    assert!(response.header("referrer-policy").is_some());
    assert!(response.header("permissions-policy").is_some());
    assert_eq!(
        response.header("cross-origin-opener-policy"),
        Some("same-origin")
    );
}

/// A browser-like client for `TestApp`: keeps cookies, sends forms as a same-origin page
/// would, and comes from a fixed IP address.
pub struct TestClient<'a> {
    pub app: &'a TestApp,
    pub cookies: std::collections::BTreeMap<String, String>,
    pub ip: std::net::IpAddr,
}

impl TestApp {
    pub fn client(&self) -> TestClient<'_> {
        TestClient {
            app: self,
            cookies: Default::default(),
            ip: [127, 0, 0, 1].into(),
        }
    }

    /// Messages queued for `to`, oldest first: (subject, text body).
    pub async fn mail_to(&self, to: &str) -> Vec<(String, String)> {
        sqlx::query_as(
            "SELECT subject, text_body FROM email_outbox WHERE $1 = ANY(to_addresses) \
             ORDER BY created_at, id",
        )
        .bind(to)
        .fetch_all(&self.state.db)
        .await
        .unwrap()
    }

    /// The first link in the latest message to `to` whose path starts with `path`.
    pub async fn link_in_mail(&self, to: &str, path: &str) -> String {
        let mail = self.mail_to(to).await;
        let (_, text) = mail.last().unwrap_or_else(|| panic!("no mail to {to}"));
        link_in(text, path).unwrap_or_else(|| panic!("no {path} link in: {text}"))
    }
}

/// Makes one delivery attempt at every message due, as the app's jobs worker would (and runs
/// no other kind of job); returns how many.
pub async fn deliver_mail(state: &AppState) -> usize {
    app::jobs::Worker::new(state.clone())
        .only(&app::email::jobs::DELIVERY)
        .run_due(&tokio_util::sync::CancellationToken::new())
        .await
        .unwrap()
}

/// The first absolute link in `text` whose path starts with `path`, as a path and query.
pub fn link_in(text: &str, path: &str) -> Option<String> {
    text.split_whitespace()
        .filter_map(|word| word.strip_prefix("http://localhost:3000"))
        .find(|link| link.starts_with(path))
        .map(str::to_owned)
}

impl TestClient<'_> {
    pub async fn send(&mut self, request: Request<Body>) -> TestResponse {
        let request = self.as_this_browser(request);
        let response = self.app.request(request).await;
        self.keep_cookies(&response.headers);
        response
    }

    /// Opens an event stream (`GET path`) and leaves its body to be read as it arrives.
    pub async fn open_stream(&mut self, path: &str) -> (StatusCode, events::EventStream) {
        let request = self.as_this_browser(Request::get(path).body(Body::empty()).unwrap());
        let response = self.app.router.clone().oneshot(request).await.unwrap();
        self.keep_cookies(response.headers());
        let status = response.status();
        (status, events::EventStream::new(response.into_body()))
    }

    /// `request` with this client's cookies and address.
    fn as_this_browser(&self, mut request: Request<Body>) -> Request<Body> {
        if !self.cookies.is_empty() {
            let cookie = self
                .cookies
                .iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect::<Vec<_>>()
                .join("; ");
            request
                .headers_mut()
                .insert("cookie", cookie.parse().unwrap());
        }
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo(std::net::SocketAddr::new(
                self.ip, 40000,
            )));
        request
    }

    fn keep_cookies(&mut self, headers: &HeaderMap) {
        for set_cookie in headers.get_all("set-cookie") {
            let set_cookie = set_cookie.to_str().unwrap();
            let pair = set_cookie.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            let expired = set_cookie.to_ascii_lowercase().contains("max-age=0");
            if expired || value.is_empty() {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    pub async fn get(&mut self, path: &str) -> TestResponse {
        self.send(Request::get(path).body(Body::empty()).unwrap())
            .await
    }

    pub fn session_cookie(&self) -> Option<&String> {
        self.cookies.get("session")
    }
}
