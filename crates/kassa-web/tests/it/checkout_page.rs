//! The hosted checkout page, as a shopper's browser posts it.

use crate::support::*;
use serde_json::Value;

fn token_in(html: &str) -> String {
    let marker = "name=\"token\" value=\"";
    let start = html.find(marker).unwrap() + marker.len();
    html[start..start + 64].to_owned()
}

#[tokio::test]
async fn a_shopper_pays_by_card_and_lands_on_the_merchants_confirmation_page() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        let order: Value = api.create_checkout(&sample_order()).await.json().await.unwrap();
        let id = order["order_id"].as_str().unwrap().to_owned();
        let shopper = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let res = shopper.get(format!("{}/checkout/{id}", app.url)).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let csp = res.headers()["content-security-policy"].to_str().unwrap().to_owned();
        assert!(csp.contains("frame-ancestors 'self' https://shop.example"), "{csp}");
        assert!(
            res.headers().get("x-frame-options").is_none(),
            "the merchant may frame it"
        );
        let html = res.text().await.unwrap();
        assert!(
            html.contains("Camera Travel Set") && html.contains("600,00\u{a0}SEK"),
            "lines and total in sv-SE"
        );
        let token = token_in(&html);

        let post = |fields: Vec<(&'static str, String)>| {
            let shopper = shopper.clone();
            let url = format!("{}/checkout/{id}", app.url);
            let origin = app.url.clone();
            async move {
                shopper
                    .post(url)
                    .header("origin", origin)
                    .form(&fields)
                    .send()
                    .await
                    .unwrap()
            }
        };
        let form = |card: &str, token: &str| {
            vec![
                ("token", token.to_owned()),
                ("email", "Ada@Example.com".to_owned()),
                ("given_name", "Ada".to_owned()),
                ("family_name", "Lovelace".to_owned()),
                ("street_address", "Sveavägen 1".to_owned()),
                ("postal_code", "111 57".to_owned()),
                ("city", "Stockholm".to_owned()),
                ("payment_method", "CARD".to_owned()),
                ("card_number", card.to_owned()),
                ("card_expiry", "12/39".to_owned()),
                ("card_cvc", "123".to_owned()),
            ]
        };
        let res = post(form("4000 0000 0000 0002", &token)).await;
        assert_eq!(res.status(), 422);
        assert!(
            res.text().await.unwrap().contains("Kortet nekades"),
            "declined, in Swedish"
        );
        assert_eq!(post(form("4111 1111 1111 1111", "forged")).await.status(), 403);

        let res = post(form("4111 1111 1111 1111", &token)).await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), format!("https://shop.example/confirmation?order={id}"));
        let om = api.order(&id).await;
        assert_eq!(om["status"], "AUTHORIZED");
        assert_eq!(om["billing_address"]["email"], "Ada@Example.com");
        assert_eq!(om["initial_payment_method"]["type"], "CARD");
        let reserved = app.db().order("M100001", &id).await.unwrap().unwrap();
        let days = (reserved.expires_at.unwrap() - reserved.completed_at.unwrap()) / (24 * 3600 * 1000);
        assert_eq!(days, 28, "the store's reservation time");
        let html = shopper
            .get(format!("{}/checkout/{id}", app.url))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("Tack för din beställning"));
        let events = app.db().events_of(&id).await.unwrap();
        assert_eq!(events.last().unwrap().actor_kind, "shopper");
        assert!(!format!("{events:?}").contains("4111"), "no card number stored");
    })
    .await;
}

/// A Swedish shopper who mistypes reads what is wrong in Swedish and in plain words: no field
/// names, no API English; nothing is completed.
#[tokio::test]
async fn checkout_errors_are_in_the_shoppers_language_and_plain_words() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        let order: Value = api.create_checkout(&sample_order()).await.json().await.unwrap();
        let id = order["order_id"].as_str().unwrap().to_owned();
        let shopper = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let html = shopper
            .get(format!("{}/checkout/{id}", app.url))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let token = token_in(&html);
        let post = |email: &str, postal_code: &str| {
            let fields = vec![
                ("token", token.clone()),
                ("email", email.to_owned()),
                ("given_name", "Ada".to_owned()),
                ("family_name", "Lovelace".to_owned()),
                ("street_address", "Sveavägen 1".to_owned()),
                ("postal_code", postal_code.to_owned()),
                ("city", "Stockholm".to_owned()),
                ("payment_method", "INVOICE".to_owned()),
            ];
            let req = shopper
                .post(format!("{}/checkout/{id}", app.url))
                .header("origin", app.url.clone())
                .form(&fields);
            async move { req.send().await.unwrap() }
        };
        for (email, postal_code, expected) in [
            ("ada.example.com", "111 57", "E-postadressen ser inte rätt ut"),
            (
                "ada@example.com",
                "111 57 111 57",
                "Postnummer är för lång: använd högst 10 tecken.",
            ),
        ] {
            let res = post(email, postal_code).await;
            assert_eq!(res.status(), 422);
            let html = res.text().await.unwrap();
            let alert = &html[html.find("role=\"alert\"").expect("an alert")..];
            let alert = &alert[..alert.find("</div>").unwrap()];
            assert!(alert.contains(expected), "{alert}");
            for english in ["billing_address", "Bad value", "email", "postal_code", "characters"] {
                assert!(!alert.contains(english), "{english} in {alert}");
            }
            assert!(html.contains(&format!("value=\"{email}\"")), "what was typed is kept");
        }
        let row = app.db().order("M100001", &id).await.unwrap().unwrap();
        assert_eq!(row.checkout_status, "checkout_incomplete", "nothing completed");
    })
    .await;
}
