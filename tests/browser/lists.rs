//! The one list (`record_list`), as the contacts list shows it: one line per row on a desktop
//! with long values cut short (the whole value as a tooltip on hover), a two-line item on a phone, and
//! a selection bar that appears with the first checked box, counts, selects all and clears.

use app::auth::db::Role;
use fantoccini::actions::{InputSource, MouseActions, PointerAction};
use serde_json::Value;
use uuid::Uuid;

use crate::common::{
    accounts::{PASSWORD, create_user},
    browser::{Browser, ColorScheme, ServedApp},
};

const LONG_EMAIL: &str =
    "a.very.long.address.that.would.wrap.onto.several.lines@subdomain.example.com";

async fn rows_of_contacts(app: &ServedApp, browser: &Browser) {
    let email = "ada@example.com";
    create_user(&app.state.db, email, Role::User).await;
    let owner: Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    for (first, email, phone) in [
        ("Alan", Some(LONG_EMAIL), Some("+44 20 7946 0958 ext. 1234")),
        ("Grace", None, None),
        ("Linus", Some("linus@example.com"), None),
    ] {
        sqlx::query(
            "INSERT INTO contacts (owner_id, first_name, last_name, email, phone, company) \
             VALUES ($1, $2, 'Turing-Hopper-Torvalds', $3, $4, 'Analytical Engines')",
        )
        .bind(owner)
        .bind(first)
        .bind(email)
        .bind(phone)
        .execute(&app.state.db)
        .await
        .unwrap();
    }
    browser.log_in(app, email, PASSWORD).await;
}

async fn height_of(browser: &Browser, css: &str) -> f64 {
    browser
        .eval(&format!(
            "return document.querySelector({css:?}).getBoundingClientRect().height;"
        ))
        .await
        .as_f64()
        .unwrap()
}

#[tokio::test]
async fn browser_a_list_is_one_line_per_row_on_a_desktop_and_two_on_a_phone() {
    let app = ServedApp::start().await;
    let browser = Browser::start().await;
    rows_of_contacts(&app, &browser).await;
    browser.emulate(1280, ColorScheme::Light).await;
    browser.client.goto(&app.url("/contacts")).await.unwrap();
    browser
        .wait_for("return document.querySelectorAll('#contacts-results tbody tr:has(> th)').length === 3;")
        .await;

    // One line: the long address and phone number are cut short, not wrapped.
    let row = height_of(&browser, "#contacts-results tbody tr:has(> th)").await;
    assert!(row <= 50.0, "a desktop row is {row} px tall");
    // The long address is cut short, and the pointer over it shows it whole.
    let email_cell = "#contacts-results tbody tr td:nth-child(3)";
    let cut = browser
        .eval(&format!(
            "const cell = document.querySelector({email_cell:?}); \
             return cell.scrollWidth > cell.clientWidth && !cell.title;"
        ))
        .await;
    assert_eq!(cut, Value::Bool(true), "the long address fits");
    let cell = browser
        .client
        .find(fantoccini::Locator::Css(email_cell))
        .await
        .unwrap();
    let hover = MouseActions::new("mouse".to_owned()).then(PointerAction::MoveToElement {
        element: cell,
        duration: None,
        x: 0.0,
        y: 0.0,
    });
    browser.client.perform_actions(hover).await.unwrap();
    browser
        .wait_for(&format!(
            "return document.querySelector({email_cell:?}).title === {LONG_EMAIL:?};"
        ))
        .await;
    // Grace has no email: her cell draws a dash for the eye, and says "none" in a word a
    // screen reader reads but the eye never sees.
    let gap = browser
        .eval(
            "const cell = document.querySelectorAll('#contacts-results tbody tr:has(> th)')[1] \
                 .querySelector('td:nth-child(3)'); \
             const word = cell.querySelector('.missing'); \
             return [getComputedStyle(cell, '::before').content, word.textContent, \
                     word.getBoundingClientRect().width];",
        )
        .await;
    assert_eq!(gap, serde_json::json!(["\"–\" / \"\"", "none", 1]), "{gap}");

    // A phone: a two-line item, the missing details left out.
    browser.emulate(375, ColorScheme::Light).await;
    for row in [
        "#contacts-results tbody tr:has(> th)",
        "#contacts-results tbody tr:nth-child(2)",
    ] {
        let height = height_of(&browser, row).await;
        assert!(
            (56.0..=72.0).contains(&height),
            "a phone's item is {height} px tall"
        );
    }
    let shown = browser
        .eval(
            "const grace = document.querySelectorAll('#contacts-results tbody tr:has(> th)')[1]; \
             return [...grace.querySelectorAll('td, th')].filter(cell => cell.checkVisibility()).length;",
        )
        .await;
    // The box, the name, the company and the actions: no dash for the email or phone.
    assert_eq!(shown, Value::from(4));
    let wide = browser
        .eval("return document.documentElement.scrollWidth;")
        .await;
    assert!(wide.as_u64().unwrap() <= 375, "the page is {wide} px wide");
    browser.close().await;
}

#[tokio::test]
async fn browser_the_selection_bar_counts_selects_all_and_clears() {
    let app = ServedApp::start().await;
    let browser = Browser::start().await;
    rows_of_contacts(&app, &browser).await;
    browser.emulate(1280, ColorScheme::Light).await;
    browser.client.goto(&app.url("/contacts")).await.unwrap();
    browser
        .wait_for("return document.querySelectorAll('#contacts-results tbody tr:has(> th)').length === 3;")
        .await;
    let bar_hidden = "return document.querySelector('[data-selection-bar]').hidden;";
    assert_eq!(browser.eval(bar_hidden).await, Value::Bool(true));

    browser.click("input[aria-label^='Select Alan']").await;
    browser
        .wait_for(
            "const bar = document.querySelector('[data-selection-bar]'); \
             return !bar.hidden && bar.querySelector('[data-selection-count]').textContent === '1 selected' \
                 && document.querySelector('[data-select-all]').indeterminate;",
        )
        .await;
    // The selected row is tinted.
    let tinted = browser
        .eval(
            "const row = document.querySelector('#contacts-results tbody tr:has(> th)'); \
             return getComputedStyle(row).backgroundColor !== getComputedStyle(row.nextElementSibling).backgroundColor;",
        )
        .await;
    assert_eq!(tinted, Value::Bool(true));

    browser.click("[data-select-all]").await;
    browser
        .wait_for(
            "return document.querySelectorAll('input[name=selected]:checked').length === 3 \
                 && document.querySelector('[data-selection-count]').textContent === '3 selected';",
        )
        .await;

    browser.click("[data-selection-clear]").await;
    browser
        .wait_for(
            "return document.querySelectorAll('input[name=selected]:checked').length === 0 \
                 && document.querySelector('[data-selection-bar]').hidden \
                 && document.activeElement.matches('.record-list');",
        )
        .await;
    let errors = browser.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:#?}");
    browser.close().await;
}
