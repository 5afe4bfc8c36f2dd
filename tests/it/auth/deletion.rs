//! Deleting an account: the page that asks, the password it wants, and then nothing of the
//! account left in any table of the database or in the storage bucket, its other sessions
//! ended (their streams too), its queued mail dropped, and one last message confirming it.

use crate::common;

use std::time::Duration;

use app::{auth::jobs::REMOVE_OBJECTS, jobs::Worker};
use axum::http::{StatusCode, header::USER_AGENT};
use common::{
    TestApp, TestClient,
    accounts::{PASSWORD, redirects_to_login},
    requests, select,
    uploads::{Part, TestStorage, png},
};
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

const ADA: &str = "ada@example.com";
const BOB: &str = "bob@example.com";

async fn user_id(db: &PgPool, email: &str) -> Uuid {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(db)
        .await
        .unwrap()
}

/// Contacts, two files (one with a thumbnail), and a finished export.
async fn fill(app: &TestApp, client: &mut TestClient<'_>, name: &str) {
    for first_name in [name, "Grace", "Linus"] {
        let response = client
            .post(
                "/contacts",
                &[
                    ("first_name", first_name),
                    (
                        "email",
                        &format!("{first_name}@friends.example").to_lowercase(),
                    ),
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
    let picture = png(64, 48);
    let response = client
        .upload(&[
            Part::file("picture.png", &picture),
            Part::file("notes.txt", b"Some notes of mine"),
        ])
        .await;
    assert!(
        response.status.is_success() || response.status.is_redirection(),
        "{}",
        response.text()
    );
    let response = client.post("/contacts/export", &[]).await;
    assert_eq!(
        response.status,
        StatusCode::SEE_OTHER,
        "{}",
        response.text()
    );
    Worker::new(app.state.clone())
        .only(&app::contacts::export::KIND)
        .run_due(&CancellationToken::new())
        .await
        .unwrap();
}

/// Every object key in storage.
async fn stored(app: &TestApp) -> Vec<String> {
    let mut keys = Vec::new();
    for prefix in ["files", "exports"] {
        for object in app.state.storage.list(prefix).await.unwrap() {
            keys.push(object.key.as_str().to_owned());
        }
    }
    keys
}

/// The keys of `owner`'s objects, as the database names them.
async fn keys_of(db: &PgPool, owner: Uuid) -> Vec<String> {
    let mut keys: Vec<String> = sqlx::query_scalar(
        "SELECT key FROM files, LATERAL (VALUES (storage_key), (thumbnail_key)) k (key) \
         WHERE owner_id = $1 AND key IS NOT NULL",
    )
    .bind(owner)
    .fetch_all(db)
    .await
    .unwrap();
    let exports: Vec<Uuid> =
        sqlx::query_scalar("SELECT id FROM jobs WHERE owner_id = $1 AND kind = 'contacts-export'")
            .bind(owner)
            .fetch_all(db)
            .await
            .unwrap();
    keys.extend(exports.into_iter().map(|id| format!("exports/{id}.csv")));
    keys
}

/// Every place in the database that still holds the user: any uuid column holding their id,
/// and any text, array, JSON or binary column containing their id or address, in every table
/// of every schema. The message confirming the deletion is the one thing allowed to name
/// them.
async fn leftovers(db: &PgPool, id: Uuid, email: &str) -> Vec<String> {
    let columns: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT c.table_schema::text, c.table_name::text, c.column_name::text, c.data_type::text \
         FROM information_schema.columns c \
         JOIN information_schema.tables t USING (table_schema, table_name) \
         WHERE t.table_type = 'BASE TABLE' \
           AND c.table_schema NOT IN ('pg_catalog', 'information_schema') \
         ORDER BY 1, 2, 3",
    )
    .fetch_all(db)
    .await
    .unwrap();
    assert!(
        columns
            .iter()
            .any(|(_, table, column, _)| table == "contacts" && column == "owner_id"),
        "the scan did not see the tables"
    );
    let mut found = Vec::new();
    for (schema, table, column, data_type) in columns {
        let target = format!("\"{schema}\".\"{table}\"");
        let col = format!("\"{column}\"");
        let condition = match data_type.as_str() {
            "uuid" => format!("{col} = $1"),
            "bytea" => format!(
                "position(convert_to($2, 'UTF8') IN {col}) > 0 \
                 OR position(convert_to($1::text, 'UTF8') IN {col}) > 0"
            ),
            "text" | "character varying" | "character" | "ARRAY" | "jsonb" | "json"
            | "USER-DEFINED" => {
                format!("strpos(lower({col}::text), $2) > 0 OR strpos({col}::text, $1::text) > 0")
            }
            _ => continue,
        };
        let allowed = if table == "email_outbox" {
            " AND template <> 'account-deleted'"
        } else {
            ""
        };
        let sql = format!("SELECT count(*) FROM {target} WHERE ({condition}){allowed}");
        let count: i64 = sqlx::query_scalar(&sql)
            .bind(id)
            .bind(email)
            .fetch_one(db)
            .await
            .unwrap_or_else(|error| panic!("{sql}: {error}"));
        if count > 0 {
            found.push(format!("{schema}.{table}.{column}: {count} rows"));
        }
    }
    found
}

#[tokio::test]
async fn deleting_an_account_leaves_nothing_of_it_anywhere() {
    let storage = TestStorage::s3();
    let app = storage.app(&[]).await;
    app.registered(ADA).await;
    let mut laptop = app.logged_in(ADA, false).await;
    let mut phone = app.client();
    phone.ip = "198.51.100.4".parse().unwrap();
    let mut request = requests::post("/login", &[("email", ADA), ("password", PASSWORD)]);
    request.headers_mut().insert(
        USER_AGENT,
        "Mozilla/5.0 (iPhone) Version/18.1 Safari/604.1"
            .parse()
            .unwrap(),
    );
    assert_eq!(phone.send(request).await.status, StatusCode::SEE_OTHER);
    let mut bob = app.signed_in(BOB).await;
    let ada_id = user_id(&app.state.db, ADA).await;
    let bob_id = user_id(&app.state.db, BOB).await;

    fill(&app, &mut laptop, "Ada").await;
    fill(&app, &mut bob, "Bob").await;
    // Tokens, and mail still queued: an address change to confirm, a reset link.
    let response = laptop
        .post(
            "/account/email",
            &[("email", "ada@new.example"), ("current_password", PASSWORD)],
        )
        .await;
    assert_eq!(
        response.status,
        StatusCode::SEE_OTHER,
        "{}",
        response.text()
    );
    let response = app
        .client()
        .post("/password/forgot", &[("email", ADA)])
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(app.mail_to("ada@new.example").await.len(), 1);
    assert!(app.mail_to(ADA).await.len() >= 2);
    let tokens: i64 = sqlx::query_scalar("SELECT count(*) FROM auth_tokens WHERE user_id = $1")
        .bind(ada_id)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert!(tokens >= 2);
    let adas_keys = keys_of(&app.state.db, ada_id).await;
    let bobs_keys = keys_of(&app.state.db, bob_id).await;
    assert_eq!(
        adas_keys.len(),
        4,
        "two files, a thumbnail, an export: {adas_keys:?}"
    );
    let before = stored(&app).await;
    for key in adas_keys.iter().chain(&bobs_keys) {
        assert!(before.contains(key), "{key} is not in storage: {before:?}");
    }
    let (status, mut phone_tab) = phone.open_stream("/live").await;
    assert_eq!(status, StatusCode::OK);
    phone_tab
        .expect_event("stream", Duration::from_secs(3))
        .await;

    // The page asks, with a form that works without script.
    let page = laptop.get("/account/delete").await;
    assert_eq!(page.status, StatusCode::OK);
    let doc = page.document();
    let form = select(
        &doc,
        "main form#delete-account[method=post][action='/account/delete']",
    );
    assert_eq!(form.len(), 1);
    assert_eq!(
        select(&doc, "form#delete-account button.__danger[type=submit]").len(),
        1
    );
    assert_eq!(
        select(&doc, "form#delete-account a[href='/account']").len(),
        1
    );

    // Signed in a moment ago: within the sudo window, the button is enough.
    let deleted = laptop.post("/account/delete", &[]).await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER, "{}", deleted.text());
    assert_eq!(deleted.header("location"), Some("/"));
    let home = laptop.get("/").await;
    assert!(
        home.text().contains("Your account was deleted."),
        "{}",
        home.text()
    );
    assert!(redirects_to_login(&laptop.get("/account").await));

    // The other session is over, and its stream closed.
    phone_tab
        .expect_event("signed-out", Duration::from_secs(3))
        .await;
    assert!(redirects_to_login(&phone.get("/account").await));
    // Signing in again is refused: there is no such account.
    let again = app
        .client()
        .post("/login", &[("email", ADA), ("password", PASSWORD)])
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);

    // The objects go with the job the deletion queued.
    let removed = Worker::new(app.state.clone())
        .only(&REMOVE_OBJECTS)
        .run_due(&CancellationToken::new())
        .await
        .unwrap();
    assert!(removed >= 1);
    let after = stored(&app).await;
    for key in &adas_keys {
        assert!(!after.contains(key), "{key} is still in storage");
    }
    for key in &bobs_keys {
        assert!(after.contains(key), "Bob's {key} went too");
    }

    // Nothing in any table, but the one message that confirms it, sent after the queued ones
    // were dropped.
    let left = leftovers(&app.state.db, ada_id, ADA).await;
    assert!(left.is_empty(), "left behind: {left:#?}");
    let mail = app.mail_to(ADA).await;
    assert_eq!(mail.len(), 1, "{mail:?}");
    assert_eq!(mail[0].0, "Your account was deleted");
    assert!(app.mail_to("ada@new.example").await.is_empty());
    assert_eq!(common::deliver_mail(&app.state).await, 1);

    // Bob's account is whole.
    assert_eq!(bob.get("/contacts").await.status, StatusCode::OK);
    let bobs_contacts: i64 =
        sqlx::query_scalar("SELECT count(*) FROM contacts WHERE owner_id = $1")
            .bind(bob_id)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!(bobs_contacts, 3);
    assert!(leftovers(&app.state.db, bob_id, BOB).await.len() > 3);
}

#[tokio::test]
async fn objects_are_removed_once_storage_is_back() {
    let mut storage = TestStorage::s3();
    let app = storage.app(&[]).await;
    let mut ada = app.signed_in(ADA).await;
    fill(&app, &mut ada, "Ada").await;
    let ada_id = user_id(&app.state.db, ADA).await;
    let keys = keys_of(&app.state.db, ada_id).await;
    assert!(!keys.is_empty());

    let TestStorage::S3(server) = &mut storage else {
        unreachable!()
    };
    server.stop();
    let deleted = ada.post("/account/delete", &[]).await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER, "{}", deleted.text());
    let worker = Worker::new(app.state.clone()).only(&REMOVE_OBJECTS);
    worker.run_due(&CancellationToken::new()).await.unwrap();
    let waiting: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM jobs WHERE kind = 'account-objects-removal' AND status = 'queued' \
         AND attempts = 1",
    )
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    assert_eq!(
        waiting, 1,
        "the failed removal is not waiting for another attempt"
    );

    server.resume();
    sqlx::query("UPDATE jobs SET run_at = now() WHERE kind = 'account-objects-removal'")
        .execute(&app.state.db)
        .await
        .unwrap();
    worker.run_due(&CancellationToken::new()).await.unwrap();
    let after = stored(&app).await;
    for key in &keys {
        assert!(!after.contains(key), "{key} is still in storage");
    }
}

#[tokio::test]
async fn the_deletion_page_needs_a_signed_in_user_from_this_site() {
    let app = TestApp::new().await;
    let mut anonymous = app.client();
    assert!(redirects_to_login(&anonymous.get("/account/delete").await));
    assert!(redirects_to_login(
        &anonymous.post("/account/delete", &[]).await
    ));

    let mut ada = app.signed_in(ADA).await;
    let mut request = requests::post("/account/delete", &[]);
    let headers = request.headers_mut();
    headers.insert("origin", "https://evil.example".parse().unwrap());
    headers.insert("sec-fetch-site", "cross-site".parse().unwrap());
    assert_eq!(ada.send(request).await.status, StatusCode::FORBIDDEN);
    assert_eq!(ada.get("/account").await.status, StatusCode::OK);
}

#[tokio::test]
async fn past_the_sudo_window_deleting_asks_for_the_password_first() {
    let app = TestApp::with_config(common::test_config(&[("SUDO_WINDOW_SECS", "1")])).await;
    let mut ada = app.signed_in(ADA).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;

    // The page goes by the confirmation, and comes back.
    let page = ada.get("/account/delete").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let confirm = page.header("location").unwrap().to_owned();
    assert!(confirm.starts_with("/account/confirm?next="), "{confirm}");
    assert!(
        confirm.contains("account%2Fdelete") || confirm.contains("account/delete"),
        "{confirm}"
    );

    // The button asks in place; a wrong password deletes nothing.
    let asked = ada.post("/account/delete", &[]).await;
    assert_eq!(asked.status, StatusCode::OK);
    let doc = asked.document();
    assert_eq!(
        select(
            &doc,
            "form[action='/account/delete'] input[name=sudo_password]"
        )
        .len(),
        1
    );
    let wrong = ada
        .post("/account/delete", &[("sudo_password", "not it")])
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(ada.get("/account/sessions").await.status, StatusCode::OK);
    assert_eq!(user_count(&app.state.db, ADA).await, 1);

    let deleted = ada
        .post("/account/delete", &[("sudo_password", PASSWORD)])
        .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER, "{}", deleted.text());
    assert_eq!(user_count(&app.state.db, ADA).await, 0);
    assert!(redirects_to_login(&ada.get("/account").await));
}

async fn user_count(db: &PgPool, email: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(db)
        .await
        .unwrap()
}
