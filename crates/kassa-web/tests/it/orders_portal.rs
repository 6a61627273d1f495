//! The Orders section and Home over HTTP, on both databases.

use crate::order_page::sent_back;
use crate::support::*;
use kassa_core::order::Status;
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
        let (alert, _) = sent_back(&c, res, &id, "capture").await;
        assert!(
            alert.contains("SEK\u{a0}999.00 is more than the SEK\u{a0}200.00 left to capture"),
            "{alert}"
        );
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
        for form in [
            "capture-form",
            "refund-form",
            "cancel-form",
            "lines-form",
            // The form's address; the help panel may link the bulk-capture article.
            "/portal/orders/bulk-capture",
        ] {
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
        let res = c
            .post_form(
                &format!("/portal/orders/{id}/lines"),
                &[
                    ("form_key", "0123456789abcdef0123"),
                    ("quantity_1", "5"),
                    ("confirmed", "1"),
                ],
            )
            .await;
        assert_eq!(res.status(), 403);
        assert_eq!(api.order(&id).await["status"], "AUTHORIZED", "nothing changed");
        assert_eq!(api.order(&id).await["order_amount"], 60000, "nothing changed");
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
        // (Asking first is tested in orders_list::bulk_capture_asks_first_then_shows_a_result_page.)
        let res = c
            .post_form(
                "/portal/orders/bulk-capture",
                &[("order", &a), ("order", &b), ("confirm", "yes")],
            )
            .await;
        assert_eq!(res.status(), 303);
        let (_, body) = c.page("/portal/orders/bulk-capture").await;
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
        let (alert, _) = sent_back(&c, res, &id, "amount").await;
        assert!(
            alert.contains("“-1” is not an amount"),
            "a bad amount is explained, not applied: {alert}"
        );
        assert_eq!(api.order(&id).await["order_amount"], 50000);

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
        let (alert, page) = sent_back(&c, res, &id, "customer").await;
        assert_eq!(alert, "“Email” is not valid. Check it and try again.");
        assert!(page.contains("value=\"not-an-email\""), "what was typed is kept");

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
            .map(|e| e.action.to_string())
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

/// The value of the field `name` inside the form `form_id`.
fn field_in(html: &str, form_id: &str, name: &str) -> String {
    let form = &html[html
        .find(&format!("id=\"{form_id}\""))
        .unwrap_or_else(|| panic!("no {form_id}"))..];
    let field = &form[form
        .find(&format!("name=\"{name}\""))
        .unwrap_or_else(|| panic!("no {name} in {form_id}"))..];
    let field = &field[..field.find('>').unwrap()];
    let start = field.find("value=\"").unwrap_or_else(|| panic!("{name} has no value")) + "value=\"".len();
    field[start..].split('"').next().unwrap().to_owned()
}

/// The hidden fields of the form `form_id` (but the CSRF token, which the client adds), as a
/// browser would send them.
fn hidden_fields(html: &str, form_id: &str) -> Vec<(String, String)> {
    let start = html
        .find(&format!("id=\"{form_id}\""))
        .unwrap_or_else(|| panic!("no {form_id}"));
    let form = &html[start..start + html[start..].find("</form>").unwrap()];
    let unescape = |v: &str| {
        v.replace("&quot;", "\"")
            .replace("&#x27;", "'")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
    };
    form.split("<input type=\"hidden\" name=\"")
        .skip(1)
        .map(|rest| {
            let (name, rest) = rest.split_once('"').unwrap();
            let value = rest.split("value=\"").nth(1).unwrap().split('"').next().unwrap();
            (name.to_owned(), unescape(value))
        })
        .filter(|(name, _)| name != "csrf")
        .collect()
}

/// Posts the "Edit lines" form of the order page as it is now, with `fields` filled in.
async fn post_lines(c: &Client, id: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let (_, page) = c.page(&format!("/portal/orders/{id}")).await;
    let key = form_key_in(&page, "lines-form");
    let version = field_in(&page, "lines-form", "lines_version");
    let mut all = vec![("form_key", key.as_str()), ("lines_version", version.as_str())];
    all.extend_from_slice(fields);
    c.post_form(&format!("/portal/orders/{id}/lines"), &all).await
}

fn lines_of(om: &serde_json::Value) -> Vec<(String, i64, i64, i64, i64)> {
    om["order_lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["name"].as_str().unwrap().to_owned(),
                l["quantity"].as_i64().unwrap(),
                l["unit_price"].as_i64().unwrap(),
                l["total_amount"].as_i64().unwrap(),
                l["total_tax_amount"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_line_edit_in_the_portal_changes_the_order_once() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        let id = api.authorized_order(&sample_order()).await;
        let c = app.signed_in("user@demo.kassa.test").await;
        let (_, page) = c.page(&format!("/portal/orders/{id}")).await;
        assert_eq!(field_in(&page, "lines-form", "unit_price_1"), "100.00");
        assert_eq!(field_in(&page, "lines-form", "new_tax_rate"), "25");

        // One more tripod: the amount rises, which is confirmed first.
        let key = form_key_in(&page, "lines-form");
        let version = field_in(&page, "lines-form", "lines_version");
        let form = [
            ("form_key", key.as_str()),
            ("lines_version", version.as_str()),
            ("quantity_0", "1"),
            ("unit_price_0", "400.00"),
            ("quantity_1", "3"),
            ("unit_price_1", "100,00"),
            ("description", "A third tripod"),
        ];
        let res = c.post_form(&format!("/portal/orders/{id}/lines"), &form).await;
        assert_eq!(res.status(), 200);
        let confirm = res.text().await.unwrap();
        assert!(confirm.contains("The order amount changes from SEK\u{a0}600.00 to SEK\u{a0}700.00."));
        assert!(confirm.contains("approves at most SEK\u{a0}720.00"), "{confirm}");
        assert_eq!(api.order(&id).await["order_amount"], 60000, "not yet");
        let fields = hidden_fields(&confirm, "lines-confirm-form");
        let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let res = c.post_form(&format!("/portal/orders/{id}/lines"), &form).await;
        assert_eq!(location(&res), format!("/portal/orders/{id}?done=lines"));
        // The same form again (a double click) does nothing more.
        let res = c.post_form(&format!("/portal/orders/{id}/lines"), &form).await;
        assert_eq!(location(&res), format!("/portal/orders/{id}?done=repeated"));

        let om = api.order(&id).await;
        assert_eq!(
            (om["order_amount"].as_i64(), om["remaining_authorized_amount"].as_i64()),
            (Some(70000), Some(70000))
        );
        assert_eq!(
            lines_of(&om),
            vec![
                ("Camera Travel Set".to_owned(), 1, 40000, 40000, 8000),
                ("Tripod".to_owned(), 3, 10000, 30000, 6000),
            ]
        );
        assert_eq!(
            om["order_lines"][0]["quantity_unit"], "pcs",
            "the rest of a line is kept"
        );
        assert_eq!(
            app.db().order("M100001", &id).await.unwrap().unwrap().order_tax_amount,
            14000
        );

        let (_, page) = c.page(&format!("/portal/orders/{id}?done=lines")).await;
        assert!(page.contains("The order lines are saved."));
        assert!(
            page.contains("id=\"amount-order\">SEK\u{a0}700.00<"),
            "the page shows the new amount"
        );
        let timeline = &page[page.find("id=\"timeline\"").unwrap()..];
        assert!(
            timeline.contains("Order amount changed") && timeline.contains("by user@demo.kassa.test in the portal"),
            "{timeline}"
        );
        let updates: Vec<_> = app
            .db()
            .events_of(&id)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "authorization_updated")
            .collect();
        assert_eq!(updates.len(), 1, "changed once");
        assert_eq!(
            (
                updates[0].actor_kind.as_str(),
                updates[0].actor.as_str(),
                updates[0].amount
            ),
            ("portal_user", "user@demo.kassa.test", Some(70000))
        );
        let (_, home) = c.page("/portal").await;
        assert!(
            home.contains("data-uncaptured>SEK\u{a0}700.00<"),
            "Home's total follows"
        );
    })
    .await;
}

#[tokio::test]
async fn lines_are_added_and_removed_after_a_confirmation() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        let id = api.authorized_order(&sample_order()).await;
        let c = app.signed_in("admin@demo.kassa.test").await;

        // Add a line: 2 lens caps at 25,50 with 25 % tax.
        let res = post_lines(
            &c,
            &id,
            &[
                ("new_name", "Lens cap"),
                ("new_reference", "19-404-SWE"),
                ("new_quantity", "2"),
                ("new_unit_price", "25,50"),
                ("new_tax_rate", "25"),
            ],
        )
        .await;
        // A higher amount is confirmed first.
        assert_eq!(res.status(), 200);
        let confirm = res.text().await.unwrap();
        let fields = hidden_fields(&confirm, "lines-confirm-form");
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let res = c.post_form(&format!("/portal/orders/{id}/lines"), &fields).await;
        assert_eq!(location(&res), format!("/portal/orders/{id}?done=lines"));
        let om = api.order(&id).await;
        assert_eq!(om["order_amount"], 65100);
        let cap = &om["order_lines"][2];
        assert_eq!(
            (
                cap["reference"].as_str(),
                cap["type"].as_str(),
                cap["total_amount"].as_i64(),
                cap["tax_rate"].as_i64(),
                cap["total_tax_amount"].as_i64()
            ),
            (Some("19-404-SWE"), Some("physical"), Some(5100), Some(2500), Some(1020))
        );

        // Removing the camera asks first, and changes nothing until confirmed.
        let res = post_lines(&c, &id, &[("remove_0", "1"), ("description", "Out of stock")]).await;
        assert_eq!(res.status(), 200);
        let confirm = res.text().await.unwrap();
        assert!(confirm.contains("id=\"lines-confirm-form\""));
        let removed = &confirm[confirm.find("id=\"removed-lines\"").unwrap()..];
        assert!(removed.split("</ul>").next().unwrap().contains("Camera Travel Set"));
        assert!(
            confirm.contains("The order amount changes from SEK\u{a0}651.00 to SEK\u{a0}251.00."),
            "{confirm}"
        );
        assert_eq!(api.order(&id).await["order_amount"], 65100, "not yet");

        let fields = hidden_fields(&confirm, "lines-confirm-form");
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert!(fields.contains(&("confirmed", "1")) && fields.contains(&("description", "Out of stock")));
        let res = c.post_form(&format!("/portal/orders/{id}/lines"), &fields).await;
        assert_eq!(location(&res), format!("/portal/orders/{id}?done=lines"));
        let res = c.post_form(&format!("/portal/orders/{id}/lines"), &fields).await;
        assert_eq!(location(&res), format!("/portal/orders/{id}?done=repeated"));
        let om = api.order(&id).await;
        assert_eq!(om["order_amount"], 25100);
        assert_eq!(
            lines_of(&om),
            vec![
                ("Tripod".to_owned(), 2, 10000, 20000, 4000),
                ("Lens cap".to_owned(), 2, 2550, 5100, 1020),
            ]
        );
        let updates = app
            .db()
            .events_of(&id)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "authorization_updated" && e.actor == "admin@demo.kassa.test")
            .count();
        assert_eq!(updates, 2, "one event per change, none for the question");

        // Fewer tripods lowers the amount: asked too.
        let res = post_lines(&c, &id, &[("quantity_0", "1")]).await;
        assert_eq!(res.status(), 200);
        assert!(res.text().await.unwrap().contains("id=\"lines-confirm-form\""));
        assert_eq!(api.order(&id).await["order_amount"], 25100);
    })
    .await;
}

#[tokio::test]
async fn a_wrong_line_edit_is_explained_and_changes_nothing() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        let id = api.authorized_order(&sample_order()).await;
        let c = app.signed_in("user@demo.kassa.test").await;
        let before = lines_of(&api.order(&id).await);
        for (fields, explained) in [
            (
                vec![("quantity_0", "two")],
                "The quantity of “Camera Travel Set” must be a whole number",
            ),
            (
                vec![("unit_price_1", "10 SEK")],
                "The unit price of “Tripod” must be an amount",
            ),
            (
                vec![("remove_0", "1"), ("remove_1", "1"), ("confirmed", "1")],
                "An order needs at least one line",
            ),
            (
                vec![("quantity_0", "0"), ("quantity_1", "0")],
                "An order needs at least one line",
            ),
            (
                vec![("new_name", "Lens cap")],
                "A new line needs a name, a quantity and a unit price.",
            ),
            (
                vec![
                    ("new_name", "Lens cap"),
                    ("new_quantity", "1"),
                    ("new_unit_price", "5"),
                    ("new_tax_rate", "250"),
                ],
                "The tax rate must be a percentage from 0 to 100",
            ),
            (
                vec![("quantity_0", "3000")],
                "add up to more than an order may be: at most SEK\u{a0}1,000,000.00.",
            ),
            (vec![], "Nothing was changed."),
        ] {
            let res = post_lines(&c, &id, &fields).await;
            let (alert, page) = sent_back(&c, res, &id, "lines").await;
            assert!(alert.contains(explained), "{fields:?}: {alert}");
            assert!(page.contains("id=\"lines-form\""), "the form is there to try again");
        }

        // Lines edited elsewhere since the page was loaded: refused, not applied to the wrong line.
        let (_, page) = c.page(&format!("/portal/orders/{id}")).await;
        let key = form_key_in(&page, "lines-form");
        let res = c
            .post_form(
                &format!("/portal/orders/{id}/lines"),
                &[
                    ("form_key", &key),
                    ("lines_version", "0123456789abcdef"),
                    ("quantity_1", "3"),
                ],
            )
            .await;
        let (alert, _) = sent_back(&c, res, &id, "lines").await;
        assert!(alert.contains("The order lines changed while you were editing them"));

        // Something captured since the page was loaded: lines can no longer change.
        let (_, page) = c.page(&format!("/portal/orders/{id}")).await;
        let key = form_key_in(&page, "lines-form");
        let version = field_in(&page, "lines-form", "lines_version");
        assert_eq!(api.capture(&id, 10000, None).await.status(), 201);
        let res = c
            .post_form(
                &format!("/portal/orders/{id}/lines"),
                &[("form_key", &key), ("lines_version", &version), ("quantity_1", "3")],
            )
            .await;
        let (alert, page) = sent_back(&c, res, &id, "lines").await;
        assert!(alert.contains("Lines can only be edited while nothing of the order is captured."));
        assert!(
            !page.contains("id=\"lines-form\""),
            "no form on a partly captured order"
        );

        let om = api.order(&id).await;
        assert_eq!(om["order_amount"], 60000);
        assert_eq!(lines_of(&om), before);
        assert!(!app
            .db()
            .events_of(&id)
            .await
            .unwrap()
            .iter()
            .any(|e| e.action == "authorization_updated"));
    })
    .await;
}

/// What a filter should find, worked out in Rust from every order of the store: the oracle
/// the planned statements are checked against.
fn expected(all: &[kassa_db::OrderListRow], f: &kassa_db::OrderFilter) -> Vec<String> {
    use kassa_db::SortOrder::*;
    let term = f.query.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let mut rows: Vec<&kassa_db::OrderListRow> = all
        .iter()
        .filter(|r| f.statuses.is_empty() || f.statuses.iter().any(|s| s == r.status.code()))
        .filter(|r| f.created_from.is_none_or(|v| r.created_at >= v) && f.created_to.is_none_or(|v| r.created_at < v))
        .filter(|r| {
            f.amount_min.is_none_or(|v| r.order_amount >= v) && f.amount_max.is_none_or(|v| r.order_amount <= v)
        })
        .filter(|r| f.payment_method.is_none() || r.payment_method == f.payment_method)
        .filter(|r| {
            f.expiring.is_none_or(|(from, until)| {
                [Status::Authorized, Status::PartCaptured].contains(&r.status)
                    && r.expires_at.is_some_and(|e| e >= from && e < until)
            })
        })
        .filter(|r| term.is_none_or(|q| matches_term(r, q)))
        .collect();
    let key = |r: &&kassa_db::OrderListRow| match f.sort {
        NewestFirst | OldestFirst => (r.created_at, r.order_id.clone()),
        LargestFirst | SmallestFirst => (r.order_amount, r.order_id.clone()),
    };
    rows.sort_by_key(key);
    if matches!(f.sort, NewestFirst | LargestFirst) {
        rows.reverse();
    }
    rows.into_iter().map(|r| r.order_id.clone()).collect()
}

/// What search means: a term of three characters or more (a letter or digit among them) is a
/// part of any searchable field, in any case; a shorter one an exact value or a name's start.
fn matches_term(r: &kassa_db::OrderListRow, q: &str) -> bool {
    let lower = q.to_lowercase();
    if q.chars().count() >= 3 && q.chars().any(char::is_alphanumeric) {
        let fields = [
            Some(r.order_id.as_str()),
            Some(r.short_reference.as_str()),
            r.merchant_reference1.as_deref(),
            r.merchant_reference2.as_deref(),
            Some(r.customer_name.as_str()),
            Some(r.customer_email.as_str()),
        ];
        return fields.into_iter().flatten().any(|f| f.to_lowercase().contains(&lower));
    }
    r.order_id == q
        || r.short_reference == q.to_uppercase()
        || r.merchant_reference1.as_deref() == Some(q)
        || r.merchant_reference2.as_deref() == Some(q)
        || r.customer_email == lower
        || r.customer_name.to_lowercase().starts_with(&lower)
}

/// Every page of `f` read as `plan`, `page` rows at a time.
async fn all_pages(db: &kassa_db::Db, f: &kassa_db::OrderFilter, plan: kassa_db::SearchPlan, page: i64) -> Vec<String> {
    let mut ids = Vec::new();
    let mut after = None;
    loop {
        let rows = db.search_orders(f, plan, after.as_ref(), page).await.unwrap();
        ids.extend(rows.iter().map(|r| r.order_id.clone()));
        match rows.last() {
            Some(last) if rows.len() as i64 == page => after = Some(kassa_db::Cursor::of(last, f.sort)),
            _ => return ids,
        }
    }
}

#[tokio::test]
async fn every_search_plan_finds_the_same_orders_in_the_same_order() {
    use kassa_db::{Narrow, OrderFilter, SearchPlan, SortOrder};
    on_each_backend(|app| async move {
        // More orders than a filter may match and still be read through its own index, so
        // the planner's choice between the two ways is exercised too.
        let db = app.db();
        kassa_web::demo::seed_orders_bulk(db, 6_000).await.unwrap();
        let store = || OrderFilter {
            store_id: "M100001".into(),
            ..Default::default()
        };
        let all = all_pages(db, &store(), SearchPlan::Walk, 1_000).await;
        assert_eq!(all.len(), 6_000);
        let mut everything = Vec::new();
        let mut pages = db.export_orders(&store(), SearchPlan::Walk, 1_000);
        while let Some(page) = pages.recv().await {
            everything.extend(page.unwrap());
        }
        assert_eq!(
            everything.iter().map(|r| r.order_id.clone()).collect::<Vec<_>>(),
            all,
            "export = list"
        );

        let now = kassa_web::now_ms();
        let day = 86_400_000;
        let sample = &everything[2_345];
        let first_name = sample.customer_name.split(' ').next().unwrap().to_lowercase();
        let filters = [
            OrderFilter {
                amount_min: Some(50_000),
                amount_max: Some(90_000),
                ..store()
            },
            OrderFilter {
                query: Some(first_name.clone()),
                ..store()
            },
            OrderFilter {
                query: Some(sample.customer_email.to_uppercase()),
                statuses: vec![sample.status.code().to_owned()],
                amount_min: Some(1),
                ..store()
            },
            OrderFilter {
                statuses: vec!["CAPTURED".into(), "CLOSED".into()],
                amount_max: Some(100_000),
                sort: SortOrder::OldestFirst,
                ..store()
            },
            OrderFilter {
                sort: SortOrder::LargestFirst,
                statuses: vec!["EXPIRED".into()],
                created_from: Some(now - 400 * day),
                created_to: Some(now - 100 * day),
                ..store()
            },
            OrderFilter {
                sort: SortOrder::SmallestFirst,
                query: Some(first_name),
                payment_method: Some("CARD".into()),
                ..store()
            },
            OrderFilter {
                expiring: Some((now, now + 10 * day)),
                payment_method: Some("INVOICE".into()),
                ..store()
            },
            // Parts of fields: a surname, an email domain (every order), a reference.
            OrderFilter {
                query: Some("OLSSON".into()),
                ..store()
            },
            OrderFilter {
                query: Some("Example.COM".into()),
                statuses: vec!["CAPTURED".into(), "CLOSED".into()],
                sort: SortOrder::LargestFirst,
                ..store()
            },
            OrderFilter {
                query: Some("ds-10023".into()),
                amount_min: Some(1),
                ..store()
            },
            OrderFilter {
                query: Some(sample.short_reference[2..6].to_lowercase()),
                sort: SortOrder::OldestFirst,
                ..store()
            },
            OrderFilter {
                query: Some("Al".into()),
                ..store()
            },
        ];
        for f in &filters {
            let want = expected(&everything, f);
            assert!(!want.is_empty(), "{f:?} should find something");
            let narrow = [
                Narrow::Search,
                Narrow::Statuses,
                Narrow::Created,
                Narrow::Amount,
                Narrow::Expiring,
            ];
            let mut plans = vec![SearchPlan::Walk];
            plans.extend(narrow.map(SearchPlan::Drive));
            for plan in plans {
                // A drive from a filter that is not set would read nothing useful; skip those.
                let applies = match plan {
                    SearchPlan::Walk => true,
                    SearchPlan::Drive(Narrow::Search) => f.query.is_some(),
                    SearchPlan::Drive(Narrow::Statuses) => {
                        f.statuses.len() > 1 || !f.statuses.is_empty() && f.sort == SortOrder::LargestFirst
                    }
                    SearchPlan::Drive(Narrow::Created) => f.created_from.is_some() && f.sort == SortOrder::LargestFirst,
                    SearchPlan::Drive(Narrow::Amount) => f.amount_min.is_some() || f.amount_max.is_some(),
                    SearchPlan::Drive(Narrow::Expiring) => f.expiring.is_some(),
                };
                if applies {
                    assert_eq!(all_pages(db, f, plan, 7).await, want, "{plan:?} of {f:?}");
                }
            }
            let chosen = db.plan_search(f).await.unwrap();
            assert_eq!(all_pages(db, f, chosen, 50).await, want, "{chosen:?} of {f:?}");
        }
        // A filter matching most of the store is walked; a rare one is read from its index.
        let common = OrderFilter {
            amount_min: Some(1),
            ..store()
        };
        assert_eq!(db.plan_search(&common).await.unwrap(), SearchPlan::Walk);
        let rare = OrderFilter {
            amount_min: Some(sample.order_amount),
            amount_max: Some(sample.order_amount),
            ..store()
        };
        assert_eq!(db.plan_search(&rare).await.unwrap(), SearchPlan::Drive(Narrow::Amount));
        assert_eq!(db.plan_search(&store()).await.unwrap(), SearchPlan::Walk);
    })
    .await;
}

#[tokio::test]
async fn home_figures_match_the_lists_they_link_to() {
    on_each_backend(|app| async move {
        kassa_web::demo::seed_orders_bulk(app.db(), 6_000).await.unwrap();
        let c = app.signed_in("user@demo.kassa.test").await;
        let (_, home) = c.page("/portal").await;
        let figure = |marker: &str| -> usize {
            let after = home.split(marker).nth(1).unwrap_or_else(|| panic!("{marker} on Home"));
            after.split('<').next().unwrap().trim().parse().unwrap()
        };
        let uncaptured = figure("data-uncaptured-count>");
        let expiring = figure("href=\"/portal/orders?expiring=3\" class=\"figure-link\"><span class=\"figure-value\">");
        assert!(
            expiring > 0 && uncaptured > expiring,
            "{uncaptured} uncaptured, {expiring} expiring"
        );
        for (query, want) in [
            ("status=AUTHORIZED,PART_CAPTURED", uncaptured),
            ("expiring=3", expiring),
        ] {
            let csv = c
                .get(&format!("/portal/orders/export.csv?{query}"))
                .await
                .text()
                .await
                .unwrap();
            assert_eq!(csv.lines().count() - 1, want, "{query}");
        }
    })
    .await;
}
