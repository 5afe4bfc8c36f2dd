//! The dashboard's page: the charts, the instances, the queue and the failed jobs, the
//! services. The panels are one fragment, which the page fetches again every few seconds.

use std::collections::BTreeMap;

use maud::{Markup, html};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{
    chart::{Series, line_chart},
    db::ActionRow,
    fields::ids,
    paths::{DashboardPath, DiscardJobPath, RetryJobPath},
    services::Status,
};
use crate::{
    email::db::OutboxCounts,
    jobs::db::{FailedJob, JobStatus, KindCount},
    monitoring::{
        instances::InstanceRow,
        traffic::{MINUTES, Minute},
    },
    web::{
        humanize,
        components::{ButtonStyle, action_button, data_table, empty_state},
        css::CssFragment,
    },
};

/// What the page shows.
pub struct Dashboard {
    pub now: OffsetDateTime,
    pub this_instance: Uuid,
    /// This instance's minutes as it has them now (its row may be a few seconds behind).
    pub local_traffic: Vec<Minute>,
    pub instances: Vec<InstanceRow>,
    pub queue: Vec<KindCount>,
    pub outbox: OutboxCounts,
    pub failed: Vec<FailedJob>,
    pub actions: Vec<ActionRow>,
    pub services: Vec<(&'static str, Status)>,
}

impl Dashboard {
    /// The fleet's minutes: every instance's summed, over the last hour, oldest first
    /// (`None`: no instance recorded that minute).
    fn fleet(&self) -> Vec<Option<Minute>> {
        let mut by_minute: BTreeMap<i64, Minute> = BTreeMap::new();
        let others = self
            .instances
            .iter()
            .filter(|instance| instance.id != self.this_instance)
            .flat_map(|instance| instance.traffic.iter());
        for minute in others.chain(self.local_traffic.iter()) {
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
}

/// The whole page around `panels`.
pub fn page(panels: Markup, refresh_secs: u32) -> Markup {
    html! {
        div.ops-dashboard {
            div.heading {
                h1 { "Dashboard" }
                p {
                    "Updated every " (refresh_secs) " seconds. "
                    a href=(DashboardPath) { "Refresh now" }
                }
            }
            div #(ids::PANELS) data-hx-get=(DashboardPath) data-hx-target={ "#" (ids::PANELS) }
                data-hx-trigger={ "every " (refresh_secs) "s" } data-hx-swap="outerHTML" {
                (panels)
            }
        }
    }
}

/// The panels, the fragment the page polls for.
pub fn panels(dashboard: &Dashboard) -> Markup {
    html! {
        (traffic(dashboard))
        (instances(dashboard))
        (jobs(dashboard))
        (services(&dashboard.services))
    }
}

fn traffic(dashboard: &Dashboard) -> Markup {
    let fleet = dashboard.fleet();
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
            h2 #dashboard-traffic { "Traffic, all instances" }
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
                                (instance.hostname)
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
                                    form method="post" action=(RetryJobPath { id: job.id }) {
                                        (action_button("Retry", ButtonStyle::Secondary))
                                    }
                                    form method="post" action=(DiscardJobPath { id: job.id }) {
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

fn services(services: &[(&'static str, Status)]) -> Markup {
    html! {
        section.dashboard-panel aria-labelledby="dashboard-services" {
            h2 #dashboard-services { "Services" }
            ul.service-list {
                @for (name, status) in services {
                    @let (class, text) = match status {
                        Status::Up => ("__up", "up".to_owned()),
                        Status::Down => ("__down", "down".to_owned()),
                        Status::Embedded(what) => ("__embedded", format!("not configured: {what}")),
                    };
                    li class=(class) { span.name { (name) } " " span.status { (text) } }
                }
            }
        }
    }
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
    & .__embedded .status { color: var(--color-muted); }
}
"#) }
