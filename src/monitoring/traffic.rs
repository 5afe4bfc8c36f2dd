//! The last hour of this instance's traffic, a minute at a time, for the operations
//! dashboard: requests, server errors and the latency histogram of each minute.
//!
//! Read from the recorder's own rendering of `http_server_request_duration_seconds` (the
//! text `/metrics` serves, parsed by `exposition`), as the difference between two readings a
//! minute apart, as Prometheus' `increase()` would: so the dashboard's numbers are the
//! numbers Prometheus gets. Each instance publishes its minutes with its heartbeat
//! (`instances.rs`); the fleet's are their sums.

use std::{
    collections::VecDeque,
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

/// Cumulative counts as the recorder has them, summed over every route, method and status.
#[derive(Debug, Clone, Default, PartialEq)]
struct Totals {
    requests: u64,
    errors: u64,
    cumulative: Vec<u64>,
}

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
    last: Option<Totals>,
    minutes: VecDeque<Minute>,
}

impl Traffic {
    /// Reads the recorder and records the minute `at` since the last reading (the first
    /// reading only sets the baseline).
    pub fn sample(&self, at: i64) {
        let text = super::recorder().render();
        match totals(&text) {
            Ok(totals) => self.record(at, totals),
            Err(error) => tracing::warn!(%error, "traffic history: cannot read the metrics"),
        }
    }

    fn record(&self, at: i64, now: Totals) {
        let mut history = self
            .inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(last) = history.last.replace(now.clone()) {
            let mut minute = Minute::empty(at);
            minute.requests = now.requests.saturating_sub(last.requests);
            minute.errors = now.errors.saturating_sub(last.errors);
            let delta = |index: usize| {
                let of = |totals: &Totals| totals.cumulative.get(index).copied().unwrap_or(0);
                of(&now).saturating_sub(of(&last))
            };
            for index in 0..minute.buckets.len() {
                let previous = if index == 0 { 0 } else { delta(index - 1) };
                minute.buckets[index] = delta(index).saturating_sub(previous);
            }
            history.minutes.push_back(minute);
            while history.minutes.len() > MINUTES {
                history.minutes.pop_front();
            }
        }
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

/// The request histogram of the text `/metrics` serves, summed over its series.
fn totals(text: &str) -> Result<Totals, exposition::ParseError> {
    let bucket_name = format!("{HTTP_REQUEST_DURATION}_bucket");
    let count_name = format!("{HTTP_REQUEST_DURATION}_count");
    let mut totals = Totals {
        cumulative: vec![0; BUCKETS.len() + 1],
        ..Totals::default()
    };
    for sample in exposition::parse(text)? {
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
    Ok(totals)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minute_is_the_difference_of_two_readings() {
        let traffic = Traffic::default();
        let reading = |requests: u64, errors: u64, fast: u64| Totals {
            requests,
            errors,
            // `fast` answered within 1 ms, the rest within 2.5 ms.
            cumulative: std::iter::once(fast)
                .chain(std::iter::repeat_n(requests, BUCKETS.len()))
                .collect(),
        };
        traffic.record(100, reading(10, 1, 5));
        assert!(traffic.minutes().is_empty());
        traffic.record(101, reading(30, 3, 10));
        let minutes = traffic.minutes();
        assert_eq!(minutes.len(), 1);
        let minute = &minutes[0];
        assert_eq!((minute.at, minute.requests, minute.errors), (101, 20, 2));
        assert_eq!(minute.buckets[..3], [5, 15, 0]);
        assert_eq!(minute.buckets.iter().sum::<u64>(), 20);
        // Half the requests within 1 ms: the median is at its top; p95 in the next bucket.
        assert!((minute.quantile(0.25).unwrap() - 0.0005).abs() < 1e-9);
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
        let totals = totals(text).unwrap();
        assert_eq!((totals.requests, totals.errors), (7, 4));
        assert_eq!(totals.cumulative[0], 2);
        assert_eq!(totals.cumulative[BUCKETS.len()], 7);
    }
}
