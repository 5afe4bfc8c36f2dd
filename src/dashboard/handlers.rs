//! The dashboard page (whole, or its panels for the page's live refetch) and the two actions
//! on a failed job, each recorded with who took it and when, and each needing a recent
//! sign-in (sudo mode).

use axum::{
    extract::State,
    response::{IntoResponse, Response},
};
use axum_extra::routing::TypedPath;
use sqlx::PgPool;
use time::OffsetDateTime;

use super::{
    db::{self, JobAction},
    fields::ids,
    live,
    paths::{DashboardPath, DashboardQuery, DiscardJobPath, RetryJobPath},
    views::{self, Dashboard},
};
use crate::{
    AppState,
    auth::{RequireAdmin, RequireSudo},
    email,
    error::AppError,
    jobs,
    monitoring::{instances, slow_queries},
    web::{
        flash::Flash,
        htmx::{Wants, redirect},
        layout::PageLayout,
        public_id::PublicId,
        query::Query,
    },
};

/// Failed jobs listed, the most recent first.
const FAILED_SHOWN: i64 = 20;
/// Actions on jobs listed.
const ACTIONS_SHOWN: i64 = 10;

pub async fn show(
    _: DashboardPath,
    State(state): State<AppState>,
    RequireAdmin(_): RequireAdmin,
    Query(query): Query<DashboardQuery>,
    layout: PageLayout,
) -> Result<Response, AppError> {
    let dashboard = load(&state, query.instance).await?;
    live::opened(&state.cache).await;
    let panels = views::panels(&dashboard);
    if layout.wants().fragment_for(ids::PANELS) {
        return Ok(layout.fragment(panels).into_response());
    }
    let page = views::page(panels, dashboard.selected);
    Ok(layout.render("Dashboard", page).await.into_response())
}

async fn load(state: &AppState, selected: Option<uuid::Uuid>) -> Result<Dashboard, AppError> {
    let db = &state.db;
    let (services, instances, queue, outbox, failed, actions) = tokio::join!(
        state.instance.services.current(state),
        instances::running(db),
        jobs::db::counts(db),
        email::db::counts(db),
        jobs::db::failed(db, FAILED_SHOWN),
        db::recent(db, ACTIONS_SHOWN),
    );
    Ok(Dashboard {
        now: OffsetDateTime::now_utc(),
        this_instance: state.instance.id,
        local_traffic: state.instance.traffic.minutes(),
        local_routes: state.instance.traffic.routes(),
        local_errors: state.instance.errors.latest(),
        local_slow_queries: slow_queries::latest(),
        slow_query: state.config.database.slow_query,
        selected,
        instances: instances?,
        queue: queue?,
        outbox: outbox?,
        failed: failed?,
        actions: actions?,
        services,
    })
}

pub async fn retry(
    RetryJobPath { id: PublicId(id) }: RetryJobPath,
    State(db): State<PgPool>,
    RequireAdmin(admin): RequireAdmin,
    flash: Flash,
    wants: Wants,
    _: RequireSudo,
) -> Result<Response, AppError> {
    let mut tx = db.begin().await?;
    let Some(job) = jobs::db::retry_failed(&mut tx, id).await? else {
        flash.error(NOT_FAILED).await?;
        return Ok(redirect(&wants, DashboardPath::PATH));
    };
    db::record(&mut *tx, &job, JobAction::Retry, admin.id, &admin.email).await?;
    tx.commit().await?;
    flash
        .success(format!("The {} job is queued again.", job.kind))
        .await?;
    Ok(redirect(&wants, DashboardPath::PATH))
}

pub async fn discard(
    DiscardJobPath { id: PublicId(id) }: DiscardJobPath,
    State(db): State<PgPool>,
    RequireAdmin(admin): RequireAdmin,
    flash: Flash,
    wants: Wants,
    _: RequireSudo,
) -> Result<Response, AppError> {
    let mut tx = db.begin().await?;
    let Some(job) = jobs::db::discard_failed(&mut *tx, id).await? else {
        flash.error(NOT_FAILED).await?;
        return Ok(redirect(&wants, DashboardPath::PATH));
    };
    db::record(&mut *tx, &job, JobAction::Discard, admin.id, &admin.email).await?;
    tx.commit().await?;
    flash
        .success(format!("The failed {} job is discarded.", job.kind))
        .await?;
    Ok(redirect(&wants, DashboardPath::PATH))
}

/// Someone else retried or discarded it meanwhile, or it never failed.
const NOT_FAILED: &str = "That job is not failed any more: someone may have retried or \
    discarded it already.";
