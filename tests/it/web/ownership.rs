//! Ownership on every route: each route the app mounts with an `{id}` (from
//! `web::routes::mounted`, so a new one cannot be left out) answers another user's record
//! exactly as one that does not exist, a 404, whatever the method, and leaves it as it was.

use crate::common;

use app::web::public_id::PublicId;
use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use common::{
    TestClient, select,
    uploads::{Part, TestStorage, png},
};
use uuid::Uuid;

/// Ada's contact, file and export, each by the path prefix its routes start with.
struct AdasRecords {
    contact: Uuid,
    file: Uuid,
    export: Uuid,
}

impl AdasRecords {
    /// The id to put in `path`: Ada's record of that kind, or for a kind this test does not
    /// know yet (a generated resource), an id no one has, which must be a 404 just the same.
    fn id_for(&self, path: &str) -> Uuid {
        if path.starts_with("/contacts/exports/") {
            self.export
        } else if path.starts_with("/contacts/") {
            self.contact
        } else if path.starts_with("/files/") {
            self.file
        } else {
            Uuid::new_v4()
        }
    }
}

fn first_link_id(client_page: &scraper::Html, selector: &str, prefix: &str) -> Uuid {
    let href = select(client_page, selector)[0]
        .attr("href")
        .unwrap()
        .to_owned();
    let PublicId(id) = href
        .trim_start_matches(prefix)
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    id
}

async fn adas_records(ada: &mut TestClient<'_>) -> AdasRecords {
    let created = ada
        .post(
            "/contacts",
            &[("first_name", "Grace"), ("email", "grace@example.com")],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER);
    let contact = first_link_id(
        &ada.get("/contacts").await.document(),
        "td a[href^='/contacts/']",
        "/contacts/",
    );
    ada.upload(&[Part::file("private.png", &png(40, 40))]).await;
    let file = first_link_id(
        &ada.get("/files").await.document(),
        ".file-list th[scope=row] a",
        "/files/",
    );
    let started = ada.post("/contacts/export", &[]).await;
    let PublicId(export) = started
        .header("location")
        .unwrap()
        .trim_start_matches("/contacts/exports/")
        .parse()
        .unwrap();
    AdasRecords {
        contact,
        file,
        export,
    }
}

#[tokio::test]
async fn every_route_with_an_id_answers_another_users_record_with_a_404() {
    let storage = TestStorage::local();
    let app = storage.app(&[]).await;
    let mut ada = app.signed_in("ada@example.com").await;
    let records = adas_records(&mut ada).await;
    let mut bob = app.signed_in("bob@example.com").await;

    let routes: Vec<(&str, &str)> = app::web::routes::mounted()
        .into_iter()
        .filter(|(_, path)| path.contains("{id}"))
        // Administrators' routes are not a user's records: anyone else gets a 403 before
        // any id is looked at (tests/it/dashboard.rs).
        .filter(|(_, path)| !path.starts_with("/admin/"))
        .collect();
    for expected in ["/contacts/{id}", "/files/{id}", "/contacts/exports/{id}"] {
        assert!(
            routes.iter().any(|(_, path)| *path == expected),
            "{expected} not in {routes:?}"
        );
    }
    for (method, path) in &routes {
        let uri = path.replace("{id}", &records.id_for(path).to_string());
        let request = Request::builder()
            .method(*method)
            .uri(&uri)
            .header("sec-fetch-site", "same-origin")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from("first_name=Mallory&email=m%40example.com"))
            .unwrap();
        let response = bob.send(request).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{method} {uri}");
    }

    // Ada's records are as they were.
    let contact = ada.get(&format!("/contacts/{}", records.contact)).await;
    assert_eq!(contact.status, StatusCode::OK);
    assert!(contact.text().contains("Grace") && !contact.text().contains("Mallory"));
    let file = ada.get(&format!("/files/{}/download", records.file)).await;
    assert_eq!(file.status, StatusCode::OK);
    let export = ada
        .get(&format!("/contacts/exports/{}", records.export))
        .await;
    assert_eq!(export.status, StatusCode::OK);
}
