//! The operations dashboard: administrators only, its panels, the instances' heartbeats, and
//! the failed job retried (it runs again) or discarded from it, with who and when recorded.

use crate::common;

use app::{
    AppState,
    auth::{
        db::Role,
        emails::{self, PasswordReset},
    },
    dashboard::fields::ids,
    email::{self, db::EmailStatus},
    jobs::Worker,
    monitoring::instances,
};
use axum::http::{Method, StatusCode};
use common::{TestApp, accounts::redirects_to_login, select, text_of};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

const PATH: &str = "/admin/dashboard";

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
        select(&document, ".wide-nav a[href='/admin/dashboard']").len(),
        1,
        "the admin navigation links to it"
    );
    let services: Vec<String> = select(&document, ".service-list li")
        .iter()
        .map(text_of)
        .collect();
    assert!(
        services.contains(&"PostgreSQL up".to_owned()),
        "{services:?}"
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

    // The page polls its panels, and gets them alone, to swap in.
    let polling = select(&document, "#dashboard-panels");
    let polling = polling[0].value();
    assert_eq!(polling.attr("data-hx-get"), Some(PATH));
    assert_eq!(polling.attr("data-hx-trigger"), Some("every 15s"));
    assert_eq!(polling.attr("data-hx-swap"), Some("innerHTML"));
    let panels = root.htmx(Method::GET, PATH, Some(ids::PANELS), &[]).await;
    assert_eq!(panels.status, StatusCode::OK);
    assert!(!panels.text().contains("<html"));
    assert_eq!(select(&panels.document(), "h2").len(), 5);
}

#[tokio::test]
async fn a_failed_job_retried_from_the_dashboard_runs_again() {
    let app = app_with_admin().await;
    let (job, message) = failed_delivery(&app.state).await;
    let mut root = app.logged_in("root@example.com", false).await;
    let page = root.get(PATH).await;
    let retry = format!("{PATH}/jobs/{job}/retry");
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
