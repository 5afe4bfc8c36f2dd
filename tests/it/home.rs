//! The home page: anonymous visitors get the tour of the starter; someone signed in gets
//! their overview (counts, latest contacts and files, the two main actions), or a prompt when
//! they have nothing yet. Another user's records never show.

use crate::common;

use app::web::public_id::PublicId;
use axum::http::StatusCode;
use common::{TestApp, select, text_of};
use sqlx::PgPool;
use uuid::Uuid;

async fn user_id(db: &PgPool, email: &str) -> Uuid {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(db)
        .await
        .unwrap()
}

/// A contact named `first_name`, last edited `minutes_ago`.
async fn contact(db: &PgPool, owner: Uuid, first_name: &str, minutes_ago: i32) -> Uuid {
    sqlx::query_scalar(
        "INSERT INTO contacts (owner_id, first_name, updated_at) \
         VALUES ($1, $2, now() - $3 * interval '1 minute') RETURNING id",
    )
    .bind(owner)
    .bind(first_name)
    .bind(f64::from(minutes_ago))
    .fetch_one(db)
    .await
    .unwrap()
}

/// A file record (no bytes in storage: the home reads the table alone).
async fn file(db: &PgPool, owner: Uuid, name: &str, size: i64, minutes_ago: i32) -> Uuid {
    sqlx::query_scalar(
        "INSERT INTO files (owner_id, original_name, content_type, size_bytes, sha256, \
         storage_key, created_at) \
         VALUES ($1, $2, 'text/plain', $3, sha256('x'::bytea), $4, now() - $5 * interval '1 minute') \
         RETURNING id",
    )
    .bind(owner)
    .bind(name)
    .bind(size)
    .bind(format!("files/{}", Uuid::new_v4()))
    .bind(f64::from(minutes_ago))
    .fetch_one(db)
    .await
    .unwrap()
}

#[tokio::test]
async fn anonymous_visitors_get_the_tour_of_the_starter() {
    let app = TestApp::new().await;
    let doc = app.get("/").await.document();
    assert_eq!(select(&doc, ".feature-list li").len(), 8);
    assert!(select(&doc, ".home-dashboard").is_empty());
}

#[tokio::test]
async fn a_new_user_is_prompted_to_add_a_contact_or_upload() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    let page = ada.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    let doc = page.document();
    assert!(
        select(&doc, ".feature-list").is_empty(),
        "no tour once signed in"
    );
    assert_eq!(text_of(&select(&doc, "h1")[0]), "Welcome");
    let prompt = select(&doc, ".home-dashboard .empty-state");
    assert_eq!(prompt.len(), 1);
    let actions: Vec<_> = select(&doc, ".empty-state .home-actions a")
        .iter()
        .map(|a| (text_of(a), a.value().attr("href").unwrap().to_owned()))
        .collect();
    assert_eq!(
        actions,
        [
            ("Add contact".to_owned(), "/contacts/new".to_owned()),
            ("Upload".to_owned(), "/files#file-upload".to_owned()),
        ]
    );
    assert!(select(&doc, ".home-counts").is_empty());
}

#[tokio::test]
async fn the_overview_counts_and_links_the_latest_records_of_the_user_alone() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    app.confirmed_user("bob@example.com").await;
    let db = &app.state.db;
    let (ada_id, bob_id) = (
        user_id(db, "ada@example.com").await,
        user_id(db, "bob@example.com").await,
    );
    let mut contacts = Vec::new();
    for n in 0..7 {
        contacts.push(contact(db, ada_id, &format!("Person {n}"), n * 10).await);
    }
    let script = contact(db, ada_id, "<script>alert(1)</script>", 0).await;
    contact(db, bob_id, "Bob's friend", 0).await;
    let report = file(db, ada_id, "report.txt", 1536, 3).await;
    file(db, ada_id, "older.txt", 1024 * 1024, 60 * 24 * 3).await;
    file(db, bob_id, "bob.txt", 10, 0).await;

    let page = ada.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.text().contains("<script>alert(1)"));
    let doc = page.document();
    assert_eq!(text_of(&select(&doc, "h1")[0]), "Welcome back");
    let counts: Vec<_> = select(&doc, ".home-counts li")
        .iter()
        .map(|li| text_of(li).split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(counts, ["8 contacts", "2 files 1 MB in total"]);

    let latest_contacts: Vec<_> = select(&doc, "#home-contacts-title ~ ul li a")
        .iter()
        .map(|a| (text_of(a), a.value().attr("href").unwrap().to_owned()))
        .collect();
    // Newest first, five of them; Bob's never.
    let mut expected = vec![(
        "<script>alert(1)</script>".to_owned(),
        format!("/contacts/{}", PublicId(script)),
    )];
    for (n, id) in contacts.iter().enumerate().take(4) {
        expected.push((
            format!("Person {n}"),
            format!("/contacts/{}", PublicId(*id)),
        ));
    }
    assert_eq!(latest_contacts, expected);

    let latest_files: Vec<_> = select(&doc, "#home-files-title ~ ul li")
        .iter()
        .map(|li| text_of(li).split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(latest_files.len(), 2);
    assert_eq!(latest_files[0], "report.txt 1.5 KB, 3 minutes ago");
    assert!(
        latest_files[1].starts_with("older.txt 1 MB, "),
        "{latest_files:?}"
    );
    let link = select(&doc, "#home-files-title ~ ul li a")[0];
    assert_eq!(
        link.value().attr("href"),
        Some(format!("/files/{}", PublicId(report)).as_str())
    );
    let time = select(&doc, "#home-files-title ~ ul li time")[0];
    assert!(time.value().attr("datetime").unwrap().ends_with('Z'));
    assert!(time.value().attr("title").unwrap().ends_with(" UTC"));
}

#[tokio::test]
async fn a_user_with_files_but_no_contacts_is_offered_to_add_one() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    let ada_id = user_id(&app.state.db, "ada@example.com").await;
    file(&app.state.db, ada_id, "notes.txt", 10, 1).await;
    let doc = ada.get("/").await.document();
    let none = select(&doc, "#home-contacts-title ~ .none a");
    assert_eq!(none.len(), 1);
    assert_eq!(none[0].value().attr("href"), Some("/contacts/new"));
    assert_eq!(select(&doc, "#home-files-title ~ ul li").len(), 1);
}
