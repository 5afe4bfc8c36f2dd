//! Contacts through the whole app, one file per part: the record's life and its rules
//! (`crud`), the list with its pages and search (`list`), editing and deleting in place
//! (`inline_edit`), and the export (`export`). The helpers below are theirs.

mod crud;
mod export;
mod inline_edit;
mod list;

use crate::common;

use app::web::public_id::PublicId;
use axum::http::StatusCode;
use common::{TestApp, TestClient, TestResponse, select, text_of};
use scraper::Html;

const ADA: &[(&str, &str)] = &[
    ("first_name", "Ada"),
    ("last_name", "Lovelace"),
    ("email", "ada@analytical.test"),
    ("phone", "+44 20 7946 0958"),
    ("company", "Analytical Engines"),
    ("notes", "Wrote the first program."),
];

/// Creates a contact through the form; returns its id, as its URLs and rows carry it.
async fn create(client: &mut TestClient<'_>, form: &[(&str, &str)]) -> PublicId {
    let response = client.post("/contacts", form).await;
    assert_eq!(
        response.status,
        StatusCode::SEE_OTHER,
        "{}",
        response.text()
    );
    let location = response.header("location").unwrap();
    location
        .strip_prefix("/contacts/")
        .unwrap()
        .parse()
        .unwrap()
}

fn named(first_name: &str) -> Vec<(&str, &str)> {
    vec![("first_name", first_name)]
}

/// The response as a fragment; rows alone are parsed inside a table, as htmx does (a `<tr>`
/// outside one is dropped by an HTML parser).
fn parse(response: &TestResponse) -> Html {
    let text = response.text();
    if text.starts_with("<tr") {
        Html::parse_fragment(&format!("<table>{text}</table>"))
    } else {
        response.fragment()
    }
}

fn row_names(response: &TestResponse) -> Vec<String> {
    let doc = parse(response);
    select(&doc, "th[scope=row] a")
        .iter()
        .map(text_of)
        .collect()
}

fn next_page(response: &TestResponse) -> Option<String> {
    let doc = parse(response);
    select(&doc, "tr#contacts-more a")
        .first()
        .map(|link| link.attr("href").unwrap().replace("&amp;", "&"))
}

async fn contact_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM contacts")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}
