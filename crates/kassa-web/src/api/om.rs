//! Order Management API v1: the 18 operations of Kustom's spec, each a thin shell around
//! `crate::orders`, which locks the order and lets kassa-core decide.

use super::error::ApiError;
use super::model::{
    self, CaptureRequest, CustomerDetails, ExtendDueDate, MerchantReferences, RefundRequest, ShippingInfoUpdate,
    UpdateAuthorization,
};
use super::ApiCtx;
use crate::orders::{self, capture_json, refund_json, Locked};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use kassa_core::order::Refusal;
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
async fn done(ctx: &ApiCtx, locked: Locked) -> Result<Response, ApiError> {
    ctx.commit(locked.tx, no_content()).await
}

pub async fn get_order(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(order_id): Path<String>,
) -> Result<Response, ApiError> {
    let row = state
        .db
        .order(&ctx.caller.store_id, &order_id)
        .await?
        .filter(|r| r.status.is_some())
        .ok_or_else(|| ApiError::no_such_order(&order_id))?;
    Ok(Json(orders::om_order_json(&state.db, &row).await?).into_response())
}

pub async fn acknowledge(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(order_id): Path<String>,
) -> Result<Response, ApiError> {
    let mut locked = orders::lock(&state.db, &ctx.caller.store_id, &order_id).await?;
    orders::acknowledge(&mut locked, &ctx.actor()).await?;
    done(&ctx, locked).await
}

pub async fn update_authorization(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(order_id): Path<String>,
) -> Result<Response, ApiError> {
    let req: UpdateAuthorization = ctx.parse()?;
    let mut locked = orders::lock(&state.db, &ctx.caller.store_id, &order_id).await?;
    orders::update_authorization(&mut locked, &req, &ctx.actor()).await?;
    done(&ctx, locked).await
}

pub async fn cancel(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(order_id): Path<String>,
) -> Result<Response, ApiError> {
    let mut locked = orders::lock(&state.db, &ctx.caller.store_id, &order_id).await?;
    let next = locked.state()?.cancel()?;
    orders::transition(&mut locked, &ctx.actor(), "cancelled", next).await?;
    done(&ctx, locked).await
}

pub async fn list_captures(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(order_id): Path<String>,
) -> Result<Response, ApiError> {
    state
        .db
        .order(&ctx.caller.store_id, &order_id)
        .await?
        .filter(|r| r.status.is_some())
        .ok_or_else(|| ApiError::no_such_order(&order_id))?;
    let captures = state.db.captures_of(&order_id).await?;
    Ok(Json(captures.iter().map(capture_json).collect::<Vec<_>>()).into_response())
}

pub async fn capture(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(order_id): Path<String>,
) -> Result<Response, ApiError> {
    let req: CaptureRequest = ctx.parse()?;
    let mut locked = orders::lock(&state.db, &ctx.caller.store_id, &order_id).await?;
    let cap = orders::capture(&mut locked, &req, &ctx.actor()).await?;
    let res = created(&state, &order_id, "captures", "capture-id", cap.capture_id);
    ctx.commit(locked.tx, res).await
}

async fn find_capture(
    state: &AppState,
    ctx: &ApiCtx,
    order_id: &str,
    capture_id: &str,
) -> Result<kassa_db::CaptureRow, ApiError> {
    state
        .db
        .order(&ctx.caller.store_id, order_id)
        .await?
        .filter(|r| r.status.is_some())
        .ok_or_else(|| ApiError::no_such_order(order_id))?;
    state
        .db
        .captures_of(order_id)
        .await?
        .into_iter()
        .find(|c| c.capture_id == capture_id)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "NO_SUCH_CAPTURE",
                format!("Capture {capture_id} cannot be found for order {order_id}."),
            )
        })
}

pub async fn get_capture(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path((order_id, capture_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let cap = find_capture(&state, &ctx, &order_id, &capture_id).await?;
    Ok(Json(capture_json(&cap)).into_response())
}

/// Invoice due-date extensions on offer, and their fees (simulated price list).
const DUE_DATE_OPTIONS: &[(i64, i64)] = &[(7, 0), (14, 1_900), (28, 2_900)];

fn check_invoice(row: &kassa_db::OrderRow) -> Result<(), ApiError> {
    if row.payment_method.as_deref() == Some("INVOICE") {
        Ok(())
    } else {
        Err(Refusal::NotAllowed("Due dates can only be extended for invoice purchases.".into()).into())
    }
}

pub async fn extend_due_date_options(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path((order_id, capture_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    find_capture(&state, &ctx, &order_id, &capture_id).await?;
    let row = state
        .db
        .order(&ctx.caller.store_id, &order_id)
        .await?
        .ok_or_else(|| ApiError::no_such_order(&order_id))?;
    // Only invoices have due dates: other purchases are offered no extension (the spec
    // knows no refusal here; the PATCH refuses).
    let options: Vec<Value> = if check_invoice(&row).is_ok() {
        DUE_DATE_OPTIONS
            .iter()
            .map(|(days, fee)| json!({"number_of_days": days, "amount": fee}))
            .collect()
    } else {
        Vec::new()
    };
    Ok(Json(json!({"currency": row.purchase_currency, "options": options})).into_response())
}

pub async fn extend_due_date(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path((order_id, capture_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let req: ExtendDueDate = ctx.parse()?;
    find_capture(&state, &ctx, &order_id, &capture_id).await?;
    let mut locked = orders::lock(&state.db, &ctx.caller.store_id, &order_id).await?;
    check_invoice(&locked.row)?;
    let Some((_, fee)) = DUE_DATE_OPTIONS.iter().find(|(d, _)| *d == req.number_of_days) else {
        return Err(ApiError::bad_value(format!(
            "Bad value: number_of_days must be one of {:?}",
            DUE_DATE_OPTIONS.iter().map(|o| o.0).collect::<Vec<_>>()
        )));
    };
    locked
        .event(
            &ctx.actor(),
            "due_date_extended",
            Some(*fee),
            Some(json!({"capture_id": capture_id, "number_of_days": req.number_of_days})),
        )
        .await?;
    done(&ctx, locked).await
}

pub async fn capture_shipping_info(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path((order_id, capture_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let req: ShippingInfoUpdate = ctx.parse()?;
    let mut problems = Vec::new();
    model::check_shipping_info(&req.shipping_info, &mut problems);
    if !problems.is_empty() {
        return Err(ApiError::bad_values(problems));
    }
    let mut locked = orders::lock(&state.db, &ctx.caller.store_id, &order_id).await?;
    let mut captures = locked.tx.captures_of(&order_id).await?;
    let Some(cap) = captures.iter_mut().find(|c| c.capture_id == capture_id) else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "NO_SUCH_CAPTURE",
            format!("Capture {capture_id} cannot be found for order {order_id}."),
        ));
    };
    let mut body: Value = serde_json::from_str(&cap.body).unwrap_or(json!({}));
    let mut list = body
        .get("shipping_info")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    list.extend(req.shipping_info);
    body["shipping_info"] = Value::Array(list);
    cap.body = body.to_string();
    locked.tx.update_capture(cap).await?;
    locked
        .event(
            &ctx.actor(),
            "capture_shipping_info_added",
            None,
            Some(json!({"capture_id": capture_id})),
        )
        .await?;
    done(&ctx, locked).await
}

pub async fn trigger_send_out(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path((order_id, capture_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    find_capture(&state, &ctx, &order_id, &capture_id).await?;
    let mut locked = orders::lock(&state.db, &ctx.caller.store_id, &order_id).await?;
    locked
        .event(
            &ctx.actor(),
            "send_out_triggered",
            None,
            Some(json!({"capture_id": capture_id})),
        )
        .await?;
    done(&ctx, locked).await
}

pub async fn customer_details(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(order_id): Path<String>,
) -> Result<Response, ApiError> {
    let req: CustomerDetails = ctx.parse()?;
    let mut problems = Vec::new();
    for (name, addr) in [
        ("billing_address", &req.billing_address),
        ("shipping_address", &req.shipping_address),
    ] {
        if let Some(a) = addr {
            model::check_address(a, name, &mut problems);
        }
    }
    if !problems.is_empty() {
        return Err(ApiError::bad_values(problems));
    }
    let mut locked = orders::lock(&state.db, &ctx.caller.store_id, &order_id).await?;
    orders::edit_details(&mut locked, &ctx.actor(), "customer_details_updated", |body, _| {
        for (name, addr) in [
            ("billing_address", req.billing_address),
            ("shipping_address", req.shipping_address),
        ] {
            if let Some(Value::Object(new)) = addr {
                let mut merged = body.get(name).and_then(Value::as_object).cloned().unwrap_or_default();
                merged.extend(new);
                body.insert(name.into(), Value::Object(merged));
            }
        }
    })
    .await?;
    done(&ctx, locked).await
}

pub async fn extend_authorization_time(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(order_id): Path<String>,
) -> Result<Response, ApiError> {
    let mut locked = orders::lock(&state.db, &ctx.caller.store_id, &order_id).await?;
    let store = state
        .db
        .store(&ctx.caller.store_id)
        .await?
        .ok_or_else(ApiError::internal)?;
    let next = locked
        .state()?
        .extend_authorization(crate::now_ms(), store.reservation_days * 24 * 3600 * 1000)?;
    orders::transition(&mut locked, &ctx.actor(), "authorization_extended", next).await?;
    done(&ctx, locked).await
}

pub async fn merchant_references(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(order_id): Path<String>,
) -> Result<Response, ApiError> {
    let req: MerchantReferences = ctx.parse()?;
    let mut problems = Vec::new();
    model::check_text(
        req.merchant_reference1.as_deref(),
        "merchant_reference1",
        255,
        &mut problems,
    );
    model::check_text(
        req.merchant_reference2.as_deref(),
        "merchant_reference2",
        255,
        &mut problems,
    );
    if !problems.is_empty() {
        return Err(ApiError::bad_values(problems));
    }
    let mut locked = orders::lock(&state.db, &ctx.caller.store_id, &order_id).await?;
    orders::edit_details(&mut locked, &ctx.actor(), "merchant_references_updated", |body, row| {
        // A field that is present overwrites; an empty string clears it.
        if let Some(r) = req.merchant_reference1 {
            row.merchant_reference1 = Some(r.clone()).filter(|s| !s.is_empty());
            body.insert("merchant_reference1".into(), json!(row.merchant_reference1));
        }
        if let Some(r) = req.merchant_reference2 {
            row.merchant_reference2 = Some(r.clone()).filter(|s| !s.is_empty());
            body.insert("merchant_reference2".into(), json!(row.merchant_reference2));
        }
    })
    .await?;
    done(&ctx, locked).await
}

pub async fn refund(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(order_id): Path<String>,
) -> Result<Response, ApiError> {
    let req: RefundRequest = ctx.parse()?;
    let mut locked = orders::lock(&state.db, &ctx.caller.store_id, &order_id).await?;
    let r = orders::refund(&mut locked, &req, &ctx.actor()).await?;
    let res = created(&state, &order_id, "refunds", "refund-id", r.refund_id);
    ctx.commit(locked.tx, res).await
}

pub async fn get_refund(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path((order_id, refund_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    state
        .db
        .order(&ctx.caller.store_id, &order_id)
        .await?
        .filter(|r| r.status.is_some())
        .ok_or_else(|| ApiError::no_such_order(&order_id))?;
    let refund = state
        .db
        .refunds_of(&order_id)
        .await?
        .into_iter()
        .find(|r| r.refund_id == refund_id)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                format!("Refund with id {refund_id} cannot be found for order {order_id}."),
            )
        })?;
    Ok(Json(refund_json(&refund)).into_response())
}

pub async fn release(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(order_id): Path<String>,
) -> Result<Response, ApiError> {
    let mut locked = orders::lock(&state.db, &ctx.caller.store_id, &order_id).await?;
    let next = locked.state()?.release_remaining()?;
    orders::transition(&mut locked, &ctx.actor(), "released", next).await?;
    done(&ctx, locked).await
}

pub async fn shipping_info(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(order_id): Path<String>,
) -> Result<Response, ApiError> {
    let req: ShippingInfoUpdate = ctx.parse()?;
    let mut problems = Vec::new();
    model::check_shipping_info(&req.shipping_info, &mut problems);
    if !problems.is_empty() {
        return Err(ApiError::bad_values(problems));
    }
    let mut locked = orders::lock(&state.db, &ctx.caller.store_id, &order_id).await?;
    orders::edit_details(&mut locked, &ctx.actor(), "shipping_info_added", |body, _| {
        let mut list = body
            .get("shipping_info")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        list.extend(req.shipping_info);
        body.insert("shipping_info".into(), Value::Array(list));
    })
    .await?;
    done(&ctx, locked).await
}
