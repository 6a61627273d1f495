//! Orders: the hosted checkout's orders and Kustom's Order Management operations, for every
//! caller alike — the merchant API, the portal's order page and bulk capture, the hosted
//! checkout, the demo seed and Kassa's jobs.
//!
//! Each use case takes a typed command and the [`Actor`](crate::Actor), locks the order of
//! the actor's store (or answers [`Missing::Order`](crate::Missing)), checks the command's
//! fields (every bad one at once), asks kassa-core whether the order allows it, writes the
//! change and its timeline event in that one transaction, and returns a typed result. The
//! Order Management use cases return the open transaction ([`Pending`]) so the merchant API
//! can save its idempotent response in it; see [`Pending`].

mod capture;
mod checkout;
mod edit;
mod lifecycle;
mod line;
mod lock;
mod queries;
mod refund;
mod validate;

pub use capture::{
    add_capture_shipping_info, capture, extend_due_date, trigger_send_out, Amount, Capture, CaptureShippingInfo,
    ExtendDueDate, DUE_DATE_OPTIONS,
};
pub use checkout::{
    abort_checkout, check_checkout, checkout_open, complete_checkout, create_checkout, payment_description,
    update_checkout, CheckoutFields, CompleteCheckout, UpdateCheckout, CHECKOUT_LIFETIME_MS, MERCHANT_SUSPENDED,
    READ_ONLY,
};
pub use edit::{
    add_shipping_info, approval_ceiling, edit_lines, lines_version, plan_lines_edit, update_authorization,
    update_customer_details, update_merchant_references, AddShippingInfo, Approval, CustomerDetails, EditLines,
    MerchantReferences, PlannedLines, UpdateAuthorization,
};
pub use lifecycle::{acknowledge, cancel, expire, extend_authorization, release_remaining, settle, Settle};
pub use line::{core_lines, lines_in, stored_lines, OrderLine};
pub(crate) use lock::lock;
pub use lock::{core_state, Locked, Pending};
pub use queries::{
    capture_of, captures, checkout_order, due_date_options, events, export_orders, hosted_checkout, om_order,
    order_record, refund_of, refunds, search_orders, OrderRecord,
};
pub(crate) use refund::refund_locked;
pub use refund::{refund, Refund};
pub use validate::{
    address_field_limit, check_address, check_lines, check_partial_lines, check_shipping_info, check_text, check_url,
    is_web_url, parse_json, SHIPPING_METHODS,
};

use serde_json::{Map, Value};

const DAY_MS: i64 = 24 * 3600 * 1000;

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Kustom's short customer-facing reference, e.g. `K4MADNY`: seven characters with no
/// look-alikes, each equally likely.
pub fn short_reference() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let limit = 256 - 256 % ALPHABET.len();
    let mut out = String::with_capacity(7);
    while out.len() < 7 {
        // A v4 UUID is the OS's randomness, except its version (byte 6) and variant (8).
        let id = uuid::Uuid::new_v4();
        let random = id.as_bytes().iter().enumerate().filter(|(i, _)| !matches!(i, 6 | 8));
        for (_, b) in random {
            if (*b as usize) < limit && out.len() < 7 {
                out.push(ALPHABET[*b as usize % ALPHABET.len()] as char);
            }
        }
    }
    out.to_uppercase().replace(['0', 'O', '1', 'I', 'L'], "X")
}

/// Name and email from the billing address, for search and lists.
pub fn customer_of(body: &Map<String, Value>) -> (String, String) {
    let addr = body.get("billing_address").and_then(Value::as_object);
    let field = |k: &str| {
        addr.and_then(|a| a.get(k))
            .and_then(Value::as_str)
            .unwrap_or("")
            .trim()
            .to_owned()
    };
    let name = format!("{} {}", field("given_name"), field("family_name"))
        .trim()
        .to_owned();
    (name, field("email").to_lowercase())
}

/// A time as the API and the stored events show it: `2026-01-31T12:00:00.000Z`.
pub fn iso_time(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default()
}

/// A merchant URL (confirmation, push) with Kustom's template variables filled in:
/// `{checkout.order.id}`, and the order's API address for `{checkout.order.url}`/`.uri}`.
pub fn expand_merchant_url(url: &str, order_id: &str, public_url: &str) -> String {
    let order_url = format!("{}/checkout/v3/orders/{order_id}", public_url.trim_end_matches('/'));
    url.replace("{checkout.order.id}", order_id)
        .replace("{checkout.order.url}", &order_url)
        .replace("{checkout.order.uri}", &order_url)
}

#[cfg(test)]
mod tests {
    #[test]
    fn short_references_have_no_look_alikes() {
        for _ in 0..200 {
            let r = super::short_reference();
            assert_eq!(r.len(), 7);
            assert!(r.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()), "{r}");
            assert!(!r.contains(['0', 'O', '1', 'I', 'L']), "{r}");
        }
    }
}
