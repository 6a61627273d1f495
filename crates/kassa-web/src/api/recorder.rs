//! Records every merchant API call for Developer Logs. Calls go through a channel to one
//! writer task that inserts them in batches, so recording costs the request path a copy of
//! the bodies and no database round trip. Secrets and card numbers are redacted first.

use super::call_writer::{writer, Msg};
use super::card_mask::mask_card_numbers;
use super::keys::Caller;
use crate::{now_ms, AppState};
use axum::body::{Body, Bytes};
use axum::http::Method;
use axum::response::Response;
use kassa_db::{ApiCall, Db};
use serde_json::Value;
use std::time::Instant;
use tokio::sync::{mpsc, oneshot};

/// Bodies are cut to this many bytes in the log.
const MAX_LOGGED_BODY: usize = 64 * 1024;

/// The sending side, kept in the app state.
#[derive(Clone)]
pub struct Recorder {
    /// `None` only for benchmarks that measure what recording costs.
    tx: Option<mpsc::Sender<Msg>>,
}

impl Recorder {
    /// Starts the writer task.
    pub fn start(db: Db) -> Recorder {
        let (tx, rx) = mpsc::channel(10_000);
        tokio::spawn(writer(db, rx));
        Recorder { tx: Some(tx) }
    }

    /// A recorder that records nothing: the baseline of the recording-cost benchmark.
    pub fn disabled() -> Recorder {
        Recorder { tx: None }
    }

    pub async fn send(&self, call: ApiCall) {
        // Waits when the writer falls behind: no call goes unrecorded.
        if let Some(tx) = &self.tx {
            let _ = tx.send(Msg::Call(Box::new(call))).await;
        }
    }

    /// Waits until every call sent so far is in the database (or was given up: see
    /// [`super::call_writer`]).
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if let Some(tx) = &self.tx {
            if tx.send(Msg::Flush(done)).await.is_ok() {
                let _ = wait.await;
            }
        }
    }
}

/// Marks a response whose body is not kept in the log: settlement reports, which stream
/// (a CSV may be far larger than the log, or than memory) or are binary (PDF). The call is
/// logged with its status and a note of what was sent.
#[derive(Debug, Clone, Copy)]
pub struct NotLogged;

/// The request of an incoming call as the log keeps it.
pub struct Incoming<'a> {
    pub method: &'a Method,
    /// Path and query.
    pub path: &'a str,
    /// From [`headers_json`]: redacted already.
    pub headers: Option<String>,
    pub body: &'a Bytes,
}

/// Records one call and hands its response back.
// Every field is set today; `..Default::default()` keeps this building when ApiCall grows.
#[allow(clippy::needless_update)]
pub async fn record(
    state: &AppState,
    caller: &Caller,
    incoming: Incoming<'_>,
    response: Response,
    correlation: &str,
    started: Instant,
) -> Response {
    let Incoming {
        method,
        path,
        headers: request_headers,
        body: request,
    } = incoming;
    let response_headers = headers_json(response.headers());
    if response.extensions().get::<NotLogged>().is_some() {
        let kind = response
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("a file")
            .to_owned();
        let call = ApiCall {
            store_id: caller.store_id.clone(),
            api_key: caller.username.clone(),
            at: now_ms(),
            direction: "incoming".into(),
            method: method.to_string(),
            path: path.to_owned(),
            status: response.status().as_u16() as i64,
            duration_us: started.elapsed().as_micros() as i64,
            correlation_id: correlation.to_owned(),
            order_id: None,
            request_body: loggable(request),
            response_body: Some(format!("[{kind} report, not kept in the log]")),
            kind: "api".into(),
            request_headers,
            response_headers,
            user_agent: caller.user_agent.clone(),
            ..Default::default()
        };
        state.recorder.send(call).await;
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, super::BODY_LIMIT).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let order_id = order_id_in(path).or_else(|| {
        serde_json::from_slice::<Value>(&bytes)
            .ok()?
            .get("order_id")?
            .as_str()
            .map(str::to_owned)
    });
    let call = ApiCall {
        store_id: caller.store_id.clone(),
        api_key: caller.username.clone(),
        at: now_ms(),
        direction: "incoming".into(),
        method: method.to_string(),
        path: path.to_owned(),
        status: parts.status.as_u16() as i64,
        duration_us: started.elapsed().as_micros() as i64,
        correlation_id: correlation.to_owned(),
        order_id,
        request_body: loggable(request),
        response_body: loggable(&bytes),
        kind: "api".into(),
        request_headers,
        response_headers,
        user_agent: caller.user_agent.clone(),
        ..Default::default()
    };
    state.recorder.send(call).await;
    Response::from_parts(parts, Body::from(bytes))
}

/// The order id in an API path (`…/orders/{id}…`), with or without a query.
pub fn order_id_in(path: &str) -> Option<String> {
    let path = path.split('?').next().unwrap_or_default();
    let mut segments = path.split('/');
    segments.find(|s| *s == "orders")?;
    segments.next().filter(|s| !s.is_empty()).map(str::to_owned)
}

/// A body as it may be shown in Developer Logs: secrets and card numbers redacted, long
/// bodies cut.
pub fn loggable(body: &[u8]) -> Option<String> {
    if body.is_empty() {
        return None;
    }
    let text = match serde_json::from_slice::<Value>(body) {
        Ok(mut v) => {
            redact_json(&mut v);
            v.to_string()
        }
        Err(_) => mask_card_numbers(&String::from_utf8_lossy(body)),
    };
    Some(if text.len() > MAX_LOGGED_BODY {
        let mut cut = MAX_LOGGED_BODY;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        format!("{}… [cut at {} of {} bytes]", &text[..cut], cut, text.len())
    } else {
        text
    })
}

/// Headers whose whole value is a credential or a session.
const SECRET_HEADERS: [&str; 4] = ["authorization", "proxy-authorization", "cookie", "set-cookie"];

/// Headers as Developer Logs keep them: a JSON object of name -> value, with credentials,
/// cookies and anything named like a secret replaced by `[redacted]` and card numbers masked
/// in the rest. A header sent twice keeps its values joined by ", ". None when there are none.
pub fn headers_json(headers: &axum::http::HeaderMap) -> Option<String> {
    let mut out = serde_json::Map::new();
    for (name, value) in headers {
        let name = name.as_str();
        let shown = if SECRET_HEADERS.contains(&name) || is_secret_key(name) || name.contains("api-key") {
            "[redacted]".to_owned()
        } else {
            mask_card_numbers(&String::from_utf8_lossy(value.as_bytes()))
        };
        match out.get_mut(name) {
            Some(Value::String(earlier)) => {
                earlier.push_str(", ");
                earlier.push_str(&shown);
            }
            _ => {
                out.insert(name.to_owned(), Value::String(shown));
            }
        }
    }
    (!out.is_empty()).then(|| Value::Object(out).to_string())
}

fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    [
        "password",
        "secret",
        "token",
        "authorization",
        "card_number",
        "cvc",
        "cvv",
        "pan",
        "security_code",
    ]
    .iter()
    .any(|s| k.contains(s))
}

fn redact_json(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, val) in map.iter_mut() {
                if is_secret_key(k) && !val.is_null() {
                    *val = Value::String("[redacted]".into());
                } else {
                    redact_json(val);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_json),
        Value::String(s) => *s = mask_card_numbers(s),
        // A card number sent as a JSON number is still a card number.
        Value::Number(n) => {
            let text = n.to_string();
            let masked = mask_card_numbers(&text);
            if masked != text {
                *v = Value::String(masked);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_numbers_and_secrets_are_redacted() {
        assert_eq!(
            mask_card_numbers("card 4111 1111 1111 1111 ok"),
            "card ************1111 ok"
        );
        assert_eq!(mask_card_numbers("4000-0000-0000-0002"), "************0002");
        assert_eq!(
            mask_card_numbers("order 12345 amount 50000"),
            "order 12345 amount 50000"
        );
        let body =
            br#"{"password":"kco_test_api_x","billing_address":{"note":"4111111111111111"},"n":[{"cvc":"123"}]}"#;
        let logged = loggable(body).unwrap();
        assert!(
            !logged.contains("kco_test_api_x") && !logged.contains("4111111111111111") && !logged.contains("123\""),
            "{logged}"
        );
        assert!(logged.contains("************1111"));
        let logged = loggable(br#"{"note_number":5555555555554444,"order_amount":50000}"#).unwrap();
        assert!(
            logged.contains(r#""************4444""#) && logged.contains("50000"),
            "{logged}"
        );
    }

    #[test]
    fn headers_are_kept_without_credentials() {
        let mut h = axum::http::HeaderMap::new();
        h.insert("authorization", "Basic UzEwMDpzZWNyZXQ=".parse().unwrap());
        h.insert("cookie", "kassa_session=abc".parse().unwrap());
        h.insert("x-api-key", "k".parse().unwrap());
        h.insert("x-card", "4111 1111 1111 1111".parse().unwrap());
        h.insert("user-agent", "Klarna/1.0".parse().unwrap());
        h.append("accept", "a".parse().unwrap());
        h.append("accept", "b".parse().unwrap());
        let json: Value = serde_json::from_str(&headers_json(&h).unwrap()).unwrap();
        assert_eq!(json["authorization"], "[redacted]");
        assert_eq!(json["cookie"], "[redacted]");
        assert_eq!(json["x-api-key"], "[redacted]");
        assert_eq!(json["x-card"], "************1111");
        assert_eq!(json["user-agent"], "Klarna/1.0");
        assert_eq!(json["accept"], "a, b");
        assert!(headers_json(&axum::http::HeaderMap::new()).is_none());
    }

    #[test]
    fn order_ids_come_from_paths() {
        assert_eq!(order_id_in("/ordermanagement/v1/orders/abc?x=1"), Some("abc".into()));
        assert_eq!(
            order_id_in("/ordermanagement/v1/orders/abc/captures"),
            Some("abc".into())
        );
        assert_eq!(order_id_in("/checkout/v3/orders"), None);
    }
}
