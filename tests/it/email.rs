//! Email end to end: templates composed by the app, queued in PostgreSQL with their delivery
//! job, delivered by the jobs worker to a real SMTP peer on loopback; outages, retries with
//! backoff, concurrent workers and a worker killed mid-send; the migration that made delivery
//! a job; the dev mailbox and previews.

use crate::common;

use app::web::public_id::PublicId;
use std::time::Duration;

use app::{
    AppState,
    auth::emails::{self, EmailChanged, PasswordReset},
    backends::database::MIGRATOR,
    email::{Mailer, db::EmailStatus, jobs::DELIVERY},
    jobs::{self, RetryPolicy, Worker},
};
use axum::http::StatusCode;
use common::{
    TestApp, TestDatabase, assert_security_headers, instances::Instance, production_config, select,
    smtp::SmtpSink, test_config, text_of,
};
use lettre::message::Mailbox;
use mail_parser::{MessageParser, MimeHeaders};
use serde_json::Value;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

const BASE_URL: &str = "https://app.example.com";

/// The jobs' retry policy with a first wait of one second instead of ten.
const FAST_RETRIES: RetryPolicy = RetryPolicy {
    base: Duration::from_secs(1),
    max: Duration::from_secs(600),
};

/// An app whose mail goes to `sink`.
async fn app_with_smtp(sink: &SmtpSink, max_attempts: u32) -> TestApp {
    TestApp::with_config(smtp_config(sink, max_attempts, &[])).await
}

fn smtp_config(sink: &SmtpSink, max_attempts: u32, extra: &[(&str, &str)]) -> app::config::Config {
    let port = sink.port().to_string();
    let attempts = max_attempts.to_string();
    let mut vars = vec![
        ("APP_BASE_URL", BASE_URL),
        ("EMAIL_FROM", "Acme Support <support@acme.example>"),
        ("SMTP_HOST", "127.0.0.1"),
        ("SMTP_PORT", &port),
        ("SMTP_TIMEOUT_SECS", "2"),
        ("EMAIL_MAX_ATTEMPTS", &attempts),
    ];
    vars.extend_from_slice(extra);
    test_config(&vars)
}

/// The app's jobs worker, as every instance runs it, with fast retries.
fn worker(state: &AppState) -> Worker {
    Worker::new(state.clone()).with_policy(FAST_RETRIES)
}

/// One attempt at every job due, as the worker makes them; how many.
async fn run_due(state: &AppState) -> usize {
    worker(state)
        .run_due(&CancellationToken::new())
        .await
        .unwrap()
}

/// The delivery job of message `id`: (status, attempts, seconds until it is due).
async fn job_of(state: &AppState, id: Uuid) -> (String, i32, f64) {
    sqlx::query_as(
        "SELECT status::text, attempts, extract(epoch FROM run_at - now())::float8 \
         FROM jobs WHERE kind = $1 AND payload->>'email_id' = $2",
    )
    .bind(DELIVERY.name())
    .bind(id.to_string())
    .fetch_one(&state.db)
    .await
    .unwrap()
}

async fn count(state: &AppState, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&state.db).await.unwrap()
}

fn password_reset(state: &AppState) -> app::email::EmailContent {
    password_reset_to(&state.mailer)
}

fn password_reset_to(mailer: &Mailer) -> app::email::EmailContent {
    emails::password_reset(&PasswordReset {
        name: None,
        link: &mailer.url("/password/reset?token=abc"),
    })
}

async fn enqueue(state: &AppState, to: &str, content: app::email::EmailContent) -> Uuid {
    let mut tx = state.db.begin().await.unwrap();
    let id = state
        .mailer
        .enqueue(&mut tx, to.parse().unwrap(), content)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn status_of(state: &AppState, id: Uuid) -> (EmailStatus, i32) {
    let message = app::email::db::find(&state.db, id).await.unwrap();
    (message.status, message.attempts)
}

#[tokio::test]
async fn a_delivered_message_is_multipart_alternative_with_text_first() {
    let sink = SmtpSink::start().await;
    let app = app_with_smtp(&sink, 3).await;
    let recipient = Mailbox::new(
        Some("<script>alert('name')</script>".into()),
        "ada@example.com".parse().unwrap(),
    );
    let content = emails::email_changed(&EmailChanged {
        name: Some("<script>alert('name')</script>"),
        new_email: "new@example.com",
        reset_link: &app.state.mailer.url("/password/forgot"),
    });
    let mut tx = app.state.db.begin().await.unwrap();
    let id = app
        .state
        .mailer
        .enqueue(&mut tx, recipient, content)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    assert_eq!(run_due(&app.state).await, 1);
    let received = sink.wait_for(1, Duration::from_secs(5)).await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].from, "support@acme.example");
    assert_eq!(received[0].to, vec!["ada@example.com"]);

    let message = MessageParser::default().parse(&received[0].data).unwrap();
    assert_eq!(message.subject(), Some("Your email address was changed"));
    let from = message.from().unwrap().first().unwrap();
    assert_eq!(from.name(), Some("Acme Support"));
    assert_eq!(from.address(), Some("support@acme.example"));
    let to = message.to().unwrap().first().unwrap();
    assert_eq!(to.address(), Some("ada@example.com"));
    assert_eq!(to.name(), Some("<script>alert('name')</script>"));
    assert!(message.message_id().is_some());
    assert!(message.date().is_some());

    let root = message.content_type().unwrap();
    assert_eq!(root.ctype(), "multipart");
    assert_eq!(root.subtype(), Some("alternative"));
    assert_eq!(message.text_body.len(), 1);
    assert_eq!(message.html_body.len(), 1);
    let parts: Vec<String> = message.parts[1..]
        .iter()
        .map(|part| {
            let ct = part.content_type().unwrap();
            format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or_default())
        })
        .collect();
    assert_eq!(parts, ["text/plain", "text/html"], "text first, then HTML");

    let html = message.body_html(0).unwrap();
    assert!(!html.contains("<script>alert"), "unescaped name in HTML");
    assert!(html.contains("&lt;script&gt;alert("));
    let document = scraper::Html::parse_document(&html);
    let links: Vec<&str> = select(&document, "a[href]")
        .iter()
        .filter_map(|a| a.attr("href"))
        .collect();
    assert!(!links.is_empty());
    assert!(
        links.iter().all(|link| link.starts_with(BASE_URL)),
        "{links:?}"
    );
    let text = message.body_text(0).unwrap();
    assert!(text.contains(&format!("{BASE_URL}/password/forgot")));

    let stored = app::email::db::find(&app.state.db, id).await.unwrap();
    assert_eq!(stored.status, EmailStatus::Sent);
    assert_eq!(stored.delivered_via.as_deref(), Some("smtp"));
    let (job, attempts, _) = job_of(&app.state, id).await;
    assert_eq!((job.as_str(), attempts), ("done", 1));
}

#[tokio::test]
async fn while_smtp_is_down_the_message_waits_then_goes_out_exactly_once() {
    let sink = SmtpSink::start().await;
    let app = app_with_smtp(&sink, 10).await;
    sink.stop();
    let id = enqueue(&app.state, "ada@example.com", password_reset(&app.state)).await;

    // The real worker loop, as the app runs it (retrying after 1 s, 2 s, 4 s...).
    let shutdown = CancellationToken::new();
    let running = tokio::spawn(worker(&app.state).run(shutdown.clone()));

    // Attempts fail and rise while the server is down; the message stays queued.
    let mut attempts = 0;
    for _ in 0..60 {
        let (status, count) = status_of(&app.state, id).await;
        assert_ne!(status, EmailStatus::Sent);
        attempts = count;
        if attempts >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        attempts >= 2,
        "the worker did not retry (attempts: {attempts})"
    );
    let stored = app::email::db::find(&app.state.db, id).await.unwrap();
    assert!(stored.last_error.is_some());
    assert!(sink.received().is_empty());

    // The server comes back: the next retry delivers it, once.
    let sink = sink.restart().await;
    sink.wait_for(1, Duration::from_secs(15)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sink.received().len(), 1);
    let (status, _) = status_of(&app.state, id).await;
    assert_eq!(status, EmailStatus::Sent);

    shutdown.cancel();
    running.await.unwrap();
}

#[tokio::test]
async fn two_workers_on_one_outbox_deliver_each_message_once() {
    let sink = SmtpSink::start().await;
    let app = app_with_smtp(&sink, 3).await;
    let mut ids = Vec::new();
    for n in 0..30 {
        ids.push(
            enqueue(
                &app.state,
                &format!("user{n}@example.com"),
                password_reset(&app.state),
            )
            .await,
        );
    }

    // Two instances: separate states (their own SMTP connections), same database.
    let shutdown = CancellationToken::new();
    let mut workers = Vec::new();
    for _ in 0..2 {
        let instance = AppState::new((*app.state.config).clone(), app.state.db.clone()).unwrap();
        workers.push(tokio::spawn(worker(&instance).run(shutdown.clone())));
    }
    sink.wait_for(30, Duration::from_secs(20)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    shutdown.cancel();
    for worker in workers {
        worker.await.unwrap();
    }

    let received = sink.received();
    assert_eq!(received.len(), 30, "a message was sent twice or lost");
    let mut recipients: Vec<String> = received.iter().map(|m| m.to[0].clone()).collect();
    recipients.sort();
    recipients.dedup();
    assert_eq!(recipients.len(), 30);
    for id in ids {
        assert_eq!(status_of(&app.state, id).await, (EmailStatus::Sent, 1));
    }
}

#[tokio::test]
async fn a_failed_send_is_retried_with_backoff_then_recorded_failed_after_the_last_attempt() {
    let sink = SmtpSink::start().await;
    let app = app_with_smtp(&sink, 3).await;
    sink.stop();
    let id = enqueue(&app.state, "ada@example.com", password_reset(&app.state)).await;

    // The first attempt fails: the message waits, its job is due again after the policy's
    // first wait (1 s here), and both say why.
    assert_eq!(run_due(&app.state).await, 1);
    assert_eq!(status_of(&app.state, id).await, (EmailStatus::Pending, 1));
    let (job, attempts, due_in) = job_of(&app.state, id).await;
    assert_eq!((job.as_str(), attempts), ("queued", 1));
    assert!((0.5..=1.0).contains(&due_in), "due in {due_in} s");
    let stored = app::email::db::find(&app.state.db, id).await.unwrap();
    assert!(stored.last_error.is_some());
    // Not due again until its backoff has passed.
    assert_eq!(run_due(&app.state).await, 0);

    // The second fails too, and waits twice as long.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(run_due(&app.state).await, 1);
    let (job, attempts, due_in) = job_of(&app.state, id).await;
    assert_eq!((job.as_str(), attempts), ("queued", 2));
    assert!((1.5..=2.0).contains(&due_in), "due in {due_in} s");

    // The last attempt fails: the job and the message are recorded failed, for good.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(run_due(&app.state).await, 1);
    assert_eq!(status_of(&app.state, id).await, (EmailStatus::Failed, 3));
    assert_eq!(job_of(&app.state, id).await.0, "failed");
    let stored = app::email::db::find(&app.state.db, id).await.unwrap();
    assert!(stored.last_error.is_some());
    assert!(sink.received().is_empty());

    let ready = app.get("/health/ready").await;
    assert_eq!(
        ready.status,
        StatusCode::OK,
        "SMTP trouble does not fail readiness"
    );
    let body: Value = serde_json::from_slice(&ready.body).unwrap();
    assert_eq!(body["email_outbox"]["failed"], 1);
    assert_eq!(body["checks"]["smtp"], "unavailable");

    // The dev mailbox shows it failed, with its attempts.
    let mailbox = app.get("/dev/mailbox").await;
    let badges = select(&mailbox.document(), ".status-badge.__failed")
        .iter()
        .map(text_of)
        .collect::<Vec<_>>();
    assert_eq!(badges, ["failed (3 attempts)"]);
}

/// An address no server will take never gets better: the delivery fails at once.
#[tokio::test]
async fn a_message_with_an_invalid_envelope_fails_without_retries() {
    let sink = SmtpSink::start().await;
    let app = app_with_smtp(&sink, 5).await;
    let id = enqueue(&app.state, "ada@example.com", password_reset(&app.state)).await;
    sqlx::query("UPDATE email_outbox SET to_addresses = '{not an address}'")
        .execute(&app.state.db)
        .await
        .unwrap();
    assert_eq!(run_due(&app.state).await, 1);
    assert_eq!(status_of(&app.state, id).await, (EmailStatus::Failed, 1));
    assert_eq!(job_of(&app.state, id).await.0, "failed");
    let stored = app::email::db::find(&app.state.db, id).await.unwrap();
    assert!(
        stored
            .last_error
            .is_some_and(|error| error.starts_with("invalid envelope"))
    );
    assert!(sink.received().is_empty());
}

#[tokio::test]
async fn a_message_is_queued_with_its_transaction_or_not_at_all() {
    let app = TestApp::new().await;
    let mut tx = app.state.db.begin().await.unwrap();
    app.state
        .mailer
        .enqueue(
            &mut tx,
            "ada@example.com".parse().unwrap(),
            password_reset(&app.state),
        )
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(
        count(&app.state, "SELECT count(*) FROM email_outbox").await,
        0
    );
    assert_eq!(count(&app.state, "SELECT count(*) FROM jobs").await, 0);

    // Committed, the message comes with the job that delivers it (EMAIL_MAX_ATTEMPTS tries).
    let id = enqueue(&app.state, "ada@example.com", password_reset(&app.state)).await;
    let (kind, payload, max_attempts): (String, Value, i32) =
        sqlx::query_as("SELECT kind, payload, max_attempts FROM jobs")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!(kind, "email-delivery");
    assert_eq!(payload["email_id"], id.to_string());
    assert_eq!(max_attempts, 12);

    // On a bare connection, the message and its job are still written together.
    let mut conn = app.state.db.acquire().await.unwrap();
    app.state
        .mailer
        .enqueue(
            &mut conn,
            "bob@example.com".parse().unwrap(),
            password_reset(&app.state),
        )
        .await
        .unwrap();
    drop(conn);
    assert_eq!(count(&app.state, "SELECT count(*) FROM jobs").await, 2);
}

#[tokio::test]
async fn the_dev_mailbox_lists_and_shows_a_message_in_its_parts() {
    let app = TestApp::with_config(test_config(&[("APP_BASE_URL", BASE_URL)])).await;
    assert_eq!(app.state.mail_transport.name(), "dev-mailbox");
    let id = enqueue(&app.state, "ada@example.com", password_reset(&app.state)).await;
    // Queued, it is listed as waiting.
    let waiting = app.get("/dev/mailbox").await.document();
    assert_eq!(select(&waiting, ".record-list tbody tr").len(), 1);
    assert_eq!(select(&waiting, ".status-badge.__waiting").len(), 1);
    assert_eq!(run_due(&app.state).await, 1);
    assert_eq!(status_of(&app.state, id).await, (EmailStatus::Sent, 1));

    let list = app.get("/dev/mailbox").await;
    assert_eq!(list.status, StatusCode::OK);
    let doc = list.document();
    let rows = select(&doc, ".record-list tbody tr");
    assert_eq!(rows.len(), 1);
    let link = select(&doc, ".record-list tbody tr a")[0];
    assert_eq!(text_of(&link), "Reset your password");
    assert_eq!(
        link.attr("href"),
        Some(format!("/dev/mailbox/{}", PublicId(id)).as_str())
    );
    assert!(text_of(&rows[0]).contains("ada@example.com"));
    assert_eq!(select(&doc, ".status-badge.__sent").len(), 1);

    let shown = app.get(&format!("/dev/mailbox/{id}")).await;
    assert_eq!(shown.status, StatusCode::OK);
    let doc = shown.document();
    let frame = select(&doc, "iframe[sandbox]")[0];
    // No scripts, forms or top navigation; only links opening a new tab, outside the sandbox.
    assert_eq!(
        frame.attr("sandbox"),
        Some("allow-popups allow-popups-to-escape-sandbox")
    );
    assert_eq!(
        frame.attr("src"),
        Some(format!("/dev/mailbox/{}/html", PublicId(id)).as_str())
    );
    let texts = select(&doc, "pre.text");
    let reset_link = format!("{BASE_URL}/password/reset?token=abc");
    assert!(text_of(&texts[0]).contains(&reset_link));
    // The text part's addresses are links.
    assert!(
        select(&doc, "pre.text a")
            .iter()
            .any(|a| a.attr("href") == Some(reset_link.as_str()))
    );
    assert!(text_of(&texts[1]).contains("multipart/alternative"));

    let html = app.get(&format!("/dev/mailbox/{id}/html")).await;
    assert_eq!(html.status, StatusCode::OK);
    let csp = html.header("content-security-policy").unwrap();
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
    assert!(!csp.contains("script"), "{csp}");
    assert!(
        csp.ends_with("sandbox allow-popups allow-popups-to-escape-sandbox"),
        "{csp}"
    );
    assert_eq!(html.header("x-frame-options"), Some("SAMEORIGIN"));
    assert!(html.text().contains("Choose a new password"));
    // Its links open a new tab: in the frame, the app's own pages would refuse to load.
    let framed = html.document();
    assert_eq!(
        select(&framed, "head > base:first-child")[0].attr("target"),
        Some("_blank")
    );

    let missing = app.get(&format!("/dev/mailbox/{}", Uuid::new_v4())).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    // An id that is not a UUID names no message: the same 404, as on every typed path.
    let malformed = app.get("/dev/mailbox/not-a-uuid").await;
    assert_eq!(malformed.status, StatusCode::NOT_FOUND);
    assert_security_headers(&malformed);
}

#[tokio::test]
async fn clear_all_empties_the_mailbox() {
    let app = TestApp::new().await;
    enqueue(&app.state, "ada@example.com", password_reset(&app.state)).await;
    let cleared = app
        .request(
            axum::http::Request::post("/dev/mailbox/clear")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(cleared.status, StatusCode::SEE_OTHER);
    let list = app.get("/dev/mailbox").await;
    assert!(select(&list.document(), ".record-list").is_empty());
    assert_eq!(select(&list.document(), ".empty-state").len(), 1);

    // The cleared message's job finds nothing to send, and is done rather than retried.
    assert_eq!(run_due(&app.state).await, 1);
    let (status, result): (String, Value) = sqlx::query_as("SELECT status::text, result FROM jobs")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(status, "done");
    assert_eq!(result["sent"], false);
}

#[tokio::test]
async fn every_template_preview_renders_without_sending() {
    let app = TestApp::with_config(test_config(&[("APP_BASE_URL", BASE_URL)])).await;
    let page = app.get("/dev/mailbox/previews").await;
    assert_eq!(page.status, StatusCode::OK);
    let doc = page.document();
    let previews = select(&doc, "section.email-preview");
    let registered = inventory::iter::<app::email::templates::EmailPreview>().count();
    assert_eq!(previews.len(), registered);
    for name in [
        "confirm-email",
        "password-reset",
        "registration-attempt",
        "account-locked",
        "email-changed",
        "two-factor-disabled",
    ] {
        let section = select(&doc, &format!("section.email-preview#{name}"));
        assert_eq!(section.len(), 1, "{name} has no preview");
        let frame = select(&doc, &format!("#{name} iframe[sandbox]"))[0];
        let html = app.get(frame.attr("src").unwrap()).await;
        assert_eq!(html.status, StatusCode::OK, "{name}");
        assert!(
            html.header("content-security-policy")
                .unwrap()
                .starts_with("default-src 'none'")
        );
        assert!(!text_of(&select(&doc, &format!("#{name} pre.text"))[0]).is_empty());
    }
    assert_eq!(
        count(&app.state, "SELECT count(*) FROM email_outbox").await
            + count(&app.state, "SELECT count(*) FROM jobs").await,
        0,
        "previews must not queue anything"
    );
    assert_eq!(
        app.get("/dev/mailbox/previews/no-such/html").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_dev_mailbox_does_not_exist_in_production() {
    let app = TestApp::with_config(production_config(&[])).await;
    let id = enqueue(&app.state, "ada@example.com", password_reset(&app.state)).await;
    for path in [
        "/dev/mailbox".to_owned(),
        "/dev/mailbox/previews".to_owned(),
        "/dev/mailbox/previews/password-reset/html".to_owned(),
        format!("/dev/mailbox/{id}"),
        format!("/dev/mailbox/{id}/html"),
    ] {
        assert_eq!(app.get(&path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn the_mail_test_command_delivers_through_smtp() {
    let sink = SmtpSink::start().await;
    let db = common::TestDatabase::new().await;
    let url = db.url.clone();
    let port = sink.port().to_string();
    let mut command = common::starter_command();
    command
        .env("DATABASE_URL", url)
        .env("SMTP_HOST", "127.0.0.1")
        .env("SMTP_PORT", port)
        .args(["mail-test", "ops@example.com"]);
    let output = common::run_ok(command).await;
    assert!(String::from_utf8_lossy(&output.stdout).contains("sent to ops@example.com via smtp"));
    let received = sink.wait_for(1, Duration::from_secs(5)).await;
    assert_eq!(received[0].to, vec!["ops@example.com"]);
}

#[tokio::test]
async fn a_worker_whose_claim_lapsed_cannot_undo_the_delivery_of_its_successor() {
    let sink = SmtpSink::start().await;
    let app = app_with_smtp(&sink, 5).await;
    let id = enqueue(&app.state, "ada@example.com", password_reset(&app.state)).await;

    // A first worker claims the delivery, then stalls past its lease.
    let stalled = jobs::db::claim_next(&app.state.db, 60.0, None)
        .await
        .unwrap()
        .unwrap();
    sqlx::query("UPDATE jobs SET locked_until = now() - interval '1 second'")
        .execute(&app.state.db)
        .await
        .unwrap();

    // Another worker takes it over and delivers it.
    assert_eq!(run_due(&app.state).await, 1);
    assert_eq!(status_of(&app.state, id).await, (EmailStatus::Sent, 2));

    // The stalled worker wakes up and reports its failure: it changes nothing.
    assert!(
        !jobs::db::schedule_retry(&app.state.db, &stalled, 0.0, "timed out")
            .await
            .unwrap()
    );
    app::email::db::record_error(&app.state.db, id, stalled.attempts, "timed out")
        .await
        .unwrap();
    assert!(
        !jobs::db::mark_failed(&app.state.db, &stalled, "gave up")
            .await
            .unwrap()
    );
    assert_eq!(status_of(&app.state, id).await, (EmailStatus::Sent, 2));
    assert_eq!(run_due(&app.state).await, 0);
    assert_eq!(sink.received().len(), 1, "sent exactly once");
}

/// A worker that dies during the last attempt leaves no message `sending` for ever: the next
/// worker records the job and the message failed, and says why.
#[tokio::test]
async fn a_message_whose_worker_died_on_the_last_attempt_is_recorded_failed() {
    let sink = SmtpSink::start().await;
    let app = app_with_smtp(&sink, 1).await;
    let id = enqueue(&app.state, "ada@example.com", password_reset(&app.state)).await;
    let claimed = jobs::db::claim_next(&app.state.db, 60.0, None)
        .await
        .unwrap()
        .unwrap();
    app::email::db::start_attempt(&app.state.db, id, claimed.attempts)
        .await
        .unwrap()
        .unwrap();
    sqlx::query("UPDATE jobs SET locked_until = now() - interval '1 second'")
        .execute(&app.state.db)
        .await
        .unwrap();

    assert_eq!(run_due(&app.state).await, 0);
    assert_eq!(job_of(&app.state, id).await.0, "failed");
    let stored = app::email::db::find(&app.state.db, id).await.unwrap();
    assert_eq!((stored.status, stored.attempts), (EmailStatus::Failed, 1));
    assert_eq!(
        stored.last_error.as_deref(),
        Some("its worker stopped during the last attempt")
    );
    assert!(sink.received().is_empty());
}

/// A real instance claims a message and is killed while the SMTP server holds it mid-send
/// (before accepting it). Its heartbeat kept the claim for longer than the lease while it
/// lived; dead, its claim lapses, and another worker sends the message, once.
#[tokio::test]
async fn a_worker_killed_mid_send_hands_the_message_over_and_it_is_sent_once() {
    let sink = SmtpSink::start().await;
    sink.hold(true);
    let db = TestDatabase::new().await;
    let port = sink.port().to_string();
    let config = smtp_config(&sink, 5, &[("JOBS_LEASE_SECS", "2")]);
    let mut tx = db.pool.begin().await.unwrap();
    let id = Mailer::new(&config)
        .enqueue(
            &mut tx,
            "ada@example.com".parse().unwrap(),
            password_reset_to(&Mailer::new(&config)),
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut a = Instance::start(&[
        ("DATABASE_URL", db.url.as_str()),
        ("SMTP_HOST", "127.0.0.1"),
        ("SMTP_PORT", &port),
        ("SMTP_TIMEOUT_SECS", "60"),
        ("JOBS_LEASE_SECS", "2"),
    ]);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while sink.held() == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the instance never sent: {}",
            a.output()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let state = AppState::new(config, db.pool.clone()).unwrap();
    // Mid-send for longer than the lease, the living instance keeps its claim.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(run_due(&state).await, 0);
    assert_eq!(
        status_of(&state, id).await,
        (EmailStatus::Sending, 1),
        "{}",
        a.output()
    );

    a.kill();
    sink.hold(false);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while run_due(&state).await == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the dead instance's claim never lapsed"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(status_of(&state, id).await, (EmailStatus::Sent, 2));
    assert_eq!(job_of(&state, id).await.0, "done");
    let received = sink.wait_for(1, Duration::from_secs(5)).await;
    assert_eq!(received.len(), 1, "sent exactly once");
    assert_eq!(received[0].to, vec!["ada@example.com"]);
    assert_eq!(sink.held(), 1);
}

/// Mail waiting when delivery became a job gets a job each (with its attempts and due time),
/// and undoing the migration puts what is still waiting back in the outbox's own queue.
#[tokio::test]
async fn the_migration_to_delivery_jobs_moves_waiting_mail_both_ways() {
    let app = TestApp::new().await;
    let state = &app.state;
    let waiting = enqueue(state, "ada@example.com", password_reset(state)).await;
    const BEFORE: i64 = 20261127000000;

    MIGRATOR.undo(&state.db, BEFORE).await.unwrap();
    let (status, due_in): (String, f64) = sqlx::query_as(
        "SELECT status::text, extract(epoch FROM next_attempt_at - now())::float8 \
         FROM email_outbox WHERE id = $1",
    )
    .bind(waiting)
    .fetch_one(&state.db)
    .await
    .unwrap();
    assert_eq!(status, "pending");
    assert!(due_in <= 0.0);
    assert_eq!(count(state, "SELECT count(*) FROM jobs").await, 0);

    // Mail as the outbox's own worker left it: one being sent (claimed for another minute,
    // twice tried), one sent, one given up on.
    let outbox_row = |status: &'static str, attempts: i32, claimed: bool| {
        sqlx::query_scalar::<_, Uuid>(
            "INSERT INTO email_outbox (template, from_address, to_addresses, subject, \
             text_body, html_body, raw_message, status, attempts, locked_until) \
             VALUES ('password-reset', 'a@example.com', '{b@example.com}', 's', 't', 'h', \
             'raw', $1::email_status, $2, CASE WHEN $3 THEN now() + interval '1 minute' END) \
             RETURNING id",
        )
        .bind(status)
        .bind(attempts)
        .bind(claimed)
        .fetch_one(&state.db)
    };
    let sending = outbox_row("sending", 2, true).await.unwrap();
    outbox_row("sent", 1, false).await.unwrap();
    outbox_row("failed", 12, false).await.unwrap();

    MIGRATOR.run(&state.db).await.unwrap();
    assert_eq!(count(state, "SELECT count(*) FROM jobs").await, 2);
    assert_eq!(status_of(state, sending).await, (EmailStatus::Pending, 2));
    let (job, attempts, due_in) = job_of(state, sending).await;
    assert_eq!((job.as_str(), attempts), ("queued", 2));
    assert!((50.0..=60.0).contains(&due_in), "due in {due_in} s");
    let (job, attempts, due_in) = job_of(state, waiting).await;
    assert_eq!((job.as_str(), attempts), ("queued", 0));
    assert!(due_in <= 0.0);

    // The jobs worker delivers what is due; the message still claimed waits for its claim.
    assert_eq!(run_due(state).await, 1);
    assert_eq!(status_of(state, waiting).await, (EmailStatus::Sent, 1));
    assert_eq!(status_of(state, sending).await, (EmailStatus::Pending, 2));
}

#[tokio::test]
async fn mailbox_pages_escape_what_messages_contain() {
    let app = TestApp::new().await;
    let content = app::email::EmailContent {
        template: "test-message",
        subject: "<script>alert('subject')</script>".into(),
        html: maud::html! { p { "hello" } },
        // Addresses in the text part become links; nothing else does, and nothing runs.
        text: "<img src=x onerror=alert('text')> https://x.test/\"><img src=y> javascript:alert(1)"
            .into(),
    };
    let id = enqueue(&app.state, "ada@example.com", content).await;
    for page in [
        app.get("/dev/mailbox").await,
        app.get(&format!("/dev/mailbox/{id}")).await,
    ] {
        let doc = page.document();
        assert!(select(&doc, "script:not([src])").is_empty());
        assert!(select(&doc, "main img").is_empty());
        assert!(select(&doc, "a[href^=javascript]").is_empty());
        assert!(
            page.text()
                .contains("&lt;script&gt;alert('subject')&lt;/script&gt;")
        );
    }
    let shown = app.get(&format!("/dev/mailbox/{id}")).await.document();
    let links: Vec<_> = select(&shown, "pre.text a")
        .iter()
        .filter_map(|a| a.attr("href"))
        .map(str::to_owned)
        .collect();
    assert_eq!(links, ["https://x.test/"]);
}
