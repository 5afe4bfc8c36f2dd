//! Live updates in a real browser: two tabs of one user see each other's changes to the
//! contacts list without a reload, a tab being edited keeps its edit and offers the latest,
//! and toasts arrive; six signed-in tabs all load in development (one stream a tab, and none
//! for a hidden tab).

use app::auth::db::Role;
use fantoccini::wd::WindowHandle;

use crate::common::{
    accounts::{PASSWORD, create_user},
    browser::{Browser, ServedApp},
};

const LIVE: &str = "return document.querySelector('[data-live-state=open]') !== null;";

async fn switch_to(browser: &Browser, tab: &WindowHandle) {
    browser.client.switch_to_window(tab.clone()).await.unwrap();
}

#[tokio::test]
async fn browser_two_tabs_see_each_others_contacts_changes() {
    let app = ServedApp::start().await;
    let browser = Browser::start().await;
    create_user(&app.state.db, "ada@example.com", Role::User).await;
    browser.log_in(&app, "ada@example.com", PASSWORD).await;

    // The first tab shows the (empty) list and listens.
    browser.client.goto(&app.url("/contacts")).await.unwrap();
    browser.wait_for(LIVE).await;
    let first = browser.client.window().await.unwrap();
    browser
        .eval("window.notReloaded = true; return true;")
        .await;

    // The second tab adds a contact through the form.
    let second = browser.client.new_window(true).await.unwrap().handle;
    switch_to(&browser, &second).await;
    browser
        .client
        .goto(&app.url("/contacts/new"))
        .await
        .unwrap();
    browser.wait_for(LIVE).await;
    browser.fill("input[name=first_name]", "Grace").await;
    browser.fill("input[name=last_name]", "Hopper").await;
    browser
        .click("section.contact-form form button[type=submit]")
        .await;
    browser
        .wait_for("return document.querySelector('h1') && document.querySelector('h1').textContent.includes('Grace');")
        .await;

    // The first tab shows it, with the new count and the tools an empty book leaves out, and
    // was not reloaded.
    switch_to(&browser, &first).await;
    browser
        .wait_for(
            "return document.querySelectorAll('#contacts-results tbody tr:has(> th)').length === 1 \
             && document.querySelector('.contacts-count .count').textContent.includes('1 contact') \
             && document.querySelector('form#contact-search') !== null \
             && document.querySelector('form#contacts-bulk') !== null \
             && window.notReloaded === true;",
        )
        .await;

    // A row open for editing in the first tab is kept when the second tab changes the list:
    // the notice offers the latest instead.
    browser
        .click("#contacts-results a[aria-label^='Edit']")
        .await;
    browser
        .wait_for("return document.querySelector('tr[data-inline-editing]') !== null;")
        .await;
    browser
        .fill("tr[data-inline-editing] input[name=first_name]", "Grace B.")
        .await;
    switch_to(&browser, &second).await;
    browser
        .client
        .goto(&app.url("/contacts/new"))
        .await
        .unwrap();
    browser.wait_for(LIVE).await;
    browser.fill("input[name=first_name]", "Linus").await;
    browser
        .click("section.contact-form form button[type=submit]")
        .await;
    browser
        .wait_for("return document.querySelector('h1') && document.querySelector('h1').textContent.includes('Linus');")
        .await;
    switch_to(&browser, &first).await;
    browser
        .wait_for("return !document.querySelector('[data-live-notice]').hidden;")
        .await;
    let kept = browser
        .eval("return document.querySelector('tr[data-inline-editing] input[name=first_name]').value;")
        .await;
    assert_eq!(kept, "Grace B.");

    // Following the notice shows both.
    browser.click("[data-live-notice] a").await;
    browser
        .wait_for(
            "return document.querySelectorAll('#contacts-results tbody tr:has(> th)').length === 2 \
             && document.querySelector('[data-live-notice]').hidden;",
        )
        .await;

    let errors = browser.console_errors().await;
    assert!(errors.is_empty(), "{errors:#?}");
    browser.close().await;
}

/// Opens `path` in the current tab, failing rather than waiting for ever when the browser
/// has no connection left to load it with.
async fn load(browser: &Browser, app: &ServedApp, path: &str, tab: usize) {
    let url = app.url(path);
    let loading = browser.client.goto(&url);
    match tokio::time::timeout(std::time::Duration::from_secs(10), loading).await {
        Ok(loaded) => loaded.unwrap(),
        Err(_) => panic!("tab {tab} never loaded {path}: the browser's connections are held"),
    }
}

#[tokio::test]
async fn browser_six_signed_in_tabs_all_load_in_development() {
    // The tests' environment is not production: pages reload themselves after a restart,
    // as in development.
    let app = ServedApp::start().await;
    let browser = Browser::start().await;
    create_user(&app.state.db, "ada@example.com", Role::User).await;

    // A visitor's page listens for restarts on a stream of its own; signed in, on the live
    // stream it holds anyway: one stream per tab.
    load(&browser, &app, "/login", 1).await;
    browser
        .wait_for("return document.querySelector('script[data-listening=own]') !== null;")
        .await;
    browser.log_in(&app, "ada@example.com", PASSWORD).await;
    load(&browser, &app, "/contacts", 1).await;
    browser.wait_for(LIVE).await;
    browser
        .wait_for("return document.querySelector('script[data-listening=live]') !== null;")
        .await;
    let mut tabs = vec![browser.client.window().await.unwrap()];

    // Over HTTP/1.1 Chromium opens six connections to a server: with two streams a tab, the
    // fourth tab never loaded.
    for tab in 2..=6 {
        let handle = browser.client.new_window(true).await.unwrap().handle;
        switch_to(&browser, &handle).await;
        load(&browser, &app, "/contacts", tab).await;
        browser.wait_for(LIVE).await;
        tabs.push(handle);
    }

    // Hidden tabs gave their streams back: the first, shown again, listens again and
    // catches up, and every tab can still load a page.
    switch_to(&browser, &tabs[0]).await;
    browser.wait_for(LIVE).await;
    for (tab, handle) in tabs.iter().enumerate() {
        switch_to(&browser, handle).await;
        load(&browser, &app, "/files", tab + 1).await;
        browser.wait_for(LIVE).await;
    }
    let errors = browser.console_errors().await;
    assert!(errors.is_empty(), "{errors:#?}");
    browser.close().await;
}
