//! Changes in place on the list: the on-blur check of one field, a row edited and deleted
//! without leaving the page, and the bulk delete's confirmation.

use super::{ADA, contact_count, create, named, parse, row_names};
use crate::common;

use app::web::public_id::PublicId;
use axum::http::{Method, StatusCode};
use common::{TestApp, select, text_of};

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

    let email = ada
        .blur("/contacts/validate", "new-contact", "email", &form)
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

    let phone = ada
        .blur("/contacts/validate", "new-contact", "phone", &form)
        .await;
    let doc = phone.fragment();
    assert_eq!(select(&doc, ".form-field").len(), 1);
    assert_eq!(select(&doc, "#new-contact-phone-error").len(), 1);

    // Its own address is not a duplicate of itself, on the edit page or in its row.
    let own = format!("/contacts/validate?contact={grace}");
    let edit = ada.blur(&own, "edit-contact", "email", &form).await;
    assert!(
        select(&edit.fragment(), "#edit-contact-email-error").is_empty(),
        "{}",
        edit.text()
    );
    let row_form = format!("contact-{grace}-edit");
    let row = ada.blur(&own, &row_form, "email", &form).await;
    let doc = row.fragment();
    assert_eq!(
        select(&doc, &format!("input#{row_form}-email[form='{row_form}']")).len(),
        1
    );

    let unknown = ada
        .blur("/contacts/validate", "new-contact", "password", &form)
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    let other_form = ada
        .blur("/contacts/validate", "register", "email", &form)
        .await;
    assert_eq!(other_form.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_row_is_edited_in_place() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    let id = create(&mut ada, ADA).await;
    let row = format!("contact-{id}");
    let path = format!("/contacts/{id}");

    let editing = ada
        .htmx(Method::GET, &format!("{path}/edit"), Some(&row), &[])
        .await;
    assert_eq!(editing.status, StatusCode::OK);
    let text = editing.text();
    assert!(text.starts_with("<tr"), "{text}");
    let doc = parse(&editing);
    let form = format!("contact-{id}-edit");
    // The browser's own validation bubble never covers the row's messages.
    assert_eq!(
        select(
            &doc,
            &format!("tr#{row} form#{form}[data-hx-put='{path}'][novalidate]")
        )
        .len(),
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

    let cancel = ada.htmx(Method::GET, &path, Some(&row), &[]).await;
    let doc = parse(&cancel);
    assert_eq!(
        select(&doc, &format!("tr#{row}")).len(),
        1,
        "{}",
        cancel.text()
    );
    assert!(select(&doc, "input[type=text]").is_empty());
    assert!(select(&doc, "tr.__saved").is_empty());

    let invalid = ada
        .htmx(
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

    let saved = ada
        .htmx(
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
    // The row comes back highlighted, and the page's live region says it was saved.
    let text = saved.text();
    assert!(text.starts_with("<tr"), "{text}");
    let doc = parse(&saved);
    assert_eq!(
        text_of(&select(&doc, &format!("tr#{row}.__saved th[scope=row] a"))[0]),
        "Ada King"
    );
    assert_eq!(
        text_of(&select(&doc, "#alerts[data-hx-swap-oob] .flash-message.__success")[0]),
        "Saved Ada King."
    );
    let notes: Option<String> = sqlx::query_scalar("SELECT notes FROM contacts")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(notes.as_deref(), Some("Wrote the first program."));

    // PATCH and POST do the same.
    for method in [Method::PATCH, Method::POST] {
        let response = ada
            .htmx(method.clone(), &path, Some(&row), &[("first_name", "Ada")])
            .await;
        assert_eq!(response.status, StatusCode::OK, "{method}");
    }
}

#[tokio::test]
async fn a_row_is_deleted_in_place_with_a_message() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    let id = create(&mut ada, ADA).await;
    // What the row's Delete link does once the browser has asked (`assets/app.js`): it posts
    // the confirmation page's form, aimed at the row.
    let response = ada
        .htmx(
            Method::POST,
            &format!("/contacts/{id}/delete"),
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
    let again = ada
        .htmx(
            Method::DELETE,
            &format!("/contacts/{id}"),
            Some(&format!("contact-{id}")),
            &[],
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_action_on_a_row_deleted_elsewhere_says_so_in_the_row() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    let id = create(&mut ada, ADA).await;
    let row = format!("contact-{id}");
    let path = format!("/contacts/{id}");
    // Deleted in another tab.
    assert_eq!(
        ada.post(&format!("{path}/delete"), &[]).await.status,
        StatusCode::SEE_OTHER
    );

    for (method, url, fields) in [
        (Method::GET, format!("{path}/edit"), vec![]),
        (Method::GET, path.clone(), vec![]),
        (Method::PUT, path.clone(), named("Ada")),
        (Method::PUT, path.clone(), named("")),
        (Method::DELETE, path.clone(), vec![]),
    ] {
        let response = ada.htmx(method.clone(), &url, Some(&row), &fields).await;
        // Still a 404 (as another user's contact is), with the row to swap in.
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{method} {url}");
        assert_eq!(
            response.header("hx-retarget"),
            Some(format!("#{row}").as_str())
        );
        assert_eq!(response.header("hx-reswap"), Some("outerHTML"));
        let doc = parse(&response);
        let cells = select(&doc, &format!("tr#{row} td.deleted-notice"));
        assert_eq!(cells.len(), 1, "{}", response.text());
        assert_eq!(text_of(&cells[0]), "This contact was deleted.");
        assert_eq!(cells[0].attr("colspan"), Some("6"));
    }
    // A page (not its row) is the 404 page.
    let page = ada.get(&path).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(select(&page.document(), ".error-page").len() == 1);
}

#[tokio::test]
async fn bulk_delete_confirms_then_deletes_only_the_users_own() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    let mut bob = app.signed_in("bob@example.com").await;
    let mine: Vec<PublicId> = [
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
