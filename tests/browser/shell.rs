//! The app shell: on a phone the header is one row (brand, menu, search, account) whose menu
//! button opens the navigation and whose search button opens the box in place; on a desktop
//! the account is a menu that Escape closes, "Sign up" is the primary button, signing in is a
//! centred card, a short page keeps its footer at the bottom, and htmx runs with the settings
//! `app.js` gives it.

use app::auth::db::Role;
use serde_json::Value;

use crate::common::{
    a11y::sideways_scroll,
    accounts::{PASSWORD, create_user},
    browser::{Browser, ColorScheme, ServedApp},
};

async fn number(browser: &Browser, script: &str) -> f64 {
    let value = browser.eval(script).await;
    value
        .as_f64()
        .unwrap_or_else(|| panic!("{script} gave {value}"))
}

#[tokio::test]
async fn browser_a_phones_header_is_one_row_with_a_menu_a_search_button_and_the_account() {
    let app = ServedApp::start().await;
    let email = "ada@example.com";
    create_user(&app.state.db, email, Role::User).await;
    let browser = Browser::start().await;
    browser.log_in(&app, email, PASSWORD).await;
    browser.emulate(375, ColorScheme::Light).await;
    browser.client.goto(&app.url("/contacts")).await.unwrap();
    browser
        .wait_for("return document.readyState === 'complete' && typeof htmx !== 'undefined';")
        .await;

    let height = number(
        &browser,
        "return document.querySelector('.site-header').getBoundingClientRect().height;",
    )
    .await;
    assert!(height <= 60.0, "the phone header is {height} px tall");
    assert_eq!(
        browser
            .eval("return document.querySelector('.site-menu nav').checkVisibility();")
            .await,
        Value::Bool(false)
    );

    // The menu button opens the navigation without a page load, in a popover under the row
    // and inside the window; the account stays in the row.
    browser.click(".menu-button").await;
    browser
        .wait_for(
            "const menu = document.querySelector('.site-menu'); \
             const box = menu.getBoundingClientRect(); \
             return menu.matches(':popover-open') && menu.checkVisibility() \
                 && box.top >= document.querySelector('.site-header').getBoundingClientRect().bottom - 1 \
                 && box.left >= 0 && box.right <= 375 \
                 && menu.querySelector('a[href=\"/contacts\"][aria-current=page]').checkVisibility() \
                 && document.querySelector('.account .user').checkVisibility();",
        )
        .await;
    // A click elsewhere closes it.
    browser.click(".site-footer p").await;
    browser
        .wait_for("return !document.querySelector('.site-menu').matches(':popover-open');")
        .await;

    // The search button opens the box in the header's row, focused.
    browser.click(".search-button").await;
    browser
        .wait_for(
            "const input = document.querySelector('.site-search input'); \
             return input.checkVisibility() && document.activeElement === input;",
        )
        .await;
    assert_eq!(
        browser.eval("return location.pathname;").await,
        Value::from("/contacts")
    );
    let height = number(
        &browser,
        "return document.querySelector('.site-header').getBoundingClientRect().height;",
    )
    .await;
    assert!(
        height <= 60.0,
        "with the search box open the header is {height} px tall"
    );

    let problems = sideways_scroll(&browser, "contacts with the search open").await;
    assert!(problems.is_empty(), "{problems:#?}");

    browser.log_out().await;
    browser.close().await;
}

#[tokio::test]
async fn browser_the_desktop_account_menu_closes_on_escape_and_the_footer_stays_down() {
    let app = ServedApp::start().await;
    let email = "ada@example.com";
    create_user(&app.state.db, email, Role::User).await;
    let browser = Browser::start().await;
    browser.emulate(1280, ColorScheme::Light).await;

    // A visitor is invited to sign up with the primary button.
    browser.client.goto(&app.url("/")).await.unwrap();
    // The navigation is the row's, beside the brand: the popover a phone opens is no box
    // here, and its button is not shown.
    assert_eq!(
        browser
            .eval(
                "const nav = document.querySelector('.site-menu nav'); \
                 const brand = document.querySelector('.brand').getBoundingClientRect(); \
                 return nav.checkVisibility() \
                     && nav.getBoundingClientRect().top < brand.bottom \
                     && !document.querySelector('.menu-button').checkVisibility();",
            )
            .await,
        Value::Bool(true)
    );
    // htmx runs with the settings `app.js` gives it: nothing the CSP would refuse (an
    // injected <style>, eval, scripts in swapped content), and a 422 swapped so that a form
    // shows its errors.
    assert_eq!(
        browser
            .eval(
                "const config = htmx.config; \
                 return [config.includeIndicatorStyles, config.allowEval, config.allowScriptTags, \
                     config.responseHandling.some(rule => rule.code === '422' && rule.swap)];"
            )
            .await,
        serde_json::json!([false, false, false, true])
    );
    assert_eq!(
        browser
            .eval(
                "return document.querySelector('.account a.action-button.__primary').textContent;"
            )
            .await,
        Value::from("Sign up")
    );

    // Signing in is a card in the middle of the page.
    browser.client.goto(&app.url("/login")).await.unwrap();
    let off_centre = number(
        &browser,
        "const card = document.querySelector('main .auth-panel.__card').getBoundingClientRect(); \
         return card.left - (document.documentElement.clientWidth - card.right);",
    )
    .await;
    assert!(
        off_centre.abs() < 2.0,
        "the sign-in card is {off_centre} px off centre"
    );

    browser.log_in(&app, email, PASSWORD).await;
    browser.emulate(1280, ColorScheme::Light).await;
    browser.click(".account-menu summary").await;
    browser
        .wait_for(
            "return document.querySelector('.account-menu a[href=\"/account\"]').checkVisibility();",
        )
        .await;
    browser
        .eval(
            "document.activeElement.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true })); \
             return true;",
        )
        .await;
    browser
        .wait_for(
            "const menu = document.querySelector('.account-menu'); \
             return !menu.open && document.activeElement === menu.querySelector('summary');",
        )
        .await;

    // The account page is short: the footer sits at the bottom of the window.
    browser.client.goto(&app.url("/search")).await.unwrap();
    let gap = number(
        &browser,
        "return innerHeight - document.querySelector('.site-footer').getBoundingClientRect().bottom;",
    )
    .await;
    assert!(
        gap.abs() < 1.0,
        "the footer ends {gap} px above the window's bottom"
    );
    browser.close().await;
}
