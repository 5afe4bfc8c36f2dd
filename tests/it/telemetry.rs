//! Traces, end to end: the app runs as its own process with `OTEL_EXPORTER_OTLP_ENDPOINT`
//! pointing at an OTLP/HTTP receiver this test starts, which decodes what arrives with the
//! protocol's own types. A request carrying a `traceparent` must come back as the request's
//! span in that trace, named by its route, with the database statements, the outgoing HTTP
//! call (whose `traceparent` a second peer records) and the job it queued under it; and the
//! JSON log lines written meanwhile carry the trace's id.

use crate::common;

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::IntoResponse,
    routing::{get, post},
};
use common::{TestDatabase, instances::Instance};
use opentelemetry_proto::tonic::{
    collector::trace::v1::{ExportTraceServiceRequest, ExportTraceServiceResponse},
    common::v1::{AnyValue, KeyValue, any_value::Value},
    trace::v1::span::SpanKind,
};
use prost::Message;

/// The caller's trace, as a load balancer or another service would send it.
const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN_ID: &str = "00f067aa0ba902b7";

/// A span as received, with what the assertions need.
#[derive(Debug, Clone)]
struct Received {
    service: String,
    trace_id: String,
    span_id: String,
    parent_span_id: String,
    name: String,
    kind: SpanKind,
    attributes: Vec<KeyValue>,
}

impl Received {
    fn attribute(&self, key: &str) -> Option<String> {
        let value = self
            .attributes
            .iter()
            .find(|kv| kv.key == key)?
            .value
            .as_ref()?;
        text_of(value)
    }
}

fn text_of(value: &AnyValue) -> Option<String> {
    match value.value.as_ref()? {
        Value::StringValue(text) => Some(text.clone()),
        Value::IntValue(number) => Some(number.to_string()),
        _ => None,
    }
}

type Spans = Arc<Mutex<Vec<Received>>>;

/// The OTLP/HTTP receiver: `POST /v1/traces` with a protobuf `ExportTraceServiceRequest`.
async fn receive(State(spans): State<Spans>, headers: HeaderMap, body: Bytes) -> impl IntoResponse {
    assert_eq!(
        headers.get(header::CONTENT_TYPE).unwrap(),
        "application/x-protobuf"
    );
    let request = ExportTraceServiceRequest::decode(body).unwrap();
    let mut received = spans.lock().unwrap();
    for resource_spans in request.resource_spans {
        let service = resource_spans
            .resource
            .iter()
            .flat_map(|resource| &resource.attributes)
            .find(|kv| kv.key == "service.name")
            .and_then(|kv| text_of(kv.value.as_ref()?))
            .unwrap_or_default();
        for span in resource_spans
            .scope_spans
            .into_iter()
            .flat_map(|scope| scope.spans)
        {
            received.push(Received {
                service: service.clone(),
                trace_id: hex::encode(&span.trace_id),
                span_id: hex::encode(&span.span_id),
                parent_span_id: hex::encode(&span.parent_span_id),
                name: span.name.clone(),
                kind: span.kind(),
                attributes: span.attributes,
            });
        }
    }
    (
        [(header::CONTENT_TYPE, "application/x-protobuf")],
        ExportTraceServiceResponse::default().encode_to_vec(),
    )
}

/// A Pwned Passwords range server that knows no breach and records each `traceparent`.
async fn range(State(seen): State<Arc<Mutex<Vec<String>>>>, headers: HeaderMap) -> String {
    let traceparent = headers
        .get("traceparent")
        .map(|value| value.to_str().unwrap().to_owned())
        .unwrap_or_default();
    seen.lock().unwrap().push(traceparent);
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0".to_owned()
}

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    url
}

/// Waits until the spans received satisfy `done`; the batch is sent every 100 ms here.
async fn spans_until(spans: &Spans, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let received = spans.lock().unwrap().clone();
        if done(&received) || Instant::now() > deadline {
            return received;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_requests_trace_reaches_the_collector_and_is_carried_on_to_the_services_it_calls() {
    let spans: Spans = Arc::default();
    let collector = serve(
        Router::new()
            .route("/v1/traces", post(receive))
            .with_state(spans.clone()),
    )
    .await;
    let range_requests = Arc::new(Mutex::new(Vec::new()));
    let pwned = serve(
        Router::new()
            .route("/range/{prefix}", get(range))
            .with_state(range_requests.clone()),
    )
    .await;
    let db = TestDatabase::new().await;
    let app = Instance::start(&[
        ("DATABASE_URL", &db.url),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &collector),
        ("OTEL_SERVICE_NAME", "starter-under-test"),
        ("OTEL_BSP_SCHEDULE_DELAY", "100"),
        ("PWNED_PASSWORDS", "on"),
        ("PWNED_PASSWORDS_URL", &pwned),
        ("LOG_FORMAT", "json"),
    ]);

    // Signing up checks the password with the range server and queues the confirmation mail.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let signed_up = http
        .post(app.url("/register"))
        .header("traceparent", format!("00-{TRACE_ID}-{CALLER_SPAN_ID}-01"))
        .header("sec-fetch-site", "same-origin")
        .header("origin", app.url(""))
        .form(&[
            ("email", "ada@example.com"),
            ("password", "a safe new passphrase"),
            ("password_confirmation", "a safe new passphrase"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_up.status(), StatusCode::OK);
    // A route with a parameter is named by its template, never by the id in the URL.
    let contact = http
        .get(app.url("/contacts/7f1e3c3a-1d2b-4c5d-8e9f-0a1b2c3d4e5f"))
        .send()
        .await
        .unwrap();
    assert!(contact.status().is_redirection(), "{}", contact.status());

    let received = spans_until(&spans, |spans| {
        spans.iter().any(|span| span.name == "GET /contacts/{id}")
            && spans
                .iter()
                .any(|span| span.trace_id == TRACE_ID && span.name.starts_with("job "))
    })
    .await;
    let in_trace: Vec<&Received> = received
        .iter()
        .filter(|span| span.trace_id == TRACE_ID)
        .collect();
    let names: Vec<&str> = in_trace.iter().map(|span| span.name.as_str()).collect();

    let request = in_trace
        .iter()
        .find(|span| span.kind == SpanKind::Server)
        .unwrap_or_else(|| panic!("no request span in the caller's trace: {names:?}"));
    assert_eq!(request.name, "POST /register");
    assert_eq!(request.parent_span_id, CALLER_SPAN_ID);
    assert_eq!(request.service, "starter-under-test");
    assert_eq!(
        request.attribute("http.route").as_deref(),
        Some("/register")
    );
    assert_eq!(
        request.attribute("http.response.status_code").as_deref(),
        Some("200")
    );

    let client = in_trace
        .iter()
        .find(|span| span.kind == SpanKind::Client && span.name == "GET")
        .unwrap_or_else(|| panic!("no outgoing HTTP span: {names:?}"));
    assert_eq!(
        range_requests.lock().unwrap().as_slice(),
        [format!("00-{TRACE_ID}-{}-01", client.span_id)],
        "the range server got the trace on, from the HTTP client's span"
    );
    assert!(
        in_trace
            .iter()
            .any(
                |span| span.attribute("db.system.name").as_deref() == Some("postgresql")
                    && span.name.starts_with("INSERT INTO users")
            ),
        "no span for the statement creating the user: {names:?}"
    );
    let job = in_trace
        .iter()
        .find(|span| span.name == "job email-delivery")
        .unwrap_or_else(|| panic!("the queued mail's job is not in the trace: {names:?}"));
    assert_eq!(job.kind, SpanKind::Consumer);

    let other = received
        .iter()
        .find(|span| span.name == "GET /contacts/{id}")
        .unwrap();
    assert_ne!(
        other.trace_id, TRACE_ID,
        "a request without traceparent starts its own trace"
    );

    // The JSON log lines of the request lead to its trace.
    let output = app.output();
    let logged = output
        .lines()
        .filter(|line| line.starts_with('{'))
        .find(|line| {
            line.contains(r#""message":"finished processing request""#) && line.contains(TRACE_ID)
        })
        .unwrap_or_else(|| panic!("no response line carries the trace id:\n{output}"));
    let line: serde_json::Value = serde_json::from_str(logged).unwrap();
    assert_eq!(line["trace_id"], TRACE_ID);
    assert_eq!(line["span_id"], request.span_id.as_str());
}
