//! Checkout API v3: create, read, update (POST, while incomplete), abort.

use super::error::ApiError;
use super::render::checkout_json;
use super::ApiCtx;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use kassa_app::orders;
use serde_json::Value;

fn object(v: Value) -> Result<serde_json::Map<String, Value>, ApiError> {
    match v {
        Value::Object(m) => Ok(m),
        _ => Err(ApiError::bad_value("Bad value: the body must be a JSON object")),
    }
}

pub async fn create(State(state): State<AppState>, ctx: ApiCtx) -> Result<Response, ApiError> {
    let body = object(ctx.json()?)?;
    let row = orders::create_checkout(&state.db, &ctx.actor(), body).await?;
    let location = format!(
        "{}/checkout/v3/orders/{}",
        state.config.public_url.trim_end_matches('/'),
        row.order_id
    );
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(checkout_json(&row, &state.config.public_url)),
    )
        .into_response())
}

pub async fn read(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(order_id): Path<String>,
) -> Result<Response, ApiError> {
    let row = orders::checkout_order(&state.db, &ctx.actor(), &order_id).await?;
    Ok(Json(checkout_json(&row, &state.config.public_url)).into_response())
}

pub async fn update(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(order_id): Path<String>,
) -> Result<Response, ApiError> {
    let patch = object(ctx.json()?)?;
    let cmd = orders::UpdateCheckout { order_id, patch };
    let row = orders::update_checkout(&state.db, &ctx.actor(), cmd).await?;
    Ok(Json(checkout_json(&row, &state.config.public_url)).into_response())
}

pub async fn abort(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(order_id): Path<String>,
) -> Result<Response, ApiError> {
    let row = orders::abort_checkout(&state.db, &ctx.actor(), &order_id).await?;
    Ok(Json(checkout_json(&row, &state.config.public_url)).into_response())
}
