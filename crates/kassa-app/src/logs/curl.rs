//! "Copy as curl": a recorded incoming call as a curl command that repeats it, with the
//! credentials left to the shell's environment (they are never in the log).

use kassa_db::LoggedCallDetail;
use serde_json::Value;

/// Request headers curl should send again: the rest are curl's own, the transport's, or
/// redacted.
const REPEATED_HEADERS: [&str; 4] = [
    "content-type",
    "klarna-idempotency-key",
    "x-request-id",
    "accept-language",
];

/// Single-quoted for a POSIX shell.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The command, for a call to `base` (the server's public address).
pub fn curl_command(call: &LoggedCallDetail, base: &str) -> String {
    let c = &call.call;
    let url = if c.path.starts_with("http://") || c.path.starts_with("https://") {
        c.path.clone()
    } else {
        format!("{}{}", base.trim_end_matches('/'), c.path)
    };
    let mut lines = vec![format!("curl -X {} {}", c.method, quote(&url))];
    if c.direction == "incoming" {
        lines.push(r#"  -u "$KASSA_API_USERNAME:$KASSA_API_PASSWORD""#.to_owned());
    }
    let headers: Option<Value> = call
        .request_headers
        .as_deref()
        .and_then(|h| serde_json::from_str(h).ok());
    if let Some(Value::Object(map)) = headers {
        for name in REPEATED_HEADERS {
            if let Some(v) = map.get(name).and_then(Value::as_str) {
                lines.push(format!("  -H {}", quote(&format!("{name}: {v}"))));
            }
        }
    }
    if let Some(body) = call.request_body.as_deref().filter(|b| !b.is_empty()) {
        lines.push(format!("  --data {}", quote(body)));
    }
    lines.join(" \\\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use kassa_db::LoggedCall;

    #[test]
    fn a_call_becomes_a_command_without_credentials() {
        let call = LoggedCallDetail {
            call: LoggedCall {
                id: 1,
                store_id: "M1".into(),
                api_key: "k".into(),
                at: 0,
                direction: "incoming".into(),
                method: "POST".into(),
                path: "/ordermanagement/v1/orders/o/captures".into(),
                status: 201,
                duration_us: 1,
                correlation_id: "c".into(),
                order_id: None,
                kind: "api".into(),
                event: None,
            },
            request_body: Some(r#"{"description":"it's"}"#.into()),
            response_body: None,
            request_headers: Some(r#"{"authorization":"[redacted]","content-type":"application/json"}"#.into()),
            response_headers: None,
        };
        let cmd = curl_command(&call, "https://kassa.example/");
        assert_eq!(
            cmd,
            "curl -X POST 'https://kassa.example/ordermanagement/v1/orders/o/captures' \\\n  \
             -u \"$KASSA_API_USERNAME:$KASSA_API_PASSWORD\" \\\n  -H 'content-type: application/json' \\\n  \
             --data '{\"description\":\"it'\\''s\"}'"
        );
    }
}
