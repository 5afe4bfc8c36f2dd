//! Browser tests: Debian's headless Chromium, driven over WebDriver (chromedriver), against
//! the app served on a real port.
//!
//! Needs `chromium` and `chromedriver` (Debian: `apt-get install chromium chromium-driver`);
//! `CHROME_BIN` and `CHROMEDRIVER` override where they are looked for. Without them the
//! tests fail and say what to install. Their names start with `browser_`, so
//! `cargo test -- --skip browser_` leaves them out, visibly, on a machine without a browser.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use app::{AppState, config::Config, server::serve};
use axum::http::Method;
use fantoccini::{Client, ClientBuilder, Locator, wd::WebDriverCompatibleCommand};
use serde_json::{Value, json};
use tokio::sync::oneshot;

use super::{TestDatabase, deliver_mail, test_config};

/// The app served over HTTP on a free loopback port, on its own fresh database.
pub struct ServedApp {
    pub base_url: String,
    /// The served app's state: its pool, mail transport and configuration.
    pub state: AppState,
    _db: TestDatabase,
    stop: Option<oneshot::Sender<()>>,
}

impl ServedApp {
    pub async fn start() -> Self {
        Self::start_with(test_config(&[])).await
    }

    /// The app served with `config` (say, with a folder of its own for uploads).
    pub async fn start_with(config: Config) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        Self::serve(listener, config, base_url).await
    }

    /// The app reached as `http://localhost:PORT`, which is also its `APP_BASE_URL`: what
    /// passkeys need (WebAuthn takes a domain name, never an IP address, as the site's id).
    pub async fn start_on_localhost() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://localhost:{}", listener.local_addr().unwrap().port());
        let config = test_config(&[("APP_BASE_URL", &base_url)]);
        Self::serve(listener, config, base_url).await
    }

    async fn serve(listener: tokio::net::TcpListener, config: Config, base_url: String) -> Self {
        let db = TestDatabase::new().await;
        let state = AppState::new(config, db.pool.clone()).unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(serve(
            listener,
            app::app(state.clone()),
            async {
                let _ = stopped.await;
            },
            Duration::from_secs(5),
        ));
        Self {
            base_url,
            state,
            _db: db,
            stop: Some(stop),
        }
    }

    /// Delivers the mail queued so far (the served app runs no delivery worker).
    pub async fn deliver_mail(&self) {
        deliver_mail(&self.state).await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }
}

impl Drop for ServedApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A headless Chromium session. Dropping it ends chromedriver and the browser.
pub struct Browser {
    pub client: Client,
    driver: Child,
    profile: PathBuf,
}

impl Browser {
    pub async fn start() -> Self {
        let chrome = locate(
            "CHROME_BIN",
            &["chromium", "chromium-browser", "google-chrome"],
        );
        let chromedriver = locate("CHROMEDRIVER", &["chromedriver"]);
        let (Some(chrome), Some(chromedriver)) = (chrome, chromedriver) else {
            panic!(
                "Browser tests need Chromium and chromedriver. Install them (Debian/Ubuntu: \
                 `apt-get install chromium chromium-driver`), or point CHROME_BIN and \
                 CHROMEDRIVER at them, or leave these tests out: cargo test -- --skip browser_"
            )
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {}: {error}", chromedriver.display()));
        let profile = std::env::temp_dir().join(format!("browser-test-{}", uuid::Uuid::new_v4()));

        let capabilities = json!({
            "goog:chromeOptions": {
                "binary": chrome,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.display()),
                ],
            },
            "goog:loggingPrefs": { "browser": "ALL" },
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!()
        };
        let webdriver = format!("http://127.0.0.1:{port}");
        let mut last_error = None;
        for _ in 0..50 {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(capabilities.clone())
                .connect(&webdriver)
                .await
            {
                Ok(client) => {
                    return Self {
                        client,
                        driver,
                        profile,
                    };
                }
                Err(error) => last_error = Some(error),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not start a session: {last_error:?}");
    }

    /// The browser console's errors since the last call (CSP violations land here).
    ///
    /// Chromium also logs every 4xx answer to a script's request as an error. A 422 is how a
    /// form says its input was invalid, and boosted forms are sent by htmx's script: those
    /// lines are expected answers, not errors of the page, and are left out.
    pub async fn console_errors(&self) -> Vec<String> {
        let entries = self.client.issue_cmd(BrowserLog).await.unwrap();
        entries
            .as_array()
            .into_iter()
            .flatten()
            .filter(|entry| entry["level"] == "SEVERE")
            .map(|entry| entry["message"].as_str().unwrap_or_default().to_owned())
            .filter(|message| !message.ends_with("status of 422 (Unprocessable Entity)"))
            .collect()
    }

    /// Runs `script` (a function body) in the page and returns its result.
    pub async fn eval(&self, script: &str) -> Value {
        self.client.execute(script, Vec::new()).await.unwrap()
    }

    /// Types `text` into the element matching `css` (after emptying it).
    ///
    /// Emptied from script: WebDriver's "clear" focuses and blurs the element, which fires
    /// the on-blur check, whose answer replaces the field under the typing. The field that
    /// lost focus a moment ago may still be replaced while this finds the element, so a stale
    /// element is looked up again.
    pub async fn fill(&self, css: &str, text: &str) {
        let selector = serde_json::to_string(css).unwrap();
        for attempt in 0.. {
            self.eval(&format!(
                "document.querySelector({selector}).value = ''; return true;"
            ))
            .await;
            let element = self.client.find(Locator::Css(css)).await.unwrap();
            match element.send_keys(text).await {
                Ok(()) => return,
                Err(error) if attempt < 5 => {
                    eprintln!("retrying to fill {css}: {error}");
                }
                Err(error) => panic!("cannot fill {css}: {error}"),
            }
        }
    }

    /// Clicks the element matching `css`. An element htmx replaced between finding it and
    /// clicking it (a row swapped back after a save) is looked up again.
    pub async fn click(&self, css: &str) {
        for attempt in 0.. {
            let clicked = match self.client.find(Locator::Css(css)).await {
                Ok(element) => element.click().await,
                Err(error) => Err(error),
            };
            match clicked {
                Ok(()) => return,
                Err(error) if attempt < 5 => {
                    eprintln!("retrying to click {css}: {error}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(error) => panic!("cannot click {css}: {error}"),
            }
        }
    }

    /// Runs `script` (an async function body that calls its last argument with the result)
    /// in the page and returns what it passed.
    pub async fn eval_async(&self, script: &str) -> Value {
        self.client.execute_async(script, Vec::new()).await.unwrap()
    }

    /// Logs in through the login page as a user would.
    pub async fn log_in(&self, app: &ServedApp, email: &str, password: &str) {
        self.client.goto(&app.url("/login")).await.unwrap();
        self.fill("input[name=email]", email).await;
        self.fill("input[name=password]", password).await;
        self.click("form button[type=submit]").await;
        self.wait_for("return document.querySelector('.site-header .user') !== null;")
            .await;
    }

    /// Logs out as a user would, at any width: opens the account menu, then presses "Log out".
    pub async fn log_out(&self) {
        self.click(".site-header .account-menu summary").await;
        self.click(".site-header .account-menu[open] form[action='/logout'] button")
            .await;
        self.wait_for("return document.querySelector('.site-header .user') === null;")
            .await;
    }

    /// Signs up through the form and waits for the "Check your email" page.
    pub async fn sign_up(&self, app: &ServedApp, email: &str, password: &str) {
        self.client.goto(&app.url("/register")).await.unwrap();
        self.fill("input[name=email]", email).await;
        self.fill("input[name=password]", password).await;
        self.fill("input[name=password_confirmation]", password)
            .await;
        self.click("form button[type=submit]").await;
        self.wait_for("return document.querySelector('h1').textContent === 'Check your email';")
            .await;
    }

    /// Emulates a viewport `width` CSS pixels wide and a colour scheme, through the Chrome
    /// DevTools protocol (exact, unlike resizing a window, and no restart).
    pub async fn emulate(&self, width: u32, scheme: ColorScheme) {
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": 900, "deviceScaleFactor": 1, "mobile": false }),
        )
        .await;
        let value = match scheme {
            ColorScheme::Light => "light",
            ColorScheme::Dark => "dark",
        };
        self.cdp(
            "Emulation.setEmulatedMedia",
            json!({ "features": [{ "name": "prefers-color-scheme", "value": value }] }),
        )
        .await;
    }

    /// A Chrome DevTools protocol command, through chromedriver; its result.
    async fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.client
            .issue_cmd(Cdp(json!({ "cmd": cmd, "params": params })))
            .await
            .unwrap_or_else(|error| panic!("{cmd}: {error}"))
    }

    /// A virtual platform authenticator (DevTools' `WebAuthn` domain), as a phone's or a
    /// laptop's built-in one: CTAP2, discoverable credentials, and the user verified (the
    /// fingerprint always matches). Returns the authenticator's id.
    pub async fn virtual_authenticator(&self) -> String {
        self.cdp("WebAuthn.enable", json!({ "enableUI": false }))
            .await;
        let added = self
            .cdp(
                "WebAuthn.addVirtualAuthenticator",
                json!({ "options": {
                    "protocol": "ctap2",
                    "transport": "internal",
                    "hasResidentKey": true,
                    "hasUserVerification": true,
                    "isUserVerified": true,
                    "automaticPresenceSimulation": true,
                } }),
            )
            .await;
        added["authenticatorId"].as_str().unwrap().to_owned()
    }

    /// The credentials the virtual authenticator `id` holds.
    pub async fn virtual_credentials(&self, id: &str) -> Vec<Value> {
        let answer = self
            .cdp("WebAuthn.getCredentials", json!({ "authenticatorId": id }))
            .await;
        answer["credentials"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Polls `script` until it returns `true`, or fails after 15 seconds: a form that checks a
    /// password runs Argon2, which in a debug build on a busy two-core machine (CI running the
    /// browser tests beside a build) has been seen to take more than five.
    pub async fn wait_for(&self, script: &str) {
        for _ in 0..150 {
            if self.eval(script).await == Value::Bool(true) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let page = self
            .eval("return location.href + '\\n' + document.body.innerText.slice(0, 800);")
            .await;
        panic!(
            "timed out waiting for: {script}\nthe page: {}",
            page.as_str().unwrap_or_default()
        );
    }

    /// The text of the browser's dialog (`hx-confirm` asking), once it is open.
    pub async fn wait_for_alert(&self) -> String {
        for _ in 0..50 {
            if let Ok(text) = self.client.get_alert_text().await {
                return text;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no confirmation was asked");
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn locate(variable: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(variable) {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|candidate| Path::is_file(candidate))
}

/// A colour scheme to emulate (`prefers-color-scheme`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorScheme {
    Light,
    Dark,
}

/// chromedriver's endpoint for Chrome DevTools protocol commands.
#[derive(Debug)]
struct Cdp(Value);

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (Method, Option<String>) {
        (Method::POST, Some(self.0.to_string()))
    }
}

/// chromedriver's (non-standard) endpoint for the browser console log.
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (Method, Option<String>) {
        (Method::POST, Some(json!({ "type": "browser" }).to_string()))
    }
}
