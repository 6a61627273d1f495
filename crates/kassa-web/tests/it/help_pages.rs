//! Help (issue 16): search per language with stemming and snippets, the English fallback,
//! "Was this helpful?" counted once per user and shown in the back office, the assistant's
//! answers about orders within the member's own store, and the support button on every page.

use crate::support::*;
use kassa_app::operators::set_two_factor_policy;
use kassa_core::ops_access::OperatorRole;
use kassa_web::portal::{routes, Access};

async fn set_language(c: &Client, lang: &str) {
    c.page("/portal").await;
    let res = c
        .post_form("/portal/language", &[("lang", lang), ("next", "/portal")])
        .await;
    assert_eq!(res.status(), 303);
}

async fn ask_json(c: &Client, question: &str) -> serde_json::Value {
    c.page("/portal/help").await;
    let csrf = c.csrf();
    let res = c
        .http()
        .post(format!("{}/portal/help/ask", c.base))
        .header("origin", &c.base)
        .header("accept", "application/json")
        .header("x-csrf-token", &csrf)
        .form(&[("question", question)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

#[tokio::test]
async fn search_stems_english_and_swedish_and_marks_the_hits() {
    on_each_backend(|app| async move {
        let c = app.signed_in("user@demo.kassa.test").await;
        // "capturing" is not in the articles; its stem is.
        let (status, body) = c.page("/portal/help?q=capturing").await;
        assert_eq!(status, 200);
        assert!(body.contains(r#"href="/portal/help/capture-order""#), "{body}");
        assert!(body.contains("<mark>Captur"), "hits are marked");
        // The panel's fetch gets the same results as JSON.
        let res = c
            .http()
            .get(format!("{}/portal/help?q=capturing", c.base))
            .header("accept", "application/json")
            .send()
            .await
            .unwrap();
        let json: serde_json::Value = res.json().await.unwrap();
        assert!(json["hits"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["slug"] == "capture-order"));
        assert!(json["html"].as_str().unwrap().contains("<mark>"));
        // Markup in a query comes back escaped.
        let (_, body) = c.page("/portal/help?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E").await;
        assert!(!body.contains("<script>alert(1)"));

        set_language(&c, "sv").await;
        // The Swedish articles say "återbetalning", "återbetala": not the plural.
        let (_, body) = c.page("/portal/help?q=%C3%A5terbetalningar").await;
        assert!(body.contains(r#"href="/portal/help/refund-order""#), "{body}");
        assert!(body.contains("<mark>"), "hits are marked");
        assert!(body.contains("Återbetala en order"), "the Swedish article: {body}");
    })
    .await;
}

#[tokio::test]
async fn other_languages_read_english_articles_with_a_note() {
    on_each_backend(|app| async move {
        let c = app.signed_in("user@demo.kassa.test").await;
        for (lang, words) in [
            ("de", "Deutsch"),
            ("fi", "suomi"),
            ("nb", "norsk"),
            ("da", "dansk"),
            ("nl", "Nederlands"),
        ] {
            set_language(&c, lang).await;
            let (status, body) = c.page("/portal/help/capture-order").await;
            assert_eq!(status, 200);
            assert!(body.contains("data-fallback"), "{lang}: the note");
            assert!(
                body.to_lowercase().contains(&words.to_lowercase()),
                "{lang}: the note names the language"
            );
            assert!(body.contains("Capture the whole order"), "{lang}: the English article");
            let (_, body) = c.page("/portal/help?q=capture").await;
            assert!(
                body.contains(r#"href="/portal/help/capture-order""#),
                "{lang}: English search"
            );
        }
        for lang in ["en", "sv"] {
            set_language(&c, lang).await;
            let (_, body) = c.page("/portal/help/capture-order").await;
            assert!(!body.contains("data-fallback"), "{lang} has its own articles");
        }
        assert_eq!(c.get("/portal/help/no-such-article").await.status(), 404);
    })
    .await;
}

#[tokio::test]
async fn feedback_counts_once_per_user_and_operators_see_it() {
    on_each_backend(|app| async move {
        let user = app.signed_in("user@demo.kassa.test").await;
        user.page("/portal/help/capture-order").await;
        // Without the form's token nothing is counted.
        let res = user
            .post_raw(
                "/portal/help/capture-order/feedback",
                Some(&user.base),
                &[("helpful", "yes")],
            )
            .await;
        assert_eq!(res.status(), 403);
        assert!(app.db().help_feedback().await.unwrap().is_empty());

        for _ in 0..3 {
            let res = user
                .post_form("/portal/help/capture-order/feedback", &[("helpful", "yes")])
                .await;
            assert_eq!(res.status(), 303);
        }
        let counts = app.db().help_feedback().await.unwrap();
        assert_eq!((counts.len(), counts[0].helpful, counts[0].not_helpful), (1, 1, 0));
        // Voting again changes the one vote.
        user.post_form("/portal/help/capture-order/feedback", &[("helpful", "no")])
            .await;
        let counts = app.db().help_feedback().await.unwrap();
        assert_eq!((counts[0].helpful, counts[0].not_helpful), (0, 1));
        let (_, body) = user.page("/portal/help/capture-order?voted=1").await;
        assert!(body.contains("Thank you for your feedback."));
        assert!(body.contains(r#"value="no" class="button" aria-pressed="true""#));

        // 200 identical votes at once by one user are still one vote.
        let admin = std::sync::Arc::new(app.signed_in("admin@demo.kassa.test").await);
        admin.page("/portal/help/capture-order").await;
        let mut tasks = Vec::new();
        for _ in 0..200 {
            let admin = admin.clone();
            tasks.push(tokio::spawn(async move {
                admin
                    .post_form("/portal/help/capture-order/feedback", &[("helpful", "yes")])
                    .await
                    .status()
                    .as_u16()
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), 303);
        }
        let counts = app.db().help_feedback().await.unwrap();
        assert_eq!((counts[0].helpful, counts[0].not_helpful), (1, 1));
        assert_eq!(
            user.post_form("/portal/help/capture-order/feedback", &[("helpful", "maybe")])
                .await
                .status(),
            400
        );
        assert_eq!(
            user.post_form("/portal/help/nothing/feedback", &[("helpful", "yes")])
                .await
                .status(),
            404
        );

        set_two_factor_policy(app.db(), false).await.unwrap();
        app.seed_operator("support@ops.kassa.test", OperatorRole::Support).await;
        let ops = app.ops_signed_in("support@ops.kassa.test").await;
        let (status, body) = ops.page("/ops/help-feedback").await;
        assert_eq!(status, 200);
        assert!(body.contains(r#"<tr data-slug="capture-order">"#), "{body}");
        assert!(
            body.contains("<td class=\"num\" data-label=\"Helpful\" data-helpful>1</td>"),
            "{body}"
        );
        assert!(body.contains("data-not-helpful>1</td>"), "{body}");
        // Merchants' people do not reach the back office.
        assert_ne!(user.get("/ops/help-feedback").await.status(), 200);
    })
    .await;
}

#[tokio::test]
async fn the_assistant_quotes_articles_or_offers_a_chat() {
    on_each_backend(|app| async move {
        let c = app.signed_in("user@demo.kassa.test").await;
        let a = ask_json(&c, "How do I capture only part of an order?").await;
        assert_eq!(a["found"], true);
        assert_eq!(a["cited"][0], "capture-order");
        assert!(a["html"].as_str().unwrap().contains("<blockquote"));
        let a = ask_json(&c, "What is the weather in Paris tomorrow?").await;
        assert_eq!(a["found"], false);
        let html = a["html"].as_str().unwrap();
        assert!(html.contains(r#"href="/portal/support/chat""#), "{html}");
        // Without JavaScript: the form posts and the help page shows the answer.
        c.page("/portal/help").await;
        let res = c
            .post_form("/portal/help/ask", &[("question", "How do I refund an order?")])
            .await;
        assert_eq!(res.status(), 200);
        let body = res.text().await.unwrap();
        assert!(body.contains(r#"data-cited="refund-order""#), "{body}");
    })
    .await;
}

#[tokio::test]
async fn the_assistant_tells_about_own_orders_only() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        let id = api.authorized_order(&sample_order()).await;
        let reference = api.order(&id).await["klarna_reference"].as_str().unwrap().to_owned();
        let user = app.signed_in("user@demo.kassa.test").await;
        for named in [reference.clone(), id.clone(), "45aa52f387871e3a210645d4".to_owned()] {
            let a = ask_json(&user, &format!("What is the status of order {named}?")).await;
            assert_eq!(a["order"]["order_id"], id.as_str(), "{named}");
            assert_eq!(a["order"]["status"], "AUTHORIZED");
            let html = a["html"].as_str().unwrap();
            assert!(
                html.contains("Authorized") && html.contains("SEK\u{a0}600.00"),
                "{html}"
            );
            assert!(html.contains(&format!(r#"href="/portal/orders/{id}""#)));
            assert!(a["order"]["next"].as_array().unwrap().iter().any(|s| s == "capture"));
        }
        // A read-only member hears the facts, and that their role cannot act on them.
        let ro = app.signed_in("readonly@demo.kassa.test").await;
        let a = ask_json(&ro, &format!("status of {reference}")).await;
        assert_eq!(a["order"]["status"], "AUTHORIZED");
        assert!(a["order"]["next"].as_array().unwrap().is_empty());
        assert!(a["html"].as_str().unwrap().contains("Your role cannot change orders"));

        // A member of another merchant: the order does not exist for them.
        let stranger = app.seed_other_merchant().await;
        let other = app.signed_in(&stranger).await;
        for named in [reference.clone(), id.clone(), "45aa52f387871e3a210645d4".to_owned()] {
            let a = ask_json(&other, &format!("What is the status of order {named}?")).await;
            assert!(a["order"].is_null(), "{named}: {a}");
            let html = a["html"].as_str().unwrap();
            assert!(!html.contains("600.00") && !html.contains("Authorized"), "{html}");
        }
        let a = ask_json(&other, &format!("What is the status of order {id}?")).await;
        assert!(a["html"].as_str().unwrap().contains("No order"), "{a}");
    })
    .await;
}

#[tokio::test]
async fn every_portal_page_has_the_support_button() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        let order = api.authorized_order(&sample_order()).await;
        let c = app.signed_in("superadmin@demo.kassa.test").await;
        let mut pages: Vec<String> = routes()
            .into_iter()
            .filter(|r| r.method == "GET" && r.access != Access::Public && !r.path.contains('{'))
            .map(|r| r.path.to_owned())
            .collect();
        pages.push(format!("/portal/orders/{order}"));
        pages.push("/portal/help/capture-order".to_owned());
        let mut checked = 0;
        for path in &pages {
            let (status, body) = c.page(path).await;
            if status != 200 || !body.starts_with("<!doctype html>") {
                continue; // downloads and redirects
            }
            assert!(
                body.contains(r#"id="help-fab" href="/portal/help""#),
                "{path}: the button"
            );
            assert!(body.contains(r#"id="help-panel""#), "{path}: the panel");
            assert!(body.contains(r#"href="/portal/support/chat""#), "{path}: chat");
            checked += 1;
        }
        assert!(checked >= 10, "{checked} pages");
        // The orders page offers the orders articles first.
        let (_, body) = c.page("/portal/orders").await;
        assert!(body.contains(r#"data-section="orders""#));
        let panel = &body[body.find(r#"id="help-panel""#).unwrap()..];
        assert!(panel.contains(r#"href="/portal/help/capture-order""#));
        // Signed out: no button.
        let (_, body) = app.client().page("/portal/sign-in").await;
        assert!(!body.contains("help-fab"));
    })
    .await;
}
