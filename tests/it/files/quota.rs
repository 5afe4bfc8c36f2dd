//! What one account may store (`UPLOAD_QUOTA_BYTES`, `UPLOAD_QUOTA_FILES`) and how often it
//! may upload, through the app: an upload past the quota is a 413 that says what is used and
//! left, and nothing of it is kept, even when several uploads race for the last room.

use crate::common;

use axum::http::StatusCode;
use common::{
    TestApp, TestClient, select,
    uploads::{Part, TestStorage, record_count, stored_keys},
};
use futures_util::future::join_all;

/// The value of the files page's meter `id`, and the numbers beside it.
async fn meter(client: &mut TestClient<'_>, id: &str) -> (String, String) {
    let page = client.get("/files").await;
    assert_eq!(page.status, StatusCode::OK);
    let doc = page.document();
    let meter = &select(&doc, &format!("meter#{id}"))[0];
    let amount = meter.next_siblings().find_map(scraper::ElementRef::wrap);
    (
        meter.attr("value").unwrap().to_owned(),
        amount.unwrap().text().collect(),
    )
}

#[tokio::test]
async fn an_upload_past_the_quota_is_refused_with_what_is_left_and_nothing_is_kept() {
    let storage = TestStorage::local();
    let app = storage
        .app(&[("UPLOAD_QUOTA_BYTES", "1000"), ("UPLOAD_QUOTA_FILES", "3")])
        .await;
    let mut ada = app.signed_in("ada@example.com").await;
    assert_eq!(
        meter(&mut ada, "file-usage-bytes").await,
        ("0".into(), "0 bytes of 1000 bytes".into())
    );

    let six_hundred = vec![b'a'; 600];
    let response = ada.upload(&[Part::file("a.txt", &six_hundred)]).await;
    assert_eq!(
        response.status,
        StatusCode::SEE_OTHER,
        "{}",
        response.text()
    );
    assert_eq!(
        meter(&mut ada, "file-usage-bytes").await,
        ("600".into(), "600 bytes of 1000 bytes".into())
    );

    // 401 more bytes do not fit, whether sent as one file or spread over two.
    let four_hundred_one = vec![b'b'; 401];
    for parts in [
        vec![Part::file("b.txt", &four_hundred_one)],
        vec![
            Part::file("c.txt", &four_hundred_one[..200]),
            Part::file("d.txt", &four_hundred_one[200..]),
        ],
    ] {
        let response = ada.upload(&parts).await;
        assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE);
        let text = response.text();
        assert!(
            text.contains("you use 600 bytes of 1000 bytes and 1 of 3 files, so 400 bytes and 2 files are left"),
            "{text}"
        );
    }
    assert_eq!(record_count(&app).await, 1);
    assert_eq!(stored_keys(&app).await.len(), 1);

    // Exactly what is left fits; then the file count is the limit.
    let response = ada
        .upload(&[
            Part::file("e.txt", &four_hundred_one[..399]),
            Part::file("f.txt", b"f"),
        ])
        .await;
    assert_eq!(
        response.status,
        StatusCode::SEE_OTHER,
        "{}",
        response.text()
    );
    assert_eq!(
        meter(&mut ada, "file-usage-files").await,
        ("3".into(), "3 of 3".into())
    );
    let response = ada.upload_htmx(&[Part::file("g.txt", b"g")]).await;
    assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        response.text().contains("0 bytes and 0 files are left"),
        "{}",
        response.text()
    );
    assert_eq!(record_count(&app).await, 3);

    // Deleting makes room, and the quota is each account's own.
    let mut grace = app.signed_in("grace@example.com").await;
    let response = grace.upload(&[Part::file("a.txt", &six_hundred)]).await;
    assert_eq!(
        response.status,
        StatusCode::SEE_OTHER,
        "{}",
        response.text()
    );
}

#[tokio::test]
async fn uploads_racing_for_the_last_room_never_store_more_than_the_quota() {
    let storage = TestStorage::local();
    let app = storage.app(&[("UPLOAD_QUOTA_BYTES", "1000")]).await;
    let ada = app.signed_in("ada@example.com").await;
    let three_hundred = vec![b'a'; 300];

    // Eight sessions of the same account upload 300 bytes each at the same moment: each sees
    // room for its own file while receiving, so only the recording can tell them apart.
    let clients: Vec<TestClient<'_>> = (0..8)
        .map(|_| TestClient {
            cookies: ada.cookies.clone(),
            ..app.client()
        })
        .collect();
    let responses = join_all(clients.into_iter().enumerate().map(|(n, mut client)| {
        let bytes = three_hundred.clone();
        async move {
            let name = format!("{n}.txt");
            client.upload(&[Part::file(&name, &bytes)]).await.status
        }
    }))
    .await;
    let stored = responses
        .iter()
        .filter(|status| **status == StatusCode::SEE_OTHER)
        .count();
    let refused = responses
        .iter()
        .filter(|status| **status == StatusCode::PAYLOAD_TOO_LARGE)
        .count();
    assert_eq!((stored, refused), (3, 5), "{responses:?}");
    assert_eq!(record_count(&app).await, 3);
    assert_eq!(
        stored_keys(&app).await.len(),
        3,
        "refused uploads leave no object"
    );
}

/// Uploads until refused; how many got through.
async fn uploads_allowed(client: &mut TestClient<'_>, tries: usize) -> usize {
    for n in 0..tries {
        let response = client.upload(&[Part::file("note.txt", b"hello")]).await;
        if response.status == StatusCode::TOO_MANY_REQUESTS {
            assert!(response.header("retry-after").is_some());
            return n;
        }
        assert_eq!(
            response.status,
            StatusCode::SEE_OTHER,
            "{}",
            response.text()
        );
    }
    tries
}

#[tokio::test]
async fn accounts_not_yet_confirmed_may_upload_a_tenth_as_often() {
    let app = TestApp::new().await;
    app.unconfirmed_user("new@example.com").await;
    let mut new = app.logged_in("new@example.com", false).await;
    assert_eq!(uploads_allowed(&mut new, 11).await, 10);

    let mut confirmed = app.signed_in("ada@example.com").await;
    assert_eq!(uploads_allowed(&mut confirmed, 101).await, 100);
}
