//! The OpenAPI document of the merchant API, served at `/openapi.json`.

use axum::Json;
use serde_json::{json, Value};

pub async fn document() -> Json<Value> {
    Json(json!({"openapi": "3.0.3", "info": {"title": "Kassa merchant API", "version": "1.0.0"}, "paths": {}}))
}
