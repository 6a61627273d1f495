//! Playground-only helpers (as Stripe has), so platforms and tests can run headless.

use super::error::ApiError;
use super::render::checkout_json;
use super::ApiCtx;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use kassa_app::orders::{self, CompleteCheckout};
use kassa_app::AppError;
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize, Default)]
struct CompleteBody {
    billing_address: Option<serde_json::Map<String, Value>>,
    shipping_address: Option<serde_json::Map<String, Value>>,
    payment_method: Option<String>,
}

/// Completes a checkout exactly as the hosted page does. Live keys get 404: this must not
/// exist for them.
pub async fn complete(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(order_id): Path<String>,
) -> Result<Response, ApiError> {
    if !ctx.caller.playground {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "Test helpers exist only for playground credentials.",
        ));
    }
    let body: CompleteBody = if ctx.body.is_empty() {
        CompleteBody::default()
    } else {
        ctx.parse()?
    };
    // The order's own billing address is the default; a missing order is refused below.
    let stored = match orders::checkout_order(&state.db, &ctx.actor(), &order_id).await {
        Ok(row) => Some(row),
        Err(AppError::NotFound(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let default_address = stored
        .as_ref()
        .and_then(|r| serde_json::from_str::<Value>(&r.body).ok())
        .and_then(|b| b.get("billing_address").and_then(Value::as_object).cloned())
        .filter(|a| a.get("email").and_then(Value::as_str).is_some_and(|e| !e.is_empty()))
        .unwrap_or_else(|| {
            json!({"given_name": "Testperson", "family_name": "Approved", "email": "customer@example.com",
                   "street_address": "Sveavägen 46", "postal_code": "111 34", "city": "Stockholm",
                   "country": stored.as_ref().map(|r| r.purchase_country.clone()).unwrap_or_else(|| "SE".into()), "phone": "+46701740615"})
            .as_object()
            .cloned()
            .unwrap_or_default()
        });
    let mut problems = Vec::new();
    for (name, addr) in [
        ("billing_address", &body.billing_address),
        ("shipping_address", &body.shipping_address),
    ] {
        if let Some(a) = addr {
            orders::check_address(&Value::Object(a.clone()), name, &mut problems);
        }
    }
    if !problems.is_empty() {
        return Err(ApiError::bad_values(problems));
    }
    let method = body.payment_method.unwrap_or_else(|| "INVOICE".into()).to_uppercase();
    if !["INVOICE", "CARD", "PAY_IN_X"].contains(&method.as_str()) {
        return Err(ApiError::bad_value(
            "Bad value: payment_method must be INVOICE, CARD or PAY_IN_X",
        ));
    }
    let store = state
        .db
        .store(&ctx.caller.store_id)
        .await?
        .ok_or_else(ApiError::internal)?;
    let cmd = CompleteCheckout {
        order_id,
        billing_address: body.billing_address.unwrap_or(default_address),
        shipping_address: body.shipping_address,
        payment_method: method,
        reservation_days: store.reservation_days,
    };
    let row = orders::complete_checkout(&state.db, &ctx.actor(), cmd).await?;
    Ok(Json(checkout_json(&row, &state.config.public_url)).into_response())
}
