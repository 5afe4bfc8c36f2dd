//! The invoices handlers: the list, the forms, saving them, the on-blur check and deleting.
//! Each goes extract → authorise (the signed-in owner) → validate → change → respond; its
//! first argument is its path, which mounts it (`paths.rs`).

use axum::{
    extract::State,
    response::{IntoResponse, Response},
};
use axum_extra::routing::TypedPath;
use maud::html;
use serde::Deserialize;
use sqlx::PgPool;
use uuid::Uuid;

use super::{
    db::{self, Cursor},
    fields::{self, events, ids},
    forms::InvoiceForm,
    paths::{DeletePath, EditPath, InvoicePath, ListPath, NewPath, ValidatePath},
    views,
};
use crate::{
    auth::AuthUser,
    error::AppError,
    live::{Broadcast, EventName, LiveEvent},
    web::{
        flash::{Flash, FlashLevel, FlashMessage},
        form::{BlurTrigger, FieldErrors, ValidatedForm, unprocessable},
        htmx::{Wants, redirect},
        layout::{Page, PageLayout, alerts_out_of_band},
        page_cache::PageCache,
        public_id::PublicId,
        query::Query,
    },
};

/// `?after=`: the cursor of the page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    after: Option<String>,
}

/// After a change to the user's invoices commits: drops this instance's rendered list at
/// once (other instances hear of it from PostgreSQL), and tells the user's other open pages:
/// their list refetches itself (see `views::live_refresh`). The page that made the change is
/// left alone.
async fn announce(broadcast: &Broadcast, pages: &PageCache, user: Uuid) {
    pages.forget(user);
    let event = LiveEvent::new(EventName::new(events::CHANGED), html! {});
    broadcast.send(user, event).await;
}

/// The list, or for htmx targeting the next-page row, the next page's rows; for the live
/// refetch (targeting the list), the first page of the list.
pub async fn index(
    _: ListPath,
    State(db): State<PgPool>,
    State(pages): State<PageCache>,
    user: AuthUser,
    layout: PageLayout,
    Query(query): Query<ListQuery>,
) -> Result<Page, AppError> {
    let wants = layout.wants();
    // The first page is what most visits see: it is kept as rendered until the user's
    // invoices change (`web::page_cache`).
    if query.after.is_none() && !wants.fragment_for(ids::MORE) {
        let list = wants.fragment_for(ids::LIST);
        let view = if list { "list" } else { "index" };
        let content = pages
            .get_or_render(db::TABLE, user.id, view, || async {
                let page = db::page(&db, user.id, None).await?;
                Ok::<_, AppError>(if list {
                    views::list(&page, false)
                } else {
                    views::index(&page, false)
                })
            })
            .await?;
        return Ok(if list {
            layout.fragment(content)
        } else {
            layout.render("Invoices", content).await
        });
    }
    let after = match &query.after {
        Some(cursor) => Some(Cursor::decode(cursor).ok_or_else(|| {
            AppError::BadRequest("That page link is broken. Start again from the list.".into())
        })?),
        None => None,
    };
    let page = db::page(&db, user.id, after.as_ref()).await?;
    Ok(if wants.fragment_for(ids::MORE) {
        layout.fragment(views::rows(&page))
    } else if wants.fragment_for(ids::LIST) {
        layout.fragment(views::list(&page, false))
    } else {
        layout
            .render("Invoices", views::index(&page, after.is_some()))
            .await
    })
}

pub async fn show(
    InvoicePath { id: PublicId(id) }: InvoicePath,
    State(db): State<PgPool>,
    user: AuthUser,
    layout: PageLayout,
) -> Result<Page, AppError> {
    let record = db::find(&db, user.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(layout.render(&record.title(), views::show(&record)).await)
}

pub async fn new(_: NewPath, layout: PageLayout, _user: AuthUser) -> Page {
    let page = views::new(&InvoiceForm::default(), &FieldErrors::default());
    layout.render("New invoice", page).await
}

pub async fn create(
    _: ListPath,
    State(db): State<PgPool>,
    broadcast: Broadcast,
    State(pages): State<PageCache>,
    user: AuthUser,
    flash: Flash,
    layout: PageLayout,
    form: ValidatedForm<InvoiceForm>,
) -> Result<Response, AppError> {
    let form = match form.valid() {
        Ok(form) => form,
        Err(invalid) => {
            let page = views::new(&invalid.input, &invalid.errors);
            return Ok(unprocessable(layout.render("New invoice", page).await));
        }
    };
    let record = db::insert(&db, user.id, &form).await?;
    announce(&broadcast, &pages, user.id).await;
    flash.success(format!("Added {}.", record.title())).await?;
    let path = InvoicePath {
        id: record.id.into(),
    };
    Ok(redirect(layout.wants(), &path.to_string()))
}

pub async fn edit(
    EditPath { id: PublicId(id) }: EditPath,
    State(db): State<PgPool>,
    user: AuthUser,
    layout: PageLayout,
) -> Result<Page, AppError> {
    let record = db::find(&db, user.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let title = record.title();
    let page = views::edit(id, &title, &record.to_form(), &FieldErrors::default());
    Ok(layout.render(&format!("Edit {title}"), page).await)
}

pub async fn update(
    path: InvoicePath,
    State(db): State<PgPool>,
    broadcast: Broadcast,
    State(pages): State<PageCache>,
    user: AuthUser,
    flash: Flash,
    layout: PageLayout,
    form: ValidatedForm<InvoiceForm>,
) -> Result<Response, AppError> {
    let PublicId(id) = path.id;
    let saved = db::find(&db, user.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let form = match form.valid() {
        Ok(form) => form,
        Err(invalid) => {
            let title = saved.title();
            let page = views::edit(id, &title, &invalid.input, &invalid.errors);
            let page = layout.render(&format!("Edit {title}"), page).await;
            return Ok(unprocessable(page));
        }
    };
    // Deleted since it was read, in another tab: not found.
    let record = db::update(&db, user.id, id, &form)
        .await?
        .ok_or(AppError::NotFound)?;
    announce(&broadcast, &pages, user.id).await;
    flash.success(format!("Saved {}.", record.title())).await?;
    Ok(redirect(layout.wants(), &path.to_string()))
}

/// The on-blur check of one field of the new or edit form.
pub async fn validate(
    _: ValidatePath,
    _user: AuthUser,
    trigger: BlurTrigger,
    form: ValidatedForm<InvoiceForm>,
) -> Response {
    let (input, errors) = form.into_parts();
    let fields = match trigger.form() {
        form @ (ids::NEW | ids::EDIT) => fields::all(form, &input, &errors, ValidatePath::PATH),
        _ => Vec::new(),
    };
    trigger.answer(&fields)
}

/// The page that asks before deleting, for browsers without JavaScript.
pub async fn confirm_delete(
    DeletePath { id: PublicId(id) }: DeletePath,
    State(db): State<PgPool>,
    user: AuthUser,
    layout: PageLayout,
) -> Result<Page, AppError> {
    let record = db::find(&db, user.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let title = format!("Delete {}?", record.title());
    Ok(layout.render(&title, views::confirm_delete(&record)).await)
}

/// `POST` from the confirmation page: the same as [`delete`], for a browser without
/// JavaScript.
pub async fn delete_confirmed(
    DeletePath { id }: DeletePath,
    db: State<PgPool>,
    broadcast: Broadcast,
    pages: State<PageCache>,
    user: AuthUser,
    flash: Flash,
    wants: Wants,
) -> Result<Response, AppError> {
    let path = InvoicePath { id };
    delete(path, db, broadcast, pages, user, flash, wants).await
}

/// `DELETE` from the list once the user has confirmed: the row is answered with nothing
/// (htmx removes it) and the message out of band.
pub async fn delete(
    InvoicePath { id: PublicId(id) }: InvoicePath,
    State(db): State<PgPool>,
    broadcast: Broadcast,
    State(pages): State<PageCache>,
    user: AuthUser,
    flash: Flash,
    wants: Wants,
) -> Result<Response, AppError> {
    let record = db::delete(&db, user.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    announce(&broadcast, &pages, user.id).await;
    let message = format!("Deleted {}.", record.title());
    if wants.fragment_for(&ids::row(id)) {
        let notice = [FlashMessage {
            level: FlashLevel::Success,
            text: message,
        }];
        return Ok(alerts_out_of_band(&notice).into_response());
    }
    flash.success(message).await?;
    Ok(redirect(&wants, ListPath::PATH))
}
