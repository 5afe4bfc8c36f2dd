//! [`Query`]: the one extractor handlers read their query string with.
//!
//! It reads repeated keys (`?selected=1&selected=2`) into a `Vec`, as axum-extra's does, and
//! refuses what no handler should see as a clear 400 page in the layout (an [`AppError`],
//! never axum's plain-text rejection): a query string carrying a character of
//! [`hidden_characters`](super::hidden_characters) (a NUL, an escape, a reordering
//! character), or one that does not read as the handler's type (`?contact=` that is not an
//! id). A type whose fields are all optional (`#[serde(default)]`) reads any other query.

use axum::{extract::FromRequestParts, http::request::Parts};
use serde::de::DeserializeOwned;

use super::hidden_characters;
use crate::error::AppError;

/// What a link the user may have edited by hand is told when its query cannot be read.
const UNREADABLE: &str =
    "This address has a parameter this page cannot read. Go back and follow the link again.";

/// The request's query string as `T`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        if let Some(query) = parts.uri.query()
            && hidden_characters::query_contains_hidden(query)
        {
            return Err(AppError::BadRequest(
                hidden_characters::QUERY_MESSAGE.into(),
            ));
        }
        let axum_extra::extract::Query(value) =
            axum_extra::extract::Query::<T>::from_request_parts(parts, state)
                .await
                .map_err(|rejection| {
                    tracing::info!(%rejection, "unreadable query string");
                    AppError::BadRequest(UNREADABLE.into())
                })?;
        Ok(Self(value))
    }
}

#[cfg(test)]
mod tests {
    use axum::{http::Request, response::IntoResponse};
    use serde::Deserialize;

    use super::*;
    use crate::error::ErrorPage;

    #[derive(Debug, Default, Deserialize)]
    #[serde(default)]
    struct Params {
        q: String,
        id: Option<uuid::Uuid>,
        selected: Vec<String>,
    }

    async fn read(uri: &str) -> Result<Params, AppError> {
        let (mut parts, ()) = Request::get(uri).body(()).unwrap().into_parts();
        Query::<Params>::from_request_parts(&mut parts, &())
            .await
            .map(|Query(params)| params)
    }

    fn message(error: AppError) -> (u16, String) {
        let response = error.into_response();
        let page = response.extensions().get::<ErrorPage>().unwrap();
        (response.status().as_u16(), page.message.clone())
    }

    #[tokio::test]
    async fn reads_values_repeated_keys_and_no_query_at_all() {
        let params = read("/x?q=ada+lovelace&selected=1&selected=2")
            .await
            .unwrap();
        assert_eq!(params.q, "ada lovelace");
        assert_eq!(params.selected, ["1", "2"]);
        assert_eq!(read("/x").await.unwrap().q, "");
    }

    #[tokio::test]
    async fn hidden_characters_and_unreadable_values_are_a_400_page() {
        let (status, text) = message(read("/x?q=a%00b").await.unwrap_err());
        assert_eq!(
            (status, text.as_str()),
            (400, hidden_characters::QUERY_MESSAGE)
        );
        let (status, text) = message(read("/x?id=not-an-id").await.unwrap_err());
        assert_eq!((status, text.as_str()), (400, UNREADABLE));
    }
}
