//! The operations dashboard: administrators only, its panels, the instances' heartbeats and
//! each one's traffic, the failed job retried (it runs again) or discarded from it, with who
//! and when recorded, the live refetch over the administrators' event stream, and (the app's
//! binary, with `SLOW_QUERY_MS=0`) the slow queries with their routes and the services'
//! "since", as `/metrics` has them.

use crate::common;

use app::web::public_id::PublicId;
use app::{
    AppState,
    auth::{
        db::Role,
        emails::{self, PasswordReset},
    },
    dashboard,
    dashboard::fields::ids,
    email::{self, db::EmailStatus},
    jobs::Worker,
    monitoring::instances,
};
use axum::http::{Method, StatusCode};
use common::{TestApp, accounts::redirects_to_login, select, text_of};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

const PATH: &str = "/admin/dashboard";
const SOON: Duration = Duration::from_secs(3);
const QUIET: Duration = Duration::from_millis(400);

async fn app_with_admin() -> TestApp {
    let app = TestApp::new().await;
    app.user_with_role("root@example.com", Role::Admin).await;
    app.confirmed_user("lee@example.com").await;
    app
}

/// A password-reset message whose delivery job failed for good; the job's id.
async fn failed_delivery(state: &AppState) -> (Uuid, Uuid) {
    let mut tx = state.db.begin().await.unwrap();
    let content = emails::password_reset(&PasswordReset {
        name: None,
        link: &state.mailer.url("/password/reset?token=abc"),
    });
    let message = state
        .mailer
        .enqueue(&mut tx, "ada@example.com".parse().unwrap(), content)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let job: Uuid = sqlx::query_scalar(
        "UPDATE jobs SET status = 'failed', attempts = max_attempts, finished_at = now(),
             last_error = 'SMTP said <no>' WHERE kind = 'email-delivery' RETURNING id",
    )
    .fetch_one(&state.db)
    .await
    .unwrap();
    sqlx::query("UPDATE email_outbox SET status = 'failed', last_error = 'SMTP said <no>'")
        .execute(&state.db)
        .await
        .unwrap();
    (job, message)
}

#[tokio::test]
async fn only_administrators_see_the_dashboard() {
    let app = app_with_admin().await;
    assert!(redirects_to_login(&app.get(PATH).await));
    let mut lee = app.logged_in("lee@example.com", false).await;
    assert_eq!(lee.get(PATH).await.status, StatusCode::FORBIDDEN);
    let (job, _) = failed_delivery(&app.state).await;
    let retry = lee.post(&format!("{PATH}/jobs/{job}/retry"), &[]).await;
    assert_eq!(retry.status, StatusCode::FORBIDDEN);
    let discard = lee.post(&format!("{PATH}/jobs/{job}/discard"), &[]).await;
    assert_eq!(discard.status, StatusCode::FORBIDDEN);
    let status: String = sqlx::query_scalar("SELECT status::text FROM jobs WHERE id = $1")
        .bind(job)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(status, "failed");

    let mut root = app.logged_in("root@example.com", false).await;
    let page = root.get(PATH).await;
    assert_eq!(page.status, StatusCode::OK);
    let document = page.document();
    let headings: Vec<String> = select(&document, "h2").iter().map(text_of).collect();
    assert_eq!(
        headings,
        [
            "Traffic, all instances",
            "Routes, last hour",
            "Slow queries",
            "Instances",
            "Jobs and mail",
            "Services"
        ]
    );
    assert_eq!(
        select(&document, "figure.line-chart svg[role=img]").len(),
        3
    );
    assert_eq!(
        select(&document, ".site-menu nav a[href='/admin/dashboard']").len(),
        1,
        "the admin navigation links to it"
    );
    let services: Vec<String> = select(&document, ".service-list li")
        .iter()
        .map(text_of)
        .collect();
    assert!(
        services
            .iter()
            .any(|service| service.starts_with("PostgreSQL up since ")),
        "{services:?}"
    );
    assert_eq!(
        select(&document, ".service-list li time[datetime]").len(),
        2,
        "PostgreSQL and the local folder have a since: {services:?}"
    );
    assert!(
        services.contains(&"SMTP not configured: dev mailbox".to_owned()),
        "{services:?}"
    );
    assert!(
        services.contains(&"Breached-password service off".to_owned()),
        "{services:?}"
    );
    // The failed job with its error, escaped.
    assert!(page.text().contains("SMTP said &lt;no&gt;"));

    // The page fetches its panels again on the live event, and gets them alone, to swap in;
    // without JavaScript, a link reloads it.
    let refetch = select(&document, "#dashboard-panels");
    let refetch = refetch[0].value();
    assert_eq!(refetch.attr("data-hx-get"), Some(PATH));
    assert_eq!(
        refetch.attr("data-hx-trigger"),
        Some("sse:dashboard-changed, sse:resync")
    );
    assert_eq!(refetch.attr("data-hx-swap"), Some("innerHTML"));
    assert_eq!(
        select(&document, ".heading a[href='/admin/dashboard']").len(),
        1
    );
    let panels = root.htmx(Method::GET, PATH, Some(ids::PANELS), &[]).await;
    assert_eq!(panels.status, StatusCode::OK);
    assert!(!panels.text().contains("<html"));
    assert_eq!(select(&panels.document(), "h2").len(), 6);
}

#[tokio::test]
async fn the_open_dashboard_is_told_to_refetch_over_the_administrators_stream_only() {
    let app = app_with_admin().await;
    let mut root = app.logged_in("root@example.com", false).await;
    let mut lee = app.logged_in("lee@example.com", false).await;
    let (status, mut root_stream) = root.open_stream("/live").await;
    assert_eq!(status, StatusCode::OK);
    root_stream.expect_event("stream", SOON).await;
    let (status, mut lee_stream) = lee.open_stream("/live").await;
    assert_eq!(status, StatusCode::OK);
    lee_stream.expect_event("stream", SOON).await;

    // Nobody has the dashboard open: no tick.
    assert!(!dashboard::live::tick(&app.state).await);
    // A user who is refused the page does not open it either.
    assert_eq!(lee.get(PATH).await.status, StatusCode::FORBIDDEN);
    assert!(!dashboard::live::tick(&app.state).await);

    assert_eq!(root.get(PATH).await.status, StatusCode::OK);
    assert!(dashboard::live::tick(&app.state).await);
    root_stream
        .expect_event(dashboard::fields::events::CHANGED, SOON)
        .await;
    assert_eq!(
        lee_stream.next_event(QUIET).await,
        None,
        "a user who is not an administrator got the administrators' event"
    );
    // One tick a tick, however many instances look (they share the limiter).
    assert!(!dashboard::live::tick(&app.state).await);

    // The panels it then fetches are the fragment.
    let panels = root.htmx(Method::GET, PATH, Some(ids::PANELS), &[]).await;
    assert_eq!(panels.status, StatusCode::OK);
    assert!(!panels.text().contains("<html"));
}

#[tokio::test]
async fn a_failed_job_retried_from_the_dashboard_runs_again() {
    let app = app_with_admin().await;
    let (job, message) = failed_delivery(&app.state).await;
    let mut root = app.logged_in("root@example.com", false).await;
    let page = root.get(PATH).await;
    let retry = format!("{PATH}/jobs/{}/retry", PublicId(job));
    assert_eq!(
        select(&page.document(), &format!("form[action='{retry}'] button")).len(),
        1
    );

    let answer = root.post(&retry, &[]).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(answer.header("location"), Some(PATH));
    let (who, action): (String, String) =
        sqlx::query_as("SELECT admin_email, action FROM job_actions WHERE job_id = $1")
            .bind(job)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!(
        (who.as_str(), action.as_str()),
        ("root@example.com", "retry")
    );

    let ran = Worker::new(app.state.clone())
        .only(&email::jobs::DELIVERY)
        .run_due(&CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(ran, 1);
    let status: String = sqlx::query_scalar("SELECT status::text FROM jobs WHERE id = $1")
        .bind(job)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(status, "done");
    let sent = email::db::find(&app.state.db, message).await.unwrap();
    assert_eq!(sent.status, EmailStatus::Sent);

    // Twice is once: the job is not failed any more.
    let again = root.post(&retry, &[]).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    let page = root.get(PATH).await;
    assert!(
        page.text().contains("not failed any more"),
        "{}",
        page.text()
    );
    let actions: i64 = sqlx::query_scalar("SELECT count(*) FROM job_actions")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(actions, 1);
}

#[tokio::test]
async fn a_failed_job_discarded_is_gone_and_the_discard_recorded() {
    let app = app_with_admin().await;
    let (job, _) = failed_delivery(&app.state).await;
    let mut root = app.logged_in("root@example.com", false).await;
    let answer = root.post(&format!("{PATH}/jobs/{job}/discard"), &[]).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs WHERE id = $1")
        .bind(job)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(left, 0);
    let page = root.get(PATH).await;
    let rows: Vec<String> = select(
        &page.document(),
        "[aria-label='Recent actions on jobs'] tbody tr",
    )
    .iter()
    .map(text_of)
    .collect();
    assert_eq!(rows.len(), 1);
    assert!(rows[0].contains("root@example.com") && rows[0].contains("discard"));
    assert!(rows[0].contains(&job.to_string()));
    // Another id, or one that does not parse: nothing to act on.
    let unknown = root
        .post(&format!("{PATH}/jobs/{}/discard", Uuid::new_v4()), &[])
        .await;
    assert_eq!(unknown.status, StatusCode::SEE_OTHER);
    let malformed = root.post(&format!("{PATH}/jobs/nope/discard"), &[]).await;
    assert_eq!(malformed.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn every_running_instance_appears_and_a_stopped_one_drops_off() {
    let app = app_with_admin().await;
    let other = AppState::new(common::test_config(&[]), app.state.db.clone()).unwrap();
    instances::beat(&app.state).await.unwrap();
    instances::beat(&other).await.unwrap();
    let mut root = app.logged_in("root@example.com", false).await;
    let rows = |page: &common::TestResponse| {
        select(&page.document(), "[aria-label='Instances'] tbody tr").len()
    };
    assert_eq!(rows(&root.get(PATH).await), 2);

    // Silent for longer than a heartbeat allows: stopped.
    sqlx::query("UPDATE instances SET seen_at = now() - interval '1 minute' WHERE id = $1")
        .bind(other.instance.id)
        .execute(&app.state.db)
        .await
        .unwrap();
    let page = root.get(PATH).await;
    assert_eq!(rows(&page), 1);
    assert!(page.text().contains("(this one)"));
    // A stopped instance's traffic is the fleet's, said so.
    let gone = root
        .get(&format!("{PATH}?instance={}", other.instance.id))
        .await;
    assert_eq!(gone.status, StatusCode::OK);
    assert!(gone.text().contains("not running any more"));
    let heading = select(&gone.document(), "#dashboard-traffic")
        .iter()
        .map(text_of)
        .collect::<String>();
    assert_eq!(heading, "Traffic, all instances");
    // An id that is not one: a 400 page, not a 500.
    let malformed = root.get(&format!("{PATH}?instance=nope")).await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn each_instance_has_its_own_traffic_charts() {
    let app = app_with_admin().await;
    let other = AppState::new(common::test_config(&[]), app.state.db.clone()).unwrap();
    // The other instance served 120 requests in the last minute, this one none.
    let at = time::OffsetDateTime::now_utc()
        .unix_timestamp()
        .div_euclid(60)
        - 1;
    let mut buckets = vec![0_u64; app::monitoring::BUCKETS.len() + 1];
    buckets[0] = 120;
    let minute = app::monitoring::traffic::Minute {
        at,
        requests: 120,
        errors: 0,
        buckets,
    };
    instances::beat(&app.state).await.unwrap();
    instances::beat(&other).await.unwrap();
    sqlx::query("UPDATE instances SET traffic = $1 WHERE id = $2")
        .bind(serde_json::to_value(vec![minute]).unwrap())
        .bind(other.instance.id)
        .execute(&app.state.db)
        .await
        .unwrap();
    let mut root = app.logged_in("root@example.com", false).await;
    let requests_per_second = |page: &common::TestResponse| {
        select(&page.document(), "figure.line-chart .legend strong")
            .first()
            .map(text_of)
            .unwrap()
    };

    let fleet = root.get(PATH).await;
    let document = fleet.document();
    let picker: Vec<String> = select(&document, "nav.instance-picker a")
        .iter()
        .map(text_of)
        .collect();
    assert_eq!(picker.len(), 3, "all, and each instance: {picker:?}");
    assert_eq!(
        select(&document, "nav.instance-picker a[aria-current=page]")
            .iter()
            .map(text_of)
            .collect::<Vec<_>>(),
        ["All instances"]
    );
    assert_eq!(requests_per_second(&fleet), "2.00/s");

    let url = format!("{PATH}?instance={}", other.instance.id);
    let theirs = root.get(&url).await;
    assert_eq!(theirs.status, StatusCode::OK);
    let document = theirs.document();
    assert_eq!(
        select(&document, "figure.line-chart svg[role=img]").len(),
        3
    );
    assert_eq!(requests_per_second(&theirs), "2.00/s");
    // The page keeps to the instance when it fetches its panels again.
    let refetch = select(&document, "#dashboard-panels");
    assert_eq!(refetch[0].value().attr("data-hx-get"), Some(url.as_str()));
    let ours = root
        .get(&format!("{PATH}?instance={}", app.state.instance.id))
        .await;
    let heading = select(&ours.document(), "#dashboard-traffic")
        .iter()
        .map(text_of)
        .collect::<String>();
    assert!(heading.ends_with("(this one)"), "{heading}");
    assert_eq!(requests_per_second(&ours), "–");
}

/// The app's binary, where SQLx's statement events reach the slow-query layer: with
/// `SLOW_QUERY_MS=0` every statement is slow, and the dashboard lists the login's with its
/// route, never a value; `/metrics` counts them, and says since when PostgreSQL is up, as the
/// page does.
#[tokio::test]
async fn slow_queries_show_with_their_route_and_services_since_when_as_metrics_say() {
    use common::{
        TestDatabase,
        accounts::create_user,
        instances::{Instance, WebClient},
        valkey::free_port,
    };
    let db = TestDatabase::new().await;
    create_user(&db.pool, "root@example.com", Role::Admin).await;
    let metrics_address = format!("127.0.0.1:{}", free_port());
    let app = Instance::start(&[
        ("DATABASE_URL", db.url.as_str()),
        ("METRICS_ADDR", metrics_address.as_str()),
        ("SLOW_QUERY_MS", "0"),
    ]);
    let root = WebClient::new();
    root.log_in(&app, "root@example.com").await;
    let page = root.get(&app.url(PATH)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let document = scraper::Html::parse_document(&page.body);
    let rows: Vec<String> = select(&document, "[aria-label='Slow queries'] tbody tr")
        .iter()
        .map(text_of)
        .collect();
    // The latest first: this request's own statements, the instances' among them, with
    // their route; the literals written in a statement are left out too.
    assert!(
        rows.iter().any(|row| row.starts_with("/admin/dashboard")
            && row.contains("FROM instances WHERE seen_at > now() - make_interval(secs => $1)")),
        "{rows:?}"
    );
    assert!(
        rows.iter()
            .any(|row| row.contains("WHERE status IN (?, ?)")),
        "{rows:?}"
    );
    assert!(!page.body.contains("'waiting'"));
    assert!(
        !page.body.contains("root@example.com</code>"),
        "a value was shown"
    );
    assert!(page.body.contains("0 ms or longer"));

    let text = reqwest::get(format!("http://{metrics_address}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let samples = app::monitoring::exposition::parse(&text).unwrap();
    let value = |name: &str, labels: &[(&str, &str)]| {
        samples
            .iter()
            .find(|sample| {
                sample.name == name
                    && labels
                        .iter()
                        .all(|(label, value)| sample.label(label) == Some(value))
            })
            .map(|sample| sample.value)
    };
    assert!(
        value(app::monitoring::SLOW_QUERIES, &[("http_route", "/login")]).unwrap_or(0.0) >= 1.0,
        "{text}"
    );
    assert_eq!(
        value(
            app::monitoring::SERVICE_STATE,
            &[("service", "postgresql"), ("state", "up")]
        ),
        Some(1.0)
    );
    assert_eq!(
        value(
            app::monitoring::SERVICE_STATE,
            &[("service", "postgresql"), ("state", "down")]
        ),
        Some(0.0)
    );
    let since = value(
        app::monitoring::SERVICE_STATE_SINCE,
        &[("service", "postgresql")],
    )
    .unwrap();
    let since = time::OffsetDateTime::from_unix_timestamp(since as i64).unwrap();
    let shown = select(&document, ".service-list li.__up time[datetime]")
        .first()
        .and_then(|time| time.value().attr("datetime").map(str::to_owned))
        .unwrap();
    let shown = time::OffsetDateTime::parse(&shown, &time::format_description::well_known::Rfc3339)
        .unwrap();
    assert_eq!(shown, since);
}

#[tokio::test]
async fn routes_and_server_errors_show_with_their_request_ids_and_no_addresses() {
    let routes = app::routes().route(
        "/test/boom/{id}",
        axum::routing::get(|| async {
            Err::<(), _>(app::error::AppError::Internal(anyhow::anyhow!(
                "could not mail ada@example.com"
            )))
        }),
    );
    let app = TestApp::with_routes(common::test_config(&[]), routes).await;
    app.user_with_role("root@example.com", Role::Admin).await;
    let traffic = &app.state.instance.traffic;
    traffic.sample(1);
    let mut root = app.logged_in("root@example.com", false).await;
    let mut failed = Vec::new();
    for n in 0..2 {
        let request_id = format!("boom-{n}-{}", Uuid::new_v4());
        let response = root
            .send(
                axum::http::Request::get(format!("/test/boom/{n}"))
                    .header("x-request-id", &request_id)
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(response.status, StatusCode::INTERNAL_SERVER_ERROR);
        failed.push(request_id);
    }
    traffic.sample(2);

    let page = root.get(PATH).await;
    let document = page.document();
    let failing: Vec<String> = select(
        &document,
        "[aria-label='Routes with most server errors'] tbody tr",
    )
    .iter()
    .map(text_of)
    .collect();
    assert_eq!(failing.len(), 1, "{failing:?}");
    assert!(failing[0].contains("/test/boom/{id}"), "{failing:?}");
    assert!(failing[0].contains(&failed[1]), "{failing:?}");
    let slowest: Vec<String> = select(&document, "[aria-label='Slowest routes'] tbody tr")
        .iter()
        .map(text_of)
        .collect();
    assert!(
        slowest.iter().any(|row| row.contains("/test/boom/{id}")),
        "{slowest:?}"
    );
    let latest: Vec<String> = select(&document, "[aria-label='Latest server errors'] tbody tr")
        .iter()
        .map(text_of)
        .collect();
    assert_eq!(latest.len(), 2, "{latest:?}");
    assert!(latest[0].contains(&failed[1]) && latest[0].contains("500"));
    assert!(latest[0].contains("could not mail <address>"), "{latest:?}");
    assert!(!page.text().contains("ada@example.com"));
}
