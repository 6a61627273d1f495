//! Checkout API v3: create, read, update (POST, while incomplete), abort.

use super::error::ApiError;
use super::ApiCtx;
use crate::orders::{self, checkout_json};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;

fn object(v: Value) -> Result<serde_json::Map<String, Value>, ApiError> {
    match v {
        Value::Object(m) => Ok(m),
        _ => Err(ApiError::bad_value("Bad value: the body must be a JSON object")),
    }
}

pub async fn create(State(state): State<AppState>, ctx: ApiCtx) -> Result<Response, ApiError> {
    let body = object(ctx.json()?)?;
    let row = orders::create_checkout(&state.db, &ctx.caller.store_id, body, &ctx.actor()).await?;
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
    let row = state.db.order(&ctx.caller.store_id, &order_id).await?.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!("We did not find any order with ID {order_id}. You need to create a new order."),
        )
    })?;
    Ok(Json(checkout_json(&row, &state.config.public_url)).into_response())
}

pub async fn update(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(order_id): Path<String>,
) -> Result<Response, ApiError> {
    let patch = object(ctx.json()?)?;
    let row = orders::update_checkout(&state.db, &ctx.caller.store_id, &order_id, patch, &ctx.actor()).await?;
    Ok(Json(checkout_json(&row, &state.config.public_url)).into_response())
}

pub async fn abort(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(order_id): Path<String>,
) -> Result<Response, ApiError> {
    let row = orders::abort_checkout(&state.db, &ctx.caller.store_id, &order_id, &ctx.actor()).await?;
    Ok(Json(checkout_json(&row, &state.config.public_url)).into_response())
}
