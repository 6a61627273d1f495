//! The Kustom JSON of orders, captures and refunds as the API answers with them: the wire
//! mapping of what the order use cases store.

use super::error::ApiError;
use super::model::{iso_time, Object};
use kassa_app::orders::{core_state, OrderRecord};
use kassa_core::order::Status;
use kassa_db::{CaptureRow, OrderRow, RefundRow};
use serde_json::{json, Value};

/// The Order Management `Order` object.
pub fn om_order_json(order: &OrderRecord) -> Result<Value, ApiError> {
    let OrderRecord { row, captures, refunds } = order;
    let body: Object = serde_json::from_str(&row.body).unwrap_or_default();
    let state = core_state(row)?;
    let mut o = json!({
        "order_id": row.order_id,
        "status": row.status.map(Status::code),
        "fraud_status": row.fraud_status,
        "order_amount": row.order_amount,
        "original_order_amount": row.original_order_amount,
        "captured_amount": row.captured_amount,
        "refunded_amount": row.refunded_amount,
        "remaining_authorized_amount": state.remaining_authorized(),
        "purchase_currency": row.purchase_currency,
        "purchase_country": row.purchase_country,
        "locale": row.locale,
        "order_lines": body.get("order_lines").cloned().unwrap_or(json!([])),
        "merchant_reference1": row.merchant_reference1,
        "merchant_reference2": row.merchant_reference2,
        "klarna_reference": row.short_reference,
        "customer": body.get("customer").cloned().unwrap_or(json!({})),
        "billing_address": body.get("billing_address").cloned().unwrap_or(json!({})),
        "shipping_address": body.get("shipping_address").cloned().unwrap_or(json!({})),
        "created_at": iso_time(row.completed_at.unwrap_or(row.created_at)),
        "expires_at": row.expires_at.map(iso_time),
        "captures": captures.iter().map(capture_json).collect::<Vec<_>>(),
        "refunds": refunds.iter().map(refund_json).collect::<Vec<_>>(),
        "merchant_data": body.get("merchant_data"),
        "shipping_info": body.get("shipping_info").cloned().unwrap_or(json!([])),
        "initial_payment_method": body.get("initial_payment_method"),
    });
    if let Some(opt) = body.get("selected_shipping_option") {
        o["selected_shipping_option"] = opt.clone();
    }
    strip_nulls(&mut o);
    Ok(o)
}

pub fn capture_json(c: &CaptureRow) -> Value {
    let mut v: Value = serde_json::from_str(&c.body).unwrap_or(json!({}));
    v["captured_amount"] = json!(c.captured_amount);
    v["refunded_amount"] = json!(c.refunded_amount);
    v["captured_at"] = json!(iso_time(c.captured_at));
    strip_nulls(&mut v);
    v
}

pub fn refund_json(r: &RefundRow) -> Value {
    let mut v: Value = serde_json::from_str(&r.body).unwrap_or(json!({}));
    v["refunded_amount"] = json!(r.refunded_amount);
    v["refunded_at"] = json!(iso_time(r.refunded_at));
    strip_nulls(&mut v);
    v
}

/// The Checkout `order` object.
pub fn checkout_json(row: &OrderRow, public_url: &str) -> Value {
    let mut o: Value = serde_json::from_str(&row.body).unwrap_or(json!({}));
    let base = public_url.trim_end_matches('/');
    o["order_id"] = json!(row.order_id);
    o["status"] = json!(row.checkout_status);
    o["started_at"] = json!(iso_time(row.created_at));
    o["last_modified_at"] = json!(iso_time(row.last_modified_at));
    if let Some(t) = row.completed_at {
        o["completed_at"] = json!(iso_time(t));
    }
    o["html_snippet"] = json!(format!(
        "<div id=\"kassa-checkout-container\"><iframe id=\"kassa-checkout-iframe\" name=\"kassa-checkout-iframe\" \
         title=\"Kassa Checkout\" src=\"{base}/checkout/{}\" style=\"width:100%;height:720px;border:0\"></iframe>\
         <script src=\"{base}/static/checkout-frame.js\"></script></div>",
        row.order_id
    ));
    strip_nulls(&mut o);
    o
}

/// Kustom omits absent fields rather than sending null.
fn strip_nulls(v: &mut Value) {
    if let Value::Object(map) = v {
        map.retain(|_, x| !x.is_null());
    }
}
