//! The files module through the app, on the local folder and on a real S3 server (`s3s-fs`):
//! uploads that come back byte for byte, presigned links that expire, the size limit, types
//! judged by their bytes, hostile names, isolation between users, and the headers that keep
//! an uploaded page from running as the site. Failures of storage and the database are in
//! `files_consistency.rs`.

use crate::common;

use std::time::Duration;

use app::auth::db::Role;
use axum::{body::Body, http::Request, http::StatusCode};
use common::{
    TestClient, TestDatabase, TestResponse,
    accounts::{create_user, redirects_to_login},
    bombs::{self, declared_png},
    instances::{Instance, WebClient},
    select, text_of,
    uploads::{Part, TestStorage, png, record_count, stored_keys, upload_request},
};
use scraper::Html;
use sha2::{Digest, Sha256};

/// The files listed on `/files`, newest first: (id, name).
async fn listed(client: &mut TestClient<'_>) -> Vec<(String, String)> {
    let page = client.get("/files").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let doc = page.document();
    select(&doc, ".file-list th[scope=row] a")
        .iter()
        .map(|link| {
            let id = link.attr("href").unwrap().trim_start_matches("/files/");
            (id.to_owned(), text_of(link))
        })
        .collect()
}

/// What a download gives: streamed by the app, or by S3 through the presigned link the app
/// redirects to (fetched as a browser would, with none of the app's cookies).
struct Fetched {
    content_type: String,
    disposition: String,
    bytes: Vec<u8>,
}

async fn fetch(response: &TestResponse) -> Fetched {
    if response.status == StatusCode::SEE_OTHER {
        let link = response.header("location").unwrap();
        assert_eq!(response.header("cache-control"), Some("private, no-store"));
        let fetched = reqwest::get(link).await.unwrap();
        assert_eq!(fetched.status(), 200, "{link}");
        let header = |name: &str| fetched.headers()[name].to_str().unwrap().to_owned();
        Fetched {
            content_type: header("content-type"),
            disposition: header("content-disposition"),
            bytes: fetched.bytes().await.unwrap().to_vec(),
        }
    } else {
        assert_eq!(response.status, StatusCode::OK);
        let header = |name: &str| response.header(name).unwrap().to_owned();
        Fetched {
            content_type: header("content-type"),
            disposition: header("content-disposition"),
            bytes: response.body.to_vec(),
        }
    }
}

#[tokio::test]
async fn upload_list_download_and_delete_on_the_local_folder() {
    round_trip(TestStorage::local()).await;
}

#[tokio::test]
async fn upload_list_download_and_delete_on_s3() {
    round_trip(TestStorage::s3()).await;
}

async fn round_trip(storage: TestStorage) {
    let app = storage.app(&[]).await;
    let mut ada = app.signed_in("ada@example.com").await;
    let picture = png(300, 200);
    let notes = "Meeting notes\n- bring the plans\n".repeat(100);

    let response = ada
        .upload(&[
            Part::file("picture.png", &picture),
            Part::file("notes.txt", notes.as_bytes()),
        ])
        .await;
    assert_eq!(
        response.status,
        StatusCode::SEE_OTHER,
        "{}",
        response.text()
    );
    assert_eq!(response.header("location"), Some("/files"));
    let page = ada.get("/files").await;
    assert!(
        page.text()
            .contains("Uploaded 2 files: picture.png, notes.txt.")
    );

    let files = listed(&mut ada).await;
    let names: Vec<&str> = files.iter().map(|(_, name)| name.as_str()).collect();
    assert_eq!(names.len(), 2);
    assert!(names.contains(&"picture.png") && names.contains(&"notes.txt"));
    let id_of = |name: &str| {
        files
            .iter()
            .find(|(_, listed)| listed == name)
            .map(|(id, _)| id.clone())
            .unwrap()
    };
    let (picture_id, notes_id) = (id_of("picture.png"), id_of("notes.txt"));
    // The original and the image's thumbnail, under random keys.
    assert_eq!(stored_keys(&app).await.len(), 3);

    for (id, bytes, content_type) in [
        (&picture_id, picture.as_slice(), "image/png"),
        (&notes_id, notes.as_bytes(), "text/plain; charset=utf-8"),
    ] {
        let download = ada.get(&format!("/files/{id}/download")).await;
        let fetched = fetch(&download).await;
        assert_eq!(fetched.bytes, bytes, "the bytes of {id}");
        assert_eq!(fetched.content_type, content_type);
        assert!(fetched.disposition.starts_with("attachment; filename="));

        // Its own page shows the SHA-256 of exactly these bytes.
        let details = ada.get(&format!("/files/{id}")).await;
        let expected = hex::encode(Sha256::digest(bytes));
        assert_eq!(
            text_of(&select(&details.document(), ".file-details code")[0]),
            expected
        );
    }

    // The image's thumbnail comes through the app (pages may show images from it only).
    let thumbnail = ada.get(&format!("/files/{picture_id}/thumbnail")).await;
    assert_eq!(thumbnail.status, StatusCode::OK);
    // Opaque: a lossy JPEG (see the test below for transparency).
    assert_eq!(thumbnail.header("content-type"), Some("image/jpeg"));
    // No cache keeps it after a logout or a deletion, like every file response.
    assert_eq!(thumbnail.header("cache-control"), Some("private, no-store"));
    let decoded = image::load_from_memory(&thumbnail.body).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (160, 107));
    let listing = ada.get("/files").await;
    let src = format!("/files/{picture_id}/thumbnail");
    assert_eq!(
        select(&listing.document(), "img.file-preview")[0].attr("src"),
        Some(src.as_str())
    );
    assert_eq!(
        ada.get(&format!("/files/{notes_id}/thumbnail"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Deleting removes the record and both objects.
    let deleted = ada.post(&format!("/files/{picture_id}/delete"), &[]).await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert!(
        ada.get("/files")
            .await
            .text()
            .contains("Deleted picture.png.")
    );
    assert_eq!(listed(&mut ada).await.len(), 1);
    assert_eq!(stored_keys(&app).await.len(), 1);
    for path in ["", "/download", "/thumbnail"] {
        let gone = ada.get(&format!("/files/{picture_id}{path}")).await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(record_count(&app).await, 1);
}

#[tokio::test]
async fn a_presigned_link_works_for_a_moment_then_expires() {
    let storage = TestStorage::s3();
    let app = storage.app(&[("S3_PRESIGNED_URL_SECS", "2")]).await;
    let mut ada = app.signed_in("ada@example.com").await;
    ada.upload(&[Part::file("報告 \\\"final\\\".txt", b"the report")])
        .await;
    let (id, name) = listed(&mut ada).await.remove(0);
    assert_eq!(name, "報告 \"final\".txt");

    let view = ada.get(&format!("/files/{id}/view")).await;
    assert_eq!(view.status, StatusCode::SEE_OTHER);
    let link = url::Url::parse(view.header("location").unwrap()).unwrap();
    let query: std::collections::HashMap<_, _> = link.query_pairs().into_owned().collect();
    assert_eq!(query["X-Amz-Expires"], "2");
    assert_eq!(query["response-content-type"], "text/plain; charset=utf-8");
    assert_eq!(
        query["response-content-disposition"],
        "inline; filename=\"__ _final_.txt\"; \
         filename*=UTF-8''%E5%A0%B1%E5%91%8A%20%22final%22.txt"
    );
    assert!(
        link.path().starts_with("/test-uploads/files/"),
        "path-style: {link}"
    );

    let fetched = reqwest::get(link.as_str()).await.unwrap();
    assert_eq!(fetched.status(), 200);
    assert_eq!(
        fetched.headers()["content-disposition"],
        query["response-content-disposition"].as_str()
    );
    assert_eq!(fetched.bytes().await.unwrap().as_ref(), b"the report");

    // The overrides are signed: a link changed to serve the file as HTML is refused.
    let mut tampered = link.clone();
    let pairs: Vec<(String, String)> = link
        .query_pairs()
        .map(|(key, value)| {
            let value = if key == "response-content-type" {
                "text/html".into()
            } else {
                value
            };
            (key.into_owned(), value.into_owned())
        })
        .collect();
    tampered.query_pairs_mut().clear().extend_pairs(pairs);
    assert_eq!(reqwest::get(tampered.as_str()).await.unwrap().status(), 403);

    tokio::time::sleep(Duration::from_millis(3100)).await;
    let expired = reqwest::get(link.as_str()).await.unwrap();
    assert_eq!(
        expired.status(),
        403,
        "the link still works after it expired"
    );
}

/// Thousands of one-byte parts in one request would each hold a spool file until the body
/// ends; past `UPLOAD_MAX_FILES` the request is refused at once and nothing is kept.
#[tokio::test]
async fn more_files_than_the_cap_in_one_request_is_a_413_and_nothing_is_kept() {
    let storage = TestStorage::local();
    let app = storage.app(&[("UPLOAD_MAX_FILES", "3")]).await;
    let mut ada = app.signed_in("ada@example.com").await;
    let names: Vec<String> = (0..5_000).map(|n| format!("{n}.txt")).collect();
    let parts: Vec<Part<'_>> = names.iter().map(|name| Part::file(name, b"x")).collect();

    let response = ada.upload(&parts).await;
    assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        response.text().contains("send at most 3 together"),
        "{}",
        response.text()
    );
    assert_eq!(record_count(&app).await, 0);
    assert!(stored_keys(&app).await.is_empty());

    // The cap itself is accepted.
    let response = ada.upload(&parts[..3]).await;
    assert_eq!(
        response.status,
        StatusCode::SEE_OTHER,
        "{}",
        response.text()
    );
    assert_eq!(record_count(&app).await, 3);
}

#[tokio::test]
async fn over_the_limit_is_a_413_page_and_the_limit_itself_is_accepted() {
    let storage = TestStorage::local();
    let app = storage.app(&[("UPLOAD_MAX_BYTES", "65536")]).await;
    let mut ada = app.signed_in("ada@example.com").await;

    let just_right = vec![b'a'; 65536];
    let response = ada
        .upload_htmx(&[Part::file("exactly.txt", &just_right)])
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    let fragment = response.fragment();
    assert_eq!(select(&fragment, ".file-list th[scope=row] a").len(), 1);
    let alerts = select(
        &fragment,
        "#alerts[data-hx-swap-oob] .flash-message.__success",
    );
    assert!(
        alerts
            .iter()
            .any(|alert| text_of(alert) == "Uploaded exactly.txt.")
    );

    // One byte more: found while streaming the file.
    let one_more = vec![b'a'; 65537];
    let response = ada.upload(&[Part::file("one-more.txt", &one_more)]).await;
    assert_too_large(&response);
    // Far more, declared: refused before the body is read. Sent with htmx: a notice.
    let far_more = vec![b'a'; 1 << 20];
    let response = ada
        .upload_htmx(&[Part::file("far-more.txt", &far_more)])
        .await;
    assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(response.header("hx-retarget"), Some("#alerts"));
    assert!(
        response.text().contains("at most 64 KB"),
        "{}",
        response.text()
    );
    // Far more with no Content-Length: cut off while it is read.
    let mut chunked = upload_request(&[Part::file("chunked.txt", &far_more)], false);
    chunked.headers_mut().remove("content-length");
    let (parts, body) = chunked.into_parts();
    let reader = std::io::Cursor::new(body_bytes(body).await);
    let stream = tokio_util::io::ReaderStream::with_capacity(reader, 8192);
    let response = ada
        .send(Request::from_parts(parts, Body::from_stream(stream)))
        .await;
    assert_too_large(&response);
    // Several files are limited together.
    let half = vec![b'b'; 40_000];
    let response = ada
        .upload(&[Part::file("a.txt", &half), Part::file("b.txt", &half)])
        .await;
    assert_too_large(&response);

    assert_eq!(listed(&mut ada).await.len(), 1);
    assert_eq!(record_count(&app).await, 1);
    assert_eq!(stored_keys(&app).await.len(), 1);
    let TestStorage::Local(dir) = &storage else {
        unreachable!()
    };
    assert_eq!(
        std::fs::read_dir(dir.join(".incoming")).unwrap().count(),
        0,
        "spooled files left"
    );
}

async fn body_bytes(body: Body) -> Vec<u8> {
    use http_body_util::BodyExt;
    body.collect().await.unwrap().to_bytes().to_vec()
}

fn assert_too_large(response: &TestResponse) {
    assert_eq!(
        response.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        response.text()
    );
    let doc = response.document();
    let message = text_of(&select(&doc, ".error-page .message")[0]);
    assert!(message.contains("files can be at most 64 KB"), "{message}");
}

#[tokio::test]
async fn only_the_upload_route_takes_large_bodies() {
    let storage = TestStorage::local();
    let app = storage.app(&[("UPLOAD_MAX_BYTES", "8388608")]).await;
    let mut ada = app.signed_in("ada@example.com").await;
    let three_mb = vec![b'x'; 3 << 20];
    let response = ada.upload(&[Part::file("large.txt", &three_mb)]).await;
    assert_eq!(
        response.status,
        StatusCode::SEE_OTHER,
        "{}",
        response.text()
    );

    // Every other route keeps the default limit (2 MiB), whether or not it reads the body.
    let (id, _) = listed(&mut ada).await.remove(0);
    for path in ["/login".to_owned(), format!("/files/{id}/delete")] {
        let request = Request::post(&path)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("content-length", three_mb.len())
            .header("sec-fetch-site", "same-origin")
            .body(Body::from(three_mb.clone()))
            .unwrap();
        let response = ada.send(request).await;
        assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE, "{path}");
    }
    assert_eq!(listed(&mut ada).await.len(), 1);
}

#[tokio::test]
async fn a_disguised_program_is_refused_whatever_its_name() {
    let storage = TestStorage::local();
    let app = storage.app(&[]).await;
    let mut ada = app.signed_in("ada@example.com").await;
    let mut exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00".to_vec();
    exe.resize(4096, 0);
    let mut elf = b"\x7fELF\x02\x01\x01\x00".to_vec();
    elf.resize(4096, 0);
    let picture = png(10, 10);

    // With a real picture beside it: all or nothing, so neither is kept.
    let response = ada
        .upload(&[
            Part::file("holiday.png", &picture),
            Part::file("setup.png", &exe),
            Part::file("photo.jpg", &elf),
        ])
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    let doc = response.document();
    let problems: Vec<String> = select(&doc, "[data-error-summary] li")
        .iter()
        .map(text_of)
        .collect();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].starts_with(
        "setup.png was not accepted: its content is application/vnd.microsoft.portable-executable"
    ));
    assert!(
        problems[1]
            .starts_with("photo.jpg was not accepted: its content is application/x-executable")
    );
    assert!(problems[0].contains("PNG image"), "says what is accepted");
    assert_eq!(select(&doc, "input[type=file][aria-invalid=true]").len(), 1);

    assert_eq!(record_count(&app).await, 0);
    assert!(stored_keys(&app).await.is_empty());
    let TestStorage::Local(dir) = &storage else {
        unreachable!()
    };
    assert_eq!(std::fs::read_dir(dir.join(".incoming")).unwrap().count(), 0);

    // An empty form, and an empty file, are told apart from success too.
    let response = ada.upload(&[Part::file("", b"")]).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().contains("Choose a file to upload."));
    let response = ada.upload(&[Part::file("empty.txt", b"")]).await;
    assert!(response.text().contains("empty.txt is empty."));
}

#[tokio::test]
async fn hostile_names_are_cleaned_shown_as_text_and_never_reach_storage() {
    let storage = TestStorage::local();
    let app = storage.app(&[]).await;
    let mut ada = app.signed_in("ada@example.com").await;
    // As sent between the quotes of `filename="…"`, and as shown afterwards.
    let names = [
        ("say %22hi%22%0A%0D.txt", "say \"hi\".txt"),
        ("back\\\"slashed\\\".txt", "back\"slashed\".txt"),
        ("../../../etc/passwd", "passwd"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("报告 ünïcode ✓.txt", "报告 ünïcode ✓.txt"),
        (
            "<img src=x onerror=alert(1)>.txt",
            "<img src=x onerror=alert(1)>.txt",
        ),
        ("invoice\u{202E}txt.exe", "invoicetxt.exe"),
    ];
    for (sent, _) in names {
        let response = ada.upload(&[Part::file(sent, b"plain text")]).await;
        assert_eq!(
            response.status,
            StatusCode::SEE_OTHER,
            "{sent}: {}",
            response.text()
        );
    }
    let page = ada.get("/files").await;
    assert!(select(&page.document(), "img[onerror]").is_empty());
    assert!(
        page.text()
            .contains("&lt;img src=x onerror=alert(1)&gt;.txt")
    );
    let files = listed(&mut ada).await;
    for (sent, shown) in names {
        let (id, _) = files
            .iter()
            .find(|(_, name)| name == shown)
            .unwrap_or_else(|| panic!("{sent:?} is not listed as {shown:?}: {files:?}"));
        let download = ada.get(&format!("/files/{id}/download")).await;
        let disposition = download.header("content-disposition").unwrap();
        assert!(!disposition.contains(['\r', '\n']));
        // The exact name, in the RFC 6266 form browsers read first.
        let encoded = disposition.split("filename*=UTF-8''").nth(1).unwrap();
        let query = format!("x={}", encoded.replace('+', "%2B"));
        let (_, decoded) = url::form_urlencoded::parse(query.as_bytes())
            .next()
            .unwrap();
        assert_eq!(decoded, shown, "{disposition}");
        // And an ASCII stand-in with nothing that could end its quotes.
        let ascii = disposition
            .split("filename=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        assert!(ascii.is_ascii() && !ascii.contains('\\'), "{disposition}");
    }

    // Keys are random; nothing was written outside the folder's own layout.
    for stored in stored_keys(&app).await {
        assert!(is_random_key(&stored), "{stored}");
    }
    let TestStorage::Local(dir) = &storage else {
        unreachable!()
    };
    let mut top: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    top.sort();
    assert_eq!(top, [".incoming", "files"]);
}

/// `files/{uuid}`, or its thumbnail's `files/{uuid}.thumbnail.jpg` (or `.webp`).
fn is_random_key(key: &str) -> bool {
    key.strip_prefix("files/")
        .map(|rest| {
            rest.trim_end_matches(".thumbnail.jpg")
                .trim_end_matches(".thumbnail.webp")
        })
        .and_then(|id| uuid::Uuid::parse_str(id).ok())
        .is_some()
}

#[tokio::test]
async fn a_photos_thumbnail_is_a_small_jpeg_and_transparency_stays_webp() {
    let storage = TestStorage::local();
    let app = storage.app(&[]).await;
    let mut ada = app.signed_in("ada@example.com").await;
    // A photo-like image: light and shade with grain, no transparency.
    let mut seed = 7_u32;
    let photo = image::RgbImage::from_fn(1600, 1200, |x, y| {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        let grain = ((seed >> 16) % 20) as u8;
        image::Rgb([
            ((x / 8) % 200) as u8 + grain,
            ((y / 6) % 200) as u8 + grain,
            90 + grain,
        ])
    });
    let mut jpeg = Vec::new();
    image::DynamicImage::ImageRgb8(photo)
        .write_to(
            &mut std::io::Cursor::new(&mut jpeg),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
    let logo = image::RgbaImage::from_fn(200, 200, |x, _| {
        image::Rgba([200, 30, 30, if x < 100 { 0 } else { 255 }])
    });
    let mut png = Vec::new();
    image::DynamicImage::ImageRgba8(logo)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    ada.upload(&[Part::file("photo.jpg", &jpeg), Part::file("logo.png", &png)])
        .await;
    let files = listed(&mut ada).await;
    let thumbnail_of = |name: &str| {
        let id = &files.iter().find(|(_, listed)| listed == name).unwrap().0;
        format!("/files/{id}/thumbnail")
    };

    let photo = ada.get(&thumbnail_of("photo.jpg")).await;
    assert_eq!(photo.header("content-type"), Some("image/jpeg"));
    let decoded =
        image::load_from_memory_with_format(&photo.body, image::ImageFormat::Jpeg).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (160, 120));
    // Lossless WebP took about 49 KB for such a preview.
    assert!(photo.body.len() < 12_000, "{} bytes", photo.body.len());

    let logo = ada.get(&thumbnail_of("logo.png")).await;
    assert_eq!(logo.header("content-type"), Some("image/webp"));
    let decoded = image::load_from_memory_with_format(&logo.body, image::ImageFormat::WebP)
        .unwrap()
        .to_rgba8();
    assert_eq!(decoded.get_pixel(0, 0).0[3], 0);
    assert_eq!(decoded.get_pixel(159, 0).0[3], 255);
}

#[tokio::test]
async fn another_users_file_is_not_found_on_any_route() {
    let storage = TestStorage::local();
    let app = storage.app(&[]).await;
    let mut ada = app.signed_in("ada@example.com").await;
    ada.upload(&[Part::file("private.png", &png(40, 40))]).await;
    let (id, _) = listed(&mut ada).await.remove(0);

    let mut bob = app.signed_in("bob@example.com").await;
    assert!(listed(&mut bob).await.is_empty());
    for path in ["", "/download", "/view", "/thumbnail"] {
        let response = bob.get(&format!("/files/{id}{path}")).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "GET {path}");
    }
    let response = bob.post(&format!("/files/{id}/delete"), &[]).await;
    assert_eq!(response.status, StatusCode::NOT_FOUND, "delete");
    // Exactly the answer for a file that does not exist.
    let missing = bob.get(&format!("/files/{}", uuid::Uuid::new_v4())).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    // Visitors are sent to log in.
    let mut visitor = app.client();
    for path in ["/files".to_owned(), format!("/files/{id}/download")] {
        assert!(redirects_to_login(&visitor.get(&path).await), "{path}");
    }
    // Another site cannot post on the user's behalf.
    let mut cross_site = upload_request(&[Part::file("x.txt", b"x")], false);
    cross_site
        .headers_mut()
        .insert("sec-fetch-site", "cross-site".parse().unwrap());
    assert_eq!(ada.send(cross_site).await.status, StatusCode::FORBIDDEN);
    let cross_site_delete = Request::post(format!("/files/{id}/delete"))
        .header("sec-fetch-site", "cross-site")
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        ada.send(cross_site_delete).await.status,
        StatusCode::FORBIDDEN
    );

    // Ada's file is untouched by all of it.
    assert_eq!(listed(&mut ada).await.len(), 1);
    assert_eq!(
        ada.get(&format!("/files/{id}/download")).await.status,
        StatusCode::OK
    );
}

/// The policy sent with a file, checked to let no script run.
fn assert_no_script(response: &TestResponse, sandboxed: bool) {
    assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
    let csp = response.header("content-security-policy").unwrap();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(!csp.contains("script-src"), "{csp}");
    assert_eq!(csp.contains("sandbox"), sandboxed, "{csp}");
}

#[tokio::test]
async fn uploaded_html_and_svg_are_only_downloads_in_a_sandbox() {
    let storage = TestStorage::local();
    let allowed = "text/html,image/svg+xml,text/plain,image/png,application/pdf";
    let app = storage.app(&[("UPLOAD_ALLOWED_TYPES", allowed)]).await;
    let mut ada = app.signed_in("ada@example.com").await;
    let page = b"<html><body><script>fetch('/account')</script></body></html>";
    let drawing = b"<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"><script>alert(2)</script></svg>";
    let text = b"Not HTML at the start, but <script>alert(3)</script> later on.";
    let pdf = b"%PDF-1.4\n1 0 obj << /JS (app.alert(1)) >> endobj\n%%EOF\n";
    for (name, bytes) in [
        ("page.png", &page[..]),
        ("drawing.svg", &drawing[..]),
        ("notes.txt", &text[..]),
        ("paper.pdf", &pdf[..]),
        ("dot.png", &png(4, 4)[..]),
    ] {
        let response = ada.upload(&[Part::file(name, bytes)]).await;
        assert_eq!(
            response.status,
            StatusCode::SEE_OTHER,
            "{name}: {}",
            response.text()
        );
    }
    let files = listed(&mut ada).await;
    let id_of = |name: &str| files.iter().find(|(_, n)| n == name).unwrap().0.clone();

    // HTML (whatever its name) and SVG are never shown, only downloaded, even from /view.
    for (name, content_type) in [("page.png", "text/html"), ("drawing.svg", "image/svg+xml")] {
        for route in ["view", "download"] {
            let response = ada.get(&format!("/files/{}/{route}", id_of(name))).await;
            assert_eq!(response.status, StatusCode::OK);
            assert_eq!(
                response.header("content-type"),
                Some(content_type),
                "{name}"
            );
            assert!(
                response
                    .header("content-disposition")
                    .unwrap()
                    .starts_with("attachment;")
            );
            assert_no_script(&response, true);
        }
    }
    // Text and images are shown, sandboxed; text stays text.
    let text = ada
        .get(&format!("/files/{}/view", id_of("notes.txt")))
        .await;
    assert_eq!(
        text.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert!(
        text.header("content-disposition")
            .unwrap()
            .starts_with("inline;")
    );
    assert_no_script(&text, true);
    let image = ada.get(&format!("/files/{}/view", id_of("dot.png"))).await;
    assert_eq!(image.header("content-type"), Some("image/png"));
    assert_no_script(&image, true);
    // PDFs are shown by the browser's viewer, which a sandbox would stop; no script of ours.
    let pdf = ada
        .get(&format!("/files/{}/view", id_of("paper.pdf")))
        .await;
    assert_eq!(pdf.header("content-type"), Some("application/pdf"));
    assert!(
        pdf.header("content-disposition")
            .unwrap()
            .starts_with("inline;")
    );
    assert_no_script(&pdf, false);
}

#[tokio::test]
async fn html_and_svg_are_refused_by_default() {
    let storage = TestStorage::local();
    let app = storage.app(&[]).await;
    let mut ada = app.signed_in("ada@example.com").await;
    let response = ada
        .upload(&[
            Part::file("page.txt", b"<!DOCTYPE html><script>alert(1)</script>"),
            Part::file(
                "logo.png",
                b"<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>",
            ),
        ])
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = response.text();
    assert!(text.contains("its content is HTML page"), "{text}");
    assert!(text.contains("its content is SVG image"), "{text}");
    assert_eq!(record_count(&app).await, 0);
}

#[tokio::test]
async fn a_broken_image_is_kept_without_a_thumbnail_and_a_bomb_is_refused() {
    let storage = TestStorage::local();
    let app = storage.app(&[]).await;
    let mut ada = app.signed_in("ada@example.com").await;
    let mut broken = png(64, 64);
    broken.truncate(broken.len() / 2);
    let response = ada.upload(&[Part::file("broken.png", &broken)]).await;
    assert_eq!(response.status, StatusCode::SEE_OTHER);
    let (id, _) = listed(&mut ada).await.remove(0);
    assert_eq!(
        ada.get(&format!("/files/{id}/thumbnail")).await.status,
        StatusCode::NOT_FOUND
    );
    let page = ada.get("/files").await;
    assert_eq!(
        text_of(&select(&page.document(), ".file-preview.__badge")[0]),
        "PNG"
    );

    let response = ada
        .upload(&[Part::file("bomb.png", &declared_png(100_000, 100_000))])
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        response
            .text()
            .contains("bomb.png is 100000 × 100000 pixels"),
        "{}",
        response.text()
    );
    assert_eq!(record_count(&app).await, 1);
    assert_eq!(stored_keys(&app).await.len(), 1);
}

/// Images built to exhaust memory, through the real binary alone in its process so that its
/// peak memory is theirs: a colour profile that inflates to a gigabyte, a 16-bit RGBA PNG of
/// 40 megapixels turned by EXIF, a GIF of thousands of frames, and a GIF, a JPEG and a WebP
/// that declare 40 megapixels. Each upload succeeds and is kept; none is decoded past the
/// thumbnails' memory budget.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn images_built_to_exhaust_memory_are_kept_and_memory_stays_bounded() {
    let db = TestDatabase::new().await;
    create_user(&db.pool, "ada@example.com", Role::User).await;
    let storage = TestStorage::local();
    let variables = storage.variables();
    let mut env: Vec<(&str, &str)> = variables
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect();
    env.push(("DATABASE_URL", &db.url));
    let server = Instance::start(&env);
    let ada = WebClient::new();
    ada.log_in(&server, "ada@example.com").await;

    let hostile = [
        ("profile.png", bombs::profile_bomb(1 << 30)),
        ("deep.png", bombs::deep_png(6_000, 6_666)),
        ("frames.gif", bombs::gif(100, 100, 5_000)),
        ("canvas.gif", bombs::gif(8_000, 5_000, 1)),
        ("declared.jpg", bombs::declared_jpeg(9_000, 4_400)),
        ("declared.webp", bombs::declared_webp(9_000, 4_400)),
    ];
    let before = server.peak_memory();
    for (name, bytes) in &hostile {
        let page = ada
            .upload(&server.url("/files"), &[Part::file(name, bytes)])
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{name}: {}", page.body);
    }
    let grown = server.peak_memory().saturating_sub(before);
    // Reading a header may take 16 MiB; decoding any of these would take 160 MiB to 1 GiB.
    assert!(
        grown < 64 * 1024 * 1024,
        "the peak grew by {} MiB",
        grown / 1024 / 1024
    );

    let list = ada.get(&server.url("/files")).await;
    let doc = Html::parse_document(&list.body);
    let mut kept: Vec<String> = select(&doc, ".file-list th[scope=row] a")
        .iter()
        .map(text_of)
        .collect();
    kept.sort();
    let mut sent: Vec<&str> = hostile.iter().map(|(name, _)| *name).collect();
    sent.sort();
    assert_eq!(kept, sent);
    // The small GIF's first frame, and the one-pixel PNG without its profile (the decoder
    // drops a profile over its limit), were worth decoding.
    assert_eq!(
        select(&doc, ".file-list img.file-preview").len(),
        2,
        "{}",
        server.output()
    );
}

#[tokio::test]
async fn the_list_pages_newest_first_fifty_at_a_time() {
    let storage = TestStorage::local();
    let app = storage.app(&[]).await;
    let mut ada = app.signed_in("ada@example.com").await;
    let owner: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'ada@example.com'")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    // Records alone are enough to page through.
    for n in 0..53 {
        sqlx::query(
            "INSERT INTO files (owner_id, original_name, content_type, size_bytes, sha256, \
             storage_key, created_at) \
             VALUES ($1, $2, 'text/plain', 1, sha256('x'::bytea), $3, now() - $4 * interval '1 minute')",
        )
        .bind(owner)
        .bind(format!("file-{n:02}.txt"))
        .bind(format!("files/{}", uuid::Uuid::new_v4()))
        .bind(f64::from(n))
        .execute(&app.state.db)
        .await
        .unwrap();
    }
    let first = ada.get("/files").await;
    let doc = first.document();
    let names: Vec<String> = select(&doc, ".file-list th[scope=row] a")
        .iter()
        .map(text_of)
        .collect();
    assert_eq!(names.len(), 50);
    assert_eq!(names[0], "file-00.txt");
    let older = select(&doc, ".file-list tr#files-more a")[0]
        .attr("href")
        .unwrap()
        .to_owned();
    let second = ada.get(&older).await;
    let doc = second.document();
    let names: Vec<String> = select(&doc, ".file-list th[scope=row] a")
        .iter()
        .map(text_of)
        .collect();
    assert_eq!(names, ["file-50.txt", "file-51.txt", "file-52.txt"]);
    assert!(select(&doc, ".file-list tr#files-more").is_empty());
    assert!(second.text().contains("Back to the newest files"));

    // Infinite scroll: htmx's request from the "more" row gets the next rows alone.
    let rows = ada
        .send(
            Request::get(&older)
                .header("hx-request", "true")
                .header("hx-target", "files-more")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(rows.status, StatusCode::OK);
    assert!(rows.text().starts_with("<tr"), "only rows: {}", rows.text());
    // Rows parse as rows only inside a table.
    let doc = Html::parse_fragment(&format!("<table>{}</table>", rows.text()));
    assert_eq!(select(&doc, "th[scope=row] a").len(), 3);

    // A cursor not made by the list is a 400, as in every keyset list.
    let broken = ada.get("/files?after=garbage").await;
    assert_eq!(broken.status, StatusCode::BAD_REQUEST);
    assert!(broken.text().contains("page link is broken"));
}

#[tokio::test]
async fn a_files_page_previews_images_large_and_text_escaped_on_the_local_folder() {
    previews(TestStorage::local()).await;
}

#[tokio::test]
async fn a_files_page_previews_images_large_and_text_escaped_on_s3() {
    previews(TestStorage::s3()).await;
}

async fn previews(storage: TestStorage) {
    let app = storage.app(&[]).await;
    let mut ada = app.signed_in("ada@example.com").await;
    let mut bob = app.signed_in("bob@example.com").await;
    let picture = png(300, 200);
    let lines: String = (1..=100)
        .map(|n| format!("line {n} <script>alert({n})</script>\n"))
        .collect();
    let uploaded = ada
        .upload(&[
            Part::file("picture.png", &picture),
            Part::file("lines.txt", lines.as_bytes()),
        ])
        .await;
    assert_eq!(
        uploaded.status,
        StatusCode::SEE_OTHER,
        "{}",
        uploaded.text()
    );
    let files = listed(&mut ada).await;
    let id_of = |name: &str| files.iter().find(|(_, n)| n == name).unwrap().0.clone();
    let (picture_id, text_id) = (id_of("picture.png"), id_of("lines.txt"));

    // The image, large, through the app whatever the storage, with the file's private headers.
    let page = ada.get(&format!("/files/{picture_id}")).await.document();
    let src = format!("/files/{picture_id}/preview");
    assert_eq!(
        select(&page, ".file-large-preview img")[0].attr("src"),
        Some(src.as_str())
    );
    let preview = ada.get(&src).await;
    assert_eq!(preview.status, StatusCode::OK);
    assert_eq!(*preview.body, picture);
    assert_eq!(preview.header("content-type"), Some("image/png"));
    assert_eq!(preview.header("cache-control"), Some("private, no-store"));
    assert_eq!(preview.header("x-content-type-options"), Some("nosniff"));
    assert!(
        preview
            .header("content-security-policy")
            .unwrap()
            .starts_with("sandbox")
    );
    assert_eq!(bob.get(&src).await.status, StatusCode::NOT_FOUND);
    // Only images are previewed this way.
    let text_preview = ada.get(&format!("/files/{text_id}/preview")).await;
    assert_eq!(text_preview.status, StatusCode::NOT_FOUND);

    // Text: its first forty lines, as text.
    let page = ada.get(&format!("/files/{text_id}")).await;
    let body = page.text();
    assert!(
        body.contains("line 1 &lt;script&gt;alert(1)&lt;/script&gt;"),
        "{body}"
    );
    let doc = page.document();
    let pre = select(&doc, ".file-text-preview pre");
    assert_eq!(pre.len(), 1);
    let shown = pre[0].text().collect::<String>();
    assert_eq!(shown.lines().count(), 40);
    assert!(
        shown.ends_with("line 40 <script>alert(40)</script>"),
        "{shown}"
    );
    assert!(select(&doc, "main script").is_empty());
    assert!(select(&doc, ".file-text-preview figcaption").len() == 1);
    assert!(select(&doc, ".file-large-preview").is_empty());
}
