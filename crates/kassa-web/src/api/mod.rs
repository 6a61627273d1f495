//! The merchant API: Checkout v3, Order Management v1 and Settlements v1, wire-compatible
//! with Kustom, plus playground test helpers and the OpenAPI document.
//!
//! Every call passes one pipeline ([`pipeline`]): read the body (10 MB at most), authenticate
//! the key, claim the idempotency key, run the handler, render errors in Kustom's shape with
//! the correlation id, save the response for replays, and record the call for Developer Logs.

mod call_writer;
mod card_mask;
mod checkout;
pub(crate) mod disputes;
pub mod error;
mod idempotency;
pub mod keys;
pub mod model;
mod om;
pub mod openapi;
pub mod recorder;
pub mod render;
mod settlements;
mod settlements_query;
pub mod settlements_render;
mod test_helpers;

use crate::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, FromRequestParts, Request, State};
use axum::http::{header, request::Parts, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::Router;
use error::ApiError;
use keys::Caller;
use std::time::Instant;

/// Largest request body the API reads (a dispute response with its files may be larger:
/// see [`body_limit`]).
pub const BODY_LIMIT: usize = 10 * 1024 * 1024;

/// The largest body a call to `path` may send.
fn body_limit(path: &str) -> usize {
    if path.starts_with("/disputes/v1/disputes/") && path.ends_with("/responses") {
        disputes::RESPOND_BODY_LIMIT
    } else {
        BODY_LIMIT
    }
}

pub(crate) fn router(state: AppState) -> Router<AppState> {
    let om = "/ordermanagement/v1/orders/{order_id}";
    let api = Router::new()
        .route("/checkout/v3/orders", post(checkout::create))
        .route(
            "/checkout/v3/orders/{order_id}",
            get(checkout::read).post(checkout::update),
        )
        .route("/checkout/v3/orders/{order_id}/abort", post(checkout::abort))
        .route(om, get(om::get_order))
        .route(&format!("{om}/acknowledge"), post(om::acknowledge))
        .route(&format!("{om}/authorization"), patch(om::update_authorization))
        .route(&format!("{om}/cancel"), post(om::cancel))
        .route(&format!("{om}/captures"), get(om::list_captures).post(om::capture))
        .route(&format!("{om}/captures/{{capture_id}}"), get(om::get_capture))
        .route(
            &format!("{om}/captures/{{capture_id}}/extend-due-date"),
            patch(om::extend_due_date),
        )
        .route(
            &format!("{om}/captures/{{capture_id}}/extend-due-date-options"),
            get(om::extend_due_date_options),
        )
        .route(
            &format!("{om}/captures/{{capture_id}}/shipping-info"),
            post(om::capture_shipping_info),
        )
        .route(
            &format!("{om}/captures/{{capture_id}}/trigger-send-out"),
            post(om::trigger_send_out),
        )
        .route(&format!("{om}/customer-details"), patch(om::customer_details))
        .route(
            &format!("{om}/extend-authorization-time"),
            post(om::extend_authorization_time),
        )
        .route(&format!("{om}/merchant-references"), patch(om::merchant_references))
        .route(&format!("{om}/refunds"), post(om::refund))
        .route(&format!("{om}/refunds/{{refund_id}}"), get(om::get_refund))
        .route(&format!("{om}/release-remaining-authorization"), post(om::release))
        .route(&format!("{om}/shipping-info"), post(om::shipping_info))
        .route(
            "/test-helpers/checkout/v3/orders/{order_id}/complete",
            post(test_helpers::complete),
        )
        .route("/disputes/v1/disputes", get(disputes::list))
        .route("/disputes/v1/disputes/{dispute_id}", get(disputes::get))
        .route(
            "/disputes/v1/disputes/{dispute_id}/responses",
            post(disputes::respond).layer(DefaultBodyLimit::max(disputes::RESPOND_BODY_LIMIT)),
        )
        .route(
            "/disputes/v1/disputes/{dispute_id}/accept-loss",
            post(disputes::accept_loss),
        )
        .route(
            "/disputes/v1/disputes/{dispute_id}/attachments/{attachment_id}",
            get(disputes::attachment),
        )
        .route("/test-helpers/disputes/v1/disputes", post(disputes::open_test_dispute))
        .route("/settlements/v1/payouts", get(settlements::list_payouts))
        .route("/settlements/v1/payouts/summary", get(settlements::payouts_summary))
        .route(
            "/settlements/v1/payouts/{payment_reference}",
            get(settlements::get_payout),
        )
        .route("/settlements/v1/transactions", get(settlements::transactions))
        .route(
            "/settlements/v1/reports/payout-with-transactions",
            get(settlements::payout_csv),
        )
        .route(
            "/settlements/v1/reports/payouts-summary-with-transactions",
            get(settlements::payouts_csv),
        )
        .route("/settlements/v1/reports/payout", get(settlements::payout_pdf))
        .route("/settlements/v1/reports/payouts-summary", get(settlements::payouts_pdf))
        .route("/test-helpers/settlements/v1/payouts", post(settlements::payout_now))
        .route_layer(axum::middleware::from_fn_with_state(state, pipeline));
    Router::new().route("/openapi.json", get(openapi::document)).merge(api)
}

/// What a handler knows about the call beyond its own input.
#[derive(Clone)]
pub struct ApiCtx {
    pub caller: Caller,
    pub correlation_id: String,
    /// The idempotency key this request claimed, if it sent one.
    pub idempotency_key: Option<String>,
    /// The raw request body (already read by the pipeline).
    pub body: Bytes,
}

impl ApiCtx {
    /// The API key as the use cases know it: its username, acting in its store.
    pub fn actor(&self) -> kassa_app::Actor {
        kassa_app::Actor::api_key(self.caller.username.clone(), self.caller.store_id.clone())
    }

    /// The body as JSON; an empty body, malformed JSON or non-UTF-8 is a 400 BAD_VALUE.
    pub fn json(&self) -> Result<serde_json::Value, ApiError> {
        if self.body.is_empty() {
            return Err(ApiError::bad_value("Bad value: the request needs a JSON body"));
        }
        let value: serde_json::Value = serde_json::from_slice(&self.body)
            .map_err(|e| ApiError::bad_value(format!("Bad value: the body is not valid JSON ({e})")))?;
        if contains_nul(&value) {
            // PostgreSQL text cannot hold U+0000, and no real field needs it.
            return Err(ApiError::bad_value(
                "Bad value: text must not contain the NUL character (\\u0000)",
            ));
        }
        Ok(value)
    }

    pub fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, ApiError> {
        model::parse(self.json()?)
    }

    /// Commits `tx` with `response` saved under the idempotency key in the same transaction.
    pub async fn commit(&self, mut tx: kassa_db::Tx, response: Response) -> Result<Response, ApiError> {
        let (parts, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, BODY_LIMIT)
            .await
            .map_err(|_| ApiError::internal())?;
        if let Some(key) = &self.idempotency_key {
            let saved = idempotency::save(&parts, &bytes);
            tx.complete_idempotency_key(&self.caller.store_id, key, &saved).await?;
        }
        tx.commit().await?;
        let mut res = Response::from_parts(parts, Body::from(bytes));
        res.extensions_mut().insert(idempotency::Saved);
        Ok(res)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ApiCtx {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<ApiCtx>()
            .cloned()
            .ok_or_else(ApiError::unauthorized)
    }
}

fn contains_nul(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::String(s) => s.contains('\0'),
        serde_json::Value::Array(items) => items.iter().any(contains_nul),
        serde_json::Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || contains_nul(v)),
        _ => false,
    }
}

/// Whether a raw path or query carries an encoded NUL, which no id or key can contain.
pub(crate) fn has_encoded_nul(text: &str) -> bool {
    text.to_ascii_lowercase().contains("%00")
}

fn correlation_id(req: &Request) -> String {
    req.headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .unwrap_or_else(new_correlation_id)
}

/// A new correlation id: a UUID, as Kustom's are, of version 7 (it starts with the time).
/// Developer Logs index every call by it, and a random id put each new call on a random page
/// of that index: recording a batch of calls rewrote a page per call.
pub(crate) fn new_correlation_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

async fn pipeline(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let correlation = correlation_id(&req);
    if has_encoded_nul(req.uri().path()) {
        // No id contains NUL: answer as for any unknown order, in each API's own words.
        let err = if req.uri().path().starts_with("/ordermanagement/") {
            ApiError::no_such_order("with a NUL character")
        } else if req.uri().path().starts_with("/settlements/") {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                "No payout has a NUL character in its reference.",
            )
        } else {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                "We did not find any order with that ID.",
            )
        };
        return render(err.into_response(), &correlation);
    }
    let (mut parts, body) = req.into_parts();
    let limit = body_limit(parts.uri.path());
    let too_large = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok())
        .is_some_and(|n| n > limit);
    let bytes = if too_large {
        None
    } else {
        axum::body::to_bytes(body, limit).await.ok()
    };
    let Some(bytes) = bytes else {
        let err = ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "REQUEST_TOO_LARGE",
            "Request is too large (10 MB at most).",
        );
        return render(err.into_response(), &correlation);
    };
    let caller = match keys::authenticate(&state, &parts.headers).await {
        Ok(c) => c,
        Err(e) => {
            let mut res = render(e.into_response(), &correlation);
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"Kassa\""),
            );
            return res;
        }
    };
    let method = parts.method.clone();
    let path = parts.uri.path().to_owned();
    // The log keeps the query too, so that "copy as curl" repeats the call as it was made.
    let logged_path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| path.clone());
    let request_headers = recorder::headers_json(&parts.headers);
    let writes = method == axum::http::Method::POST || method == axum::http::Method::PATCH;
    // A key that is not visible ASCII is refused, never silently ignored.
    let key = parts.headers.get("klarna-idempotency-key").filter(|_| writes).map(|v| {
        v.to_str()
            .ok()
            .filter(|k| k.bytes().all(|b| b.is_ascii_graphic()))
            .unwrap_or_default()
            .to_owned()
    });
    let response = match &key {
        Some(k) if k.is_empty() || k.len() > 255 => {
            ApiError::bad_value("Bad value: Klarna-Idempotency-Key must have 1 to 255 visible ASCII characters")
                .into_response()
        }
        Some(k) => match idempotency::claim(&state, &caller, k, &method, &path, &bytes).await {
            Ok(idempotency::Claimed::Run(claimed_at)) => {
                let ctx = ApiCtx {
                    caller: caller.clone(),
                    correlation_id: correlation.clone(),
                    idempotency_key: Some(k.clone()),
                    body: bytes.clone(),
                };
                parts.extensions.insert(ctx);
                let res = next.run(Request::from_parts(parts, Body::from(bytes.clone()))).await;
                let res = render(res, &correlation);
                idempotency::finish(&state, &caller, k, claimed_at, res).await
            }
            Ok(idempotency::Claimed::Answer(replay)) => replay,
            Err(e) => e.into_response(),
        },
        None => {
            let ctx = ApiCtx {
                caller: caller.clone(),
                correlation_id: correlation.clone(),
                idempotency_key: None,
                body: bytes.clone(),
            };
            parts.extensions.insert(ctx);
            next.run(Request::from_parts(parts, Body::from(bytes.clone()))).await
        }
    };
    let response = render(response, &correlation);
    let call = recorder::Incoming {
        method: &method,
        path: &logged_path,
        headers: request_headers,
        body: &bytes,
    };
    recorder::record(&state, &caller, call, response, &correlation, started).await
}

/// Longest path and query the API reads. No API address comes near it; longer ones are
/// answered 414 in Kustom's error shape. (hyper itself answers 414, without a body, above
/// 64 KiB, before any of Kassa's code runs.)
pub const MAX_URI: usize = 8 * 1024;

/// Whether `path` belongs to the merchant API (JSON errors), not the portal or the hosted
/// checkout page (HTML).
pub(crate) fn is_api_path(path: &str) -> bool {
    [
        "/checkout/v3/",
        "/ordermanagement/",
        "/settlements/",
        "/disputes/v1/",
        "/test-helpers/",
    ]
    .iter()
    .any(|p| path.starts_with(p))
        || path == "/checkout/v3"
        || path == "/ordermanagement"
        || path == "/settlements"
}

/// Answers that the router or the server make before any API handler runs (over-long
/// addresses, methods a path does not take) get Kustom's error body on API paths too, so
/// clients that read `error_code` do not meet an empty body.
pub(crate) async fn router_errors(req: Request, next: Next) -> Response {
    if !is_api_path(req.uri().path()) {
        return next.run(req).await;
    }
    let correlation = correlation_id(&req);
    let uri_len = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if uri_len > MAX_URI {
        let err = ApiError::new(
            StatusCode::URI_TOO_LONG,
            "URI_TOO_LONG",
            format!("The address is too long ({uri_len} bytes; {MAX_URI} at most)."),
        );
        return render(err.into_response(), &correlation);
    }
    let res = next.run(req).await;
    if res.status() == StatusCode::NOT_FOUND && res.extensions().get::<crate::shell::views::ErrorPage>().is_some() {
        // No route at all (the app's fallback), answered as Kustom answers an unknown address.
        let err = ApiError::new(StatusCode::NOT_FOUND, "NOT_FOUND", "There is nothing at this address.");
        return render(err.into_response(), &correlation);
    }
    if res.status() != StatusCode::METHOD_NOT_ALLOWED || res.extensions().get::<ApiError>().is_some() {
        return res;
    }
    let allow = res.headers().get(header::ALLOW).cloned();
    let message = match allow.as_ref().and_then(|a| a.to_str().ok()) {
        Some(methods) if !methods.is_empty() => format!("This address does not take that method; it takes {methods}."),
        _ => "This address does not take that method.".to_owned(),
    };
    let err = ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED", message);
    let mut out = render(err.into_response(), &correlation);
    if let Some(allow) = allow {
        out.headers_mut().insert(header::ALLOW, allow);
    }
    out
}

/// Gives an error response its JSON body with the correlation id.
fn render(res: Response, correlation: &str) -> Response {
    let Some(err) = res.extensions().get::<ApiError>().cloned() else {
        return res;
    };
    let mut out = (err.status, axum::Json(err.body(correlation))).into_response();
    if err.status == StatusCode::SERVICE_UNAVAILABLE {
        out.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    }
    out
}
