//! The merchant API over HTTP, as a Kustom SDK drives it, on both databases.

use crate::support::*;
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn a_platform_runs_the_whole_order_life_cycle() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        // Create: 201, Location, the order with an html_snippet.
        let res = api.create_checkout(&sample_order()).await;
        assert_eq!(res.status(), 201);
        let location = res.headers()["location"].to_str().unwrap().to_owned();
        let order: Value = res.json().await.unwrap();
        let id = order["order_id"].as_str().unwrap().to_owned();
        assert_eq!(location, format!("{}/checkout/v3/orders/{id}", app.url));
        assert_eq!(order["status"], "checkout_incomplete");
        assert!(order["html_snippet"]
            .as_str()
            .unwrap()
            .contains(&format!("/checkout/{id}")));
        assert_eq!(order["order_lines"][0]["reference"], "19-402-SWE");

        // Read and update while incomplete.
        let res = api.send(Method::GET, &location.replace(&app.url, ""), None, None).await;
        assert_eq!(res.status(), 200);
        let res = api
            .send(
                Method::POST,
                &format!("/checkout/v3/orders/{id}"),
                Some(&json!({"merchant_reference2": "cart-77"})),
                None,
            )
            .await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.json::<Value>().await.unwrap()["merchant_reference2"], "cart-77");

        // Complete (as the shopper would), then Order Management.
        assert_eq!(
            api.complete(&id, Some(&json!({"payment_method": "CARD"})))
                .await
                .status(),
            200
        );
        let om = api.order(&id).await;
        assert_eq!(om["status"], "AUTHORIZED");
        assert_eq!(om["fraud_status"], "ACCEPTED");
        assert_eq!(om["remaining_authorized_amount"], 60000);
        assert_eq!(om["initial_payment_method"]["type"], "CARD");
        assert_eq!(om["merchant_reference1"], "45aa52f387871e3a210645d4");
        assert!(om["klarna_reference"].as_str().unwrap().len() == 7);
        let res = api
            .send(
                Method::POST,
                &format!("/checkout/v3/orders/{id}"),
                Some(&json!({"merchant_reference2": "x"})),
                None,
            )
            .await;
        assert_eq!(res.status(), 403, "a complete checkout is read-only");

        assert_eq!(api.om(Method::POST, &id, "acknowledge", None).await.status(), 204);
        assert_eq!(
            api.om(Method::POST, &id, "extend-authorization-time", None)
                .await
                .status(),
            204
        );

        // Capture part: 201 with Capture-Id and Location, no body.
        let res = api.capture(&id, 40000, None).await;
        assert_eq!(res.status(), 201);
        let capture_id = res.headers()["capture-id"].to_str().unwrap().to_owned();
        assert!(res.headers()["location"]
            .to_str()
            .unwrap()
            .ends_with(&format!("/captures/{capture_id}")));
        assert!(res.bytes().await.unwrap().is_empty());
        let cap: Value = api
            .om(Method::GET, &id, &format!("captures/{capture_id}"), None)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(cap["captured_amount"], 40000);
        assert_eq!(api.order(&id).await["status"], "PART_CAPTURED");

        // Refund part.
        let res = api
            .om(
                Method::POST,
                &id,
                "refunds",
                Some(&json!({"refunded_amount": 15000, "description": "Returned tripod"})),
            )
            .await;
        assert_eq!(res.status(), 201);
        let refund_id = res.headers()["refund-id"].to_str().unwrap().to_owned();
        let refund: Value = api
            .om(Method::GET, &id, &format!("refunds/{refund_id}"), None)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(refund["refunded_amount"], 15000);

        // Release the rest: CAPTURED, nothing left to capture.
        assert_eq!(
            api.om(Method::POST, &id, "release-remaining-authorization", None)
                .await
                .status(),
            204
        );
        let om = api.order(&id).await;
        assert_eq!(
            (om["status"].as_str(), om["remaining_authorized_amount"].as_i64()),
            (Some("CAPTURED"), Some(0))
        );
        assert_eq!(
            (om["captured_amount"].as_i64(), om["refunded_amount"].as_i64()),
            (Some(40000), Some(15000))
        );
        assert_eq!(om["captures"][0]["refunded_amount"], 15000);
        let res = api.om(Method::POST, &id, "cancel", None).await;
        assert_eq!(res.status(), 403);
        assert_eq!(error_code(res).await, "CANCEL_NOT_ALLOWED");

        // A second order is cancelled before any capture.
        let other = api.authorized_order(&sample_order()).await;
        assert_eq!(api.om(Method::POST, &other, "cancel", None).await.status(), 204);
        assert_eq!(api.order(&other).await["status"], "CANCELLED");
        let res = api.capture(&other, 100, None).await;
        assert_eq!(res.status(), 403);
        assert_eq!(error_code(res).await, "CAPTURE_NOT_ALLOWED");

        // Every change is on the timeline with its actor.
        let events = app.db().events_of(&id).await.unwrap();
        let actions: Vec<_> = events.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "checkout_created",
                "checkout_updated",
                "authorized",
                "acknowledged",
                "authorization_extended",
                "captured",
                "refunded",
                "released"
            ]
        );
        assert!(events
            .iter()
            .all(|e| e.actor_kind == "api_key" && e.actor == api.username));
    })
    .await;
}

#[tokio::test]
async fn the_remaining_order_management_operations() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        let id = api.authorized_order(&sample_order()).await;
        let patch = |path: &str, body: Value| {
            let api = api.clone();
            let path = path.to_owned();
            async move { api.om(Method::PATCH, &id_of(&path), &action_of(&path), Some(&body)).await }
        };
        fn id_of(p: &str) -> String {
            p.split('/').next().unwrap().to_owned()
        }
        fn action_of(p: &str) -> String {
            p.split_once('/').map(|x| x.1.to_owned()).unwrap_or_default()
        }
        let res = patch(&format!("{id}/merchant-references"), json!({"merchant_reference1": "NEW-1", "merchant_reference2": ""})).await;
        assert_eq!(res.status(), 204);
        let om = api.order(&id).await;
        assert_eq!(om["merchant_reference1"], "NEW-1");
        assert!(om.get("merchant_reference2").is_none(), "an empty string clears it");

        let res = patch(&format!("{id}/customer-details"), json!({"shipping_address": {"given_name": "Ada", "email": "ada@example.com"}})).await;
        assert_eq!(res.status(), 204);
        assert_eq!(api.order(&id).await["shipping_address"]["given_name"], "Ada");
        let res = patch(&format!("{id}/customer-details"), json!({"billing_address": {"email": "not an email"}})).await;
        assert_eq!(res.status(), 400);

        // Lower the authorization, then capture all of it by lines.
        let res = patch(&format!("{id}/authorization"), json!({"order_amount": 50000, "description": "Tripod out of stock"})).await;
        assert_eq!(res.status(), 204);
        assert_eq!(api.order(&id).await["order_amount"], 50000);
        let res = patch(&format!("{id}/authorization"), json!({"order_amount": -1})).await;
        assert_eq!(res.status(), 400);

        let ship = json!({"shipping_info": [{"shipping_company": "PostNord", "shipping_method": "PickUpPoint", "tracking_number": "PN123"}]});
        assert_eq!(api.om(Method::POST, &id, "shipping-info", Some(&ship)).await.status(), 204);
        let bad = json!({"shipping_info": [{"shipping_method": "Teleport"}]});
        assert_eq!(api.om(Method::POST, &id, "shipping-info", Some(&bad)).await.status(), 400);

        let by_lines = json!({"captured_amount": 40000, "order_lines": [sample_order()["order_lines"][0]]});
        let res = api.om(Method::POST, &id, "captures", Some(&by_lines)).await;
        assert_eq!(res.status(), 201);
        let cid = res.headers()["capture-id"].to_str().unwrap().to_owned();
        // The same line cannot be captured twice.
        let res = api.om(Method::POST, &id, "captures", Some(&by_lines)).await;
        assert_eq!(res.status(), 403);
        let list: Value = api.om(Method::GET, &id, "captures", None).await.json().await.unwrap();
        assert_eq!(list.as_array().unwrap().len(), 1);

        assert_eq!(api.om(Method::POST, &id, &format!("captures/{cid}/shipping-info"), Some(&ship)).await.status(), 204);
        let cap: Value = api.om(Method::GET, &id, &format!("captures/{cid}"), None).await.json().await.unwrap();
        assert_eq!(cap["shipping_info"][0]["tracking_number"], "PN123");
        assert_eq!(api.om(Method::POST, &id, &format!("captures/{cid}/trigger-send-out"), None).await.status(), 204);
        // Invoice purchases (the helper's default) can extend the due date.
        let options: Value = api.om(Method::GET, &id, &format!("captures/{cid}/extend-due-date-options"), None).await.json().await.unwrap();
        assert_eq!(options["currency"], "SEK");
        assert_eq!(options["options"][0]["number_of_days"], 7);
        let res = patch(&format!("{id}/captures/{cid}/extend-due-date"), json!({"number_of_days": 14})).await;
        assert_eq!(res.status(), 204);
        let res = patch(&format!("{id}/captures/{cid}/extend-due-date"), json!({"number_of_days": 3})).await;
        assert_eq!(res.status(), 400);
        let res = api.om(Method::GET, &id, "captures/00000000-0000-0000-0000-000000000000", None).await;
        assert_eq!(res.status(), 404);
        assert_eq!(error_code(res).await, "NO_SUCH_CAPTURE");
        let res = api.om(Method::GET, &id, "refunds/nope", None).await;
        assert_eq!(res.status(), 404);
    })
    .await;
}

#[tokio::test]
async fn credentials_are_required_and_see_only_their_store() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        let id = api.authorized_order(&sample_order()).await;
        let path = format!("/ordermanagement/v1/orders/{id}");
        let anonymous = reqwest::Client::new()
            .get(format!("{}{path}", app.url))
            .send()
            .await
            .unwrap();
        assert_eq!(anonymous.status(), 401);
        assert!(anonymous.headers().get("www-authenticate").is_some());
        assert_eq!(error_code(anonymous).await, "UNAUTHORIZED");
        let wrong = Api {
            password: "kco_test_api_wrong".into(),
            ..api.clone()
        };
        assert_eq!(wrong.send(Method::GET, &path, None, None).await.status(), 401);
        // Kustom also takes the key alone (`Basic base64(key)`).
        let key_only = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &api.password);
        let http = reqwest::Client::new();
        let res = http
            .get(format!("{}{path}", app.url))
            .header("authorization", format!("Basic {key_only}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let res = http
            .get(format!("{}{path}", app.url))
            .header("authorization", "Basic a2NvX3Rlc3RfYXBpX25vcGU=")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);

        // The live store's key cannot see the playground store's order.
        let live = app.api("M100002").await;
        assert!(live.password.starts_with("kco_live_api_") && api.password.starts_with("kco_test_api_"));
        assert!(live.username.starts_with("M100002_"));
        let res = live.send(Method::GET, &path, None, None).await;
        assert_eq!(res.status(), 404);
        assert_eq!(error_code(res).await, "NO_SUCH_ORDER");
        let res = live.capture(&id, 100, None).await;
        assert_eq!(res.status(), 404);
        // Test helpers do not exist for live keys.
        let order = live
            .create_checkout(&sample_order())
            .await
            .json::<Value>()
            .await
            .unwrap();
        let res = live.complete(order["order_id"].as_str().unwrap(), None).await;
        assert_eq!(res.status(), 404);

        // A revoked key stops working at once.
        assert!(app
            .db()
            .revoke_api_key(&api.username, kassa_web::now_ms())
            .await
            .unwrap());
        assert_eq!(api.send(Method::GET, &path, None, None).await.status(), 401);
        let keys = app.db().api_keys(Some("M100001")).await.unwrap();
        assert!(
            keys.iter().all(|k| !k.secret_hash.contains(&api.password)),
            "only a keyed hash is stored"
        );
    })
    .await;
}

#[tokio::test]
async fn bad_input_gets_a_clear_error_and_changes_nothing() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        let count = || async {
            app.db()
                .order_status_counts("M100001")
                .await
                .unwrap()
                .iter()
                .map(|c| c.1)
                .sum::<i64>()
        };
        let before = count().await;
        let post_raw = |body: Vec<u8>| {
            api.request(Method::POST, "/checkout/v3/orders")
                .header("content-type", "application/json")
                .body(body)
                .send()
        };
        for body in [
            b"{not json".to_vec(),
            vec![0xff, 0xfe, b'{', b'}'],
            b"[]".to_vec(),
            Vec::new(),
        ] {
            let res = post_raw(body).await.unwrap();
            assert_eq!(res.status(), 400);
            assert_eq!(error_code(res).await, "BAD_VALUE");
        }
        let mut wrong = sample_order();
        wrong["order_lines"][0]["total_tax_amount"] = json!(7990);
        wrong["order_amount"] = json!("sixty thousand");
        let res = api.create_checkout(&wrong).await;
        assert_eq!(res.status(), 400);
        let body: Value = res.json().await.unwrap();
        assert!(
            body["error_messages"][0].as_str().unwrap().contains("order_amount"),
            "{body}"
        );
        wrong["order_amount"] = json!(60000);
        let res = api.create_checkout(&wrong).await;
        let body: Value = res.json().await.unwrap();
        assert!(
            body["error_messages"][0]
                .as_str()
                .unwrap()
                .contains("order_lines[0].total_tax_amount"),
            "{body}"
        );
        let mut negative = sample_order();
        negative["order_lines"][1]["unit_price"] = json!(-10000);
        negative["order_lines"][1]["total_amount"] = json!(-20000);
        assert_eq!(api.create_checkout(&negative).await.status(), 400);
        let mut huge = sample_order();
        huge["order_amount"] = json!(100_000_001);
        assert_eq!(api.create_checkout(&huge).await.status(), 400);
        let mut unknown = sample_order();
        unknown["purchase_currency"] = json!("EUR");
        assert_eq!(api.create_checkout(&unknown).await.status(), 400);
        assert_eq!(count().await, before, "nothing stored");

        let id = api.authorized_order(&sample_order()).await;
        for amount in [json!(-1), json!(0), json!(100_000_001), json!(1.5), json!("100")] {
            let res = api
                .om(Method::POST, &id, "captures", Some(&json!({"captured_amount": amount})))
                .await;
            assert_eq!(res.status(), 400, "captured_amount {amount}");
        }
        assert_eq!(api.order(&id).await["captured_amount"], 0);

        // Over 10 MB: 413 in the error shape.
        let big = vec![b' '; 10 * 1024 * 1024 + 1];
        let res = post_raw(big).await.unwrap();
        assert_eq!(res.status(), 413);
        assert_eq!(error_code(res).await, "REQUEST_TOO_LARGE");
    })
    .await;
}

#[tokio::test]
async fn two_hundred_simultaneous_captures_never_over_capture() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        let mut order = sample_order();
        order["order_amount"] = json!(100);
        order["order_tax_amount"] = json!(0);
        order["order_lines"] = json!([{"name": "Sticker", "quantity": 100, "unit_price": 1, "tax_rate": 0, "total_amount": 100, "total_tax_amount": 0}]);
        let id = api.authorized_order(&order).await;
        let tasks: Vec<_> = (0..200)
            .map(|_| {
                let api = api.clone();
                let id = id.clone();
                tokio::spawn(async move { api.capture(&id, 1, None).await.status().as_u16() })
            })
            .collect();
        let mut created = 0;
        for t in tasks {
            match t.await.unwrap() {
                201 => created += 1,
                403 => {}
                other => panic!("unexpected status {other}"),
            }
        }
        assert_eq!(created, 100, "exactly the authorized amount is captured");
        let om = api.order(&id).await;
        assert_eq!((om["captured_amount"].as_i64(), om["status"].as_str()), (Some(100), Some("CAPTURED")));
        assert_eq!(om["captures"].as_array().unwrap().len(), 100);

        // And refunds: 150 simultaneous refunds of 1 on 100 captured.
        let tasks: Vec<_> = (0..150)
            .map(|_| {
                let api = api.clone();
                let id = id.clone();
                tokio::spawn(async move {
                    api.om(Method::POST, &id, "refunds", Some(&json!({"refunded_amount": 1}))).await.status().as_u16()
                })
            })
            .collect();
        let mut refunded = 0;
        for t in tasks {
            if t.await.unwrap() == 201 {
                refunded += 1;
            }
        }
        assert_eq!(refunded, 100);
        assert_eq!(api.order(&id).await["status"], "CLOSED");
    })
    .await;
}

#[tokio::test]
async fn idempotency_keys_replay_and_never_repeat_an_effect() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        let id = api.authorized_order(&sample_order()).await;
        let first = api.capture(&id, 1000, Some("key-1")).await;
        assert_eq!(first.status(), 201);
        let first_id = first.headers()["capture-id"].clone();
        let first_location = first.headers()["location"].clone();
        let again = api.capture(&id, 1000, Some("key-1")).await;
        assert_eq!(again.status(), 201);
        assert_eq!(again.headers()["capture-id"], first_id);
        assert_eq!(again.headers()["location"], first_location);
        assert_eq!(api.order(&id).await["captured_amount"], 1000, "one effect");

        // The same key with another body is refused.
        let res = api.capture(&id, 2000, Some("key-1")).await;
        assert_eq!(res.status(), 409);
        assert_eq!(error_code(res).await, "CONFLICT");

        // A refusal is replayed too, not re-evaluated.
        let res = api.capture(&id, 999_999, Some("key-2")).await;
        assert_eq!(res.status(), 403);
        let replay = api.capture(&id, 999_999, Some("key-2")).await;
        assert_eq!(replay.status(), 403);

        // Fifty identical requests at the same moment: one capture; the rest replay it or
        // are told the first is still running.
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let api = api.clone();
                let id = id.clone();
                tokio::spawn(async move {
                    let res = api.capture(&id, 500, Some("burst")).await;
                    (
                        res.status().as_u16(),
                        res.headers().get("capture-id").map(|v| v.to_str().unwrap().to_owned()),
                    )
                })
            })
            .collect();
        let mut ids = std::collections::HashSet::new();
        for t in tasks {
            let (status, capture_id) = t.await.unwrap();
            assert!(status == 201 || status == 409, "status {status}");
            if let Some(c) = capture_id {
                ids.insert(c);
            }
        }
        assert_eq!(ids.len(), 1, "every success names the same capture");
        assert_eq!(api.order(&id).await["captured_amount"], 1500);

        // Keys belong to a store: another store's key may reuse the string.
        let other = app.api("M100002").await;
        let res = other.capture(&id, 1000, Some("key-1")).await;
        assert_eq!(res.status(), 404);
    })
    .await;
}

#[tokio::test]
async fn checkouts_are_read_only_once_aborted_or_expired() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        let created: Value = api.create_checkout(&sample_order()).await.json().await.unwrap();
        let id = created["order_id"].as_str().unwrap();
        let res = api
            .send(Method::POST, &format!("/checkout/v3/orders/{id}/abort"), None, None)
            .await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.json::<Value>().await.unwrap()["status"], "checkout_aborted");
        assert_eq!(api.complete(id, None).await.status(), 403);

        let created: Value = api.create_checkout(&sample_order()).await.json().await.unwrap();
        let id = created["order_id"].as_str().unwrap();
        app.db()
            .execute_trusted(&format!(
                "UPDATE orders SET checkout_expires_at = 0 WHERE order_id = '{id}'"
            ))
            .await
            .unwrap();
        let res = api
            .send(
                Method::POST,
                &format!("/checkout/v3/orders/{id}"),
                Some(&json!({"merchant_reference1": "late"})),
                None,
            )
            .await;
        assert_eq!(res.status(), 403);
        assert_eq!(api.complete(id, None).await.status(), 403);
        let res = api
            .send(
                Method::GET,
                "/checkout/v3/orders/00000000-0000-0000-0000-000000000000",
                None,
                None,
            )
            .await;
        assert_eq!(res.status(), 404);
    })
    .await;
}

#[tokio::test]
async fn authorizations_expire_by_themselves() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        let id = api.authorized_order(&sample_order()).await;
        let part = api.authorized_order(&sample_order()).await;
        assert_eq!(api.capture(&part, 10000, None).await.status(), 201);
        app.db()
            .execute_trusted("UPDATE orders SET expires_at = 1 WHERE status IS NOT NULL")
            .await
            .unwrap();
        let mut status = String::new();
        for _ in 0..100 {
            status = api.order(&id).await["status"].as_str().unwrap().to_owned();
            if status == "EXPIRED" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(status, "EXPIRED");
        let res = api.capture(&id, 100, None).await;
        assert_eq!(res.status(), 403);
        let om = api.order(&part).await;
        assert_eq!(
            (om["status"].as_str(), om["remaining_authorized_amount"].as_i64()),
            (Some("CAPTURED"), Some(0))
        );
        assert_eq!(
            api.om(Method::POST, &part, "refunds", Some(&json!({"refunded_amount": 100})))
                .await
                .status(),
            201,
            "refunds still work"
        );
        let events = app.db().events_of(&id).await.unwrap();
        let expired = events.iter().find(|e| e.action == "expired").unwrap();
        assert_eq!(expired.actor_kind, "system");
    })
    .await;
}

#[tokio::test]
async fn every_call_is_recorded_with_secrets_and_cards_redacted() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        let mut order = sample_order();
        order["merchant_data"] = json!("card 4111 1111 1111 1111 from a careless plugin");
        let res = api.create_checkout(&order).await;
        let id = res.json::<Value>().await.unwrap()["order_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let res = api
            .send(Method::GET, "/ordermanagement/v1/orders/nope", None, None)
            .await;
        let correlation = res.json::<Value>().await.unwrap()["correlation_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let mut calls = Vec::new();
        for _ in 0..100 {
            calls = app.db().api_calls("M100001", None, 10).await.unwrap();
            if calls.len() >= 2 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(30)).await;
        }
        assert_eq!(calls.len(), 2);
        let create = calls.iter().find(|c| c.method == "POST").unwrap();
        assert_eq!((create.status, create.order_id.as_deref()), (201, Some(id.as_str())));
        assert_eq!(create.api_key, api.username);
        let logged = create.request_body.as_deref().unwrap();
        assert!(
            !logged.contains("4111 1111 1111 1111") && logged.contains("************1111"),
            "{logged}"
        );
        assert!(create.response_body.as_deref().unwrap().contains(&id));
        let miss = calls.iter().find(|c| c.method == "GET").unwrap();
        assert_eq!((miss.status, miss.correlation_id.as_str()), (404, correlation.as_str()));
        assert!(
            calls.iter().all(|c| !format!("{c:?}").contains(&api.password)),
            "credentials never logged"
        );
    })
    .await;
}

/// Klarna's official PHP SDK looks response headers up case-sensitively: Kassa must send
/// `Content-Type`, `Location` and `Capture-Id` as Kustom does. Client libraries normalise
/// case, so this reads the raw bytes.
#[tokio::test]
async fn header_names_go_out_in_title_case() {
    use base64::Engine;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        let id = api.authorized_order(&sample_order()).await;
        let addr = app.url.trim_start_matches("http://").to_owned();
        let auth = base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", api.username, api.password));
        let body = r#"{"captured_amount":100}"#;
        let request = format!(
            "POST /ordermanagement/v1/orders/{id}/captures HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Basic {auth}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut raw = String::new();
        stream.read_to_string(&mut raw).await.unwrap();
        assert!(raw.starts_with("HTTP/1.1 201"), "{raw}");
        for name in ["\r\nLocation: ", "\r\nCapture-Id: ", "\r\nContent-Security-Policy: "] {
            assert!(raw.contains(name), "{name:?} missing in {raw}");
        }
        let res = api.send(Method::GET, &format!("/ordermanagement/v1/orders/{id}"), None, None).await;
        assert_eq!(res.status(), 200);
    })
    .await;
}

/// PostgreSQL text cannot hold NUL: ids and fields with it are refused cleanly, never a 500.
#[tokio::test]
async fn nul_characters_are_refused_not_a_server_error() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        let res = api
            .send(
                Method::POST,
                "/ordermanagement/v1/orders/%00/release-remaining-authorization",
                None,
                None,
            )
            .await;
        assert_eq!(res.status(), 404);
        assert_eq!(error_code(res).await, "NO_SUCH_ORDER");
        let mut order = sample_order();
        order["merchant_reference1"] = json!("abc\u{0}def");
        let res = api.create_checkout(&order).await;
        assert_eq!(res.status(), 400);
        let c = app.signed_in("admin@demo.kassa.test").await;
        assert_eq!(c.get("/portal/orders?q=%00").await.status(), 400);
        let res = c
            .post_form(
                "/portal/account/profile",
                &[
                    ("name", "Nul\u{0}Name"),
                    ("phone", ""),
                    ("timezone", "Europe/Stockholm"),
                ],
            )
            .await;
        assert_eq!(res.status(), 400);
        assert_eq!(
            reqwest::get(format!("{}/checkout/%00", app.url))
                .await
                .unwrap()
                .status(),
            404
        );
    })
    .await;
}
