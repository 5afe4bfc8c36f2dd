//! The embedded default database, on the PostgreSQL binaries of this machine: created on
//! first use, reused while running, stopped when the app lets go of it.

use app::backends::embedded_postgres::EmbeddedPostgres;
use sqlx::{Connection, PgConnection};

#[tokio::test]
async fn a_private_cluster_starts_serves_is_reused_and_stops() {
    let dir = std::env::temp_dir().join(format!("embedded-pg-test-{}", uuid::Uuid::new_v4()));
    let data_dir = dir.join("postgres");

    let cluster = EmbeddedPostgres::start(data_dir.clone())
        .await
        .unwrap_or_else(|error| panic!("needs the PostgreSQL server binaries: {error:#}"));
    cluster.create_database("app_test").await.unwrap();
    cluster.create_database("app_test").await.unwrap(); // idempotent
    let options = cluster.connect_options().database("app_test");
    let mut conn = PgConnection::connect_with(&options).await.unwrap();
    let answer: i32 = sqlx::query_scalar("SELECT 41 + 1")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(answer, 42);
    conn.close().await.unwrap();

    // A second start on the same folder finds the running server and leaves it alone.
    let again = EmbeddedPostgres::start(cluster.data_dir().to_owned())
        .await
        .unwrap();
    assert_eq!(again.connect_options().get_port(), options.get_port());
    drop(again);
    let conn = PgConnection::connect_with(&options).await.unwrap();
    conn.close().await.unwrap();

    // A second cluster beside it (as the tests' beside the app's) has its own password.
    let neighbour = EmbeddedPostgres::start(dir.join("other")).await.unwrap();
    PgConnection::connect_with(&neighbour.connect_options())
        .await
        .unwrap()
        .close()
        .await
        .unwrap();
    assert!(dir.join("postgres.password").is_file());
    assert!(dir.join("other.password").is_file());
    drop(neighbour);
    PgConnection::connect_with(&options)
        .await
        .unwrap()
        .close()
        .await
        .unwrap();

    // Only a password opens it.
    let wrong = options.clone().password("not-the-password");
    assert!(PgConnection::connect_with(&wrong).await.is_err());

    // The owner's drop stops the server.
    drop(cluster);
    assert!(PgConnection::connect_with(&options).await.is_err());
    let _ = std::fs::remove_dir_all(&dir);
}
