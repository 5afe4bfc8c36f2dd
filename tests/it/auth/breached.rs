//! New passwords are checked against known breaches through a Pwned Passwords range server,
//! here a real HTTP peer on loopback that the test starts and watches: only a 5-character
//! hash prefix is sent, a breached password is refused on every form that sets one, and a
//! slow, failing or absent service never blocks anyone.

use crate::common;

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use app::{backends::http::HttpClient, config::HttpClientConfig};
use axum::{
    Router,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::IntoResponse,
    routing::get,
};
use common::{TestApp, TestClient, accounts::PASSWORD, select, test_config, text_of};
use sha1::{Digest, Sha1};

/// Long enough for every other rule, and "seen" by the peer.
const BREACHED: &str = "breached password 1";
const SAFE: &str = "a safe new passphrase";

fn sha1_hex(text: &str) -> String {
    hex::encode_upper(Sha1::digest(text.as_bytes()))
}

/// How the peer answers.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Answer,
    /// 429 to the first request, then answers.
    BusyOnce,
    /// Never answers in time.
    Slow,
}

#[derive(Clone)]
struct Peer {
    mode: Mode,
    /// Every request: its path and whether it asked for padding.
    seen: Arc<Mutex<Vec<(String, bool)>>>,
}

async fn range(
    State(peer): State<Peer>,
    Path(prefix): Path<String>,
    headers: HeaderMap,
) -> axum::response::Response {
    let padding = headers
        .get("add-padding")
        .is_some_and(|value| value == "true");
    let first = {
        let mut seen = peer.seen.lock().unwrap();
        seen.push((format!("/range/{prefix}"), padding));
        seen.len() == 1
    };
    match peer.mode {
        Mode::BusyOnce if first => return StatusCode::TOO_MANY_REQUESTS.into_response(),
        Mode::Slow => tokio::time::sleep(Duration::from_secs(10)).await,
        _ => {}
    }
    let breached = sha1_hex(BREACHED);
    let mut lines = vec![
        "0018A45C4D1DEF81644B54AB7F969B88D65:3".to_owned(),
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0".to_owned(),
    ];
    if breached.starts_with(&prefix) {
        lines.push(format!("{}:52014", &breached[5..]));
    }
    lines.join("\r\n").into_response()
}

/// Starts the peer; its URL and what it saw.
async fn start_peer(mode: Mode) -> (String, Arc<Mutex<Vec<(String, bool)>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let peer = Peer {
        mode,
        seen: seen.clone(),
    };
    let router = Router::new()
        .route("/range/{prefix}", get(range))
        .with_state(peer);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (url, seen)
}

/// A port nothing listens on.
async fn closed_port_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    url
}

async fn app_checking_at(url: &str) -> TestApp {
    TestApp::with_config(test_config(&[
        ("PWNED_PASSWORDS", "on"),
        ("PWNED_PASSWORDS_URL", url),
        ("PWNED_PASSWORDS_TIMEOUT_MS", "500"),
    ]))
    .await
}

async fn sign_up_with(client: &mut TestClient<'_>, email: &str, password: &str) -> StatusCode {
    let form = [
        ("email", email),
        ("password", password),
        ("password_confirmation", password),
    ];
    let response = client.post("/register", &form).await;
    if response.status == StatusCode::UNPROCESSABLE_ENTITY {
        let doc = response.document();
        let error = text_of(&select(&doc, "#register-password-error")[0]);
        assert!(error.contains("appeared in a data breach"), "{error}");
    }
    response.status
}

#[tokio::test]
async fn a_breached_password_is_refused_on_every_form_and_a_safe_one_passes() {
    let (url, seen) = start_peer(Mode::Answer).await;
    let app = app_checking_at(&url).await;

    let mut client = app.client();
    assert_eq!(
        sign_up_with(&mut client, "ada@example.com", BREACHED).await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        sign_up_with(&mut client, "ada@example.com", SAFE).await,
        StatusCode::OK
    );

    // Changing the password on the account page.
    let mut bo = app.signed_in("bo@example.com").await;
    let changed = bo.change_password(BREACHED).await;
    assert_eq!(changed.status, StatusCode::UNPROCESSABLE_ENTITY);
    let doc = changed.document();
    let error = text_of(&select(&doc, "#change-password-password-error")[0]);
    assert!(error.contains("data breach"), "{error}");

    // Choosing a new one with a reset link.
    let mut anonymous = app.client();
    anonymous
        .post("/password/forgot", &[("email", "bo@example.com")])
        .await;
    let link = app
        .link_in_mail("bo@example.com", "/password/reset?token=")
        .await;
    let form = [("password", BREACHED), ("password_confirmation", BREACHED)];
    let reset = anonymous.post(&link, &form).await;
    assert_eq!(reset.status, StatusCode::UNPROCESSABLE_ENTITY);
    let doc = reset.document();
    let error = text_of(&select(&doc, "#password-reset-password-error")[0]);
    assert!(error.contains("data breach"), "{error}");

    // Only 5-character prefixes of the hashes were sent, each asking for padding, and each
    // once: the answers are cached (two passwords were checked, on four forms).
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "{seen:?}");
    for (path, padding) in &seen {
        let prefix = path.strip_prefix("/range/").unwrap();
        assert_eq!(prefix.len(), 5, "{path}");
        assert!(prefix.bytes().all(|b| b.is_ascii_hexdigit()), "{path}");
        assert!(padding, "{path} asked for no padding");
    }
    assert!(
        seen.iter()
            .any(|(path, _)| path.ends_with(&sha1_hex(BREACHED)[..5]))
    );
    assert!(
        !seen
            .iter()
            .any(|(path, _)| path.contains(&sha1_hex(BREACHED)[5..10]))
    );
}

#[tokio::test]
async fn a_busy_answer_is_retried_once() {
    let (url, seen) = start_peer(Mode::BusyOnce).await;
    let app = app_checking_at(&url).await;
    let status = sign_up_with(&mut app.client(), "ada@example.com", BREACHED).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(seen.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn a_slow_or_absent_service_never_blocks_sign_up() {
    let (slow, _) = start_peer(Mode::Slow).await;
    let absent = closed_port_url().await;
    for (url, email) in [(slow, "slow@example.com"), (absent, "absent@example.com")] {
        let app = app_checking_at(&url).await;
        let started = Instant::now();
        let status = sign_up_with(&mut app.client(), email, BREACHED).await;
        assert_eq!(status, StatusCode::OK, "{url}");
        // The 500 ms check timeout, the 300 ms answer floor and a password hash.
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{url}: {:?}",
            started.elapsed()
        );
    }
}

#[tokio::test]
async fn the_client_gives_up_on_a_peer_that_never_answers() {
    // Accepts connections and never writes a byte.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let client = HttpClient::new(&HttpClientConfig {
        connect_timeout: Duration::from_secs(1),
        timeout: Duration::from_secs(1),
    })
    .unwrap();
    let started = Instant::now();
    let error = client.get(&url, &[]).await.unwrap_err();
    assert!(error.is_timeout(), "{error}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn the_check_is_off_in_tests_unless_turned_on() {
    let app = TestApp::new().await;
    assert!(!app.state.config.breached_passwords.enabled);
    assert_eq!(
        sign_up_with(&mut app.client(), "ada@example.com", PASSWORD).await,
        StatusCode::OK
    );
}
