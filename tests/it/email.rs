//! Email end to end: templates composed by the app, queued in PostgreSQL, delivered by the
//! worker to a real SMTP peer on loopback; outages, retries and concurrent workers; the dev
//! mailbox and previews.

use crate::common;

use std::{sync::Arc, time::Duration};

use app::{
    AppState,
    auth::emails::{self, EmailChanged, PasswordReset},
    backends::mail::MailTransport,
    email::{
        db::EmailStatus,
        worker::{DeliveryWorker, RetryPolicy},
    },
};
use axum::http::StatusCode;
use common::{
    TestApp, assert_security_headers, production_config, select, smtp::SmtpSink, test_config,
    text_of,
};
use lettre::message::Mailbox;
use mail_parser::{MessageParser, MimeHeaders};
use serde_json::Value;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

const BASE_URL: &str = "https://app.example.com";

/// An app whose mail goes to `sink`, with fast retries.
async fn app_with_smtp(sink: &SmtpSink, max_attempts: u32) -> TestApp {
    let port = sink.port().to_string();
    let attempts = max_attempts.to_string();
    TestApp::with_config(test_config(&[
        ("APP_BASE_URL", BASE_URL),
        ("EMAIL_FROM", "Acme Support <support@acme.example>"),
        ("SMTP_HOST", "127.0.0.1"),
        ("SMTP_PORT", &port),
        ("SMTP_TIMEOUT_SECS", "2"),
        ("EMAIL_MAX_ATTEMPTS", &attempts),
        ("EMAIL_RETRY_BASE_SECS", "1"),
    ]))
    .await
}

fn worker(state: &AppState) -> DeliveryWorker {
    DeliveryWorker::new(
        state.db.clone(),
        state.mail_transport.clone(),
        RetryPolicy::from_config(&state.config.email),
    )
}

fn password_reset(state: &AppState) -> app::email::EmailContent {
    emails::password_reset(&PasswordReset {
        name: None,
        link: &state.mailer.url("/password/reset?token=abc"),
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

    assert_eq!(
        worker(&app.state)
            .deliver_due(&CancellationToken::new())
            .await
            .unwrap(),
        1
    );
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
}

#[tokio::test]
async fn while_smtp_is_down_the_message_waits_then_goes_out_exactly_once() {
    let sink = SmtpSink::start().await;
    let app = app_with_smtp(&sink, 10).await;
    sink.stop();
    let id = enqueue(&app.state, "ada@example.com", password_reset(&app.state)).await;

    // The real worker loop, as the app runs it.
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

    // Two instances: separate transports (connection pools), same database.
    let shutdown = CancellationToken::new();
    let mut workers = Vec::new();
    for _ in 0..2 {
        let transport = MailTransport::from_config(app.state.config.email.smtp.as_ref()).unwrap();
        let worker = DeliveryWorker::new(
            app.state.db.clone(),
            Arc::new(transport),
            RetryPolicy::from_config(&app.state.config.email),
        );
        workers.push(tokio::spawn(worker.run(shutdown.clone())));
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
async fn after_the_last_attempt_a_message_is_failed_and_counted() {
    let sink = SmtpSink::start().await;
    let app = app_with_smtp(&sink, 2).await;
    sink.stop();
    let id = enqueue(&app.state, "ada@example.com", password_reset(&app.state)).await;
    let worker = worker(&app.state);
    let never = CancellationToken::new();

    worker.deliver_due(&never).await.unwrap();
    assert_eq!(status_of(&app.state, id).await, (EmailStatus::Pending, 1));
    // Not due again until its backoff has passed.
    assert_eq!(worker.deliver_due(&never).await.unwrap(), 0);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    worker.deliver_due(&never).await.unwrap();
    assert_eq!(status_of(&app.state, id).await, (EmailStatus::Failed, 2));

    let ready = app.get("/health/ready").await;
    assert_eq!(
        ready.status,
        StatusCode::OK,
        "SMTP trouble does not fail readiness"
    );
    let body: Value = serde_json::from_slice(&ready.body).unwrap();
    assert_eq!(body["email_outbox"]["failed"], 1);
    assert_eq!(body["checks"]["smtp"], "unavailable");
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
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM email_outbox")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn the_dev_mailbox_lists_and_shows_a_message_in_its_parts() {
    let app = TestApp::with_config(test_config(&[("APP_BASE_URL", BASE_URL)])).await;
    assert_eq!(app.state.mail_transport.name(), "dev-mailbox");
    let id = enqueue(&app.state, "ada@example.com", password_reset(&app.state)).await;
    worker(&app.state)
        .deliver_due(&CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(status_of(&app.state, id).await, (EmailStatus::Sent, 1));

    let list = app.get("/dev/mailbox").await;
    assert_eq!(list.status, StatusCode::OK);
    let doc = list.document();
    let rows = select(&doc, ".data-table tbody tr");
    assert_eq!(rows.len(), 1);
    let link = select(&doc, ".data-table tbody tr a")[0];
    assert_eq!(text_of(&link), "Reset your password");
    assert_eq!(
        link.attr("href"),
        Some(format!("/dev/mailbox/{id}").as_str())
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
        Some(format!("/dev/mailbox/{id}/html").as_str())
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
    assert!(select(&list.document(), ".data-table").is_empty());
    assert_eq!(select(&list.document(), ".empty-state").len(), 1);
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
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM email_outbox")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(count, 0, "previews must not queue anything");
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

    // A first worker claims the message, then stalls past its lease.
    let stalled = app::email::db::claim_next(&app.state.db, 60.0)
        .await
        .unwrap()
        .unwrap();
    sqlx::query("UPDATE email_outbox SET locked_until = now() - interval '1 second'")
        .execute(&app.state.db)
        .await
        .unwrap();

    // Another worker takes it over and delivers it.
    worker(&app.state)
        .deliver_due(&CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(status_of(&app.state, id).await, (EmailStatus::Sent, 2));

    // The stalled worker wakes up and reports its failure: it changes nothing.
    app::email::db::schedule_retry(&app.state.db, &stalled, 0.0, "timed out")
        .await
        .unwrap();
    app::email::db::mark_failed(&app.state.db, &stalled, "gave up")
        .await
        .unwrap();
    assert_eq!(status_of(&app.state, id).await, (EmailStatus::Sent, 2));
    worker(&app.state)
        .deliver_due(&CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(sink.received().len(), 1, "sent exactly once");
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
