//! The contacts export through the whole app: starting one, its page and progress fragment,
//! the job's CSV (the owner's contacts only, quoting, formula cells), the download, expiry,
//! failures and retries, and a job that survives the death of the instance running it.

use crate::common;

use std::{
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use app::web::public_id::PublicId;
use app::{
    contacts,
    jobs::{self, Worker, db::NewJob},
};
use axum::{
    body::Body,
    http::{Method, Request, StatusCode},
};
use common::{
    TestApp, TestClient, TestDatabase, accounts::create_user, instances::Instance, select, text_of,
    uploads::TestStorage,
};
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

async fn user_id(db: &PgPool, email: &str) -> Uuid {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(db)
        .await
        .unwrap()
}

/// `count` plain contacts for `owner`, written straight to the table.
async fn seed(db: &PgPool, owner: Uuid, count: i32) {
    sqlx::query(
        "INSERT INTO contacts (owner_id, first_name, last_name, email, company) \
         SELECT $1, 'Person', lpad(i::text, 6, '0'), 'person' || i || '@example.com', 'Acme' \
         FROM generate_series(1, $2) AS i",
    )
    .bind(owner)
    .bind(count)
    .execute(db)
    .await
    .unwrap();
}

/// One contact with these values (first name, last name, email, phone, company, notes).
async fn add(db: &PgPool, owner: Uuid, values: [Option<&str>; 6]) {
    sqlx::query(
        "INSERT INTO contacts (owner_id, first_name, last_name, email, phone, company, notes) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(owner)
    .bind(values[0])
    .bind(values[1])
    .bind(values[2])
    .bind(values[3])
    .bind(values[4])
    .bind(values[5])
    .execute(db)
    .await
    .unwrap();
}

/// Starts an export as the list's button does; returns its id, as its URLs and page carry it.
async fn start_export(client: &mut TestClient<'_>) -> PublicId {
    let response = client.post("/contacts/export", &[]).await;
    assert_eq!(
        response.status,
        StatusCode::SEE_OTHER,
        "{}",
        response.text()
    );
    response
        .header("location")
        .unwrap()
        .strip_prefix("/contacts/exports/")
        .unwrap()
        .parse()
        .unwrap()
}

/// Runs every due job, as a worker of the app would.
async fn run_jobs(app: &TestApp) -> usize {
    Worker::new(app.state.clone())
        .run_due(&CancellationToken::new())
        .await
        .unwrap()
}

fn records(csv: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_reader(csv);
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|record| record.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

fn local_dir(storage: &TestStorage) -> &Path {
    match storage {
        TestStorage::Local(dir) => dir,
        TestStorage::S3(_) => unreachable!("these tests store files locally"),
    }
}

fn stored_file(dir: &Path, id: Uuid) -> PathBuf {
    dir.join(format!("exports/{id}.csv"))
}

#[derive(Debug, sqlx::FromRow)]
struct JobRow {
    status: String,
    attempts: i32,
    progress_done: i64,
    progress_total: Option<i64>,
    last_error: Option<String>,
}

async fn job_row(db: &PgPool, id: Uuid) -> JobRow {
    sqlx::query_as(
        "SELECT status::text AS status, attempts, progress_done, progress_total, last_error \
         FROM jobs WHERE id = $1",
    )
    .bind(id)
    .fetch_one(db)
    .await
    .unwrap()
}

#[tokio::test]
async fn the_list_has_an_export_button_that_posts_once_there_is_something_to_export() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    let button = ".heading form[method=post][action='/contacts/export'] button[type=submit]";
    // An empty book has nothing to export.
    assert!(select(&ada.get("/contacts").await.document(), button).is_empty());
    seed(
        &app.state.db,
        user_id(&app.state.db, "ada@example.com").await,
        1,
    )
    .await;
    // Written to the database directly, the contact shows once PostgreSQL's notification of
    // it is heard, a moment after its commit (`web::page_cache`).
    let started = std::time::Instant::now();
    let doc = loop {
        let doc = ada.get("/contacts").await.document();
        if !select(&doc, button).is_empty() || started.elapsed().as_secs() >= 2 {
            break doc;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    let buttons = select(&doc, button);
    assert_eq!(buttons.len(), 1);
    assert!(text_of(&buttons[0]).starts_with("Export CSV"));
}

#[tokio::test]
async fn an_export_has_every_contact_of_its_owner_and_no_one_elses() {
    let storage = TestStorage::local();
    let app = storage.app(&[]).await;
    let mut ada = app.signed_in("ada@example.com").await;
    let mut bob = app.signed_in("bob@example.com").await;
    let ada_id = user_id(&app.state.db, "ada@example.com").await;
    let bob_id = user_id(&app.state.db, "bob@example.com").await;
    seed(&app.state.db, ada_id, 2_500).await;
    let tricky = "Met at \"the conference\", Berlin;\nsecond line\r\nthird, with a comma";
    add(
        &app.state.db,
        ada_id,
        [
            Some("Zoë"),
            Some("O'Brien, Jr."),
            Some("zoe@example.com"),
            Some("+44 20 7946 0958"),
            Some("=HYPERLINK(\"http://evil.test\",\"click\")"),
            Some(tricky),
        ],
    )
    .await;
    add(
        &app.state.db,
        ada_id,
        [
            Some("@SUM(A1:A9)"),
            Some("-2+3"),
            None,
            None,
            None,
            Some("\tindented"),
        ],
    )
    .await;
    add(
        &app.state.db,
        bob_id,
        [
            Some("Bob's secret"),
            None,
            Some("secret@example.com"),
            None,
            None,
            None,
        ],
    )
    .await;

    let id = start_export(&mut ada).await;
    let waiting = ada.get(&format!("/contacts/exports/{id}")).await;
    assert_eq!(waiting.status, StatusCode::OK);
    let doc = waiting.document();
    // Live events are swapped into a wrapper that stays; the fragment inside polls.
    let live = select(&doc, &format!("main #export-{}.export-live", id.0));
    assert_eq!(live.len(), 1);
    assert_eq!(
        live[0].value().attr("data-sse-swap"),
        Some(format!("export-{}", id.0).as_str())
    );
    assert_eq!(live[0].value().attr("data-hx-swap"), Some("innerHTML"));
    let fragment = select(&doc, &format!("#export-{} > .export-progress", id.0));
    assert_eq!(fragment.len(), 1);
    let fragment = fragment[0].value();
    assert_eq!(fragment.attr("data-hx-disinherit"), Some("*"));
    assert_eq!(
        fragment.attr("data-hx-get"),
        Some(format!("/contacts/exports/{id}").as_str())
    );
    assert_eq!(fragment.attr("data-hx-trigger"), Some("every 2s"));
    assert_eq!(fragment.attr("data-hx-swap"), Some("outerHTML"));
    // Without JavaScript: a link to the page itself, and a labelled bar.
    assert_eq!(
        select(
            &doc,
            &format!(".export-progress a[href='/contacts/exports/{id}']")
        )
        .len(),
        1
    );
    assert_eq!(
        select(
            &doc,
            &format!(
                "label[for='export-{0}-bar'] ~ progress#export-{0}-bar",
                id.0
            )
        )
        .len(),
        1
    );
    // The page's stream is open around it (the layout's), so live events reach it.
    assert_eq!(select(&doc, "[data-sse-connect='/live'] main").len(), 1);

    assert_eq!(run_jobs(&app).await, 1);
    let job = job_row(&app.state.db, id.0).await;
    assert_eq!(job.status, "done");
    assert_eq!(job.attempts, 1);
    assert_eq!(
        (job.progress_done, job.progress_total),
        (2_502, Some(2_502))
    );

    let done = ada.get(&format!("/contacts/exports/{id}")).await;
    let doc = done.document();
    let fragment = &select(&doc, ".export-progress")[0];
    assert!(
        fragment.value().attr("data-hx-get").is_none(),
        "a finished export still polls"
    );
    assert!(
        text_of(fragment).contains("Exported 2,502 contacts."),
        "{}",
        text_of(fragment)
    );
    let link = select(
        &doc,
        &format!(".export-progress a[href='/contacts/exports/{id}/download']"),
    );
    assert_eq!(link.len(), 1);
    assert_eq!(link[0].value().attr("data-hx-boost"), Some("false"));

    let download = ada.get(&format!("/contacts/exports/{id}/download")).await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(
        download.header("content-type"),
        Some("text/csv; charset=utf-8")
    );
    let today = time::OffsetDateTime::now_utc().date();
    assert_eq!(
        download.header("content-disposition").unwrap(),
        format!(
            "attachment; filename=\"contacts-{:04}-{:02}-{:02}.csv\"",
            today.year(),
            u8::from(today.month()),
            today.day()
        )
    );
    assert_eq!(download.header("cache-control"), Some("private, no-store"));

    let (header, rows) = records(&download.body);
    assert_eq!(
        header,
        [
            "First name",
            "Last name",
            "Email",
            "Phone",
            "Company",
            "Notes",
            "Created"
        ]
    );
    assert_eq!(rows.len(), 2_502);
    let text = download.text();
    assert!(
        !text.contains("secret"),
        "another user's contact is in the export"
    );
    let zoe = rows.iter().find(|row| row[0] == "Zoë").unwrap();
    assert_eq!(zoe[1], "O'Brien, Jr.");
    assert_eq!(zoe[3], "'+44 20 7946 0958");
    assert_eq!(zoe[4], "'=HYPERLINK(\"http://evil.test\",\"click\")");
    assert_eq!(zoe[5], tricky);
    assert!(zoe[6].ends_with('Z') && zoe[6].starts_with(&today.year().to_string()));
    let formulas = rows.iter().find(|row| row[0] == "'@SUM(A1:A9)").unwrap();
    assert_eq!(formulas[1], "'-2+3");
    assert_eq!(formulas[5], "'\tindented");
    // No cell of the file starts with what a spreadsheet would evaluate.
    for row in &rows {
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell:?}"
            );
        }
    }
    // In the list's order, every seeded contact once.
    let people: Vec<&str> = rows
        .iter()
        .filter(|row| row[0] == "Person")
        .map(|row| row[1].as_str())
        .collect();
    assert_eq!(people.len(), 2_500);
    assert!(people.windows(2).all(|pair| pair[0] < pair[1]));

    // A boosted link (or the toast's, inside the boosted page) gets a full load instead, so
    // that the CSV is downloaded rather than swapped into the page.
    let boosted = ada
        .send(
            Request::get(format!("/contacts/exports/{id}/download"))
                .header("hx-request", "true")
                .header("hx-boosted", "true")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(
        boosted.header("hx-redirect"),
        Some(format!("/contacts/exports/{id}/download").as_str())
    );

    // Bob's own export has his one contact.
    let bobs = start_export(&mut bob).await;
    assert_ne!(bobs, id);
    run_jobs(&app).await;
    let (_, rows) = records(
        &bob.get(&format!("/contacts/exports/{bobs}/download"))
            .await
            .body,
    );
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][0], "Bob's secret");
}

#[tokio::test]
async fn htmx_polling_gets_the_fragment_alone() {
    let storage = TestStorage::local();
    let app = storage.app(&[]).await;
    let mut ada = app.signed_in("ada@example.com").await;
    let ada_id = user_id(&app.state.db, "ada@example.com").await;
    seed(&app.state.db, ada_id, 3).await;
    let id = start_export(&mut ada).await;

    let polled = ada.get_htmx(&format!("/contacts/exports/{id}")).await;
    assert_eq!(polled.status, StatusCode::OK);
    let text = polled.text();
    assert!(text.starts_with("<div class=\"export-progress\""), "{text}");
    assert!(!text.contains("<h1") && !text.contains("<title"), "{text}");
    assert!(text.contains("Waiting to start"), "{text}");
    assert_eq!(polled.header("cache-control"), Some("private, no-store"));

    run_jobs(&app).await;
    let polled = ada.get_htmx(&format!("/contacts/exports/{id}")).await;
    let doc = polled.fragment();
    let fragment = &select(&doc, ".export-progress")[0];
    assert!(fragment.value().attr("data-hx-get").is_none());
    assert!(fragment.value().attr("data-sse-swap").is_none());
    assert!(text_of(fragment).contains("Exported 3 contacts."));
}

#[tokio::test]
async fn a_second_export_while_one_is_under_way_is_the_same_one() {
    let storage = TestStorage::local();
    let app = storage.app(&[]).await;
    let mut ada = app.signed_in("ada@example.com").await;
    let first = start_export(&mut ada).await;
    assert_eq!(start_export(&mut ada).await, first);
    // From htmx (a targeted request), the same export, by HX-Redirect.
    let htmx = ada.htmx(Method::POST, "/contacts/export", None, &[]).await;
    assert_eq!(
        htmx.header("hx-redirect"),
        Some(format!("/contacts/exports/{first}").as_str())
    );
    // Running counts as under way too.
    sqlx::query("UPDATE jobs SET status = 'running', attempts = 1, locked_until = now() + interval '1 minute' WHERE id = $1")
        .bind(first.0)
        .execute(&app.state.db)
        .await
        .unwrap();
    assert_eq!(start_export(&mut ada).await, first);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(count, 1);

    // Another user's export is their own.
    let mut bob = app.signed_in("bob@example.com").await;
    assert_ne!(start_export(&mut bob).await, first);

    // Once it is finished, and a contact added, a new one starts.
    sqlx::query(
        "UPDATE jobs SET status = 'queued', attempts = 0, locked_until = NULL WHERE id = $1",
    )
    .bind(first.0)
    .execute(&app.state.db)
    .await
    .unwrap();
    run_jobs(&app).await;
    let owner = user_id(&app.state.db, "ada@example.com").await;
    seed(&app.state.db, owner, 1).await;
    assert_ne!(start_export(&mut ada).await, first);
}

async fn export_count(db: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM jobs")
        .fetch_one(db)
        .await
        .unwrap()
}

#[tokio::test]
async fn exporting_unchanged_contacts_again_gives_the_last_file_and_one_is_kept() {
    let storage = TestStorage::local();
    let app = storage.app(&[]).await;
    let db = &app.state.db;
    let mut ada = app.signed_in("ada@example.com").await;
    let owner = user_id(db, "ada@example.com").await;
    seed(db, owner, 3).await;
    let first = start_export(&mut ada).await;
    run_jobs(&app).await;

    // Fifteen more clicks on an unchanged address book: the same export, and no new job.
    for _ in 0..15 {
        assert_eq!(start_export(&mut ada).await, first);
    }
    assert_eq!(export_count(db).await, 1);
    let page = ada.get(&format!("/contacts/exports/{first}")).await;
    assert!(page.text().contains("have not changed since this export"));

    // Each kind of change makes a new export, and the one before it goes, file and page.
    let changes = [
        "INSERT INTO contacts (owner_id, first_name, email) VALUES ($1, 'Grace', 'g@example.com')",
        "UPDATE contacts SET notes = 'edited', updated_at = now() \
         WHERE id = (SELECT id FROM contacts WHERE owner_id = $1 ORDER BY sort_name LIMIT 1)",
        "DELETE FROM contacts WHERE id = (SELECT id FROM contacts WHERE owner_id = $1 LIMIT 1)",
    ];
    let dir = local_dir(&storage);
    let mut last = first;
    for change in changes {
        sqlx::query(change).bind(owner).execute(db).await.unwrap();
        let next = start_export(&mut ada).await;
        assert_ne!(next, last, "after {change}");
        run_jobs(&app).await;
        assert!(stored_file(dir, next.0).exists());
        assert!(!stored_file(dir, last.0).exists(), "after {change}");
        let old = ada.get(&format!("/contacts/exports/{last}")).await;
        assert_eq!(old.status, StatusCode::NOT_FOUND);
        assert_eq!(export_count(db).await, 1);
        last = next;
    }

    // Another user's unchanged address book is not a reason to reuse anything of Ada's.
    let mut bob = app.signed_in("bob@example.com").await;
    assert_ne!(start_export(&mut bob).await, last);
}

#[tokio::test]
async fn another_users_export_and_malformed_ids_are_not_found() {
    let storage = TestStorage::local();
    let app = storage.app(&[]).await;
    let mut ada = app.signed_in("ada@example.com").await;
    let mut bob = app.signed_in("bob@example.com").await;
    let id = start_export(&mut ada).await;
    run_jobs(&app).await;
    assert_eq!(
        ada.get(&format!("/contacts/exports/{id}/download"))
            .await
            .status,
        StatusCode::OK
    );

    for path in [
        format!("/contacts/exports/{id}"),
        format!("/contacts/exports/{id}/download"),
        format!("/contacts/exports/{}", Uuid::new_v4()),
        "/contacts/exports/not-an-id".to_owned(),
        "/contacts/exports/not-an-id/download".to_owned(),
    ] {
        let response = bob.get(&path).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{path}");
        assert!(response.is_html(), "{path}");
    }
    let polled = bob.get_htmx(&format!("/contacts/exports/{id}")).await;
    assert_eq!(polled.status, StatusCode::NOT_FOUND);

    // Signed out: the login page, not the export.
    let mut nobody = app.client();
    let response = nobody
        .get(&format!("/contacts/exports/{id}/download"))
        .await;
    assert!(
        common::accounts::redirects_to_login(&response),
        "{}",
        response.status
    );
}

#[tokio::test]
async fn an_export_expires_a_day_after_it_finished() {
    let storage = TestStorage::local();
    let app = storage.app(&[]).await;
    let mut ada = app.signed_in("ada@example.com").await;
    let ada_id = user_id(&app.state.db, "ada@example.com").await;
    seed(&app.state.db, ada_id, 5).await;
    let id = start_export(&mut ada).await;
    run_jobs(&app).await;
    let file = stored_file(local_dir(&storage), id.0);
    assert!(file.exists());

    // Still there after 23 hours; the housekeeping leaves it alone.
    sqlx::query("UPDATE jobs SET finished_at = now() - interval '23 hours' WHERE id = $1")
        .bind(id.0)
        .execute(&app.state.db)
        .await
        .unwrap();
    jobs::housekeeping(&app.state).await.unwrap();
    assert_eq!(
        ada.get(&format!("/contacts/exports/{id}/download"))
            .await
            .status,
        StatusCode::OK
    );

    sqlx::query("UPDATE jobs SET finished_at = now() - interval '25 hours' WHERE id = $1")
        .bind(id.0)
        .execute(&app.state.db)
        .await
        .unwrap();
    for path in [
        format!("/contacts/exports/{id}"),
        format!("/contacts/exports/{id}/download"),
    ] {
        let response = ada.get(&path).await;
        assert_eq!(response.status, StatusCode::GONE, "{path}");
        assert!(response.is_html());
        let doc = response.document();
        assert_eq!(
            text_of(&select(&doc, "main h1")[0]),
            "This export has expired"
        );
        assert_eq!(
            select(&doc, "main form[action='/contacts/export'][method=post]").len(),
            1
        );
    }

    jobs::housekeeping(&app.state).await.unwrap();
    assert!(!file.exists(), "the expired file is still stored");
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(left, 0);
    assert_eq!(
        ada.get(&format!("/contacts/exports/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_failing_export_is_retried_then_offers_to_try_again() {
    // Storage under a file, not a folder: every attempt to spool the CSV fails.
    let blocker = std::env::temp_dir().join(format!("export-blocker-{}", Uuid::new_v4()));
    std::fs::write(&blocker, b"not a folder").unwrap();
    let uploads = blocker.join("uploads");
    let app = TestApp::with_config(common::test_config(&[(
        "UPLOADS_DIR",
        uploads.to_str().unwrap(),
    )]))
    .await;
    let mut ada = app.signed_in("ada@example.com").await;
    let id = start_export(&mut ada).await;

    assert_eq!(run_jobs(&app).await, 1);
    let job = job_row(&app.state.db, id.0).await;
    assert_eq!((job.status.as_str(), job.attempts), ("queued", 1));
    assert!(job.last_error.is_some());
    // Not due again until its backoff has passed.
    assert_eq!(run_jobs(&app).await, 0);
    let page = ada.get(&format!("/contacts/exports/{id}")).await;
    assert!(
        page.text().contains("trying again shortly"),
        "{}",
        page.text()
    );

    // The last attempt: due now, and it fails for good.
    sqlx::query("UPDATE jobs SET run_at = now(), max_attempts = 2 WHERE id = $1")
        .bind(id.0)
        .execute(&app.state.db)
        .await
        .unwrap();
    assert_eq!(run_jobs(&app).await, 1);
    let job = job_row(&app.state.db, id.0).await;
    assert_eq!((job.status.as_str(), job.attempts), ("failed", 2));

    let page = ada.get(&format!("/contacts/exports/{id}")).await;
    let doc = page.document();
    let fragment = &select(&doc, ".export-progress")[0];
    assert!(fragment.value().attr("data-hx-get").is_none());
    assert!(
        text_of(&select(&doc, ".export-progress [role=alert]")[0])
            .contains("could not be completed")
    );
    assert_eq!(
        select(
            &doc,
            ".export-progress form[method=post][action='/contacts/export'] button"
        )
        .len(),
        1
    );
    // The download is not there: back to the page that says why.
    let download = ada.get(&format!("/contacts/exports/{id}/download")).await;
    assert_eq!(download.status, StatusCode::SEE_OTHER);
    assert_eq!(
        download.header("location"),
        Some(format!("/contacts/exports/{id}").as_str())
    );
    // Trying again is a new export.
    assert_ne!(start_export(&mut ada).await, id);
    let _ = std::fs::remove_file(&blocker);
}

/// The measured number of the README: an export of 10,000 contacts (debug build).
#[tokio::test]
async fn ten_thousand_contacts_export_in_batches() {
    let storage = TestStorage::local();
    let app = storage.app(&[]).await;
    let mut ada = app.signed_in("ada@example.com").await;
    let ada_id = user_id(&app.state.db, "ada@example.com").await;
    seed(&app.state.db, ada_id, 10_000).await;
    let id = start_export(&mut ada).await;
    let started = Instant::now();
    assert_eq!(run_jobs(&app).await, 1);
    let elapsed = started.elapsed();
    eprintln!("exported 10,000 contacts in {} ms", elapsed.as_millis());
    let job = job_row(&app.state.db, id.0).await;
    assert_eq!(
        (job.progress_done, job.progress_total),
        (10_000, Some(10_000))
    );
    let (_, rows) = records(&std::fs::read(stored_file(local_dir(&storage), id.0)).unwrap());
    assert_eq!(rows.len(), 10_000);
    assert!(elapsed < Duration::from_secs(30), "{elapsed:?}");
}

/// Two real instances on one database and one storage folder. Instance A claims the export
/// and blocks on a lock the test holds; its heartbeat keeps the claim for longer than the
/// lease while B watches; then A is killed outright, and B takes the job over once the lease
/// lapses, runs it from the start and stores exactly the owner's contacts.
#[tokio::test]
async fn an_export_survives_the_death_of_its_instance() {
    let db = TestDatabase::new().await;
    let uploads = std::env::temp_dir().join(format!("starter-test-instances-{}", Uuid::new_v4()));
    std::fs::create_dir_all(&uploads).unwrap();
    let env = [
        ("DATABASE_URL", db.url.as_str()),
        ("JOBS_LEASE_SECS", "2"),
        ("UPLOADS_DIR", uploads.to_str().unwrap()),
        ("RUST_LOG", "info"),
    ];
    create_user(&db.pool, "ada@example.com", app::auth::db::Role::User).await;
    create_user(&db.pool, "bob@example.com", app::auth::db::Role::User).await;
    let ada = user_id(&db.pool, "ada@example.com").await;
    let bob = user_id(&db.pool, "bob@example.com").await;
    seed(&db.pool, ada, 1_500).await;
    add(
        &db.pool,
        bob,
        [Some("Bob's secret"), None, None, None, None, None],
    )
    .await;

    let mut a = Instance::start(&env);
    let mut lock = db.pool.begin().await.unwrap();
    sqlx::query("LOCK TABLE contacts IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *lock)
        .await
        .unwrap();
    let mut conn = db.pool.acquire().await.unwrap();
    let job = NewJob {
        owner_id: Some(ada),
        unique_key: Some(ada.to_string()),
        ..NewJob::new(&contacts::export::KIND)
    };
    let id = jobs::db::enqueue(&mut conn, &job).await.unwrap().id();
    drop(conn);

    wait_for(&db.pool, id, Duration::from_secs(10), |job| {
        job.status == "running" && job.attempts == 1
    })
    .await
    .unwrap_or_else(|job| panic!("A never claimed the job: {job:?}\n{}", a.output()));

    // B is up and polling; A's heartbeat keeps the claim for longer than the lease.
    let b = Instance::start(&env);
    tokio::time::sleep(Duration::from_secs(4)).await;
    let held = job_row(&db.pool, id).await;
    assert_eq!(
        (held.status.as_str(), held.attempts),
        ("running", 1),
        "{}",
        b.output()
    );

    a.kill();
    lock.rollback().await.unwrap();

    let finished = wait_for(&db.pool, id, Duration::from_secs(30), |job| {
        job.status == "done"
    })
    .await
    .unwrap_or_else(|job| panic!("B never finished the job: {job:?}\n{}", b.output()));
    assert_eq!(finished.attempts, 2);
    assert_eq!(
        (finished.progress_done, finished.progress_total),
        (1_500, Some(1_500))
    );

    let (_, rows) = records(&std::fs::read(stored_file(&uploads, id)).unwrap());
    assert_eq!(rows.len(), 1_500);
    let mut names: Vec<&str> = rows.iter().map(|row| row[1].as_str()).collect();
    names.dedup();
    assert_eq!(names.len(), 1_500, "a contact is in the file twice");
    assert!(
        rows.iter().all(|row| row[0] == "Person"),
        "another user's contact is in the file"
    );
    drop(b);
    let _ = std::fs::remove_dir_all(&uploads);
}

/// Polls the job until `done` holds (its row then), or the time is up (its last row).
async fn wait_for(
    db: &PgPool,
    id: Uuid,
    within: Duration,
    done: impl Fn(&JobRow) -> bool,
) -> Result<JobRow, JobRow> {
    let deadline = Instant::now() + within;
    loop {
        let job = job_row(db, id).await;
        if done(&job) {
            return Ok(job);
        }
        if Instant::now() > deadline {
            return Err(job);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A worker told to stop hands its job back at once (queued, due now, the attempt not
/// counted) instead of leaving it to wait out the lease.
#[tokio::test]
async fn a_worker_stopping_hands_its_job_back() {
    let storage = TestStorage::local();
    let app = storage.app(&[]).await;
    let mut ada = app.signed_in("ada@example.com").await;
    let mut lock = app.state.db.begin().await.unwrap();
    sqlx::query("LOCK TABLE contacts IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *lock)
        .await
        .unwrap();
    let stop = CancellationToken::new();
    let worker = tokio::spawn(Worker::new(app.state.clone()).run(stop.clone()));
    let id = start_export(&mut ada).await;
    wait_for(&app.state.db, id.0, Duration::from_secs(10), |job| {
        job.status == "running"
    })
    .await
    .unwrap();

    stop.cancel();
    tokio::time::timeout(Duration::from_secs(5), worker)
        .await
        .expect("the worker did not stop")
        .unwrap();
    let job = job_row(&app.state.db, id.0).await;
    assert_eq!((job.status.as_str(), job.attempts), ("queued", 0));
    lock.rollback().await.unwrap();
    assert_eq!(run_jobs(&app).await, 1);
    assert_eq!(job_row(&app.state.db, id.0).await.status, "done");
}
