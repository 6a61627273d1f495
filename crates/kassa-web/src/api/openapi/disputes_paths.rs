//! The Disputes API v1 operations (Kassa's own) and the playground helper that opens one.

use super::*;
use kassa_core::dispute::{Outcome, Reason, Stage};

const TAG: &str = "Disputes";
const DISPUTE: &str = "/disputes/v1/disputes/{dispute_id}";

fn no_such_dispute() -> Value {
    error(
        "No dispute with this id in the caller's store (`NOT_FOUND`).",
        &["NOT_FOUND"],
    )
}

fn codes<T: Copy>(all: &[T], code: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|v| code(*v)).collect()
}

/// The schemas the disputes operations reference.
pub(super) fn disputes_schemas() -> Vec<(&'static str, Value)> {
    let time = |d: &str| json!({"type": "string", "format": "date-time", "description": d});
    let attachment = json!({
        "type": "object",
        "required": ["attachment_id", "filename", "content_type", "size", "created_at", "url"],
        "properties": {
            "attachment_id": {"type": "string"},
            "filename": {"type": "string"},
            "content_type": {"type": "string", "enum": ["application/pdf", "image/jpeg", "image/png"]},
            "size": {"type": "integer", "format": "int64", "minimum": 1},
            "created_at": time("When it was sent."),
            "url": {"type": "string", "format": "uri", "description": "Where to download it (same credentials)."},
        },
    });
    let message = json!({
        "type": "object",
        "required": ["type", "author_type", "text", "requested_fields", "created_at", "attachments"],
        "properties": {
            "type": {"type": "string", "enum": ["claim", "request", "response", "decision", "note"],
                "description": "`claim`: what the shopper says; `request`: the provider asks (with a deadline); \
                    `response`: the merchant's answer; `decision`: how it closed."},
            "author_type": {"type": "string", "enum": ["api_key", "portal_user", "operator", "shopper", "system"]},
            "text": {"type": "string"},
            "requested_fields": {"type": "array", "items": {"type": "string"}},
            "deadline": nullable(time("When a request must be answered.")),
            "created_at": time("When it was said."),
            "attachments": {"type": "array", "items": schema("DisputeAttachment")},
        },
    });
    let summary_properties = json!({
        "dispute_id": {"type": "string"},
        "order_id": {"type": "string"},
        "short_order_id": nullable(json!({"type": "string"})),
        "merchant_reference1": nullable(json!({"type": "string"})),
        "reason": {"type": "string", "enum": codes(&Reason::ALL, Reason::code)},
        "stage": {"type": "string", "enum": codes(&Stage::ALL, Stage::code)},
        "outcome": nullable(json!({"type": "string", "enum": codes(&Outcome::ALL, Outcome::code)})),
        "amount": {"type": "integer", "format": "int64", "minimum": 1, "description": "Disputed amount in minor units; held from payouts while open."},
        "currency": {"type": "string"},
        "deadline": nullable(time("When the open request must be answered; a dispute not answered by then is lost.")),
        "opened_at": time("When it was opened."),
        "updated_at": time("Its last change."),
        "closed_at": nullable(time("When it closed.")),
    });
    let required = json!([
        "dispute_id",
        "order_id",
        "reason",
        "stage",
        "amount",
        "currency",
        "opened_at",
        "updated_at"
    ]);
    let mut full = summary_properties.clone();
    full["messages"] = json!({"type": "array", "items": schema("DisputeMessage")});
    vec![
        ("DisputeAttachment", attachment),
        ("DisputeMessage", message),
        (
            "DisputeSummary",
            json!({"type": "object", "required": required, "properties": summary_properties}),
        ),
        (
            "Dispute",
            json!({"type": "object", "required": [
                "dispute_id", "order_id", "reason", "stage", "amount", "currency", "opened_at", "updated_at", "messages"
            ], "properties": full}),
        ),
        (
            "DisputeCollection",
            json!({"type": "object", "required": ["disputes", "pagination"], "properties": {
                "disputes": {"type": "array", "items": schema("DisputeSummary")},
                "pagination": {"type": "object", "required": ["count", "total", "offset"], "properties": {
                    "count": {"type": "integer"}, "total": {"type": "integer"}, "offset": {"type": "integer"},
                    "next": {"type": "string"}, "prev": {"type": "string"},
                }},
            }}),
        ),
    ]
}

fn query(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema})
}

fn path_param(name: &str, description: &str) -> Value {
    json!({"name": name, "in": "path", "required": true, "description": description,
        "schema": {"type": "string", "minLength": 1}})
}

pub(super) fn disputes_paths() -> Vec<(String, &'static str, Value)> {
    let not_allowed_step = || not_allowed("The dispute is closed, or its deadline has passed (`NOT_ALLOWED`).");
    let mut list = Op {
        id: "listDisputes",
        tag: TAG,
        summary: "List the store's disputes",
        description: "Most urgent first: open disputes by deadline, then the newest.",
        write: false,
        params: &[],
        body: None,
        responses: vec![
            ("200", ok_json("A page of disputes.", schema("DisputeCollection"))),
            ("400", response("BadRequest")),
        ],
    }
    .build();
    list["parameters"] = json!([
        query(
            "stage",
            "Only disputes in this stage.",
            json!({"type": "string", "enum": codes(&Stage::ALL, Stage::code)})
        ),
        query("order_id", "Only disputes of this order.", json!({"type": "string"})),
        query(
            "reason",
            "Only disputes for this reason.",
            json!({"type": "string", "enum": codes(&Reason::ALL, Reason::code)})
        ),
        query(
            "deadline_before",
            "Only disputes whose deadline is before this time.",
            json!({"type": "string", "format": "date-time"})
        ),
        query(
            "size",
            "Page size (default 20).",
            json!({"type": "integer", "minimum": 1, "maximum": 500})
        ),
        query(
            "offset",
            "Where the page starts (default 0).",
            json!({"type": "integer", "minimum": 0, "maximum": i32::MAX})
        ),
    ]);
    let with_id = |mut op: Value| {
        let mut params = vec![path_param("dispute_id", "The dispute's id.")];
        if let Some(more) = op["parameters"].as_array() {
            params.extend(more.iter().cloned());
        }
        op["parameters"] = json!(params);
        op
    };
    let get = with_id(
        Op {
            id: "getDispute",
            tag: TAG,
            summary: "Get a dispute",
            description: "The dispute with every claim, request, response and decision in order, and the files sent.",
            write: false,
            params: &[],
            body: None,
            responses: vec![
                ("200", ok_json("The dispute.", schema("Dispute"))),
                ("404", no_such_dispute()),
            ],
        }
        .build(),
    );
    let respond_body = json!({"required": true, "content": {
        "application/json": {"schema": {"type": "object", "required": ["text"], "properties": {
            "text": {"type": "string", "maxLength": 10000}}}},
        "multipart/form-data": {"schema": {"type": "object", "properties": {
            "text": {"type": "string", "maxLength": 10000},
            "attachments": {"type": "array", "maxItems": 10, "items": {"type": "string", "format": "binary"},
                "description": "PDF, JPEG or PNG (checked by content), at most 7 MB each."}}}},
    }});
    let respond = with_id(
        Op {
            id: "respondToDispute",
            tag: TAG,
            summary: "Respond to a dispute",
            description: "The merchant's answer: text, and files as multipart/form-data. Allowed during an inquiry or \
                before a request's deadline; the dispute goes to review. Bodies up to 71 MB.",
            write: true,
            params: &[],
            body: Some(respond_body),
            responses: vec![
                ("201", ok_json("The dispute with the response.", schema("Dispute"))),
                ("400", response("BadRequest")),
                ("403", not_allowed_step()),
                ("404", no_such_dispute()),
            ],
        }
        .build(),
    );
    let accept = with_id(
        Op {
            id: "acceptDisputeLoss",
            tag: TAG,
            summary: "Accept the loss",
            description: "Closes the dispute as lost: the held amount stays with the shopper and the store's dispute \
                fee is charged. The request body is ignored.",
            write: true,
            params: &[],
            body: None,
            responses: vec![
                ("200", ok_json("The closed dispute.", schema("Dispute"))),
                ("403", not_allowed_step()),
                ("404", no_such_dispute()),
            ],
        }
        .build(),
    );
    let mut download = with_id(
        Op {
            id: "getDisputeAttachment",
            tag: TAG,
            summary: "Download a file of a dispute",
            description: "The file as it was sent, with its content type.",
            write: false,
            params: &[],
            body: None,
            responses: vec![
                (
                    "200",
                    json!({"description": "The file.", "content": {
                        "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                        "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
                        "image/png": {"schema": {"type": "string", "format": "binary"}},
                    }}),
                ),
                ("404", error("No such dispute or file (`NOT_FOUND`).", &["NOT_FOUND"])),
            ],
        }
        .build(),
    );
    if let Some(params) = download["parameters"].as_array_mut() {
        params.push(path_param("attachment_id", "The file's id."));
    }
    let helper = Op {
        id: "openTestDispute",
        tag: "Test helpers",
        summary: "Open a dispute as the provider would (playground only)",
        description: "Opens a dispute on a captured order of the caller's playground store: the amount is held \
            from payouts and, unless `inquiry` is true, a response is due in 21 days (7 for unauthorized_purchase \
            and high_risk_order). Live credentials get 404.",
        write: true,
        params: &[],
        body: Some(json!({"required": true, "content": {"application/json": {
            "schema": {"type": "object", "required": ["order_id", "reason"], "properties": {
                "order_id": {"type": "string"},
                "reason": {"type": "string", "enum": codes(&Reason::ALL, Reason::code)},
                "amount": {"type": "integer", "format": "int64", "minimum": 1,
                    "description": "Minor units; all that is captured and not refunded when absent."},
                "claim": {"type": "string", "maxLength": 5000},
                "inquiry": {"type": "boolean"},
            }},
            "example": {"order_id": "f3392f8b-6116-4073-ab96-e330819e2c07", "reason": "goods_not_received"},
        }}})),
        responses: vec![
            (
                "201",
                json!({"description": "Opened.", "headers": {"Location": header("Location")},
                    "content": json_content(schema("Dispute"))}),
            ),
            ("400", response("BadRequest")),
            ("403", not_allowed("The order cannot be disputed now (`NOT_ALLOWED`).")),
            (
                "404",
                error(
                    "No such order, or live credentials (`NOT_FOUND`, `NO_SUCH_ORDER`).",
                    &["NOT_FOUND", "NO_SUCH_ORDER"],
                ),
            ),
        ],
    }
    .build();
    vec![
        ("/disputes/v1/disputes".into(), "get", list),
        (DISPUTE.into(), "get", get),
        (format!("{DISPUTE}/responses"), "post", respond),
        (format!("{DISPUTE}/accept-loss"), "post", accept),
        (format!("{DISPUTE}/attachments/{{attachment_id}}"), "get", download),
        ("/test-helpers/disputes/v1/disputes".into(), "post", helper),
    ]
}
