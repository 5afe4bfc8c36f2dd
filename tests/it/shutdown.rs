//! Graceful shutdown: a request in flight when the signal arrives still gets its answer.

use crate::common;

use std::time::Duration;

use app::{AppState, server::serve};
use axum::routing::get;
use common::{TestDatabase, test_config};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn an_in_flight_request_finishes_after_shutdown_begins() {
    let db = TestDatabase::new().await;
    let state = AppState::new(test_config(&[]), db.pool.clone()).unwrap();
    let (entered_tx, entered) = tokio::sync::oneshot::channel::<()>();
    let entered_tx = std::sync::Arc::new(std::sync::Mutex::new(Some(entered_tx)));
    let routes = app::routes().route(
        "/test/slow",
        get(move || {
            if let Some(tx) = entered_tx.lock().unwrap().take() {
                let _ = tx.send(());
            }
            async {
                tokio::time::sleep(Duration::from_millis(800)).await;
                "finished"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(
        listener,
        app::with_middleware(routes, state),
        async {
            let _ = stopped.await;
        },
        Duration::from_secs(10),
    ));

    let client = tokio::spawn(async move {
        let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
        stream
            .write_all(b"GET /test/slow HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).await.unwrap();
        response
    });

    entered.await.unwrap();
    stop.send(()).unwrap();
    // New connections are refused once shutdown has begun...
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(tokio::net::TcpStream::connect(address).await.is_err());

    // ...but the one in flight gets its full answer, and then the server exits.
    let response = client.await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.ends_with("finished"), "{response}");
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server did not exit after the in-flight request")
        .unwrap()
        .unwrap();
}
