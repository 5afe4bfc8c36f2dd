//! The invoices table. Every query takes the owner's id and filters on it, so another user's
//! invoice is never read, changed or counted.
//!
//! The list goes newest first by keyset (`web::keyset`): a page is "the next 25 older than
//! this one", a range of the `(owner_id, created_at, id)` index, whatever its depth.

use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

use super::forms::InvoiceForm;
use crate::web::{keyset, rules};

/// The table, as PostgreSQL names it in the notifications of changed rows
/// (`backends::row_changes`).
pub const TABLE: &str = "invoices";

/// Invoices on one page of the list.
pub const PAGE_SIZE: usize = 25;

#[derive(Debug, Clone)]
pub struct Invoice {
    pub id: Uuid,
    pub number: String,
    pub amount: String,
    pub due_on: time::Date,
    pub paid: bool,
    pub notes: Option<String>,
    pub quantity: i64,
    pub issued_at: time::OffsetDateTime,
    pub customer_id: Option<uuid::Uuid>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl Invoice {
    /// What names the invoice in lists and titles.
    pub fn title(&self) -> String {
        self.number.clone()
    }

    /// The form, filled with this invoice, to edit it.
    pub fn to_form(&self) -> InvoiceForm {
        let record = self;
        InvoiceForm {
            number: record.number.clone(),
            amount: record.amount.clone(),
            due_on: record.due_on.to_string(),
            paid: record.paid.then(|| "on".to_owned()),
            notes: record.notes.clone(),
            quantity: record.quantity.to_string(),
            issued_at: rules::date_time_input(record.issued_at),
            customer_id: record.customer_id.map(|value| value.to_string()),
        }
    }
}

/// Where a page of the list starts: after the invoice created at this moment, with this id.
pub type Cursor = keyset::Cursor<OffsetDateTime>;

pub type Page = keyset::Page<Invoice, OffsetDateTime>;

/// The page of `owner`'s invoices after `after` (from the newest with none).
pub async fn page(
    db: impl PgExecutor<'_>,
    owner: Uuid,
    after: Option<&Cursor>,
) -> Result<Page, sqlx::Error> {
    let limit = keyset::limit(PAGE_SIZE);
    let rows = match after {
        None => {
            sqlx::query_as!(
                Invoice,
                r#"
                SELECT id, number, amount::text AS "amount!", due_on, paid, notes, quantity, issued_at, customer_id, created_at, updated_at
                FROM invoices
                WHERE owner_id = $1
                ORDER BY created_at DESC, id DESC
                LIMIT $2
                "#,
                owner,
                limit,
            )
            .fetch_all(db)
            .await?
        }
        Some(after) => {
            sqlx::query_as!(
                Invoice,
                r#"
                SELECT id, number, amount::text AS "amount!", due_on, paid, notes, quantity, issued_at, customer_id, created_at, updated_at
                FROM invoices
                WHERE owner_id = $1 AND (created_at, id) < ($2, $3)
                ORDER BY created_at DESC, id DESC
                LIMIT $4
                "#,
                owner,
                after.key,
                after.id,
                limit,
            )
            .fetch_all(db)
            .await?
        }
    };
    Ok(Page::from_rows(rows, PAGE_SIZE, |record| Cursor {
        key: record.created_at,
        id: record.id,
    }))
}

pub async fn find(
    db: impl PgExecutor<'_>,
    owner: Uuid,
    id: Uuid,
) -> Result<Option<Invoice>, sqlx::Error> {
    sqlx::query_as!(
        Invoice,
        r#"SELECT id, number, amount::text AS "amount!", due_on, paid, notes, quantity, issued_at, customer_id, created_at, updated_at FROM invoices WHERE owner_id = $1 AND id = $2"#,
        owner,
        id,
    )
    .fetch_optional(db)
    .await
}

/// The values are bound as typed text, and PostgreSQL casts each to its column's type; the
/// form's rules have checked that it will.
pub async fn insert(
    db: impl PgExecutor<'_>,
    owner: Uuid,
    form: &InvoiceForm,
) -> Result<Invoice, sqlx::Error> {
    sqlx::query_as!(
        Invoice,
        r#"
        INSERT INTO invoices (owner_id, number, amount, due_on, paid, notes, quantity, issued_at, customer_id)
        VALUES ($1, $2, $3::text::numeric, $4::text::date, $5, $6, $7::text::bigint, $8::text::timestamp AT TIME ZONE 'UTC', $9::text::uuid)
        RETURNING id, number, amount::text AS "amount!", due_on, paid, notes, quantity, issued_at, customer_id, created_at, updated_at
        "#,
        owner,
        &form.number,
        &form.amount,
        &form.due_on,
        form.paid.is_some(),
        form.notes.as_deref(),
        &form.quantity,
        &form.issued_at,
        form.customer_id.as_deref(),
    )
    .fetch_one(db)
    .await
}

/// The invoice as changed; `None` if `owner` has no invoice `id`.
pub async fn update(
    db: impl PgExecutor<'_>,
    owner: Uuid,
    id: Uuid,
    form: &InvoiceForm,
) -> Result<Option<Invoice>, sqlx::Error> {
    sqlx::query_as!(
        Invoice,
        r#"
        UPDATE invoices
        SET number = $3, amount = $4::text::numeric, due_on = $5::text::date, paid = $6, notes = $7, quantity = $8::text::bigint, issued_at = $9::text::timestamp AT TIME ZONE 'UTC', customer_id = $10::text::uuid, updated_at = now()
        WHERE owner_id = $1 AND id = $2
        RETURNING id, number, amount::text AS "amount!", due_on, paid, notes, quantity, issued_at, customer_id, created_at, updated_at
        "#,
        owner,
        id,
        &form.number,
        &form.amount,
        &form.due_on,
        form.paid.is_some(),
        form.notes.as_deref(),
        &form.quantity,
        &form.issued_at,
        form.customer_id.as_deref(),
    )
    .fetch_optional(db)
    .await
}

/// The deleted invoice; `None` if `owner` has no invoice `id`.
pub async fn delete(
    db: impl PgExecutor<'_>,
    owner: Uuid,
    id: Uuid,
) -> Result<Option<Invoice>, sqlx::Error> {
    sqlx::query_as!(
        Invoice,
        r#"DELETE FROM invoices WHERE owner_id = $1 AND id = $2 RETURNING id, number, amount::text AS "amount!", due_on, paid, notes, quantity, issued_at, customer_id, created_at, updated_at"#,
        owner,
        id,
    )
    .fetch_optional(db)
    .await
}
