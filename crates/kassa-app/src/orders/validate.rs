//! The checks of a command's fields that Kustom's spec defines: every bad field is listed,
//! as `BadValue`s the use case returns together (`AppError::Invalid`).

use super::line::OrderLine;
use crate::FieldError;
use kassa_core::account::Email;
use kassa_core::lines::{self, BadValue, Line};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Reads JSON into `T`, naming the field that is wrong (`order_lines[1].quantity`).
pub fn parse_json<T: DeserializeOwned>(value: Value) -> Result<T, FieldError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        let inner = inner.split(" at line ").next().unwrap_or(&inner).to_owned();
        if path == "." {
            FieldError::new("", inner)
        } else {
            FieldError::new(path, inner)
        }
    })
}

/// Checks lines that must carry tax fields (checkout), then the arithmetic.
pub fn check_lines(lines: &[OrderLine], order_amount: i64, order_tax_amount: i64, out: &mut Vec<BadValue>) {
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
    let core: Vec<Line> = lines.iter().map(OrderLine::to_line).collect();
    out.extend(lines::check_order(&core, order_amount, order_tax_amount));
}

/// Lines of a capture or refund: optional tax fields, must add up to `amount`.
pub fn check_partial_lines(lines: &[OrderLine], amount: i64, field: &str) -> Vec<BadValue> {
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        l.check_text(&format!("order_lines[{i}]"), &mut out);
    }
    let core: Vec<Line> = lines.iter().map(OrderLine::to_line).collect();
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

/// Kustom's `shipping_info[].shipping_method` values.
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
pub(super) const WEB_URL: &str = "an absolute http(s) URL";

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
