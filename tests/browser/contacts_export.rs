//! The contacts export in a real browser: the list's button leads to the export's page, and
//! the job's progress (the bar filling batch by batch to 100%) and its toast arrive over the
//! live stream (the page's polling is blocked, so nothing else can bring them).

use app::{auth::db::Role, jobs::Worker};
use tokio_util::sync::CancellationToken;

use crate::common::{
    accounts::{PASSWORD, create_user},
    browser::{Browser, ServedApp},
    test_config,
    uploads::TestStorage,
};

#[tokio::test]
async fn browser_an_exports_progress_and_toast_arrive_live() {
    let storage = TestStorage::local();
    let variables = storage.variables();
    let config: Vec<(&str, &str)> = variables
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect();
    let app = ServedApp::start_with(test_config(&config)).await;
    create_user(&app.state.db, "ada@example.com", Role::User).await;
    let owner: uuid::Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind("ada@example.com")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    app::dev::seed::add(&app.state.db, owner, 1_500)
        .await
        .unwrap();
    let browser = Browser::start().await;
    browser.log_in(&app, "ada@example.com", PASSWORD).await;

    browser.client.goto(&app.url("/contacts")).await.unwrap();
    browser
        .click("form[action='/contacts/export'] button")
        .await;
    browser
        .wait_for(
            "return location.pathname.startsWith('/contacts/exports/') \
             && document.querySelector('.export-progress') !== null;",
        )
        .await;
    // Only the stream may update the page from here: the polling requests are cancelled.
    browser
        .eval(
            "window.polls = 0; document.body.addEventListener('htmx:beforeRequest', event => { \
               if (event.detail.requestConfig.path.startsWith('/contacts/exports/')) { \
                 window.polls += 1; event.preventDefault(); } }); return true;",
        )
        .await;
    // The stream opens after the page loads: the job runs once it is open.
    browser
        .wait_for(
            "let source = document.querySelector('[data-sse-connect]')['htmx-internal-data']; \
             return !!(source && source.sseEventSource && source.sseEventSource.readyState === 1);",
        )
        .await;

    // Every state of the bar the page shows, as the events replace it.
    browser
        .eval(
            "window.bars = []; new MutationObserver(() => { \
               let bar = document.querySelector('.export-progress progress'); \
               if (bar && bar.hasAttribute('value')) { \
                 let seen = bar.value + '/' + bar.max; \
                 if (window.bars[window.bars.length - 1] !== seen) { window.bars.push(seen); } \
               } }).observe(document.querySelector('.export-live'), \
                 { childList: true, subtree: true }); return true;",
        )
        .await;
    assert_eq!(
        Worker::new(app.state.clone())
            .run_due(&CancellationToken::new())
            .await
            .unwrap(),
        1
    );
    browser
        .wait_for(
            "let progress = document.querySelector('.export-live > .export-progress'); \
             return progress !== null \
               && progress.textContent.includes('Exported 1,500 contacts.') \
               && progress.querySelector('a[data-hx-boost=\"false\"][href$=\"/download\"]') !== null;",
        )
        .await;
    browser
        .wait_for(
            "let toast = document.querySelector('#toasts .toast'); \
             return toast !== null && toast.textContent.includes('Your contacts export is ready.') \
               && toast.querySelector('a[href$=\"/download\"]') !== null;",
        )
        .await;
    // The bar moved through the batches (1,000 then 1,500 of 1,500) and ended full.
    let bars = browser.eval("return window.bars;").await;
    let bars: Vec<String> = serde_json::from_value(bars).unwrap();
    assert!(bars.contains(&"1000/1500".to_owned()), "{bars:?}");
    assert_eq!(
        bars.last().map(String::as_str),
        Some("1500/1500"),
        "{bars:?}"
    );
    let full = browser
        .eval("let bar = document.querySelector('.export-progress progress'); return [bar.value === bar.max, bar.textContent];")
        .await;
    assert_eq!(full, serde_json::json!([true, "100%"]));
    assert_eq!(
        browser.eval("return window.polls;").await,
        0,
        "the page was polled"
    );
    assert!(browser.console_errors().await.is_empty());
    browser.close().await;
}
