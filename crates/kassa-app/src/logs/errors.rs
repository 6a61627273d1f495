//! A failed call explained: the error code of Kustom's error body (`error_code`,
//! `error_messages`, `correlation_id`) and, where the message says which rule refused it,
//! that reason — as i18n keys the portal words in the user's language. The help page lists
//! every code Kassa's API answers with ([`ERROR_CODES`]).

use kassa_db::LoggedCallDetail;
use serde_json::Value;

/// Every `error_code` the merchant API answers with (crates/kassa-web/src/api/error.rs and
/// the routes that answer before a handler runs), in the help page's order.
pub const ERROR_CODES: &[&str] = &[
    "BAD_VALUE",
    "UNAUTHORIZED",
    "FORBIDDEN",
    "MERCHANT_SUSPENDED",
    "NOT_FOUND",
    "NO_SUCH_ORDER",
    "NO_SUCH_CAPTURE",
    "CAPTURE_NOT_ALLOWED",
    "REFUND_NOT_ALLOWED",
    "CANCEL_NOT_ALLOWED",
    "NOT_ALLOWED",
    "READ_ONLY_ORDER",
    "CONFLICT",
    "NO_OPEN_BALANCE",
    "REQUEST_TOO_LARGE",
    "URI_TOO_LONG",
    "METHOD_NOT_ALLOWED",
    "INTERNAL_SERVER_ERROR",
];

/// The i18n key stem of a code: `CAPTURE_NOT_ALLOWED` -> `capture-not-allowed`; the help
/// text is `log-error-<stem>` (what it means) and `log-error-<stem>-fix` (what to do).
pub fn code_stem(code: &str) -> String {
    code.to_ascii_lowercase().replace('_', "-")
}

/// What went wrong with a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// The error code as sent (for API calls), a known one of [`ERROR_CODES`] or not.
    pub code: Option<String>,
    /// Whether the help page has the code.
    pub known: bool,
    /// The key of the plain-words reason this call was refused for, when the message names
    /// one (e.g. a capture over the remaining authorization); else the code's own text.
    pub reason_key: &'static str,
    /// The messages of the error body, as sent.
    pub messages: Vec<String>,
    pub correlation_id: Option<String>,
}

/// The reason a refusal message names, by the wording kassa-core gives each rule.
fn reason(code: &str, message: &str) -> Option<&'static str> {
    let m = message.to_ascii_lowercase();
    Some(match code {
        "CAPTURE_NOT_ALLOWED" if m.contains("remaining authorized amount") => "log-why-capture-more",
        "CAPTURE_NOT_ALLOWED" if m.contains("was released") => "log-why-released",
        "CAPTURE_NOT_ALLOWED" if m.contains("has expired") => "log-why-expired",
        "CAPTURE_NOT_ALLOWED" if m.contains("is cancelled") => "log-why-cancelled",
        "CAPTURE_NOT_ALLOWED" if m.contains("is captured") || m.contains("is closed") => "log-why-captured-fully",
        "CAPTURE_NOT_ALLOWED" if m.contains("than ordered") => "log-why-capture-quantities",
        "REFUND_NOT_ALLOWED" if m.contains("refundable amount") => "log-why-refund-more",
        "REFUND_NOT_ALLOWED" if m.contains("than captured") => "log-why-refund-quantities",
        "CANCEL_NOT_ALLOWED" if m.contains("previous captures") => "log-why-cancel-captured",
        "CANCEL_NOT_ALLOWED" => "log-why-cancel-status",
        _ => return None,
    })
}

/// Every reason key, for the check that each is worded.
pub const REASON_KEYS: &[&str] = &[
    "log-why-capture-more",
    "log-why-released",
    "log-why-expired",
    "log-why-cancelled",
    "log-why-captured-fully",
    "log-why-capture-quantities",
    "log-why-refund-more",
    "log-why-refund-quantities",
    "log-why-cancel-captured",
    "log-why-cancel-status",
    "log-why-unreachable",
    "log-why-endpoint-refused",
    "log-why-unknown-code",
];

/// Why `call` failed; none when it did not (a 1xx–3xx answer).
pub fn explain(call: &LoggedCallDetail) -> Option<Explanation> {
    let c = &call.call;
    if (100..400).contains(&c.status) {
        return None;
    }
    if c.direction == "outgoing" {
        // Kassa called the merchant: the merchant's endpoint failed, not Kassa's API.
        return Some(Explanation {
            code: None,
            known: false,
            reason_key: if c.status == 0 {
                "log-why-unreachable"
            } else {
                "log-why-endpoint-refused"
            },
            messages: call.response_body.iter().cloned().collect(),
            correlation_id: None,
        });
    }
    let body: Value = call
        .response_body
        .as_deref()
        .and_then(|b| serde_json::from_str(b).ok())
        .unwrap_or(Value::Null);
    let code = body.get("error_code").and_then(Value::as_str).map(str::to_owned)?;
    let messages: Vec<String> = body
        .get("error_messages")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    let known = ERROR_CODES.contains(&code.as_str());
    let reason_key =
        messages
            .iter()
            .find_map(|m| reason(&code, m))
            .unwrap_or(if known { "" } else { "log-why-unknown-code" });
    Some(Explanation {
        known,
        reason_key,
        messages,
        correlation_id: body.get("correlation_id").and_then(Value::as_str).map(str::to_owned),
        code: Some(code),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use kassa_db::LoggedCall;

    fn failed(status: i64, direction: &str, body: &str) -> LoggedCallDetail {
        LoggedCallDetail {
            call: LoggedCall {
                id: 1,
                store_id: "M1".into(),
                api_key: "k".into(),
                at: 0,
                direction: direction.into(),
                method: "POST".into(),
                path: "/ordermanagement/v1/orders/o/captures".into(),
                status,
                duration_us: 1,
                correlation_id: "c".into(),
                order_id: Some("o".into()),
                kind: "api".into(),
                event: None,
            },
            request_body: None,
            response_body: Some(body.into()),
            request_headers: None,
            response_headers: None,
        }
    }

    #[test]
    fn refusals_are_explained_by_their_rule() {
        let e = explain(&failed(
            403,
            "incoming",
            r#"{"error_code":"CAPTURE_NOT_ALLOWED","error_messages":["Capture not allowed: 900 is more than the remaining authorized amount 500."],"correlation_id":"abc"}"#,
        ))
        .unwrap();
        assert_eq!(e.code.as_deref(), Some("CAPTURE_NOT_ALLOWED"));
        assert_eq!(e.reason_key, "log-why-capture-more");
        assert_eq!(e.correlation_id.as_deref(), Some("abc"));
        assert!(e.known);
        let e = explain(&failed(
            403,
            "incoming",
            r#"{"error_code":"CAPTURE_NOT_ALLOWED","error_messages":["Capture not allowed: the order is CANCELLED."]}"#,
        ))
        .unwrap();
        assert_eq!(e.reason_key, "log-why-cancelled");
        let e = explain(&failed(
            404,
            "incoming",
            r#"{"error_code":"NO_SUCH_ORDER","error_messages":["x"]}"#,
        ))
        .unwrap();
        assert_eq!(e.reason_key, "");
        let e = explain(&failed(409, "incoming", r#"{"error_code":"SOMETHING_NEW"}"#)).unwrap();
        assert!(!e.known);
        assert_eq!(e.reason_key, "log-why-unknown-code");
        assert_eq!(
            explain(&failed(0, "outgoing", "connection refused"))
                .unwrap()
                .reason_key,
            "log-why-unreachable"
        );
        assert!(explain(&failed(201, "incoming", "{}")).is_none());
        let unique: std::collections::BTreeSet<_> = ERROR_CODES.iter().collect();
        assert_eq!(unique.len(), ERROR_CODES.len());
    }
}
