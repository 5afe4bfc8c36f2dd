//! The jobs table's claims: one worker per job, leases that lapse, and outcomes recorded only
//! by the claim that still holds the job.

use crate::common;

use app::{
    contacts,
    jobs::db::{self, Enqueued, NewJob},
};
use common::TestDatabase;
use serde_json::json;

async fn status(db: &TestDatabase, id: uuid::Uuid) -> (String, i32) {
    sqlx::query_as("SELECT status::text, attempts FROM jobs WHERE id = $1")
        .bind(id)
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_job_is_claimed_once_and_a_stale_claim_records_nothing() {
    let db = TestDatabase::new().await;
    let mut conn = db.pool.acquire().await.unwrap();
    let Enqueued::New(id) = db::enqueue(&mut conn, &NewJob::new(&contacts::export::KIND))
        .await
        .unwrap()
    else {
        panic!("a job without a key is always new");
    };
    drop(conn);

    let first = db::claim_next(&db.pool, 30.0, None).await.unwrap().unwrap();
    assert_eq!((first.id, first.attempts), (id, 1));
    // Claimed and leased: no one else gets it.
    assert!(
        db::claim_next(&db.pool, 30.0, None)
            .await
            .unwrap()
            .is_none()
    );

    // The lease lapses (its instance stalled); another worker takes the job over.
    sqlx::query("UPDATE jobs SET locked_until = now() - interval '1 second'")
        .execute(&db.pool)
        .await
        .unwrap();
    let second = db::claim_next(&db.pool, 30.0, None).await.unwrap().unwrap();
    assert_eq!((second.id, second.attempts), (id, 2));

    // The first worker wakes up: nothing it does applies any more.
    assert!(!db::renew(&db.pool, &first, 30.0).await.unwrap());
    assert!(
        !db::set_progress(&db.pool, &first, 5, Some(10))
            .await
            .unwrap()
    );
    assert!(
        !db::mark_done(&db.pool, &first, &json!({"rows": 1}))
            .await
            .unwrap()
    );
    assert!(!db::mark_failed(&db.pool, &first, "late").await.unwrap());
    assert!(
        !db::schedule_retry(&db.pool, &first, 1.0, "late")
            .await
            .unwrap()
    );
    assert_eq!(status(&db, id).await, ("running".into(), 2));

    // The second one's do.
    assert!(db::renew(&db.pool, &second, 30.0).await.unwrap());
    assert!(
        db::mark_done(&db.pool, &second, &json!({"rows": 1}))
            .await
            .unwrap()
    );
    assert_eq!(status(&db, id).await, ("done".into(), 2));
}

#[tokio::test]
async fn a_lapsed_job_on_its_last_attempt_fails_instead_of_running_again() {
    let db = TestDatabase::new().await;
    let mut conn = db.pool.acquire().await.unwrap();
    let id = db::enqueue(&mut conn, &NewJob::new(&contacts::export::KIND))
        .await
        .unwrap()
        .id();
    drop(conn);
    sqlx::query("UPDATE jobs SET max_attempts = 1")
        .execute(&db.pool)
        .await
        .unwrap();
    db::claim_next(&db.pool, 30.0, None).await.unwrap().unwrap();
    // Its instance dies on every attempt (say, out of memory): once is the limit.
    sqlx::query("UPDATE jobs SET locked_until = now() - interval '1 second'")
        .execute(&db.pool)
        .await
        .unwrap();
    assert!(
        db::claim_next(&db.pool, 30.0, None)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(status(&db, id).await, ("running".into(), 1));
    // The worker records it failed, and learns which it was to tell its kind.
    let failed = db::fail_exhausted(&db.pool, None).await.unwrap();
    assert_eq!(failed.iter().map(|job| job.id).collect::<Vec<_>>(), [id]);
    assert_eq!(status(&db, id).await, ("failed".into(), 1));
    assert!(db::fail_exhausted(&db.pool, None).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_unique_key_allows_one_job_under_way_at_a_time() {
    let db = TestDatabase::new().await;
    let mut conn = db.pool.acquire().await.unwrap();
    let job = NewJob {
        unique_key: Some("ada".into()),
        ..NewJob::new(&contacts::export::KIND)
    };
    let first = db::enqueue(&mut conn, &job).await.unwrap();
    assert!(matches!(first, Enqueued::New(_)));
    assert_eq!(
        db::enqueue(&mut conn, &job).await.unwrap(),
        Enqueued::Existing(first.id())
    );
    let other = NewJob {
        unique_key: Some("bob".into()),
        ..NewJob::new(&contacts::export::KIND)
    };
    assert!(matches!(
        db::enqueue(&mut conn, &other).await.unwrap(),
        Enqueued::New(_)
    ));

    sqlx::query("UPDATE jobs SET status = 'done', finished_at = now() WHERE id = $1")
        .bind(first.id())
        .execute(&db.pool)
        .await
        .unwrap();
    assert!(matches!(
        db::enqueue(&mut conn, &job).await.unwrap(),
        Enqueued::New(_)
    ));
}

#[tokio::test]
async fn a_claim_for_one_kind_leaves_the_others_queued() {
    let db = TestDatabase::new().await;
    let mut conn = db.pool.acquire().await.unwrap();
    let export = db::enqueue(&mut conn, &NewJob::new(&contacts::export::KIND))
        .await
        .unwrap()
        .id();
    drop(conn);
    let delivery = Some(app::email::jobs::DELIVERY.name());
    assert!(
        db::claim_next(&db.pool, 30.0, delivery)
            .await
            .unwrap()
            .is_none()
    );
    let export_kind = Some(contacts::export::KIND.name());
    let claimed = db::claim_next(&db.pool, 30.0, export_kind).await.unwrap();
    assert_eq!(claimed.map(|job| job.id), Some(export));
}
