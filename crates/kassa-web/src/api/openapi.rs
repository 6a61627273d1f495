//! The OpenAPI 3.0.3 document of the merchant API, served at `/openapi.json` (no credentials
//! needed). It describes what Kassa does, which is Kustom's wire format plus Kassa's own rules
//! (idempotency conflicts, the quantity ledger, playground test helpers). Built once: it is
//! static. Schemas are written once under `components` and referenced everywhere else.

use axum::Json;
use kassa_core::lines::{LINE_KINDS, MAX_LINES};
use kassa_core::money::{MAX_AMOUNT, MAX_REFUND_AMOUNT, MAX_TAX_RATE};
use serde_json::{json, Map, Value};
use std::sync::OnceLock;

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

/// Address fields and their longest length (`model::check_address`).
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

/// `shipping_info[].shipping_method` values (`model::check_shipping_info`).
const SHIPPING_METHODS: &[&str] = &[
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

const OM: &str = "/ordermanagement/v1/orders/{order_id}";

fn om_paths() -> Vec<(String, &'static str, Value)> {
    let tag = "Order Management";
    let mut out: Vec<(String, &'static str, Value)> = Vec::new();
    let mut add = |suffix: &str, method: &'static str, op: Op| out.push((format!("{OM}{suffix}"), method, op.build()));
    let order = &["OrderId"][..];
    let capture = &["OrderId", "CaptureId"][..];
    let capture_404 = || {
        error(
            "No such order (`NO_SUCH_ORDER`) or no capture with this id on it (`NO_SUCH_CAPTURE`).",
            &["NO_SUCH_ORDER", "NO_SUCH_CAPTURE"],
        )
    };

    add(
        "",
        "get",
        Op {
            id: "getOrder",
            tag,
            summary: "Get an order",
            description:
                "The order with its captures and refunds. Only completed checkouts are Order Management orders.",
            write: false,
            params: order,
            body: None,
            responses: vec![
                ("200", ok_json("The order.", schema("Order"))),
                ("404", no_such_order()),
            ],
        },
    );
    add(
        "/acknowledge",
        "post",
        Op {
            id: "acknowledgeOrder",
            tag,
            summary: "Acknowledge an order",
            description: "Confirms the merchant has the order; push notifications stop. Acknowledging twice is \
                fine. A capture also counts as an acknowledgement. The request body is ignored.",
            write: true,
            params: order,
            body: None,
            responses: vec![("204", no_content("Acknowledged.")), ("404", no_such_order())],
        },
    );
    add(
        "/authorization",
        "patch",
        Op {
            id: "updateAuthorization",
            tag,
            summary: "Set new order amount and order lines",
            description: "Changes the order amount (and so the authorization), optionally replacing the order \
                lines, which must then add up to `order_amount` as on checkout. Allowed while the order is \
                AUTHORIZED or PART_CAPTURED, its remaining authorization not released and not expired; the \
                new amount must be at least 1 and at least what is captured.",
            write: true,
            params: order,
            body: Some(body("UpdateAuthorization", true, Some(json!({"order_amount": 50000})))),
            responses: vec![
                ("204", no_content("The authorization was updated.")),
                ("400", response("BadRequest")),
                (
                    "403",
                    not_allowed(
                        "The order's state does not allow it, or the amount is below what is captured (`NOT_ALLOWED`).",
                    ),
                ),
                ("404", no_such_order()),
            ],
        },
    );
    add(
        "/cancel",
        "post",
        Op {
            id: "cancelOrder",
            tag,
            summary: "Cancel an order",
            description: "Cancels an AUTHORIZED order without captures, in full. For a partly captured order, \
                release the remaining authorization instead. The request body is ignored.",
            write: true,
            params: order,
            body: None,
            responses: vec![
                ("204", no_content("Cancelled.")),
                (
                    "403",
                    error(
                        "The order has captures or is not AUTHORIZED (`CANCEL_NOT_ALLOWED`).",
                        &["CANCEL_NOT_ALLOWED"],
                    ),
                ),
                ("404", no_such_order()),
            ],
        },
    );
    add(
        "/captures",
        "get",
        Op {
            id: "getCaptures",
            tag,
            summary: "List the captures of an order",
            description: "All captures, oldest first.",
            write: false,
            params: order,
            body: None,
            responses: vec![
                (
                    "200",
                    ok_json("The captures.", json!({"type": "array", "items": schema("Capture")})),
                ),
                ("404", no_such_order()),
            ],
        },
    );
    add(
        "/captures",
        "post",
        Op {
            id: "captureOrder",
            tag,
            summary: "Capture (part of) an order",
            description: "Captures `captured_amount` (1 to the remaining authorized amount). Lines, when sent, \
                must add up to `captured_amount`, and lines matching an order line (by `reference`, else \
                `name`) may not capture more of it than was ordered and not yet captured. Refused after \
                expiry, cancellation or release.",
            write: true,
            params: order,
            body: Some(body(
                "CaptureRequest",
                true,
                Some(json!({"captured_amount": 1000, "description": "First parcel", "reference": "INV-1"})),
            )),
            responses: vec![
                (
                    "201",
                    json!({
                        "description": "Captured. No body; the new capture's id is in `Capture-Id` and its URL in `Location`.",
                        "headers": {"Location": header("Location"), "Capture-Id": header("CaptureId"), "Idempotent-Replayed": header("IdempotentReplayed")},
                    }),
                ),
                ("400", response("BadRequest")),
                (
                    "403",
                    error(
                        "Capture not allowed: the order is not AUTHORIZED or PART_CAPTURED, expired, released, or the \
                         amount or a line quantity exceeds what is left (`CAPTURE_NOT_ALLOWED`).",
                        &["CAPTURE_NOT_ALLOWED"],
                    ),
                ),
                ("404", no_such_order()),
            ],
        },
    );
    add(
        "/captures/{capture_id}",
        "get",
        Op {
            id: "getCapture",
            tag,
            summary: "Get one capture",
            description: "One capture of the order.",
            write: false,
            params: capture,
            body: None,
            responses: vec![
                ("200", ok_json("The capture.", schema("Capture"))),
                ("404", capture_404()),
            ],
        },
    );
    add(
        "/captures/{capture_id}/extend-due-date",
        "patch",
        Op {
            id: "extendDueDate",
            tag,
            summary: "Extend the invoice due date of a capture",
            description: "Invoice purchases only. `number_of_days` must be one of the options of \
                `extend-due-date-options`; the fee is recorded on the order's timeline.",
            write: true,
            params: capture,
            body: Some(body("ExtendDueDateRequest", true, Some(json!({"number_of_days": 14})))),
            responses: vec![
                ("204", no_content("The due date was extended.")),
                ("400", response("BadRequest")),
                ("403", not_allowed("The order was not paid by invoice (`NOT_ALLOWED`).")),
                ("404", capture_404()),
            ],
        },
    );
    add(
        "/captures/{capture_id}/extend-due-date-options",
        "get",
        Op {
            id: "getExtendDueDateOptions",
            tag,
            summary: "Due date extensions on offer for a capture",
            description: "The number of days the invoice due date can be extended by, and the fee of each. \
                Only invoices have due dates: for other purchases `options` is empty.",
            write: false,
            params: capture,
            body: None,
            responses: vec![
                ("200", ok_json("The options.", schema("ExtendDueDateOptions"))),
                ("404", capture_404()),
            ],
        },
    );
    add(
        "/captures/{capture_id}/shipping-info",
        "post",
        Op {
            id: "appendCaptureShippingInfo",
            tag,
            summary: "Add shipping information to a capture",
            description: "Appends the entries to the capture's `shipping_info`.",
            write: true,
            params: capture,
            body: Some(body("UpdateShippingInfo", true, Some(example_shipping_info()))),
            responses: vec![
                ("204", no_content("Added.")),
                ("400", response("BadRequest")),
                ("404", capture_404()),
            ],
        },
    );
    add(
        "/captures/{capture_id}/trigger-send-out",
        "post",
        Op {
            id: "triggerSendOut",
            tag,
            summary: "Send the customer communication of a capture again",
            description: "Records a new send-out of the capture's invoice or receipt on the order's timeline. \
                The request body is ignored.",
            write: true,
            params: capture,
            body: None,
            responses: vec![("204", no_content("Triggered.")), ("404", capture_404())],
        },
    );
    add(
        "/customer-details",
        "patch",
        Op {
            id: "updateCustomerDetails",
            tag,
            summary: "Update billing and/or shipping address",
            description: "Fields sent in an address replace the stored ones; other fields stay. Refused for \
                cancelled and expired orders.",
            write: true,
            params: order,
            body: Some(body(
                "UpdateCustomerDetails",
                true,
                Some(
                    json!({"shipping_address": {"street_address": "Drottninggatan 2", "postal_code": "111 51", "city": "Stockholm"}}),
                ),
            )),
            responses: vec![
                ("204", no_content("Updated.")),
                ("400", response("BadRequest")),
                ("403", not_allowed("The order is cancelled or expired (`NOT_ALLOWED`).")),
                ("404", no_such_order()),
            ],
        },
    );
    add(
        "/extend-authorization-time",
        "post",
        Op {
            id: "extendAuthorizationTime",
            tag,
            summary: "Extend the authorization time",
            description: "Moves `expires_at` on by the store's reservation time, at most to 180 days after the \
                purchase. Allowed for AUTHORIZED and PART_CAPTURED orders that have not expired and whose \
                remaining authorization was not released. The request body is ignored.",
            write: true,
            params: order,
            body: None,
            responses: vec![
                ("204", no_content("Extended.")),
                (
                    "403",
                    not_allowed(
                        "The order is expired, cancelled, fully captured or released, or already at 180 days (`NOT_ALLOWED`).",
                    ),
                ),
                ("404", no_such_order()),
            ],
        },
    );
    add(
        "/merchant-references",
        "patch",
        Op {
            id: "updateMerchantReferences",
            tag,
            summary: "Update merchant references",
            description: "A field that is sent overwrites the stored value; an empty string clears it. Refused \
                for cancelled and expired orders.",
            write: true,
            params: order,
            body: Some(body(
                "UpdateMerchantReferences",
                true,
                Some(json!({"merchant_reference1": "ORDER-1001", "merchant_reference2": ""})),
            )),
            responses: vec![
                ("204", no_content("Updated.")),
                ("400", response("BadRequest")),
                (
                    "403",
                    not_allowed("Can not update a cancelled or expired order (`NOT_ALLOWED`)."),
                ),
                ("404", no_such_order()),
            ],
        },
    );
    add(
        "/refunds",
        "post",
        Op {
            id: "refundOrder",
            tag,
            summary: "Refund (part of) an order",
            description: "Refunds `refunded_amount` (1 to what is captured and not yet refunded), spread over the \
                captures oldest first. Lines, when sent, must add up to `refunded_amount` and may not refund \
                more of a captured line than was captured and not yet refunded.",
            write: true,
            params: order,
            body: Some(body("RefundRequest", true, Some(json!({"refunded_amount": 500, "description": "Returned item", "reference": "RMA-1"})))),
            responses: vec![
                (
                    "201",
                    json!({
                        "description": "Refunded. No body; the new refund's id is in `Refund-Id` and its URL in `Location`.",
                        "headers": {"Location": header("Location"), "Refund-Id": header("RefundId"), "Idempotent-Replayed": header("IdempotentReplayed")},
                    }),
                ),
                ("400", response("BadRequest")),
                (
                    "403",
                    error(
                        "Over refund is not allowed, or a line exceeds what was captured and not yet refunded (`REFUND_NOT_ALLOWED`).",
                        &["REFUND_NOT_ALLOWED"],
                    ),
                ),
                ("404", no_such_order()),
            ],
        },
    );
    add(
        "/refunds/{refund_id}",
        "get",
        Op {
            id: "getRefund",
            tag,
            summary: "Get one refund",
            description: "One refund of the order.",
            write: false,
            params: &["OrderId", "RefundId"],
            body: None,
            responses: vec![
                ("200", ok_json("The refund.", schema("Refund"))),
                (
                    "404",
                    error(
                        "No such order (`NO_SUCH_ORDER`), or no refund with this id on it (`NOT_FOUND`).",
                        &["NO_SUCH_ORDER", "NOT_FOUND"],
                    ),
                ),
            ],
        },
    );
    add(
        "/release-remaining-authorization",
        "post",
        Op {
            id: "releaseRemainingAuthorization",
            tag,
            summary: "Release the remaining authorization",
            description: "Gives up what was not captured of a PART_CAPTURED order, which becomes CAPTURED (or \
                CLOSED if everything captured was refunded). An order without captures is cancelled instead. \
                The request body is ignored.",
            write: true,
            params: order,
            body: None,
            responses: vec![
                ("204", no_content("Released.")),
                (
                    "403",
                    not_allowed("The order has no captures, or nothing is left to release (`NOT_ALLOWED`)."),
                ),
                ("404", no_such_order()),
            ],
        },
    );
    add(
        "/shipping-info",
        "post",
        Op {
            id: "appendShippingInfo",
            tag,
            summary: "Add shipping information to an order",
            description:
                "Appends the entries to the order's `shipping_info`. Refused for cancelled and expired orders.",
            write: true,
            params: order,
            body: Some(body("UpdateShippingInfo", true, Some(example_shipping_info()))),
            responses: vec![
                ("204", no_content("Added.")),
                ("400", response("BadRequest")),
                ("403", not_allowed("The order is cancelled or expired (`NOT_ALLOWED`).")),
                ("404", no_such_order()),
            ],
        },
    );
    out
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
    put("/openapi.json".into(), "get", openapi_path());
    Value::Object(paths)
}

// ---- Components ----------------------------------------------------------------------------

fn error_schema() -> Value {
    json!({
        "type": "object",
        "description": "Every error, in Kustom's shape.",
        "required": ["error_code", "error_messages", "correlation_id"],
        "properties": {
            "error_code": {"type": "string", "example": "NO_SUCH_ORDER",
                "description": "BAD_VALUE, UNAUTHORIZED, NOT_ALLOWED, CAPTURE_NOT_ALLOWED, REFUND_NOT_ALLOWED, \
                    CANCEL_NOT_ALLOWED, READ_ONLY_ORDER, NO_SUCH_ORDER, NO_SUCH_CAPTURE, NOT_FOUND, CONFLICT, \
                    REQUEST_TOO_LARGE or INTERNAL_SERVER_ERROR."},
            "error_messages": {"type": "array", "items": {"type": "string"},
                "description": "What is wrong; validation lists every problem as `Bad value: <field> (<reason>)`."},
            "correlation_id": {"type": "string",
                "description": "The request's `X-Request-Id` (sent by the client or generated); quote it to support."},
        },
    })
}

fn address_schema() -> Value {
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

fn order_line_schema() -> Value {
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

fn checkout_order_line_schema() -> Value {
    json!({
        "description": "An order line of a whole order: tax fields are required.",
        "allOf": [schema("OrderLine"), {"type": "object", "required": ["tax_rate", "total_tax_amount"]}],
    })
}

/// An absolute http(s) URL, as `model::is_web_url` accepts it: a host right after the
/// scheme, no whitespace or control characters.
const WEB_URL_PATTERN: &str = "^https?://[^\\s\\x00-\\x1f\\x7f-\\x9f/?#\\\\][^\\s\\x00-\\x1f\\x7f-\\x9f]*$";

fn web_url(max: u32, description: &str) -> Value {
    json!({"type": "string", "maxLength": max, "pattern": WEB_URL_PATTERN, "description": description})
}

fn url(description: &str) -> Value {
    web_url(2000, description)
}

fn merchant_urls_schema() -> Value {
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

fn shipping_info_schema() -> Value {
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

fn shipping_info_list(description: &str) -> Value {
    json!({"type": "array", "maxItems": 500, "items": schema("ShippingInfo"), "description": description})
}

fn lines(min: usize, item: &str, description: &str) -> Value {
    json!({"type": "array", "minItems": min, "maxItems": MAX_LINES, "items": schema(item), "description": description})
}

fn checkout_order_schema() -> Value {
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

fn checkout_order_create() -> Value {
    json!({
        "description": "A new checkout order.",
        "allOf": [schema("CheckoutOrder"), {"type": "object", "required": [
            "purchase_country", "purchase_currency", "locale", "order_amount", "order_tax_amount",
            "order_lines", "merchant_urls"]}],
    })
}

fn checkout_order_update() -> Value {
    json!({
        "description": "Any fields of a checkout order; the merged order must be valid as a whole.",
        "allOf": [schema("CheckoutOrder")],
    })
}

fn checkout_order_response() -> Value {
    json!({
        "description": "A checkout order as Kassa answers it.",
        "allOf": [schema("CheckoutOrder"), {"type": "object", "required": [
            "order_id", "status", "purchase_country", "purchase_currency", "locale", "order_amount",
            "order_tax_amount", "order_lines", "merchant_urls", "html_snippet", "started_at", "last_modified_at"]}],
    })
}

fn order_schema() -> Value {
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

fn capture_schema() -> Value {
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

fn refund_schema() -> Value {
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

fn capture_request_schema() -> Value {
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

fn refund_request_schema() -> Value {
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

fn update_authorization_schema() -> Value {
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

fn components() -> Value {
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
    let common = |description: &str, codes: &[&str]| error(description, codes);
    let mut unauthorized = common(
        "Missing or wrong credentials, or a revoked key (`UNAUTHORIZED`).",
        &["UNAUTHORIZED"],
    );
    unauthorized["headers"] = json!({"WWW-Authenticate": header("WWWAuthenticate")});
    json!({
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
    })
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
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Kassa merchant API",
            "version": "1.0.0",
            "description": "Checkout v3 and Order Management v1, wire-compatible with Kustom (and Klarna), plus \
                playground test helpers. Amounts are integers in minor units. Every call needs HTTP Basic \
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
            {"name": "Test helpers", "description": "Playground credentials only: drive integrations headless."},
            {"name": "Meta", "description": "This document."},
        ],
        "paths": paths(),
        "components": components(),
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
