//! Two instances of the app (separate processes of the real binary) sharing one PostgreSQL
//! database and one Valkey (`redis-server`), as behind a load balancer: sessions, logouts,
//! rate limits and live events must behave as if there were one, including across a Valkey
//! restart.
//!
//! Each test has its own database, its own Valkey on a free port and its own instances.
//! Needs `redis-server` (`apt-get install redis-server`) besides PostgreSQL.

use crate::common;

use std::time::Duration;

use app::auth::db::Role;
use common::{
    TestDatabase,
    accounts::create_user,
    events::{EventStream, Item},
    instances::{Instance, WebClient},
    valkey::TestValkey,
};
use reqwest::StatusCode;
use uuid::Uuid;

/// Far longer than an announcement through pub/sub takes, far shorter than the copies' time
/// to live (`SESSION_CACHE_SECS=60` below): what passes within it was not a cache expiring.
const AT_ONCE: Duration = Duration::from_secs(2);

/// One Valkey, one database, two instances on them.
struct Cluster {
    valkey: TestValkey,
    db: TestDatabase,
    a: Instance,
    b: Instance,
}

impl Cluster {
    /// Both instances get `extra` besides the shared database and Valkey. Sessions and users
    /// are cached for a minute, so that only an announcement can end a session elsewhere
    /// within [`AT_ONCE`].
    async fn start(extra: &[(&str, &str)]) -> Self {
        let valkey = TestValkey::start();
        let db = TestDatabase::new().await;
        let url = valkey.url();
        let mut env = vec![
            ("DATABASE_URL", db.url.as_str()),
            ("VALKEY_URL", url.as_str()),
            ("SESSION_CACHE_SECS", "60"),
        ];
        env.extend_from_slice(extra);
        let a = Instance::start(&env);
        let b = Instance::start(&env);
        Self { valkey, db, a, b }
    }

    /// A confirmed account with the fixtures' password; its id.
    async fn user(&self, email: &str) -> Uuid {
        create_user(&self.db.pool, email, Role::User).await;
        sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
            .bind(email)
            .fetch_one(&self.db.pool)
            .await
            .unwrap()
    }

    /// A client logged in as a new account through `on`; the account's id.
    async fn signed_in(&self, email: &str, on: &Instance) -> (WebClient, Uuid) {
        let id = self.user(email).await;
        let client = WebClient::new();
        client.log_in(on, email).await;
        (client, id)
    }

    /// Publishes an event for `user` exactly as `Live::send` on any instance does: through
    /// Valkey, on `user:{id}`. Returns how many instances were subscribed.
    async fn publish(&self, user: Uuid, event: &str, html: &str) -> i64 {
        let message = serde_json::json!({ "event": event, "html": html, "origin": null });
        let mut connection = self
            .valkey
            .client()
            .get_multiplexed_async_connection()
            .await
            .unwrap();
        redis::cmd("PUBLISH")
            .arg(format!("user:{user}"))
            .arg(message.to_string())
            .query_async(&mut connection)
            .await
            .unwrap()
    }
}

/// Opens `GET /live` on `on` and reads its hello.
async fn live(client: &WebClient, on: &Instance) -> EventStream {
    let response = client.open(&on.url("/live")).await;
    let mut stream = EventStream::from_response(response);
    stream.hello().await;
    stream
}

/// Whether `url` sends `client` to the login page within [`AT_ONCE`] (asked every 50 ms).
async fn soon_redirects_to_login(client: &WebClient, url: &str) -> bool {
    let deadline = tokio::time::Instant::now() + AT_ONCE;
    loop {
        if client.get(url).await.redirects_to_login() {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_session_started_on_one_instance_works_on_the_other() {
    let cluster = Cluster::start(&[]).await;
    let (ada, _) = cluster.signed_in("ada@example.com", &cluster.a).await;

    for path in ["/account", "/contacts"] {
        let page = ada.get(&cluster.b.url(path)).await;
        assert_eq!(
            page.status,
            StatusCode::OK,
            "{path} on B: {:?}",
            page.headers
        );
        assert!(page.body.contains("ada@example.com"), "{path} on B");
    }
    // And a stranger is still sent to the login page there.
    let page = WebClient::new().get(&cluster.b.url("/account")).await;
    assert!(page.redirects_to_login(), "{}", page.status);
}

#[tokio::test]
async fn logging_out_on_one_instance_ends_the_session_on_the_other_at_once() {
    let cluster = Cluster::start(&[]).await;
    let (ada, _) = cluster.signed_in("ada@example.com", &cluster.a).await;
    // B now holds a copy of the session (for a minute, by SESSION_CACHE_SECS).
    assert_eq!(
        ada.get(&cluster.b.url("/account")).await.status,
        StatusCode::OK
    );
    // The cookie as it was: a second tab, or a copy someone kept.
    let kept = ada.copy();

    let page = ada.post(&cluster.a.url("/logout"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);

    assert!(
        soon_redirects_to_login(&kept, &cluster.b.url("/account")).await,
        "B still honours the session ended on A"
    );
    assert!(
        ada.get(&cluster.b.url("/account"))
            .await
            .redirects_to_login()
    );
    assert!(
        kept.get(&cluster.a.url("/account"))
            .await
            .redirects_to_login()
    );
}

#[tokio::test]
async fn logging_out_other_sessions_ends_them_on_every_instance_at_once() {
    let cluster = Cluster::start(&[]).await;
    cluster.user("ada@example.com").await;
    let laptop = WebClient::new();
    laptop.log_in(&cluster.a, "ada@example.com").await;
    let phone = WebClient::new();
    phone.log_in(&cluster.b, "ada@example.com").await;
    // Both instances hold copies of both sessions and of the user.
    for client in [&laptop, &phone] {
        for instance in [&cluster.a, &cluster.b] {
            let page = client.get(&instance.url("/account")).await;
            assert_eq!(page.status, StatusCode::OK);
        }
    }

    let page = phone
        .post(&cluster.b.url("/account/sessions/end-others"), &[])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.header("location"), Some("/account"));

    for instance in [&cluster.a, &cluster.b] {
        assert!(
            soon_redirects_to_login(&laptop, &instance.url("/account")).await,
            "the other session still works on {}",
            instance.url("")
        );
    }
    // The session that asked goes on, on both.
    for instance in [&cluster.a, &cluster.b] {
        let page = phone.get(&instance.url("/account")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", instance.url(""));
    }
}

#[tokio::test]
async fn failed_logins_on_both_instances_count_against_one_budget() {
    let cluster = Cluster::start(&[]).await;
    // Login: 30 per address per 15 minutes and 30 per IP per 5 minutes (auth::rate_limits).
    // Both instances see the test as 127.0.0.1. Alone, each would allow 30: 60 in all.
    const LIMIT: usize = 30;
    let client = WebClient::new();
    let form = [
        ("email", "nobody@example.com"),
        ("password", "wrong password"),
    ];
    for attempt in 0..LIMIT {
        let instance = if attempt % 2 == 0 {
            &cluster.a
        } else {
            &cluster.b
        };
        let page = client.post(&instance.url("/login"), &form).await;
        assert_eq!(
            page.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "attempt {} on {}",
            attempt + 1,
            instance.url("")
        );
    }
    for instance in [&cluster.a, &cluster.b] {
        let page = client.post(&instance.url("/login"), &form).await;
        assert_eq!(
            page.status,
            StatusCode::TOO_MANY_REQUESTS,
            "past the combined limit on {}",
            instance.url("")
        );
        assert!(page.header("retry-after").is_some());
    }
}

#[tokio::test]
async fn an_address_has_one_budget_on_every_instance_and_valkey_never_holds_it_in_clear() {
    // Each attempt comes from another client behind the proxy, so only the per-address
    // budget (30 per 15 minutes) is spent: by the same address, through both instances.
    let cluster = Cluster::start(&[("CLIENT_IP_SOURCE", "RightmostXForwardedFor")]).await;
    const LIMIT: usize = 30;
    let client = WebClient::new();
    let form = [
        ("email", "Ada.Lovelace@example.com"),
        ("password", "wrong password"),
    ];
    for attempt in 0..=LIMIT {
        let instance = if attempt % 2 == 0 {
            &cluster.a
        } else {
            &cluster.b
        };
        let client_ip = format!("198.51.100.{attempt}");
        let page = client
            .post_forwarded_for(&instance.url("/login"), &form, &client_ip)
            .await;
        let expected = if attempt < LIMIT {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(page.status, expected, "attempt {}", attempt + 1);
    }

    let mut valkey = cluster
        .valkey
        .client()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("rate-limit:*")
        .query_async(&mut valkey)
        .await
        .unwrap();
    // One key for the address, and keys for the client addresses: none shows either.
    let counted = |scope: &str| {
        keys.iter()
            .filter(|key| key.starts_with(&format!("rate-limit:login:{scope}:")))
            .count()
    };
    assert_eq!(counted("address"), 1, "{keys:?}");
    assert!(counted("ip") > 0, "{keys:?}");
    for key in &keys {
        // (Not "ada": it is hex, and a hash may hold it.)
        let lower = key.to_lowercase();
        assert!(
            !lower.contains("lovelace") && !key.contains('@') && !key.contains("198.51"),
            "a rate-limit key shows whom it counts: {key}"
        );
    }
}

#[tokio::test]
async fn each_users_events_reach_that_users_streams_on_every_instance_and_no_one_elses() {
    let cluster = Cluster::start(&[]).await;
    let (ada, ada_id) = cluster.signed_in("ada@example.com", &cluster.a).await;
    let (bob, bob_id) = cluster.signed_in("bob@example.com", &cluster.a).await;
    let mut ada_on_b = live(&ada, &cluster.b).await;
    let mut ada_on_a = live(&ada, &cluster.a).await;
    let mut bob_on_a = live(&bob, &cluster.a).await;

    // One subscription per instance, whatever the number of streams.
    assert_eq!(cluster.publish(ada_id, "note", "for ada").await, 2);
    for stream in [&mut ada_on_b, &mut ada_on_a] {
        let (name, data) = stream.next_event(Duration::from_secs(5)).await.unwrap();
        assert_eq!((name.as_str(), data.as_str()), ("note", "for ada"));
    }

    // Messages reach an instance in the order they were published: had Bob's stream been
    // given Ada's event, it would come before his own.
    assert_eq!(cluster.publish(bob_id, "note", "for bob").await, 1);
    let (name, data) = bob_on_a.next_event(Duration::from_secs(5)).await.unwrap();
    assert_eq!((name.as_str(), data.as_str()), ("note", "for bob"));
}

/// Blocked until contacts publish `contacts-changed` (being added on another branch): until
/// then the first assertion fails, with "no contacts-changed" in the message.
#[tokio::test]
async fn a_contact_created_through_one_instance_reaches_the_owners_streams_on_the_other() {
    let cluster = Cluster::start(&[]).await;
    let (ada, _) = cluster.signed_in("ada@example.com", &cluster.a).await;
    let (bob, bob_id) = cluster.signed_in("bob@example.com", &cluster.b).await;
    let mut ada_on_b = live(&ada, &cluster.b).await;
    let mut bob_on_a = live(&bob, &cluster.a).await;

    let page = ada
        .post(
            &cluster.a.url("/contacts"),
            &[("first_name", "Grace"), ("last_name", "Hopper")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert!(
        ada_on_b
            .wait_for("contacts-changed", Duration::from_secs(5))
            .await
            .is_some(),
        "no contacts-changed reached Ada's stream on B after she created a contact on A"
    );

    // Bob's stream saw nothing of it: the next thing it gets is what was sent to him after.
    cluster.publish(bob_id, "note", "for bob").await;
    let (name, data) = bob_on_a.next_event(Duration::from_secs(5)).await.unwrap();
    assert_eq!((name.as_str(), data.as_str()), ("note", "for bob"));

    // And the other way round: Bob's change on B reaches his stream on A.
    let page = bob
        .post(&cluster.b.url("/contacts"), &[("first_name", "Linus")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let (name, _) = bob_on_a.next_event(Duration::from_secs(5)).await.unwrap();
    assert_eq!(name, "contacts-changed");
}

#[tokio::test]
async fn an_idle_stream_gets_keep_alive_comments() {
    let cluster = Cluster::start(&[("LIVE_KEEP_ALIVE_SECS", "1")]).await;
    let (ada, _) = cluster.signed_in("ada@example.com", &cluster.a).await;
    let mut stream = live(&ada, &cluster.b).await;
    for _ in 0..2 {
        let item = stream.next_item(Duration::from_secs(3)).await;
        assert_eq!(item, Some(Item::Comment("keepalive".to_owned())));
    }
}

#[tokio::test]
async fn streams_end_when_their_session_is_logged_out_on_another_instance() {
    let cluster = Cluster::start(&[]).await;
    let (ada, _) = cluster.signed_in("ada@example.com", &cluster.a).await;
    // Another of Ada's sessions, whose stream must go on.
    let ada_elsewhere = WebClient::new();
    ada_elsewhere.log_in(&cluster.a, "ada@example.com").await;
    let mut on_b = live(&ada, &cluster.b).await;
    let mut on_a = live(&ada, &cluster.a).await;
    let mut other_session = live(&ada_elsewhere, &cluster.b).await;

    let page = ada.post(&cluster.a.url("/logout"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);

    // Each says goodbye at once (the page closes it then), and ends even if the page does not.
    for (stream, on) in [(&mut on_b, "B"), (&mut on_a, "A")] {
        assert!(
            stream
                .wait_for("signed-out", Duration::from_secs(3))
                .await
                .is_some(),
            "the stream on {on} outlived the session logged out on A"
        );
    }
    assert!(
        on_b.ends_within(Duration::from_secs(7)).await,
        "the stream on B did not end"
    );
    // Still open: nothing, not even the end, arrives while the test waits a little.
    assert!(
        other_session
            .next_within(Duration::from_millis(300))
            .await
            .is_err(),
        "another session's stream ended or got something"
    );
}

#[tokio::test]
async fn a_user_gets_at_most_the_configured_streams_per_instance() {
    let cluster = Cluster::start(&[
        ("LIVE_MAX_STREAMS_PER_USER", "2"),
        // A stream the client dropped is noticed at the next write: soon.
        ("LIVE_KEEP_ALIVE_SECS", "1"),
    ])
    .await;
    let (ada, _) = cluster.signed_in("ada@example.com", &cluster.a).await;
    let first = live(&ada, &cluster.a).await;
    let _second = live(&ada, &cluster.a).await;

    let third = ada.open(&cluster.a.url("/live")).await;
    assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(third.headers().get("retry-after").is_some());
    drop(third);
    // The count is per instance.
    let _on_b = live(&ada, &cluster.b).await;
    // Another user is not concerned.
    let (bob, _) = cluster.signed_in("bob@example.com", &cluster.a).await;
    let _bob = live(&bob, &cluster.a).await;

    drop(first);
    let mut reopened = None;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while reopened.is_none() && tokio::time::Instant::now() < deadline {
        let response = ada.open(&cluster.a.url("/live")).await;
        match response.status() {
            StatusCode::OK => reopened = Some(EventStream::from_response(response)),
            StatusCode::TOO_MANY_REQUESTS => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            status => panic!("unexpected {status}"),
        }
    }
    let mut reopened = reopened.expect("no stream could open after one was closed");
    reopened.hello().await;
}

#[tokio::test]
async fn while_valkey_is_down_pages_and_login_work_and_events_resume_when_it_is_back() {
    let mut cluster = Cluster::start(&[]).await;
    let (ada, ada_id) = cluster.signed_in("ada@example.com", &cluster.a).await;
    cluster.user("bob@example.com").await;
    let mut stream = live(&ada, &cluster.b).await;
    assert_eq!(cluster.publish(ada_id, "note", "before").await, 1);
    assert_eq!(
        stream.next_event(Duration::from_secs(5)).await,
        Some(("note".to_owned(), "before".to_owned()))
    );

    cluster.valkey.stop();

    for instance in [&cluster.a, &cluster.b] {
        let page = ada.get(&instance.url("/account")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", instance.url(""));
    }
    let bob = WebClient::new();
    bob.log_in(&cluster.b, "bob@example.com").await;
    let page = bob.get(&cluster.a.url("/contacts")).await;
    assert_eq!(page.status, StatusCode::OK);
    let page = bob
        .post(
            &cluster.a.url("/login"),
            &[("email", "bob@example.com"), ("password", "wrong password")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);

    cluster.valkey.start_again();

    // B's subscriber reconnects with backoff (at most 5 s between attempts); until then a
    // publish reaches nobody, so publish until one arrives.
    let mut resync = false;
    let mut after = false;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while !(resync && after) && tokio::time::Instant::now() < deadline {
        if !after {
            cluster.publish(ada_id, "note", "after").await;
        }
        while let Ok(item) = stream.next_within(Duration::from_millis(300)).await {
            match item {
                Some(Item::Event { name, data }) => match name.as_str() {
                    "resync" => resync = true,
                    "note" if data == "after" => after = true,
                    _ => panic!("unexpected event {name}: {data}"),
                },
                Some(Item::Comment(_)) => {}
                None => panic!("the stream ended during the outage"),
            }
        }
    }
    assert!(resync, "no resync event after Valkey came back");
    assert!(
        after,
        "events did not reach the stream after Valkey came back"
    );
}
