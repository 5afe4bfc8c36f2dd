//! The contacts handlers, one file per part of the flow: the list and its count, the form
//! (show, new, create, edit, update, the on-blur check), and deleting.

pub mod delete;
pub mod form;
pub mod list;

use axum::http::{HeaderName, HeaderValue};
use maud::html;
use uuid::Uuid;

use super::fields::events;
use crate::{
    live::{Broadcast, EventName, LiveEvent},
    web::page_cache::PageCache,
};

/// `HX-Trigger` for an answer to a change made in place: the list's count reloads itself.
fn changed() -> [(HeaderName, HeaderValue); 1] {
    [(
        HeaderName::from_static("hx-trigger"),
        HeaderValue::from_static(events::CHANGED),
    )]
}

/// After a change to the user's contacts commits: drops this instance's rendered list at once
/// (the next request shows the change; other instances hear of it from PostgreSQL), and
/// tells the user's other open pages (other tabs, other devices, through any instance): their
/// list and count refetch themselves. The page that made the change is left alone; it shows
/// the change already.
async fn announce(broadcast: &Broadcast, pages: &PageCache, user: Uuid) {
    pages.forget(user);
    let event = LiveEvent::new(EventName::new(events::CHANGED), html! {});
    broadcast.send(user, event).await;
}
