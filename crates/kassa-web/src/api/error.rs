//! The merchant API's error body, Kustom's: `{error_code, error_messages, correlation_id}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kassa_app::{AppError, Missing};
use kassa_core::lines::BadValue;
use kassa_core::order::Refusal;

/// An API error. The correlation id is added by the pipeline, which knows the request.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub messages: Vec<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            messages: vec![message.into()],
        }
    }

    pub fn bad_value(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "BAD_VALUE", message)
    }

    pub fn bad_values(values: Vec<BadValue>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "BAD_VALUE",
            messages: values.iter().map(|b| b.to_string()).collect(),
        }
    }

    pub fn no_such_order(order_id: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "NO_SUCH_ORDER",
            format!("Order {order_id} cannot be found."),
        )
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "Missing or invalid credentials: use HTTP Basic with your API username and password.",
        )
    }

    /// Valid credentials of a merchant the provider has suspended.
    pub fn merchant_suspended() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "MERCHANT_SUSPENDED",
            "The merchant account of these credentials is suspended: every request is refused until it is reinstated. Contact Kassa support.",
        )
    }

    pub fn internal() -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_SERVER_ERROR",
            "Unexpected server error. Retry later with the same idempotency key.",
        )
    }

    /// The database is away or its disk is full: nothing was written, and a retry with the
    /// same idempotency key is safe (a 5xx gives the key up).
    pub fn unavailable(outage: kassa_db::Outage) -> ApiError {
        let message = match outage {
            kassa_db::Outage::Unreachable => {
                "The service is temporarily unavailable: its database does not answer. Nothing was changed. Retry in a few seconds with the same idempotency key."
            }
            kassa_db::Outage::DiskFull => {
                "The service cannot save changes right now: the disk of its database is full. Nothing was changed. Retry later with the same idempotency key."
            }
        };
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "SERVICE_UNAVAILABLE", message)
    }

    /// The JSON body, with the request's correlation id.
    pub fn body(&self, correlation_id: &str) -> serde_json::Value {
        serde_json::json!({
            "error_code": self.code,
            "error_messages": self.messages,
            "correlation_id": correlation_id,
        })
    }
}

impl From<Refusal> for ApiError {
    fn from(r: Refusal) -> ApiError {
        let status = match r {
            Refusal::BadValue(_) => StatusCode::BAD_REQUEST,
            _ => StatusCode::FORBIDDEN,
        };
        ApiError::new(status, r.code(), r.to_string())
    }
}

/// The one place a use case's error becomes Kustom's: its codes, statuses and wording.
impl From<AppError> for ApiError {
    fn from(e: AppError) -> ApiError {
        match e {
            AppError::NotFound(Missing::Order(id)) => ApiError::no_such_order(&id),
            AppError::NotFound(Missing::Checkout(id)) => ApiError::new(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                format!("We did not find any order with ID {id}. You need to create a new order."),
            ),
            AppError::NotFound(Missing::Capture { order_id, capture_id }) => ApiError::new(
                StatusCode::NOT_FOUND,
                "NO_SUCH_CAPTURE",
                format!("Capture {capture_id} cannot be found for order {order_id}."),
            ),
            AppError::NotFound(Missing::Refund { order_id, refund_id }) => ApiError::new(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                format!("Refund with id {refund_id} cannot be found for order {order_id}."),
            ),
            AppError::NotFound(Missing::Other(what)) => ApiError::new(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                format!("The {what} cannot be found."),
            ),
            AppError::Refused(r) => r.into(),
            AppError::Invalid(fields) => ApiError {
                status: StatusCode::BAD_REQUEST,
                code: "BAD_VALUE",
                messages: fields.iter().map(ToString::to_string).collect(),
            },
            AppError::Conflict(what) => ApiError::new(StatusCode::CONFLICT, "CONFLICT", what),
            AppError::PayoutHeld(until) => ApiError::new(
                StatusCode::CONFLICT,
                "PAYOUT_HELD",
                format!(
                    "The store's bank account changed: no payout is made before {}.",
                    kassa_core::settlement::from_ms(until)
                ),
            ),
            AppError::Forbidden => {
                ApiError::new(StatusCode::FORBIDDEN, "FORBIDDEN", "These credentials may not do this.")
            }
            // Team and account rules are not reached through the merchant API.
            AppError::Team(_) | AppError::Auth(_) | AppError::Chat(_) => {
                ApiError::new(StatusCode::FORBIDDEN, "NOT_ALLOWED", e.to_string())
            }
            AppError::Dispute(r) => ApiError::new(StatusCode::FORBIDDEN, "NOT_ALLOWED", r.to_string()),
            AppError::Storage(e) => e.into(),
            AppError::Internal(cause) => {
                tracing::error!(%cause, "internal failure during an API call");
                ApiError::internal()
            }
        }
    }
}

impl From<kassa_db::DbError> for ApiError {
    fn from(e: kassa_db::DbError) -> ApiError {
        tracing::error!(error = %e, "storage failed during an API call");
        match e.outage() {
            Some(outage) => ApiError::unavailable(outage),
            None => ApiError::internal(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut res = self.status.into_response();
        res.extensions_mut().insert(self);
        res
    }
}
