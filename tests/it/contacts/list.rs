//! The contacts list: fragments for htmx and whole pages without, keyset pages without gaps
//! or repeats, search, the count, and the query plans that keep it fast.

use super::{ADA, create, named, next_page, row_names};
use crate::common;

use app::dev::seed;
use axum::{
    body::Body,
    http::{Method, Request, StatusCode},
};
use common::{TestApp, select, text_of};
use uuid::Uuid;

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
            "header.site-header .site-menu nav a[aria-current=page][href='/contacts']"
        )
        .len(),
        1
    );
    assert_eq!(row_names(&body), ["Ada Lovelace"]);

    let results = ada
        .htmx(
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
        let page = ada
            .htmx(Method::GET, &url, Some("contacts-more"), &[])
            .await;
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
    // A change made outside the app shows once PostgreSQL's notification of it is heard.
    let started = std::time::Instant::now();
    let full = loop {
        let full = ada.get("/contacts").await;
        if next_page(&full).is_none() || started.elapsed() > std::time::Duration::from_secs(2) {
            break full;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
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
        let count = ada
            .htmx(
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
    let fragment = ada.htmx(Method::GET, "/contacts/count", None, &[]).await;
    assert_eq!(fragment.text(), "1 contact");
    let page = ada.get("/contacts/count").await;
    assert!(page.text().starts_with("<!DOCTYPE html>"));
    assert!(page.text().contains("1 contact"));
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
async fn an_empty_book_shows_its_call_to_action_without_the_tools() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    let tools = [
        "form#contact-search",
        "form#contacts-bulk",
        "form[action='/contacts/export']",
        ".contacts-count",
    ];
    let doc = ada.get("/contacts").await.document();
    for tool in tools {
        assert!(select(&doc, tool).is_empty(), "{tool} on an empty book");
    }
    let action = select(&doc, ".empty-state a[href='/contacts/new']");
    assert_eq!(action.len(), 1);
    assert_eq!(text_of(&action[0]), "Add your first contact");

    create(&mut ada, ADA).await;
    let doc = ada.get("/contacts").await.document();
    for tool in tools {
        assert_eq!(select(&doc, tool).len(), 1, "{tool}");
    }
    // A search that finds nothing keeps the box to search again.
    let doc = ada.get("/contacts?q=nobody").await.document();
    assert_eq!(select(&doc, "form#contact-search").len(), 1);
}

#[tokio::test]
async fn an_empty_book_refreshes_live_as_a_whole_page_so_its_tools_arrive() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    let doc = ada.get("/contacts").await.document();
    let refresh = select(&doc, "[data-live-refresh]");
    assert_eq!(refresh[0].attr("data-hx-target"), Some("#contacts-page"));
    assert_eq!(refresh[0].attr("data-hx-swap"), Some("outerHTML"));
    assert_eq!(select(&doc, "section#contacts-page").len(), 1);

    create(&mut ada, ADA).await;
    let response = ada
        .send(
            Request::get("/contacts")
                .header("hx-request", "true")
                .header("hx-target", "contacts-page")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(
        !response.text().contains("<html"),
        "a fragment, not a document"
    );
    let doc = response.fragment();
    assert_eq!(select(&doc, "section#contacts-page").len(), 1);
    assert_eq!(select(&doc, "form#contact-search").len(), 1);
    assert_eq!(select(&doc, "th[scope=row]").len(), 1);
    // With contacts, a refresh replaces the results alone, keeping what is typed in the box.
    let refresh = select(&doc, "[data-live-refresh]");
    assert_eq!(refresh[0].attr("data-hx-target"), Some("#contacts-results"));
    assert_eq!(refresh[0].attr("data-hx-swap"), None);
}
