//! The document's schemas, written once and referenced everywhere else.

use super::*;

// ---- Components ----------------------------------------------------------------------------

pub(super) fn error_schema() -> Value {
    json!({
        "type": "object",
        "description": "Every error, in Kustom's shape.",
        "required": ["error_code", "error_messages", "correlation_id"],
        "properties": {
            "error_code": {"type": "string", "example": "NO_SUCH_ORDER",
                "description": "BAD_VALUE, UNAUTHORIZED, NOT_ALLOWED, CAPTURE_NOT_ALLOWED, REFUND_NOT_ALLOWED, \
                    CANCEL_NOT_ALLOWED, READ_ONLY_ORDER, NO_SUCH_ORDER, NO_SUCH_CAPTURE, NOT_FOUND, CONFLICT, \
                    NO_OPEN_BALANCE, REQUEST_TOO_LARGE or INTERNAL_SERVER_ERROR."},
            "error_messages": {"type": "array", "items": {"type": "string"},
                "description": "What is wrong; validation lists every problem as `Bad value: <field> (<reason>)`."},
            "correlation_id": {"type": "string",
                "description": "The request's `X-Request-Id` (sent by the client or generated); quote it to support."},
        },
    })
}

pub(super) fn address_schema() -> Value {
    let mut props: Map<String, Value> = ADDRESS_FIELDS
        .iter()
        .map(|(name, max, description)| ((*name).to_owned(), nullable(text(*max, description))))
        .collect();
    props.insert(
        "email".into(),
        nullable(json!({"type": "string", "format": "email", "maxLength": 100, "description": "Email address."})),
    );
    props.insert(
        "country".into(),
        nullable(json!({"type": "string", "maxLength": 2, "pattern": "^([A-Za-z]{2})?$",
            "description": "ISO 3166 alpha-2 country code."})),
    );
    json!({
        "type": "object",
        "description": "An address. Known fields are strings (or null) within their lengths; other fields are kept as sent.",
        "properties": props,
    })
}

pub(super) fn order_line_schema() -> Value {
    let amount = |description: &str| int(-MAX_AMOUNT, MAX_AMOUNT, description);
    json!({
        "type": "object",
        "description": "An order line. Fields not listed (product_identifiers, shipping_attributes, subscription…) are kept as sent.",
        "required": ["name", "quantity", "unit_price", "total_amount"],
        "properties": {
            "type": {"type": "string", "enum": LINE_KINDS, "description": "Line type; default physical."},
            "reference": text(255, "Article number, SKU or similar; matches capture and refund lines to order lines."),
            "name": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "\\S", "description": "Descriptive name."},
            "quantity": int(0, MAX_AMOUNT, "Quantity, a whole number."),
            "quantity_unit": text(10, "Unit, e.g. pcs or kg."),
            "unit_price": amount("Minor units, including tax, excluding discount. Negative only on discount lines."),
            "tax_rate": int(0, MAX_TAX_RATE, "Two implied decimals: 2500 is 25 %. Default 0."),
            "total_amount": amount("quantity × unit_price − total_discount_amount. Negative only on discount lines."),
            "total_discount_amount": int(0, MAX_AMOUNT, "Discount including tax. Default 0."),
            "total_tax_amount": amount("Within ±1 of total_amount − total_amount × 10000 / (10000 + tax_rate). Default 0."),
            "merchant_data": text(1024, "Free text for the merchant."),
            "product_url": web_url(1024, "Product page: an absolute http(s) URL."),
            "image_url": web_url(1024, "Product image: an absolute http(s) URL."),
        },
    })
}

pub(super) fn checkout_order_line_schema() -> Value {
    json!({
        "description": "An order line of a whole order: tax fields are required.",
        "allOf": [schema("OrderLine"), {"type": "object", "required": ["tax_rate", "total_tax_amount"]}],
    })
}

/// An absolute http(s) URL, as `kassa_app::orders::is_web_url` accepts it: a host right after the
/// scheme, no whitespace or control characters.
pub(super) const WEB_URL_PATTERN: &str = "^https?://[^\\s\\x00-\\x1f\\x7f-\\x9f/?#\\\\][^\\s\\x00-\\x1f\\x7f-\\x9f]*$";

pub(super) fn web_url(max: u32, description: &str) -> Value {
    json!({"type": "string", "maxLength": max, "pattern": WEB_URL_PATTERN, "description": description})
}

pub(super) fn url(description: &str) -> Value {
    web_url(2000, description)
}

pub(super) fn merchant_urls_schema() -> Value {
    json!({
        "type": "object",
        "description": "The merchant's URLs: absolute http(s) URLs of at most 2000 characters. `{checkout.order.id}` \
            and `{checkout.order.url}` are replaced.",
        "required": ["terms", "checkout", "confirmation", "push"],
        "properties": {
            "terms": url("Terms and conditions."),
            "checkout": url("The merchant's checkout page."),
            "confirmation": url("Where the shopper goes after the purchase."),
            "push": url("Receives a POST after the purchase until the order is acknowledged or captured."),
            "validation": nullable(url("Validation callback.")),
            "notification": nullable(url("Pending-order notifications.")),
            "cancellation_terms": nullable(url("Cancellation terms.")),
            "shipping_option_update": nullable(url("Shipping option update callback.")),
            "address_update": nullable(url("Address update callback.")),
            "country_change": nullable(url("Country change callback.")),
        },
    })
}

pub(super) fn shipping_info_schema() -> Value {
    let mut methods: Vec<Value> = SHIPPING_METHODS.iter().map(|m| json!(m)).collect();
    methods.push(Value::Null);
    json!({
        "type": "object",
        "description": "Shipping information. Other fields are kept as sent.",
        "properties": {
            "shipping_company": nullable(text(100, "Carrier and service, e.g. \"DHL US\".")),
            "shipping_method": {"type": "string", "nullable": true, "enum": methods, "description": "How the goods travel."},
            "tracking_number": nullable(text(100, "Tracking number.")),
            "tracking_uri": nullable(web_url(1024, "Tracking URL: an absolute http(s) URL.")),
            "return_shipping_company": nullable(text(100, "Return carrier.")),
            "return_tracking_number": nullable(text(100, "Return tracking number.")),
            "return_tracking_uri": nullable(web_url(1024, "Return tracking URL: an absolute http(s) URL.")),
        },
    })
}

pub(super) fn shipping_info_list(description: &str) -> Value {
    json!({"type": "array", "maxItems": 500, "items": schema("ShippingInfo"), "description": description})
}

pub(super) fn lines(min: usize, item: &str, description: &str) -> Value {
    json!({"type": "array", "minItems": min, "maxItems": MAX_LINES, "items": schema(item), "description": description})
}

pub(super) fn checkout_order_schema() -> Value {
    let countries: Vec<&str> = MARKETS.iter().map(|(c, _)| *c).collect();
    let mut currencies: Vec<&str> = MARKETS.iter().map(|(_, c)| *c).collect();
    currencies.dedup();
    currencies.sort_unstable();
    currencies.dedup();
    let languages: Vec<String> = LOCALE_LANGUAGES.iter().map(|l| any_case(l)).collect();
    let locale_pattern = format!("^({})[-_][A-Za-z]{{2}}$", languages.join("|"));
    let read_only = |v: Value| {
        let mut v = v;
        v["readOnly"] = json!(true);
        v
    };
    json!({
        "type": "object",
        "description": "A checkout order. Fields not listed (attachment, gui, shipping_options, \
            external_payment_methods, …) are stored and returned as sent.",
        "properties": {
            "order_id": read_only(json!({"type": "string", "description": "The order's id (a UUID)."})),
            "status": read_only(json!({"type": "string", "enum": ["checkout_incomplete", "checkout_complete", "checkout_aborted"]})),
            "purchase_country": {"type": "string", "enum": countries,
                "description": "ISO 3166 alpha-2, any letter case on input; one of Kassa's markets."},
            "purchase_currency": {"type": "string", "enum": currencies,
                "description": "ISO 4217, any letter case on input; must be the purchase country's currency."},
            "locale": {"type": "string", "pattern": locale_pattern,
                "description": "RFC 1766, e.g. sv-SE, in one of the languages of the pattern."},
            "order_amount": int(0, MAX_AMOUNT, "Minor units including tax; the sum of the lines' total_amount."),
            "order_tax_amount": int(0, MAX_AMOUNT, "Minor units; the sum of the lines' total_tax_amount."),
            "order_lines": lines(1, "CheckoutOrderLine", "The lines, 1 to 1000."),
            "merchant_urls": schema("MerchantUrls"),
            "merchant_reference1": text(255, "The merchant's order number."),
            "merchant_reference2": text(255, "A second reference."),
            "merchant_data": text(6000, "Free text for the merchant, returned as sent."),
            "billing_address": {"allOf": [schema("Address")], "nullable": true},
            "shipping_address": {"allOf": [schema("Address")], "nullable": true},
            "customer": {"type": "object", "description": "type (person, organization), date_of_birth, \
                organization_registration_id, vat_id; returned as sent."},
            "options": {"type": "object", "description": "Checkout options; returned as sent."},
            "shipping_info": shipping_info_list("Shipping information to start the Order Management order with."),
            "html_snippet": read_only(json!({"type": "string", "description": "HTML that embeds the hosted checkout page."})),
            "started_at": read_only(json!({"type": "string", "format": "date-time"})),
            "last_modified_at": read_only(json!({"type": "string", "format": "date-time"})),
            "completed_at": read_only(json!({"type": "string", "format": "date-time", "description": "Only once complete."})),
        },
    })
}

pub(super) fn checkout_order_create() -> Value {
    json!({
        "description": "A new checkout order.",
        "allOf": [schema("CheckoutOrder"), {"type": "object", "required": [
            "purchase_country", "purchase_currency", "locale", "order_amount", "order_tax_amount",
            "order_lines", "merchant_urls"]}],
    })
}

pub(super) fn checkout_order_update() -> Value {
    json!({
        "description": "Any fields of a checkout order; the merged order must be valid as a whole.",
        "allOf": [schema("CheckoutOrder")],
    })
}

pub(super) fn checkout_order_response() -> Value {
    json!({
        "description": "A checkout order as Kassa answers it.",
        "allOf": [schema("CheckoutOrder"), {"type": "object", "required": [
            "order_id", "status", "purchase_country", "purchase_currency", "locale", "order_amount",
            "order_tax_amount", "order_lines", "merchant_urls", "html_snippet", "started_at", "last_modified_at"]}],
    })
}

pub(super) fn order_schema() -> Value {
    let amount = |d: &str| json!({"type": "integer", "format": "int64", "minimum": 0, "description": d});
    json!({
        "type": "object",
        "description": "An Order Management order.",
        "required": ["order_id", "status", "fraud_status", "order_amount", "original_order_amount", "captured_amount",
            "refunded_amount", "remaining_authorized_amount", "purchase_currency", "purchase_country", "locale",
            "order_lines", "klarna_reference", "created_at", "expires_at", "captures", "refunds", "shipping_info"],
        "properties": {
            "order_id": {"type": "string"},
            "status": {"type": "string", "enum": ["AUTHORIZED", "PART_CAPTURED", "CAPTURED", "CANCELLED", "EXPIRED", "CLOSED"]},
            "fraud_status": {"type": "string", "enum": ["ACCEPTED", "PENDING", "REJECTED"]},
            "order_amount": amount("Current order amount, minor units."),
            "original_order_amount": amount("Amount at purchase."),
            "captured_amount": amount("Sum of the captures."),
            "refunded_amount": amount("Sum of the refunds."),
            "remaining_authorized_amount": amount("What can still be captured."),
            "purchase_currency": {"type": "string"},
            "purchase_country": {"type": "string"},
            "locale": {"type": "string"},
            "order_lines": {"type": "array", "items": schema("OrderLine")},
            "merchant_reference1": {"type": "string"},
            "merchant_reference2": {"type": "string"},
            "merchant_data": {"type": "string"},
            "klarna_reference": {"type": "string", "description": "Short reference shown to the customer, e.g. K4MADNY."},
            "customer": {"type": "object"},
            "billing_address": schema("Address"),
            "shipping_address": schema("Address"),
            "created_at": {"type": "string", "format": "date-time"},
            "expires_at": {"type": "string", "format": "date-time", "description": "The order can be captured until then."},
            "captures": {"type": "array", "items": schema("Capture")},
            "refunds": {"type": "array", "items": schema("Refund")},
            "shipping_info": {"type": "array", "items": schema("ShippingInfo")},
            "initial_payment_method": {"type": "object", "properties": {
                "type": {"type": "string", "enum": ["INVOICE", "CARD", "PAY_IN_X"]},
                "description": {"type": "string"},
                "number_of_installments": {"type": "integer", "nullable": true},
            }},
            "selected_shipping_option": {"description": "As sent on the checkout order."},
        },
    })
}

pub(super) fn capture_schema() -> Value {
    json!({
        "type": "object",
        "required": ["capture_id", "klarna_reference", "captured_amount", "captured_at", "refunded_amount",
            "order_lines", "shipping_info"],
        "properties": {
            "capture_id": {"type": "string"},
            "klarna_reference": {"type": "string", "description": "The order's reference and the capture's number, e.g. K4MADNY-1."},
            "captured_amount": {"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_AMOUNT},
            "captured_at": {"type": "string", "format": "date-time"},
            "refunded_amount": {"type": "integer", "format": "int64", "minimum": 0, "maximum": MAX_AMOUNT,
                "description": "The part of this capture that was refunded."},
            "description": {"type": "string"},
            "reference": {"type": "string"},
            "order_lines": {"type": "array", "items": schema("OrderLine")},
            "shipping_info": {"type": "array", "items": schema("ShippingInfo")},
            "billing_address": schema("Address"),
            "shipping_address": schema("Address"),
        },
    })
}

pub(super) fn refund_schema() -> Value {
    json!({
        "type": "object",
        "required": ["refund_id", "refunded_amount", "refunded_at", "order_lines"],
        "properties": {
            "refund_id": {"type": "string"},
            "refunded_amount": {"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_REFUND_AMOUNT},
            "refunded_at": {"type": "string", "format": "date-time"},
            "description": {"type": "string"},
            "reference": {"type": "string"},
            "order_lines": {"type": "array", "items": schema("OrderLine")},
        },
    })
}

pub(super) fn capture_request_schema() -> Value {
    json!({
        "type": "object",
        "required": ["captured_amount"],
        "properties": {
            "captured_amount": int(1, MAX_AMOUNT, "Minor units; at most the remaining authorized amount."),
            "description": text(255, "Shown to the customer."),
            "reference": text(255, "Appears in settlement files."),
            "order_lines": lines(0, "OrderLine", "The captured lines (at most 1000); they must add up to captured_amount."),
            "shipping_info": shipping_info_list("At most 500 entries."),
            "shipping_delay": {"type": "integer", "format": "int64", "minimum": 0, "description": "Days until shipping."},
        },
    })
}

pub(super) fn refund_request_schema() -> Value {
    json!({
        "type": "object",
        "required": ["refunded_amount"],
        "properties": {
            "refunded_amount": int(1, MAX_REFUND_AMOUNT, "Minor units; at most what is captured and not yet refunded."),
            "description": text(255, "Shown to the customer."),
            "reference": text(255, "Appears in settlement files."),
            "order_lines": lines(0, "OrderLine", "The refunded lines (at most 1000); they must add up to refunded_amount."),
        },
    })
}

pub(super) fn update_authorization_schema() -> Value {
    json!({
        "type": "object",
        "required": ["order_amount"],
        "properties": {
            "order_amount": int(0, MAX_AMOUNT, "The new order amount; at least 1 and at least what is captured."),
            "description": text(255, "Why the amount changes."),
            "order_lines": lines(1, "CheckoutOrderLine", "The new lines; they must add up to order_amount."),
        },
    })
}

pub(super) fn components() -> Value {
    let mut schemas = Map::new();
    for (name, s) in [
        ("Error", error_schema()),
        ("Address", address_schema()),
        ("OrderLine", order_line_schema()),
        ("CheckoutOrderLine", checkout_order_line_schema()),
        ("MerchantUrls", merchant_urls_schema()),
        ("ShippingInfo", shipping_info_schema()),
        ("CheckoutOrder", checkout_order_schema()),
        ("CheckoutOrderCreate", checkout_order_create()),
        ("CheckoutOrderUpdate", checkout_order_update()),
        ("CheckoutOrderResponse", checkout_order_response()),
        ("Order", order_schema()),
        ("Capture", capture_schema()),
        ("Refund", refund_schema()),
        ("CaptureRequest", capture_request_schema()),
        ("RefundRequest", refund_request_schema()),
        ("UpdateAuthorization", update_authorization_schema()),
        (
            "UpdateCustomerDetails",
            json!({"type": "object", "properties": {
                "billing_address": {"allOf": [schema("Address")], "nullable": true},
                "shipping_address": {"allOf": [schema("Address")], "nullable": true},
            }}),
        ),
        (
            "UpdateMerchantReferences",
            json!({"type": "object", "properties": {
                "merchant_reference1": text(255, "New value; an empty string clears it."),
                "merchant_reference2": text(255, "New value; an empty string clears it."),
            }}),
        ),
        (
            "UpdateShippingInfo",
            json!({"type": "object", "required": ["shipping_info"], "properties": {
                "shipping_info": shipping_info_list("Entries to add, at most 500."),
            }}),
        ),
        (
            "ExtendDueDateRequest",
            json!({"type": "object", "required": ["number_of_days"], "properties": {
                "number_of_days": {"type": "integer", "format": "int64", "enum": [7, 14, 28],
                    "description": "One of the offered extensions."},
            }}),
        ),
        (
            "ExtendDueDateOptions",
            json!({"type": "object", "required": ["currency", "options"], "properties": {
                "currency": {"type": "string"},
                "options": {"type": "array", "items": {"type": "object", "required": ["number_of_days", "amount"],
                    "properties": {
                        "number_of_days": {"type": "integer", "format": "int64"},
                        "amount": {"type": "integer", "format": "int64", "minimum": 0, "description": "Fee, minor units."},
                    }}},
            }}),
        ),
        (
            "CompleteCheckoutRequest",
            json!({"type": "object", "properties": {
                "billing_address": {"allOf": [schema("Address")], "nullable": true,
                    "description": "Must have an email. Default: the order's billing address if it has one, else a test person."},
                "shipping_address": {"allOf": [schema("Address")], "nullable": true,
                    "description": "Default: the billing address."},
                "payment_method": {"type": "string", "nullable": true, "enum": ["INVOICE", "CARD", "PAY_IN_X", null],
                    "description": "Any letter case. Default INVOICE."},
            }}),
        ),
    ] {
        schemas.insert(name.into(), s);
    }
    for (name, s) in settlement_schemas() {
        schemas.insert(name.into(), s);
    }
    let common = |description: &str, codes: &[&str]| error(description, codes);
    let mut unauthorized = common(
        "Missing or wrong credentials, or a revoked key (`UNAUTHORIZED`).",
        &["UNAUTHORIZED"],
    );
    unauthorized["headers"] = json!({"WWW-Authenticate": header("WWWAuthenticate")});
    let mut doc = json!({
        "securitySchemes": {
            "basicAuth": {"type": "http", "scheme": "basic",
                "description": "Username `<StoreID>_<suffix>` and password `kco_test_api_…` (playground) or \
                    `kco_live_api_…` (live), created in the portal or with `kassa key create`."},
        },
        "schemas": schemas,
        "parameters": {
            "OrderId": {"name": "order_id", "in": "path", "required": true, "description": "The order's id.",
                "schema": {"type": "string", "minLength": 1}},
            "CaptureId": {"name": "capture_id", "in": "path", "required": true, "description": "The capture's id.",
                "schema": {"type": "string", "minLength": 1}},
            "RefundId": {"name": "refund_id", "in": "path", "required": true, "description": "The refund's id.",
                "schema": {"type": "string", "minLength": 1}},
            "IdempotencyKey": {"name": "Klarna-Idempotency-Key", "in": "header", "required": false,
                "description": "Optional, 1 to 255 visible ASCII characters (a UUID v4 is recommended). A repeat of the same \
                    request (method, path and body) with the same key within 24 hours is not run again: the first \
                    response is replayed with `Idempotent-Replayed: true`. The same key with a different request, \
                    or while the first is still running, is refused with 409 CONFLICT. A 5xx frees the key.",
                "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"}},
        },
        "headers": {
            "Location": {"description": "URL of the new resource.", "required": true, "schema": {"type": "string", "format": "uri"}},
            "CaptureId": {"description": "Id of the new capture.", "required": true, "schema": {"type": "string"}},
            "RefundId": {"description": "Id of the new refund.", "required": true, "schema": {"type": "string"}},
            "IdempotentReplayed": {"description": "`true` when this is the saved response of an earlier request with the same Klarna-Idempotency-Key.",
                "required": false, "schema": {"type": "string", "enum": ["true"]}},
            "WWWAuthenticate": {"description": "`Basic realm=\"Kassa\"`.", "required": true, "schema": {"type": "string"}},
        },
        "responses": {
            "BadRequest": common(
                "A field is missing or wrong, the body is not JSON, or Klarna-Idempotency-Key is empty or longer \
                 than 255 characters (`BAD_VALUE`; every problem is listed).",
                &["BAD_VALUE"],
            ),
            "Unauthorized": unauthorized,
            "Conflict": common(
                "Klarna-Idempotency-Key was already used for a different request, or that request is still running (`CONFLICT`).",
                &["CONFLICT"],
            ),
            "RequestTooLarge": common("The request body is larger than 10 MB (`REQUEST_TOO_LARGE`).", &["REQUEST_TOO_LARGE"]),
            "ServerError": common(
                "Unexpected server error (`INTERNAL_SERVER_ERROR`); retry with the same idempotency key.",
                &["INTERNAL_SERVER_ERROR"],
            ),
        },
    });
    for (name, p) in settlement_parameters() {
        doc["parameters"][name] = p;
    }
    doc
}
