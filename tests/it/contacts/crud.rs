//! A contact's life in plain pages: creation, validation with values kept, normalised input,
//! one address per book, ownership on every route, escaping, cross-site refusal, and the seed.

use super::{ADA, contact_count, create, named, row_names};
use crate::common;

use axum::{
    body::Body,
    http::{Method, Request, StatusCode},
};
use common::{TestApp, select, text_of};
use scraper::Html;

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
    // Each message says what to do.
    assert_eq!(
        text_of(&select(&doc, "#new-contact-first_name-error")[0]),
        "Enter a first name."
    );
    assert_eq!(
        text_of(&select(&doc, "#new-contact-company-error")[0]),
        "Use at most 100 characters."
    );
    assert_eq!(contact_count(&app).await, 0);

    let long = ada.post("/contacts", &named(&"a".repeat(101))).await;
    assert_eq!(
        text_of(&select(&long.document(), "#new-contact-first_name-error")[0]),
        "Use at most 100 characters."
    );
}

#[tokio::test]
async fn the_form_marks_the_fields_that_may_be_left_blank() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    let doc = ada.get("/contacts/new").await.document();
    let labels: Vec<_> = select(&doc, "form#new-contact label")
        .iter()
        .map(|label| {
            text_of(label)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    assert_eq!(
        labels,
        [
            "First name",
            "Last name (optional)",
            "Email (optional)",
            "Phone (optional)",
            "Company (optional)",
            "Notes (optional)",
        ]
    );
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
        let fragment = bob.htmx(Method::GET, &get, Some(&row), &[]).await;
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
        let response = bob
            .htmx(method.clone(), &path, Some(&row), &named("Mallory"))
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
    let count = bob.htmx(Method::GET, "/contacts/count", None, &[]).await;
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
        ada.htmx(
            Method::GET,
            &format!("/contacts/{id}/edit"),
            Some(&row),
            &[],
        )
        .await,
        ada.htmx(
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

#[tokio::test]
async fn a_query_parameter_that_does_not_parse_is_a_400_page() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    let response = ada
        .post(
            "/contacts/validate?contact=not-an-id",
            &[("first_name", "x")],
        )
        .await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert!(response.is_html());
    assert!(
        response.text().contains("cannot read"),
        "{}",
        response.text()
    );
    assert!(!response.text().contains("Failed to deserialize"));
}
