//! Contacts through the whole app: pages and htmx fragments, validation, the on-blur check,
//! pagination, search, ownership, escaping and the query plans.

// Integration tests: unwrapping is how a failed step reports itself.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use app::contacts::seed;
use axum::{
    body::Body,
    http::{Method, Request, StatusCode},
};
use common::{TestApp, TestClient, TestResponse, select, text_of};
use scraper::Html;
use uuid::Uuid;

const ADA: &[(&str, &str)] = &[
    ("first_name", "Ada"),
    ("last_name", "Lovelace"),
    ("email", "ada@analytical.test"),
    ("phone", "+44 20 7946 0958"),
    ("company", "Analytical Engines"),
    ("notes", "Wrote the first program."),
];

/// Creates a contact through the form; returns its id.
async fn create(client: &mut TestClient<'_>, form: &[(&str, &str)]) -> Uuid {
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

/// An htmx request as the page sends it: `target` is the id of the element it swaps.
async fn htmx(
    client: &mut TestClient<'_>,
    method: Method,
    path: &str,
    target: Option<&str>,
    form: &[(&str, &str)],
) -> TestResponse {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header("hx-request", "true")
        .header("sec-fetch-site", "same-origin")
        .header("content-type", "application/x-www-form-urlencoded");
    if let Some(target) = target {
        request = request.header("hx-target", target);
    }
    let body = serde_urlencoded::to_string(form).unwrap();
    client.send(request.body(Body::from(body)).unwrap()).await
}

/// A blur check of field `name` in form `form`.
async fn blur(
    client: &mut TestClient<'_>,
    path: &str,
    form: &str,
    name: &str,
    fields: &[(&str, &str)],
) -> TestResponse {
    let body = serde_urlencoded::to_string(fields).unwrap();
    client
        .send(
            Request::post(path)
                .header("hx-request", "true")
                .header("hx-trigger", format!("{form}-{name}"))
                .header("hx-trigger-name", name)
                .header("sec-fetch-site", "same-origin")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
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
    select(&doc, "tr.contact-row td[data-label=Name] a")
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

#[tokio::test]
async fn a_contact_goes_through_its_whole_life_in_plain_pages() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("owner@example.com").await;

    let empty = ada.get("/contacts").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert_eq!(
        select(&empty.document(), ".empty-state a[href='/contacts/new']").len(),
        1
    );

    let form = ada.get("/contacts/new").await;
    assert_eq!(
        select(
            &form.document(),
            "form#new-contact[method=post][action='/contacts'] input[name=first_name]"
        )
        .len(),
        1
    );

    let id = create(&mut ada, ADA).await;
    let page = ada.get(&format!("/contacts/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let doc = page.document();
    assert_eq!(text_of(&select(&doc, "main h1")[0]), "Ada Lovelace");
    assert!(text_of(&select(&doc, "#alerts")[0]).contains("Added Ada Lovelace."));
    assert_eq!(
        select(&doc, "a[href='mailto:ada@analytical.test']").len(),
        1
    );

    let edit = ada.get(&format!("/contacts/{id}/edit")).await;
    let doc = edit.document();
    let value = |name: &str| {
        select(&doc, &format!("#edit-contact [name={name}]"))[0]
            .attr("value")
            .map(str::to_owned)
    };
    assert_eq!(value("email").as_deref(), Some("ada@analytical.test"));
    assert_eq!(value("phone").as_deref(), Some("+44 20 7946 0958"));
    assert_eq!(
        text_of(&select(&doc, "#edit-contact textarea[name=notes]")[0]),
        "Wrote the first program."
    );

    let saved = ada
        .post(
            &format!("/contacts/{id}"),
            &[
                ("first_name", "Augusta Ada"),
                ("last_name", "King"),
                ("email", "ada@analytical.test"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(
        saved.header("location"),
        Some(format!("/contacts/{id}").as_str())
    );
    let list = ada.get("/contacts").await;
    assert_eq!(row_names(&list), ["Augusta Ada King"]);
    assert!(list.text().contains("Saved Augusta Ada King."));

    let confirm = ada.get(&format!("/contacts/{id}/delete")).await;
    assert_eq!(confirm.status, StatusCode::OK);
    let doc = confirm.document();
    assert_eq!(
        select(
            &doc,
            &format!("form[method=post][action='/contacts/{id}/delete'] button")
        )
        .len(),
        1
    );
    let deleted = ada.post(&format!("/contacts/{id}/delete"), &[]).await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert_eq!(deleted.header("location"), Some("/contacts"));
    assert!(
        ada.get("/contacts")
            .await
            .text()
            .contains("Deleted Augusta Ada King.")
    );
    assert_eq!(
        ada.get(&format!("/contacts/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(contact_count(&app).await, 0);
}

#[tokio::test]
async fn the_list_needs_an_account() {
    let app = TestApp::new().await;
    let response = app.get("/contacts").await;
    assert_eq!(response.status, StatusCode::SEE_OTHER);
    assert_eq!(response.header("location"), Some("/login?next=/contacts"));
}

#[tokio::test]
async fn htmx_requests_get_fragments_and_boosted_ones_the_body() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("owner@example.com").await;
    create(&mut ada, ADA).await;

    let page = ada.get("/contacts").await;
    assert!(page.text().starts_with("<!DOCTYPE html>"));
    for header in ["HX-Request", "HX-Boosted", "HX-Target"] {
        assert!(
            page.header_values("vary").contains(&header.to_owned()),
            "{header}"
        );
    }
    assert_eq!(page.header("cache-control"), Some("private, no-store"));

    let boosted = Request::get("/contacts")
        .header("hx-request", "true")
        .header("hx-boosted", "true");
    let body = ada.send(boosted.body(Body::empty()).unwrap()).await;
    let text = body.text();
    assert!(
        !text.contains("<html") && !text.contains("<head>"),
        "{text}"
    );
    let doc = body.fragment();
    assert_eq!(select(&doc, "title").len(), 1);
    assert_eq!(
        select(
            &doc,
            "header.site-header nav a[aria-current=page][href='/contacts']"
        )
        .len(),
        1
    );
    assert_eq!(row_names(&body), ["Ada Lovelace"]);

    let results = htmx(
        &mut ada,
        Method::GET,
        "/contacts?q=ada",
        Some("contacts-results"),
        &[],
    )
    .await;
    let text = results.text();
    assert!(
        !text.contains("<header") && !text.contains("<form"),
        "{text}"
    );
    assert_eq!(row_names(&results), ["Ada Lovelace"]);
    assert!(
        results
            .header_values("vary")
            .contains(&"HX-Target".to_owned())
    );
}

#[tokio::test]
async fn invalid_input_comes_back_with_its_values_and_an_error_per_field() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("owner@example.com").await;
    let response = ada
        .post(
            "/contacts",
            &[
                ("first_name", "   "),
                ("last_name", "  Lovelace "),
                ("email", "not an address"),
                ("phone", "call me maybe"),
                ("company", &"c".repeat(101)),
                ("notes", &"n".repeat(5001)),
            ],
        )
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    let doc = response.document();
    for name in ["first_name", "email", "phone", "company", "notes"] {
        let id = format!("new-contact-{name}");
        let field = select(&doc, &format!("#{id}"));
        assert_eq!(field[0].attr("aria-invalid"), Some("true"), "{name}");
        assert_eq!(
            field[0]
                .attr("aria-describedby")
                .unwrap()
                .split(' ')
                .next_back(),
            Some(format!("{id}-error").as_str())
        );
        assert_eq!(select(&doc, &format!("#{id}-error")).len(), 1, "{name}");
        assert_eq!(
            select(&doc, &format!(".error-summary a[href='#{id}']")).len(),
            1,
            "{name}"
        );
    }
    assert_eq!(
        select(&doc, "#new-contact-last_name")[0].attr("value"),
        Some("Lovelace")
    );
    assert_eq!(
        select(&doc, "#new-contact-email")[0].attr("value"),
        Some("not an address")
    );
    assert_eq!(
        select(&doc, "#new-contact-last_name")[0].attr("aria-invalid"),
        None
    );
    assert_eq!(contact_count(&app).await, 0);
}

#[tokio::test]
async fn blank_optional_fields_are_stored_as_null_and_addresses_lower_cased() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("owner@example.com").await;
    create(
        &mut ada,
        &[
            ("first_name", " Ada "),
            ("last_name", "   "),
            ("email", " ADA@Example.TEST "),
            ("phone", "\t"),
            ("notes", " \n "),
        ],
    )
    .await;
    let (first, last, email, phone, notes): (
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    ) = sqlx::query_as("SELECT first_name, last_name, email, phone, notes FROM contacts")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(
        (first.as_str(), last, email.as_deref(), phone, notes),
        ("Ada", None, Some("ada@example.test"), None, None)
    );
}

#[tokio::test]
async fn an_address_is_only_once_in_a_book_but_may_be_in_two() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    let mut bob = app.signed_in("bob@example.com").await;
    create(
        &mut ada,
        &[("first_name", "Grace"), ("email", "grace@navy.test")],
    )
    .await;
    create(
        &mut bob,
        &[("first_name", "Grace"), ("email", "grace@navy.test")],
    )
    .await;

    let again = ada
        .post(
            "/contacts",
            &[("first_name", "Other"), ("email", "GRACE@navy.test")],
        )
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        text_of(&select(&again.document(), "#new-contact-email-error")[0])
            .contains("already in your contacts")
    );

    // Editing a contact keeps its own address; taking another's is refused.
    let other = create(
        &mut ada,
        &[("first_name", "Other"), ("email", "other@navy.test")],
    )
    .await;
    let keep = ada
        .post(
            &format!("/contacts/{other}"),
            &[("first_name", "Other 2"), ("email", "other@navy.test")],
        )
        .await;
    assert_eq!(keep.status, StatusCode::SEE_OTHER);
    let take = ada
        .post(
            &format!("/contacts/{other}"),
            &[("first_name", "Other"), ("email", "grace@navy.test")],
        )
        .await;
    assert_eq!(take.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(take.text().contains("already in your contacts"));
}

#[tokio::test]
async fn the_on_blur_check_answers_for_the_named_field_only() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    let grace = create(
        &mut ada,
        &[("first_name", "Grace"), ("email", "grace@navy.test")],
    )
    .await;
    let form = [
        ("first_name", ""),
        ("email", "grace@navy.test"),
        ("phone", "nope"),
    ];

    let email = blur(
        &mut ada,
        "/contacts/validate",
        "new-contact",
        "email",
        &form,
    )
    .await;
    assert_eq!(email.status, StatusCode::OK);
    let doc = email.fragment();
    assert_eq!(select(&doc, ".form-field").len(), 1);
    assert_eq!(
        select(
            &doc,
            ".form-field input#new-contact-email[aria-invalid=true]"
        )
        .len(),
        1
    );
    assert!(
        text_of(&select(&doc, "#new-contact-email-error")[0]).contains("already in your contacts")
    );
    // Nothing about the other fields, though they are wrong too.
    assert!(select(&doc, "#new-contact-phone, #new-contact-first_name").is_empty());
    assert_eq!(
        select(&doc, "#new-contact-announce[data-hx-swap-oob]").len(),
        1
    );

    let phone = blur(
        &mut ada,
        "/contacts/validate",
        "new-contact",
        "phone",
        &form,
    )
    .await;
    let doc = phone.fragment();
    assert_eq!(select(&doc, ".form-field").len(), 1);
    assert_eq!(select(&doc, "#new-contact-phone-error").len(), 1);

    // Its own address is not a duplicate of itself, on the edit page or in its row.
    let own = format!("/contacts/validate?contact={grace}");
    let edit = blur(&mut ada, &own, "edit-contact", "email", &form).await;
    assert!(
        select(&edit.fragment(), "#edit-contact-email-error").is_empty(),
        "{}",
        edit.text()
    );
    let row_form = format!("contact-{grace}-edit");
    let row = blur(&mut ada, &own, &row_form, "email", &form).await;
    let doc = row.fragment();
    assert_eq!(
        select(&doc, &format!("input#{row_form}-email[form='{row_form}']")).len(),
        1
    );

    let unknown = blur(
        &mut ada,
        "/contacts/validate",
        "new-contact",
        "password",
        &form,
    )
    .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    let other_form = blur(&mut ada, "/contacts/validate", "register", "email", &form).await;
    assert_eq!(other_form.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_row_is_edited_in_place() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    let id = create(&mut ada, ADA).await;
    let row = format!("contact-{id}");
    let path = format!("/contacts/{id}");

    let editing = htmx(
        &mut ada,
        Method::GET,
        &format!("{path}/edit"),
        Some(&row),
        &[],
    )
    .await;
    assert_eq!(editing.status, StatusCode::OK);
    let text = editing.text();
    assert!(text.starts_with("<tr"), "{text}");
    let doc = parse(&editing);
    let form = format!("contact-{id}-edit");
    assert_eq!(
        select(&doc, &format!("tr#{row} form#{form}[data-hx-put='{path}']")).len(),
        1
    );
    assert_eq!(
        select(
            &doc,
            &format!("input[form={form}][name=first_name][value=Ada]")
        )
        .len(),
        1
    );
    assert_eq!(
        select(&doc, "input[type=hidden][name=notes]")[0].attr("value"),
        Some("Wrote the first program.")
    );

    let cancel = htmx(&mut ada, Method::GET, &path, Some(&row), &[]).await;
    let doc = parse(&cancel);
    assert_eq!(
        select(&doc, &format!("tr#{row}")).len(),
        1,
        "{}",
        cancel.text()
    );
    assert!(select(&doc, "input[type=text]").is_empty());

    let invalid = htmx(
        &mut ada,
        Method::PUT,
        &path,
        Some(&row),
        &[("first_name", ""), ("email", "x@")],
    )
    .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = invalid.text();
    assert!(
        text.starts_with("<tr"),
        "errors stay inside the row: {text}"
    );
    assert!(text.contains(&format!("{form}-first_name-error")));

    let saved = htmx(
        &mut ada,
        Method::PUT,
        &path,
        Some(&row),
        &[
            ("first_name", "Ada"),
            ("last_name", "King"),
            ("email", "ada@analytical.test"),
            ("notes", "Wrote the first program."),
        ],
    )
    .await;
    assert_eq!(saved.status, StatusCode::OK);
    assert_eq!(saved.header("hx-trigger"), Some("contacts-changed"));
    assert!(saved.text().contains("Ada King"));
    let notes: Option<String> = sqlx::query_scalar("SELECT notes FROM contacts")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(notes.as_deref(), Some("Wrote the first program."));

    // PATCH and POST do the same.
    for method in [Method::PATCH, Method::POST] {
        let response = htmx(
            &mut ada,
            method.clone(),
            &path,
            Some(&row),
            &[("first_name", "Ada")],
        )
        .await;
        assert_eq!(response.status, StatusCode::OK, "{method}");
    }
}

#[tokio::test]
async fn a_row_is_deleted_in_place_with_a_message() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    let id = create(&mut ada, ADA).await;
    let response = htmx(
        &mut ada,
        Method::DELETE,
        &format!("/contacts/{id}"),
        Some(&format!("contact-{id}")),
        &[],
    )
    .await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.header("hx-trigger"), Some("contacts-changed"));
    let doc = response.fragment();
    assert!(select(&doc, "tr").is_empty());
    assert!(
        text_of(&select(&doc, "#alerts[data-hx-swap-oob] .flash-message")[0])
            .contains("Deleted Ada Lovelace.")
    );
    assert_eq!(contact_count(&app).await, 0);
    let again = htmx(
        &mut ada,
        Method::DELETE,
        &format!("/contacts/{id}"),
        Some(&format!("contact-{id}")),
        &[],
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bulk_delete_confirms_then_deletes_only_the_users_own() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    let mut bob = app.signed_in("bob@example.com").await;
    let mine: Vec<Uuid> = [
        create(&mut ada, &named("One")).await,
        create(&mut ada, &named("Two")).await,
        create(&mut ada, &named("Three")).await,
    ]
    .into();
    let kept = create(&mut ada, &named("Kept")).await;
    let bobs = create(&mut bob, &named("Bob's")).await;

    let mut form: Vec<(&str, String)> =
        mine.iter().map(|id| ("selected", id.to_string())).collect();
    form.push(("selected", bobs.to_string()));
    form.push(("selected", "not-an-id".into()));
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();

    // Without a confirmation: the page that asks, naming only Ada's.
    let confirm = ada.post("/contacts/delete", &fields).await;
    assert_eq!(confirm.status, StatusCode::OK);
    let doc = confirm.document();
    assert_eq!(text_of(&select(&doc, "main h1")[0]), "Delete 3 contacts?");
    let names: Vec<String> = select(&doc, "ul.names li").iter().map(text_of).collect();
    assert_eq!(names, ["One", "Three", "Two"]);
    assert!(
        confirm
            .text()
            .contains("2 of the selected contacts were not found.")
    );
    assert!(!confirm.text().contains(&bobs.to_string()));
    assert_eq!(contact_count(&app).await, 5);

    let mut confirmed = fields.clone();
    confirmed.push(("confirmed", "yes"));
    let done = ada.post("/contacts/delete", &confirmed).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let list = ada.get("/contacts").await;
    assert!(
        list.text()
            .contains("Deleted 3 contacts. 2 of the selected contacts were not found.")
    );
    assert_eq!(row_names(&list), ["Kept"]);
    // Bob's contact is untouched.
    assert_eq!(
        bob.get(&format!("/contacts/{bobs}")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        ada.get(&format!("/contacts/{kept}")).await.status,
        StatusCode::OK
    );

    let none = ada.post("/contacts/delete", &[("confirmed", "yes")]).await;
    assert_eq!(none.status, StatusCode::SEE_OTHER);
    assert!(
        ada.get("/contacts")
            .await
            .text()
            .contains("Select the contacts to delete first.")
    );
}

#[tokio::test]
async fn another_users_contact_is_not_found_on_every_route() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    let mut bob = app.signed_in("bob@example.com").await;
    let id = create(&mut ada, ADA).await;
    let path = format!("/contacts/{id}");
    let row = format!("contact-{id}");

    for get in [
        path.clone(),
        format!("{path}/edit"),
        format!("{path}/delete"),
    ] {
        assert_eq!(
            bob.get(&get).await.status,
            StatusCode::NOT_FOUND,
            "GET {get}"
        );
        let fragment = htmx(&mut bob, Method::GET, &get, Some(&row), &[]).await;
        assert_eq!(fragment.status, StatusCode::NOT_FOUND, "htmx GET {get}");
    }
    assert_eq!(
        bob.post(&path, &named("Mallory")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        bob.post(&path, &named("")).await.status,
        StatusCode::NOT_FOUND
    );
    for method in [Method::PUT, Method::PATCH, Method::DELETE] {
        let response = htmx(
            &mut bob,
            method.clone(),
            &path,
            Some(&row),
            &named("Mallory"),
        )
        .await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{method}");
    }
    assert_eq!(
        bob.post(&format!("{path}/delete"), &[]).await.status,
        StatusCode::NOT_FOUND
    );
    let id_text = id.to_string();
    bob.post(
        "/contacts/delete",
        &[("selected", id_text.as_str()), ("confirmed", "yes")],
    )
    .await;

    // Bob's list, search and count know nothing of it; Ada's contact is as it was.
    assert!(row_names(&bob.get("/contacts?q=ada").await).is_empty());
    let count = htmx(&mut bob, Method::GET, "/contacts/count", None, &[]).await;
    assert_eq!(count.text(), "0 contacts");
    let page = ada.get(&path).await;
    assert_eq!(
        text_of(&select(&page.document(), "main h1")[0]),
        "Ada Lovelace"
    );

    for junk in [
        "/contacts/not-a-uuid",
        "/contacts/1/edit",
        "/contacts/%00/delete",
    ] {
        assert_eq!(ada.get(junk).await.status, StatusCode::NOT_FOUND, "{junk}");
    }
}

#[tokio::test]
async fn hostile_input_is_shown_as_text_everywhere() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    let script = "<script>alert(1)</script>";
    let quote = "\"><img src=x onerror=alert(1)>";
    let id = create(
        &mut ada,
        &[
            ("first_name", script),
            ("last_name", quote),
            ("company", script),
            ("notes", &format!("{script} {quote} javascript:alert(1)")),
        ],
    )
    .await;
    let row = format!("contact-{id}");
    let pages = [
        ada.get("/contacts").await,
        ada.get(&format!("/contacts/{id}")).await,
        ada.get(&format!("/contacts/{id}/edit")).await,
        ada.get(&format!("/contacts/{id}/delete")).await,
        htmx(
            &mut ada,
            Method::GET,
            &format!("/contacts/{id}/edit"),
            Some(&row),
            &[],
        )
        .await,
        htmx(
            &mut ada,
            Method::GET,
            "/contacts?q=script",
            Some("contacts-results"),
            &[],
        )
        .await,
    ];
    for page in pages {
        assert_eq!(page.status, StatusCode::OK);
        let text = page.text();
        let doc = Html::parse_document(&format!("<table>{text}</table>"));
        assert!(select(&doc, "script:not([src])").is_empty(), "{text}");
        assert!(select(&doc, "img").is_empty(), "{text}");
        assert!(select(&doc, "a[href^='javascript']").is_empty(), "{text}");
        assert!(text.contains("&lt;script&gt;"), "{text}");
    }
    // An invalid submission echoes it escaped too.
    let invalid = ada
        .post("/contacts", &[("first_name", script), ("email", quote)])
        .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(select(&invalid.document(), "img").is_empty());
}

#[tokio::test]
async fn pages_follow_each_other_without_gaps_or_repeats() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    let owner: Uuid = sqlx::query_scalar("SELECT id FROM users")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    seed::add(&app.db.pool, owner, 60).await.unwrap();
    // Same names as the seed often gives: the id breaks the tie.
    for _ in 0..3 {
        create(&mut ada, &named("Ada")).await;
    }

    let mut seen = Vec::new();
    let first = ada.get("/contacts").await;
    seen.extend(row_names(&first));
    assert_eq!(seen.len(), 25);
    let mut next = next_page(&first);
    let mut pages = 1;
    while let Some(url) = next {
        let page = htmx(&mut ada, Method::GET, &url, Some("contacts-more"), &[]).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text().starts_with("<tr"), "only rows: {}", page.text());
        // The same URL without JavaScript is a whole page of the same rows, with a way back.
        let plain = ada.get(&url).await;
        assert_eq!(row_names(&plain), row_names(&page));
        assert!(plain.text().contains("Back to the first page"));
        seen.extend(row_names(&page));
        next = next_page(&page);
        pages += 1;
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 63);
    let rows: Vec<(String, Uuid)> = sqlx::query_as("SELECT first_name || coalesce(' ' || last_name, ''), id FROM contacts ORDER BY sort_name, id")
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(
        seen,
        rows.into_iter().map(|(name, _)| name).collect::<Vec<_>>()
    );

    // Exactly a page: no next-page row.
    sqlx::query("DELETE FROM contacts WHERE id IN (SELECT id FROM contacts ORDER BY sort_name DESC LIMIT 38)")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let full = ada.get("/contacts").await;
    assert_eq!(row_names(&full).len(), 25);
    assert_eq!(next_page(&full), None);

    let broken = ada.get("/contacts?after=garbage").await;
    assert_eq!(broken.status, StatusCode::BAD_REQUEST);
    assert!(broken.text().contains("page link is broken"));
}

#[tokio::test]
async fn search_matches_names_addresses_and_companies() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    create(&mut ada, ADA).await;
    create(
        &mut ada,
        &[
            ("first_name", "Grace"),
            ("last_name", "Hopper"),
            ("email", "grace@navy.test"),
            ("company", "US Navy"),
        ],
    )
    .await;
    create(
        &mut ada,
        &[
            ("first_name", "Alan"),
            ("last_name", "Turing"),
            ("notes", "lovelace fan"),
        ],
    )
    .await;
    create(
        &mut ada,
        &[("first_name", "100%"), ("last_name", "Under_score")],
    )
    .await;

    for (query, expected) in [
        ("lovelace", vec!["Ada Lovelace"]),
        ("GRACE", vec!["Grace Hopper"]),
        ("navy.test", vec!["Grace Hopper"]),
        ("engines", vec!["Ada Lovelace"]),
        ("navy hopper", vec!["Grace Hopper"]),
        ("a", vec!["Ada Lovelace", "Alan Turing", "Grace Hopper"]),
        ("%", vec!["100% Under_score"]),
        ("_", vec!["100% Under_score"]),
        ("nobody", vec![]),
    ] {
        let url = format!("/contacts?q={}", urlencoding(query));
        let page = ada.get(&url).await;
        assert_eq!(page.status, StatusCode::OK, "{query}");
        assert_eq!(row_names(&page), expected, "{query}");
        let count = htmx(
            &mut ada,
            Method::GET,
            &format!("/contacts/count?q={}", urlencoding(query)),
            None,
            &[],
        )
        .await;
        let n = expected.len();
        assert_eq!(
            count.text(),
            format!("{n} {}", if n == 1 { "match" } else { "matches" }),
            "{query}"
        );
    }
    // Notes are not searched by the list (the search module does).
    assert!(!row_names(&ada.get("/contacts?q=fan").await).contains(&"Alan Turing".to_owned()));

    let empty = ada.get("/contacts?q=nobody").await;
    assert!(empty.text().contains("No contacts match your search"));
    let too_long = ada.get(&format!("/contacts?q={}", "a".repeat(101))).await;
    assert_eq!(too_long.status, StatusCode::BAD_REQUEST);
    assert!(too_long.text().contains("at most 100 characters"));
}

fn urlencoding(text: &str) -> String {
    serde_urlencoded::to_string([("q", text)])
        .unwrap()
        .trim_start_matches("q=")
        .to_owned()
}

#[tokio::test]
async fn the_count_is_a_fragment_for_htmx_and_a_page_without() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    create(&mut ada, ADA).await;
    let fragment = htmx(&mut ada, Method::GET, "/contacts/count", None, &[]).await;
    assert_eq!(fragment.text(), "1 contact");
    let page = ada.get("/contacts/count").await;
    assert!(page.text().starts_with("<!DOCTYPE html>"));
    assert!(page.text().contains("1 contact"));
}

#[tokio::test]
async fn every_contacts_form_refuses_a_cross_site_post() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    let id = create(&mut ada, ADA).await;
    for (method, path) in [
        (Method::POST, "/contacts".to_owned()),
        (Method::POST, "/contacts/validate".to_owned()),
        (Method::POST, "/contacts/delete".to_owned()),
        (Method::POST, format!("/contacts/{id}")),
        (Method::PUT, format!("/contacts/{id}")),
        (Method::PATCH, format!("/contacts/{id}")),
        (Method::DELETE, format!("/contacts/{id}")),
        (Method::POST, format!("/contacts/{id}/delete")),
    ] {
        let response = ada
            .send(
                Request::builder()
                    .method(method.clone())
                    .uri(&path)
                    .header("sec-fetch-site", "cross-site")
                    .header("origin", "https://evil.example")
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(Body::from(format!(
                        "first_name=x&selected={id}&confirmed=yes"
                    )))
                    .unwrap(),
            )
            .await;
        assert_eq!(response.status, StatusCode::FORBIDDEN, "{method} {path}");
    }
    assert_eq!(contact_count(&app).await, 1);
}

/// The list's queries, as `db.rs` runs them, answer from the index in order: no sequential
/// scan and no sort, on the first page, a deep page and a search, at 5,000 contacts.
#[tokio::test]
async fn the_list_is_read_from_its_index() {
    let app = TestApp::new().await;
    app.confirmed_user("ada@example.com").await;
    app.confirmed_user("bob@example.com").await;
    let ids: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM users ORDER BY email")
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    seed::add(&app.db.pool, ids[0], 5_000).await.unwrap();
    seed::add(&app.db.pool, ids[1], 1_000).await.unwrap();
    let (deep_name, deep_id): (String, Uuid) = sqlx::query_as("SELECT sort_name, id FROM contacts WHERE owner_id = $1 ORDER BY sort_name, id OFFSET 4000 LIMIT 1")
        .bind(ids[0])
        .fetch_one(&app.db.pool)
        .await
        .unwrap();

    let list = "EXPLAIN SELECT id, first_name, last_name, email, phone, company, notes, sort_name, created_at, updated_at \
                FROM contacts WHERE owner_id = $1 AND (sort_name, id) > ($2, $3) ORDER BY sort_name, id LIMIT 26";
    for (name, id) in [(String::new(), Uuid::nil()), (deep_name, deep_id)] {
        let plan = explain(&app, list, ids[0], &name, id).await;
        assert!(
            plan.contains("Index Scan using contacts_owner_sort_idx"),
            "{plan}"
        );
        assert!(
            !plan.contains("Seq Scan") && !plan.contains("Sort"),
            "{plan}"
        );
    }
    // A search can be answered from the trigram index (at this size the planner may rightly
    // prefer a scan, so it is asked not to, to show that the index serves the query).
    let mut tx = app.db.pool.begin().await.unwrap();
    sqlx::query("SET LOCAL enable_seqscan = off")
        .execute(&mut *tx)
        .await
        .unwrap();
    let plan: Vec<String> = sqlx::query_scalar(
        "EXPLAIN SELECT id FROM contacts WHERE owner_id = $1 AND (sort_name, id) > ($2, $3) \
         AND search_text LIKE $4 AND search_text LIKE ALL ('{}') ORDER BY sort_name, id LIMIT 26",
    )
    .bind(ids[0])
    .bind("")
    .bind(Uuid::nil())
    .bind("%lovelace%")
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    let plan = plan.join("\n");
    assert!(
        plan.contains("contacts_search_idx") || plan.contains("contacts_owner_sort_idx"),
        "{plan}"
    );
    assert!(!plan.contains("Seq Scan"), "{plan}");
    tx.rollback().await.unwrap();
    // Counting one user's contacts among many reads the index alone, once vacuum has marked
    // the pages all-visible, as autovacuum does. (A user who owns most of the table is
    // counted faster by a scan of it, and PostgreSQL rightly chooses that.)
    sqlx::query("VACUUM ANALYZE contacts")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let count = "EXPLAIN SELECT count(*) FROM contacts WHERE owner_id = $1";
    let plan: Vec<String> = sqlx::query_scalar(count)
        .bind(ids[1])
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    assert!(plan.join("\n").contains("Index Only Scan"), "{plan:?}");
}

async fn explain(app: &TestApp, sql: &str, owner: Uuid, name: &str, id: Uuid) -> String {
    sqlx::query_scalar::<_, String>(sql)
        .bind(owner)
        .bind(name)
        .bind(id)
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
        .join("\n")
}

#[tokio::test]
async fn the_seed_command_fills_an_existing_account() {
    let app = TestApp::new().await;
    app.confirmed_user("ada@example.com").await;
    let mut command = common::starter_command();
    command.env("DATABASE_URL", &app.db.url).args([
        "seed",
        "contacts",
        "--user",
        " ADA@example.com ",
        "--count",
        "12000",
    ]);
    let output = common::run_ok(command).await;
    assert!(String::from_utf8_lossy(&output.stdout).contains("added 12000 contacts"));
    assert_eq!(contact_count(&app).await, 12_000);
    let distinct: i64 =
        sqlx::query_scalar("SELECT count(DISTINCT email) FROM contacts WHERE email IS NOT NULL")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    let with_email: i64 = sqlx::query_scalar("SELECT count(email) FROM contacts")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(distinct, with_email);

    let mut unknown = common::starter_command();
    unknown.env("DATABASE_URL", &app.db.url).args([
        "seed",
        "contacts",
        "--user",
        "nobody@example.com",
    ]);
    let output = tokio::task::spawn_blocking(move || unknown.output().unwrap())
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("no account has the address nobody@example.com")
    );
}
