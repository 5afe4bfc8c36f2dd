//! The benchmark's measuring and printing: timed runs and their percentiles, and the lines
//! around the table.

use std::time::{Duration, Instant};

use super::Options;
use crate::search::db::MAX_RANKED;

/// Latency percentiles of some runs.
pub struct Timings {
    pub p50: Duration,
    pub p95: Duration,
    pub p99: Duration,
}

impl std::fmt::Display for Timings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        write!(
            f,
            "{:>6.2} {:>6.2} {:>6.2}",
            ms(self.p50),
            ms(self.p95),
            ms(self.p99)
        )
    }
}

/// Runs `step` a tenth of `runs` times untimed (caches, prepared statements), then `runs`
/// times timed, one after another.
pub async fn time<F, Fut>(runs: usize, mut step: F) -> anyhow::Result<Timings>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    for _ in 0..runs.div_ceil(10) {
        step().await?;
    }
    let mut durations = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        step().await?;
        durations.push(started.elapsed());
    }
    durations.sort_unstable();
    let at = |quantile: f64| {
        // The nearest-rank percentile: the smallest duration at or above that share of runs.
        let rank = (quantile * durations.len() as f64).ceil() as usize;
        durations[rank.clamp(1, durations.len()) - 1]
    };
    Ok(Timings {
        p50: at(0.50),
        p95: at(0.95),
        p99: at(0.99),
    })
}

pub fn header(options: Options) -> String {
    let intro = format!(
        "\nSearch over {} contacts of one user ({} of another user's kept out); {} timed runs \
         per query and way, one at a time, after {} untimed.\nTimes in ms. function: \
         results::find. HTTP: GET /search?q= as htmx sends it, signed in. ILIKE: '%word%' for \
         each word over name, email, company and notes.\n\n",
        options.contacts,
        options.others,
        options.runs,
        options.runs.div_ceil(10),
    );
    let columns = format!(
        "| {:<13} | {:<22} | {:>7} | {:>20} | {:>20} | {:>20} | {:<5} | {}\n",
        "kind",
        "query",
        "matches",
        "function p50 p95 p99",
        "HTTP p50 p95 p99",
        "ILIKE p50 p95 p99",
        "<15ms",
        "plan of the search's statement",
    );
    intro + &columns
}

pub fn footer() -> String {
    format!(
        "\nmatches: contacts the query matches, all of them (the corrected query's for a \
         typo); the page counts up to {MAX_RANKED} and says \"more than\" beyond. plan: the \
         scans that ran (a tier the page did not need is not read). The typo row also looks its words up in the vocabulary \
         (search_words, trigram index).\nmachine: {} CPUs\n",
        std::thread::available_parallelism().map_or(0, usize::from)
    )
}
