//! Search through the whole app: ranking, typos and prefixes, the query syntax and hostile
//! input, highlighting that escapes, one user's records kept from another, the page and the
//! fragment, the empty and over-long states, and the pages of results.

use crate::common;

use axum::{body::Body, http::Request, http::StatusCode};
use common::{TestApp, TestClient, TestResponse, select, text_of};
use scraper::Html;

/// Adds a contact through the form, as its owner would.
async fn add(client: &mut TestClient<'_>, fields: &[(&str, &str)]) {
    let response = client.post("/contacts", fields).await;
    assert_eq!(
        response.status,
        StatusCode::SEE_OTHER,
        "{}",
        response.text()
    );
}

fn search_url(query: &str) -> String {
    format!(
        "/search?{}",
        serde_urlencoded::to_string([("q", query)]).unwrap()
    )
}

/// The results fragment, as search-as-you-type asks for it.
async fn results(client: &mut TestClient<'_>, query: &str) -> TestResponse {
    client
        .send(
            Request::get(search_url(query))
                .header("hx-request", "true")
                .header("hx-target", "search-results")
                .body(Body::empty())
                .unwrap(),
        )
        .await
}

/// The titles of the results, in order, with the fragment they came from.
async fn titles(client: &mut TestClient<'_>, query: &str) -> (Vec<String>, Html) {
    let response = results(client, query).await;
    assert_eq!(
        response.status,
        StatusCode::OK,
        "{query:?}: {}",
        response.text()
    );
    let doc = response.fragment();
    let titles = select(&doc, ".search-hit a.title")
        .iter()
        .map(text_of)
        .collect();
    (titles, doc)
}

fn summary(doc: &Html) -> String {
    select(doc, ".search-summary").iter().map(text_of).collect()
}

#[tokio::test]
async fn a_name_match_outranks_an_address_or_company_match_which_outranks_notes() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    add(
        &mut ada,
        &[
            ("first_name", "Alan"),
            ("last_name", "Turing"),
            ("notes", "Worked with Hopper."),
        ],
    )
    .await;
    add(
        &mut ada,
        &[
            ("first_name", "Mary"),
            ("last_name", "Keller"),
            ("company", "Hopper Labs"),
        ],
    )
    .await;
    add(
        &mut ada,
        &[("first_name", "Grace"), ("last_name", "Hopper")],
    )
    .await;
    add(
        &mut ada,
        &[("first_name", "Edsger"), ("last_name", "Dijkstra")],
    )
    .await;

    let (titles, doc) = titles(&mut ada, "hopper").await;
    assert_eq!(titles, ["Grace Hopper", "Mary Keller", "Alan Turing"]);
    assert_eq!(summary(&doc), "3 results for “hopper”.");
    // Each result links to its contact.
    let link = select(&doc, ".search-hit a.title")[0]
        .attr("href")
        .unwrap()
        .to_owned();
    assert!(link.starts_with("/contacts/"), "{link}");
    assert_eq!(ada.get(&link).await.status, StatusCode::OK);
}

#[tokio::test]
async fn typos_and_prefixes_find_the_intended_contact() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    add(
        &mut ada,
        &[
            ("first_name", "John"),
            ("last_name", "Smith"),
            ("email", "john@acme.test"),
        ],
    )
    .await;
    add(
        &mut ada,
        &[
            ("first_name", "Ada"),
            ("last_name", "Lovelace"),
            ("company", "Analytical Engines"),
        ],
    )
    .await;
    add(&mut ada, &[("first_name", "Joan"), ("last_name", "Clarke")]).await;

    let (found, doc) = titles(&mut ada, "jonh smtih").await;
    assert_eq!(found, ["John Smith"]);
    assert!(
        summary(&doc).contains("Showing results for “john smith”"),
        "{}",
        summary(&doc)
    );

    assert_eq!(titles(&mut ada, "smi").await.0, ["John Smith"]);
    assert_eq!(titles(&mut ada, "john smi").await.0, ["John Smith"]);
    assert_eq!(titles(&mut ada, "lovel").await.0, ["Ada Lovelace"]);
    assert_eq!(titles(&mut ada, "Analyt").await.0, ["Ada Lovelace"]);
    let (mut both, _) = titles(&mut ada, "jo").await;
    both.sort();
    assert_eq!(both, ["Joan Clarke", "John Smith"]);
    // An address is found by any part of it.
    assert_eq!(titles(&mut ada, "acme").await.0, ["John Smith"]);
}

#[tokio::test]
async fn phrases_exclusions_and_or_work_as_written() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    add(
        &mut ada,
        &[
            ("first_name", "Ada"),
            ("last_name", "Lovelace"),
            ("company", "Acme Corporation"),
        ],
    )
    .await;
    add(
        &mut ada,
        &[
            ("first_name", "Ada"),
            ("last_name", "Byron"),
            ("company", "Acme Labs"),
            ("notes", "Corporation tax adviser."),
        ],
    )
    .await;
    add(
        &mut ada,
        &[("first_name", "Grace"), ("last_name", "Hopper")],
    )
    .await;

    assert_eq!(
        titles(&mut ada, "\"acme corporation\"").await.0,
        ["Ada Lovelace"]
    );
    assert_eq!(titles(&mut ada, "ada -byron").await.0, ["Ada Lovelace"]);
    let (mut either, _) = titles(&mut ada, "lovelace or hopper").await;
    either.sort();
    assert_eq!(either, ["Ada Lovelace", "Grace Hopper"]);
    // A stemmed word of the notes matches its base form.
    add(
        &mut ada,
        &[
            ("first_name", "Kai"),
            ("notes", "Loves hiking in the Alps."),
        ],
    )
    .await;
    assert_eq!(titles(&mut ada, "hike alps").await.0, ["Kai"]);
}

#[tokio::test]
async fn operators_and_sql_never_cause_an_error() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    add(
        &mut ada,
        &[
            ("first_name", "O'Brien"),
            ("last_name", "Smith"),
            ("notes", "a & b | c ! d"),
        ],
    )
    .await;

    let hostile = [
        "a & | !",
        "&",
        "|",
        "!",
        "!!",
        "&&",
        "<->",
        "'",
        "''",
        "\\",
        "\\\\",
        ":*",
        "smith:*",
        "a:*b",
        "(",
        ")",
        "(smith",
        "smith)",
        "\"",
        "\"\"",
        "\"smith",
        "-",
        "--",
        "-smith",
        "or",
        "OR or",
        "smith or",
        "or smith",
        "'; DROP TABLE contacts; --",
        "1' OR '1'='1",
        "%",
        "_",
        "%_\\",
        "smith & !o'brien",
        "o'brien",
        "\u{E000}x\u{E001}",
        "🙂",
        "ǅ",
        "a:* & 'b",
        "$1",
        "$$",
        "\\x00",
    ];
    for query in hostile {
        let fragment = results(&mut ada, query).await;
        assert_eq!(
            fragment.status,
            StatusCode::OK,
            "{query:?}: {}",
            fragment.text()
        );
        assert!(
            !select(&fragment.fragment(), ".search-summary, .empty-state").is_empty(),
            "{query:?}"
        );
        let page = ada.get(&search_url(query)).await;
        assert_eq!(page.status, StatusCode::OK, "{query:?}");
    }
    // A NUL is refused with the app's one rule for text (see tests/it/web/hidden_characters.rs).
    assert_eq!(
        results(&mut ada, "smith\u{0}").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(titles(&mut ada, "o'brien").await.0, ["O'Brien Smith"]);
    assert_eq!(titles(&mut ada, "smith & | !").await.0, ["O'Brien Smith"]);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM contacts")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn highlighting_marks_matches_and_escapes_everything_else() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    add(
        &mut ada,
        &[
            ("first_name", "<img src=x onerror=alert(1)>"),
            ("last_name", "Smith"),
            ("company", "<b>Bold</b> & Co"),
            (
                "notes",
                "<script>alert(2)</script> met at the img conference",
            ),
        ],
    )
    .await;
    // The markers are the app's: typed into a contact, they mark nothing.
    add(
        &mut ada,
        &[
            ("first_name", "Eve\u{E000}Mallory\u{E001}"),
            ("last_name", "Img"),
        ],
    )
    .await;

    let response = results(&mut ada, "img").await;
    let body = response.text();
    let doc = response.fragment();
    assert!(select(&doc, "img, script, b").is_empty(), "{body}");
    assert!(
        body.contains("&lt;<mark>img</mark> src=x onerror=alert(1)&gt;"),
        "{body}"
    );
    let marks: Vec<String> = select(&doc, "mark").iter().map(text_of).collect();
    assert!(
        !marks.is_empty() && marks.iter().all(|mark| mark.eq_ignore_ascii_case("img")),
        "{marks:?}"
    );
    assert_eq!(select(&doc, ".search-hit .excerpt mark").len(), 1, "{body}");
    let titles: Vec<String> = select(&doc, ".search-hit a.title")
        .iter()
        .map(text_of)
        .collect();
    assert!(titles.contains(&"EveMallory Img".to_owned()), "{titles:?}");
    // The company is shown as typed, escaped.
    assert!(body.contains("&lt;b&gt;Bold&lt;/b&gt; &amp; Co"), "{body}");
}

#[tokio::test]
async fn an_excerpt_of_the_notes_shows_where_it_was_cut() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    let filler = "the quarterly meeting ran long and nobody remembered the agenda afterwards";
    for (name, notes) in [
        ("Middle", format!("{filler}. Then zebra came up. {filler}.")),
        ("Start", format!("Zebra first. {filler}. {filler}.")),
        ("End", format!("{filler}. {filler}. Last word zebra.")),
        ("Short", "A zebra, briefly.".to_owned()),
    ] {
        add(&mut ada, &[("first_name", name), ("notes", &notes)]).await;
    }

    let (titles, doc) = titles(&mut ada, "zebra").await;
    let excerpts: Vec<String> = select(&doc, ".search-hit .excerpt")
        .iter()
        .map(text_of)
        .collect();
    let excerpt = |name: &str| {
        let at = titles.iter().position(|title| title == name).unwrap();
        excerpts[at].clone()
    };
    for name in ["Middle", "Start", "End", "Short"] {
        assert!(
            excerpt(name).to_lowercase().contains("zebra"),
            "{name}: {excerpts:?}"
        );
    }
    let middle = excerpt("Middle");
    assert!(
        middle.starts_with("… ") && middle.ends_with(" …"),
        "{middle:?}"
    );
    let start = excerpt("Start");
    assert!(
        start.starts_with("Zebra first.") && start.ends_with(" …"),
        "{start:?}"
    );
    // A fragment is whole words: the full stop after the last one is not text left out.
    let end = excerpt("End");
    assert!(
        end.starts_with("… ") && end.ends_with("Last word zebra"),
        "{end:?}"
    );
    // Short notes are shown whole.
    assert_eq!(excerpt("Short"), "A zebra, briefly.");
}

#[tokio::test]
async fn another_users_records_never_appear_nor_count_nor_correct_typos() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    let mut bob = app.signed_in("bob@example.com").await;
    add(
        &mut ada,
        &[
            ("first_name", "Zed"),
            ("last_name", "Own"),
            ("notes", "shared word"),
        ],
    )
    .await;
    for i in 0..3 {
        let email = format!("zed{i}@bob.test");
        add(
            &mut bob,
            &[
                ("first_name", "Zed"),
                ("last_name", "Quixote"),
                ("email", &email),
                ("notes", "shared word"),
            ],
        )
        .await;
    }

    let (found, doc) = titles(&mut ada, "zed").await;
    assert_eq!(found, ["Zed Own"]);
    assert_eq!(summary(&doc), "1 result for “zed”.");
    assert_eq!(titles(&mut ada, "shared word").await.0, ["Zed Own"]);
    assert_eq!(titles(&mut bob, "zed").await.0.len(), 3);

    // Bob's words are not Ada's vocabulary: no correction to them, no results.
    for query in ["quixote", "quixot", "quixtoe", "zed quixote"] {
        let (found, doc) = titles(&mut ada, query).await;
        assert!(found.is_empty(), "{query:?}: {found:?}");
        // No "Showing results for" or "Did you mean": nothing of Bob's was offered.
        assert_eq!(summary(&doc), format!("0 results for “{query}”."));
    }
    // A result's link for another user is a 404.
    let (_, doc) = titles(&mut bob, "zed").await;
    let link = select(&doc, ".search-hit a.title")[0]
        .attr("href")
        .unwrap()
        .to_owned();
    assert_eq!(ada.get(&link).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn htmx_gets_the_results_fragment_and_a_plain_request_the_page() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    add(
        &mut ada,
        &[("first_name", "Grace"), ("last_name", "Hopper")],
    )
    .await;

    let page = ada.get(&search_url("hopper")).await;
    assert_eq!(page.status, StatusCode::OK);
    let doc = page.document();
    assert_eq!(
        select(&doc, "h1").iter().map(text_of).collect::<Vec<_>>(),
        ["Search"]
    );
    let input = &select(
        &doc,
        "main form[role=search][method=get][action='/search'] input[name=q]",
    )[0];
    assert_eq!(input.attr("value"), Some("hopper"));
    assert_eq!(input.attr("data-hx-target"), Some("#search-results"));
    assert_eq!(input.attr("data-hx-sync"), Some("this:replace"));
    assert!(
        input
            .attr("data-hx-trigger")
            .unwrap()
            .contains("delay:300ms")
    );
    assert_eq!(select(&doc, "label[for=search-q]").len(), 1);
    assert_eq!(select(&doc, "#search-results .search-hit").len(), 1);

    let fragment = results(&mut ada, "hopper").await;
    assert!(!fragment.text().contains("<html"), "{}", fragment.text());
    assert!(!fragment.text().contains("<h1"));
    assert_eq!(select(&fragment.fragment(), ".search-hit").len(), 1);
    assert!(
        fragment
            .header_values("vary")
            .contains(&"HX-Target".to_owned())
    );

    // htmx aimed elsewhere (or boosted navigation) gets the page, not the fragment.
    let boosted = ada
        .send(
            Request::get(search_url("hopper"))
                .header("hx-request", "true")
                .header("hx-boosted", "true")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(select(&boosted.fragment(), "h1").len(), 1);
}

#[tokio::test]
async fn blank_queries_and_lone_exclusions_show_the_no_query_state() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    add(
        &mut ada,
        &[("first_name", "Grace"), ("last_name", "Hopper")],
    )
    .await;

    for url in [
        "/search",
        "/search?q=",
        "/search?q=%20%20%09",
        "/search?q=%26%7C%21",
        "/search?q=-hopper",
    ] {
        let page = ada.get(url).await;
        assert_eq!(page.status, StatusCode::OK, "{url}");
        let doc = page.document();
        assert_eq!(
            select(&doc, "#search-results .empty-state .title")
                .iter()
                .map(text_of)
                .collect::<Vec<_>>(),
            ["Search your contacts"],
            "{url}"
        );
        assert!(select(&doc, ".search-hit").is_empty(), "{url}");
    }
    let fragment = results(&mut ada, "   ").await;
    assert_eq!(select(&fragment.fragment(), ".empty-state").len(), 1);
}

#[tokio::test]
async fn no_results_suggest_what_to_try() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    add(
        &mut ada,
        &[("first_name", "Grace"), ("last_name", "Hopper")],
    )
    .await;
    let (found, doc) = titles(&mut ada, "zyxwvut").await;
    assert!(found.is_empty());
    assert_eq!(summary(&doc), "0 results for “zyxwvut”.");
    let empty = select(&doc, ".empty-state")[0].html();
    assert!(empty.contains("spelling"), "{empty}");
    assert_eq!(select(&doc, ".empty-state a[href='/contacts']").len(), 1);
}

#[tokio::test]
async fn a_few_results_offer_the_correction() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    add(
        &mut ada,
        &[("first_name", "Grace"), ("notes", "Met smtih at the fair.")],
    )
    .await;
    for i in 0..3 {
        let email = format!("john{i}@example.test");
        add(
            &mut ada,
            &[
                ("first_name", "John"),
                ("last_name", "Smith"),
                ("email", &email),
            ],
        )
        .await;
    }
    let (found, doc) = titles(&mut ada, "smtih").await;
    assert_eq!(found, ["Grace"]);
    let suggestion = &select(&doc, ".search-summary a")[0];
    assert_eq!(text_of(suggestion), "smith");
    assert_eq!(suggestion.attr("href"), Some("/search?q=smith"));
    assert_eq!(titles(&mut ada, "smith").await.0.len(), 3);
}

#[tokio::test]
async fn an_overlong_query_gets_a_message_not_an_error() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    let query = "word ".repeat(60);
    for response in [
        results(&mut ada, &query).await,
        ada.get(&search_url(&query)).await,
    ] {
        assert_eq!(response.status, StatusCode::OK);
        let text = summary(&response.fragment());
        assert!(
            text.contains("300 characters long") && text.contains("at most 200"),
            "{text}"
        );
    }
}

#[tokio::test]
async fn results_come_in_bounded_pages_with_the_total() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    let owner: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'ada@example.com'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    sqlx::query(
        "INSERT INTO contacts (owner_id, first_name, email) \
         SELECT $1, 'Pat', 'pat' || n || '@pages.test' FROM generate_series(1, 45) AS n",
    )
    .bind(owner)
    .execute(&app.db.pool)
    .await
    .unwrap();
    let first = ada.get(&search_url("test")).await.document();
    assert_eq!(summary(&first), "45 results for “test”.");
    assert_eq!(select(&first, ".search-hit").len(), 20);
    assert_eq!(
        text_of(&select(&first, ".search-pages span")[0]),
        "Page 1 of 3"
    );
    let next = select(&first, ".search-pages a[rel=next]")[0]
        .attr("href")
        .unwrap()
        .to_owned();
    assert_eq!(next, "/search?q=test&page=2");

    let last = ada.get("/search?q=test&page=3").await.document();
    assert_eq!(select(&last, ".search-hit").len(), 5);
    assert!(select(&last, ".search-pages a[rel=next]").is_empty());
    // The pages do not overlap: together they hold every match once.
    let mut links = std::collections::HashSet::new();
    for page in 1..=3 {
        let doc = ada
            .get(&format!("/search?q=test&page={page}"))
            .await
            .document();
        for link in select(&doc, ".search-hit a.title") {
            assert!(
                links.insert(link.attr("href").unwrap().to_owned()),
                "page {page}"
            );
        }
    }
    assert_eq!(links.len(), 45);
    // Past the last page: a way back, not an error.
    let past = ada.get("/search?q=test&page=4").await;
    assert_eq!(past.status, StatusCode::OK);
    assert!(
        past.text().contains("There are no more results"),
        "{}",
        past.text()
    );

    for bad in ["0", "x", "251", "-1"] {
        let response = ada.get(&format!("/search?q=test&page={bad}")).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(response.text().contains("pages numbered 1 to 250"), "{bad}");
    }
}

/// Runs `insert`, an `INSERT INTO contacts` whose owner is `$1`, for `email`'s account: many
/// contacts in one statement, in the order the statement gives them.
async fn insert_contacts(app: &TestApp, email: &str, insert: &str) {
    let owner: uuid::Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    sqlx::query(insert)
        .bind(owner)
        .execute(&app.db.pool)
        .await
        .unwrap();
}

/// The titles of the results on `page` of the plain page for `query`.
async fn titles_on_page(client: &mut TestClient<'_>, query: &str, page: u32) -> Vec<String> {
    let doc = client
        .get(&format!("{}&page={page}", search_url(query)))
        .await
        .document();
    select(&doc, ".search-hit a.title")
        .iter()
        .map(text_of)
        .collect()
}

#[tokio::test]
async fn name_matches_come_first_however_many_other_matches_are_found_before_them() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    // More notes that mention the word than are ever put in order, stored first, then company
    // matches, then the two name matches: ranking the first matches found would miss them.
    insert_contacts(
        &app,
        "ada@example.com",
        "INSERT INTO contacts (owner_id, first_name, notes) \
         SELECT $1, 'Note' || lpad(n::text, 4, '0'), 'Met Hopper at a conference.' \
         FROM generate_series(1, 1200) AS n",
    )
    .await;
    insert_contacts(
        &app,
        "ada@example.com",
        "INSERT INTO contacts (owner_id, first_name, company) \
         SELECT $1, 'Co' || lpad(n::text, 2, '0'), 'Hopper Labs' FROM generate_series(1, 30) AS n",
    )
    .await;
    add(
        &mut ada,
        &[
            ("first_name", "Zed"),
            ("last_name", "Hopper"),
            ("company", "Delta"),
        ],
    )
    .await;
    add(
        &mut ada,
        &[
            ("first_name", "Yan"),
            ("last_name", "Hopper"),
            ("company", "Navy Yard"),
        ],
    )
    .await;
    let companies = |range: std::ops::RangeInclusive<u32>| range.map(|n| format!("Co{n:02}"));
    let notes = |range: std::ops::RangeInclusive<u32>| range.map(|n| format!("Note{n:04}"));

    // Names, then address and company, then notes; by name within each.
    let (first, doc) = titles(&mut ada, "hopper").await;
    let expected: Vec<String> = ["Yan Hopper".to_owned(), "Zed Hopper".to_owned()]
        .into_iter()
        .chain(companies(1..=18))
        .collect();
    assert_eq!(first, expected);
    assert_eq!(summary(&doc), "More than 1,000 results for “hopper”.");
    // A page that crosses from one tier to the next holds the rest of one and the start of
    // the other.
    let second: Vec<String> = companies(19..=30).chain(notes(1..=8)).collect();
    assert_eq!(titles_on_page(&mut ada, "hopper", 2).await, second);
    let third: Vec<String> = notes(9..=28).collect();
    assert_eq!(titles_on_page(&mut ada, "hopper", 3).await, third);

    // A left-out word leaves out a name match too: its company has it.
    let (without, _) = titles(&mut ada, "hopper -navy").await;
    let expected: Vec<String> = ["Zed Hopper".to_owned()]
        .into_iter()
        .chain(companies(1..=19))
        .collect();
    assert_eq!(without, expected);
    // Words across the name and the company rank with the company matches, above the notes.
    let (across, _) = titles(&mut ada, "zed delta").await;
    assert_eq!(across, ["Zed Hopper"]);
    let (phrase, _) = titles(&mut ada, "\"hopper labs\"").await;
    assert_eq!(phrase, companies(1..=20).collect::<Vec<_>>());
}

#[tokio::test]
async fn the_total_is_exact_up_to_a_thousand_then_more_than_that() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    insert_contacts(
        &app,
        "ada@example.com",
        "INSERT INTO contacts (owner_id, first_name, email) \
         SELECT $1, 'Pat', 'pat' || n || '@count.test' FROM generate_series(1, 1000) AS n",
    )
    .await;
    let count = |doc: &Html| text_of(&select(doc, ".search-section .count")[0]);
    let pages = |doc: &Html| text_of(&select(doc, ".search-pages span")[0]);

    let (_, doc) = titles(&mut ada, "count").await;
    assert_eq!(summary(&doc), "1,000 results for “count”.");
    assert_eq!(count(&doc), "(1,000 contacts)");
    assert_eq!(pages(&doc), "Page 1 of 50");

    add(
        &mut ada,
        &[("first_name", "Pat"), ("email", "pat1001@count.test")],
    )
    .await;
    let (_, doc) = titles(&mut ada, "count").await;
    assert_eq!(summary(&doc), "More than 1,000 results for “count”.");
    assert_eq!(count(&doc), "(more than 1,000)");
    assert_eq!(pages(&doc), "Page 1 of 50");
    // The pages end where the count does: the 50th is full, the 51st is past the end.
    assert_eq!(titles_on_page(&mut ada, "count", 50).await.len(), 20);
    let past = ada.get(&format!("{}&page=51", search_url("count"))).await;
    assert_eq!(past.status, StatusCode::OK);
    assert!(past.text().contains("There are no more results"));
}

#[tokio::test]
async fn every_page_has_a_search_box_for_signed_in_users() {
    let app = TestApp::new().await;
    let visitor = app.get("/").await.document();
    assert!(select(&visitor, "header form[role=search]").is_empty());
    assert!(app.get("/search?q=x").await.status.is_redirection());

    let mut ada = app.signed_in("ada@example.com").await;
    for path in ["/", "/contacts", "/account"] {
        let doc = ada.get(path).await.document();
        let forms = select(
            &doc,
            "header form[role=search][method=get][action='/search']",
        );
        assert_eq!(forms.len(), 1, "{path}");
        assert_eq!(
            select(&doc, "header label[for=site-search-q]").len(),
            1,
            "{path}"
        );
        assert_eq!(
            select(&doc, "header input#site-search-q[name=q][type=search]").len(),
            1
        );
    }
    // The search page has its own box, so the header leaves its out.
    let doc = ada.get("/search").await.document();
    assert!(select(&doc, "header form[role=search]").is_empty());
}

#[tokio::test]
async fn the_vocabulary_follows_changes_to_contacts() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    add(
        &mut ada,
        &[
            ("first_name", "Jonathan"),
            ("last_name", "Harker"),
            ("company", "Exeter Law"),
        ],
    )
    .await;
    let words = |app: &TestApp| {
        let pool = app.db.pool.clone();
        async move {
            sqlx::query_scalar::<_, String>("SELECT word FROM search_words ORDER BY word")
                .fetch_all(&pool)
                .await
                .unwrap()
        }
    };
    assert_eq!(words(&app).await, ["exeter", "harker", "jonathan", "law"]);

    let (_, doc) = titles(&mut ada, "harker").await;
    let link = select(&doc, ".search-hit a.title")[0]
        .attr("href")
        .unwrap()
        .to_owned();
    let edited = ada
        .post(&link, &[("first_name", "Mina"), ("last_name", "Harker")])
        .await;
    assert_eq!(edited.status, StatusCode::SEE_OTHER, "{}", edited.text());
    assert_eq!(words(&app).await, ["harker", "mina"]);
    assert_eq!(titles(&mut ada, "hraker").await.0, ["Mina Harker"]);

    let deleted = ada.post(&format!("{link}/delete"), &[]).await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER, "{}", deleted.text());
    assert!(words(&app).await.is_empty());
}

#[tokio::test]
async fn malformed_query_strings_get_a_page_not_a_crash() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    // Bytes that are not UTF-8, or a stray %, are read leniently and searched for.
    for url in ["/search?q=%FF%FE", "/search?q=%"] {
        let response = ada.get(url).await;
        assert_eq!(response.status, StatusCode::OK, "{url}");
        assert_eq!(
            select(&response.document(), "#search-results").len(),
            1,
            "{url}"
        );
    }
    // A parameter given twice is a request no form of ours sends: a 400 page.
    for url in ["/search?q=a&q=b", "/search?q=x&page=1&page=2"] {
        let response = ada.get(url).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{url}");
        assert!(response.is_html(), "{url}");
    }
}

#[tokio::test]
async fn after_a_correction_the_words_as_typed_are_one_link_away() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    add(&mut ada, &[("first_name", "John"), ("last_name", "Smith")]).await;

    let (found, doc) = titles(&mut ada, "jonh").await;
    assert_eq!(found, ["John Smith"]);
    let instead = select(&doc, ".search-instead a");
    assert_eq!(instead.len(), 1);
    assert_eq!(
        text_of(&select(&doc, ".search-instead")[0]),
        "Search instead for jonh"
    );
    let href = instead[0].attr("href").unwrap().to_owned();
    assert_eq!(href, "/search?q=jonh&as_typed=true");

    // The words as typed: nothing found, and no correction offered again.
    let doc = ada.get(&href).await.document();
    assert!(select(&doc, ".search-hit").is_empty());
    assert!(select(&doc, ".search-instead").is_empty());
    assert!(
        !summary(&doc).contains("Showing results"),
        "{}",
        summary(&doc)
    );
    // Without a correction there is nothing to search instead.
    let (_, doc) = titles(&mut ada, "john").await;
    assert!(select(&doc, ".search-instead").is_empty());
}
