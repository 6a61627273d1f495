//! The Orders section and Home over HTTP, on both databases.

use crate::support::*;
use serde_json::json;

/// An order for `given family <email>` with merchant reference `reference`.
fn order_for(given: &str, family: &str, email: &str, reference: &str) -> serde_json::Value {
    let mut o = sample_order();
    o["merchant_reference1"] = json!(reference);
    o["billing_address"] = json!({"given_name": given, "family_name": family, "email": email, "street_address": "Gatan 1",
                                  "postal_code": "111 22", "city": "Stockholm", "country": "SE"});
    o
}

fn form_key_in(html: &str, form_id: &str) -> String {
    let form = &html[html
        .find(&format!("id=\"{form_id}\""))
        .unwrap_or_else(|| panic!("no {form_id}"))..];
    let marker = "name=\"form_key\" value=\"";
    let start = form.find(marker).unwrap() + marker.len();
    form[start..start + 64].to_owned()
}

#[tokio::test]
async fn search_filters_and_pages_find_the_right_orders() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        let ada = api
            .authorized_order(&order_for("Ada", "Lovelace", "ada@example.com", "REF-ADA"))
            .await;
        let grace = api
            .authorized_order(&order_for("Grace", "Hopper", "grace@example.com", "REF-GRACE"))
            .await;
        assert_eq!(api.capture(&grace, 60000, None).await.status(), 201);
        for i in 0..52 {
            api.authorized_order(&order_for(
                "Bulk",
                "Buyer",
                &format!("bulk{i}@example.com"),
                &format!("BULK-{i}"),
            ))
            .await;
        }
        let c = app.signed_in("user@demo.kassa.test").await;
        let short = app.db().order("M100001", &ada).await.unwrap().unwrap().short_reference;
        for (query, expect) in [
            (ada.as_str(), "REF-ADA"),
            (short.as_str(), "REF-ADA"),
            ("REF-GRACE", "REF-GRACE"),
            ("grace@example.com", "REF-GRACE"),
            ("ada lov", "REF-ADA"),
            ("GRACE@EXAMPLE.COM", "REF-GRACE"),
        ] {
            let (status, body) = c.page(&format!("/portal/orders?q={}", urlencode(query))).await;
            assert_eq!(status, 200, "{query}");
            assert!(body.contains(expect), "{query} finds {expect}");
            assert_eq!(body.matches("data-status=").count(), 1, "{query} finds one order");
        }
        let (_, body) = c.page("/portal/orders?status=CAPTURED").await;
        assert!(body.contains("REF-GRACE") && !body.contains("REF-ADA"));
        let (_, body) = c.page("/portal/orders?min=600&max=600").await;
        assert_eq!(
            body.matches("data-status=").count(),
            50,
            "all 54 orders are 600 SEK: a full page"
        );

        // Keyset pages: 54 orders, 50 on the first page, 4 on the next, none twice.
        let (_, first) = c.page("/portal/orders").await;
        let next = first.split("rel=\"next\"").next().unwrap();
        let link = next[next.rfind("href=\"").unwrap() + 6..]
            .split('"')
            .next()
            .unwrap()
            .replace("&amp;", "&");
        let (_, second) = c.page(&link).await;
        let ids = |html: &str| -> Vec<String> {
            html.split("href=\"/portal/orders/")
                .skip(1)
                .map(|s| s.split('"').next().unwrap().to_owned())
                .filter(|id| id.len() == 36)
                .collect()
        };
        let (a, b) = (ids(&first), ids(&second));
        assert_eq!((a.len(), b.len()), (50, 4));
        assert!(a.iter().all(|id| !b.contains(id)), "no order on two pages");
        assert!(!second.contains("rel=\"next\""));

        // CSV of the current filter, with a header and every matching row.
        let res = c.get("/portal/orders/export.csv?status=AUTHORIZED").await;
        assert_eq!(res.status(), 200);
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
        let csv = res.text().await.unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert!(lines[0].starts_with("created_at_utc,order_id,"));
        assert_eq!(lines.len(), 1 + 53, "53 authorized orders");
        assert!(csv.contains(&format!("{ada},")) && !csv.contains(&grace));
        assert!(csv.contains(",600.00,"), "amounts as plain decimals");
    })
    .await;
}

#[tokio::test]
async fn portal_actions_run_the_order_operations_once_each() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        let id = api.authorized_order(&sample_order()).await;
        let other = api.authorized_order(&sample_order()).await;
        let c = app.signed_in("user@demo.kassa.test").await;
        let home_total = |body: &str| {
            body.split("data-uncaptured>")
                .nth(1)
                .map(|s| s.split('<').next().unwrap().to_owned())
                .unwrap_or_default()
        };
        let (_, home) = c.page("/portal").await;
        assert_eq!(home_total(&home), "SEK\u{a0}1,200.00", "two orders of 600 uncaptured");

        // Capture the first line by quantity.
        let (_, page) = c.page(&format!("/portal/orders/{id}")).await;
        let key = form_key_in(&page, "capture-form");
        let form = [
            ("form_key", key.as_str()),
            ("mode", "lines"),
            ("qty_0", "1"),
            ("qty_1", "0"),
        ];
        let res = c.post_form(&format!("/portal/orders/{id}/capture"), &form).await;
        assert_eq!(location(&res), format!("/portal/orders/{id}?done=captured"));
        // The same form again (a double click) does nothing more.
        let res = c.post_form(&format!("/portal/orders/{id}/capture"), &form).await;
        assert_eq!(location(&res), format!("/portal/orders/{id}?done=repeated"));
        let om = api.order(&id).await;
        assert_eq!(
            (om["captured_amount"].as_i64(), om["status"].as_str()),
            (Some(40000), Some("PART_CAPTURED"))
        );
        assert_eq!(om["captures"][0]["order_lines"][0]["reference"], "19-402-SWE");

        // Refund part of it, with a description.
        let (_, page) = c.page(&format!("/portal/orders/{id}")).await;
        let key = form_key_in(&page, "refund-form");
        let res = c
            .post_form(
                &format!("/portal/orders/{id}/refund"),
                &[
                    ("form_key", &key),
                    ("mode", "amount"),
                    ("amount", "150,50"),
                    ("description", "Scratched"),
                ],
            )
            .await;
        assert_eq!(location(&res), format!("/portal/orders/{id}?done=refunded"));
        assert_eq!(api.order(&id).await["refunded_amount"], 15050);

        // Over-capturing is refused in plain words, and nothing changes.
        let (_, page) = c.page(&format!("/portal/orders/{id}")).await;
        let key = form_key_in(&page, "capture-form");
        let res = c
            .post_form(
                &format!("/portal/orders/{id}/capture"),
                &[("form_key", &key), ("mode", "amount"), ("amount", "999")],
            )
            .await;
        assert_eq!(res.status(), 422);
        assert!(res.text().await.unwrap().contains("This capture is not possible"));
        assert_eq!(api.order(&id).await["captured_amount"], 40000);

        // Cancel the other order.
        let (_, page) = c.page(&format!("/portal/orders/{other}")).await;
        let key = form_key_in(&page, "cancel-form");
        let res = c
            .post_form(&format!("/portal/orders/{other}/cancel"), &[("form_key", &key)])
            .await;
        assert_eq!(location(&res), format!("/portal/orders/{other}?done=cancelled"));
        assert_eq!(api.order(&other).await["status"], "CANCELLED");

        // The timeline names the portal user; Home's total fell by exactly what happened.
        let (_, page) = c.page(&format!("/portal/orders/{id}")).await;
        let timeline = &page[page.find("id=\"timeline\"").unwrap()..];
        assert!(timeline.contains("by user@demo.kassa.test in the portal"), "{timeline}");
        assert!(timeline.contains("by API key"));
        let (_, home) = c.page("/portal").await;
        assert_eq!(
            home_total(&home),
            "SEK\u{a0}200.00",
            "1200 − 400 captured − 600 cancelled"
        );
        let events = app.db().events_of(&id).await.unwrap();
        assert!(events
            .iter()
            .any(|e| e.action == "captured" && e.actor_kind == "portal_user" && e.actor == "user@demo.kassa.test"));
    })
    .await;
}

#[tokio::test]
async fn read_only_users_see_no_actions_and_forged_posts_are_refused() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        let id = api.authorized_order(&sample_order()).await;
        let c = app.signed_in("readonly@demo.kassa.test").await;
        let (status, page) = c.page(&format!("/portal/orders/{id}")).await;
        assert_eq!(status, 200);
        for form in ["capture-form", "refund-form", "cancel-form", "/bulk-capture"] {
            assert!(!page.contains(form), "read-only sees {form}");
        }
        let (_, list) = c.page("/portal/orders").await;
        assert!(!list.contains("name=\"order\""), "no bulk selection");
        let res = c
            .post_form(
                &format!("/portal/orders/{id}/cancel"),
                &[("form_key", "0123456789abcdef0123")],
            )
            .await;
        assert_eq!(res.status(), 403);
        let res = c.post_form("/portal/orders/bulk-capture", &[("order", &id)]).await;
        assert_eq!(res.status(), 403);
        assert_eq!(api.order(&id).await["status"], "AUTHORIZED", "nothing changed");
        // An order that is not in the current store is not found.
        assert_eq!(
            c.get("/portal/orders/00000000-0000-4000-8000-000000000000")
                .await
                .status(),
            404
        );
    })
    .await;
}

#[tokio::test]
async fn bulk_capture_reports_each_order_and_columns_are_remembered() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        let a = api.authorized_order(&sample_order()).await;
        let b = api.authorized_order(&sample_order()).await;
        assert_eq!(api.om(reqwest::Method::POST, &b, "cancel", None).await.status(), 204);
        let c = app.signed_in("admin@demo.kassa.test").await;
        c.page("/portal/orders").await;
        let res = c
            .post_form("/portal/orders/bulk-capture", &[("order", &a), ("order", &b)])
            .await;
        assert_eq!(res.status(), 200);
        let body = res.text().await.unwrap();
        assert_eq!(body.matches("badge-success").count(), 1);
        assert_eq!(body.matches("badge-danger").count(), 1);
        assert_eq!(api.order(&a).await["status"], "CAPTURED");

        let res = c
            .post_form(
                "/portal/orders/columns",
                &[("columns", "order"), ("columns", "captured")],
            )
            .await;
        assert_eq!(res.status(), 303);
        let other_browser = app.signed_in("admin@demo.kassa.test").await;
        let (_, list) = other_browser.page("/portal/orders").await;
        let head = &list[list.find("<thead>").unwrap()..list.find("</thead>").unwrap()];
        assert!(head.contains("Captured") && !head.contains("Customer"), "{head}");
    })
    .await;
}

#[tokio::test]
async fn amount_customer_details_and_shipping_can_be_changed_in_the_portal() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        let id = api.authorized_order(&sample_order()).await;
        let c = app.signed_in("admin@demo.kassa.test").await;
        let post = |form_id: &'static str, action: &'static str, fields: Vec<(&'static str, &'static str)>| {
            let c = &c;
            let id = id.clone();
            async move {
                let (_, page) = c.page(&format!("/portal/orders/{id}")).await;
                let key = form_key_in(&page, form_id);
                let mut all = vec![("form_key", key.as_str())];
                all.extend(fields);
                c.post_form(&format!("/portal/orders/{id}/{action}"), &all).await
            }
        };
        let res = post(
            "amount-form",
            "amount",
            vec![("amount", "500"), ("description", "Tripod sold out")],
        )
        .await;
        assert_eq!(location(&res), format!("/portal/orders/{id}?done=amount"));
        assert_eq!(api.order(&id).await["order_amount"], 50000);
        let res = post("amount-form", "amount", vec![("amount", "-1")]).await;
        assert_eq!(res.status(), 422, "a bad amount is explained, not applied");

        let res = post(
            "customer-form",
            "customer",
            vec![
                ("given_name", "Ada"),
                ("family_name", "Byron"),
                ("email", "ada@example.org"),
                ("city", "London"),
            ],
        )
        .await;
        assert_eq!(location(&res), format!("/portal/orders/{id}?done=customer"));
        let om = api.order(&id).await;
        assert_eq!(
            (
                om["billing_address"]["family_name"].as_str(),
                om["billing_address"]["city"].as_str()
            ),
            (Some("Byron"), Some("London"))
        );
        let res = post("customer-form", "customer", vec![("email", "not-an-email")]).await;
        assert_eq!(res.status(), 422);

        let res = post(
            "shipping-form",
            "shipping",
            vec![
                ("shipping_company", "PostNord"),
                ("tracking_number", "PN42"),
                ("shipping_method", "Home"),
            ],
        )
        .await;
        assert_eq!(location(&res), format!("/portal/orders/{id}?done=shipping"));
        assert_eq!(api.order(&id).await["shipping_info"][0]["tracking_number"], "PN42");
        let actions: Vec<String> = app
            .db()
            .events_of(&id)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        for a in [
            "authorization_updated",
            "customer_details_updated",
            "shipping_info_added",
        ] {
            assert!(actions.iter().any(|x| x == a), "{a} on the timeline");
        }
    })
    .await;
}
