//! Contacts in a real browser: boosted navigation, search as you type, infinite scroll,
//! inline editing (focus following each action, Escape cancelling), deleting in place and in
//! bulk with the browser's confirmation, and every contacts page through axe.

use app::{auth::db::Role, dev::seed, web::public_id::PublicId};
use serde_json::Value;
use uuid::Uuid;

use crate::common::{
    a11y::Audit,
    accounts::{PASSWORD, create_user},
    browser::{Browser, ServedApp},
};

/// A confirmed account, signed in in `browser`; its id.
async fn signed_in(app: &ServedApp, browser: &Browser, email: &str) -> Uuid {
    create_user(&app.state.db, email, Role::User).await;
    browser.log_in(app, email, PASSWORD).await;
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(&app.state.db)
        .await
        .unwrap()
}

/// Adds a contact; returns its id as the page carries it (in its row's id and its links).
async fn add(app: &ServedApp, owner: Uuid, first: &str, last: &str) -> PublicId {
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO contacts (owner_id, first_name, last_name) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(owner)
    .bind(first)
    .bind(last)
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    PublicId(id)
}

const ROWS: &str = "document.querySelectorAll('#contacts-results tbody tr:has(> th)').length";

#[tokio::test]
async fn browser_contacts_search_as_you_type_and_scroll_for_more() {
    let app = ServedApp::start().await;
    let browser = Browser::start().await;
    let owner = signed_in(&app, &browser, "ada@example.com").await;
    seed::add(&app.state.db, owner, 40).await.unwrap();
    add(&app, owner, "Zelda", "Quux").await;

    // Boosted navigation: the page changes without a load (the marker survives), and the
    // title, the current link and the back button follow.
    browser.client.goto(&app.url("/")).await.unwrap();
    browser
        .eval("window.notReloaded = true; return true;")
        .await;
    browser.click(".site-header nav a[href='/contacts']").await;
    // Focus moves to the new content just after htmx settles (see app.js).
    browser
        .wait_for(&format!(
            "return {ROWS} === 25 && document.activeElement.id === 'main';"
        ))
        .await;
    assert_eq!(
        browser
            .eval(
                "return [window.notReloaded === true, document.title, \
                 document.querySelector('nav a[aria-current=page]').getAttribute('href'), \
                 location.pathname, document.activeElement.id];"
            )
            .await,
        serde_json::json!([
            true,
            format!("Contacts · {}", app::APP_NAME.as_str()),
            "/contacts",
            "/contacts",
            "main"
        ])
    );
    // The count arrives after the page.
    browser
        .wait_for("return document.querySelector('.contacts-count .count').textContent === '41 contacts';")
        .await;

    // The next page loads when its row scrolls into view, then there is no more.
    browser
        .eval("document.querySelector('#contacts-more').scrollIntoView(); return true;")
        .await;
    browser.wait_for(&format!("return {ROWS} === 41;")).await;
    assert_eq!(
        browser
            .eval("return document.querySelector('#contacts-more') === null;")
            .await,
        Value::Bool(true)
    );

    // Typing narrows the list, and the address bar keeps the search.
    browser.fill("#contact-search-q", "zeld").await;
    browser
        .wait_for(&format!(
            "return {ROWS} === 1 && document.querySelector('#contacts-results th a').textContent === 'Zelda Quux';"
        ))
        .await;
    assert_eq!(
        browser.eval("return location.search;").await,
        Value::from("?q=zeld")
    );
    browser
        .wait_for(
            "return document.querySelector('.contacts-count .count').textContent === '1 match';",
        )
        .await;

    browser.eval("history.back(); return true;").await;
    browser.wait_for("return location.pathname === '/';").await;
    let errors = browser.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:#?}");
    assert_eq!(
        browser.eval("return window.notReloaded === true;").await,
        Value::Bool(true)
    );
    browser.close().await;
}

#[tokio::test]
async fn browser_contacts_edit_in_place_and_delete_after_confirming() {
    let app = ServedApp::start().await;
    let browser = Browser::start().await;
    let owner = signed_in(&app, &browser, "ada@example.com").await;
    let ada = add(&app, owner, "Ada", "Lovelace").await;
    add(&app, owner, "Alan", "Turing").await;
    add(&app, owner, "Grace", "Hopper").await;
    add(&app, owner, "Kept", "Contact").await;
    browser.client.goto(&app.url("/contacts")).await.unwrap();
    browser.wait_for(&format!("return {ROWS} === 4;")).await;

    // Edit swaps the row for its form; an error stays in the row; saving swaps it back.
    let form = format!("contact-{ada}-edit");
    browser
        .click(&format!("#contact-{ada} a[aria-label='Edit Ada Lovelace']"))
        .await;
    browser
        .wait_for(&format!(
            "return document.querySelector('form#{form}') !== null;"
        ))
        .await;
    browser.fill(&format!("#{form}-first_name"), " ").await;
    browser
        .click(&format!("form#{form} button[type=submit]"))
        .await;
    browser
        .wait_for(&format!(
            "return document.querySelector('#{form}-first_name-error') !== null \
                 && document.querySelector('#contact-{ada}').contains(document.querySelector('#{form}-first_name-error'));"
        ))
        .await;
    browser
        .fill(&format!("#{form}-first_name"), "Augusta Ada")
        .await;
    browser
        .click(&format!("form#{form} button[type=submit]"))
        .await;
    browser
        .wait_for(&format!(
            "return document.querySelector('form#{form}') === null \
                 && document.querySelector('#contact-{ada} th[scope=row] a').textContent === 'Augusta Ada Lovelace';"
        ))
        .await;

    // Delete asks first; answered, the row fades out and the count follows.
    browser
        .click(&format!(
            "#contact-{ada} a[aria-label='Delete Augusta Ada Lovelace']"
        ))
        .await;
    let question = browser.wait_for_alert().await;
    assert_eq!(
        question,
        "Delete Augusta Ada Lovelace? This cannot be undone."
    );
    browser.client.accept_alert().await.unwrap();
    browser
        .wait_for(&format!(
            "return document.querySelector('#contact-{ada}') === null \
                 && document.querySelector('#alerts').textContent.includes('Deleted Augusta Ada Lovelace.') \
                 && document.querySelector('.contacts-count .count').textContent === '3 contacts';"
        ))
        .await;

    // Dismissed, nothing happens.
    browser
        .click("#contacts-results a[aria-label^='Delete']")
        .await;
    browser.wait_for_alert().await;
    browser.client.dismiss_alert().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(
        browser.eval(&format!("return {ROWS};")).await,
        Value::from(3)
    );

    // Bulk: the question counts the checked rows.
    browser
        .click("input[aria-label='Select Alan Turing']")
        .await;
    browser
        .click("input[aria-label='Select Grace Hopper']")
        .await;
    browser
        .click("form#contacts-bulk button[type=submit]")
        .await;
    let question = browser.wait_for_alert().await;
    assert_eq!(question, "Delete 2 contacts? This cannot be undone.");
    browser.client.accept_alert().await.unwrap();
    browser
        .wait_for(&format!(
            "return {ROWS} === 1 && document.querySelector('#alerts').textContent.includes('Deleted 2 contacts.');"
        ))
        .await;
    let errors = browser.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:#?}");
    browser.close().await;
}

/// The id of the focused element, or the description of the row link that has focus.
const FOCUS: &str = "const active = document.activeElement; \
     return active.id || active.getAttribute('aria-label') || active.tagName;";

/// WebDriver's code for the Escape key.
const ESCAPE: &str = "\u{e00c}";

#[tokio::test]
async fn browser_inline_edit_keeps_focus_and_escape_cancels() {
    let app = ServedApp::start().await;
    let browser = Browser::start().await;
    let owner = signed_in(&app, &browser, "ada@example.com").await;
    let anika = add(&app, owner, "Anika", "Rossi").await;
    let bruno = add(&app, owner, "Bruno", "Santos").await;
    add(&app, owner, "Chen", "Wei").await;
    browser.client.goto(&app.url("/contacts")).await.unwrap();
    browser.wait_for(&format!("return {ROWS} === 3;")).await;
    let form = format!("contact-{anika}-edit");
    let focus_is = |expected: String| {
        format!(
            "const active = document.activeElement; \
             return (active.id || active.getAttribute('aria-label')) === {};",
            serde_json::to_string(&expected).unwrap()
        )
    };

    // The actions cell stays a table cell (its links are laid out by a wrapper), so the
    // row's lines and its editing background run the whole row.
    let actions_display = format!(
        "return getComputedStyle(document.querySelector('#contact-{anika} td.actions')).display;"
    );
    assert_eq!(
        browser.eval(&actions_display).await,
        Value::from("table-cell")
    );

    // Edit: the first field takes focus. Escape cancels, and focus returns to Edit.
    browser.click("a[aria-label='Edit Anika Rossi']").await;
    browser
        .wait_for(&focus_is(format!("{form}-first_name")))
        .await;
    assert_eq!(
        browser.eval(&actions_display).await,
        Value::from("table-cell")
    );
    browser
        .client
        .active_element()
        .await
        .unwrap()
        .send_keys(ESCAPE)
        .await
        .unwrap();
    browser
        .wait_for(&format!(
            "return document.querySelector('form#{form}') === null;"
        ))
        .await;
    browser.wait_for(&focus_is("Edit Anika Rossi".into())).await;

    // Cancel by its link does the same.
    browser.click("a[aria-label='Edit Anika Rossi']").await;
    browser
        .wait_for(&focus_is(format!("{form}-first_name")))
        .await;
    browser
        .click(&format!("form#{form} a[data-inline-cancel]"))
        .await;
    browser.wait_for(&focus_is("Edit Anika Rossi".into())).await;

    // Save with an error: the row's own message (no browser bubble: the form is
    // novalidate), and focus on the field in error. Fixed and saved: the live region says
    // so, the row is highlighted, and focus is back on Edit.
    browser.click("a[aria-label='Edit Anika Rossi']").await;
    browser
        .wait_for(&focus_is(format!("{form}-first_name")))
        .await;
    browser
        .eval(&format!(
            "document.querySelector('#{form}-first_name').value = ''; \
             document.querySelector('#{form}-email').focus(); return true;"
        ))
        .await;
    browser
        .click(&format!("form#{form} button[type=submit]"))
        .await;
    browser
        .wait_for(&format!(
            "return document.querySelector('#{form}-first_name-error') !== null;"
        ))
        .await;
    browser
        .wait_for(&focus_is(format!("{form}-first_name")))
        .await;
    browser.fill(&format!("#{form}-first_name"), "Anika").await;
    browser
        .click(&format!("form#{form} button[type=submit]"))
        .await;
    browser
        .wait_for(
            "return document.querySelector('#alerts [role=status]')?.textContent.trim() === 'Saved Anika Rossi.';",
        )
        .await;
    // Once settled: until then htmx keeps the old row's attributes on the new one.
    browser
        .wait_for(&format!(
            "return document.querySelector('#contact-{anika}').classList.contains('__saved');"
        ))
        .await;
    browser.wait_for(&focus_is("Edit Anika Rossi".into())).await;

    // Delete: focus moves to the next row; deleting the last row, to the one before.
    browser.click("a[aria-label='Delete Anika Rossi']").await;
    browser.wait_for_alert().await;
    browser.client.accept_alert().await.unwrap();
    browser
        .wait_for(&format!(
            "return document.querySelector('#contact-{anika}') === null;"
        ))
        .await;
    browser
        .wait_for(&focus_is("Edit Bruno Santos".into()))
        .await;
    browser.click("a[aria-label='Delete Chen Wei']").await;
    browser.wait_for_alert().await;
    browser.client.accept_alert().await.unwrap();
    browser.wait_for(&format!("return {ROWS} === 1;")).await;
    browser
        .wait_for(&focus_is("Edit Bruno Santos".into()))
        .await;
    assert!(
        browser
            .eval(&format!(
                "return document.querySelector('#contact-{bruno}').contains(document.activeElement);"
            ))
            .await
            == Value::Bool(true),
        "focus: {}",
        browser.eval(FOCUS).await
    );
    let errors = browser.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:#?}");
    browser.close().await;
}

#[tokio::test]
async fn browser_search_as_you_type_and_by_keyboard() {
    let app = ServedApp::start().await;
    let browser = Browser::start().await;
    let owner = signed_in(&app, &browser, "ada@example.com").await;
    seed::add(&app.state.db, owner, 30).await.unwrap();
    let zelda = add(&app, owner, "Zelda", "Quux").await;

    // The header's box leads to the search page.
    browser.client.goto(&app.url("/contacts")).await.unwrap();
    browser.fill(".site-header input[name=q]", "zelda").await;
    browser
        .eval("document.querySelector('.site-header input[name=q]').form.requestSubmit(); return true;")
        .await;
    browser
        .wait_for("return location.pathname === '/search' && document.querySelector('[data-search-results] mark') !== null;")
        .await;

    // Typing searches again, marks what matched, and keeps the address bar in step.
    browser.fill("#search-q", "quu").await;
    browser
        .wait_for(
            "return (document.querySelector('[data-search-results] mark')?.textContent ?? '').toLowerCase().startsWith('quu') \
                 && location.search === '?q=quu';",
        )
        .await;

    // Down from the box reaches the first result; Enter opens it.
    browser
        .eval(
            "const box = document.querySelector('#search-q'); box.focus(); \
             box.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowDown', bubbles: true})); \
             return true;",
        )
        .await;
    browser
        .wait_for(
            "return document.activeElement.matches('[data-search-results] a[data-search-hit]');",
        )
        .await;
    browser
        .eval("document.activeElement.click(); return true;")
        .await;
    browser
        .wait_for(&format!(
            "return location.pathname === '/contacts/{zelda}';"
        ))
        .await;
    let errors = browser.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:#?}");
    browser.close().await;
}

#[tokio::test]
async fn browser_contacts_pages_pass_axe() {
    let app = ServedApp::start().await;
    let browser = Browser::start().await;
    let mut audit = Audit::new();
    let owner = signed_in(&app, &browser, "ada@example.com").await;
    let visit = async |path: &str| browser.client.goto(&app.url(path)).await.unwrap();

    visit("/contacts").await;
    audit.page(&browser, "contacts-empty").await;
    visit("/contacts/new").await;
    audit.page(&browser, "contacts-new").await;
    browser.fill("#new-contact-email", "nope").await;
    browser.click("form#new-contact button[type=submit]").await;
    browser
        .wait_for(
            "return document.querySelector('form#new-contact [data-error-summary]') !== null;",
        )
        .await;
    audit.page(&browser, "contacts-new-invalid").await;

    seed::add(&app.state.db, owner, 30).await.unwrap();
    let ada = add(&app, owner, "Ada", "Lovelace").await;
    visit("/contacts").await;
    audit.page(&browser, "contacts-list").await;
    browser
        .click(&format!("#contact-{ada} a[aria-label='Edit Ada Lovelace']"))
        .await;
    let form = format!("contact-{ada}-edit");
    browser
        .wait_for(&format!(
            "return document.querySelector('form#{form}') !== null;"
        ))
        .await;
    browser
        .fill(&format!("#{form}-email"), "not an address")
        .await;
    browser
        .click(&format!("form#{form} button[type=submit]"))
        .await;
    browser
        .wait_for(&format!(
            "return document.querySelector('#{form}-email-error') !== null;"
        ))
        .await;
    audit.page(&browser, "contacts-row-invalid").await;
    visit(&format!("/contacts/{ada}")).await;
    audit.page(&browser, "contact").await;
    visit(&format!("/contacts/{ada}/delete")).await;
    audit.page(&browser, "contact-delete").await;
    browser.close().await;
    audit.assert_clean();
}

#[tokio::test]
async fn browser_a_row_deleted_in_another_tab_says_so_in_its_place() {
    let app = ServedApp::start().await;
    let browser = Browser::start().await;
    let owner = signed_in(&app, &browser, "ada@example.com").await;
    let ada = add(&app, owner, "Ada", "Lovelace").await;
    add(&app, owner, "Alan", "Turing").await;
    browser.client.goto(&app.url("/contacts")).await.unwrap();
    browser.wait_for(&format!("return {ROWS} === 2;")).await;

    // Deleted elsewhere while this page shows it.
    sqlx::query("DELETE FROM contacts WHERE id = $1")
        .bind(ada.0)
        .execute(&app.state.db)
        .await
        .unwrap();
    browser
        .click(&format!("#contact-{ada} a[aria-label='Edit Ada Lovelace']"))
        .await;
    browser
        .wait_for(&format!(
            "const row = document.querySelector('#contact-{ada}'); \
             return row !== null && row.querySelector('.deleted-notice') !== null \
                 && row.textContent.trim() === 'This contact was deleted.';"
        ))
        .await;
    // The other row is as it was, and the table keeps its shape.
    assert_eq!(
        browser
            .eval("return document.querySelectorAll('#contacts-results tbody tr').length;")
            .await,
        Value::from(2)
    );
    assert_eq!(
        browser
            .eval(&format!(
                "return document.querySelector('#contact-{ada} td').colSpan;"
            ))
            .await,
        Value::from(6)
    );
    // Only the 404 itself is logged (Chromium's line for the answer, htmx's for its status).
    let errors = browser.console_errors().await;
    assert!(
        errors.iter().all(|error| error.contains("404")),
        "console errors: {errors:#?}"
    );
    browser.close().await;
}
