//! Wire types of the merchant API (Kustom's field names) and their validation. Requests are
//! parsed here into typed values; unknown fields a real client sends (product identifiers,
//! shipping attributes, GUI options…) are kept and echoed back, as Kustom does.

use super::error::ApiError;
use kassa_core::account::Email;
use kassa_core::lines::{self, BadValue, Line};
use kassa_core::money;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub type Object = Map<String, Value>;

/// Parses JSON into `T`, naming the field that is wrong (`order_lines[1].quantity`).
pub fn parse<T: DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        let inner = inner.split(" at line ").next().unwrap_or(&inner).to_owned();
        if path == "." {
            ApiError::bad_value(format!("Bad value: {inner}"))
        } else {
            ApiError::bad_value(format!("Bad value: {path} ({inner})"))
        }
    })
}

/// An order line as the API carries it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WireLine {
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
    pub extra: Object,
}

impl WireLine {
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
    pub fn normalized(mut self) -> WireLine {
        self.tax_rate.get_or_insert(0);
        self.total_discount_amount.get_or_insert(0);
        self.total_tax_amount.get_or_insert(0);
        self
    }

    fn check_text(&self, at: &str, out: &mut Vec<BadValue>) {
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
}

/// Checks lines that must carry tax fields (checkout), then the arithmetic.
pub fn check_lines(lines: &[WireLine], order_amount: i64, order_tax_amount: i64, out: &mut Vec<BadValue>) {
    for (i, l) in lines.iter().enumerate() {
        let at = format!("order_lines[{i}]");
        if l.tax_rate.is_none() {
            out.push(BadValue::new(format!("{at}.tax_rate"), "required"));
        }
        if l.total_tax_amount.is_none() {
            out.push(BadValue::new(format!("{at}.total_tax_amount"), "required"));
        }
        l.check_text(&at, out);
    }
    let core: Vec<Line> = lines.iter().map(WireLine::to_line).collect();
    out.extend(lines::check_order(&core, order_amount, order_tax_amount));
}

/// Lines of a capture or refund: optional tax fields, must add up to `amount`.
pub fn check_partial_lines(lines: &[WireLine], amount: i64, field: &str) -> Vec<BadValue> {
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        l.check_text(&format!("order_lines[{i}]"), &mut out);
    }
    let core: Vec<Line> = lines.iter().map(WireLine::to_line).collect();
    out.extend(lines::check_partial(&core, amount, field));
    out
}

const ADDRESS_FIELDS: &[(&str, usize)] = &[
    ("given_name", 100),
    ("family_name", 100),
    ("title", 20),
    ("street_address", 100),
    ("street_address2", 100),
    ("street_name", 100),
    ("street_number", 100),
    ("house_extension", 100),
    ("postal_code", 10),
    ("city", 200),
    ("region", 200),
    ("country", 2),
    ("email", 100),
    ("phone", 100),
    ("care_of", 100),
    ("organization_name", 255),
    ("attention", 255),
    ("reference", 255),
];

/// The most characters an address field may hold (the hosted checkout checks its form with
/// the same limits before it completes the order).
pub fn address_field_limit(key: &str) -> Option<usize> {
    ADDRESS_FIELDS.iter().find(|(k, _)| *k == key).map(|(_, max)| *max)
}

/// An address object: known fields are strings within their limits; an email must be one.
pub fn check_address(value: &Value, at: &str, out: &mut Vec<BadValue>) {
    let Some(obj) = value.as_object() else {
        out.push(BadValue::new(at, "must be an object"));
        return;
    };
    for (key, v) in obj {
        let Some(max) = ADDRESS_FIELDS.iter().find(|(k, _)| k == key).map(|(_, m)| *m) else {
            continue;
        };
        match v {
            Value::Null => {}
            Value::String(s) if s.chars().count() <= max => {
                if key == "email" && !s.is_empty() && Email::parse(s).is_err() {
                    out.push(BadValue::new(format!("{at}.email"), "not a valid email address"));
                }
                if key == "country" && !s.is_empty() && !(s.len() == 2 && s.chars().all(|c| c.is_ascii_alphabetic())) {
                    out.push(BadValue::new(format!("{at}.country"), "an ISO 3166 alpha-2 code"));
                }
            }
            Value::String(_) => out.push(BadValue::new(
                format!("{at}.{key}"),
                format!("at most {max} characters"),
            )),
            _ => out.push(BadValue::new(format!("{at}.{key}"), "must be a string")),
        }
    }
}

pub const SHIPPING_METHODS: &[&str] = &[
    "PickUpStore",
    "Home",
    "BoxReg",
    "BoxUnreg",
    "PickUpPoint",
    "Own",
    "Postal",
    "DHLPackstation",
    "Digital",
    "Undefined",
    "PickUpWarehouse",
    "ClickCollect",
    "PalletDelivery",
];

/// Shipping information entries (at most 500).
pub fn check_shipping_info(entries: &[Value], out: &mut Vec<BadValue>) {
    if entries.len() > 500 {
        out.push(BadValue::new("shipping_info", "at most 500 entries"));
    }
    for (i, e) in entries.iter().enumerate() {
        let at = format!("shipping_info[{i}]");
        let Some(obj) = e.as_object() else {
            out.push(BadValue::new(at, "must be an object"));
            continue;
        };
        for (key, v) in obj {
            let max = match key.as_str() {
                "shipping_company" | "tracking_number" | "return_shipping_company" | "return_tracking_number" => 100,
                "tracking_uri" | "return_tracking_uri" => 1024,
                "shipping_method" => 100,
                _ => continue,
            };
            match v.as_str() {
                Some(s) if s.chars().count() > max => out.push(BadValue::new(
                    format!("{at}.{key}"),
                    format!("at most {max} characters"),
                )),
                Some(s) if key.ends_with("tracking_uri") && !is_web_url(s) => {
                    out.push(BadValue::new(format!("{at}.{key}"), WEB_URL))
                }
                Some(s) if key == "shipping_method" && !SHIPPING_METHODS.contains(&s) => out.push(BadValue::new(
                    format!("{at}.shipping_method"),
                    format!("one of {}", SHIPPING_METHODS.join(", ")),
                )),
                Some(_) => {}
                None if v.is_null() => {}
                None => out.push(BadValue::new(format!("{at}.{key}"), "must be a string")),
            }
        }
    }
}

/// Optional text fields with a length limit.
pub fn check_text(value: Option<&str>, field: &str, max: usize, out: &mut Vec<BadValue>) {
    if value.is_some_and(|v| v.chars().count() > max) {
        out.push(BadValue::new(field, format!("at most {max} characters")));
    }
}

/// What [`is_web_url`] accepts, as the error says it.
const WEB_URL: &str = "an absolute http(s) URL";

/// An absolute `http://` or `https://` URL with a host and no spaces or control
/// characters: what may become a link or a redirect. Everything else (`javascript:`,
/// `data:`, relative or scheme-relative URLs) is refused.
pub fn is_web_url(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://")) else {
        return false;
    };
    let host_starts = rest
        .chars()
        .next()
        .is_some_and(|c| !matches!(c, '/' | '?' | '#' | '\\'));
    host_starts && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A merchant URL: absolute http(s), at most 2000 characters.
pub fn check_url(value: Option<&Value>, field: &str, required: bool, out: &mut Vec<BadValue>) {
    match value {
        None | Some(Value::Null) if required => out.push(BadValue::new(field, "required")),
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => {
            let ok = is_web_url(s) && s.chars().count() <= 2000;
            if !ok {
                out.push(BadValue::new(
                    field,
                    "an absolute http(s) URL of at most 2000 characters",
                ));
            }
        }
        Some(_) => out.push(BadValue::new(field, "must be a string")),
    }
}

/// The part of a checkout order Kassa needs typed; the rest stays JSON.
#[derive(Debug, Deserialize)]
pub struct CheckoutFields {
    pub purchase_country: Option<String>,
    pub purchase_currency: Option<String>,
    pub locale: Option<String>,
    pub order_amount: Option<i64>,
    pub order_tax_amount: Option<i64>,
    pub order_lines: Option<Vec<WireLine>>,
    pub merchant_urls: Option<Object>,
    pub merchant_reference1: Option<String>,
    pub merchant_reference2: Option<String>,
    pub merchant_data: Option<String>,
    pub billing_address: Option<Value>,
    pub shipping_address: Option<Value>,
    pub customer: Option<Object>,
    pub options: Option<Object>,
    pub shipping_info: Option<Vec<Value>>,
}

/// Fields a client may send back that only Kassa sets; they are ignored on input.
pub const READ_ONLY: &[&str] = &[
    "order_id",
    "status",
    "html_snippet",
    "started_at",
    "completed_at",
    "last_modified_at",
    "name",
    "recurring_token",
    "recurring_description",
    "expires_at",
    "klarna_reference",
];

/// A whole checkout order, checked: every problem at once, as Kustom lists them.
pub fn check_checkout(order: &Object) -> Result<CheckoutFields, ApiError> {
    let f: CheckoutFields = parse(Value::Object(order.clone()))?;
    let mut out = Vec::new();
    let country = f.purchase_country.clone().unwrap_or_default();
    match &f.purchase_country {
        None => out.push(BadValue::new("purchase_country", "required")),
        Some(c) if !money::is_market(c) => out.push(BadValue::new("purchase_country", "not a country Kassa sells in")),
        Some(_) => {}
    }
    match &f.purchase_currency {
        None => out.push(BadValue::new("purchase_currency", "required")),
        Some(c) if !money::is_currency(c) => {
            out.push(BadValue::new("purchase_currency", "not a supported ISO 4217 currency"))
        }
        Some(c) if money::is_market(&country) && !money::currency_allowed(&country, c) => out.push(BadValue::new(
            "purchase_currency",
            format!("not accepted for purchase_country {country}"),
        )),
        Some(_) => {}
    }
    match &f.locale {
        None => out.push(BadValue::new("locale", "required")),
        Some(l) if !money::is_locale(l) => out.push(BadValue::new("locale", "an RFC 1766 locale such as sv-SE")),
        Some(_) => {}
    }
    match (&f.order_lines, f.order_amount, f.order_tax_amount) {
        (Some(lines), Some(amount), Some(tax)) => check_lines(lines, amount, tax, &mut out),
        _ => {
            for (name, present) in [
                ("order_amount", f.order_amount.is_some()),
                ("order_tax_amount", f.order_tax_amount.is_some()),
                ("order_lines", f.order_lines.is_some()),
            ] {
                if !present {
                    out.push(BadValue::new(name, "required"));
                }
            }
        }
    }
    match &f.merchant_urls {
        None => out.push(BadValue::new("merchant_urls", "required")),
        Some(urls) => {
            for name in ["terms", "checkout", "confirmation", "push"] {
                check_url(urls.get(name), &format!("merchant_urls.{name}"), true, &mut out);
            }
            for name in [
                "validation",
                "notification",
                "cancellation_terms",
                "shipping_option_update",
                "address_update",
                "country_change",
            ] {
                check_url(urls.get(name), &format!("merchant_urls.{name}"), false, &mut out);
            }
        }
    }
    check_text(f.merchant_reference1.as_deref(), "merchant_reference1", 255, &mut out);
    check_text(f.merchant_reference2.as_deref(), "merchant_reference2", 255, &mut out);
    check_text(f.merchant_data.as_deref(), "merchant_data", 6000, &mut out);
    if let Some(entries) = &f.shipping_info {
        check_shipping_info(entries, &mut out);
    }
    for (name, addr) in [
        ("billing_address", &f.billing_address),
        ("shipping_address", &f.shipping_address),
    ] {
        if let Some(a) = addr.as_ref().filter(|a| !a.is_null()) {
            check_address(a, name, &mut out);
        }
    }
    if out.is_empty() {
        Ok(f)
    } else {
        Err(ApiError::bad_values(out))
    }
}

/// Shapes money and dates as the API shows them.
pub fn iso_time(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default()
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn order() -> Object {
        json!({
            "purchase_country": "SE", "purchase_currency": "SEK", "locale": "sv-SE",
            "order_amount": 50000, "order_tax_amount": 10000,
            "order_lines": [{"type": "physical", "reference": "19-402", "name": "Shoes", "quantity": 2,
                             "unit_price": 25000, "tax_rate": 2500, "total_amount": 50000, "total_tax_amount": 10000,
                             "product_identifiers": {"brand": "Acme"}}],
            "merchant_urls": {"terms": "https://shop.test/terms", "checkout": "https://shop.test/checkout",
                              "confirmation": "https://shop.test/thanks?id={checkout.order.id}", "push": "https://shop.test/push?id={checkout.order.id}"}
        })
        .as_object()
        .unwrap()
        .clone()
    }

    #[test]
    fn a_valid_order_passes_and_keeps_unknown_line_fields() {
        let f = check_checkout(&order()).unwrap();
        assert_eq!(f.order_lines.unwrap()[0].extra["product_identifiers"]["brand"], "Acme");
    }

    #[test]
    fn every_problem_is_listed_with_its_field() {
        let mut o = order();
        o.insert("purchase_currency".into(), json!("EUR"));
        o.insert("locale".into(), json!("klingon"));
        o["order_lines"][0]["total_tax_amount"] = json!(9000);
        o["merchant_urls"].as_object_mut().unwrap().remove("push");
        let err = check_checkout(&o).unwrap_err();
        let text = err.messages.join("\n");
        for field in [
            "purchase_currency",
            "locale",
            "order_lines[0].total_tax_amount",
            "merchant_urls.push",
        ] {
            assert!(text.contains(field), "{field} missing in {text}");
        }
    }

    #[test]
    fn only_web_urls_are_links() {
        for good in [
            "https://shop.test/p/1",
            "http://shop.test",
            "https://shop.test/thanks?id={checkout.order.id}",
        ] {
            assert!(is_web_url(good), "{good}");
        }
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "//evil.test/x",
            "/relative",
            "https://",
            "https:///path",
            "https://shop.test/a b",
            "https://shop.test/\r\nx",
            "ftp://shop.test/x",
            "HTTPS://SHOP.TEST/x",
            "",
        ] {
            assert!(!is_web_url(bad), "{bad:?}");
        }
    }

    #[test]
    fn wrong_types_name_the_field() {
        let mut o = order();
        o["order_lines"][0]["quantity"] = json!("two");
        let err = check_checkout(&o).unwrap_err();
        assert!(
            err.messages[0].contains("order_lines[0].quantity"),
            "{:?}",
            err.messages
        );
    }
}
