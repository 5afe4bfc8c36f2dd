//! The control layer: buttons react to the pointer and look disabled when they are,
//! checkboxes are big enough for a finger and take the accent, search marks are tinted per
//! scheme, and the theme switcher changes the scheme at once and keeps it across pages.

use fantoccini::actions::{InputSource, MouseActions, PointerAction};
use serde_json::Value;

use crate::common::browser::{Browser, ColorScheme, ServedApp};

const LOG_IN_BUTTON: &str = "main form button.action-button.__primary";

async fn style_of(browser: &Browser, css: &str, property: &str) -> Value {
    browser
        .eval(&format!(
            "return getComputedStyle(document.querySelector({css:?})).{property};"
        ))
        .await
}

#[tokio::test]
async fn browser_controls_have_hover_disabled_and_touch_sized_states() {
    let app = ServedApp::start().await;
    let browser = Browser::start().await;
    browser.emulate(1280, ColorScheme::Light).await;
    browser.client.goto(&app.url("/login")).await.unwrap();
    browser
        .wait_for("return document.readyState === 'complete';")
        .await;

    // The pointer over the primary button changes its fill.
    let resting = style_of(&browser, LOG_IN_BUTTON, "backgroundColor").await;
    let button = browser
        .client
        .find(fantoccini::Locator::Css(LOG_IN_BUTTON))
        .await
        .unwrap();
    let hover = MouseActions::new("mouse".to_owned()).then(PointerAction::MoveToElement {
        element: button,
        duration: None,
        x: 0.0,
        y: 0.0,
    });
    browser.client.perform_actions(hover).await.unwrap();
    let script = format!(
        "return getComputedStyle(document.querySelector({LOG_IN_BUTTON:?})).backgroundColor !== {resting};"
    );
    browser.wait_for(&script).await;

    // Disabled, it is dimmed and says so to the pointer.
    browser
        .eval(&format!(
            "document.querySelector({LOG_IN_BUTTON:?}).disabled = true; return true;"
        ))
        .await;
    assert_eq!(
        style_of(&browser, LOG_IN_BUTTON, "opacity").await,
        Value::from("0.5")
    );
    assert_eq!(
        style_of(&browser, LOG_IN_BUTTON, "cursor").await,
        Value::from("not-allowed")
    );

    // The "remember me" box: at least 20 px, in the accent.
    let size = browser
        .eval(
            "return document.querySelector('input[type=checkbox]').getBoundingClientRect().width;",
        )
        .await;
    assert!(size.as_f64().unwrap() >= 20.0, "checkbox {size} px wide");
    assert_eq!(
        style_of(&browser, "input[type=checkbox]", "accentColor").await,
        Value::from("rgb(47, 91, 211)")
    );

    // A search match in the dark is tinted by the palette, not the browser's yellow.
    browser.emulate(1280, ColorScheme::Dark).await;
    browser
        .eval("const mark = document.createElement('mark'); mark.id = 'm'; mark.textContent = 'x'; document.querySelector('main').append(mark); return true;")
        .await;
    assert_eq!(
        style_of(&browser, "#m", "backgroundColor").await,
        Value::from("rgb(69, 55, 0)")
    );
    browser.close().await;
}

#[tokio::test]
async fn browser_the_theme_switcher_applies_at_once_and_is_kept() {
    const WHITE: &str = "rgb(255, 255, 255)";
    const DARK: &str = "rgb(20, 23, 26)";
    let app = ServedApp::start().await;
    let browser = Browser::start().await;
    browser.emulate(1280, ColorScheme::Light).await;
    browser.client.goto(&app.url("/")).await.unwrap();
    browser
        .wait_for("return document.readyState === 'complete' && typeof htmx !== 'undefined';")
        .await;
    assert_eq!(
        style_of(&browser, "body", "backgroundColor").await,
        Value::from(WHITE)
    );

    browser.click(".theme-switcher button[value=dark]").await;
    browser
        .wait_for(&format!(
            "return document.documentElement.dataset.theme === 'dark' \
                 && getComputedStyle(document.body).backgroundColor === {DARK:?} \
                 && document.querySelector('.theme-switcher button[value=dark]').getAttribute('aria-pressed') === 'true';"
        ))
        .await;
    // Kept: the cookie arrives, and the next page is rendered dark by the server.
    browser
        .wait_for("return document.cookie.includes('theme=dark');")
        .await;
    browser.client.goto(&app.url("/login")).await.unwrap();
    assert_eq!(
        browser
            .eval("return document.documentElement.getAttribute('data-theme');")
            .await,
        Value::from("dark")
    );
    assert_eq!(
        style_of(&browser, "body", "backgroundColor").await,
        Value::from(DARK)
    );

    // "System" follows the system's scheme again.
    browser.click(".theme-switcher button[value=system]").await;
    browser
        .wait_for(&format!(
            "return !('theme' in document.documentElement.dataset) \
                 && getComputedStyle(document.body).backgroundColor === {WHITE:?};"
        ))
        .await;
    browser
        .wait_for("return !document.cookie.includes('theme=');")
        .await;
    let errors = browser.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:#?}");
    browser.close().await;
}
