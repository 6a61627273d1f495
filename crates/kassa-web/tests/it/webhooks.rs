//! Signed webhooks end to end: a local receiver gets the delivery of a capture and checks
//! its signature as a merchant would; rotation; retries and disabling with an injected
//! clock; order per order; once across several workers; refused addresses.

use crate::support::*;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use hmac::{Hmac, Mac};
use kassa_app::webhooks::{self, EndpointInput, UrlPolicy, WebhookSender};
use kassa_app::Actor;
use kassa_core::webhook::{parse_events, RETRY_WINDOW_MS};
use kassa_web::{AppState, WebConfig};
use serde_json::Value;
use sha2::Sha256;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use subtle::ConstantTimeEq;

const STORE: &str = "M100001";
const HOUR: i64 = 3600 * 1000;

/// One request a receiver got: its headers and raw body.
type Request = (HeaderMap, Vec<u8>);

/// What a receiver got, in order.
#[derive(Clone, Default)]
pub(crate) struct Received(Arc<Mutex<Vec<Request>>>);

impl Received {
    pub fn all(&self) -> Vec<Request> {
        self.0.lock().unwrap().clone()
    }
    pub fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }
    pub fn bodies(&self) -> Vec<Value> {
        self.all()
            .iter()
            .map(|(_, b)| serde_json::from_slice(b).unwrap())
            .collect()
    }
    pub async fn wait_for(&self, n: usize) {
        for _ in 0..300 {
            if self.len() >= n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the receiver got {} requests, expected {n}", self.len());
    }
}

/// A merchant's webhook receiver on 127.0.0.1: `/hook` answers with `status` (changeable),
/// `/moved` redirects to `redirect_to`.
pub(crate) async fn receiver(status: u16, redirect_to: Option<String>) -> (String, Received, Arc<AtomicU16>) {
    let got = Received::default();
    let answer = Arc::new(AtomicU16::new(status));
    let (log, code) = (got.clone(), answer.clone());
    let (log2, to) = (got.clone(), redirect_to.unwrap_or_default());
    let app = axum::Router::new()
        .route(
            "/hook",
            post(move |headers: HeaderMap, body: axum::body::Bytes| {
                let (log, code) = (log.clone(), code.clone());
                async move {
                    log.0.lock().unwrap().push((headers, body.to_vec()));
                    let status = StatusCode::from_u16(code.load(Ordering::SeqCst)).unwrap();
                    (status, "received by the test shop")
                }
            }),
        )
        .route(
            "/moved",
            post(move |headers: HeaderMap, body: axum::body::Bytes| {
                let (log, to) = (log2.clone(), to.clone());
                async move {
                    log.0.lock().unwrap().push((headers, body.to_vec()));
                    (StatusCode::FOUND, [("location", to)], "")
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, got, answer)
}

/// The merchant's check, written from the documentation alone: parse `t` and every `v1`,
/// HMAC-SHA256 of "<t>.<raw body>" with the secret, compare in constant time, and refuse a
/// `t` more than 5 minutes from `now_secs`.
pub(crate) fn merchant_verifies(header: &str, body: &[u8], secret: &str, now_secs: i64) -> bool {
    let mut t = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok(),
            Some(("v1", v)) => signatures.push(v.to_owned()),
            _ => {}
        }
    }
    let Some(t) = t else { return false };
    if (now_secs - t).abs() > 300 {
        return false;
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    let expected: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    signatures
        .iter()
        .any(|s| bool::from(s.as_bytes().ct_eq(expected.as_bytes())))
}

fn signature_of(headers: &HeaderMap) -> String {
    headers.get("kassa-signature").unwrap().to_str().unwrap().to_owned()
}

/// An endpoint of the demo store, made as the CLI makes it; returns its id and secret.
pub(crate) async fn endpoint(app: &TestApp, url: &str, events: &str) -> (String, String) {
    let input = EndpointInput {
        url: url.to_owned(),
        description: "test shop".into(),
        events: parse_events(events).unwrap(),
    };
    let kassa = Actor::system().in_store(STORE);
    let policy = UrlPolicy { allow_private: true };
    let created = webhooks::create_endpoint(app.db(), &kassa, &input, policy, kassa_web::now_ms())
        .await
        .unwrap();
    (created.endpoint.id, created.secret)
}

/// A sender of this installation (for runs with an injected clock), with its own
/// private-address setting; its emails go to the app's outbox.
pub(crate) fn sender(app: &TestApp, allow_private: bool) -> Arc<dyn WebhookSender> {
    let config = WebConfig {
        public_url: app.url.clone(),
        secret_key: TEST_SECRET_KEY.to_vec(),
        worker_interval: Duration::from_secs(3600),
        mail: kassa_web::mail::MailConfig::Outbox {
            dir: app.outbox.path().to_owned(),
        },
        objects: kassa_web::objects::ObjectsConfig::Local(app.objects.path().to_owned()),
        webhook_allow_private: allow_private,
    };
    let state = AppState::new(app.db().clone(), config);
    kassa_web::webhook_sender::HttpWebhooks::shared(&state)
}

async fn deliveries(app: &TestApp, endpoint: &str) -> Vec<kassa_db::WebhookDeliveryRow> {
    let mut all = app.db().webhook_deliveries(endpoint, None, 100).await.unwrap();
    all.reverse();
    all
}

#[tokio::test]
async fn a_capture_is_delivered_signed_and_verifies_as_a_merchant_would() {
    on_each_backend(|app| async move {
        let (base, got, _) = receiver(200, None).await;
        let (id, secret) = endpoint(&app, &format!("{base}/hook"), "order.captured,order.refunded").await;
        let api = app.api(STORE).await;
        let order = api.authorized_order(&sample_order()).await;
        assert_eq!(api.capture(&order, 60000, None).await.status(), 201);
        got.wait_for(1).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(got.len(), 1, "authorized is not subscribed: only the capture");

        let (headers, raw) = got.all().remove(0);
        let header = signature_of(&headers);
        let now = kassa_web::now_ms() / 1000;
        assert!(merchant_verifies(&header, &raw, &secret, now), "{header}");
        assert!(
            !merchant_verifies(&header, &raw, "whsec_wrong", now),
            "another secret fails"
        );
        let mut tampered = raw.clone();
        tampered[5] ^= 1;
        assert!(
            !merchant_verifies(&header, &tampered, &secret, now),
            "a changed body fails"
        );
        assert!(
            !merchant_verifies(&header, &raw, &secret, now + 301),
            "older than 5 minutes fails"
        );
        assert_eq!(headers.get("content-type").unwrap(), "application/json");

        let body: Value = serde_json::from_slice(&raw).unwrap();
        assert_eq!(body["type"], "order.captured");
        assert_eq!(body["store_id"], STORE);
        assert!(body["id"].as_str().unwrap().starts_with("evt_"));
        assert_eq!(headers.get("kassa-event-id").unwrap().to_str().unwrap(), body["id"]);
        assert!(body["created_at"].as_str().unwrap().ends_with('Z'));
        assert_eq!(body["data"]["order_id"], order.as_str());
        assert_eq!(body["data"]["captured_amount"], 60000);
        assert_eq!(body["data"]["status"], "CAPTURED");

        let mut rows = deliveries(&app, &id).await;
        for _ in 0..200 {
            if rows[0].state == "delivered" {
                break; // the receiver answers before Kassa stores the outcome
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
            rows = deliveries(&app, &id).await;
        }
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0].state.as_str(), rows[0].attempts), ("delivered", 1));
        assert_eq!(rows[0].last_status, Some(200));
        assert_eq!(rows[0].last_response.as_deref(), Some("received by the test shop"));

        // The attempt is in the Developer Logs, signature redacted, under the order.
        let mut logged = Vec::new();
        for _ in 0..100 {
            logged = app.db().api_calls(STORE, Some(&order), 50).await.unwrap();
            if logged.iter().any(|c| c.kind == "webhook") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let call = logged
            .iter()
            .find(|c| c.kind == "webhook")
            .expect("a webhook call logged");
        assert_eq!(
            (call.direction.as_str(), call.method.as_str(), call.status),
            ("outgoing", "POST", 200)
        );
        assert_eq!(call.correlation_id, body["id"].as_str().unwrap());
        assert_eq!(call.api_key, format!("webhook {id}"));
        assert_eq!(call.path, format!("{base}/hook"));
        assert_eq!(call.request_body.as_deref().map(str::as_bytes), Some(raw.as_slice()));
        let logged_headers = call.request_headers.clone().unwrap();
        assert!(logged_headers.contains("[redacted]"), "{logged_headers}");
        let v1 = header.split("v1=").nth(1).unwrap();
        assert!(!logged_headers.contains(v1), "the signature is not logged");
    })
    .await;
}

#[tokio::test]
async fn both_secrets_sign_during_the_rotation_grace_period() {
    on_each_backend(|app| async move {
        let (base, got, _) = receiver(200, None).await;
        let (id, old) = endpoint(&app, &format!("{base}/hook"), "order.captured").await;
        let kassa = Actor::system().in_store(STORE);
        let now = kassa_web::now_ms();
        let new = webhooks::rotate_secret(app.db(), &kassa, &id, now).await.unwrap();
        assert_ne!(new, old);
        webhooks::send_test(app.db(), &kassa, &id, now).await.unwrap();
        got.wait_for(1).await;
        let (headers, raw) = got.all().remove(0);
        let header = signature_of(&headers);
        assert_eq!(header.matches("v1=").count(), 2, "{header}");
        let secs = kassa_web::now_ms() / 1000;
        assert!(merchant_verifies(&header, &raw, &new, secs), "the new secret verifies");
        assert!(
            merchant_verifies(&header, &raw, &old, secs),
            "the old one too, during grace"
        );
        let body: Value = serde_json::from_slice(&raw).unwrap();
        assert_eq!(body["type"], "webhook.test");

        // A day and an hour later only the new secret signs.
        let later = now + 25 * HOUR;
        webhooks::send_test(app.db(), &kassa, &id, later).await.unwrap();
        let ran = webhooks::run_deliveries(app.db(), &sender(&app, true), later)
            .await
            .unwrap();
        assert_eq!(ran, 1);
        let (headers, raw) = got.all().remove(1);
        let header = signature_of(&headers);
        assert_eq!(header.matches("v1=").count(), 1, "{header}");
        let t = later / 1000;
        assert!(merchant_verifies(&header, &raw, &new, t));
        assert!(
            !merchant_verifies(&header, &raw, &old, t),
            "the old secret no longer signs"
        );
    })
    .await;
}

#[tokio::test]
async fn failures_back_off_for_three_days_then_the_endpoint_is_disabled_and_admins_told() {
    on_each_backend(|app| async move {
        let (base, got, _) = receiver(500, None).await;
        let (id, _) = endpoint(&app, &format!("{base}/hook"), "order.captured").await;
        let kassa = Actor::system().in_store(STORE);
        // In the future, out of the background worker's reach: this test runs the clock.
        let start = kassa_web::now_ms() + 30 * 24 * HOUR;
        webhooks::send_test(app.db(), &kassa, &id, start).await.unwrap();
        let send = sender(&app, true);
        let mut at = start;
        let mut waits = Vec::new();
        let mut rounds = 0;
        loop {
            assert_eq!(webhooks::run_deliveries(app.db(), &send, at).await.unwrap(), 1);
            rounds += 1;
            let d = deliveries(&app, &id).await.remove(0);
            assert_eq!(d.attempts, rounds);
            assert_eq!(d.last_status, Some(500));
            if d.state != "pending" {
                assert_eq!(d.state, "failed");
                break;
            }
            // Nothing is sent before the next attempt is due.
            assert_eq!(
                webhooks::run_deliveries(app.db(), &send, d.next_attempt_at - 1)
                    .await
                    .unwrap(),
                0
            );
            waits.push(d.next_attempt_at - at);
            at = d.next_attempt_at;
            assert!(rounds < 40, "retries never end");
        }
        assert_eq!(got.len() as i64, rounds, "every attempt reached the receiver");
        assert_eq!(
            at,
            start + RETRY_WINDOW_MS,
            "the last attempt is 3 days after the first"
        );
        assert_eq!(&waits[..4], &[60_000, 120_000, 240_000, 480_000], "exponential backoff");
        // Never shorter than the one before, at most 8 hours; only the last is cut short,
        // to land at exactly 3 days.
        let (last, before) = waits.split_last().unwrap();
        assert!(before.windows(2).all(|w| w[1] >= w[0]), "{waits:?}");
        assert!(waits.iter().all(|w| *w <= 8 * HOUR), "{waits:?}");
        assert!(*last <= 8 * HOUR);

        let e = app.db().webhook_endpoint(None, &id).await.unwrap().unwrap();
        assert_eq!(e.disabled_at, Some(at), "disabled after failing for 3 days");
        assert_eq!(e.disabled_reason.as_deref(), Some("failing for 3 days"));
        let audit = app
            .db()
            .audit_events(Some(kassa_core::audit::AuditAction::WebhookEndpointDisabled), 5)
            .await
            .unwrap();
        assert_eq!(audit.len(), 1);

        // The store's Super Admins and Admins are emailed (by the background worker), no one else.
        let mut to = Vec::new();
        for _ in 0..200 {
            to = app
                .mails()
                .iter()
                .filter(|m| m.subject.contains(&base))
                .map(|m| m.to.clone())
                .collect::<Vec<_>>();
            if to.len() >= 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        to.sort();
        assert_eq!(to, ["admin@demo.kassa.test", "superadmin@demo.kassa.test"]);

        // A disabled endpoint gets no new deliveries.
        let api = app.api(STORE).await;
        let order = api.authorized_order(&sample_order()).await;
        assert_eq!(api.capture(&order, 60000, None).await.status(), 201);
        assert_eq!(deliveries(&app, &id).await.len(), 1);
    })
    .await;
}

#[tokio::test]
async fn deliveries_of_one_order_go_in_order_and_others_do_not_wait() {
    on_each_backend(|app| async move {
        let (base, got, answer) = receiver(503, None).await;
        let (id, _) = endpoint(&app, &format!("{base}/hook"), "order.captured,order.refunded").await;
        let api = app.api(STORE).await;
        let first = api.authorized_order(&sample_order()).await;
        assert_eq!(api.capture(&first, 60000, None).await.status(), 201);
        got.wait_for(1).await; // the capture's first attempt failed
        assert_eq!(api.refund(&first, 1000).await.status(), 201);
        tokio::time::sleep(Duration::from_millis(400)).await;
        let rows = deliveries(&app, &id).await;
        assert_eq!(rows.len(), 2);
        assert_eq!(
            (rows[0].kind.as_str(), rows[0].state.as_str()),
            ("order.captured", "pending")
        );
        assert_eq!(
            (rows[1].kind.as_str(), rows[1].attempts),
            ("order.refunded", 0),
            "waits for the capture"
        );

        // Another order is not held up by the first one's retries.
        answer.store(200, Ordering::SeqCst);
        let other = api.authorized_order(&sample_order()).await;
        assert_eq!(api.capture(&other, 60000, None).await.status(), 201);
        got.wait_for(2).await;
        let bodies = got.bodies();
        assert_eq!(bodies[1]["data"]["order_id"], other.as_str());

        // When the capture's retry is due it goes first, then the refund.
        let due = rows[0].next_attempt_at;
        let send = sender(&app, true);
        webhooks::run_deliveries(app.db(), &send, due).await.unwrap();
        webhooks::run_deliveries(app.db(), &send, due).await.unwrap();
        got.wait_for(4).await;
        let of_first: Vec<String> = got
            .bodies()
            .iter()
            .filter(|b| b["data"]["order_id"] == first.as_str())
            .map(|b| b["type"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(of_first, ["order.captured", "order.captured", "order.refunded"]);
        // The receiver answers before Kassa stores the outcome: wait for it.
        let mut states = Vec::new();
        for _ in 0..200 {
            states = deliveries(&app, &id)
                .await
                .into_iter()
                .map(|d| d.state)
                .collect::<Vec<_>>();
            if states.iter().all(|s| s == "delivered") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(states, ["delivered", "delivered", "delivered"]);
    })
    .await;
}

#[tokio::test]
async fn each_delivery_is_sent_once_by_several_workers() {
    on_each_backend(|app| async move {
        let (base, got, _) = receiver(200, None).await;
        let (id, _) = endpoint(&app, &format!("{base}/hook"), "order.captured").await;
        let kassa = Actor::system().in_store(STORE);
        let at = kassa_web::now_ms() + 24 * HOUR;
        for _ in 0..45 {
            webhooks::send_test(app.db(), &kassa, &id, at).await.unwrap();
        }
        // Three processes' workers at once, each until nothing is left.
        let mut workers = Vec::new();
        for _ in 0..3 {
            let (db, send) = (app.db().clone(), sender(&app, true));
            workers.push(tokio::spawn(async move {
                let mut ran = 0;
                loop {
                    let n = webhooks::run_deliveries(&db, &send, at).await.unwrap();
                    if n == 0 {
                        return ran;
                    }
                    ran += n;
                }
            }));
        }
        let mut total = 0;
        for w in workers {
            total += w.await.unwrap();
        }
        assert_eq!(total, 45, "45 claims in all");
        let mut ids: Vec<String> = got
            .bodies()
            .iter()
            .map(|b| b["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(ids.len(), 45);
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 45, "every event exactly once");
        assert!(deliveries(&app, &id)
            .await
            .iter()
            .all(|d| d.attempts == 1 && d.state == "delivered"));
    })
    .await;
}

#[tokio::test]
async fn private_addresses_are_refused_at_save_and_at_connect_time() {
    on_each_backend(|app| async move {
        let (base, got, _) = receiver(200, None).await;
        let port = base.rsplit(':').next().unwrap().to_owned();
        let kassa = Actor::system().in_store(STORE);
        let strict = UrlPolicy { allow_private: false };
        let now = kassa_web::now_ms();
        for url in [
            format!("https://127.0.0.1:{port}/hook"),
            "https://10.0.0.1/hook".to_owned(),
            "https://169.254.169.254/latest/meta-data/".to_owned(),
            format!("https://localhost:{port}/hook"),
            "https://[::1]/hook".to_owned(),
        ] {
            let input = EndpointInput {
                url: url.clone(),
                description: String::new(),
                events: parse_events("order.captured").unwrap(),
            };
            match webhooks::create_endpoint(app.db(), &kassa, &input, strict, now).await {
                Err(kassa_app::AppError::Invalid(f)) => {
                    assert_eq!(f[0].field, "url", "{url}");
                    assert!(f[0].message.contains("private"), "{url}: {}", f[0].message);
                }
                other => panic!("{url} was accepted: {:?}", other.map(|c| c.endpoint.id)),
            }
        }
        let plain = EndpointInput {
            url: "http://shop.example.com/hook".into(),
            description: String::new(),
            events: parse_events("order.captured").unwrap(),
        };
        assert!(
            webhooks::create_endpoint(app.db(), &kassa, &plain, strict, now)
                .await
                .is_err(),
            "https only"
        );

        // Saved while allowed (or when the name still resolved publicly): refused when sent.
        let strict_sender = sender(&app, false);
        let at = now + 24 * HOUR;
        for url in [
            format!("https://127.0.0.1:{port}/hook"),
            "https://10.0.0.1/hook".to_owned(),
            "https://169.254.169.254/latest/meta-data/".to_owned(),
            format!("https://localhost:{port}/hook"),
        ] {
            let (id, _) = endpoint(&app, &url, "order.captured").await;
            webhooks::send_test(app.db(), &kassa, &id, at).await.unwrap();
            webhooks::run_deliveries(app.db(), &strict_sender, at).await.unwrap();
            let d = deliveries(&app, &id).await.remove(0);
            let error = d.last_error.clone().unwrap_or_default();
            assert_eq!((d.state.as_str(), d.last_status), ("pending", None), "{url}");
            assert!(error.contains("refused"), "{url}: {error}");
            assert!(error.contains("private"), "{url}: {error}");
        }
        assert_eq!(got.len(), 0, "nothing reached the local receiver");

        // A redirect is never followed: to a loopback receiver it is a failed delivery.
        let (target, target_got, _) = receiver(200, None).await;
        let (moved, moved_got, _) = receiver(200, Some(format!("{target}/hook"))).await;
        let (id, _) = endpoint(&app, &format!("{moved}/moved"), "order.captured").await;
        webhooks::send_test(app.db(), &kassa, &id, at).await.unwrap();
        webhooks::run_deliveries(app.db(), &sender(&app, true), at)
            .await
            .unwrap();
        let d = deliveries(&app, &id).await.remove(0);
        assert_eq!(moved_got.len(), 1);
        assert_eq!(target_got.len(), 0, "the redirect was not followed");
        assert_eq!((d.state.as_str(), d.last_status), ("pending", Some(302)));
        let error = d.last_error.unwrap();
        assert!(error.contains("not followed") && error.contains(&target), "{error}");
    })
    .await;
}

#[tokio::test]
async fn disputes_payouts_and_order_edits_raise_their_events() {
    on_each_backend(|app| async move {
        let (base, got, _) = receiver(200, None).await;
        let events = "order.updated,order.cancelled,dispute.opened,dispute.updated,dispute.closed,payout.paid";
        let (id, secret) = endpoint(&app, &format!("{base}/hook"), events).await;
        let api = app.api(STORE).await;

        // An edit of an order is order.updated; a cancel is order.cancelled.
        let edited = api.authorized_order(&sample_order()).await;
        let refs = serde_json::json!({"merchant_reference1": "NEW-REF"});
        let res = api
            .om(reqwest::Method::PATCH, &edited, "merchant-references", Some(&refs))
            .await;
        assert_eq!(res.status(), 204);
        assert_eq!(
            api.om(reqwest::Method::POST, &edited, "cancel", None).await.status(),
            204
        );

        // A dispute opened, then accepted as lost (closed).
        let disputed = crate::disputes_pages::captured_order(&app, 10_000, "REF-HOOK").await;
        let dispute =
            crate::disputes_pages::open(&app, &disputed, kassa_core::dispute::Reason::GoodsNotReceived, false).await;
        let merchant = Actor::api_key("hooks", STORE);
        kassa_app::disputes::accept_loss(app.db(), &merchant, &dispute.id)
            .await
            .unwrap();

        // A payout.
        let payout = app.payout_now(STORE).await.remove(0);

        got.wait_for(5).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let all = got.all();
        let now = kassa_web::now_ms() / 1000;
        for (headers, raw) in &all {
            assert!(merchant_verifies(&signature_of(headers), raw, &secret, now));
        }
        let bodies = got.bodies();
        let types: Vec<&str> = bodies.iter().map(|b| b["type"].as_str().unwrap()).collect();
        let of = |t: &str| {
            bodies
                .iter()
                .find(|b| b["type"] == t)
                .unwrap_or_else(|| panic!("no {t} in {types:?}"))
        };
        assert_eq!(of("order.updated")["data"]["merchant_reference1"], "NEW-REF");
        assert_eq!(of("order.cancelled")["data"]["order_id"], edited.as_str());
        assert_eq!(of("dispute.opened")["data"]["dispute_id"], dispute.id.as_str());
        assert_eq!(of("dispute.opened")["data"]["order_id"], disputed.as_str());
        assert_eq!(of("dispute.closed")["data"]["outcome"], "lost");
        assert_eq!(
            of("payout.paid")["data"]["payment_reference"],
            payout.payment_reference.as_str()
        );
        assert_eq!(of("payout.paid")["store_id"], STORE);
        assert!(!types.contains(&"order.captured"), "not subscribed: {types:?}");
        assert_eq!(deliveries(&app, &id).await.len(), all.len());
    })
    .await;
}
