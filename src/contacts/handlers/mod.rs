//! The contacts handlers, one file per part of the flow: the list and its count, the form
//! (show, new, create, edit, update, the on-blur check), and deleting.

pub mod delete;
pub mod form;
pub mod list;

use axum::{
    http::{HeaderName, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use axum_htmx::{HxReswap, HxRetarget, SwapOption};
use maud::html;
use uuid::Uuid;

use super::{
    fields::{events, ids},
    views,
};
use crate::{
    error::AppError,
    live::{Broadcast, EventName, LiveEvent},
    web::{
        htmx::{VARY_ON_HTMX, Wants},
        page_cache::PageCache,
    },
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

/// The answer when contact `id` is not (or no longer) the user's: a 404. An inline action on
/// its row (edit, cancel, save, delete) after it was deleted elsewhere gets, as its body, the
/// row saying so, which htmx swaps in the row's place (htmx's settings in `app.js` swap
/// error answers; the headers name the row whatever the element asked). Anything else gets
/// the 404 page.
fn deleted_elsewhere(wants: &Wants, id: Uuid) -> Result<Response, AppError> {
    let row = ids::row(id);
    if !wants.fragment_for(&row) {
        return Err(AppError::NotFound);
    }
    Ok((
        StatusCode::NOT_FOUND,
        HxRetarget(format!("#{row}")),
        HxReswap(SwapOption::OuterHtml),
        VARY_ON_HTMX,
        views::deleted_row(id),
    )
        .into_response())
}
