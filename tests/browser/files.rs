//! The files page in a real browser, reached by boosted navigation (htmx runs no script it
//! swaps in): a chosen image is uploaded through htmx and its thumbnail appears in the list;
//! files dropped onto the form are sent at once, with the progress bar moving, and a file
//! dropped beside it is not opened in place of the app; a file over the limit is stopped
//! before it is sent; an image opened in the browser shows under its sandbox; deleting asks
//! first, in place or on a page of its own; every state of the pages passes axe; the list's
//! next page loads as its last row scrolls into view.

use app::auth::db::Role;
use fantoccini::Locator;
use serde_json::Value;

use crate::common::{
    a11y::Audit,
    accounts::{PASSWORD, create_user},
    browser::{Browser, ServedApp},
    test_config,
    uploads::{TestStorage, png},
};

/// The names in the list, newest first.
async fn listed_names(browser: &Browser) -> Value {
    browser
        .eval(
            "return [...document.querySelectorAll('.file-list th[scope=row] a')]\
             .map(link => link.textContent);",
        )
        .await
}

#[tokio::test]
async fn browser_an_uploaded_image_appears_with_its_thumbnail() {
    let storage = TestStorage::local();
    let variables = storage.variables();
    let mut config: Vec<(&str, &str)> = variables
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect();
    config.push(("UPLOAD_MAX_BYTES", "1048576"));
    let app = ServedApp::start_with(test_config(&config)).await;
    create_user(&app.state.db, "ada@example.com", Role::User).await;
    let browser = Browser::start().await;
    let mut audit = Audit::new();
    browser.log_in(&app, "ada@example.com", PASSWORD).await;

    // Reached as a user would, through the navigation: boosted, so the files page arrives
    // without a load of its own and its behaviour must already be there.
    browser.client.goto(&app.url("/")).await.unwrap();
    browser
        .eval("window.sincePageLoad = true; return true;")
        .await;
    browser.click(".site-header a[href='/files']").await;
    browser
        .wait_for("return document.querySelector('.empty-state') !== null;")
        .await;
    assert_eq!(
        browser.eval("return window.sincePageLoad === true;").await,
        Value::Bool(true),
        "the files page was loaded, not reached by boosted navigation"
    );
    audit.page(&browser, "files-empty").await;

    // A file dropped beside the form is refused, not opened by the browser instead of the app.
    assert_eq!(
        browser
            .eval(
                "const files = new DataTransfer(); \
                 files.items.add(new File(['x'], 'beside.txt', { type: 'text/plain' })); \
                 const drop = new DragEvent('drop', { dataTransfer: files, bubbles: true, cancelable: true }); \
                 document.querySelector('h1').dispatchEvent(drop); \
                 return drop.defaultPrevented;",
            )
            .await,
        Value::Bool(true)
    );

    // Choose a picture as a user would, then press Upload: htmx sends it and swaps the list
    // in, thumbnail and all, without leaving the page.
    let picture = std::env::temp_dir().join(format!("{}-holiday.png", uuid::Uuid::new_v4()));
    std::fs::write(&picture, png(320, 240)).unwrap();
    browser
        .client
        .find(Locator::Css("#file-upload-file"))
        .await
        .unwrap()
        .send_keys(&picture.display().to_string())
        .await
        .unwrap();
    browser
        .eval(
            "window.beforeUpload = performance.getEntriesByType('navigation').length; return true;",
        )
        .await;
    browser.click("#file-upload button[type=submit]").await;
    browser
        .wait_for(
            "const img = document.querySelector('.file-list img.file-preview'); \
             return img !== null && img.complete && img.naturalWidth === 160;",
        )
        .await;
    std::fs::remove_file(&picture).unwrap();
    let name = picture.file_name().unwrap().to_str().unwrap().to_owned();
    assert_eq!(listed_names(&browser).await, serde_json::json!([name]));
    assert_eq!(
        browser
            .eval("return document.querySelector('#alerts .flash-message.__success').textContent;")
            .await,
        Value::from(format!("Uploaded {name}."))
    );
    // Still the same page load (htmx swapped the content), and the form is ready again.
    assert_eq!(
        browser
            .eval("return [location.pathname, document.querySelector('#file-upload-file').files.length];")
            .await,
        serde_json::json!(["/files", 0])
    );
    audit.page(&browser, "files-with-thumbnail").await;

    // Dropped files are sent at once; the progress bar follows the upload.
    browser
        .eval(
            "window.progress = []; \
             document.addEventListener('htmx:xhr:progress', () => \
               window.progress.push(document.querySelector('[data-upload-form] progress').value)); \
             const files = new DataTransfer(); \
             files.items.add(new File(['dropped notes'], 'dropped.txt', { type: 'text/plain' })); \
             const zone = document.querySelector('[data-drop-zone]'); \
             zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: files, bubbles: true, cancelable: true })); \
             window.highlighted = zone.classList.contains('__dragging'); \
             zone.dispatchEvent(new DragEvent('drop', { dataTransfer: files, bubbles: true, cancelable: true })); \
             return true;",
        )
        .await;
    browser
        .wait_for("return document.querySelectorAll('.file-list th[scope=row] a').length === 2;")
        .await;
    assert_eq!(listed_names(&browser).await[0], Value::from("dropped.txt"));
    assert_eq!(
        browser.eval("return window.highlighted;").await,
        Value::Bool(true)
    );
    assert_eq!(
        browser.eval("return window.progress.includes(100);").await,
        Value::Bool(true),
        "progress seen: {}",
        browser.eval("return window.progress;").await
    );

    // Over the limit (1 MiB here): stopped and explained before anything is sent.
    browser
        .eval(
            "window.requests = 0; \
             document.addEventListener('htmx:beforeSend', () => window.requests++); \
             const files = new DataTransfer(); \
             files.items.add(new File([new Uint8Array(2 * 1024 * 1024)], 'huge.bin')); \
             document.querySelector('[data-drop-zone]').dispatchEvent( \
               new DragEvent('drop', { dataTransfer: files, bubbles: true, cancelable: true })); \
             return true;",
        )
        .await;
    browser
        .wait_for(
            "return document.querySelector('#file-upload .status').textContent \
             .startsWith('That is too large: files can be at most 1 MB');",
        )
        .await;
    assert_eq!(
        browser.eval("return window.requests;").await,
        Value::from(0)
    );
    audit.page(&browser, "files-too-large").await;

    let errors = browser.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:#?}");

    // The file's own page, then the image opened in the browser, under its sandbox.
    browser
        .click(".file-list tr:last-child th[scope=row] a")
        .await;
    browser
        .wait_for("return document.querySelector('.file-details') !== null;")
        .await;
    audit.page(&browser, "file-details").await;
    let file_page = browser.eval("return location.href;").await;
    let file_page = file_page.as_str().unwrap().to_owned();
    browser.click(".file-actions a[href$='/view']").await;
    browser
        .wait_for(
            "const img = document.querySelector('img'); \
             return img !== null && img.complete && img.naturalWidth === 320;",
        )
        .await;

    // Without JavaScript, Delete leads to a page that asks.
    browser
        .client
        .goto(&format!("{file_page}/delete"))
        .await
        .unwrap();
    browser
        .wait_for("return document.querySelector('main form button.__danger') !== null;")
        .await;
    audit.page(&browser, "file-delete-confirm").await;

    // With it, Delete asks in place: dismissed, nothing happens; accepted, the file is gone.
    browser.client.goto(&file_page).await.unwrap();
    browser.click(".file-actions a.__danger").await;
    assert_eq!(
        browser.wait_for_alert().await,
        format!("Delete {name}? This cannot be undone.")
    );
    browser.client.dismiss_alert().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        browser.eval("return location.href;").await,
        Value::from(file_page.as_str())
    );
    browser.click(".file-actions a.__danger").await;
    browser.wait_for_alert().await;
    browser.client.accept_alert().await.unwrap();
    browser
        .wait_for(&format!(
            "return location.pathname === '/files' \
                 && document.querySelector('#alerts').textContent.includes('Deleted {name}.');"
        ))
        .await;
    assert_eq!(
        listed_names(&browser).await,
        serde_json::json!(["dropped.txt"])
    );

    browser.close().await;
    audit.assert_clean();
}

#[tokio::test]
async fn browser_the_files_list_loads_older_files_as_it_scrolls() {
    let storage = TestStorage::local();
    let variables = storage.variables();
    let config: Vec<(&str, &str)> = variables
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect();
    let app = ServedApp::start_with(test_config(&config)).await;
    create_user(&app.state.db, "ada@example.com", Role::User).await;
    // Records alone are enough to page through: 53 files, a page and three more.
    sqlx::query(
        "INSERT INTO files (owner_id, original_name, content_type, size_bytes, sha256, \
         storage_key, created_at) \
         SELECT users.id, 'file-' || lpad(n::text, 2, '0') || '.txt', 'text/plain', 1, \
                sha256('x'::bytea), 'files/' || gen_random_uuid(), now() - n * interval '1 minute' \
         FROM users, generate_series(0, 52) AS n WHERE users.email = 'ada@example.com'",
    )
    .execute(&app.state.db)
    .await
    .unwrap();
    let browser = Browser::start().await;
    browser.log_in(&app, "ada@example.com", PASSWORD).await;

    browser.client.goto(&app.url("/files")).await.unwrap();
    browser
        .wait_for("return document.querySelectorAll('.file-list th[scope=row] a').length === 50;")
        .await;
    browser
        .eval("document.querySelector('#files-more').scrollIntoView(); return true;")
        .await;
    browser
        .wait_for("return document.querySelectorAll('.file-list th[scope=row] a').length === 53;")
        .await;
    let names = listed_names(&browser).await;
    assert_eq!(names[0], "file-00.txt");
    assert_eq!(names[52], "file-52.txt");
    assert_eq!(
        browser
            .eval("return document.querySelector('#files-more') === null;")
            .await,
        Value::Bool(true)
    );
    let errors = browser.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:#?}");
    browser.close().await;
}
