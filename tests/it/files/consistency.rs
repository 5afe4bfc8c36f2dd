//! Storage and the files table never disagree for long, on the local folder and on a real S3
//! server: storage going away leaves no record and a clear message; the database failing
//! after the objects were stored leaves no object; what a failure leaves anyway (an orphaned
//! object, a deletion cut short, a spooled upload) is repaired by the cleanup pass.

use crate::common;

use app::web::public_id::PublicId;
use std::time::{Duration, SystemTime};

use app::{
    backends::storage::ObjectKey,
    files::{cleanup, ops},
};
use axum::http::StatusCode;
use common::{
    TestApp, TestClient, run_ok, select, starter_command, text_of,
    uploads::{Part, TestStorage, png, record_count, stored_keys},
};

async fn first_file_id(client: &mut TestClient<'_>) -> String {
    let page = client.get("/files").await;
    let doc = page.document();
    let link = select(&doc, ".file-list th[scope=row] a")[0]
        .attr("href")
        .unwrap()
        .to_owned();
    let id: PublicId = link.trim_start_matches("/files/").parse().unwrap();
    id.0.to_string()
}

fn error_message(response: &common::TestResponse) -> String {
    text_of(&select(&response.document(), ".error-page .message")[0])
}

#[tokio::test]
async fn with_s3_down_uploads_fail_clearly_and_nothing_is_half_done() {
    let mut storage = TestStorage::s3();
    let app = storage.app(&[]).await;
    let mut ada = app.signed_in("ada@example.com").await;
    let response = ada.upload(&[Part::file("before.png", &png(20, 20))]).await;
    assert_eq!(response.status, StatusCode::SEE_OTHER);
    let id = first_file_id(&mut ada).await;

    let TestStorage::S3(server) = &mut storage else {
        unreachable!()
    };
    server.stop();
    let response = ada
        .upload(&[Part::file("during.txt", b"written while S3 is down")])
        .await;
    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        error_message(&response),
        "File storage is not answering, so nothing was uploaded. Please try again in a moment."
    );
    assert_eq!(record_count(&app).await, 1);
    // A deletion that cannot reach storage is not done at all: the file stays listed.
    let response = ada.post(&format!("/files/{id}/delete"), &[]).await;
    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(error_message(&response).contains("the file was not deleted"));
    assert_eq!(first_file_id(&mut ada).await, id);
    let response = ada.get(&format!("/files/{id}/thumbnail")).await;
    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
    // The list itself needs no storage.
    assert_eq!(ada.get("/files").await.status, StatusCode::OK);

    server.resume();
    assert_eq!(
        stored_keys(&app).await.len(),
        2,
        "the first file and its thumbnail"
    );
    let response = ada.post(&format!("/files/{id}/delete"), &[]).await;
    assert_eq!(response.status, StatusCode::SEE_OTHER);
    assert!(stored_keys(&app).await.is_empty());
    assert_eq!(record_count(&app).await, 0);
}

#[tokio::test]
async fn with_the_local_folder_unwritable_uploads_fail_clearly_and_leave_nothing() {
    let storage = TestStorage::local();
    let app = storage.app(&[]).await;
    let mut ada = app.signed_in("ada@example.com").await;
    let TestStorage::Local(dir) = &storage else {
        unreachable!()
    };
    // Objects go in `files/`; a plain file in its place makes every store fail.
    std::fs::write(dir.join("files"), b"not a folder").unwrap();

    let response = ada.upload(&[Part::file("notes.txt", b"some notes")]).await;
    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(error_message(&response).contains("nothing was uploaded"));
    assert_eq!(record_count(&app).await, 0);
    assert_eq!(std::fs::read_dir(dir.join(".incoming")).unwrap().count(), 0);
}

#[tokio::test]
async fn a_removal_that_fails_while_s3_is_down_is_retried_until_it_is_back() {
    let mut storage = TestStorage::s3();
    let app = storage.app(&[]).await;
    let key = ObjectKey::random("files");
    app.state
        .storage
        .put_bytes(&key, b"left by a failed upload", "text/plain")
        .await
        .unwrap();

    let TestStorage::S3(server) = &mut storage else {
        unreachable!()
    };
    server.stop();
    // Returns at once: the removal goes on in the background.
    ops::remove_or_retry(&app.state.storage, vec![key.clone()]).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    server.resume();
    let started = std::time::Instant::now();
    while !stored_keys(&app).await.is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{key} is still there"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Makes every insert into the files table fail, as a database rejecting the write would.
async fn refuse_file_records(app: &TestApp) {
    for statement in [
        "CREATE FUNCTION refuse_file() RETURNS trigger LANGUAGE plpgsql AS \
         $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$",
        "CREATE TRIGGER refuse_file BEFORE INSERT ON files \
         FOR EACH ROW EXECUTE FUNCTION refuse_file()",
    ] {
        sqlx::query(statement).execute(&app.state.db).await.unwrap();
    }
}

#[tokio::test]
async fn a_database_failure_after_storing_leaves_no_object_locally() {
    database_failure_after_storing(TestStorage::local()).await;
}

#[tokio::test]
async fn a_database_failure_after_storing_leaves_no_object_in_s3() {
    database_failure_after_storing(TestStorage::s3()).await;
}

async fn database_failure_after_storing(storage: TestStorage) {
    let app = storage.app(&[]).await;
    let mut ada = app.signed_in("ada@example.com").await;
    refuse_file_records(&app).await;
    let response = ada
        .upload(&[
            Part::file("photo.png", &png(50, 50)),
            Part::file("notes.txt", b"notes"),
        ])
        .await;
    assert_eq!(response.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        !response.text().contains("refused by the test"),
        "the cause is logged, not shown"
    );
    assert_eq!(record_count(&app).await, 0);
    assert!(
        stored_keys(&app).await.is_empty(),
        "objects of the failed upload are left"
    );
}

/// Backdates a local object, as if it had been written `age` ago.
fn age_local_object(storage: &TestStorage, key: &str, age: Duration) {
    let TestStorage::Local(dir) = storage else {
        unreachable!()
    };
    let file = std::fs::File::options()
        .write(true)
        .open(dir.join(key))
        .unwrap();
    file.set_modified(SystemTime::now() - age).unwrap();
}

#[tokio::test]
async fn the_cleanup_pass_repairs_what_failures_leave_locally() {
    cleanup_pass(TestStorage::local()).await;
}

#[tokio::test]
async fn the_cleanup_pass_repairs_what_failures_leave_in_s3() {
    cleanup_pass(TestStorage::s3()).await;
}

async fn cleanup_pass(storage: TestStorage) {
    let app = storage.app(&[]).await;
    let mut ada = app.signed_in("ada@example.com").await;
    ada.upload(&[Part::file("kept.png", &png(30, 30))]).await;
    let kept = first_file_id(&mut ada).await;
    ada.upload(&[Part::file("deleting.txt", b"cut short")])
        .await;
    let deleting = first_file_id(&mut ada).await;
    // A deletion cut off after it marked the record (the process died, say).
    sqlx::query("UPDATE files SET deleting_since = now() - interval '1 hour' WHERE id = $1::uuid")
        .bind(&deleting)
        .execute(&app.state.db)
        .await
        .unwrap();
    // An object whose upload never wrote its record.
    let orphan = ObjectKey::random("files");
    app.state
        .storage
        .put_bytes(&orphan, b"orphan", "text/plain")
        .await
        .unwrap();
    assert_eq!(stored_keys(&app).await.len(), 4);

    // Within the grace period nothing is touched: it may be a request under way.
    let report = cleanup::run(&app.state.db, &app.state.storage, Duration::from_secs(7200))
        .await
        .unwrap();
    assert_eq!(report.orphans_removed, 0);
    assert_eq!(report.deletions_finished, 0);
    assert_eq!(stored_keys(&app).await.len(), 4);

    let report = cleanup::run(&app.state.db, &app.state.storage, Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(report.deletions_finished, 1);
    assert_eq!(report.orphans_removed, 1);
    let keys = stored_keys(&app).await;
    assert_eq!(keys.len(), 2, "kept.png and its thumbnail: {keys:?}");
    assert!(!keys.contains(&orphan.as_str().to_owned()));
    assert_eq!(record_count(&app).await, 1);
    // Served by the app, or by S3 through a redirect.
    let download = ada.get(&format!("/files/{kept}/download")).await.status;
    assert!(
        matches!(download, StatusCode::OK | StatusCode::SEE_OTHER),
        "{download}"
    );

    // Nothing left to do.
    let again = cleanup::run(&app.state.db, &app.state.storage, Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(again, cleanup::CleanupReport::default());
}

#[tokio::test]
async fn files_cleanup_on_the_command_line_removes_old_orphans() {
    let storage = TestStorage::local();
    let app = storage.app(&[]).await;
    let old = ObjectKey::random("files");
    let new = ObjectKey::random("files");
    for key in [&old, &new] {
        app.state
            .storage
            .put_bytes(key, b"orphan", "text/plain")
            .await
            .unwrap();
    }
    age_local_object(&storage, old.as_str(), Duration::from_secs(3 * 3600));

    let mut command = starter_command();
    command
        .env("DATABASE_URL", &app.db.url)
        .arg("files")
        .arg("cleanup");
    for (name, value) in storage.variables() {
        command.env(name, value);
    }
    let output = run_ok(command).await;
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(
        printed.contains("0 interrupted deletions finished, 1 orphaned objects"),
        "{printed}"
    );
    // The young orphan may be an upload still under way: left alone.
    assert_eq!(stored_keys(&app).await, [new.as_str()]);
}
