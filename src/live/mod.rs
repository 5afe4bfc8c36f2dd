//! Live updates: events pushed to the signed-in user's open pages over Server-Sent Events.
//!
//! Any part of the app sends an event to a user with [`Live::send`] (or a toast with
//! [`Live::toast`]); every page that user has open, in any tab and on any instance, receives
//! it through the stream at [`PATH`], which the layout opens for signed-in users with htmx's
//! SSE extension. Each user has one pub/sub channel, `user:{id}`, subscribed to only by that
//! user's own streams after the session is checked: nobody can ask for another's. An
//! administrator's streams also subscribe to the administrators' channel, `admins`
//! ([`Live::send_to_admins`]), which no other stream ever does: it carries what only the
//! admin pages listen for (the operations dashboard's refetch).
//!
//! An event is a name and an HTML fragment. Pages use the name in two ways:
//! `data-sse-swap="toast"` swaps the fragment in, `data-hx-trigger="sse:contacts-changed"`
//! refetches part of the page. A change made from a page comes back to every page but the one
//! that made it: app.js sends the stream's id (`X-Live-Stream`) with each htmx request, and
//! handlers send through [`Broadcast`], which leaves that page out.

mod stream;
mod views;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use axum::{
    Router,
    extract::{FromRef, FromRequestParts},
    http::request::Parts,
    routing::get,
};
use futures_util::future::BoxFuture;
use maud::Markup;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use self::views::{Toast, around_signed_in_page};
use crate::{AppState, backends::pubsub::PubSub, error::AppError};

/// The signed-in user's event stream.
pub const PATH: &str = "/live";

/// The request header naming the stream of the page that sent the request.
const ORIGIN_HEADER: &str = "x-live-stream";

/// Sent when events may have been missed (Valkey was unreachable): pages refetch what they
/// show live.
pub const RESYNC: EventName = EventName(RESYNC_NAME);
pub const RESYNC_NAME: &str = "resync";

/// The last event of a stream whose session ended: the page closes the stream on it.
pub const SIGNED_OUT: EventName = EventName("signed-out");

impl EventName {
    pub fn as_str(self) -> &'static str {
        self.0
    }
}

/// The stream's route, for streams owned by `U`: the composition root names the accounts
/// feature's signed-in user (`live::routes::<auth::AuthUser>()`), which sits above this module.
pub fn routes<U: StreamOwner>() -> Router<AppState> {
    Router::new().route(PATH, get(stream::open::<U>))
}

/// Who a stream belongs to, as the accounts feature knows it: the extractor of the request's
/// signed-in user (whose rejection answers a request without one), and whether a session is
/// still signed in as that user.
pub trait StreamOwner: FromRequestParts<AppState> + Send + 'static {
    fn user_id(&self) -> Uuid;

    /// Whether the user is an administrator: the stream then also carries the
    /// administrators' events ([`Live::send_to_admins`]).
    fn is_admin(&self) -> bool {
        false
    }

    /// Who session `id` is signed in as, asked of PostgreSQL rather than any copy: `None` once
    /// it was logged out, expired or ended by a password change.
    fn signed_in_user<'a>(
        state: &'a AppState,
        id: &'a tower_sessions::session::Id,
    ) -> BoxFuture<'a, Result<Option<Uuid>, AppError>>;
}

/// An event name: lowercase letters, digits and dashes, as `sse-swap` and `sse:` triggers
/// spell them. The SSE encoder would panic on a line break, so nothing else gets through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventName(&'static str);

impl EventName {
    /// A name fixed in the code; checked when the event is built (see [`is_valid_name`]).
    pub const fn new(name: &'static str) -> Self {
        Self(name)
    }
}

/// Whether `name` may name an event.
pub fn is_valid_name(name: &str) -> bool {
    (1..=100).contains(&name.len())
        && name
            .bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-')
}

/// One event for a user's pages.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LiveEvent {
    event: String,
    html: String,
    /// The stream of the page that caused it, which does not need it.
    origin: Option<Uuid>,
}

impl LiveEvent {
    pub fn new(name: EventName, html: Markup) -> Self {
        Self::named(name.0, html)
    }

    /// An event whose name is made at run time (`export-{id}`); `name` must satisfy
    /// [`is_valid_name`], or pages would never see the event.
    pub fn named(name: &str, html: Markup) -> Self {
        debug_assert!(is_valid_name(name), "invalid event name {name:?}");
        Self {
            event: name.to_owned(),
            html: html.into_string(),
            origin: None,
        }
    }

    /// Not sent back to the page whose request caused it.
    #[must_use]
    pub fn from(mut self, origin: Origin) -> Self {
        self.origin = origin.0;
        self
    }
}

/// The stream of the page a request came from, if it has one (see the module's comment).
#[derive(Debug, Clone, Copy, Default)]
pub struct Origin(Option<Uuid>);

impl<S: Send + Sync> FromRequestParts<S> for Origin {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let stream = parts
            .headers
            .get(ORIGIN_HEADER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse().ok());
        Ok(Self(stream))
    }
}

/// For a handler whose change other pages should see: sends events to the user's pages but
/// the one the request came from. Extracted like `State`.
#[derive(Debug, Clone)]
pub struct Broadcast {
    live: Live,
    origin: Origin,
}

impl Broadcast {
    pub async fn send(&self, user: Uuid, event: LiveEvent) {
        self.live.send(user, event.from(self.origin)).await;
    }
}

impl<S> FromRequestParts<S> for Broadcast
where
    Live: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self {
            live: Live::from_ref(state),
            origin: Origin::from_request_parts(parts, state).await?,
        })
    }
}

/// Sends events to users' pages. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Live {
    pubsub: PubSub,
    /// Streams open on this instance, per user.
    open: Arc<Mutex<HashMap<Uuid, usize>>>,
}

fn channel(user: Uuid) -> String {
    format!("user:{user}")
}

/// The channel every administrator's stream subscribes to, and no other.
const ADMINS_CHANNEL: &str = "admins";

impl Live {
    /// Streams open on this instance, every user's.
    pub fn open_streams(&self) -> usize {
        self.open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .values()
            .sum()
    }

    pub fn new(pubsub: PubSub) -> Self {
        Self {
            pubsub,
            open: Arc::default(),
        }
    }

    /// Sends `event` to every page `user` has open. Fire and forget: pages that are not
    /// open, or not reachable while Valkey is down, miss it (they catch up with [`RESYNC`]
    /// or when they next load).
    pub async fn send(&self, user: Uuid, event: LiveEvent) {
        match serde_json::to_string(&event) {
            Ok(message) => self.pubsub.publish(&channel(user), &message).await,
            Err(error) => tracing::error!(%error, "live event not encoded"),
        }
    }

    /// Sends `event` to every page an administrator has open (and to no one else's).
    pub async fn send_to_admins(&self, event: LiveEvent) {
        match serde_json::to_string(&event) {
            Ok(message) => self.pubsub.publish(ADMINS_CHANNEL, &message).await,
            Err(error) => tracing::error!(%error, "live event not encoded"),
        }
    }

    /// Shows `toast` on every page `user` has open.
    pub async fn toast(&self, user: Uuid, toast: Toast) {
        self.send(user, LiveEvent::new(views::TOAST, toast.render()))
            .await;
    }
}
