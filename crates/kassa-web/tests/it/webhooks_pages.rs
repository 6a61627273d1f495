//! The portal's webhook pages: an admin adds an endpoint (the secret shown once), sends a
//! test event and sees its delivery, rotates the secret, disables, resends, deletes after
//! a confirmation; who may see and change them.

use crate::support::*;
use crate::webhooks::{merchant_verifies, receiver};
use std::time::Duration;

const LIST: &str = "/portal/integrations/webhooks";

/// The text between `start` and the next `end` after it.
fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html.find(start).unwrap_or_else(|| panic!("{start} not in page")) + start.len();
    let to = html[from..].find(end).unwrap() + from;
    &html[from..to]
}

#[tokio::test]
async fn an_admin_adds_an_endpoint_tests_it_rotates_and_deletes_it() {
    on_each_backend(|app| async move {
        let (base, got, _) = receiver(200, None).await;
        let c = app.signed_in("admin@demo.kassa.test").await;
        let (status, html) = c.page(LIST).await;
        assert_eq!(status, 200);
        assert!(html.contains("id=\"no-endpoints\""));
        assert!(html.contains("value=\"order.captured\""), "every event has a checkbox");

        // A bad form comes back with what is wrong and nothing saved.
        let res = c
            .post_form(LIST, &[("url", "ftp://shop.example"), ("description", "x")])
            .await;
        assert_eq!(res.status(), 422);
        let html = res.text().await.unwrap();
        assert!(html.contains("Enter an absolute http or https URL."), "{html}");
        assert!(html.contains("Choose at least one event."));
        assert!(app.db().webhook_endpoints(Some("M100001")).await.unwrap().is_empty());

        c.page(LIST).await;
        let url = format!("{base}/hook");
        let res = c
            .post_form(
                LIST,
                &[
                    ("url", url.as_str()),
                    ("description", "Main shop"),
                    ("events", "order.captured"),
                    ("events", "order.refunded"),
                ],
            )
            .await;
        assert_eq!(res.status(), 201);
        assert_eq!(res.headers().get("cache-control").unwrap(), "no-store");
        let html = res.text().await.unwrap();
        let secret = between(&html, "<code id=\"endpoint-secret\">", "</code>").to_owned();
        let id = between(&html, "<code id=\"endpoint-id\">", "</code>").to_owned();
        assert!(secret.starts_with("whsec_") && secret.len() > 40, "{secret}");
        let row = app.db().webhook_endpoint(Some("M100001"), &id).await.unwrap().unwrap();
        assert_eq!(row.events, ",order.captured,order.refunded,");
        assert_eq!(row.created_by, "admin@demo.kassa.test");

        // The list and the endpoint's page never show the secret again.
        let (_, list) = c.page(LIST).await;
        assert!(list.contains(&url) && list.contains("Main shop"));
        assert!(!list.contains(&secret));
        let page = format!("{LIST}/{id}");
        let (status, html) = c.page(&page).await;
        assert_eq!(status, 200);
        assert!(!html.contains(&secret));
        assert!(html.contains("id=\"no-deliveries\""));

        // A test event is delivered, signed with the secret, and listed with its answer.
        let res = c.post_form(&format!("{page}/test"), &[]).await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), format!("{page}?done=test"));
        got.wait_for(1).await;
        let (headers, raw) = got.all().remove(0);
        let header = headers.get("kassa-signature").unwrap().to_str().unwrap().to_owned();
        assert!(merchant_verifies(&header, &raw, &secret, kassa_web::now_ms() / 1000));
        let mut html = String::new();
        for _ in 0..100 {
            html = c.page(&page).await.1;
            if html.contains("badge-success\">Delivered") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
        assert!(html.contains("webhook.test"), "{html}");
        assert!(html.contains("badge-success\">Delivered"), "{html}");
        assert!(html.contains("received by the test shop"), "the response body is shown");
        let request = between(&html, "<pre class=\"delivery-request\">", "</pre>");
        assert!(
            request.contains("&#34;type&#34;: &#34;webhook.test&#34;"),
            "the body as sent: {request}"
        );

        // Edit: fewer events.
        let res = c
            .post_form(
                &page,
                &[
                    ("url", url.as_str()),
                    ("description", "Shop"),
                    ("events", "order.refunded"),
                ],
            )
            .await;
        assert_eq!(res.status(), 303);
        let row = app.db().webhook_endpoint(None, &id).await.unwrap().unwrap();
        assert_eq!(
            (row.events.as_str(), row.description.as_str()),
            (",order.refunded,", "Shop")
        );

        // Rotate: a new secret, shown once; the old one still signs for a day.
        let res = c.post_form(&format!("{page}/rotate"), &[]).await;
        assert_eq!(res.status(), 200);
        let html = res.text().await.unwrap();
        let new = between(&html, "<code id=\"endpoint-secret\">", "</code>").to_owned();
        assert_ne!(new, secret);
        let row = app.db().webhook_endpoint(None, &id).await.unwrap().unwrap();
        assert_eq!(row.previous_secret.as_deref(), Some(secret.as_str()));

        // Disable, resend refused until enabled again, then resend.
        let delivery = app.db().webhook_deliveries(&id, None, 1).await.unwrap()[0].id;
        assert_eq!(c.post_form(&format!("{page}/disable"), &[]).await.status(), 303);
        let resend = format!("{page}/deliveries/{delivery}/resend");
        let res = c.post_form(&resend, &[]).await;
        assert_eq!(location(&res), format!("{page}?done=resend-disabled"));
        assert_eq!(c.post_form(&format!("{page}/enable"), &[]).await.status(), 303);
        let res = c.post_form(&resend, &[]).await;
        assert_eq!(location(&res), format!("{page}?done=resent"));
        got.wait_for(2).await;
        let (headers, raw2) = got.all().remove(1);
        assert_eq!(raw2, raw, "a resend sends the same event");
        let header = headers.get("kassa-signature").unwrap().to_str().unwrap().to_owned();
        let now = kassa_web::now_ms() / 1000;
        assert!(merchant_verifies(&header, &raw2, &new, now) && merchant_verifies(&header, &raw2, &secret, now));

        // Every change is in the audit log.
        for action in [
            "webhook_endpoint_created",
            "webhook_test_sent",
            "webhook_endpoint_updated",
            "webhook_secret_rotated",
            "webhook_endpoint_disabled",
            "webhook_endpoint_enabled",
            "webhook_delivery_resent",
        ] {
            let a = action.parse().unwrap();
            let rows = app.db().audit_events(Some(a), 5).await.unwrap();
            assert!(!rows.is_empty(), "{action} audited");
            assert_eq!(rows[0].actor, "admin@demo.kassa.test");
        }

        // Delete: a POST without the confirmation only asks; the confirmed one deletes.
        let res = c.post_form(&format!("{page}/delete"), &[]).await;
        assert_eq!(location(&res), format!("{page}/delete"));
        let (status, html) = c.page(&format!("{page}/delete")).await;
        assert_eq!(status, 200);
        assert!(html.contains("name=\"confirm\" value=\"yes\""));
        let res = c.post_form(&format!("{page}/delete"), &[("confirm", "yes")]).await;
        assert_eq!(location(&res), format!("{LIST}?done=deleted"));
        assert!(app.db().webhook_endpoint(None, &id).await.unwrap().is_none());
        assert_eq!(c.page(&page).await.0, 404);
    })
    .await;
}

#[tokio::test]
async fn only_integration_roles_see_webhooks_and_partners_only_look() {
    on_each_backend(|app| async move {
        let (base, _, _) = receiver(200, None).await;
        let (id, _) = crate::webhooks::endpoint(&app, &format!("{base}/hook"), "order.captured").await;
        let page = format!("{LIST}/{id}");
        let form = [("url", "https://shop.example.com/hook"), ("events", "order.captured")];
        for email in [
            "user@demo.kassa.test",
            "settlement@demo.kassa.test",
            "disputes@demo.kassa.test",
            "readonly@demo.kassa.test",
        ] {
            let c = app.signed_in(email).await;
            assert_eq!(c.get(LIST).await.status(), 403, "{email}");
            assert_eq!(c.get(&page).await.status(), 403, "{email}");
            c.page("/portal").await;
            assert_eq!(c.post_form(LIST, &form).await.status(), 403, "{email}");
            assert_eq!(c.post_form(&format!("{page}/rotate"), &[]).await.status(), 403, "{email}");
        }
        let super_admin = app.signed_in("superadmin@demo.kassa.test").await;
        assert_eq!(super_admin.page(&page).await.0, 200);

        // Another merchant's admin cannot find the endpoint.
        let stranger = app.seed_other_merchant().await;
        let other = app.signed_in(&stranger).await;
        assert_eq!(other.page(&page).await.0, 404);
        other.page("/portal").await;
        assert_eq!(other.post_form(&format!("{page}/rotate"), &[]).await.status(), 404);

        // A partner merchant's admin may look, not change.
        app.db()
            .execute_trusted("UPDATE merchants SET onboarding = 'partner' WHERE id = (SELECT merchant_id FROM stores WHERE id = 'M100001')")
            .await
            .unwrap();
        let admin = app.signed_in("admin@demo.kassa.test").await;
        let (status, html) = admin.page(LIST).await;
        assert_eq!(status, 200);
        assert!(html.contains("id=\"read-only\"") && !html.contains("id=\"create-endpoint\""));
        let (status, html) = admin.page(&page).await;
        assert_eq!(status, 200);
        assert!(!html.contains("id=\"rotate-secret\"") && !html.contains("id=\"edit-endpoint\""));
        admin.page(LIST).await;
        assert_eq!(admin.post_form(LIST, &form).await.status(), 403);
        for action in ["rotate", "test", "disable", "delete"] {
            let res = admin.post_form(&format!("{page}/{action}"), &[("confirm", "yes")]).await;
            assert_eq!(res.status(), 403, "{action}");
        }
        let row = app.db().webhook_endpoint(None, &id).await.unwrap().unwrap();
        assert!(row.previous_secret.is_none() && row.disabled_at.is_none(), "nothing changed");
        assert_eq!(app.db().webhook_deliveries(&id, None, 5).await.unwrap().len(), 0);
    })
    .await;
}
