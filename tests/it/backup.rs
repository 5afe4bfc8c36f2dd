//! Database backups through the real binary, as an operator runs them: `db backup` to a
//! folder and to an S3 server, the database dropped, `db restore latest`, and the old user
//! signs in to the same contacts, files and export. Then what must fail, and fail clearly
//! without a half-restored database: a database holding data, a damaged or truncated dump, a
//! dump newer than `pg_restore`, no `pg_dump`, a bucket that does not answer. And the daily
//! backup, a job.

use crate::common;

use std::{
    path::{Path, PathBuf},
    process::Output,
};

use app::{backup, jobs::Worker, state::AppState};
use axum::http::StatusCode;
use common::{
    TestApp, run_ok, select, starter_command, test_config,
    uploads::{Part, TestStorage},
};
use sha2::{Digest, Sha256};
use sqlx::{Connection, Executor, PgConnection};
use tokio_util::sync::CancellationToken;

/// A folder of backups for one test, removed after it.
struct BackupDir(PathBuf);

impl BackupDir {
    fn new() -> Self {
        let dir =
            std::env::temp_dir().join(format!("starter-test-backups-{}", uuid::Uuid::new_v4()));
        Self(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    /// The one backup's dump and manifest.
    fn only_backup(&self) -> (PathBuf, PathBuf) {
        let mut dumps: Vec<PathBuf> = std::fs::read_dir(&self.0)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| {
                path.extension()
                    .is_some_and(|extension| extension == "dump")
            })
            .collect();
        assert_eq!(dumps.len(), 1, "{dumps:?}");
        let dump = dumps.remove(0);
        let manifest = dump.with_extension("json");
        (dump, manifest)
    }
}

impl Drop for BackupDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The binary with `args`, on the app's database and storage, backing up to `backups`.
fn starter(
    app: &TestApp,
    storage: &TestStorage,
    backups: &BackupDir,
    args: &[&str],
) -> std::process::Command {
    let mut command = starter_command();
    command
        .env("DATABASE_URL", &app.db.url)
        .env("BACKUP_DIR", backups.path())
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .args(args);
    for (name, value) in storage.variables() {
        command.env(name, value);
    }
    command
}

/// Runs it and expects it to fail; what it printed on stderr.
async fn run_failing(mut command: std::process::Command) -> String {
    let output: Output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    assert!(
        !output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Drops the app's database and creates it again, empty, as a lost database would be
/// replaced by a new one.
async fn replace_with_empty(app: &TestApp) {
    let mut url = url::Url::parse(&app.db.url).unwrap();
    let name = url.path().trim_start_matches('/').to_owned();
    url.set_path("/postgres");
    let mut admin = PgConnection::connect(url.as_str()).await.unwrap();
    admin
        .execute(format!("DROP DATABASE \"{name}\" WITH (FORCE)").as_str())
        .await
        .unwrap();
    admin
        .execute(format!("CREATE DATABASE \"{name}\"").as_str())
        .await
        .unwrap();
    admin.close().await.unwrap();
}

/// `db restore latest` fails saying `words`, and the (empty) database still has no table.
async fn restoring_fails_and_leaves_no_table(
    app: &TestApp,
    storage: &TestStorage,
    backups: &BackupDir,
    words: &str,
) {
    let said = run_failing(starter(app, storage, backups, &["db", "restore", "latest"])).await;
    assert!(said.contains(words), "{said}");
    assert_eq!(table_count(app).await, 0);
}

async fn table_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        .fetch_one(&app.state.db)
        .await
        .unwrap()
}

/// Ada with three contacts, a file and a finished export.
async fn seed(app: &TestApp) -> Vec<u8> {
    let mut ada = app.signed_in("ada@example.com").await;
    for name in ["Grace", "Alan", "Edsger"] {
        let response = ada
            .post(
                "/contacts",
                &[
                    ("first_name", name),
                    ("email", &format!("{name}@example.com")),
                ],
            )
            .await;
        assert_eq!(
            response.status,
            StatusCode::SEE_OTHER,
            "{}",
            response.text()
        );
    }
    let file = b"the minutes of the meeting".to_vec();
    let response = ada.upload(&[Part::file("minutes.txt", &file)]).await;
    assert_eq!(
        response.status,
        StatusCode::SEE_OTHER,
        "{}",
        response.text()
    );
    let response = ada.post("/contacts/export", &[]).await;
    assert_eq!(response.status, StatusCode::SEE_OTHER);
    Worker::new(app.state.clone())
        .run_due(&CancellationToken::new())
        .await
        .unwrap();
    file
}

/// What Ada sees after a restore: her contacts, her file byte for byte, and her export.
async fn ada_finds_everything(app: &TestApp, file: &[u8]) {
    let mut ada = app.logged_in("ada@example.com", false).await;
    let contacts = ada.get("/contacts").await;
    let text = contacts.text();
    for name in ["Grace", "Alan", "Edsger"] {
        assert!(text.contains(name), "{name} is missing");
    }
    let files = ada.get("/files").await;
    let doc = files.document();
    let link = select(&doc, ".file-list th[scope=row] a")[0]
        .attr("href")
        .unwrap()
        .to_owned();
    let download = ada.get(&format!("{link}/download")).await;
    let bytes = if download.status == StatusCode::SEE_OTHER {
        let url = download.header("location").unwrap().to_owned();
        reqwest::get(url)
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .to_vec()
    } else {
        assert_eq!(download.status, StatusCode::OK);
        download.body.to_vec()
    };
    assert_eq!(bytes, file);
    let export: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM jobs WHERE kind = 'contacts-export'")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    let download = ada
        .get(&format!("/contacts/exports/{export}/download"))
        .await;
    assert!(
        [StatusCode::OK, StatusCode::SEE_OTHER].contains(&download.status),
        "{}",
        download.status
    );
}

#[tokio::test]
async fn a_backup_in_a_folder_restores_users_contacts_files_and_exports() {
    backup_and_restore(TestStorage::local()).await;
}

#[tokio::test]
async fn a_backup_in_s3_restores_users_contacts_files_and_exports() {
    backup_and_restore(TestStorage::s3()).await;
}

async fn backup_and_restore(storage: TestStorage) {
    let app = storage.app(&[]).await;
    let backups = BackupDir::new();
    let file = seed(&app).await;

    let output = run_ok(starter(&app, &storage, &backups, &["db", "backup"])).await;
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(printed.contains("backed up: "), "{printed}");
    let output = run_ok(starter(&app, &storage, &backups, &["db", "backups"])).await;
    let listed = String::from_utf8_lossy(&output.stdout);
    assert!(listed.contains("1 backup in"), "{listed}");

    replace_with_empty(&app).await;
    let output = run_ok(starter(
        &app,
        &storage,
        &backups,
        &["db", "restore", "latest"],
    ))
    .await;
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(printed.contains("each as in the backup"), "{printed}");
    ada_finds_everything(&app, &file).await;

    // The files' cleanup pass removes objects no record names: those the restored database
    // names stay, and so do the backups beside them in the bucket.
    app::files::cleanup::run(&app.state.db, &app.state.storage, std::time::Duration::ZERO)
        .await
        .unwrap();
    ada_finds_everything(&app, &file).await;
    let output = run_ok(starter(&app, &storage, &backups, &["db", "backups"])).await;
    assert!(String::from_utf8_lossy(&output.stdout).contains("1 backup in"));
}

#[tokio::test]
async fn a_database_that_holds_data_is_replaced_only_when_forced() {
    let storage = TestStorage::local();
    let app = storage.app(&[]).await;
    let backups = BackupDir::new();
    let file = seed(&app).await;
    run_ok(starter(&app, &storage, &backups, &["db", "backup"])).await;
    sqlx::query("DELETE FROM contacts WHERE first_name = 'Alan'")
        .execute(&app.state.db)
        .await
        .unwrap();

    let said = run_failing(starter(
        &app,
        &storage,
        &backups,
        &["db", "restore", "latest"],
    ))
    .await;
    assert!(
        said.contains("holds data") && said.contains("--force"),
        "{said}"
    );
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM contacts")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(count, 2, "nothing was touched");

    run_ok(starter(
        &app,
        &storage,
        &backups,
        &["db", "restore", "latest", "--force"],
    ))
    .await;
    // As restarting the instances would: their connections hold plans of the replaced tables.
    // From a connection of its own, so that none of the pool's survives.
    let mut admin = PgConnection::connect(&app.db.url).await.unwrap();
    sqlx::query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .execute(&mut admin)
    .await
    .unwrap();
    admin.close().await.unwrap();
    ada_finds_everything(&app, &file).await;
}

#[tokio::test]
async fn a_damaged_or_truncated_dump_is_refused_and_leaves_the_database_as_it_was() {
    let storage = TestStorage::local();
    let app = storage.app(&[]).await;
    let backups = BackupDir::new();
    seed(&app).await;
    run_ok(starter(&app, &storage, &backups, &["db", "backup"])).await;
    let (dump, manifest_path) = backups.only_backup();
    let whole = std::fs::read(&dump).unwrap();
    let truncated = &whole[..whole.len() * 2 / 3];
    std::fs::write(&dump, truncated).unwrap();
    replace_with_empty(&app).await;

    // Its checksum gives it away before the database is touched.
    restoring_fails_and_leaves_no_table(&app, &storage, &backups, "is damaged").await;

    // With a manifest that agrees (a dump cut short when it was written), pg_restore fails
    // part way, and the single transaction leaves nothing behind.
    rewrite_manifest(&manifest_path, truncated);
    restoring_fails_and_leaves_no_table(&app, &storage, &backups, "failed and was undone").await;
}

/// Makes the manifest agree with a dump that is now `dump`, as if it had been written so.
fn rewrite_manifest(manifest_path: &Path, dump: &[u8]) {
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(manifest_path).unwrap()).unwrap();
    manifest["bytes"] = dump.len().into();
    manifest["sha256"] = hex::encode(Sha256::digest(dump)).into();
    std::fs::write(manifest_path, serde_json::to_vec(&manifest).unwrap()).unwrap();
}

#[tokio::test]
async fn a_dump_newer_than_pg_restore_says_what_to_install() {
    let storage = TestStorage::local();
    let app = storage.app(&[]).await;
    let backups = BackupDir::new();
    run_ok(starter(&app, &storage, &backups, &["db", "backup"])).await;
    let (dump, manifest_path) = backups.only_backup();
    // The custom format's header: "PGDMP", then the archive version (major, minor, revision).
    let mut bytes = std::fs::read(&dump).unwrap();
    assert_eq!(&bytes[..5], b"PGDMP");
    bytes[6] = 99;
    std::fs::write(&dump, &bytes).unwrap();
    rewrite_manifest(&manifest_path, &bytes);
    replace_with_empty(&app).await;

    restoring_fails_and_leaves_no_table(&app, &storage, &backups, "newer pg_dump").await;
}

#[tokio::test]
async fn no_pg_dump_and_an_unknown_backup_are_explained() {
    let storage = TestStorage::local();
    let app = storage.app(&[]).await;
    let backups = BackupDir::new();
    let empty = BackupDir::new();
    std::fs::create_dir_all(empty.path()).unwrap();

    let mut command = starter(&app, &storage, &backups, &["db", "backup"]);
    command.env("BACKUP_PG_BIN_DIR", empty.path());
    let said = run_failing(command).await;
    assert!(
        said.contains("pg_dump was not found in BACKUP_PG_BIN_DIR"),
        "{said}"
    );

    let said = run_failing(starter(
        &app,
        &storage,
        &backups,
        &["db", "restore", "latest"],
    ))
    .await;
    assert!(said.contains("there are no backups in"), "{said}");
    let said = run_failing(starter(
        &app,
        &storage,
        &backups,
        &["db", "restore", "../x"],
    ))
    .await;
    assert!(said.contains("is not a backup's name"), "{said}");
}

#[tokio::test]
async fn a_bucket_that_does_not_answer_fails_the_backup_clearly() {
    let mut storage = TestStorage::s3();
    let app = storage.app(&[]).await;
    let backups = BackupDir::new();
    if let TestStorage::S3(server) = &mut storage {
        server.stop();
    }
    let said = run_failing(starter(&app, &storage, &backups, &["db", "backup"])).await;
    assert!(said.contains("the S3 bucket test-uploads"), "{said}");
    let said = run_failing(starter(&app, &storage, &backups, &["db", "backups"])).await;
    assert!(said.contains("the S3 bucket test-uploads"), "{said}");
}

#[tokio::test]
async fn the_daily_backup_is_one_job_at_its_time_and_queues_the_next() {
    let app = TestApp::new().await;
    let backups = BackupDir::new();
    let dir = backups.path().display().to_string();
    let config = test_config(&[
        ("DATABASE_URL", &app.db.url),
        ("BACKUP_AT", "02:00"),
        ("BACKUP_DIR", &dir),
    ]);
    let state = AppState::new(config, app.db.pool.clone()).unwrap();

    // Every instance asks; one is queued, at the next 02:00 UTC.
    for _ in 0..3 {
        backup::queue_next(&state).await.unwrap();
    }
    let queued: Vec<(uuid::Uuid, String)> = sqlx::query_as(
        "SELECT id, to_char(run_at AT TIME ZONE 'UTC', 'HH24:MI') FROM jobs \
         WHERE kind = 'database-backup' AND status = 'queued'",
    )
    .fetch_all(&app.state.db)
    .await
    .unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].1, "02:00");

    // Its time comes: a worker makes the backup and queues tomorrow's.
    sqlx::query("UPDATE jobs SET run_at = now() WHERE id = $1")
        .bind(queued[0].0)
        .execute(&app.state.db)
        .await
        .unwrap();
    Worker::new(state.clone())
        .run_due(&CancellationToken::new())
        .await
        .unwrap();
    backups.only_backup();
    let statuses: Vec<String> = sqlx::query_scalar(
        "SELECT status::text FROM jobs WHERE kind = 'database-backup' ORDER BY created_at",
    )
    .fetch_all(&app.state.db)
    .await
    .unwrap();
    assert_eq!(statuses, ["done", "queued"]);
}
