//! Disputes API v1 (Kassa's own, modelled on Klarna's dispute fields): list and read the
//! store's disputes, respond with text and files, download a file, accept the loss; and the
//! playground test helper that opens a dispute. Same keys, error body, idempotency and
//! recording as the other APIs.

use super::error::ApiError;
use super::model::iso_time;
use super::ApiCtx;
use crate::AppState;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use kassa_app::disputes::{self, DisputeFilter, DisputeView, OpenDispute, Upload};
use kassa_core::dispute::{Reason, Stage, MAX_ATTACHMENTS, MAX_ATTACHMENT_BYTES};
use kassa_db::{DisputeAttachmentRow, DisputeMessageRow, DisputeRow};
use serde_json::{json, Value};
use std::collections::HashMap;

/// Largest body the respond call takes: ten files of 7 MB and the text, as multipart.
pub const RESPOND_BODY_LIMIT: usize = MAX_ATTACHMENTS * MAX_ATTACHMENT_BYTES + 1024 * 1024;

fn base(state: &AppState) -> &str {
    state.config.public_url.trim_end_matches('/')
}

fn attachment_json(base: &str, a: &DisputeAttachmentRow) -> Value {
    json!({
        "attachment_id": a.id,
        "filename": a.filename,
        "content_type": a.content_type,
        "size": a.size_bytes,
        "created_at": iso_time(a.created_at),
        "url": format!("{}/disputes/v1/disputes/{}/attachments/{}", base, a.dispute_id, a.id),
    })
}

fn message_json(base: &str, m: &DisputeMessageRow, attachments: &[DisputeAttachmentRow]) -> Value {
    let fields: Vec<&str> = m.requested_fields.split(',').filter(|f| !f.is_empty()).collect();
    json!({
        "type": m.kind,
        "author_type": m.author_kind,
        "text": m.body,
        "requested_fields": fields,
        "deadline": m.deadline_at.map(iso_time),
        "created_at": iso_time(m.created_at),
        "attachments": attachments
            .iter()
            .filter(|a| a.message_id == m.id)
            .map(|a| attachment_json(base, a))
            .collect::<Vec<_>>(),
    })
}

fn dispute_json(d: &DisputeRow, short_order_id: Option<&str>, merchant_reference1: Option<&str>) -> Value {
    json!({
        "dispute_id": d.id,
        "order_id": d.order_id,
        "short_order_id": short_order_id,
        "merchant_reference1": merchant_reference1,
        "reason": d.reason.code(),
        "stage": d.stage.code(),
        "outcome": d.outcome,
        "amount": d.amount,
        "currency": d.currency,
        "deadline": d.deadline_at.map(iso_time),
        "opened_at": iso_time(d.opened_at),
        "updated_at": iso_time(d.updated_at),
        "closed_at": d.closed_at.map(iso_time),
    })
}

fn view_json(state: &AppState, v: &DisputeView) -> Value {
    view_json_at(base(state), v)
}

/// The dispute as the Disputes API renders it, with links under `base` (also the
/// `data` of dispute webhooks).
pub(crate) fn view_json_at(base: &str, v: &DisputeView) -> Value {
    let mut out = dispute_json(
        &v.dispute,
        Some(&v.order.short_reference),
        v.order.merchant_reference1.as_deref(),
    );
    out["messages"] = v
        .messages
        .iter()
        .map(|m| message_json(base, m, &v.attachments))
        .collect::<Vec<_>>()
        .into();
    out
}

/// Reads one query parameter as a number in `range`.
fn number(
    q: &HashMap<String, String>,
    name: &str,
    default: i64,
    range: std::ops::RangeInclusive<i64>,
) -> Result<i64, ApiError> {
    match q.get(name) {
        None => Ok(default),
        Some(v) => v.parse::<i64>().ok().filter(|n| range.contains(n)).ok_or_else(|| {
            ApiError::bad_value(format!(
                "Bad value: {name} (a whole number from {} to {})",
                range.start(),
                range.end()
            ))
        }),
    }
}

/// Reads a date-time (`2026-01-23T00:00:00Z`) or a date (midnight UTC) as Unix ms.
fn instant(value: &str, name: &str) -> Result<i64, ApiError> {
    let bad = || {
        ApiError::bad_value(format!(
            "Bad value: {name} (an ISO 8601 date-time, e.g. 2026-01-23T00:00:00Z)"
        ))
    };
    if let Ok(t) = value.parse::<jiff::Timestamp>() {
        return Ok(t.as_millisecond());
    }
    let date: jiff::civil::Date = value.parse().map_err(|_| bad())?;
    date.to_zoned(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp().as_millisecond())
        .map_err(|_| bad())
}

pub async fn list(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let size = number(&q, "size", 20, 1..=500)?;
    let offset = number(&q, "offset", 0, 0..=i64::from(i32::MAX))?;
    let stages = match q.get("stage") {
        None => Vec::new(),
        Some(s) => vec![s.parse::<Stage>().map_err(|_| {
            ApiError::bad_value("Bad value: stage (inquiry, response_required, under_review or closed)")
        })?],
    };
    let reason = q
        .get("reason")
        .map(|r| r.parse::<Reason>())
        .transpose()
        .map_err(|_| ApiError::bad_value("Bad value: reason (one of the dispute reasons)"))?;
    let deadline_before = q
        .get("deadline_before")
        .map(|d| instant(d, "deadline_before"))
        .transpose()?;
    let filter = DisputeFilter {
        stages,
        reason,
        deadline_before,
        order_id: q.get("order_id").cloned(),
        ..DisputeFilter::default()
    };
    let (rows, total) = disputes::disputes(&state.db, &ctx.actor(), &filter, offset, size).await?;
    let link = |offset: i64| {
        let mut params: Vec<(String, String)> = q
            .iter()
            .filter(|(k, _)| *k != "offset" && *k != "size")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        params.sort();
        params.push(("offset".into(), offset.to_string()));
        params.push(("size".into(), size.to_string()));
        let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={}", urlencoding(v))).collect();
        format!("{}/disputes/v1/disputes?{}", base(&state), query.join("&"))
    };
    let mut pagination = json!({"count": rows.len(), "total": total, "offset": offset});
    if offset + (rows.len() as i64) < total {
        pagination["next"] = json!(link(offset + size));
    }
    if offset > 0 {
        pagination["prev"] = json!(link((offset - size).max(0)));
    }
    let list: Vec<Value> = rows
        .iter()
        .map(|r| dispute_json(&r.dispute, Some(&r.short_reference), r.merchant_reference1.as_deref()))
        .collect();
    Ok(Json(json!({"disputes": list, "pagination": pagination})).into_response())
}

fn urlencoding(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub async fn get(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(dispute_id): Path<String>,
) -> Result<Response, ApiError> {
    let view = disputes::dispute(&state.db, &ctx.actor(), &dispute_id).await?;
    Ok(Json(view_json(&state, &view)).into_response())
}

/// A response: JSON `{"text": …}`, or multipart/form-data with a `text` field and
/// `attachments` files. Answers 201 with the dispute.
pub async fn respond(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(dispute_id): Path<String>,
    headers: HeaderMap,
    multipart: Option<Multipart>,
) -> Result<Response, ApiError> {
    let is_multipart = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("multipart/form-data"));
    let (text, uploads) = match (is_multipart, multipart) {
        (true, Some(mut form)) => {
            let mut text = String::new();
            let mut uploads = Vec::new();
            while let Some(field) = form
                .next_field()
                .await
                .map_err(|e| ApiError::bad_value(format!("Bad value: the multipart body ({e})")))?
            {
                let name = field.name().unwrap_or_default().to_owned();
                let filename = field.file_name().map(str::to_owned);
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| ApiError::bad_value(format!("Bad value: the multipart body ({e})")))?;
                match (name.as_str(), filename) {
                    ("text", None) => text = String::from_utf8_lossy(&bytes).into_owned(),
                    ("attachments", Some(filename)) => uploads.push(Upload {
                        filename,
                        bytes: bytes.to_vec(),
                    }),
                    _ => {
                        return Err(ApiError::bad_value(format!(
                            "Bad value: {name} (expected the fields text and attachments)"
                        )))
                    }
                }
            }
            (text, uploads)
        }
        _ => {
            let body = ctx.json()?;
            let text = body
                .get("text")
                .and_then(Value::as_str)
                .ok_or_else(|| ApiError::bad_value("Bad value: text (required, a string)"))?
                .to_owned();
            (text, Vec::new())
        }
    };
    disputes::respond(&state.db, &state.objects, &ctx.actor(), &dispute_id, &text, uploads).await?;
    let view = disputes::dispute(&state.db, &ctx.actor(), &dispute_id).await?;
    Ok((StatusCode::CREATED, Json(view_json(&state, &view))).into_response())
}

pub async fn accept_loss(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(dispute_id): Path<String>,
) -> Result<Response, ApiError> {
    disputes::accept_loss(&state.db, &ctx.actor(), &dispute_id).await?;
    let view = disputes::dispute(&state.db, &ctx.actor(), &dispute_id).await?;
    Ok(Json(view_json(&state, &view)).into_response())
}

pub async fn attachment(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path((dispute_id, attachment_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (row, bytes) =
        disputes::attachment(&state.db, &state.objects, &ctx.actor(), &dispute_id, &attachment_id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, row.content_type),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", row.filename.replace(['"', '\\'], "_")),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

/// Playground only: opens a dispute on one of the key's captured orders, as the provider
/// would. `{"order_id", "reason", "amount"?, "claim"?, "inquiry"?}`; 201 with the dispute.
pub async fn open_test_dispute(State(state): State<AppState>, ctx: ApiCtx) -> Result<Response, ApiError> {
    if !ctx.caller.playground {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "Test helpers exist only for playground credentials.",
        ));
    }
    let body = ctx.json()?;
    let text = |name: &str| body.get(name).and_then(Value::as_str).map(str::to_owned);
    let order_id = text("order_id").ok_or_else(|| ApiError::bad_value("Bad value: order_id (required)"))?;
    let reason = text("reason")
        .ok_or_else(|| ApiError::bad_value("Bad value: reason (required)"))?
        .parse::<Reason>()
        .map_err(|_| {
            ApiError::bad_value(
                "Bad value: reason (goods_not_received, return, incorrect_invoice, already_paid, faulty_goods, \
                 unauthorized_purchase, high_risk_order or other)",
            )
        })?;
    let amount = match body.get("amount") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_i64()
                .ok_or_else(|| ApiError::bad_value("Bad value: amount (minor units, a whole number)"))?,
        ),
    };
    let cmd = OpenDispute {
        order_id,
        reason,
        amount,
        claim: text("claim").unwrap_or_default(),
        inquiry: body.get("inquiry").and_then(Value::as_bool).unwrap_or(false),
    };
    let row = disputes::open_dispute(&state.db, &ctx.actor(), &cmd).await?;
    let view = disputes::dispute(&state.db, &ctx.actor(), &row.id).await?;
    let location = format!("{}/disputes/v1/disputes/{}", base(&state), row.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(view_json(&state, &view)),
    )
        .into_response())
}
