//! Deleting: one contact (from its confirmation page, or in place from the list), or the
//! contacts checked in the list.

use axum::{
    extract::State,
    response::{IntoResponse, Response},
};
use axum_extra::extract::Form;
use sqlx::PgPool;

use super::{announce, changed, deleted_elsewhere};
use crate::{
    auth::AuthUser,
    contacts::{
        db,
        fields::ids,
        forms::BulkDeleteForm,
        paths::{self, BulkDeletePath, ContactPath, DeletePath},
        views,
    },
    error::AppError,
    live::Broadcast,
    web::{
        flash::{Flash, FlashLevel, FlashMessage},
        htmx::{Wants, redirect},
        humanize,
        layout::{Page, PageLayout, alerts_out_of_band},
        page_cache::PageCache,
        public_id::PublicId,
    },
};

/// The page that asks before deleting, for browsers without JavaScript.
pub async fn confirm(
    DeletePath { id: PublicId(id) }: DeletePath,
    State(db): State<PgPool>,
    user: AuthUser,
    layout: PageLayout,
) -> Result<Page, AppError> {
    let contact = db::find(&db, user.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let title = format!("Delete {}?", contact.name());
    Ok(layout.render(&title, views::confirm_delete(&contact)).await)
}

/// `POST` from the confirmation page: the same as [`one`], for a browser without JavaScript.
pub async fn confirmed(
    DeletePath { id }: DeletePath,
    db: State<PgPool>,
    broadcast: Broadcast,
    pages: State<PageCache>,
    user: AuthUser,
    flash: Flash,
    wants: Wants,
) -> Result<Response, AppError> {
    one(ContactPath { id }, db, broadcast, pages, user, flash, wants).await
}

/// `DELETE` from the list, which htmx sends once the user has confirmed. The list's row is
/// answered with nothing (htmx removes it) and the message out of band.
pub async fn one(
    ContactPath { id: PublicId(id) }: ContactPath,
    State(db): State<PgPool>,
    broadcast: Broadcast,
    State(pages): State<PageCache>,
    user: AuthUser,
    flash: Flash,
    wants: Wants,
) -> Result<Response, AppError> {
    let Some(contact) = db::delete(&db, user.id, id).await? else {
        return deleted_elsewhere(&wants, id);
    };
    announce(&broadcast, &pages, user.id).await;
    let message = format!("Deleted {}.", contact.name());
    if wants.fragment_for(&ids::row(id)) {
        let notice = [FlashMessage {
            level: FlashLevel::Success,
            text: message,
        }];
        return Ok((changed(), alerts_out_of_band(&notice)).into_response());
    }
    flash.success(message).await?;
    Ok(redirect(&wants, paths::INDEX))
}

/// The checked rows' ids (`selected`, repeated). Unconfirmed, it answers the confirmation
/// page; confirmed, it deletes those that are the user's and counts the others in its
/// message, never touching them.
pub async fn bulk(
    _: BulkDeletePath,
    State(db): State<PgPool>,
    broadcast: Broadcast,
    State(pages): State<PageCache>,
    user: AuthUser,
    flash: Flash,
    layout: PageLayout,
    Form(form): Form<BulkDeleteForm>,
) -> Result<Response, AppError> {
    let (ids, malformed) = form.ids();
    if ids.is_empty() && malformed == 0 {
        flash.error("Select the contacts to delete first.").await?;
        return Ok(redirect(layout.wants(), paths::INDEX));
    }
    if !form.is_confirmed() {
        let names = db::names(&db, user.id, &ids).await?;
        let missing = ids.len() - names.len() + malformed;
        let title = format!(
            "Delete {}?",
            humanize::count(names.len() as u64, "contact", "contacts")
        );
        let page = views::confirm_bulk_delete(&names, missing);
        return Ok(layout.render(&title, page).await.into_response());
    }
    let deleted = db::delete_many(&db, user.id, &ids).await?;
    if deleted > 0 {
        announce(&broadcast, &pages, user.id).await;
    }
    let missing = (ids.len() + malformed).saturating_sub(deleted as usize);
    let mut message = format!(
        "Deleted {}.",
        humanize::count(deleted, "contact", "contacts")
    );
    if missing > 0 {
        message = format!("{message} {}", views::not_found(missing));
    }
    flash.success(message).await?;
    Ok(redirect(layout.wants(), paths::INDEX))
}
