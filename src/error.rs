//! `AppError`: what a handler returns when it cannot answer normally.
//!
//! Each variant maps to one status code. The response carries no body of its own: it carries
//! an [`ErrorPage`] extension, and the error-page middleware (`web::error_pages`) renders it as a
//! full page in the layout or as an htmx fragment, depending on the request. That middleware
//! also logs it, once, with the request id. Internal details (SQL, causes) go to the log only.

use std::time::Duration;

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 400: the request is malformed; the message is shown to the user.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 403: signed in, but not allowed.
    #[error("forbidden")]
    Forbidden,
    /// 403: a state-changing request sent by another site (see `web::csrf`).
    #[error("cross-site request refused")]
    CrossSiteRequest,
    /// 404: no such page, or a record that is not the user's.
    #[error("not found")]
    NotFound,
    /// 409: the change conflicts with the current state; the message is shown.
    #[error("conflict: {0}")]
    Conflict(String),
    /// 422: well-formed but invalid input that no form re-render can show.
    #[error("unprocessable: {0}")]
    Unprocessable(String),
    /// 429: slow down.
    #[error("too many requests")]
    TooManyRequests { retry_after: Duration },
    /// 503: a backing service (named) is down; the request may succeed later.
    #[error("{0} unavailable")]
    Unavailable(&'static str),
    /// 500: a bug or an unexpected failure. The cause is logged, never shown.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// What the error-page middleware renders for an error response.
#[derive(Debug, Clone)]
pub struct ErrorPage {
    /// Safe to show to the user.
    pub message: String,
    /// For the log only.
    pub detail: Option<String>,
}

/// The cause of a server error, kept on the error page's response for the layers outside
/// it: the metrics layer lists the latest ones for the operations dashboard.
#[derive(Debug, Clone)]
pub struct ErrorCause(pub String);

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Forbidden | Self::CrossSiteRequest => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn user_message(&self) -> String {
        match self {
            Self::BadRequest(message) | Self::Conflict(message) | Self::Unprocessable(message) => {
                message.clone()
            }
            Self::CrossSiteRequest => {
                "This request came from another site and was refused. Go back, reload the page \
                 and try again."
                    .into()
            }
            Self::TooManyRequests { retry_after } => format!(
                "Too many attempts. Please wait {} and try again.",
                crate::web::humanize::duration(*retry_after)
            ),
            other => default_message(other.status()).to_owned(),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut response = self.status().into_response();
        if let Self::TooManyRequests { retry_after } = &self {
            let seconds = retry_after.as_secs().max(1);
            if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        let detail = match &self {
            Self::Internal(error) => Some(format!("{error:#}")),
            Self::Unavailable(service) => Some(format!("{service} unavailable")),
            _ => None,
        };
        response.extensions_mut().insert(ErrorPage {
            message: self.user_message(),
            detail,
        });
        response
    }
}

/// Database errors: a missing row is a 404, a unique violation a 409, an unreachable database
/// a 503 (the pool reconnects by itself once it is back); anything else is a bug.
impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::RowNotFound => Self::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                Self::Conflict("That already exists.".into())
            }
            // admin_shutdown, crash_shutdown, cannot_connect_now: the server is restarting.
            sqlx::Error::Database(db)
                if matches!(db.code().as_deref(), Some("57P01" | "57P02" | "57P03")) =>
            {
                tracing::warn!(%error, "database restarting");
                Self::Unavailable("database")
            }
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_) => {
                tracing::warn!(%error, "database unreachable");
                Self::Unavailable("database")
            }
            _ => Self::Internal(anyhow::Error::new(error).context("database query failed")),
        }
    }
}

/// A path whose parameters do not parse (an id that is not a UUID) names no record: a 404, the
/// same answer as for a record that is someone else's, so a URL never tells the two apart.
/// Every typed path with parameters says `#[typed_path("...", rejection(AppError))]`.
impl From<axum::extract::rejection::PathRejection> for AppError {
    fn from(_: axum::extract::rejection::PathRejection) -> Self {
        Self::NotFound
    }
}

/// Session errors: the store failing to reach PostgreSQL is a 503 like any other outage;
/// data that cannot be encoded or read back is a bug.
impl From<tower_sessions::session::Error> for AppError {
    fn from(error: tower_sessions::session::Error) -> Self {
        use tower_sessions::{session::Error, session_store::Error as StoreError};
        match error {
            Error::Store(StoreError::Backend(error)) => {
                tracing::warn!(%error, "session store unavailable");
                Self::Unavailable("session store")
            }
            other => Self::Internal(anyhow::Error::new(other).context("session data")),
        }
    }
}

/// The message shown for a status when nothing more specific is known (also used for
/// rejections from extractors and layers, whose own texts are not written for users).
pub fn default_message(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "The request could not be understood.",
        401 => "Please sign in to continue.",
        403 => "You are not allowed to do that.",
        404 => "There is nothing at this address.",
        405 => "This address does not accept that kind of request.",
        408 | 504 => "The request took too long. Please try again.",
        409 => "That conflicts with a change made in the meantime.",
        413 => "What you sent is too large.",
        415 => "That kind of content is not accepted here.",
        422 => "Some of what you sent is not valid.",
        429 => "Too many requests. Please wait a moment and try again.",
        503 => "The service is temporarily unavailable. Please try again in a moment.",
        _ if status.is_server_error() => "Something went wrong on our side. It has been logged.",
        _ => "The request could not be completed.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_variant_has_its_status() {
        let cases = [
            (AppError::BadRequest("x".into()), 400),
            (AppError::Forbidden, 403),
            (AppError::CrossSiteRequest, 403),
            (AppError::NotFound, 404),
            (AppError::Conflict("x".into()), 409),
            (AppError::Unprocessable("x".into()), 422),
            (
                AppError::TooManyRequests {
                    retry_after: Duration::from_secs(5),
                },
                429,
            ),
            (AppError::Unavailable("database"), 503),
            (AppError::Internal(anyhow::anyhow!("boom")), 500),
        ];
        for (error, status) in cases {
            assert_eq!(error.into_response().status(), status);
        }
    }

    #[test]
    fn internal_details_stay_out_of_the_user_message() {
        let response =
            AppError::Internal(anyhow::anyhow!("SELECT secret FROM users")).into_response();
        let page = response.extensions().get::<ErrorPage>().unwrap();
        assert!(!page.message.contains("SELECT"));
        assert!(page.detail.as_deref().unwrap().contains("SELECT"));
    }

    #[test]
    fn too_many_requests_says_when_to_retry() {
        let response = AppError::TooManyRequests {
            retry_after: Duration::from_secs(90),
        }
        .into_response();
        assert_eq!(response.headers()["retry-after"], "90");
        let page = response.extensions().get::<ErrorPage>().unwrap();
        assert!(page.message.contains("2 minutes"), "{}", page.message);
    }

    #[test]
    fn a_failing_session_store_is_unavailable() {
        let error = tower_sessions::session::Error::Store(
            tower_sessions::session_store::Error::Backend("connection refused".into()),
        );
        assert_eq!(AppError::from(error).status(), 503);
    }

    #[test]
    fn unreachable_database_is_unavailable() {
        assert_eq!(AppError::from(sqlx::Error::PoolTimedOut).status(), 503);
        assert_eq!(AppError::from(sqlx::Error::RowNotFound).status(), 404);
    }

    #[tokio::test]
    async fn a_typed_path_whose_id_does_not_parse_is_not_found() {
        use axum::{Router, body::Body, http::Request};
        use axum_extra::routing::TypedPath;

        use crate::web::routes::RouterExt;
        use tower::ServiceExt;

        #[derive(TypedPath, serde::Deserialize)]
        #[typed_path("/things/{id}", rejection(AppError))]
        struct ThingPath {
            id: uuid::Uuid,
        }

        let app =
            Router::new().typed_get(|ThingPath { id }: ThingPath| async move { id.to_string() });
        let id = uuid::Uuid::new_v4();
        for (path, status) in [
            (ThingPath { id }.to_string(), StatusCode::OK),
            ("/things/not-a-uuid".to_owned(), StatusCode::NOT_FOUND),
        ] {
            let request = Request::get(&path).body(Body::empty()).unwrap();
            assert_eq!(
                app.clone().oneshot(request).await.unwrap().status(),
                status,
                "{path}"
            );
        }
    }
}
