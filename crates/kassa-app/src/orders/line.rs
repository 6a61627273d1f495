//! The stored order line, and the checks of its free-text fields.

use super::validate::{is_web_url, WEB_URL};
use kassa_core::lines::{BadValue, Line};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// An order line as orders, captures and refunds store it (Kustom's field names, as the API
/// carries them): the money fields typed, and every field a client sent kept and echoed back.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OrderLine {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    pub name: String,
    pub quantity: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity_unit: Option<String>,
    pub unit_price: i64,
    #[serde(default)]
    pub tax_rate: Option<i64>,
    pub total_amount: i64,
    #[serde(default)]
    pub total_discount_amount: Option<i64>,
    #[serde(default)]
    pub total_tax_amount: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_data: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl OrderLine {
    pub fn to_line(&self) -> Line {
        Line {
            kind: self.kind.clone(),
            reference: self.reference.clone(),
            name: self.name.clone(),
            quantity: self.quantity,
            unit_price: self.unit_price,
            tax_rate: self.tax_rate.unwrap_or(0),
            total_amount: self.total_amount,
            total_discount_amount: self.total_discount_amount.unwrap_or(0),
            total_tax_amount: self.total_tax_amount.unwrap_or(0),
        }
    }

    /// The line as stored and shown: tax and discount fields always present.
    pub fn normalized(mut self) -> OrderLine {
        self.tax_rate.get_or_insert(0);
        self.total_discount_amount.get_or_insert(0);
        self.total_tax_amount.get_or_insert(0);
        self
    }

    pub(super) fn check_text(&self, at: &str, out: &mut Vec<BadValue>) {
        for (name, value, max) in [
            ("quantity_unit", &self.quantity_unit, 10),
            ("merchant_data", &self.merchant_data, 1024),
            ("product_url", &self.product_url, 1024),
            ("image_url", &self.image_url, 1024),
        ] {
            if value.as_ref().is_some_and(|v| v.chars().count() > max) {
                out.push(BadValue::new(
                    format!("{at}.{name}"),
                    format!("at most {max} characters"),
                ));
            }
        }
        // Shown as links in the portal and the checkout: never `javascript:` or `data:`.
        for (name, value) in [("product_url", &self.product_url), ("image_url", &self.image_url)] {
            if value.as_deref().is_some_and(|v| !is_web_url(v)) {
                out.push(BadValue::new(format!("{at}.{name}"), WEB_URL));
            }
        }
    }

    /// The line at another quantity and unit price: its discount kept per unit, its totals
    /// worked out as the spec defines them (see [`kassa_core::line_edit::repriced`]). None
    /// when the numbers are too large.
    pub fn repriced(&self, quantity: i64, unit_price: i64) -> Option<OrderLine> {
        kassa_core::line_edit::repriced(&self.to_line(), quantity, unit_price).map(|l| self.with_money(&l))
    }

    /// This line with the quantity, price and totals of `l` (everything else kept).
    pub fn with_money(&self, l: &Line) -> OrderLine {
        OrderLine {
            quantity: l.quantity,
            unit_price: l.unit_price,
            total_amount: l.total_amount,
            total_discount_amount: Some(l.total_discount_amount),
            total_tax_amount: Some(l.total_tax_amount),
            ..self.clone()
        }
    }
}

/// A new line with nothing but its money facts.
impl From<Line> for OrderLine {
    fn from(l: Line) -> OrderLine {
        OrderLine {
            kind: l.kind,
            reference: l.reference,
            name: l.name,
            quantity: l.quantity,
            quantity_unit: None,
            unit_price: l.unit_price,
            tax_rate: Some(l.tax_rate),
            total_amount: l.total_amount,
            total_discount_amount: Some(l.total_discount_amount),
            total_tax_amount: Some(l.total_tax_amount),
            merchant_data: None,
            product_url: None,
            image_url: None,
            extra: Map::new(),
        }
    }
}

/// The lines stored under `order_lines` in an order, capture or refund body.
pub fn lines_in(body: &Map<String, Value>) -> Vec<OrderLine> {
    body.get("order_lines")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default()
}

/// The lines of a stored capture or refund body (JSON text).
pub fn stored_lines(body: &str) -> Vec<OrderLine> {
    serde_json::from_str::<Map<String, Value>>(body)
        .map(|b| lines_in(&b))
        .unwrap_or_default()
}

/// Core lines, for the arithmetic.
pub fn core_lines(lines: &[OrderLine]) -> Vec<Line> {
    lines.iter().map(OrderLine::to_line).collect()
}
