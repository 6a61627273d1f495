//! Smaller UI behaviours of issue 9 in a real Chromium: the checkout inside a merchant's
//! page grows with its content and shows card fields only for card; "select all" in the
//! order list.

use crate::browser::{click, eval_string, open_browser, sign_in, snap};
use crate::support::*;
use fantoccini::{Client as Browser, Locator};
use std::time::Duration;

/// A merchant's shop page, on its own origin (`listener`), that embeds Kassa's `html_snippet`.
fn serve_shop(listener: tokio::net::TcpListener, snippet: String) -> tokio::task::JoinHandle<()> {
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><title>Shop</title></head><body><h1>Shop</h1>{snippet}</body></html>"
    );
    let app = axum::Router::new().route(
        "/checkout",
        axum::routing::get(move || {
            let page = page.clone();
            async move { axum::response::Html(page) }
        }),
    );
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    })
}

/// Waits (up to 5 s) until `script` returns something other than `not`; returns it.
async fn changed(b: &Browser, script: &str, not: &str) -> String {
    let mut seen = String::new();
    for _ in 0..50 {
        seen = eval_string(b, script).await;
        if seen != not {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    seen
}

const FRAME_HEIGHT: &str = "return document.getElementById('kassa-checkout-iframe').style.height";
/// The checkout's content height inside the frame, as its script measures it.
const PAGE_HEIGHT: &str =
    "return String(Math.ceil(document.querySelector('main').getBoundingClientRect().bottom + window.scrollY)) + 'px'";

#[tokio::test]
async fn the_framed_checkout_grows_with_its_content_and_shows_card_fields_for_card_only() {
    on_each_backend(|app| async move {
        let Some((_driver, b)) = open_browser().await else {
            return;
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let api = app.api("M100001").await;
        let mut order = sample_order();
        // The shop's own origin may frame the checkout (frame-ancestors from merchant_urls).
        order["merchant_urls"]["checkout"] = serde_json::json!(format!("{origin}/checkout"));
        let created: serde_json::Value = api.create_checkout(&order).await.json().await.unwrap();
        let shop = serve_shop(listener, created["html_snippet"].as_str().unwrap().to_owned());
        b.goto(&format!("{origin}/checkout")).await.unwrap();
        b.wait()
            .for_element(Locator::Id("kassa-checkout-iframe"))
            .await
            .unwrap();

        // The frame takes the height the page inside reports.
        let first = changed(&b, FRAME_HEIGHT, "720px").await;
        assert_ne!(first, "720px", "the frame was resized");
        b.enter_frame(0).await.unwrap();
        b.wait().for_element(Locator::Css("form[data-checkout]")).await.unwrap();
        assert_eq!(eval_string(&b, PAGE_HEIGHT).await, first, "as tall as its content");
        // Invoice is chosen: no card fields, and none sent.
        let hidden = "return String(document.querySelector('[data-card-fields]').hidden)";
        assert_eq!(eval_string(&b, hidden).await, "true");
        assert_eq!(
            eval_string(&b, "return String(document.getElementById('card_number').disabled)").await,
            "true"
        );
        click(&b, "input[name=payment_method][value=CARD]").await;
        assert_eq!(eval_string(&b, hidden).await, "false");
        let with_card = eval_string(&b, PAGE_HEIGHT).await;
        b.enter_parent_frame().await.unwrap();
        assert_eq!(
            changed(&b, FRAME_HEIGHT, &first).await,
            with_card,
            "grows with the card fields"
        );
        snap(&b, "checkout-framed-card").await;
        b.enter_frame(0).await.unwrap();
        click(&b, "input[name=payment_method][value=INVOICE]").await;
        assert_eq!(eval_string(&b, hidden).await, "true");
        b.enter_parent_frame().await.unwrap();
        assert_eq!(changed(&b, FRAME_HEIGHT, &with_card).await, first, "and shrinks again");
        b.close().await.unwrap();
        shop.abort();
    })
    .await;
}

#[tokio::test]
async fn select_all_ticks_every_capturable_order_and_bulk_capture_asks_first() {
    on_each_backend(|app| async move {
        let Some((_driver, b)) = open_browser().await else {
            return;
        };
        let api = app.api("M100001").await;
        let count = 2 + uuid::Uuid::new_v4().as_bytes()[0] as usize % 3;
        for _ in 0..count {
            api.authorized_order(&sample_order()).await;
        }
        sign_in(&b, &app.url, "admin@demo.kassa.test").await;
        b.goto(&format!("{}/portal/orders", app.url)).await.unwrap();
        b.wait().for_element(Locator::Id("select-all")).await.unwrap();
        let ticked = "return String(document.querySelectorAll('input[name=order]:checked').length)";
        assert_eq!(eval_string(&b, ticked).await, "0");
        click(&b, "#select-all").await;
        assert_eq!(eval_string(&b, ticked).await, count.to_string());
        // Unticking one leaves "select all" half-ticked.
        click(&b, "input[name=order]").await;
        assert_eq!(
            eval_string(&b, "return String(document.getElementById('select-all').indeterminate)").await,
            "true"
        );
        click(&b, "#select-all").await;
        click(&b, "#bulk-capture").await;
        b.wait().for_element(Locator::Id("bulk-confirm")).await.unwrap();
        let question = eval_string(&b, "return document.getElementById('bulk-question').textContent").await;
        assert!(question.contains(&format!("Orders: {count}.")), "{question}");
        snap(&b, "bulk-capture-confirm").await;
        click(&b, "#bulk-confirm").await;
        b.wait().for_element(Locator::Id("bulk-results")).await.unwrap();
        b.refresh().await.unwrap();
        b.wait().for_element(Locator::Id("bulk-results")).await.unwrap();
        let ok = "return String(document.querySelectorAll('#bulk-results .badge-success').length)";
        assert_eq!(
            eval_string(&b, ok).await,
            count.to_string(),
            "a reload shows the same result"
        );
        b.close().await.unwrap();
    })
    .await;
}
