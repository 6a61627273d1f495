use super::views::ErrorPage;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

/// Errors a handler can end with. Each maps to a status and a friendly page once, here.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("cannot listen on {addr}: {source}. Is another Kassa (or something else) using that port? Pick another with --listen.")]
    Bind { addr: String, source: std::io::Error },
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    /// A change asked of a suspended merchant: 403, with a page that says why.
    #[error("the merchant is suspended")]
    Suspended,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error(transparent)]
    Db(#[from] kassa_db::DbError),
    #[error("template: {0}")]
    Template(#[from] askama::Error),
    #[error("configuration: {0}")]
    Config(String),
    #[error("internal: {0}")]
    Internal(String),
}

impl From<kassa_app::AppError> for WebError {
    /// The fallback for use-case errors a handler does not answer itself: not found is a
    /// 404, storage and internal failures a 500, the rest a 400.
    fn from(e: kassa_app::AppError) -> WebError {
        use kassa_app::AppError;
        match e {
            AppError::NotFound(_) => WebError::NotFound,
            AppError::Forbidden => WebError::Forbidden,
            AppError::Storage(e) => WebError::Db(e),
            AppError::Internal(e) => WebError::Internal(e),
            AppError::Refused(r) => WebError::from_refusal(r),
            other => WebError::BadRequest(other.to_string()),
        }
    }
}

impl WebError {
    pub fn from_refusal(r: kassa_core::order::Refusal) -> WebError {
        WebError::BadRequest(r.to_string())
    }

    fn status(&self) -> StatusCode {
        match self {
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::Forbidden | WebError::Suspended => StatusCode::FORBIDDEN,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::Db(e) if e.outage().is_some() => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            // The request id is in the span; the page shows it so support can find this line.
            tracing::error!(error = %self, "request failed");
        }
        // The page is filled in with language and request id by `security::headers`, which
        // knows the request; here we only mark the response.
        let mut res = status.into_response();
        let marker = match &self {
            WebError::Suspended => ErrorPage::suspended(),
            WebError::Db(e) => match e.outage() {
                Some(outage) => {
                    res.headers_mut().insert(
                        axum::http::header::RETRY_AFTER,
                        axum::http::HeaderValue::from_static("5"),
                    );
                    ErrorPage::unavailable(outage)
                }
                None => ErrorPage::marker(status),
            },
            _ => ErrorPage::marker(status),
        };
        res.extensions_mut().insert(marker);
        res
    }
}

pub(crate) async fn not_found(_headers: HeaderMap) -> WebError {
    WebError::NotFound
}
