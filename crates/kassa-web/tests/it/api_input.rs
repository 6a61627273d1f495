//! What the merchant API refuses before it stores anything: links that are not web
//! addresses, and the answers the router gives itself (405, 414, 404) in Kustom's shape.

use crate::support::*;
use reqwest::Method;
use serde_json::{json, Value};

const NOT_WEB: &[&str] = &[
    "javascript:alert(document.cookie)",
    "JAVASCRIPT:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "//evil.example/x",
    "/relative/path",
    "https://",
    "https://shop.example/a b",
    "vbscript:msgbox(1)",
];

async fn bad_value_naming(res: reqwest::Response, field: &str) {
    assert_eq!(res.status(), 400, "{field}");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error_code"], "BAD_VALUE", "{body}");
    assert!(body["correlation_id"].as_str().is_some_and(|c| !c.is_empty()), "{body}");
    let messages = body["error_messages"].to_string();
    assert!(messages.contains(field), "{field} not named in {messages}");
}

#[tokio::test]
async fn only_web_addresses_are_taken_as_links() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        let before = app.db().count_orders("M100001").await.unwrap();
        for url in NOT_WEB {
            for field in ["product_url", "image_url"] {
                let mut order = sample_order();
                order["order_lines"][1][field] = json!(url);
                let res = api.create_checkout(&order).await;
                bad_value_naming(res, &format!("order_lines[1].{field}")).await;
            }
        }
        assert_eq!(
            app.db().count_orders("M100001").await.unwrap(),
            before,
            "nothing was stored"
        );
        // Real links are kept.
        let mut order = sample_order();
        order["order_lines"][0]["product_url"] = json!("https://shop.example/p/19-402");
        order["order_lines"][0]["image_url"] = json!("http://cdn.shop.example/19-402.jpg");
        let id = api.authorized_order(&order).await;
        let stored = api.order(&id).await;
        assert_eq!(stored["order_lines"][0]["product_url"], "https://shop.example/p/19-402");

        // Order Management: lines of a capture, shipping information on an order or a capture.
        for url in NOT_WEB {
            let mut line = sample_order()["order_lines"][0].clone();
            line["image_url"] = json!(url);
            let capture = json!({"captured_amount": 40000, "order_lines": [line]});
            let res = api.om(Method::POST, &id, "captures", Some(&capture)).await;
            bad_value_naming(res, "order_lines[0].image_url").await;
            let capture = json!({"captured_amount": 1000, "shipping_info": [{"tracking_uri": url}]});
            let res = api.om(Method::POST, &id, "captures", Some(&capture)).await;
            bad_value_naming(res, "shipping_info[0].tracking_uri").await;
            for key in ["tracking_uri", "return_tracking_uri"] {
                let ship = json!({"shipping_info": [{"shipping_company": "PostNord", key: url}]});
                let res = api.om(Method::POST, &id, "shipping-info", Some(&ship)).await;
                bad_value_naming(res, &format!("shipping_info[0].{key}")).await;
            }
        }
        let stored = api.order(&id).await;
        assert_eq!(stored["captured_amount"], 0, "no capture was made");
        assert!(
            stored["shipping_info"].as_array().is_none_or(|s| s.is_empty()),
            "no shipping information was stored: {}",
            stored["shipping_info"]
        );
        let ship = json!({"shipping_info": [{"tracking_uri": "https://track.example/PN123"}]});
        assert_eq!(
            api.om(Method::POST, &id, "shipping-info", Some(&ship)).await.status(),
            204
        );
        let capture =
            json!({"captured_amount": 1000, "shipping_info": [{"tracking_uri": "https://track.example/PN1"}]});
        let res = api.om(Method::POST, &id, "captures", Some(&capture)).await;
        assert_eq!(res.status(), 201);
        let cid = res.headers()["capture-id"].to_str().unwrap().to_owned();
        let bad = json!({"shipping_info": [{"tracking_uri": "javascript:alert(1)"}]});
        let res = api
            .om(Method::POST, &id, &format!("captures/{cid}/shipping-info"), Some(&bad))
            .await;
        bad_value_naming(res, "shipping_info[0].tracking_uri").await;
    })
    .await;
}

#[tokio::test]
async fn router_answers_carry_kustoms_error_body() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        let id = api.authorized_order(&sample_order()).await;
        // A method the address does not take.
        for (method, path) in [
            (Method::DELETE, "/checkout/v3/orders".to_owned()),
            (Method::PUT, format!("/ordermanagement/v1/orders/{id}")),
            (Method::GET, format!("/ordermanagement/v1/orders/{id}/cancel")),
        ] {
            let res = api.send(method.clone(), &path, None, None).await;
            assert_eq!(res.status(), 405, "{method} {path}");
            assert!(res.headers().get("allow").is_some(), "{method} {path}: Allow");
            assert_eq!(error_code(res).await, "METHOD_NOT_ALLOWED", "{method} {path}");
        }
        // An address far longer than any real one, below and above hyper's own limit for
        // what reaches the app at all.
        for len in [9_000, 60_000] {
            let path = format!("/ordermanagement/v1/orders/{}", "a".repeat(len));
            let res = api.send(Method::GET, &path, None, None).await;
            assert_eq!(res.status(), 414, "{len}");
            assert_eq!(error_code(res).await, "URI_TOO_LONG", "{len}");
        }
        // No such address at all.
        let res = api
            .send(Method::GET, "/ordermanagement/v1/nothing/here", None, None)
            .await;
        assert_eq!(res.status(), 404);
        assert_eq!(error_code(res).await, "NOT_FOUND");
        // The order is untouched by all of it.
        assert_eq!(api.order(&id).await["status"], "AUTHORIZED");
    })
    .await;
}
