//! The event stream of one page: `GET /live`.
//!
//! Before anything is subscribed the request must carry a signed-in session, and the user
//! must have fewer than `LIVE_MAX_STREAMS_PER_USER` streams open on this instance. The stream
//! then carries the user's events, a keep-alive comment when idle (`LIVE_KEEP_ALIVE_SECS`), and
//! ends when the session does: it checks the session against PostgreSQL as soon as this
//! session or this user is announced as changed (a logout, a password change, on any instance)
//! and every `LIVE_RECHECK_SECS` in case an announcement was lost. Its last event is then
//! `signed-out`, on which the page closes it rather than reconnect. It also ends when the
//! server shuts down (the page reconnects, to whichever instance is up).
//!
//! In development its greeting's event id is the process's boot id, so that a signed-in page
//! hears of a restart on this stream rather than holding a second one (`web::live_reload`).

use std::{convert::Infallible, time::Duration};

use axum::{
    extract::State,
    http::HeaderMap,
    response::{
        IntoResponse, Response,
        sse::{Event, KeepAlive, Sse},
    },
};
use futures_util::stream::{self, Stream};
use tokio::time::{Instant, Interval, MissedTickBehavior};
use tower_sessions::{Session, session::Id};
use uuid::Uuid;

use super::{ADMINS_CHANNEL, LiveEvent, RESYNC, SIGNED_OUT, StreamOwner, channel, is_valid_name};
use crate::{
    AppState,
    backends::{
        invalidation::{Announced, Change, next},
        pubsub::{Delivery, Subscription},
    },
    error::AppError,
    monitoring,
    web::live_reload,
};

/// How long the browser waits before reconnecting a stream that ended.
const RECONNECT_AFTER: Duration = Duration::from_secs(3);
/// How long a stream whose session ended waits for the page to close it.
const CLOSE_GRACE: Duration = Duration::from_secs(5);

pub(super) async fn open<U: StreamOwner>(
    State(state): State<AppState>,
    user: U,
    session: Session,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    // Another site's page cannot read the stream (no CORS), and `SameSite=Lax` keeps the
    // cookie off its requests; refusing it outright is the third line.
    if headers
        .get("sec-fetch-site")
        .is_some_and(|site| site != "same-origin")
    {
        return Err(AppError::CrossSiteRequest);
    }
    let Some(session_id) = session.id() else {
        return Err(AppError::Forbidden);
    };
    let Some(slot) = Slot::take(&state, user.user_id()) else {
        return Err(AppError::TooManyRequests {
            retry_after: Duration::from_secs(30),
        });
    };
    let events = state.live.pubsub.subscribe(&channel(user.user_id())).await;
    let admin_events = if user.is_admin() {
        Some(state.live.pubsub.subscribe(ADMINS_CHANNEL).await)
    } else {
        None
    };
    let mut recheck = tokio::time::interval_at(
        Instant::now() + state.config.live.recheck,
        state.config.live.recheck,
    );
    recheck.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let open = Open {
        id: Uuid::new_v4(),
        session_id,
        user_id: user.user_id(),
        signed_in_user: U::signed_in_user,
        session_changes: state.sessions.changes().watch(),
        user_changes: state.users.changes().watch(),
        events,
        admin_events,
        recheck,
        greeted: false,
        boot_id: state.frame.live_reload().then(live_reload::boot_id),
        closing: false,
        _slot: slot,
        state: state.clone(),
    };
    let keep_alive = KeepAlive::new()
        .interval(state.config.live.keep_alive)
        .text("keepalive");
    Ok(Sse::new(events_of(open))
        .keep_alive(keep_alive)
        .into_response())
}

type SignedInUser =
    for<'a> fn(
        &'a AppState,
        &'a Id,
    ) -> futures_util::future::BoxFuture<'a, Result<Option<Uuid>, AppError>>;

/// One open stream.
struct Open {
    /// Sent to the page first, which sends it back with its requests (see [`super::Origin`]).
    id: Uuid,
    session_id: Id,
    user_id: Uuid,
    /// Asks the accounts feature whether the session is still signed in (see [`StreamOwner`]).
    signed_in_user: SignedInUser,
    session_changes: tokio::sync::broadcast::Receiver<Announced<Id>>,
    user_changes: tokio::sync::broadcast::Receiver<Announced<Uuid>>,
    events: Subscription,
    /// The administrators' channel, for an administrator's stream only.
    admin_events: Option<Subscription>,
    recheck: Interval,
    greeted: bool,
    /// The process's boot id, in development (see `web::live_reload`).
    boot_id: Option<&'static str>,
    /// Said goodbye: waits for the page to close the stream.
    closing: bool,
    _slot: Slot,
    state: AppState,
}

/// What woke the stream.
enum Wake {
    Delivery(Delivery),
    Recheck,
    Nothing,
    End,
}

fn events_of(open: Open) -> impl Stream<Item = Result<Event, Infallible>> {
    stream::unfold(open, |mut open| async move {
        if !open.greeted {
            open.greeted = true;
            let mut hello = Event::default()
                .event("stream")
                .retry(RECONNECT_AFTER)
                .data(open.id.to_string());
            if let Some(boot_id) = open.boot_id {
                hello = hello.id(boot_id);
            }
            return Some((Ok(hello), open));
        }
        if open.closing {
            // The page closes the stream when it reads the goodbye (`sse-close`); ending it
            // from here first would make the browser report an error and reconnect.
            tokio::select! {
                () = open.state.shutdown.cancelled() => {}
                () = tokio::time::sleep(CLOSE_GRACE) => {}
            }
            return None;
        }
        loop {
            let wake = tokio::select! {
                () = open.state.shutdown.cancelled() => Wake::End,
                delivery = open.events.recv() => Wake::Delivery(delivery),
                delivery = admin_delivery(&mut open.admin_events) => Wake::Delivery(delivery),
                _ = open.recheck.tick() => Wake::Recheck,
                announced = next(&mut open.session_changes) => match announced {
                    Some(Announced { change: Change::One(id), .. }) if id != open.session_id => {
                        Wake::Nothing
                    }
                    Some(_) => Wake::Recheck,
                    None => Wake::End,
                },
                announced = next(&mut open.user_changes) => match announced {
                    Some(Announced { change: Change::One(id), .. }) if id != open.user_id => {
                        Wake::Nothing
                    }
                    // The user may be an administrator no more: the page reconnects, and
                    // its new stream subscribes as the user now is.
                    Some(_) if open.admin_events.is_some() => Wake::End,
                    Some(_) => Wake::Recheck,
                    None => Wake::End,
                },
            };
            match wake {
                Wake::End => return None,
                Wake::Nothing => {}
                Wake::Recheck => {
                    if !open.still_signed_in().await {
                        open.closing = true;
                        return Some((Ok(signal(SIGNED_OUT.0)), open));
                    }
                }
                Wake::Delivery(Delivery::Gap) => {
                    return Some((Ok(signal(RESYNC.0)), open));
                }
                Wake::Delivery(Delivery::Message(message)) => {
                    if let Some(event) = open.event(&message) {
                        return Some((Ok(event), open));
                    }
                }
            }
        }
    })
}

impl Open {
    /// The SSE event for a published message, unless it is for the page that caused it, or
    /// unreadable.
    fn event(&self, message: &str) -> Option<Event> {
        let event: LiveEvent = match serde_json::from_str(message) {
            Ok(event) => event,
            Err(error) => {
                tracing::warn!(%error, "unreadable live event dropped");
                return None;
            }
        };
        if event.origin == Some(self.id) {
            return None;
        }
        if !is_valid_name(&event.event) {
            tracing::warn!(name = %event.event, "live event with an invalid name dropped");
            return None;
        }
        if event.html.is_empty() {
            return Some(signal(&event.event));
        }
        Some(Event::default().event(event.event).data(event.html))
    }

    /// Whether the session is still signed in as this user, by PostgreSQL. A database that
    /// cannot answer keeps the stream open: the next check will tell.
    async fn still_signed_in(&mut self) -> bool {
        match (self.signed_in_user)(&self.state, &self.session_id).await {
            Ok(user) => user == Some(self.user_id),
            Err(error) => {
                tracing::warn!(%error, "live stream: could not check the session");
                true
            }
        }
    }
}

/// The next message of the administrators' channel; never, for another user's stream.
async fn admin_delivery(subscription: &mut Option<Subscription>) -> Delivery {
    match subscription {
        Some(subscription) => subscription.recv().await,
        None => std::future::pending().await,
    }
}

/// An event that only signals (pages refetch on it). Browsers drop an event without data, so
/// it carries its own name.
fn signal(name: &str) -> Event {
    Event::default().event(name).data(name)
}

/// One of a user's stream slots on this instance, given back when the stream ends.
struct Slot {
    live: super::Live,
    user_id: Uuid,
}

impl Slot {
    fn take(state: &AppState, user_id: Uuid) -> Option<Self> {
        let live = &state.live;
        let mut open = live
            .open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let count = open.entry(user_id).or_default();
        if *count >= state.config.live.max_streams_per_user {
            return None;
        }
        *count += 1;
        metrics::gauge!(monitoring::LIVE_STREAMS).increment(1.0);
        Some(Self {
            live: live.clone(),
            user_id,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        metrics::gauge!(monitoring::LIVE_STREAMS).decrement(1.0);
        let mut open = self
            .live
            .open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(count) = open.get_mut(&self.user_id) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.user_id);
            }
        }
    }
}
