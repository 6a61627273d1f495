//! Sending webhooks over HTTP: the API's rendering of the event's object, a POST with a
//! 10 s timeout that never follows a redirect and connects only to public addresses (unless
//! the operator allows private ones), each attempt recorded in the Developer Logs, and the
//! email to a store's administrators when an endpoint is disabled.
//!
//! The address is checked where the connection is made: the client's DNS resolver drops
//! every private, loopback, link-local or otherwise non-public address a name resolves to
//! (and fails when none is left), and a URL with an IP literal — which reqwest connects to
//! without resolving — is checked before sending. A name that resolved to a public address
//! when the endpoint was saved and to `127.0.0.1` now is therefore refused now.

use crate::api::recorder::Recorder;
use crate::api::render::om_order_json;
use crate::{now_ms, AppState, WebConfig};
use kassa_app::orders::OrderRecord;
use kassa_app::webhooks::{Attempt, AttemptOutcome, WebhookSender};
use kassa_core::webhook::{check_url, is_public, RESPONSE_KEPT_BYTES};
use kassa_db::{ApiCall, Db, WebhookDeliveryRow};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use serde_json::{json, Map, Value};
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Each attempt's limit, connecting included.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// Resolves names with the system resolver and keeps only the addresses a webhook may
/// connect to.
struct PublicOnly {
    allow_private: bool,
}

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let kept: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| allow_private || is_public(a.ip()))
                .collect();
            if kept.is_empty() {
                let refused: Box<dyn std::error::Error + Send + Sync> = if found.is_empty() {
                    format!("{host} did not resolve").into()
                } else {
                    format!("refused: {host} resolves to a private, loopback or link-local address").into()
                };
                return Err(refused);
            }
            let addrs: Addrs = Box::new(kept.into_iter());
            Ok(addrs)
        })
    }
}

/// The HTTP client of webhooks: 10 s timeout, no redirects, no proxy, public addresses only
/// (unless `allow_private`).
pub fn client(allow_private: bool) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(TIMEOUT)
        .connect_timeout(TIMEOUT)
        .user_agent(concat!("Kassa-Webhooks/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .dns_resolver(Arc::new(PublicOnly { allow_private }))
        .build()
        .expect("HTTP client")
}

/// Posts webhooks, renders their objects and emails administrators.
pub struct HttpWebhooks {
    client: reqwest::Client,
    allow_private: bool,
    db: Db,
    recorder: Recorder,
    config: Arc<WebConfig>,
}

impl HttpWebhooks {
    pub fn new(state: &AppState) -> HttpWebhooks {
        let allow_private = state.config.webhook_allow_private;
        HttpWebhooks {
            client: client(allow_private),
            allow_private,
            db: state.db.clone(),
            recorder: state.recorder.clone(),
            config: state.config.clone(),
        }
    }

    /// As a shared [`WebhookSender`] for `kassa_app::jobs::Workers` (and tests that run
    /// deliveries with their own clock).
    pub fn shared(state: &AppState) -> Arc<dyn WebhookSender> {
        Arc::new(HttpWebhooks::new(state))
    }

    async fn object(&self, d: &WebhookDeliveryRow) -> Option<Value> {
        let base = self.config.public_url.trim_end_matches('/');
        match d.kind.split('.').next()? {
            "order" => {
                let row = self.db.order(&d.store_id, &d.object_id).await.ok()??;
                let record = OrderRecord {
                    captures: self.db.captures_of(&row.order_id).await.ok()?,
                    refunds: self.db.refunds_of(&row.order_id).await.ok()?,
                    row,
                };
                om_order_json(&record).ok()
            }
            "dispute" => {
                let store = [d.store_id.clone()];
                let dispute = self.db.dispute(Some(&store), &d.object_id).await.ok()??;
                let order = self.db.order(&d.store_id, &dispute.order_id).await.ok()??;
                let view = kassa_app::disputes::DisputeView {
                    messages: self.db.dispute_messages(&dispute.id).await.ok()?,
                    attachments: self.db.dispute_attachments(&dispute.id).await.ok()?,
                    dispute,
                    order,
                };
                Some(crate::api::disputes::view_json_at(base, &view))
            }
            "payout" => {
                let store = [d.store_id.clone()];
                let payout = self.db.payout_by_reference(&store, &d.object_id).await.ok()??;
                let base = crate::api::settlements_render::base(&self.config.public_url);
                Some(crate::api::settlements_render::payout_json(&payout, &base))
            }
            _ => None,
        }
    }

    async fn post(&self, a: &Attempt<'_>) -> (AttemptOutcome, Option<Value>) {
        let started = Instant::now();
        let elapsed = |started: Instant| started.elapsed().as_millis() as i64;
        if let Err(problem) = check_url(&a.endpoint.url, self.allow_private) {
            let outcome = AttemptOutcome {
                error: Some(format!("refused: {problem}")),
                ..AttemptOutcome::default()
            };
            return (outcome, None);
        }
        let sent = self
            .client
            .post(&a.endpoint.url)
            .header("content-type", "application/json")
            .header("kassa-signature", a.signature)
            .header("kassa-event-id", &a.delivery.event_id)
            .header("kassa-event-type", &a.delivery.kind)
            .body(a.body.to_owned())
            .send()
            .await;
        let mut res = match sent {
            Ok(res) => res,
            Err(e) => {
                let outcome = AttemptOutcome {
                    error: Some(error_chain(&e)),
                    duration_ms: elapsed(started),
                    ..AttemptOutcome::default()
                };
                return (outcome, None);
            }
        };
        let status = res.status();
        let headers: Map<String, Value> = res
            .headers()
            .iter()
            .filter(|(name, _)| !matches!(name.as_str(), "set-cookie" | "authorization"))
            .map(|(name, value)| (name.to_string(), json!(value.to_str().unwrap_or("(binary)"))))
            .collect();
        let error = if status.is_redirection() {
            let to = res
                .headers()
                .get("location")
                .and_then(|l| l.to_str().ok())
                .unwrap_or("(no location)");
            Some(format!("HTTP {}: redirect to {to} not followed", status.as_u16()))
        } else {
            None
        };
        // The first 4 KB of the answer; the rest is not read.
        let mut kept = Vec::new();
        let mut body_error = None;
        while kept.len() < RESPONSE_KEPT_BYTES {
            match res.chunk().await {
                Ok(Some(chunk)) => kept.extend_from_slice(&chunk),
                Ok(None) => break,
                Err(e) => {
                    body_error = Some(error_chain(&e));
                    break;
                }
            }
        }
        kept.truncate(RESPONSE_KEPT_BYTES);
        let response = String::from_utf8_lossy(&kept).into_owned();
        let outcome = AttemptOutcome {
            status: Some(status.as_u16() as i64),
            error: error.or(body_error.filter(|_| !status.is_success())),
            response: Some(response),
            duration_ms: elapsed(started),
        };
        (outcome, Some(Value::Object(headers)))
    }
}

/// An error with its causes ("error sending request: …: refused: … resolves to …").
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text
}

/// The signature header as the Developer Logs show it: its time, never its signatures.
fn redacted_signature(header: &str) -> String {
    let t = header.split(',').next().unwrap_or("");
    format!("{t},v1=[redacted]")
}

type Boxed<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

impl WebhookSender for HttpWebhooks {
    fn render<'a>(&'a self, delivery: &'a WebhookDeliveryRow) -> Boxed<'a, Option<Value>> {
        Box::pin(self.object(delivery))
    }

    fn send<'a>(&'a self, a: Attempt<'a>) -> Boxed<'a, AttemptOutcome> {
        Box::pin(async move {
            let started = Instant::now();
            let (outcome, response_headers) = self.post(&a).await;
            let request_headers = json!({
                "content-type": "application/json",
                "kassa-signature": redacted_signature(a.signature),
                "kassa-event-id": a.delivery.event_id,
                "kassa-event-type": a.delivery.kind,
            });
            let response_body = match (&outcome.response, &outcome.error) {
                (Some(r), None) => Some(r.clone()),
                (Some(r), Some(e)) => Some(format!("{e}\n\n{r}")),
                (None, e) => e.clone(),
            };
            self.recorder
                .send(ApiCall {
                    store_id: a.endpoint.store_id.clone(),
                    api_key: format!("webhook {}", a.endpoint.id),
                    at: now_ms(),
                    direction: "outgoing".into(),
                    method: "POST".into(),
                    path: a.endpoint.url.clone(),
                    status: outcome.status.unwrap_or(0),
                    duration_us: started.elapsed().as_micros() as i64,
                    correlation_id: a.delivery.event_id.clone(),
                    order_id: (!a.delivery.order_id.is_empty()).then(|| a.delivery.order_id.clone()),
                    request_body: Some(a.body.to_owned()),
                    response_body,
                    kind: "webhook".into(),
                    request_headers: Some(request_headers.to_string()),
                    response_headers: response_headers.map(|h| h.to_string()),
                    ..Default::default()
                })
                .await;
            outcome
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_logs_never_show_the_signatures() {
        assert_eq!(redacted_signature("t=17,v1=abc,v1=def"), "t=17,v1=[redacted]");
    }
}
