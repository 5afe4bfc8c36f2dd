//! The sessions page: each signed-in session with its device and network, this one marked;
//! ending one (everywhere, streams included; another user's is a 404); "last used" written
//! at most every few minutes; and the new-device notice.

use crate::common;

use app::web::public_id::PublicId;
use std::time::Duration;

use axum::http::{StatusCode, header::USER_AGENT};
use common::{
    TestApp, TestClient, TestResponse,
    accounts::{PASSWORD, redirects_to_login},
    requests, select, text_of,
};
use uuid::Uuid;

const FIREFOX: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
const NOTICE: &str = "A new sign-in to your account";

/// A client at `ip` whose browser sends `user_agent`, signed in as `email`.
async fn sign_in<'a>(app: &'a TestApp, email: &str, user_agent: &str, ip: &str) -> TestClient<'a> {
    let mut client = app.client();
    client.ip = ip.parse().unwrap();
    let response = log_in(&mut client, email, user_agent).await;
    assert_eq!(
        response.status,
        StatusCode::SEE_OTHER,
        "{}",
        response.text()
    );
    client
}

async fn log_in(client: &mut TestClient<'_>, email: &str, user_agent: &str) -> TestResponse {
    let mut request = requests::post("/login", &[("email", email), ("password", PASSWORD)]);
    request
        .headers_mut()
        .insert(USER_AGENT, user_agent.parse().unwrap());
    client.send(request).await
}

/// The rows of the user's sessions: (id, device), newest first.
async fn rows(app: &TestApp, email: &str) -> Vec<(Uuid, String)> {
    sqlx::query_as(
        "SELECT us.id, us.device FROM user_sessions us JOIN users u ON u.id = us.user_id \
         WHERE u.email = $1 ORDER BY us.created_at DESC",
    )
    .bind(email)
    .fetch_all(&app.state.db)
    .await
    .unwrap()
}

async fn row_of(app: &TestApp, email: &str, device: &str) -> Uuid {
    rows(app, email)
        .await
        .into_iter()
        .find(|(_, label)| label == device)
        .unwrap_or_else(|| panic!("no {device} session of {email}"))
        .0
}

fn notices(mail: &[(String, String)]) -> Vec<&String> {
    mail.iter()
        .filter(|(subject, _)| subject == NOTICE)
        .map(|(_, text)| text)
        .collect()
}

#[tokio::test]
async fn the_page_lists_each_session_with_its_device_and_network_and_marks_this_one() {
    let app = TestApp::new().await;
    app.confirmed_user("ada@example.com").await;
    let mut laptop = sign_in(&app, "ada@example.com", FIREFOX, "203.0.113.77").await;
    let _phone = sign_in(&app, "ada@example.com", IPHONE, "2001:db8:1:2::5").await;

    let account = laptop.get("/account").await;
    assert_eq!(account.status, StatusCode::OK);
    let doc = account.document();
    assert_eq!(select(&doc, "main a[href='/account/sessions']").len(), 1);
    let end_others = select(&doc, "form[action='/account/sessions/end-others'] button");
    assert!(text_of(&end_others[0]).starts_with("End all others"));
    assert_eq!(select(&doc, "main a[href='/account/delete']").len(), 1);

    let page = laptop.get("/account/sessions").await;
    assert_eq!(page.status, StatusCode::OK);
    let doc = page.document();
    let cards = select(&doc, "main ul.session-list > li.session-card");
    assert_eq!(cards.len(), 2, "{}", page.text());
    let text = page.text();
    assert!(text.contains("Firefox on Windows"), "{text}");
    assert!(text.contains("Safari on iPhone"), "{text}");
    assert!(text.contains("203.0.113.0/24"), "{text}");
    assert!(text.contains("2001:db8:1::/48"), "{text}");
    // Never the full address, nor the sessions' own ids (their cookies' secret).
    assert!(!text.contains("203.0.113.77"));
    assert!(!text.contains("2001:db8:1:2"));
    for (name, value) in &laptop.cookies {
        assert!(
            !text.contains(value.as_str()),
            "the {name} cookie is on the page"
        );
    }
    // This one is marked and has no button; the other has one, labelled for screen readers.
    let current = select(&doc, "li.session-card.__current");
    assert_eq!(current.len(), 1);
    assert!(text_of(&current[0]).contains("Firefox on Windows"));
    assert!(text_of(&current[0]).contains("This device"));
    assert!(select(&doc, "li.session-card.__current form").is_empty());
    let phone_row = row_of(&app, "ada@example.com", "Safari on iPhone").await;
    let end = select(
        &doc,
        &format!(
            "li.session-card form[method=post][action='/account/sessions/{}/end'] button",
            PublicId(phone_row)
        ),
    );
    assert_eq!(end.len(), 1);
    assert!(
        end[0]
            .attr("aria-label")
            .unwrap()
            .contains("Safari on iPhone")
    );
    assert_eq!(
        select(&doc, "form[action='/account/sessions/end-others']").len(),
        1
    );
}

#[tokio::test]
async fn ending_a_session_signs_it_out_and_closes_its_streams() {
    let app = TestApp::new().await;
    app.confirmed_user("ada@example.com").await;
    let mut laptop = sign_in(&app, "ada@example.com", FIREFOX, "203.0.113.77").await;
    let mut phone = sign_in(&app, "ada@example.com", IPHONE, "198.51.100.4").await;
    let (status, mut phone_tab) = phone.open_stream("/live").await;
    assert_eq!(status, StatusCode::OK);
    phone_tab
        .expect_event("stream", Duration::from_secs(3))
        .await;
    let phone_row = row_of(&app, "ada@example.com", "Safari on iPhone").await;

    let ended = laptop
        .post(&format!("/account/sessions/{phone_row}/end"), &[])
        .await;
    assert_eq!(ended.status, StatusCode::SEE_OTHER);
    assert_eq!(ended.header("location"), Some("/account/sessions"));
    phone_tab
        .expect_event("signed-out", Duration::from_secs(3))
        .await;
    assert!(redirects_to_login(&phone.get("/account").await));

    let page = laptop.get("/account/sessions").await;
    let text = page.text();
    assert!(text.contains("That session was signed out."), "{text}");
    assert!(!text.contains("Safari on iPhone"), "{text}");
    assert_eq!(
        select(&page.document(), "li.session-card").len(),
        1,
        "{text}"
    );
    // Ending it again says it is over, and ends nothing else.
    let again = laptop
        .post(&format!("/account/sessions/{phone_row}/end"), &[])
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(laptop.get("/account").await.status, StatusCode::OK);
    // A session the row outlives is remembered, not listed.
    assert_eq!(rows(&app, "ada@example.com").await.len(), 2);
}

#[tokio::test]
async fn another_users_session_is_a_404_and_stays_signed_in() {
    let app = TestApp::new().await;
    app.confirmed_user("ada@example.com").await;
    app.confirmed_user("bob@example.com").await;
    let mut ada = sign_in(&app, "ada@example.com", FIREFOX, "203.0.113.77").await;
    let mut bob = sign_in(&app, "bob@example.com", IPHONE, "198.51.100.4").await;
    let bobs = row_of(&app, "bob@example.com", "Safari on iPhone").await;

    for path in [
        format!("/account/sessions/{bobs}/end"),
        format!("/account/sessions/{}/end", Uuid::new_v4()),
        "/account/sessions/not-an-id/end".to_owned(),
    ] {
        let response = ada.post(&path, &[]).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{path}");
        assert!(response.is_html());
    }
    assert_eq!(bob.get("/account").await.status, StatusCode::OK);
    assert!(!ada.get("/account/sessions").await.text().contains("iPhone"));

    // Signed out, the page and the form send to the login page.
    let mut anonymous = app.client();
    assert!(redirects_to_login(
        &anonymous.get("/account/sessions").await
    ));
    let response = anonymous
        .post(&format!("/account/sessions/{bobs}/end"), &[])
        .await;
    assert!(redirects_to_login(&response));
    assert_eq!(bob.get("/account").await.status, StatusCode::OK);
}

#[tokio::test]
async fn ending_a_session_from_another_site_is_refused() {
    let app = TestApp::new().await;
    app.confirmed_user("ada@example.com").await;
    let mut laptop = sign_in(&app, "ada@example.com", FIREFOX, "203.0.113.77").await;
    let mut phone = sign_in(&app, "ada@example.com", IPHONE, "198.51.100.4").await;
    let phone_row = row_of(&app, "ada@example.com", "Safari on iPhone").await;

    let mut request = requests::post(&format!("/account/sessions/{phone_row}/end"), &[]);
    let headers = request.headers_mut();
    headers.insert("origin", "https://evil.example".parse().unwrap());
    headers.insert("sec-fetch-site", "cross-site".parse().unwrap());
    let response = laptop.send(request).await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    assert_eq!(phone.get("/account").await.status, StatusCode::OK);
}

#[tokio::test]
async fn ending_this_session_from_the_list_logs_it_out() {
    let app = TestApp::new().await;
    app.confirmed_user("ada@example.com").await;
    let mut laptop = sign_in(&app, "ada@example.com", FIREFOX, "203.0.113.77").await;
    let mine = row_of(&app, "ada@example.com", "Firefox on Windows").await;
    let response = laptop
        .post(&format!("/account/sessions/{mine}/end"), &[])
        .await;
    assert_eq!(response.status, StatusCode::SEE_OTHER);
    assert!(redirects_to_login(&laptop.get("/account").await));
}

#[tokio::test]
async fn after_a_password_change_only_this_session_is_listed() {
    let app = TestApp::new().await;
    app.confirmed_user("ada@example.com").await;
    let mut laptop = sign_in(&app, "ada@example.com", FIREFOX, "203.0.113.77").await;
    let mut phone = sign_in(&app, "ada@example.com", IPHONE, "198.51.100.4").await;

    let changed = laptop.change_password("a brand new passphrase").await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER);
    assert!(redirects_to_login(&phone.get("/account").await));

    // This session took a new id with the new epoch; its row follows it.
    let page = laptop.get("/account/sessions").await;
    let doc = page.document();
    let cards = select(&doc, "li.session-card");
    assert_eq!(cards.len(), 1, "{}", page.text());
    assert!(text_of(&cards[0]).contains("This device"));
    assert!(text_of(&cards[0]).contains("Firefox on Windows"));

    // "End all others" from the page ends the rest.
    let mut tablet = app.client();
    tablet.ip = "198.51.100.9".parse().unwrap();
    let mut request = requests::post(
        "/login",
        &[
            ("email", "ada@example.com"),
            ("password", "a brand new passphrase"),
        ],
    );
    request
        .headers_mut()
        .insert(USER_AGENT, IPHONE.parse().unwrap());
    assert_eq!(tablet.send(request).await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        select(
            &laptop.get("/account/sessions").await.document(),
            "li.session-card"
        )
        .len(),
        2
    );
    let ended = laptop.post("/account/sessions/end-others", &[]).await;
    assert_eq!(ended.status, StatusCode::SEE_OTHER);
    assert!(redirects_to_login(&tablet.get("/account").await));
    let page = laptop.get("/account/sessions").await;
    assert_eq!(select(&page.document(), "li.session-card").len(), 1);
}

#[tokio::test]
async fn last_used_is_written_at_most_every_few_minutes_per_session() {
    let app = TestApp::new().await;
    app.confirmed_user("ada@example.com").await;
    let mut laptop = sign_in(&app, "ada@example.com", FIREFOX, "203.0.113.77").await;
    let row = row_of(&app, "ada@example.com", "Firefox on Windows").await;
    let an_hour_ago =
        "UPDATE user_sessions SET last_seen_at = now() - interval '1 hour' WHERE id = $1";
    sqlx::query(an_hour_ago)
        .bind(row)
        .execute(&app.state.db)
        .await
        .unwrap();
    let last_seen = || async {
        sqlx::query_scalar::<_, bool>(
            "SELECT last_seen_at > now() - interval '1 minute' FROM user_sessions WHERE id = $1",
        )
        .bind(row)
        .fetch_one(&app.state.db)
        .await
        .unwrap()
    };

    // Page views right after signing in write nothing: the sign-in was the last write.
    for _ in 0..5 {
        assert_eq!(laptop.get("/account").await.status, StatusCode::OK);
    }
    assert!(!last_seen().await, "a page view wrote the last use");
    let page = laptop.get("/account/sessions").await;
    assert!(page.text().contains("Now"));

    // An instance that has not written it lately (here: another one) writes it once.
    let other = app.another_instance();
    let router = app::with_middleware(app::routes(), other);
    let cookie = laptop
        .cookies
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("; ");
    let request = || {
        axum::http::Request::get("/account")
            .header("cookie", &cookie)
            .extension(axum::extract::ConnectInfo(std::net::SocketAddr::from((
                [203, 0, 113, 77],
                40000,
            ))))
            .body(axum::body::Body::empty())
            .unwrap()
    };
    use tower::ServiceExt;
    let response = router.clone().oneshot(request()).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(last_seen().await, "the last use was not written");
    sqlx::query(an_hour_ago)
        .bind(row)
        .execute(&app.state.db)
        .await
        .unwrap();
    for _ in 0..3 {
        let response = router.clone().oneshot(request()).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    assert!(
        !last_seen().await,
        "the last use was written twice within minutes"
    );
}

#[tokio::test]
async fn a_sign_in_from_a_new_device_is_noticed_by_mail() {
    let app = TestApp::new().await;
    app.registered("ada@example.com").await;

    // The very first sign-in is not news; the same device again is not either.
    let _first = sign_in(&app, "ada@example.com", FIREFOX, "203.0.113.77").await;
    let _again = sign_in(&app, "ada@example.com", FIREFOX, "203.0.113.99").await;
    assert!(notices(&app.mail_to("ada@example.com").await).is_empty());

    let _phone = sign_in(&app, "ada@example.com", IPHONE, "198.51.100.4").await;
    let mail = app.mail_to("ada@example.com").await;
    let sent = notices(&mail);
    assert_eq!(sent.len(), 1);
    assert!(sent[0].contains("Safari on iPhone"), "{}", sent[0]);
    assert!(sent[0].contains("198.51.100.0/24"), "{}", sent[0]);
    assert!(!sent[0].contains("198.51.100.4"), "{}", sent[0]);
    assert!(sent[0].contains("http://localhost:3000/account/sessions"));
    assert!(sent[0].contains("http://localhost:3000/password/forgot"));

    // The same browser over IPv6 is another way in.
    let _v6 = sign_in(&app, "ada@example.com", FIREFOX, "2001:db8:1:2::5").await;
    assert_eq!(notices(&app.mail_to("ada@example.com").await).len(), 2);

    // A device not used for longer than the app remembers is new again.
    sqlx::query("UPDATE user_sessions SET last_seen_at = now() - interval '100 days'")
        .execute(&app.state.db)
        .await
        .unwrap();
    let _back = sign_in(&app, "ada@example.com", IPHONE, "198.51.100.4").await;
    assert_eq!(notices(&app.mail_to("ada@example.com").await).len(), 3);
}

#[tokio::test]
async fn a_user_agent_is_shown_escaped() {
    let app = TestApp::new().await;
    app.confirmed_user("ada@example.com").await;
    let mut laptop = sign_in(&app, "ada@example.com", FIREFOX, "203.0.113.77").await;
    let _odd = sign_in(
        &app,
        "ada@example.com",
        "<script>alert(1)</script>/1.0",
        "198.51.100.4",
    )
    .await;
    let page = laptop.get("/account/sessions").await;
    assert!(select(&page.document(), "main script").is_empty());
    assert_eq!(select(&page.document(), "li.session-card").len(), 2);
}
