//! The dashboard's page: the charts, the routes and errors, the slow queries, the
//! instances, the queue and the failed jobs, the services. The panels are one fragment, which
//! the page fetches again when the event stream says so. Over 400 lines: one page of six
//! panels and their one stylesheet (the SVG charts are in `chart.rs`).

use std::collections::BTreeMap;

use maud::{Markup, html};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{
    chart::{Series, line_chart},
    db::ActionRow,
    fields::{events, ids},
    paths::{DiscardJobPath, RetryJobPath, dashboard_url},
};
use crate::{
    email::db::OutboxCounts,
    jobs::db::{FailedJob, JobStatus, KindCount},
    live::RESYNC_NAME,
    monitoring::{
        errors::RecentError,
        instances::InstanceRow,
        services::{ServiceState, Status},
        slow_queries::SlowQuery,
        traffic::{MINUTES, Minute, RouteHour},
    },
    web::{
        components::{ButtonStyle, action_button, data_table, empty_state},
        css::CssFragment,
        humanize,
    },
};

/// What the page shows.
pub struct Dashboard {
    pub now: OffsetDateTime,
    pub this_instance: Uuid,
    /// This instance's minutes, routes and errors as it has them now (its row may be a few
    /// seconds behind).
    pub local_traffic: Vec<Minute>,
    pub local_routes: Vec<RouteHour>,
    pub local_errors: Vec<RecentError>,
    pub local_slow_queries: Vec<SlowQuery>,
    /// `SLOW_QUERY_MS`.
    pub slow_query: std::time::Duration,
    /// The instance whose traffic is shown (`?instance=`); the fleet's without one.
    pub selected: Option<Uuid>,
    pub instances: Vec<InstanceRow>,
    pub queue: Vec<KindCount>,
    pub outbox: OutboxCounts,
    pub failed: Vec<FailedJob>,
    pub actions: Vec<ActionRow>,
    pub services: Vec<ServiceState>,
}

impl Dashboard {
    /// The fleet's minutes: every instance's summed, over the last hour, oldest first
    /// (`None`: no instance recorded that minute).
    fn fleet(&self) -> Vec<Option<Minute>> {
        let others = self.others().flat_map(|instance| instance.traffic.iter());
        self.hour(others.chain(self.local_traffic.iter()))
    }

    /// The minutes of the instance `id` over the last hour, if it is running.
    fn of_instance(&self, id: Uuid) -> Option<Vec<Option<Minute>>> {
        if id == self.this_instance {
            return Some(self.hour(self.local_traffic.iter()));
        }
        let instance = self.instances.iter().find(|instance| instance.id == id)?;
        Some(self.hour(instance.traffic.iter()))
    }

    /// `minutes` summed by minute, over the last hour, oldest first.
    fn hour<'a>(&self, minutes: impl Iterator<Item = &'a Minute>) -> Vec<Option<Minute>> {
        let mut by_minute: BTreeMap<i64, Minute> = BTreeMap::new();
        for minute in minutes {
            by_minute
                .entry(minute.at)
                .and_modify(|sum| sum.add(minute))
                .or_insert_with(|| minute.clone());
        }
        let last = self.now.unix_timestamp().div_euclid(60) - 1;
        (last - MINUTES as i64 + 1..=last)
            .map(|at| by_minute.get(&at).cloned())
            .collect()
    }

    /// The name of the instance `id` as the page shows it.
    fn instance_name(&self, id: Uuid) -> String {
        let hostname = self
            .instances
            .iter()
            .find(|instance| instance.id == id)
            .map_or("this instance", |instance| instance.hostname.as_str());
        if id == self.this_instance {
            format!("{hostname} (this one)")
        } else {
            hostname.to_owned()
        }
    }

    /// The slow queries of every instance, one row per route and statement, the most recent
    /// first.
    fn slow_queries(&self) -> Vec<SlowGroup<'_>> {
        let others = self
            .others()
            .flat_map(|instance| instance.slow_queries.iter());
        let mut groups: BTreeMap<(&str, &str), SlowGroup<'_>> = BTreeMap::new();
        for query in others.chain(self.local_slow_queries.iter()) {
            let group = groups
                .entry((&query.route, &query.statement))
                .or_insert_with(|| SlowGroup {
                    route: &query.route,
                    statement: &query.statement,
                    times: 0,
                    slowest_ms: 0.0,
                    latest: query.at,
                });
            group.times += 1;
            group.slowest_ms = group.slowest_ms.max(query.millis);
            group.latest = group.latest.max(query.at);
        }
        let mut groups: Vec<SlowGroup<'_>> = groups.into_values().collect();
        groups.sort_by_key(|group| std::cmp::Reverse(group.latest));
        groups.truncate(SLOW_SHOWN);
        groups
    }
}

/// One statement of one route that was slow, over the instances' latest slow queries.
struct SlowGroup<'a> {
    route: &'a str,
    statement: &'a str,
    times: u64,
    slowest_ms: f64,
    latest: i64,
}

impl Dashboard {
    fn others(&self) -> impl Iterator<Item = &InstanceRow> {
        self.instances
            .iter()
            .filter(|instance| instance.id != self.this_instance)
    }

    /// Every route's last hour, summed over the instances.
    fn routes(&self) -> Vec<RouteHour> {
        let mut by_route: BTreeMap<&str, RouteHour> = BTreeMap::new();
        let others = self.others().flat_map(|instance| instance.routes.iter());
        for route in others.chain(self.local_routes.iter()) {
            by_route
                .entry(&route.route)
                .and_modify(|sum| sum.hour.add(&route.hour))
                .or_insert_with(|| route.clone());
        }
        by_route.into_values().collect()
    }

    /// The latest server errors of every instance, newest first, each with its instance's
    /// name.
    fn errors(&self) -> Vec<(&str, &RecentError)> {
        let this = self
            .instances
            .iter()
            .find(|instance| instance.id == self.this_instance)
            .map_or("this one", |instance| instance.hostname.as_str());
        let mut errors: Vec<(&str, &RecentError)> = self
            .others()
            .flat_map(|instance| {
                instance
                    .errors
                    .iter()
                    .map(|error| (instance.hostname.as_str(), error))
            })
            .chain(self.local_errors.iter().map(|error| (this, error)))
            .collect();
        errors.sort_by_key(|error| std::cmp::Reverse(error.1.at));
        errors.truncate(ERRORS_SHOWN);
        errors
    }
}

/// Rows of the routes' tables, and of the latest errors.
const ROUTES_SHOWN: usize = 5;
const ERRORS_SHOWN: usize = 10;
const SLOW_SHOWN: usize = 10;

/// The whole page around `panels`, showing `selected`'s traffic.
pub fn page(panels: Markup, selected: Option<Uuid>) -> Markup {
    let url = dashboard_url(selected);
    html! {
        div.ops-dashboard {
            div.heading {
                h1 { "Dashboard" }
                p {
                    "Updated live while the page is open. "
                    a href=(url) { "Refresh now" }
                }
            }
            div #(ids::PANELS) data-hx-get=(url) data-hx-target={ "#" (ids::PANELS) }
                data-hx-trigger={ "sse:" (events::CHANGED) ", sse:" (RESYNC_NAME) }
                data-hx-swap="innerHTML" {
                (panels)
            }
        }
    }
}

/// The panels, the fragment the page fetches again.
pub fn panels(dashboard: &Dashboard) -> Markup {
    html! {
        (traffic(dashboard))
        (routes(dashboard))
        (slow_queries(dashboard))
        (instances(dashboard))
        (jobs(dashboard))
        (services(dashboard))
    }
}

fn traffic(dashboard: &Dashboard) -> Markup {
    let shown = dashboard
        .selected
        .and_then(|id| Some((id, dashboard.of_instance(id)?)));
    // Asked for an instance that is not running (any more).
    let stopped = dashboard.selected.is_some() && shown.is_none();
    let (heading, fleet) = match shown {
        Some((id, minutes)) => (format!("Traffic, {}", dashboard.instance_name(id)), minutes),
        None => ("Traffic, all instances".to_owned(), dashboard.fleet()),
    };
    let per_second = |minute: &Option<Minute>| minute.as_ref().map(|m| m.requests as f64 / 60.0);
    let quantile = |q: f64| {
        fleet
            .iter()
            .map(|minute| {
                minute
                    .as_ref()
                    .and_then(|m| m.quantile(q))
                    .map(|s| s * 1000.0)
            })
            .collect::<Vec<_>>()
    };
    let error_rate = fleet
        .iter()
        .map(|minute| {
            minute
                .as_ref()
                .filter(|m| m.requests > 0)
                .map(|m| m.errors as f64 / m.requests as f64 * 100.0)
        })
        .collect();
    html! {
        section.dashboard-panel aria-labelledby="dashboard-traffic" {
            h2 #dashboard-traffic { (heading) }
            nav.instance-picker aria-label="Traffic of" {
                ul {
                    li {
                        a href=(dashboard_url(None))
                            aria-current=[(dashboard.selected.is_none() || stopped).then_some("page")] {
                            "All instances"
                        }
                    }
                    @for instance in &dashboard.instances {
                        li {
                            a href=(dashboard_url(Some(instance.id)))
                                aria-current=[(dashboard.selected == Some(instance.id)).then_some("page")] {
                                (dashboard.instance_name(instance.id))
                            }
                        }
                    }
                }
            }
            @if stopped {
                p.notice { "That instance is not running any more: the traffic of all instances is shown." }
            }
            div.dashboard-charts {
                (line_chart("Requests", &[Series {
                    name: "per second", class: "__first",
                    points: fleet.iter().map(per_second).collect(),
                }], MINUTES, |value| format!("{value:.2}/s")))
                (line_chart("Latency", &[
                    Series { name: "p50", class: "__first", points: quantile(0.5) },
                    Series { name: "p95", class: "__second", points: quantile(0.95) },
                    Series { name: "p99", class: "__third", points: quantile(0.99) },
                ], MINUTES, |value| format!("{value:.1} ms")))
                (line_chart("Server errors", &[Series {
                    name: "share of requests", class: "__third", points: error_rate,
                }], MINUTES, |value| format!("{value:.1}%")))
            }
        }
    }
}

fn routes(dashboard: &Dashboard) -> Markup {
    const SLOWEST: [&str; 4] = ["Route", "Requests", "p95", "p99"];
    const FAILING: [&str; 4] = ["Route", "Server errors", "Share", "Latest request ids"];
    const ERRORS: [&str; 6] = ["When", "Route", "Status", "Request id", "Instance", "Cause"];
    let routes = dashboard.routes();
    let mut slowest: Vec<(&RouteHour, f64)> = routes
        .iter()
        .filter_map(|route| Some((route, route.hour.quantile(0.95)?)))
        .collect();
    slowest.sort_by(|a, b| b.1.total_cmp(&a.1));
    slowest.truncate(ROUTES_SHOWN);
    let mut failing: Vec<&RouteHour> = routes
        .iter()
        .filter(|route| route.hour.errors > 0)
        .collect();
    failing.sort_by_key(|route| std::cmp::Reverse(route.hour.errors));
    failing.truncate(ROUTES_SHOWN);
    let errors = dashboard.errors();
    let ms = |seconds: Option<f64>| {
        seconds.map_or_else(|| "–".to_owned(), |s| format!("{:.1} ms", s * 1000.0))
    };
    html! {
        section.dashboard-panel aria-labelledby="dashboard-routes" {
            h2 #dashboard-routes { "Routes, last hour" }
            @if slowest.is_empty() {
                p { "No requests recorded yet: the first minute is still being counted." }
            } @else {
                h3 { "Slowest" }
                (data_table("Slowest routes", &SLOWEST, html! {
                    @for (route, p95) in &slowest {
                        tr {
                            td data-label=(SLOWEST[0]) { code { (route.route) } }
                            td data-label=(SLOWEST[1]) { (humanize::number(route.hour.requests)) }
                            td data-label=(SLOWEST[2]) { (ms(Some(*p95))) }
                            td data-label=(SLOWEST[3]) { (ms(route.hour.quantile(0.99))) }
                        }
                    }
                }))
            }
            h3 { "Most server errors" }
            @if failing.is_empty() {
                p { "None in the last hour." }
            } @else {
                (data_table("Routes with most server errors", &FAILING, html! {
                    @for route in &failing {
                        tr {
                            td data-label=(FAILING[0]) { code { (route.route) } }
                            td data-label=(FAILING[1]) { (humanize::number(route.hour.errors)) }
                            td data-label=(FAILING[2]) {
                                (format!("{:.1}%", route.hour.errors as f64 / route.hour.requests.max(1) as f64 * 100.0))
                            }
                            td data-label=(FAILING[3]) {
                                @for (_, error) in errors.iter().filter(|(_, error)| error.route == route.route).take(3) {
                                    code { (error.request_id) } " "
                                }
                            }
                        }
                    }
                }))
            }
            h3 { "Latest server errors" }
            @if errors.is_empty() {
                p { "None since the instances started." }
            } @else {
                (data_table("Latest server errors", &ERRORS, html! {
                    @for (instance, error) in &errors {
                        tr {
                            td data-label=(ERRORS[0]) {
                                (OffsetDateTime::from_unix_timestamp(error.at).map_or_else(|_| "–".to_owned(), |at| ago(dashboard.now, at)))
                            }
                            td data-label=(ERRORS[1]) { code { (error.route) } }
                            td data-label=(ERRORS[2]) { (error.status) }
                            td data-label=(ERRORS[3]) { code { (error.request_id) } }
                            td data-label=(ERRORS[4]) { (instance) }
                            td.error data-label=(ERRORS[5]) { (error.cause.as_deref().unwrap_or("–")) }
                        }
                    }
                }))
            }
        }
    }
}

fn instances(dashboard: &Dashboard) -> Markup {
    const COLUMNS: [&str; 7] = [
        "Instance",
        "Version",
        "Up for",
        "Memory",
        "Streams",
        "Pool",
        "Requests, last hour",
    ];
    html! {
        section.dashboard-panel aria-labelledby="dashboard-instances" {
            h2 #dashboard-instances { "Instances" }
            @if dashboard.instances.is_empty() {
                (empty_state("No instance has reported yet", "Each running instance reports every few seconds.", None))
            } @else {
                (data_table("Instances", &COLUMNS, html! {
                    @for instance in &dashboard.instances {
                        tr {
                            td data-label=(COLUMNS[0]) {
                                a href=(dashboard_url(Some(instance.id))) title="Show its traffic" {
                                    (instance.hostname)
                                }
                                @if instance.id == dashboard.this_instance { " (this one)" }
                            }
                            td data-label=(COLUMNS[1]) { (instance.version) " " code { (instance.commit) } }
                            td data-label=(COLUMNS[2]) { (humanize::duration((dashboard.now - instance.started_at).unsigned_abs())) }
                            td data-label=(COLUMNS[3]) {
                                (instance.memory_bytes.and_then(|bytes| u64::try_from(bytes).ok()).map_or_else(|| "–".to_owned(), humanize::bytes))
                            }
                            td data-label=(COLUMNS[4]) { (instance.open_streams) }
                            td data-label=(COLUMNS[5]) { (instance.pool_used) " of " (instance.pool_max) }
                            td data-label=(COLUMNS[6]) {
                                (humanize::number(instance.traffic.iter().map(|minute| minute.requests).sum()))
                            }
                        }
                    }
                }))
            }
        }
    }
}

fn jobs(dashboard: &Dashboard) -> Markup {
    const QUEUE: [&str; 5] = ["Kind", "Queued", "Running", "Failed", "Oldest waiting"];
    const FAILED: [&str; 5] = ["Kind", "Failed", "Attempts", "Error", "Actions"];
    const ACTIONS: [&str; 4] = ["When", "Who", "Action", "Job"];
    let mut kinds: BTreeMap<&str, [i64; 3]> = BTreeMap::new();
    let mut oldest: BTreeMap<&str, f64> = BTreeMap::new();
    for count in &dashboard.queue {
        let slot = match count.status {
            JobStatus::Queued => 0,
            JobStatus::Running => 1,
            JobStatus::Failed => 2,
            JobStatus::Done => continue,
        };
        kinds.entry(&count.kind).or_default()[slot] = count.count;
        if let Some(wait) = count.oldest_wait_secs {
            oldest.insert(&count.kind, wait);
        }
    }
    html! {
        section.dashboard-panel aria-labelledby="dashboard-jobs" {
            h2 #dashboard-jobs { "Jobs and mail" }
            p {
                "Email outbox: " strong { (dashboard.outbox.waiting) } " waiting, "
                strong { (dashboard.outbox.failed) } " failed. Each message is sent by an "
                code { "email-delivery" } " job."
            }
            @if kinds.is_empty() {
                (empty_state("The queue is empty", "No job is queued, running or failed.", None))
            } @else {
                (data_table("Jobs by kind", &QUEUE, html! {
                    @for (kind, [queued, running, failed]) in &kinds {
                        tr {
                            td data-label=(QUEUE[0]) { (kind) }
                            td data-label=(QUEUE[1]) { (queued) }
                            td data-label=(QUEUE[2]) { (running) }
                            td data-label=(QUEUE[3]) { (failed) }
                            td data-label=(QUEUE[4]) {
                                (oldest.get(kind).map_or_else(|| "–".to_owned(), |secs| humanize::duration(std::time::Duration::from_secs_f64(secs.max(0.0)))))
                            }
                        }
                    }
                }))
            }
            h3 { "Failed jobs" }
            @if dashboard.failed.is_empty() {
                p { "None." }
            } @else {
                (data_table("Failed jobs", &FAILED, html! {
                    @for job in &dashboard.failed {
                        tr {
                            td data-label=(FAILED[0]) { (job.kind) }
                            td data-label=(FAILED[1]) { (job.finished_at.map_or_else(|| "–".to_owned(), |at| ago(dashboard.now, at))) }
                            td data-label=(FAILED[2]) { (job.attempts) " of " (job.max_attempts) }
                            td.error data-label=(FAILED[3]) { (job.last_error.as_deref().unwrap_or("–")) }
                            td data-label=(FAILED[4]) {
                                div.job-actions {
                                    form method="post" action=(RetryJobPath { id: job.id.into() }) {
                                        (action_button("Retry", ButtonStyle::Secondary))
                                    }
                                    form method="post" action=(DiscardJobPath { id: job.id.into() }) {
                                        (action_button("Discard", ButtonStyle::Danger))
                                    }
                                }
                            }
                        }
                    }
                }))
            }
            @if !dashboard.actions.is_empty() {
                h3 { "Recent actions on jobs" }
                (data_table("Recent actions on jobs", &ACTIONS, html! {
                    @for action in &dashboard.actions {
                        tr {
                            td data-label=(ACTIONS[0]) { (ago(dashboard.now, action.at)) }
                            td data-label=(ACTIONS[1]) { (action.admin_email) }
                            td data-label=(ACTIONS[2]) { (action.action) }
                            td data-label=(ACTIONS[3]) { (action.kind) " " code { (action.job_id) } }
                        }
                    }
                }))
            }
        }
    }
}

fn services(dashboard: &Dashboard) -> Markup {
    html! {
        section.dashboard-panel aria-labelledby="dashboard-services" {
            h2 #dashboard-services { "Services" }
            ul.service-list {
                @for service in &dashboard.services {
                    @let (class, text, watched) = match service.status {
                        Status::Up => ("__up", "up".to_owned(), true),
                        Status::Degraded => ("__degraded", "degraded (slow to answer)".to_owned(), true),
                        Status::Down => ("__down", "down".to_owned(), true),
                        Status::Embedded(what) => ("__embedded", format!("not configured: {what}"), false),
                        Status::Off => ("__embedded", "off".to_owned(), false),
                    };
                    li class=(class) {
                        span.name { (service.name) } " " span.status { (text) }
                        @if watched {
                            " " span.since {
                                "since "
                                time datetime=(humanize::machine(service.since)) { (clock(service.since)) }
                                " (" (ago(dashboard.now, service.since)) ")"
                            }
                        }
                    }
                }
            }
        }
    }
}

fn slow_queries(dashboard: &Dashboard) -> Markup {
    const COLUMNS: [&str; 5] = ["Route", "Statement", "Times", "Slowest", "Latest"];
    let groups = dashboard.slow_queries();
    html! {
        section.dashboard-panel aria-labelledby="dashboard-slow-queries" {
            h2 #dashboard-slow-queries { "Slow queries" }
            p {
                "Statements that took " (dashboard.slow_query.as_millis()) " ms or longer ("
                code { "SLOW_QUERY_MS" } "), the latest " (crate::monitoring::slow_queries::KEPT)
                " of each instance, by route; values are left out."
            }
            @if groups.is_empty() {
                p { "None since the instances started." }
            } @else {
                (data_table("Slow queries", &COLUMNS, html! {
                    @for group in &groups {
                        tr {
                            td data-label=(COLUMNS[0]) { code { (group.route) } }
                            td.statement data-label=(COLUMNS[1]) { code { (group.statement) } }
                            td data-label=(COLUMNS[2]) { (humanize::number(group.times)) }
                            td data-label=(COLUMNS[3]) { (format!("{:.1} ms", group.slowest_ms)) }
                            td data-label=(COLUMNS[4]) {
                                (OffsetDateTime::from_unix_timestamp(group.latest).map_or_else(|_| "–".to_owned(), |at| ago(dashboard.now, at)))
                            }
                        }
                    }
                }))
            }
        }
    }
}

/// `at` as a clock shows it, in UTC.
fn clock(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

fn ago(now: OffsetDateTime, at: OffsetDateTime) -> String {
    format!("{} ago", humanize::duration((now - at).unsigned_abs()))
}

inventory::submit! { CssFragment::new("ops-dashboard", r#"
.ops-dashboard {
    & .heading { display: flex; flex-wrap: wrap; align-items: baseline; gap: var(--space-2) var(--space-4); }
    & .heading p { color: var(--color-muted); margin: 0; }
}
.dashboard-panel {
    margin-top: var(--space-6);

    & h3 { margin-top: var(--space-4); }
    & .error { max-width: 28rem; overflow-wrap: anywhere; }
    & .job-actions { display: flex; flex-wrap: wrap; gap: var(--space-2); }
    & .statement { max-width: 32rem; overflow-wrap: anywhere; }
    & .notice { color: var(--color-muted); }
}
.instance-picker {
    & ul { list-style: none; padding: 0; margin: 0 0 var(--space-3); display: flex; flex-wrap: wrap; gap: var(--space-2); }
    & a { display: inline-block; padding: var(--space-1) var(--space-3); border: 1px solid var(--color-border); border-radius: var(--radius); }
    & a[aria-current="page"] { font-weight: 600; border-color: currentColor; }
}
.dashboard-charts {
    display: grid;
    gap: var(--space-4);
    grid-template-columns: repeat(auto-fit, minmax(min(100%, 18rem), 1fr));
}
.service-list {
    list-style: none;
    padding: 0;
    display: flex;
    flex-wrap: wrap;
    gap: var(--space-2);

    & li { padding: var(--space-2) var(--space-3); border: 1px solid var(--color-border); border-radius: var(--radius); }
    & .name { font-weight: 600; }
    & .__up .status { color: var(--color-success); }
    & .__down .status { color: var(--color-danger); font-weight: 600; }
    & .__degraded .status { color: var(--color-warning); font-weight: 600; }
    & .since { color: var(--color-muted); font-size: var(--text-sm); }
    & .__embedded .status { color: var(--color-muted); }
}
"#) }
