//! Deleting a file asks first: without JavaScript on a page of its own (whose form then
//! deletes), with it in place (`hx-confirm` on the file page's link, which htmx posts). Only
//! the owner reaches either.

use crate::common;

use axum::http::{Method, StatusCode};
use common::{
    select, text_of,
    uploads::{Part, TestStorage, png},
};

#[tokio::test]
async fn deleting_a_file_asks_first_then_deletes() {
    let storage = TestStorage::local();
    let app = storage.app(&[]).await;
    let mut ada = app.signed_in("ada@example.com").await;
    ada.upload(&[Part::file("<b>holiday.png", &png(40, 40))])
        .await;
    let listing = ada.get("/files").await.document();
    let link = select(&listing, ".file-list th[scope=row] a")[0]
        .attr("href")
        .unwrap()
        .to_owned();
    let delete = format!("{link}/delete");

    // The file's page: Delete is a link to the question, which htmx asks in place instead.
    let page = ada.get(&link).await.document();
    let button = &select(&page, ".file-actions a.action-button.__danger")[0];
    assert_eq!(text_of(button), "Delete");
    assert_eq!(button.attr("href"), Some(delete.as_str()));
    assert_eq!(button.attr("data-hx-post"), Some(delete.as_str()));
    assert_eq!(
        button.attr("data-hx-confirm"),
        Some("Delete <b>holiday.png? This cannot be undone.")
    );
    assert!(select(&page, ".file-actions form").is_empty());

    // Without JavaScript: the page that asks, naming the file (escaped); nothing deleted yet.
    let confirm = ada.get(&delete).await;
    assert_eq!(confirm.status, StatusCode::OK);
    let doc = confirm.document();
    assert_eq!(
        text_of(&select(&doc, "main h1")[0]),
        "Delete <b>holiday.png?"
    );
    assert!(select(&doc, "main h1 b").is_empty());
    let form = format!("main form[method=post][action='{delete}']");
    assert_eq!(select(&doc, &format!("{form} button.__danger")).len(), 1);
    assert_eq!(
        select(&doc, "main .form-actions a")[0].attr("href"),
        Some(link.as_str())
    );
    assert_eq!(ada.get(&link).await.status, StatusCode::OK);

    // Another user reaches neither the question nor the deletion.
    let mut bob = app.signed_in("bob@example.com").await;
    assert_eq!(bob.get(&delete).await.status, StatusCode::NOT_FOUND);
    assert_eq!(bob.post(&delete, &[]).await.status, StatusCode::NOT_FOUND);

    // Its form deletes, and the list says so.
    let deleted = ada.post(&delete, &[]).await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert_eq!(deleted.header("location"), Some("/files"));
    let listing = ada.get("/files").await;
    assert!(listing.text().contains("Deleted &lt;b&gt;holiday.png."));
    assert!(select(&listing.document(), ".file-list th[scope=row] a").is_empty());
    assert_eq!(ada.get(&delete).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_file_pages_delete_sent_by_htmx_leads_to_the_list() {
    let storage = TestStorage::local();
    let app = storage.app(&[]).await;
    let mut ada = app.signed_in("ada@example.com").await;
    ada.upload(&[Part::file("notes.txt", b"notes")]).await;
    let listing = ada.get("/files").await.document();
    let link = select(&listing, ".file-list th[scope=row] a")[0]
        .attr("href")
        .unwrap()
        .to_owned();

    // htmx posts once the user said yes; the answer sends the whole page to the list.
    let deleted = ada
        .htmx(Method::POST, &format!("{link}/delete"), None, &[])
        .await;
    assert_eq!(deleted.status, StatusCode::OK);
    assert_eq!(deleted.header("hx-redirect"), Some("/files"));
    assert!(
        ada.get("/files")
            .await
            .text()
            .contains("Deleted notes.txt.")
    );
}
