//! The last hour of this instance's traffic, a minute at a time, for the operations
//! dashboard: requests, server errors and the latency histogram of each minute, and the
//! same over the whole hour for each route.
//!
//! Read from the recorder's own rendering of `http_server_request_duration_seconds` (the
//! text `/metrics` serves, parsed by `exposition`), as the difference between two readings a
//! minute apart, as Prometheus' `increase()` would: so the dashboard's numbers are the
//! numbers Prometheus gets. Each instance publishes its minutes with its heartbeat
//! (`instances.rs`); the fleet's are their sums.

use std::{
    collections::{BTreeMap, VecDeque},
    sync::{Arc, Mutex},
};

use serde::{Deserialize, Serialize};

use super::{BUCKETS, HTTP_REQUEST_DURATION, exposition};

/// How many minutes are kept: one hour.
pub const MINUTES: usize = 60;

/// One minute of requests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Minute {
    /// Minutes since the Unix epoch: the same minute on every instance.
    pub at: i64,
    pub requests: u64,
    /// Answers with a 5xx status.
    pub errors: u64,
    /// Requests per bucket of [`BUCKETS`] (not cumulative), then the ones above the last.
    pub buckets: Vec<u64>,
}

impl Minute {
    fn empty(at: i64) -> Self {
        Self {
            at,
            requests: 0,
            errors: 0,
            buckets: vec![0; BUCKETS.len() + 1],
        }
    }

    /// Adds `other`'s requests to this minute's (the fleet's minute).
    pub fn add(&mut self, other: &Minute) {
        self.requests += other.requests;
        self.errors += other.errors;
        for (mine, theirs) in self.buckets.iter_mut().zip(&other.buckets) {
            *mine += theirs;
        }
    }

    /// The latency below which a share `q` (0.95) of the minute's requests answered, in
    /// seconds, interpolated within its bucket as Prometheus' `histogram_quantile` does;
    /// `None` without requests.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let total: u64 = self.buckets.iter().sum();
        if total == 0 {
            return None;
        }
        let rank = q * total as f64;
        let mut below = 0.0;
        for (index, &count) in self.buckets.iter().enumerate() {
            let upto = below + count as f64;
            if upto >= rank && count > 0 {
                let Some(&upper) = BUCKETS.get(index) else {
                    // Above the last bound: all that can be said is "more than it".
                    return BUCKETS.last().copied();
                };
                let lower = if index == 0 { 0.0 } else { BUCKETS[index - 1] };
                return Some(lower + (upper - lower) * (rank - below) / count as f64);
            }
            below = upto;
        }
        BUCKETS.last().copied()
    }
}

/// Cumulative counts as the recorder has them, summed over methods and statuses (and
/// routes, for the instance's).
#[derive(Debug, Clone, PartialEq)]
struct Totals {
    requests: u64,
    errors: u64,
    cumulative: Vec<u64>,
}

impl Default for Totals {
    fn default() -> Self {
        Self {
            requests: 0,
            errors: 0,
            cumulative: vec![0; BUCKETS.len() + 1],
        }
    }
}

impl Totals {
    fn add(&mut self, other: &Totals) {
        self.requests += other.requests;
        self.errors += other.errors;
        for (mine, theirs) in self.cumulative.iter_mut().zip(&other.cumulative) {
            *mine += theirs;
        }
    }

    /// What happened between `earlier` and these totals, as a minute `at`.
    fn since(&self, earlier: &Totals, at: i64) -> Minute {
        let mut minute = Minute::empty(at);
        minute.requests = self.requests.saturating_sub(earlier.requests);
        minute.errors = self.errors.saturating_sub(earlier.errors);
        let delta = |index: usize| {
            let of = |totals: &Totals| totals.cumulative.get(index).copied().unwrap_or(0);
            of(self).saturating_sub(of(earlier))
        };
        for index in 0..minute.buckets.len() {
            let previous = if index == 0 { 0 } else { delta(index - 1) };
            minute.buckets[index] = delta(index).saturating_sub(previous);
        }
        minute
    }
}

/// One route's requests over the last hour (its `at` is the last minute's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteHour {
    pub route: String,
    pub hour: Minute,
}

type ByRoute = BTreeMap<String, Totals>;

/// This instance's last hour. Cheap to clone.
#[derive(Clone, Default)]
pub struct Traffic {
    inner: Arc<Mutex<History>>,
}

impl std::fmt::Debug for Traffic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Traffic")
    }
}

#[derive(Default)]
struct History {
    /// The readings of the last hour and one minute, oldest first.
    readings: VecDeque<(i64, ByRoute)>,
    minutes: VecDeque<Minute>,
}

impl Traffic {
    /// Reads the recorder and records the minute `at` since the last reading (the first
    /// reading only sets the baseline).
    pub fn sample(&self, at: i64) {
        let text = super::recorder().render();
        match readings(&text) {
            Ok(by_route) => self.record(at, by_route),
            Err(error) => tracing::warn!(%error, "traffic history: cannot read the metrics"),
        }
    }

    fn record(&self, at: i64, now: ByRoute) {
        let mut history = self
            .inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((_, last)) = history.readings.back() {
            let minute = sum(&now).since(&sum(last), at);
            history.minutes.push_back(minute);
            while history.minutes.len() > MINUTES {
                history.minutes.pop_front();
            }
        }
        history.readings.push_back((at, now));
        while history.readings.len() > MINUTES + 1 {
            history.readings.pop_front();
        }
    }

    /// Each route's requests between the oldest reading kept (an hour ago) and the latest.
    pub fn routes(&self) -> Vec<RouteHour> {
        let history = self
            .inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let (Some((_, first)), Some((at, last))) =
            (history.readings.front(), history.readings.back())
        else {
            return Vec::new();
        };
        let none = Totals::default();
        last.iter()
            .map(|(route, totals)| RouteHour {
                route: route.clone(),
                hour: totals.since(first.get(route).unwrap_or(&none), *at),
            })
            .filter(|route| route.hour.requests > 0)
            .collect()
    }

    /// The minutes kept, oldest first.
    pub fn minutes(&self) -> Vec<Minute> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .minutes
            .iter()
            .cloned()
            .collect()
    }
}

fn sum(by_route: &ByRoute) -> Totals {
    let mut sum = Totals::default();
    for totals in by_route.values() {
        sum.add(totals);
    }
    sum
}

/// The request histogram of the text `/metrics` serves, by route.
fn readings(text: &str) -> Result<ByRoute, exposition::ParseError> {
    let bucket_name = format!("{HTTP_REQUEST_DURATION}_bucket");
    let count_name = format!("{HTTP_REQUEST_DURATION}_count");
    let mut by_route = ByRoute::new();
    for sample in exposition::parse(text)? {
        if sample.name != count_name && sample.name != bucket_name {
            continue;
        }
        let route = sample.label("http_route").unwrap_or_default().to_owned();
        let totals = by_route.entry(route).or_default();
        let value = sample.value.max(0.0) as u64;
        if sample.name == count_name {
            totals.requests += value;
            if sample
                .label("http_response_status_code")
                .is_some_and(|status| status.starts_with('5'))
            {
                totals.errors += value;
            }
        } else if sample.name == bucket_name
            && let Some(bound) = exposition::bucket_bound(&sample)
        {
            let index = BUCKETS
                .iter()
                .position(|&known| (known - bound).abs() < 1e-9)
                .unwrap_or(BUCKETS.len());
            totals.cumulative[index] += value;
        }
    }
    Ok(by_route)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minute_is_the_difference_of_two_readings() {
        let traffic = Traffic::default();
        let reading = |requests: u64, errors: u64, fast: u64| {
            let totals = Totals {
                requests,
                errors,
                // `fast` answered within 1 ms, the rest within 2.5 ms.
                cumulative: std::iter::once(fast)
                    .chain(std::iter::repeat_n(requests, BUCKETS.len()))
                    .collect(),
            };
            ByRoute::from([("/a".to_owned(), totals.clone()), ("/b".to_owned(), totals)])
        };
        traffic.record(100, reading(10, 1, 5));
        assert!(traffic.minutes().is_empty());
        traffic.record(101, reading(30, 3, 10));
        let minutes = traffic.minutes();
        assert_eq!(minutes.len(), 1);
        let minute = &minutes[0];
        // Both routes.
        assert_eq!((minute.at, minute.requests, minute.errors), (101, 40, 4));
        assert_eq!(minute.buckets[..3], [10, 30, 0]);
        assert_eq!(minute.buckets.iter().sum::<u64>(), 40);
        let routes = traffic.routes();
        assert_eq!(routes.len(), 2);
        assert_eq!(
            (routes[0].route.as_str(), routes[0].hour.requests),
            ("/a", 20)
        );
        // A quarter of the requests within 1 ms: p25 at its top, p12.5 half way; p95 in the
        // next bucket.
        assert!((minute.quantile(0.25).unwrap() - 0.001).abs() < 1e-9);
        assert!((minute.quantile(0.125).unwrap() - 0.0005).abs() < 1e-9);
        let p95 = minute.quantile(0.95).unwrap();
        assert!(p95 > 0.001 && p95 <= 0.0025, "{p95}");
        assert_eq!(Minute::empty(1).quantile(0.5), None);
    }

    #[test]
    fn totals_sum_every_series_of_the_rendered_text() {
        let text = "\
# TYPE http_server_request_duration_seconds histogram
http_server_request_duration_seconds_bucket{http_route=\"/a/{id}\",http_response_status_code=\"200\",le=\"0.001\"} 2
http_server_request_duration_seconds_bucket{http_route=\"/a/{id}\",http_response_status_code=\"200\",le=\"+Inf\"} 3
http_server_request_duration_seconds_count{http_route=\"/a/{id}\",http_response_status_code=\"200\"} 3
http_server_request_duration_seconds_bucket{http_route=\"/b\",http_response_status_code=\"503\",le=\"+Inf\"} 4
http_server_request_duration_seconds_count{http_route=\"/b\",http_response_status_code=\"503\"} 4
";
        let by_route = readings(text).unwrap();
        assert_eq!(by_route.len(), 2);
        assert_eq!(by_route["/b"].errors, 4);
        let totals = sum(&by_route);
        assert_eq!((totals.requests, totals.errors), (7, 4));
        assert_eq!(totals.cumulative[0], 2);
        assert_eq!(totals.cumulative[BUCKETS.len()], 7);
    }
}
