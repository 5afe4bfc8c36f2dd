//! One contact: its page, the new and edit forms, saving them, and the on-blur check.
//!
//! The edit form comes in two shapes: the edit page, and a row of the list edited in place
//! (htmx targets the row: `HX-Target` is the row's id). Saving answers each in its own shape:
//! a redirect to the contact with a flash message for the page, the row itself for the row
//! (highlighted, with the message out of band in the page's live region);
//! invalid input comes back as a 422 with the form as it was sent and an error per field.

use axum::{
    extract::State,
    response::{IntoResponse, Response},
};
use maud::html;
use serde::Deserialize;
use sqlx::PgPool;
use uuid::Uuid;

use super::{announce, changed, deleted_elsewhere};
use crate::{
    auth::AuthUser,
    contacts::{
        db,
        fields::{self, ids},
        forms::ContactForm,
        paths::{ContactPath, EditPath, ListPath, NewPath, ValidatePath},
        views,
    },
    error::AppError,
    live::Broadcast,
    web::{
        flash::{Flash, FlashLevel, FlashMessage},
        form::{BlurTrigger, FieldErrors, ValidatedForm, unprocessable},
        htmx::redirect,
        layout::{Page, PageLayout, alerts_out_of_band},
        page_cache::PageCache,
        public_id::PublicId,
        query::Query,
    },
};

const DUPLICATE_EMAIL: &str = "This address is already in your contacts.";

pub async fn show(
    ContactPath { id: PublicId(id) }: ContactPath,
    State(db): State<PgPool>,
    user: AuthUser,
    layout: PageLayout,
) -> Result<Response, AppError> {
    let Some(contact) = db::find(&db, user.id, id).await? else {
        return deleted_elsewhere(layout.wants(), id);
    };
    // Cancelling an inline edit asks for the row back.
    if layout.wants().fragment_for(&ids::row(id)) {
        return Ok(layout.fragment(views::row(&contact)).into_response());
    }
    let page = layout.render(&contact.name(), views::show(&contact)).await;
    Ok(page.into_response())
}

pub async fn new(_: NewPath, layout: PageLayout, _user: AuthUser) -> Page {
    let page = views::new(&ContactForm::default(), &FieldErrors::default());
    layout.render("New contact", page).await
}

pub async fn create(
    _: ListPath,
    State(db): State<PgPool>,
    broadcast: Broadcast,
    State(pages): State<PageCache>,
    user: AuthUser,
    flash: Flash,
    layout: PageLayout,
    form: ValidatedForm<ContactForm>,
) -> Result<Response, AppError> {
    let (input, mut errors) = form.into_parts();
    check_email(&db, user.id, &input, None, &mut errors).await?;
    if errors.is_empty() {
        match db::insert(&db, user.id, &input).await {
            Ok(contact) => {
                announce(&broadcast, &pages, user.id).await;
                flash.success(format!("Added {}.", contact.name())).await?;
                let path = ContactPath {
                    id: contact.id.into(),
                };
                return Ok(redirect(layout.wants(), &path.to_string()));
            }
            Err(error) if db::is_duplicate_email(&error) => errors.add("email", DUPLICATE_EMAIL),
            Err(error) => return Err(error.into()),
        }
    }
    let page = layout.render("New contact", views::new(&input, &errors));
    Ok(unprocessable(page.await))
}

/// The edit page, or for htmx targeting the contact's row, the row's edit form.
pub async fn edit(
    EditPath { id: PublicId(id) }: EditPath,
    State(db): State<PgPool>,
    user: AuthUser,
    layout: PageLayout,
) -> Result<Response, AppError> {
    let Some(contact) = db::find(&db, user.id, id).await? else {
        return deleted_elsewhere(layout.wants(), id);
    };
    let input = contact.to_form();
    let no_errors = FieldErrors::default();
    if layout.wants().fragment_for(&ids::row(id)) {
        let row = views::edit_row(id, &input, &no_errors);
        return Ok(layout.fragment(row).into_response());
    }
    let title = format!("Edit {}", contact.name());
    let page = views::edit(id, &contact.name(), &input, &no_errors);
    Ok(layout.render(&title, page).await.into_response())
}

pub async fn update(
    path: ContactPath,
    State(db): State<PgPool>,
    broadcast: Broadcast,
    State(pages): State<PageCache>,
    user: AuthUser,
    flash: Flash,
    layout: PageLayout,
    form: ValidatedForm<ContactForm>,
) -> Result<Response, AppError> {
    let PublicId(id) = path.id;
    let Some(saved) = db::find(&db, user.id, id).await? else {
        return deleted_elsewhere(layout.wants(), id);
    };
    let in_row = layout.wants().fragment_for(&ids::row(id));
    let (input, mut errors) = form.into_parts();
    check_email(&db, user.id, &input, Some(id), &mut errors).await?;
    if errors.is_empty() {
        let updated = db::update(&db, user.id, id, &input).await;
        if let Ok(Some(_)) = &updated {
            announce(&broadcast, &pages, user.id).await;
        }
        match updated {
            // The row, highlighted, and the message in the page's live region (out of band).
            Ok(Some(contact)) if in_row => {
                let notice = [FlashMessage {
                    level: FlashLevel::Success,
                    text: format!("Saved {}.", contact.name()),
                }];
                let answer = html! { (views::saved_row(&contact)) (alerts_out_of_band(&notice)) };
                return Ok((changed(), layout.fragment(answer)).into_response());
            }
            Ok(Some(contact)) => {
                flash.success(format!("Saved {}.", contact.name())).await?;
                return Ok(redirect(layout.wants(), &path.to_string()));
            }
            // Deleted since it was read, in another tab.
            Ok(None) => return deleted_elsewhere(layout.wants(), id),
            Err(error) if db::is_duplicate_email(&error) => errors.add("email", DUPLICATE_EMAIL),
            Err(error) => return Err(error.into()),
        }
    }
    if in_row {
        return Ok(unprocessable(
            layout.fragment(views::edit_row(id, &input, &errors)),
        ));
    }
    let title = format!("Edit {}", saved.name());
    let page = layout.render(&title, views::edit(id, &saved.name(), &input, &errors));
    Ok(unprocessable(page.await))
}

/// `?contact=` the contact being edited, whose own address is not a duplicate.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ValidateQuery {
    contact: Option<PublicId>,
}

/// The on-blur check of one field of any contact form, the address checked against the
/// user's other contacts too.
pub async fn validate(
    _: ValidatePath,
    State(db): State<PgPool>,
    user: AuthUser,
    Query(query): Query<ValidateQuery>,
    trigger: BlurTrigger,
    form: ValidatedForm<ContactForm>,
) -> Result<Response, AppError> {
    let (input, mut errors) = form.into_parts();
    let contact = query.contact.map(|PublicId(id)| id);
    if trigger.name() == "email" {
        check_email(&db, user.id, &input, contact, &mut errors).await?;
    }
    let validate_url = fields::validate_url(contact);
    let form = trigger.form();
    let fields = match contact {
        None if form == ids::NEW => fields::all(form, &input, &errors, &validate_url),
        Some(_) if form == ids::EDIT => fields::all(form, &input, &errors, &validate_url),
        Some(id) if form == ids::row_form(id) => fields::row(form, &input, &errors, &validate_url),
        _ => Vec::new(),
    };
    Ok(trigger.answer(&fields))
}

/// Adds an error when the address (if any, and valid) is on another of the user's contacts.
async fn check_email(
    db: &PgPool,
    owner: Uuid,
    input: &ContactForm,
    except: Option<Uuid>,
    errors: &mut FieldErrors,
) -> Result<(), AppError> {
    if let Some(email) = &input.email
        && errors.get("email").is_none()
        && db::email_taken(db, owner, email, except).await?
    {
        errors.add("email", DUPLICATE_EMAIL);
    }
    Ok(())
}
