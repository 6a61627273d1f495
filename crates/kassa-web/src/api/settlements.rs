//! Settlements API v1 (`/settlements/v1`), wire-compatible with Kustom's (Klarna's): payouts,
//! their summary per currency, transactions, and the settlement reports as CSV and PDF.
//! Same keys, errors and Developer Logs as Order Management; a key reads its own store.
//! Reports stream: a CSV leaves in chunks as the ledger is read, so it is not kept for the
//! call log (see [`super::recorder::NotLogged`]).

use super::error::ApiError;
use super::recorder::NotLogged;
use super::settlements_query::Params;
use super::settlements_render::{base, pagination, payout_json, summary_json, transaction_json};
use super::ApiCtx;
use crate::reports::{self, CsvOptions, Lang};
use crate::AppState;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use kassa_app::settlements::{self, PayoutFilter};
use kassa_app::AppError;
use serde_json::json;

/// `GET /settlements/v1/payouts`: newest first, offset pages.
pub async fn list_payouts(
    State(state): State<AppState>,
    ctx: ApiCtx,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let p = Params::parse(query.as_deref())?;
    let (from, to) = p.range(false)?;
    let currency = p.currency()?;
    let (size, offset) = (p.size()?, p.offset()?);
    let filter = PayoutFilter {
        store: None,
        from,
        to,
        currency: currency.clone(),
    };
    let (rows, total) = settlements::payouts(&state.db, &ctx.actor(), &filter, offset, size).await?;
    let base = base(&state.config.public_url);
    let mut keep: Vec<(&str, String)> = Vec::new();
    for name in ["start_date", "end_date"] {
        if let Some(v) = p.get(name)? {
            keep.push((name, v.to_owned()));
        }
    }
    if let Some(c) = currency {
        keep.push(("currency_code", c));
    }
    Ok(Json(json!({
        "payouts": rows.iter().map(|r| payout_json(r, &base)).collect::<Vec<_>>(),
        "pagination": pagination(&format!("{base}/payouts"), &keep, offset, size, rows.len(), total),
    }))
    .into_response())
}

/// `GET /settlements/v1/payouts/summary`: totals per currency of the payouts made between
/// `start_date` and `end_date` (both required).
pub async fn payouts_summary(
    State(state): State<AppState>,
    ctx: ApiCtx,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let p = Params::parse(query.as_deref())?;
    let (from, to) = p.range(true)?;
    let filter = PayoutFilter {
        store: None,
        from,
        to,
        currency: p.currency()?,
    };
    let rows = settlements::payouts_summary(&state.db, &ctx.actor(), &filter).await?;
    Ok(Json(rows.iter().map(summary_json).collect::<Vec<_>>()).into_response())
}

fn no_such_payout(reference: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        format!("No payout with payment reference {reference} was found."),
    )
}

/// The caller's payout `reference`, or Kustom's 404.
async fn payout_of(state: &AppState, ctx: &ApiCtx, reference: &str) -> Result<kassa_db::PayoutRow, ApiError> {
    match settlements::payout(&state.db, &ctx.actor(), reference).await {
        Ok(p) => Ok(p),
        Err(AppError::NotFound(_)) => Err(no_such_payout(reference)),
        Err(e) => Err(e.into()),
    }
}

/// `GET /settlements/v1/payouts/{payment_reference}`.
pub async fn get_payout(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(reference): Path<String>,
) -> Result<Response, ApiError> {
    let payout = payout_of(&state, &ctx, &reference).await?;
    Ok(Json(payout_json(&payout, &base(&state.config.public_url))).into_response())
}

/// `GET /settlements/v1/transactions`: of one payout (`payment_reference`), of one order
/// (`order_id`), or all of the store's, oldest first.
pub async fn transactions(
    State(state): State<AppState>,
    ctx: ApiCtx,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let p = Params::parse(query.as_deref())?;
    let reference = p.text("payment_reference", false)?;
    let order_id = p.text("order_id", false)?;
    if reference.is_some() && order_id.is_some() {
        return Err(ApiError::bad_value(
            "Bad value: give payment_reference or order_id, not both",
        ));
    }
    let (size, offset) = (p.size()?, p.offset()?);
    let (rows, total) = settlements::transactions(
        &state.db,
        &ctx.actor(),
        reference.as_deref(),
        order_id.as_deref(),
        offset,
        size,
    )
    .await?;
    let base = base(&state.config.public_url);
    let mut keep: Vec<(&str, String)> = Vec::new();
    if let Some(r) = reference {
        keep.push(("payment_reference", r));
    }
    if let Some(o) = order_id {
        keep.push(("order_id", o));
    }
    Ok(Json(json!({
        "transactions": rows.iter().map(|e| transaction_json(e, &base)).collect::<Vec<_>>(),
        "pagination": pagination(&format!("{base}/transactions"), &keep, offset, size, rows.len(), total),
    }))
    .into_response())
}

/// A report download: its type, a file name, and no copy in the call log.
fn report(content_type: &'static str, filename: &str, body: Body) -> Response {
    let mut res = Response::new(body);
    let headers = res.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    res.extensions_mut().insert(NotLogged);
    res
}

const CSV: &str = "text/csv; charset=utf-8";
const PDF: &str = "application/pdf";

/// A file name made of the reference's safe characters.
fn file_name(stem: &str, reference: &str, ext: &str) -> String {
    let safe: String = reference
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(64)
        .collect();
    format!("{stem}-{safe}.{ext}")
}

/// PDFs are written in the language the client asks for (`Accept-Language`), English by
/// default.
fn language(headers: &HeaderMap) -> Lang {
    Lang::negotiate(
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or(""),
    )
}

fn report_failed(e: reports::ReportError) -> ApiError {
    tracing::error!(error = %e, "a settlement report failed");
    ApiError::internal()
}

/// `GET /settlements/v1/reports/payout-with-transactions?payment_reference=`: the CSV.
pub async fn payout_csv(
    State(state): State<AppState>,
    ctx: ApiCtx,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let p = Params::parse(query.as_deref())?;
    let reference = p.text("payment_reference", true)?.unwrap_or_default();
    let payout = payout_of(&state, &ctx, &reference).await?;
    let opts = CsvOptions::of_store(&state.db, &payout.store_id)
        .await
        .map_err(report_failed)?;
    let db = state.db.clone();
    let body =
        reports::streamed(move |mut sink| async move { reports::payout_csv(&db, &payout, &opts, &mut sink).await });
    Ok(report(CSV, &file_name("settlement", &reference, "csv"), body))
}

/// The caller's payouts made between `start_date` and `end_date` (both required).
fn range_filter(p: &Params) -> Result<PayoutFilter, ApiError> {
    let (from, to) = p.range(true)?;
    Ok(PayoutFilter {
        store: None,
        from,
        to,
        currency: None,
    })
}

/// `GET /settlements/v1/reports/payouts-summary-with-transactions`: the CSV of every payout
/// in the range, with their transactions.
pub async fn payouts_csv(
    State(state): State<AppState>,
    ctx: ApiCtx,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let p = Params::parse(query.as_deref())?;
    let filter = range_filter(&p)?;
    let q = settlements::payouts_query(&ctx.actor(), &filter)?;
    let opts = CsvOptions::of_store(&state.db, &ctx.caller.store_id)
        .await
        .map_err(report_failed)?;
    let db = state.db.clone();
    let body =
        reports::streamed(move |mut sink| async move { reports::payouts_csv(&db, &q, &opts, true, &mut sink).await });
    Ok(report(CSV, "payouts-summary.csv", body))
}

/// `GET /settlements/v1/reports/payout?payment_reference=`: the PDF of one payout.
pub async fn payout_pdf(
    State(state): State<AppState>,
    ctx: ApiCtx,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let p = Params::parse(query.as_deref())?;
    let reference = p.text("payment_reference", true)?.unwrap_or_default();
    let payout = payout_of(&state, &ctx, &reference).await?;
    let pdf = reports::payout_pdf(&state.db, &payout, language(&headers))
        .await
        .map_err(report_failed)?;
    Ok(report(
        PDF,
        &file_name("settlement", &reference, "pdf"),
        Body::from(pdf),
    ))
}

/// `GET /settlements/v1/reports/payouts-summary`: the PDF of the payouts in the range.
pub async fn payouts_pdf(
    State(state): State<AppState>,
    ctx: ApiCtx,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let p = Params::parse(query.as_deref())?;
    let filter = range_filter(&p)?;
    let q = settlements::payouts_query(&ctx.actor(), &filter)?;
    let (from, to) = (filter.from.unwrap_or(0), filter.to.unwrap_or(0));
    let pdf = reports::payouts_summary_pdf(&state.db, &q, from, to, language(&headers))
        .await
        .map_err(report_failed)?;
    Ok(report(PDF, "payouts-summary.pdf", Body::from(pdf)))
}

/// `POST /test-helpers/settlements/v1/payouts` (playground keys only; live keys get 404):
/// closes the store's whole open balance into a payout now, as a scheduled run would, and
/// answers 201 with it and its address in `Location`. A store with open entries in
/// several currencies gets one payout per currency; the answer is the first of them by
/// currency code, and `GET /settlements/v1/payouts` lists them all. Nothing open: 409
/// `NO_OPEN_BALANCE`; within 3 days of a bank account change: 409 `PAYOUT_HELD`.
pub async fn payout_now(State(state): State<AppState>, ctx: ApiCtx) -> Result<Response, ApiError> {
    if !ctx.caller.playground {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "Test helpers exist only for playground credentials.",
        ));
    }
    let made = match settlements::payout_now(&state.db, &ctx.actor(), &ctx.caller.store_id).await {
        Ok(made) => made,
        Err(AppError::Conflict(_)) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "NO_OPEN_BALANCE",
                "The store has no open balance to pay out: capture an order first.",
            ))
        }
        Err(e) => return Err(e.into()),
    };
    let first = made.first().ok_or_else(ApiError::internal)?;
    let base = base(&state.config.public_url);
    let location = format!("{base}/payouts/{}", first.payment_reference);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(payout_json(first, &base)),
    )
        .into_response())
}
