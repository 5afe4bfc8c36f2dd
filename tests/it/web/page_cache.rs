//! Rendered list pages kept until their rows change (`web::page_cache`), with the contacts
//! list as the table: kept, then dropped however the rows change (through the app, or by
//! anyone else through PostgreSQL), and never kept while changes cannot be heard.

use std::time::{Duration, Instant};

use axum::http::StatusCode;

use crate::common::{self, TestApp, TestClient, select, text_of};

/// The names in the contacts list, as the signed-in user sees it now.
async fn names(client: &mut TestClient<'_>) -> Vec<String> {
    let page = client.get("/contacts").await;
    let doc = page.document();
    select(&doc, "th[scope=row] a")
        .into_iter()
        .map(|name| text_of(&name))
        .collect()
}

/// Asks for the list until it shows `expected`, for up to two seconds (a change made outside
/// the app is heard through PostgreSQL, a moment after it commits).
async fn eventually(client: &mut TestClient<'_>, expected: &[&str]) {
    let started = Instant::now();
    loop {
        let shown = names(client).await;
        if shown == expected {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "the list still shows {shown:?}, not {expected:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Adds a contact through the form, as the user would.
async fn create(client: &mut TestClient<'_>, first_name: &str) {
    let response = client
        .post("/contacts", &[("first_name", first_name)])
        .await;
    assert_eq!(
        response.status,
        StatusCode::SEE_OTHER,
        "{}",
        response.text()
    );
}

/// Waits until the app hears of changed rows (its listening connection is made at start).
async fn listening(app: &TestApp) {
    let started = Instant::now();
    while !app.state.pages.is_listening() {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "never listening"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Renames every contact with the trigger that announces it turned off: a change made as if
/// nobody could hear it.
async fn unannounced_rename(app: &TestApp, name: &str) {
    let mut tx = app.db.pool.begin().await.unwrap();
    for statement in [
        "ALTER TABLE contacts DISABLE TRIGGER contacts_updated",
        "UPDATE contacts SET first_name = $1",
        "ALTER TABLE contacts ENABLE TRIGGER contacts_updated",
    ] {
        let query = sqlx::query(statement);
        let query = if statement.contains("$1") {
            query.bind(name)
        } else {
            query
        };
        query.execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
}

async fn sql(app: &TestApp, statement: &str) {
    sqlx::raw_sql(statement)
        .execute(&app.db.pool)
        .await
        .unwrap();
}

#[tokio::test]
async fn the_first_page_is_kept_until_its_rows_change_in_the_app_or_in_the_database() {
    let app = TestApp::new().await;
    listening(&app).await;
    let mut ada = app.signed_in("owner@example.com").await;
    create(&mut ada, "Ada").await;
    assert_eq!(names(&mut ada).await, ["Ada"]);

    // Kept: a change PostgreSQL does not announce (its trigger off) is not shown. (The
    // create's own notification, heard a moment after its commit, may drop the page once
    // more: then the change shows, and the next one must not.)
    let started = Instant::now();
    for attempt in 1.. {
        let before = names(&mut ada).await;
        unannounced_rename(&app, &format!("Unannounced {attempt}")).await;
        if names(&mut ada).await == before {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(2), "never kept");
    }
    let renamed: String = sqlx::query_scalar("SELECT first_name FROM contacts")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();

    // A change made in the app shows on the very next request.
    create(&mut ada, "Grace").await;
    assert_eq!(names(&mut ada).await, ["Grace", renamed.as_str()]);

    // A change made by anyone else (psql, a seed, another instance) shows once heard.
    sql(
        &app,
        "UPDATE contacts SET first_name = 'Hopper' WHERE first_name = 'Grace'",
    )
    .await;
    eventually(&mut ada, &["Hopper", &renamed]).await;
    sql(&app, "DELETE FROM contacts WHERE first_name = 'Hopper'").await;
    eventually(&mut ada, &[&renamed]).await;
    sql(
        &app,
        "INSERT INTO contacts (owner_id, first_name) \
         SELECT owner_id, 'Babbage' FROM contacts LIMIT 1",
    )
    .await;
    eventually(&mut ada, &["Babbage", &renamed]).await;
    sql(&app, "TRUNCATE contacts").await;
    eventually(&mut ada, &[]).await;
}

#[tokio::test]
async fn one_users_change_leaves_anothers_page_kept_and_never_shows_it_to_them() {
    let app = TestApp::new().await;
    listening(&app).await;
    let mut ada = app.signed_in("ada@example.com").await;
    let mut grace = app.signed_in("grace@example.com").await;
    create(&mut ada, "Ada's friend").await;
    create(&mut grace, "Grace's friend").await;
    assert_eq!(names(&mut ada).await, ["Ada's friend"]);
    assert_eq!(names(&mut grace).await, ["Grace's friend"]);
    create(&mut grace, "Another").await;
    assert_eq!(names(&mut ada).await, ["Ada's friend"]);
    assert_eq!(names(&mut grace).await, ["Another", "Grace's friend"]);
}

#[tokio::test]
async fn nothing_is_kept_while_changes_cannot_be_heard() {
    let app = TestApp::new().await;
    listening(&app).await;
    let mut ada = app.signed_in("owner@example.com").await;
    create(&mut ada, "Ada").await;
    assert_eq!(names(&mut ada).await, ["Ada"]);

    // The listening connection ends: what was kept goes, and until it is back, nothing is
    // kept (a change meanwhile would go unheard). A change PostgreSQL does not announce shows
    // as soon as the connection has dropped.
    sql(
        &app,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND query LIKE 'LISTEN%'",
    )
    .await;
    unannounced_rename(&app, "Unannounced").await;
    eventually(&mut ada, &["Unannounced"]).await;
    // And it listens again.
    listening(&app).await;
    sql(&app, "UPDATE contacts SET first_name = 'Heard'").await;
    eventually(&mut ada, &["Heard"]).await;
}

#[tokio::test]
async fn searches_and_later_pages_are_never_kept() {
    let app = TestApp::new().await;
    listening(&app).await;
    let mut ada = app.signed_in("owner@example.com").await;
    create(&mut ada, "Ada").await;
    let matches = |page: common::TestResponse| select(&page.document(), "th[scope=row]").len();
    assert_eq!(matches(ada.get("/contacts?q=ada").await), 1);
    unannounced_rename(&app, "Unannounced").await;
    assert_eq!(matches(ada.get("/contacts?q=ada").await), 0);
}
