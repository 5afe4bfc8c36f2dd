//! `/metrics` as Prometheus reads it: the app's binary with `METRICS_ADDR`, driven over HTTP
//! by a known set of requests, then scraped and parsed by a strict parser of the text format
//! (`monitoring::exposition`, which fails on any line it cannot read). A process of its own,
//! because the recorder is global: requests of the other tests, run in this process at the
//! same time, would be counted with these.

use crate::common;

use app::{auth::db::Role, monitoring};
use common::{
    TestDatabase,
    accounts::create_user,
    instances::{Instance, WebClient},
    valkey::free_port,
};
use monitoring::exposition::{self, Sample};
use reqwest::StatusCode;
use uuid::Uuid;

/// The samples of `/metrics` on `address`.
async fn scrape(address: &str) -> Vec<Sample> {
    let response = reqwest::get(format!("http://{address}/metrics"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"].to_str().unwrap();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let text = response.text().await.unwrap();
    exposition::parse(&text).unwrap_or_else(|error| panic!("{error}\n{text}"))
}

/// The requests counted for `route`, `method` and `status`, after checking that their
/// histogram's buckets are cumulative and end at `+Inf` with the count.
fn requests(samples: &[Sample], route: &str, method: &str, status: &str) -> f64 {
    let series = |suffix: &str| {
        let name = format!("{}{suffix}", monitoring::HTTP_REQUEST_DURATION);
        samples
            .iter()
            .filter(move |sample| {
                sample.name == name
                    && sample.label("http_route") == Some(route)
                    && sample.label("http_request_method") == Some(method)
                    && sample.label("http_response_status_code") == Some(status)
            })
            .cloned()
            .collect::<Vec<_>>()
    };
    let count = series("_count").first().map_or(0.0, |sample| sample.value);
    let buckets = series("_bucket");
    if count > 0.0 {
        assert!(buckets.len() > 1, "{route}: no buckets");
    }
    let bounds: Vec<f64> = buckets
        .iter()
        .filter_map(exposition::bucket_bound)
        .collect();
    assert!(
        bounds.windows(2).all(|pair| pair[0] < pair[1]),
        "{bounds:?}"
    );
    assert!(
        buckets
            .windows(2)
            .all(|pair| pair[0].value <= pair[1].value)
    );
    if let Some(last) = buckets.last() {
        assert_eq!(exposition::bucket_bound(last), Some(f64::INFINITY));
        assert_eq!(last.value, count);
    }
    count
}

fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    samples
        .iter()
        .find(|sample| {
            sample.name == name
                && labels
                    .iter()
                    .all(|(label, value)| sample.label(label) == Some(value))
        })
        .map(|sample| sample.value)
}

#[tokio::test]
async fn metrics_count_requests_by_route_template_on_their_own_listener() {
    let db = TestDatabase::new().await;
    create_user(&db.pool, "ada@example.com", Role::User).await;
    let metrics_address = format!("127.0.0.1:{}", free_port());
    let app = Instance::start(&[
        ("DATABASE_URL", db.url.as_str()),
        ("METRICS_ADDR", metrics_address.as_str()),
    ]);
    let ada = WebClient::new();

    for _ in 0..3 {
        assert_eq!(ada.get(&app.url("/login")).await.status, StatusCode::OK);
    }
    // Two contacts, two ids: one route, one label value.
    for _ in 0..2 {
        let page = ada
            .get(&app.url(&format!("/contacts/{}?tab=notes", Uuid::new_v4())))
            .await;
        assert!(page.redirects_to_login());
    }
    // A scan of made-up paths: one label value, however many paths.
    for n in 0..3 {
        let page = ada.get(&app.url(&format!("/made-up/{n}"))).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
    }
    ada.log_in(&app, "ada@example.com").await;
    let page = ada
        .get(&app.url(&format!("/contacts/{}", Uuid::new_v4())))
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    // The public port does not serve them.
    assert_eq!(
        ada.get(&app.url("/metrics")).await.status,
        StatusCode::NOT_FOUND
    );

    let samples = scrape(&metrics_address).await;
    assert_eq!(requests(&samples, "/login", "GET", "200"), 3.0);
    assert_eq!(requests(&samples, "/login", "POST", "303"), 1.0);
    assert_eq!(requests(&samples, "/contacts/{id}", "GET", "303"), 2.0);
    assert_eq!(requests(&samples, "/contacts/{id}", "GET", "404"), 1.0);
    // The made-up paths and the public /metrics.
    assert_eq!(requests(&samples, "unmatched", "GET", "404"), 4.0);
    let routes: std::collections::BTreeSet<&str> = samples
        .iter()
        .filter(|sample| sample.name.starts_with(monitoring::HTTP_REQUEST_DURATION))
        .filter_map(|sample| sample.label("http_route"))
        .collect();
    for route in &routes {
        assert!(
            *route == "unmatched" || (route.starts_with('/') && !route.contains("made-up")),
            "{route} is not a route template: {routes:?}"
        );
        assert!(!route.contains('?'), "{routes:?}");
        assert!(
            Uuid::try_parse(route.rsplit('/').next().unwrap()).is_err(),
            "{routes:?}"
        );
    }

    // Nothing is in flight on the public port while the metrics listener answers.
    assert_eq!(
        value(
            &samples,
            monitoring::HTTP_ACTIVE_REQUESTS,
            &[("http_request_method", "GET")]
        ),
        Some(0.0)
    );
    assert_eq!(
        value(
            &samples,
            monitoring::BUILD_INFO,
            &[("version", env!("CARGO_PKG_VERSION"))]
        ),
        Some(1.0)
    );
    // Read at startup by the timer.
    assert!(value(&samples, monitoring::DB_CONNECTIONS_MAX, &[]).unwrap() >= 1.0);
    assert!(value(&samples, monitoring::DB_CONNECTIONS, &[("state", "idle")]).is_some());
    assert_eq!(
        value(
            &samples,
            monitoring::JOBS,
            &[("kind", "email-delivery"), ("status", "failed")]
        ),
        Some(0.0)
    );
    assert_eq!(
        value(&samples, monitoring::EMAIL_OUTBOX, &[("status", "waiting")]),
        Some(0.0)
    );
    // The signed-in page view looked its session and user up in memory first.
    let lookups = |cache, result| {
        value(
            &samples,
            monitoring::CACHE_LOOKUPS,
            &[("cache", cache), ("result", result)],
        )
        .unwrap_or(0.0)
    };
    assert!(lookups("users", "hit") + lookups("users", "miss") >= 1.0);
    assert!(lookups("sessions", "hit") + lookups("sessions", "miss") >= 1.0);
}

/// The observability profile of `compose.yaml` and its files under `ops/observability/`,
/// read as text (there is no Docker here): every metric the Grafana dashboard and the
/// Prometheus configuration name is one the app exports, the panels are the dashboard's, the
/// images are pinned, and the addresses agree with `METRICS_ADDR` and the OTLP endpoint of
/// `.env.example` and the docs.
#[test]
fn the_observability_profile_names_only_metrics_the_app_exports() {
    let read = |path: &str| {
        std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR")))
            .unwrap_or_else(|error| panic!("{path}: {error}"))
    };

    // The dashboard: every query's metrics exist, and the panels are the operations
    // dashboard's.
    let dashboard: serde_json::Value =
        serde_json::from_str(&read("ops/observability/grafana/dashboards/app.json")).unwrap();
    let panels = dashboard["panels"].as_array().unwrap();
    let titles: Vec<&str> = panels
        .iter()
        .map(|panel| panel["title"].as_str().unwrap())
        .collect();
    for wanted in [
        "Request rate",
        "Latency",
        "Error rate",
        "Database pool",
        "Jobs",
        "Email outbox",
        "Live streams",
        "Slow queries",
        "Services",
    ] {
        assert!(titles.contains(&wanted), "no {wanted} panel: {titles:?}");
    }
    let mut queried = std::collections::BTreeSet::new();
    for panel in panels {
        assert_eq!(panel["datasource"]["uid"], "prometheus");
        for target in panel["targets"].as_array().unwrap() {
            let expr = target["expr"].as_str().unwrap();
            let names = selected_metrics(expr);
            assert!(!names.is_empty(), "{expr}: no metric selected");
            queried.extend(names);
        }
    }
    let latency = panels
        .iter()
        .find(|panel| panel["title"] == "Latency")
        .unwrap();
    let quantiles: Vec<&str> = latency["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|target| target["legendFormat"].as_str().unwrap())
        .collect();
    assert_eq!(quantiles, ["p50", "p95", "p99"]);
    let prometheus = read("ops/observability/prometheus.yml");
    queried.extend(selected_metrics(&prometheus));
    for name in &queried {
        let exported = monitoring::NAMES.contains(&name.as_str())
            || ["_bucket", "_count", "_sum"].iter().any(|suffix| {
                name.strip_suffix(suffix)
                    .is_some_and(|base| monitoring::NAMES.contains(&base))
            });
        assert!(exported, "{name} is not a metric of src/monitoring");
    }
    assert!(queried.contains("http_server_request_duration_seconds_bucket"));

    // Addresses: Prometheus scrapes METRICS_ADDR as .env.example and the docs give it; the
    // collector receives on the port of the documented OTLP endpoint; Grafana reads the
    // Prometheus and Jaeger of the profile.
    let metrics_addr = read(".env.example")
        .lines()
        .find_map(|line| line.strip_prefix("# METRICS_ADDR="))
        .unwrap()
        .to_owned();
    assert!(
        prometheus.contains(&format!("targets: [\"{metrics_addr}\"]")),
        "prometheus.yml does not scrape METRICS_ADDR ({metrics_addr})"
    );
    assert!(prometheus.contains("metrics_path: /metrics"));
    let operations = read("docs/operations.md");
    assert!(operations.contains(&format!("METRICS_ADDR={metrics_addr}")));
    assert!(operations.contains("docker compose --profile observability up"));
    let collector = read("ops/observability/otel-collector.yaml");
    let otlp_port = read(".env.example")
        .lines()
        .find_map(|line| line.strip_prefix("# OTEL_EXPORTER_OTLP_ENDPOINT="))
        .and_then(|url| url.rsplit(':').next())
        .unwrap()
        .to_owned();
    assert!(
        collector.contains(&format!("endpoint: 127.0.0.1:{otlp_port}")),
        "the collector does not receive on the documented port {otlp_port}"
    );
    let compose = read("compose.yaml");
    let jaeger_otlp = collector
        .lines()
        .skip_while(|line| !line.contains("otlp/jaeger:"))
        .find_map(|line| line.trim().strip_prefix("endpoint: "))
        .unwrap();
    assert!(compose.contains(&format!("--collector.otlp.grpc.host-port={jaeger_otlp}")));
    let datasources = read("ops/observability/grafana/provisioning/datasources/datasources.yaml");
    assert!(compose.contains("--web.listen-address=127.0.0.1:9090"));
    assert!(datasources.contains("url: http://127.0.0.1:9090"));
    assert!(compose.contains("--query.http-server.host-port=127.0.0.1:16686"));
    assert!(datasources.contains("url: http://127.0.0.1:16686"));

    // Each service of the profile: in the profile, a pinned image, its files present.
    for service in ["otel-collector", "jaeger", "prometheus", "grafana"] {
        let block: Vec<&str> = compose
            .lines()
            .skip_while(|line| *line != format!("  {service}:"))
            .skip(1)
            .take_while(|line| line.starts_with("    ") || line.is_empty())
            .collect();
        assert!(!block.is_empty(), "compose.yaml has no {service}");
        assert!(
            block.contains(&"    profiles: [\"observability\"]"),
            "{service} is not in the observability profile"
        );
        let image = block
            .iter()
            .find_map(|line| line.trim().strip_prefix("image: "))
            .unwrap();
        let tag = image.rsplit_once(':').map(|(_, tag)| tag).unwrap_or("");
        assert!(
            tag.chars().any(|c| c.is_ascii_digit()) && tag != "latest",
            "{service}: {image} is not pinned"
        );
        for mounted in block
            .iter()
            .filter_map(|line| line.trim().strip_prefix("- ./"))
        {
            let path = mounted.split(':').next().unwrap();
            assert!(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join(path)
                    .exists(),
                "{service} mounts {path}, which does not exist"
            );
        }
    }
}

/// The metric names a PromQL expression (or a configuration) selects: each name written
/// right before a `{`.
fn selected_metrics(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    for (index, _) in text.match_indices('{') {
        let before = &text[..index];
        let start = before
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
            .map_or(0, |at| at + 1);
        let name = &before[start..];
        if !name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit()) {
            names.push(name.to_owned());
        }
    }
    names
}
