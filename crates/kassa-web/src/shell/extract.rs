//! Form and query extractors for pages. axum's own answer a form or query it cannot read
//! (a field missing, a number that is not one: a tampered or half-sent form) with a plain
//! English text; these answer with the error page in the visitor's language instead.

use super::error::WebError;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// A submitted form (`application/x-www-form-urlencoded`), or the 400 page.
pub struct Form<T>(pub T);

impl<T, S> FromRequest<S> for Form<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = WebError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(value)) => Ok(Form(value)),
            Err(rejection) => Err(unreadable("form", rejection.body_text())),
        }
    }
}

/// The query string of a page, or the 400 page.
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Query(value)),
            Err(rejection) => Err(unreadable("query", rejection.body_text())),
        }
    }
}

fn unreadable(what: &str, why: String) -> WebError {
    tracing::info!(what, why, "a request could not be read");
    WebError::BadRequest(why)
}

/// The parameters of a page's path; one that does not parse (`/portal/users/abc`) names
/// nothing, so it is the 404 page.
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(rejection) => {
                tracing::info!(why = rejection.body_text(), "a path could not be read");
                Err(WebError::NotFound)
            }
        }
    }
}
