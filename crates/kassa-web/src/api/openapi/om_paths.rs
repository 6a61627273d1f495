//! The 18 Order Management operations of the document.

use super::*;

pub(super) const OM: &str = "/ordermanagement/v1/orders/{order_id}";

pub(super) fn om_paths() -> Vec<(String, &'static str, Value)> {
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
