//! The OpenAPI 3.0.3 document of the merchant API, served at `/openapi.json` (no credentials
//! needed). It describes what Kassa does, which is Kustom's wire format plus Kassa's own rules
//! (idempotency conflicts, the quantity ledger, playground test helpers). Built once: it is
//! static. Schemas are written once under `components` and referenced everywhere else.

use axum::Json;
use kassa_core::lines::{LINE_KINDS, MAX_LINES};
use kassa_core::money::{MAX_AMOUNT, MAX_REFUND_AMOUNT, MAX_TAX_RATE};
use serde_json::{json, Map, Value};
use std::sync::OnceLock;

mod components;
mod disputes_paths;
mod om_paths;
mod settlements_paths;

use components::*;
use disputes_paths::*;
use om_paths::*;
use settlements_paths::*;

/// `GET /openapi.json`.
pub async fn document() -> Json<Value> {
    Json(spec().clone())
}

/// The document itself.
pub fn spec() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(build)
}

/// Purchase countries and the currency each accepts (`kassa_core::money`'s markets; a unit
/// test keeps the two in step).
pub(crate) const MARKETS: &[(&str, &str)] = &[
    ("SE", "SEK"),
    ("NO", "NOK"),
    ("DK", "DKK"),
    ("FI", "EUR"),
    ("DE", "EUR"),
    ("AT", "EUR"),
    ("NL", "EUR"),
    ("BE", "EUR"),
    ("FR", "EUR"),
    ("ES", "EUR"),
    ("IT", "EUR"),
    ("IE", "EUR"),
    ("PT", "EUR"),
    ("GR", "EUR"),
    ("CH", "CHF"),
    ("PL", "PLN"),
    ("CZ", "CZK"),
    ("GB", "GBP"),
    ("US", "USD"),
    ("CA", "CAD"),
    ("AU", "AUD"),
    ("NZ", "NZD"),
];

/// Languages of `locale` (`kassa_core::money::is_locale`).
pub(crate) const LOCALE_LANGUAGES: &[&str] = &[
    "en", "sv", "nb", "no", "nn", "da", "fi", "de", "nl", "fr", "es", "it", "pl", "cs", "pt", "el",
];

/// Address fields and their longest length (`kassa_app::orders::check_address`).
const ADDRESS_FIELDS: &[(&str, u32, &str)] = &[
    ("given_name", 100, "Given name."),
    ("family_name", 100, "Family name."),
    ("title", 20, "Title, e.g. `Mr` or `Frau`."),
    ("street_address", 100, "Street and number."),
    ("street_address2", 100, "Second address line."),
    ("street_name", 100, "Street name (DE, AT, NL)."),
    ("street_number", 100, "Street number (DE, AT, NL)."),
    ("house_extension", 100, "House extension (NL)."),
    ("postal_code", 10, "Postal code."),
    ("city", 200, "City."),
    (
        "region",
        200,
        "Region or state (required by US merchants' own rules, not checked).",
    ),
    ("phone", 100, "Phone number."),
    ("care_of", 100, "Care of."),
    ("organization_name", 255, "Organization name (B2B)."),
    ("attention", 255, "Attention (B2B)."),
    ("reference", 255, "Reference (B2B)."),
];

/// `shipping_info[].shipping_method` values: the list the use cases check against.
use kassa_app::orders::SHIPPING_METHODS;

// ---- Small builders ------------------------------------------------------------------------

fn schema(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn response(name: &str) -> Value {
    json!({ "$ref": format!("#/components/responses/{name}") })
}

fn header(name: &str) -> Value {
    json!({ "$ref": format!("#/components/headers/{name}") })
}

fn parameter(name: &str) -> Value {
    json!({ "$ref": format!("#/components/parameters/{name}") })
}

fn int(min: i64, max: i64, description: &str) -> Value {
    json!({"type": "integer", "format": "int64", "minimum": min, "maximum": max, "description": description})
}

fn text(max: u32, description: &str) -> Value {
    json!({"type": "string", "maxLength": max, "description": description})
}

fn nullable(mut v: Value) -> Value {
    v["nullable"] = json!(true);
    v
}

fn object(pairs: Vec<(&str, Value)>) -> Map<String, Value> {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

fn json_content(schema: Value) -> Value {
    json!({"application/json": {"schema": schema}})
}

/// A regex matching `word` in any letter case (JSON Schema patterns have no flags).
fn any_case(word: &str) -> String {
    word.chars()
        .map(|c| format!("[{}{}]", c.to_ascii_uppercase(), c.to_ascii_lowercase()))
        .collect()
}

/// An error response whose `error_code` is one of `codes`.
fn error(description: &str, codes: &[&str]) -> Value {
    json!({
        "description": description,
        "content": json_content(json!({"allOf": [
            schema("Error"),
            {"type": "object", "properties": {"error_code": {"type": "string", "enum": codes}}}
        ]}))
    })
}

// ---- Operations ----------------------------------------------------------------------------

/// One operation. Every API operation needs credentials and can answer 401, 413 and 500;
/// every POST and PATCH takes `Klarna-Idempotency-Key` and so can also answer 400 (a bad
/// key) and 409 (the key reused for another request, or still running).
struct Op<'a> {
    id: &'a str,
    tag: &'a str,
    summary: &'a str,
    description: &'a str,
    write: bool,
    params: &'a [&'a str],
    body: Option<Value>,
    responses: Vec<(&'a str, Value)>,
}

impl Op<'_> {
    fn build(self) -> Value {
        let mut params: Vec<Value> = self.params.iter().map(|p| parameter(p)).collect();
        let mut responses = object(self.responses);
        responses.insert("401".into(), response("Unauthorized"));
        responses.insert("413".into(), response("RequestTooLarge"));
        responses.insert("500".into(), response("ServerError"));
        if self.write {
            params.push(parameter("IdempotencyKey"));
            responses.entry("400").or_insert_with(|| response("BadRequest"));
            responses.insert("409".into(), response("Conflict"));
        }
        let mut op = json!({
            "operationId": self.id,
            "tags": [self.tag],
            "summary": self.summary,
            "description": self.description,
            "parameters": params,
            "responses": responses,
        });
        if let Some(body) = self.body {
            op["requestBody"] = body;
        }
        op
    }
}

fn body(schema_name: &str, required: bool, example: Option<Value>) -> Value {
    let mut media = json!({"schema": schema(schema_name)});
    if let Some(e) = example {
        media["example"] = e;
    }
    json!({"required": required, "content": {"application/json": media}})
}

fn no_content(description: &str) -> Value {
    json!({"description": description})
}

fn ok_json(description: &str, schema: Value) -> Value {
    json!({"description": description, "content": json_content(schema)})
}

const NO_SUCH_ORDER: &str = "No Order Management order with this id in the caller's store (`NO_SUCH_ORDER`). \
     A checkout that is not completed is not an Order Management order.";

fn no_such_order() -> Value {
    error(NO_SUCH_ORDER, &["NO_SUCH_ORDER"])
}

fn not_allowed(description: &str) -> Value {
    error(description, &["NOT_ALLOWED"])
}

fn checkout_not_found() -> Value {
    error(
        "No checkout order with this id in the caller's store (`NOT_FOUND`). Create a new order.",
        &["NOT_FOUND"],
    )
}

fn read_only_order(description: &str) -> Value {
    error(description, &["READ_ONLY_ORDER"])
}

fn checkout_ok(description: &str) -> Value {
    ok_json(description, schema("CheckoutOrderResponse"))
}

fn checkout_paths() -> Vec<(&'static str, &'static str, Value)> {
    let create = Op {
        id: "createCheckoutOrder",
        tag: "Checkout",
        summary: "Create a checkout order",
        description: "Creates a checkout order with status `checkout_incomplete`. The whole order is \
            checked and every problem is listed in `error_messages` (`Bad value: <field> (<reason>)`). \
            Order-line arithmetic: `total_amount = quantity × unit_price − total_discount_amount`; \
            `total_tax_amount` within ±1 of `total_amount − total_amount × 10000 / (10000 + tax_rate)`; \
            `order_amount` and `order_tax_amount` are the sums over the lines. The order can be \
            completed for 48 hours after its last change. Unknown fields are stored and returned as sent.",
        write: true,
        params: &[],
        body: Some(body("CheckoutOrderCreate", true, Some(example_checkout_order()))),
        responses: vec![
            (
                "201",
                json!({
                    "description": "Created. `Location` is the order's URL; use it rather than building one.",
                    "headers": {"Location": header("Location"), "Idempotent-Replayed": header("IdempotentReplayed")},
                    "content": json_content(schema("CheckoutOrderResponse")),
                }),
            ),
            ("400", response("BadRequest")),
        ],
    };
    let read = Op {
        id: "readCheckoutOrder",
        tag: "Checkout",
        summary: "Read a checkout order",
        description: "The checkout order in any state (incomplete, complete or aborted).",
        write: false,
        params: &["OrderId"],
        body: None,
        responses: vec![("200", checkout_ok("The order.")), ("404", checkout_not_found())],
    };
    let update = Op {
        id: "updateCheckoutOrder",
        tag: "Checkout",
        summary: "Update a checkout order",
        description: "Partial update (POST, as Kustom): fields in the body replace the stored ones, fields \
            not sent stay the same, and the result is checked as a whole like a new order. Allowed only \
            while the order is `checkout_incomplete` and not expired; a change restarts the 48 hours.",
        write: true,
        params: &["OrderId"],
        body: Some(body("CheckoutOrderUpdate", true, Some(json!({"merchant_reference1": "45aa52f387871e3a210645d4"})))),
        responses: vec![
            ("200", checkout_ok("The updated order.")),
            ("400", response("BadRequest")),
            (
                "403",
                read_only_order(
                    "The order is complete, aborted or expired (`READ_ONLY_ORDER`): you tried to modify a read only resource.",
                ),
            ),
            ("404", checkout_not_found()),
        ],
    };
    let abort = Op {
        id: "abortCheckoutOrder",
        tag: "Checkout",
        summary: "Abort a checkout order",
        description: "Marks the order `checkout_aborted`; it can no longer be completed. Aborting an aborted \
            order answers 200 again. The request body is ignored.",
        write: true,
        params: &["OrderId"],
        body: None,
        responses: vec![
            ("200", checkout_ok("The aborted order.")),
            (
                "403",
                read_only_order("The order is already complete (`READ_ONLY_ORDER`)."),
            ),
            ("404", checkout_not_found()),
        ],
    };
    vec![
        ("/checkout/v3/orders", "post", create.build()),
        ("/checkout/v3/orders/{order_id}", "get", read.build()),
        ("/checkout/v3/orders/{order_id}", "post", update.build()),
        ("/checkout/v3/orders/{order_id}/abort", "post", abort.build()),
    ]
}

fn test_helper_path() -> Value {
    Op {
        id: "completeCheckoutOrder",
        tag: "Test helpers",
        summary: "Complete a checkout as a shopper would (playground only)",
        description: "Completes an incomplete checkout exactly as the hosted checkout page does: the order becomes an \
            AUTHORIZED Order Management order (`fraud_status` ACCEPTED), and the push notification to \
            `merchant_urls.push` is queued. Without a body (or without `billing_address`) the order's own billing \
            address is used if it has an email, else a test person. Exists only for playground credentials: \
            live credentials get 404.",
        write: true,
        params: &["OrderId"],
        body: Some(body(
            "CompleteCheckoutRequest",
            false,
            Some(json!({"payment_method": "CARD"})),
        )),
        responses: vec![
            (
                "200",
                checkout_ok("The completed checkout order (`checkout_complete`)."),
            ),
            ("400", response("BadRequest")),
            (
                "403",
                read_only_order("The checkout is already complete, aborted or expired (`READ_ONLY_ORDER`)."),
            ),
            (
                "404",
                error(
                    "No checkout order with this id (`NOT_FOUND`), or live credentials (`NOT_FOUND`).",
                    &["NOT_FOUND"],
                ),
            ),
        ],
    }
    .build()
}

fn openapi_path() -> Value {
    json!({
        "operationId": "getOpenApiDocument",
        "tags": ["Meta"],
        "summary": "This document",
        "description": "The OpenAPI document of the merchant API. No credentials needed.",
        "security": [],
        "responses": {"200": ok_json("The document.", json!({"type": "object"}))},
    })
}

fn paths() -> Value {
    let mut paths = Map::new();
    let mut put = |path: String, method: &str, op: Value| {
        let item = paths.entry(path).or_insert_with(|| json!({}));
        item[method] = op;
    };
    for (path, method, op) in checkout_paths() {
        put(path.to_owned(), method, op);
    }
    for (path, method, op) in om_paths() {
        put(path, method, op);
    }
    put(
        "/test-helpers/checkout/v3/orders/{order_id}/complete".into(),
        "post",
        test_helper_path(),
    );
    for (path, method, op) in disputes_paths() {
        put(path, method, op);
    }
    for (path, method, op) in settlements_paths() {
        put(path, method, op);
    }
    put(
        "/test-helpers/settlements/v1/payouts".into(),
        "post",
        payout_helper_path(),
    );
    put("/openapi.json".into(), "get", openapi_path());
    Value::Object(paths)
}

// ---- Examples ------------------------------------------------------------------------------

fn example_checkout_order() -> Value {
    json!({
        "purchase_country": "SE",
        "purchase_currency": "SEK",
        "locale": "sv-SE",
        "order_amount": 50000,
        "order_tax_amount": 10000,
        "order_lines": [{
            "type": "physical", "reference": "19-402", "name": "Shoes", "quantity": 2, "unit_price": 25000,
            "tax_rate": 2500, "total_amount": 50000, "total_discount_amount": 0, "total_tax_amount": 10000,
        }],
        "merchant_urls": {
            "terms": "https://shop.example/terms",
            "checkout": "https://shop.example/checkout",
            "confirmation": "https://shop.example/thanks?order={checkout.order.id}",
            "push": "https://shop.example/push?order={checkout.order.id}",
        },
        "merchant_reference1": "ORDER-1001",
    })
}

fn example_shipping_info() -> Value {
    json!({"shipping_info": [{"shipping_company": "PostNord", "shipping_method": "PickUpPoint",
        "tracking_number": "00123456789", "tracking_uri": "https://tracking.example/00123456789"}]})
}

fn build() -> Value {
    let mut components = components();
    for (name, schema) in disputes_schemas() {
        components["schemas"][name] = schema;
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Kassa merchant API",
            "version": "1.0.0",
            "description": "Checkout v3, Order Management v1 and Settlements v1, wire-compatible with Kustom (and \
                Klarna), plus playground test helpers. Amounts are integers in minor units. Every call needs HTTP Basic \
                credentials of one store; ids of another store's orders are not found. Errors are \
                `{error_code, error_messages, correlation_id}`; the correlation id is the `X-Request-Id` the \
                client sent, or a new UUID, and is also returned in the `X-Request-Id` response header. \
                Request bodies are JSON whatever the Content-Type, at most 10 MB. A path parameter that is not \
                valid UTF-8 once percent-decoded is refused before the API sees it: 400 with a plain-text body.",
        },
        "servers": [{"url": "/"}],
        "security": [{"basicAuth": []}],
        "tags": [
            {"name": "Checkout", "description": "Create and manage checkout orders (`/checkout/v3`)."},
            {"name": "Order Management", "description": "Capture, refund and manage completed orders (`/ordermanagement/v1`)."},
            {"name": "Disputes", "description": "Answer the store's disputes (`/disputes/v1`, Kassa's own API)."},
            {"name": "Settlements", "description": "Payouts, their transactions and settlement reports (`/settlements/v1`)."},
            {"name": "Test helpers", "description": "Playground credentials only: drive integrations headless."},
            {"name": "Meta", "description": "This document."},
        ],
        "paths": paths(),
        "components": components,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use kassa_core::money;

    #[test]
    fn markets_and_languages_match_kassa_core() {
        for (country, currency) in MARKETS {
            assert!(money::is_market(country), "{country}");
            assert!(money::currency_allowed(country, currency), "{country} {currency}");
        }
        for lang in LOCALE_LANGUAGES {
            assert!(money::is_locale(&format!("{lang}-SE")), "{lang}");
        }
        assert!(!money::is_market("XX"));
    }

    #[test]
    fn every_reference_resolves() {
        fn walk(v: &Value, doc: &Value) {
            match v {
                Value::Object(m) => {
                    if let Some(Value::String(r)) = m.get("$ref") {
                        let pointer = r.strip_prefix('#').expect("local reference");
                        assert!(doc.pointer(pointer).is_some(), "dangling {r}");
                    }
                    m.values().for_each(|x| walk(x, doc));
                }
                Value::Array(a) => a.iter().for_each(|x| walk(x, doc)),
                _ => {}
            }
        }
        walk(spec(), spec());
    }

    #[test]
    fn locale_pattern_is_case_insensitive() {
        assert_eq!(any_case("sv"), "[Ss][Vv]");
    }
}
