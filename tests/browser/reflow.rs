//! Long unbroken text (a name, an address, a file name with no space in it) never makes a
//! page scroll sideways on a phone, at 320 and 375 px: in table cells, headings, details,
//! flash messages, error summaries and confirmation pages.

use app::auth::db::Role;
use serde_json::Value;

use crate::common::{
    a11y::sideways_scroll,
    accounts::{PASSWORD, create_user},
    browser::{Browser, ColorScheme, ServedApp},
    test_config,
    uploads::TestStorage,
};

/// `length` characters without a place to break a line.
fn unbroken(length: usize) -> String {
    "Wolfeschlegelsteinhausenbergerdorff"
        .chars()
        .cycle()
        .take(length)
        .collect()
}

/// Drops a file named `name` holding `contents` on the upload form, and waits for `done`.
async fn drop_file(browser: &Browser, name: &str, contents: &str, done: &str) {
    let script = format!(
        "const files = new DataTransfer(); \
         files.items.add(new File([{contents}], {name}, {{ type: 'application/octet-stream' }})); \
         document.querySelector('[data-drop-zone]').dispatchEvent( \
           new DragEvent('drop', {{ dataTransfer: files, bubbles: true, cancelable: true }})); \
         return true;",
        contents = serde_json::to_string(contents).unwrap(),
        name = serde_json::to_string(name).unwrap(),
    );
    browser.eval(&script).await;
    browser.wait_for(done).await;
}

#[tokio::test]
async fn browser_long_unbroken_text_never_widens_a_phone_page() {
    let storage = TestStorage::local();
    let variables = storage.variables();
    let config: Vec<(&str, &str)> = variables
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect();
    let app = ServedApp::start_with(test_config(&config)).await;
    // The longest local part an address may have.
    let email = format!("{}@example.com", unbroken(64).to_lowercase());
    create_user(&app.state.db, &email, Role::User).await;
    let browser = Browser::start().await;
    browser.log_in(&app, &email, PASSWORD).await;
    let long = unbroken(100);
    let owner: uuid::Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(&email)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    let contact: uuid::Uuid = sqlx::query_scalar(
        "INSERT INTO contacts (owner_id, first_name, last_name, email, phone, company, notes) \
         VALUES ($1, $2, $2, $3, $4, $2, $2) RETURNING id",
    )
    .bind(owner)
    .bind(&long)
    .bind(format!("{}@{}.example", unbroken(64), unbroken(60)).to_lowercase())
    .bind("+44 20 7946 0958 0000 0000 0000")
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    let mut problems = Vec::new();
    let visit = async |path: &str, ready: &str| {
        browser.client.goto(&app.url(path)).await.unwrap();
        browser.wait_for(ready).await;
        let found = sideways_scroll(&browser, path).await;
        browser.emulate(1280, ColorScheme::Light).await;
        found
    };
    let page_loaded = "return document.readyState === 'complete';";
    problems.extend(
        visit(
            "/contacts",
            "return document.querySelector('#contacts-results tbody tr:has(> th)') !== null;",
        )
        .await,
    );
    problems.extend(visit(&format!("/contacts/{contact}"), page_loaded).await);
    problems.extend(visit(&format!("/contacts/{contact}/edit"), page_loaded).await);
    problems.extend(visit(&format!("/contacts/{contact}/delete"), page_loaded).await);
    problems.extend(visit(&format!("/search?q={long}"), page_loaded).await);
    problems.extend(visit("/account", page_loaded).await);
    problems.extend(visit("/account/sessions", page_loaded).await);
    problems.extend(visit("/account/delete", page_loaded).await);

    // The upload's refusal names the file; an accepted one is named in the message, the
    // list, its page and the question before deleting it.
    problems.extend(visit("/files", page_loaded).await);
    let refused = format!("{}.exe", unbroken(180));
    drop_file(
        &browser,
        &refused,
        "MZ\u{90}",
        "return document.querySelector('[data-error-summary]') !== null;",
    )
    .await;
    problems.extend(sideways_scroll(&browser, "/files refusing a long name").await);
    browser.emulate(1280, ColorScheme::Light).await;
    let accepted = format!("{}.txt", unbroken(180));
    drop_file(
        &browser,
        &accepted,
        "notes",
        "return document.querySelector('.file-list th[scope=row] a') !== null;",
    )
    .await;
    problems.extend(sideways_scroll(&browser, "/files with a long name").await);
    browser.emulate(1280, ColorScheme::Light).await;
    let file = browser
        .eval("return document.querySelector('.file-list th[scope=row] a').getAttribute('href');")
        .await;
    let file = file.as_str().unwrap().to_owned();
    problems.extend(visit(&file, page_loaded).await);
    // The home lists the long-named contact and file too.
    problems.extend(visit("/", page_loaded).await);
    problems.extend(visit(&format!("{file}/delete"), page_loaded).await);
    // The message after deleting it names it too.
    browser.click("main form button.__danger").await;
    browser
        .wait_for("return document.querySelector('#alerts .flash-message') !== null;")
        .await;
    problems.extend(sideways_scroll(&browser, "/files after deleting").await);

    assert_eq!(
        browser.eval("return location.pathname;").await,
        Value::from("/files")
    );
    assert!(
        problems.is_empty(),
        "pages wider than a phone:\n{}",
        problems.join("\n")
    );
    browser.close().await;
}
