//! The dashboard's live updates: while an administrator has it open, every [`TICK`] the
//! administrators' pages get [`events::CHANGED`] over their event stream (`/live`, on the
//! administrators' channel no other user's stream subscribes to), and an open dashboard
//! fetches its panels again on it, as the contacts list does on `contacts-changed`.
//!
//! "Open" is shared state, so that it holds across the fleet: each time the page or its
//! panels are drawn a mark is set in the cache (Valkey, or in process) for [`OPEN_FOR`]; each
//! instance looks at the mark every tick, and one instance of the fleet sends the tick (the
//! first whose hit the rate limiter lets through in that tick), so that an open page gets one
//! a tick however many instances run. Nobody watching costs each instance one cache read a
//! tick.

use std::time::Duration;

use maud::html;
use tokio::time::MissedTickBehavior;

use super::fields::events;
use crate::{
    AppState,
    backends::{cache::Cache, rate_limit::Limit},
    live::LiveEvent,
};

/// How often an open dashboard is told to fetch its panels again.
pub const TICK: Duration = Duration::from_secs(5);
/// How long a drawing of the dashboard counts as the page being open: a few ticks, each of
/// which draws it again.
const OPEN_FOR: Duration = Duration::from_secs(30);
const OPEN_KEY: &str = "dashboard:open";

/// Notes that an administrator has the dashboard open.
pub async fn opened(cache: &Cache) {
    cache.set(OPEN_KEY, "1", OPEN_FOR).await;
}

/// Sends the ticks until shutdown.
pub async fn run(state: AppState) {
    let mut ticks = tokio::time::interval(TICK);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => {
                tick(&state).await;
            }
            () = state.shutdown.cancelled() => return,
        }
    }
}

/// Sends one tick if a dashboard is open and no other instance sent this one.
pub async fn tick(state: &AppState) -> bool {
    if state.cache.get(OPEN_KEY).await.is_none() {
        return false;
    }
    // A little less than a tick, so that an instance whose ticks drift is not refused its own.
    let once = Limit {
        max: 1,
        per: TICK - Duration::from_millis(500),
    };
    if state
        .rate_limiter
        .hit("dashboard-tick", "fleet", once)
        .await
        .is_err()
    {
        return false;
    }
    state
        .live
        .send_to_admins(LiveEvent::named(events::CHANGED, html! {}))
        .await;
    true
}
