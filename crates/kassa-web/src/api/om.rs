//! Order Management API v1: the 18 operations of Kustom's spec, each parsing its request
//! into a command, calling the order use case (kassa-app), and answering as Kustom does.
//! A change is committed together with its idempotent response ([`ApiCtx::commit`]).

use super::error::ApiError;
use super::model::{
    CaptureRequest, CustomerDetails, ExtendDueDate, MerchantReferences, RefundRequest, ShippingInfoUpdate,
    UpdateAuthorization,
};
use super::render::{capture_json, om_order_json, refund_json};
use super::ApiCtx;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use kassa_app::orders::{self, Amount, Pending};
use serde_json::{json, Value};

fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

/// 201 for a new capture or refund: its id in a header of its own and in `Location`, no
/// body, as Kustom answers (clients read either header).
fn created(state: &AppState, order_id: &str, collection: &str, id_header: &'static str, id: String) -> Response {
    let base = state.config.public_url.trim_end_matches('/');
    let location = format!("{base}/ordermanagement/v1/orders/{order_id}/{collection}/{id}");
    (
        StatusCode::CREATED,
        [
            (header::LOCATION, location),
            (header::HeaderName::from_static(id_header), id),
        ],
    )
        .into_response()
}

/// Commits a change that answers 204.
async fn done(ctx: &ApiCtx, pending: Pending<()>) -> Result<Response, ApiError> {
    ctx.commit(pending.tx, no_content()).await
}

pub async fn get_order(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(order_id): Path<String>,
) -> Result<Response, ApiError> {
    let order = orders::order_record(&state.db, &ctx.actor(), &order_id).await?;
    Ok(Json(om_order_json(&order)?).into_response())
}

pub async fn acknowledge(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(order_id): Path<String>,
) -> Result<Response, ApiError> {
    let pending = orders::acknowledge(&state.db, &ctx.actor(), &order_id).await?;
    done(&ctx, pending).await
}

pub async fn update_authorization(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(order_id): Path<String>,
) -> Result<Response, ApiError> {
    let req: UpdateAuthorization = ctx.parse()?;
    let cmd = orders::UpdateAuthorization {
        order_id,
        amount: req.order_amount,
        description: req.description,
        lines: req.order_lines,
    };
    let pending = orders::update_authorization(&state.db, &ctx.actor(), cmd).await?;
    done(&ctx, pending).await
}

pub async fn cancel(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(order_id): Path<String>,
) -> Result<Response, ApiError> {
    let pending = orders::cancel(&state.db, &ctx.actor(), &order_id).await?;
    done(&ctx, pending).await
}

pub async fn list_captures(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(order_id): Path<String>,
) -> Result<Response, ApiError> {
    let captures = orders::captures(&state.db, &ctx.actor(), &order_id).await?;
    Ok(Json(captures.iter().map(capture_json).collect::<Vec<_>>()).into_response())
}

pub async fn capture(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(order_id): Path<String>,
) -> Result<Response, ApiError> {
    let req: CaptureRequest = ctx.parse()?;
    let cmd = orders::Capture {
        order_id: order_id.clone(),
        amount: Amount::Exactly(req.captured_amount),
        description: req.description,
        reference: req.reference,
        lines: req.order_lines.unwrap_or_default(),
        shipping_info: req.shipping_info.unwrap_or_default(),
        shipping_delay: req.shipping_delay,
    };
    let pending = orders::capture(&state.db, &ctx.actor(), cmd).await?;
    let res = created(&state, &order_id, "captures", "capture-id", pending.value.capture_id);
    ctx.commit(pending.tx, res).await
}

pub async fn get_capture(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path((order_id, capture_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let cap = orders::capture_of(&state.db, &ctx.actor(), &order_id, &capture_id).await?;
    Ok(Json(capture_json(&cap)).into_response())
}

pub async fn extend_due_date_options(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path((order_id, capture_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (currency, options) = orders::due_date_options(&state.db, &ctx.actor(), &order_id, &capture_id).await?;
    let options: Vec<Value> = options
        .iter()
        .map(|(days, fee)| json!({"number_of_days": days, "amount": fee}))
        .collect();
    Ok(Json(json!({"currency": currency, "options": options})).into_response())
}

pub async fn extend_due_date(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path((order_id, capture_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let req: ExtendDueDate = ctx.parse()?;
    let cmd = orders::ExtendDueDate {
        order_id,
        capture_id,
        number_of_days: req.number_of_days,
    };
    let pending = orders::extend_due_date(&state.db, &ctx.actor(), cmd).await?;
    done(&ctx, pending).await
}

pub async fn capture_shipping_info(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path((order_id, capture_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let req: ShippingInfoUpdate = ctx.parse()?;
    let cmd = orders::CaptureShippingInfo {
        order_id,
        capture_id,
        shipping_info: req.shipping_info,
    };
    let pending = orders::add_capture_shipping_info(&state.db, &ctx.actor(), cmd).await?;
    done(&ctx, pending).await
}

pub async fn trigger_send_out(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path((order_id, capture_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let pending = orders::trigger_send_out(&state.db, &ctx.actor(), &order_id, &capture_id).await?;
    done(&ctx, pending).await
}

pub async fn customer_details(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(order_id): Path<String>,
) -> Result<Response, ApiError> {
    let req: CustomerDetails = ctx.parse()?;
    let cmd = orders::CustomerDetails {
        order_id,
        billing_address: req.billing_address,
        shipping_address: req.shipping_address,
    };
    let pending = orders::update_customer_details(&state.db, &ctx.actor(), cmd).await?;
    done(&ctx, pending).await
}

pub async fn extend_authorization_time(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(order_id): Path<String>,
) -> Result<Response, ApiError> {
    let pending = orders::extend_authorization(&state.db, &ctx.actor(), &order_id).await?;
    done(&ctx, pending).await
}

pub async fn merchant_references(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(order_id): Path<String>,
) -> Result<Response, ApiError> {
    let req: MerchantReferences = ctx.parse()?;
    let cmd = orders::MerchantReferences {
        order_id,
        reference1: req.merchant_reference1,
        reference2: req.merchant_reference2,
    };
    let pending = orders::update_merchant_references(&state.db, &ctx.actor(), cmd).await?;
    done(&ctx, pending).await
}

pub async fn refund(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(order_id): Path<String>,
) -> Result<Response, ApiError> {
    let req: RefundRequest = ctx.parse()?;
    let cmd = orders::Refund {
        order_id: order_id.clone(),
        amount: Amount::Exactly(req.refunded_amount),
        description: req.description,
        reference: req.reference,
        lines: req.order_lines.unwrap_or_default(),
    };
    let pending = orders::refund(&state.db, &ctx.actor(), cmd).await?;
    let res = created(&state, &order_id, "refunds", "refund-id", pending.value.refund_id);
    ctx.commit(pending.tx, res).await
}

pub async fn get_refund(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path((order_id, refund_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let refund = orders::refund_of(&state.db, &ctx.actor(), &order_id, &refund_id).await?;
    Ok(Json(refund_json(&refund)).into_response())
}

pub async fn release(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(order_id): Path<String>,
) -> Result<Response, ApiError> {
    let pending = orders::release_remaining(&state.db, &ctx.actor(), &order_id).await?;
    done(&ctx, pending).await
}

pub async fn shipping_info(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(order_id): Path<String>,
) -> Result<Response, ApiError> {
    let req: ShippingInfoUpdate = ctx.parse()?;
    let cmd = orders::AddShippingInfo {
        order_id,
        shipping_info: req.shipping_info,
    };
    let pending = orders::add_shipping_info(&state.db, &ctx.actor(), cmd).await?;
    done(&ctx, pending).await
}
