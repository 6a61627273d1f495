//! Wire types of the merchant API (Kustom's field names) and their validation. Requests are
//! parsed here into typed values; unknown fields a real client sends (product identifiers,
//! shipping attributes, GUI options…) are kept and echoed back, as Kustom does.

use super::error::ApiError;
use kassa_app::orders::parse_json;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{Map, Value};

/// Stored lines are the API's lines: the same fields, every unknown one kept.
pub use kassa_app::orders::{iso_time, OrderLine as WireLine};

pub type Object = Map<String, Value>;

/// Parses JSON into `T`, naming the field that is wrong (`order_lines[1].quantity`).
pub fn parse<T: DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    parse_json(value).map_err(|e| ApiError::bad_value(e.to_string()))
}

/// The request body of a capture.
#[derive(Debug, Deserialize)]
pub struct CaptureRequest {
    pub captured_amount: i64,
    pub description: Option<String>,
    pub reference: Option<String>,
    pub order_lines: Option<Vec<WireLine>>,
    pub shipping_info: Option<Vec<Value>>,
    pub shipping_delay: Option<i64>,
}

/// The request body of a refund.
#[derive(Debug, Deserialize)]
pub struct RefundRequest {
    pub refunded_amount: i64,
    pub description: Option<String>,
    pub reference: Option<String>,
    pub order_lines: Option<Vec<WireLine>>,
}

#[derive(Debug, Deserialize)]
pub struct UpdateAuthorization {
    pub order_amount: i64,
    pub description: Option<String>,
    pub order_lines: Option<Vec<WireLine>>,
}

#[derive(Debug, Deserialize)]
pub struct MerchantReferences {
    pub merchant_reference1: Option<String>,
    pub merchant_reference2: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct CustomerDetails {
    pub billing_address: Option<Value>,
    pub shipping_address: Option<Value>,
}

#[derive(Debug, Deserialize)]
pub struct ShippingInfoUpdate {
    pub shipping_info: Vec<Value>,
}

#[derive(Debug, Deserialize)]
pub struct ExtendDueDate {
    pub number_of_days: i64,
}
