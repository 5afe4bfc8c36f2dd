//! The binary's subcommands and startup errors, run as a user would run them.

use crate::common;

use std::time::Duration;

use app::{AppState, server::serve};
use common::{TestDatabase, test_config};

use common::starter_command as starter;

#[test]
fn a_malformed_variable_stops_startup_with_one_line_naming_it() {
    let output = starter()
        .env("PORT", "eighty")
        .arg("migrate")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("PORT"), "{stderr}");
    assert!(stderr.contains("expected a port number"), "{stderr}");
}

#[test]
fn production_without_a_database_url_names_it() {
    let output = starter()
        .env("APP_ENV", "production")
        .env("APP_BASE_URL", "https://app.example.com")
        .env("SECRET_KEY", common::PRODUCTION_SECRET_KEY)
        .arg("migrate")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("DATABASE_URL"));
}

#[tokio::test]
async fn healthcheck_exits_0_when_the_app_answers_and_1_when_it_does_not() {
    let db = TestDatabase::new().await;
    let state = AppState::new(test_config(&[]), db.pool.clone()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(
        listener,
        app::app(state),
        async {
            let _ = stopped.await;
        },
        Duration::from_secs(5),
    ));

    let check = move || {
        starter()
            .env("HOST", "127.0.0.1")
            .env("PORT", port.to_string())
            .arg("healthcheck")
            .status()
            .unwrap()
    };
    let healthy = tokio::task::spawn_blocking(check).await.unwrap();
    assert!(healthy.success());

    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
    let unhealthy = tokio::task::spawn_blocking(check).await.unwrap();
    assert_eq!(unhealthy.code(), Some(1));
}

#[tokio::test]
async fn migrate_applies_the_migrations_to_the_configured_database() {
    let db = TestDatabase::unmigrated().await;
    let mut command = starter();
    command
        .env("DATABASE_URL", &db.url)
        .env("LOG_FORMAT", "json")
        .arg("migrate");
    common::run_ok(command).await;
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    // A reversible migration is a pair in the list; only its way up is applied.
    let ups = app::backends::database::MIGRATOR
        .iter()
        .filter(|migration| !migration.migration_type.is_down_migration())
        .count();
    assert_eq!(applied, ups as i64);
    let outbox: i64 = sqlx::query_scalar("SELECT count(*) FROM email_outbox")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(outbox, 0);
}

#[tokio::test]
async fn db_reset_recreates_the_database_with_the_demo_account() {
    let db = TestDatabase::new().await;
    sqlx::query("INSERT INTO users (email, password_hash) VALUES ('old@example.com', 'x')")
        .execute(&db.pool)
        .await
        .unwrap();
    db.pool.close().await;
    let uploads = std::env::temp_dir().join(format!("demo-uploads-{}", uuid::Uuid::new_v4()));
    let mut command = starter();
    command
        .env("DATABASE_URL", &db.url)
        .env("UPLOADS_DIR", &uploads)
        .args(["db", "reset"]);
    let output = common::run_ok(command).await;
    assert!(String::from_utf8_lossy(&output.stdout).contains("demo@example.com"));

    let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
    let emails: Vec<String> = sqlx::query_scalar("SELECT email FROM users")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(emails, ["demo@example.com"]);
    let contacts: i64 = sqlx::query_scalar("SELECT count(*) FROM contacts")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(contacts > 25, "{contacts}");
    // A picture with its thumbnail and a note, stored in the uploads folder.
    let files: Vec<(String, bool)> = sqlx::query_as(
        "SELECT original_name, thumbnail_key IS NOT NULL FROM files ORDER BY original_name",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        files,
        [
            ("sunset.png".to_owned(), true),
            ("welcome.txt".to_owned(), false)
        ]
    );
    assert!(std::fs::read_dir(uploads.join("files")).unwrap().count() >= 3);
    pool.close().await;

    // Seeding again leaves the account as it is.
    let mut again = starter();
    again
        .env("DATABASE_URL", &db.url)
        .env(
            "UPLOADS_DIR",
            std::env::temp_dir().join("demo-uploads-unused"),
        )
        .args(["db", "seed"]);
    let output = common::run_ok(again).await;
    assert!(String::from_utf8_lossy(&output.stdout).contains("exists already"));
}

#[test]
fn db_reset_refuses_in_production() {
    let output = starter()
        .env("APP_ENV", "production")
        .env("APP_BASE_URL", "https://app.example.com")
        .env("SECRET_KEY", common::PRODUCTION_SECRET_KEY)
        .env("SMTP_HOST", "127.0.0.1")
        .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/never")
        .args(["db", "reset"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("refuses to run with APP_ENV=production")
    );
}
