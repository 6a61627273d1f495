//! Full-text search of support conversations in the agent console (migration 0031): words of
//! message bodies (Swedish with and without diacritics, a word's start), names, ranking,
//! hostile input, escaped snippets, operators only; and the support assistant finding an
//! order in any store the member may see orders in, and nothing elsewhere.

use crate::support::*;
use kassa_app::operators::set_two_factor_policy;
use kassa_app::support_chat::{self, SendMessage};
use kassa_core::access::Role;
use kassa_core::ops_access::OperatorRole;

/// Sends `body` as a new conversation (or into the open one) of a demo user of the
/// playground store; returns the conversation.
async fn say(app: &TestApp, email: &str, body: &str) -> i64 {
    let user = match app.db().user_by_email(email).await.unwrap() {
        Some(u) => u.id,
        None => app.seed_demo_user(email, "user").await,
    };
    let merchant = app
        .db()
        .store(kassa_web::demo::PLAYGROUND_STORE)
        .await
        .unwrap()
        .unwrap()
        .merchant_id;
    let actor = kassa_app::Actor::portal_user(
        user.to_string(),
        email,
        merchant.to_string(),
        kassa_web::demo::PLAYGROUND_STORE,
        Role::User,
        "",
    );
    let client_id = format!("c-{}", uuid::Uuid::new_v4().simple());
    support_chat::user_send(
        app.db(),
        &actor,
        &SendMessage {
            conversation: app
                .db()
                .open_conversation_of_user(user)
                .await
                .unwrap()
                .map(|c| c.conversation.id),
            client_id: &client_id,
            body,
        },
        kassa_web::now_ms(),
    )
    .await
    .expect("sent")
    .conversation_id
}

/// Closes the user's open conversation, so their next message starts another.
async fn close(app: &TestApp, conversation: i64) {
    let mut c = app.db().conversation(conversation).await.unwrap().unwrap().conversation;
    let mut tx = app.db().begin().await.unwrap();
    c.state = kassa_core::support_chat::ConversationState::Closed;
    c.closed_at = Some(kassa_web::now_ms());
    tx.update_conversation(&c).await.unwrap();
    tx.commit().await.unwrap();
}

async fn agent(app: &TestApp) -> Client {
    set_two_factor_policy(app.db(), false).await.unwrap();
    app.seed_operator("searcher@ops.kassa.test", OperatorRole::Support)
        .await;
    let c = app.client();
    assert_eq!(
        c.ops_sign_in("searcher@ops.kassa.test", DEMO_PASSWORD).await.status(),
        303
    );
    c
}

/// The search results' section of the console for `q`, and the conversation links in it in
/// order.
async fn search(c: &Client, q: &str) -> (String, Vec<i64>) {
    let (status, html) = c.page(&format!("/ops/support?q={}", urlencode(q))).await;
    assert_eq!(status, 200, "{q:?}: {html}");
    let found = html[html.find("id=\"support-search\"").expect("the search section")..].to_owned();
    let found = found[..found.find("id=\"support-canned\"").unwrap_or(found.len())].to_owned();
    let mut ids = Vec::new();
    for part in found.split("href=\"/ops/support/").skip(1) {
        if let Some(id) = part.split('"').next().and_then(|id| id.parse().ok()) {
            ids.push(id);
        }
    }
    (found, ids)
}

#[tokio::test]
async fn agents_find_conversations_by_their_words_ranked_with_escaped_snippets() {
    on_each_backend(|app| async move {
        let refund = say(
            &app,
            "sven@demo.kassa.test",
            "Hej! Var är min återbetalning för order 1001?",
        )
        .await;
        close(&app, refund).await;
        let payout = say(&app, "sven@demo.kassa.test", "When is my next payout?").await;
        let hostile = say(
            &app,
            "mallory@demo.kassa.test",
            "<script>alert('x')</script> my payout & \"capture\" failed",
        )
        .await;
        let c = agent(&app).await;

        // A word of a body, with its diacritics, without them, and its start only.
        for q in [
            "återbetalning",
            "aterbetalning",
            "ÅTERBETALNING",
            "återbet",
            "min återbet",
        ] {
            let (_, ids) = search(&c, q).await;
            assert_eq!(ids, vec![refund], "{q}");
        }
        // Every word must occur: the closed conversation too (any state is searchable).
        let (_, ids) = search(&c, "återbetalning payout").await;
        assert!(ids.is_empty(), "{ids:?}");
        // Names: the user's email (as words), and the merchant.
        let (_, ids) = search(&c, "mallory@demo").await;
        assert_eq!(ids, vec![hostile]);
        let (_, ids) = search(&c, "Demo Shop").await;
        assert_eq!(ids.len(), 3, "all three are at the demo merchant: {ids:?}");

        // The snippet marks the word found, and the message's markup is text.
        let (html, ids) = search(&c, "payout").await;
        assert_eq!(ids.len(), 2);
        assert!(ids.contains(&payout) && ids.contains(&hostile), "{ids:?}");
        assert!(html.contains("<mark>payout</mark>"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"),
            "{html}"
        );
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(html.contains("&amp; &quot;capture&quot;"), "{html}");
        let (html, _) = search(&c, "återbet").await;
        assert!(html.contains("<mark>återbetalning</mark>"), "{html}");

        // Hostile input: FTS5 and tsquery syntax, wildcards, quotes, unicode, nothing.
        for q in [
            "\"",
            "\"payout",
            "*",
            "payout*",
            "-payout",
            "payout -when",
            "NEAR(payout when)",
            "payout OR when",
            "payout AND NOT",
            "(",
            ")payout(",
            "'",
            "'payout' & !when | :*",
            "\\",
            "%",
            "_",
            "å ä ö",
            "🙂",
            "^",
            "payout:*",
            "a",
            "",
            "   ",
            &"x ".repeat(300),
        ] {
            search(&c, q).await;
        }
        let (html, ids) = search(&c, "%").await;
        assert!(ids.is_empty() && html.contains("id=\"search-empty\""), "% is no word");
        let (_, ids) = search(&c, "payout -when").await;
        assert_eq!(ids, vec![payout], "'-when' is the word 'when'");
        let (_, ids) = search(&c, "payout OR refund").await;
        assert!(ids.is_empty(), "'OR' is a word, not an operator: {ids:?}");

        // Only operators who answer support search.
        set_two_factor_policy(app.db(), false).await.unwrap();
        app.seed_operator("fin@ops.kassa.test", OperatorRole::Finance).await;
        let finance = app.client();
        finance.ops_sign_in("fin@ops.kassa.test", DEMO_PASSWORD).await;
        assert_eq!(finance.get("/ops/support?q=payout").await.status(), 403);
        let member = app.signed_in("admin@demo.kassa.test").await;
        assert_eq!(member.get("/ops/support?q=payout").await.status(), 404);
    })
    .await;
}

#[tokio::test]
async fn the_best_match_comes_first_then_the_newest() {
    on_each_backend(|app| async move {
        let once = say(
            &app,
            "long@demo.kassa.test",
            "I wrote a long message about many things: settlements, invoices, the weather, \
             my colleagues, the new store and, somewhere in the middle, a chargeback, and then \
             a lot more words about other matters entirely.",
        )
        .await;
        let often = say(
            &app,
            "often@demo.kassa.test",
            "Chargeback! A chargeback again, the third chargeback.",
        )
        .await;
        let c = agent(&app).await;
        let (_, ids) = search(&c, "chargeback").await;
        assert_eq!(ids, vec![often, once], "the better match first, though older");

        // Equal matches: the newest first.
        let first = say(&app, "twin1@demo.kassa.test", "Kvitto saknas").await;
        let second = say(&app, "twin2@demo.kassa.test", "Kvitto saknas").await;
        let (_, ids) = search(&c, "kvitto").await;
        assert_eq!(ids, vec![second, first]);

        // Renaming the user is found at once (the index follows users, stores, merchants).
        let user = app.db().user_by_email("twin1@demo.kassa.test").await.unwrap().unwrap();
        rename(&app, user.id, "Zlatan Åkesson").await;
        let (_, ids) = search(&c, "akesson").await;
        assert_eq!(ids, vec![first]);
    })
    .await;
}

async fn rename(app: &TestApp, user: i64, name: &str) {
    let prefs = kassa_db::Preferences {
        name: Some(name),
        ..Default::default()
    };
    app.db()
        .set_preferences(user, &prefs, kassa_web::now_ms())
        .await
        .unwrap();
}

/// The assistant's answer about `question`, as JSON.
async fn ask(c: &Client, question: &str) -> serde_json::Value {
    c.page("/portal/help").await;
    let res = c
        .http()
        .post(format!("{}/portal/help/ask", c.base))
        .header("origin", &c.base)
        .header("accept", "application/json")
        .header("x-csrf-token", c.csrf())
        .form(&[("question", question)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

fn short_reference(order: &serde_json::Value) -> String {
    order["klarna_reference"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_assistant_finds_an_order_in_another_store_of_the_member_and_names_it() {
    on_each_backend(|app| async move {
        // The order is in the playground store; the member works in the live store now.
        let playground = app.api(kassa_web::demo::PLAYGROUND_STORE).await;
        let id = playground.authorized_order(&sample_order()).await;
        let reference = short_reference(&playground.order(&id).await);
        let user = app.signed_in("user@demo.kassa.test").await;
        user.page("/portal").await;
        let res = user
            .post_form("/portal/store", &[("store", kassa_web::demo::LIVE_STORE)])
            .await;
        assert_eq!(location(&res), "/portal");
        let store = "Demo Shop (playground) (M100001)";
        for named in [reference.clone(), id.clone()] {
            let a = ask(&user, &format!("What is the status of order {named}?")).await;
            assert_eq!(a["order"]["order_id"], id.as_str(), "{named}: {a}");
            assert_eq!(a["order"]["status"], "AUTHORIZED");
            assert_eq!(a["order"]["store_id"], kassa_web::demo::PLAYGROUND_STORE);
            assert_eq!(a["order"]["store_name"], "Demo Shop (playground)");
            assert_eq!(a["order"]["current_store"], false);
            let html = a["html"].as_str().unwrap();
            assert!(html.contains(&format!("In store {store}")), "{html}");
            assert!(html.contains(r#"action="/portal/store""#), "{html}");
            assert!(
                html.contains(&format!(r#"name="next" value="/portal/orders/{id}""#)),
                "{html}"
            );
            assert!(
                html.contains(&format!("Switch to {store} and open the order")),
                "{html}"
            );
        }
        // In its own store the order page is "not found" until the member switches.
        assert_eq!(user.page(&format!("/portal/orders/{id}")).await.0, 404);
        let next = format!("/portal/orders/{id}");
        let res = user
            .post_form(
                "/portal/store",
                &[("store", kassa_web::demo::PLAYGROUND_STORE), ("next", next.as_str())],
            )
            .await;
        assert_eq!(location(&res), next);
        let (status, page) = user.page(&next).await;
        assert_eq!(status, 200);
        assert!(page.contains(&reference));
        // Now it is the current store: a plain link.
        let a = ask(&user, &format!("status of {reference}")).await;
        assert_eq!(a["order"]["current_store"], true);
        let html = a["html"].as_str().unwrap();
        assert!(html.contains(&format!(r#"href="/portal/orders/{id}""#)) && !html.contains("data-order-switch"));
        // A next address outside the portal is not followed.
        let res = user
            .post_form(
                "/portal/store",
                &[("store", kassa_web::demo::LIVE_STORE), ("next", "//evil.example/")],
            )
            .await;
        assert_eq!(location(&res), "/portal");
    })
    .await;
}

/// A member (admin) of the demo's live store only.
async fn live_only_member(app: &TestApp, email: &str) {
    let hash = kassa_web::password::hash(&kassa_core::account::NewPassword::parse(DEMO_PASSWORD).unwrap())
        .await
        .unwrap();
    let user = kassa_db::NewUser {
        email,
        name: "Liv Only",
        password_hash: Some(&hash),
        language: "en",
        status: "active",
        access_expires_at: None,
    };
    let id = app.db().create_user(&user, kassa_web::now_ms()).await.unwrap();
    app.db()
        .set_membership(id, kassa_web::demo::LIVE_STORE, "admin", 0)
        .await
        .unwrap();
}

/// A playground store "M200002" of the other merchant (seeded), with an authorized order;
/// returns the order's id and short reference.
async fn order_of_other_merchant(app: &TestApp) -> (String, String) {
    app.seed_other_merchant().await;
    let merchant = app.db().store("M200001").await.unwrap().unwrap().merchant_id;
    app.db()
        .create_store(
            &kassa_db::NewStore {
                id: "M200002",
                merchant_id: merchant,
                name: "Other Playground",
                url: "",
                country: "SE",
                currency: "SEK",
                statement_descriptor: "OTHER",
                environment: "playground",
            },
            kassa_web::now_ms(),
        )
        .await
        .unwrap();
    let api = app.api("M200002").await;
    let id = api.authorized_order(&sample_order()).await;
    let reference = short_reference(&api.order(&id).await);
    (id, reference)
}

#[tokio::test]
async fn an_order_of_a_store_the_member_is_not_in_is_as_unknown() {
    on_each_backend(|app| async move {
        // An order of the demo's playground store, and a member of the live store only.
        let playground = app.api(kassa_web::demo::PLAYGROUND_STORE).await;
        let own_id = playground.authorized_order(&sample_order()).await;
        let own_ref = short_reference(&playground.order(&own_id).await);
        live_only_member(&app, "live-only@demo.kassa.test").await;
        // And an order of another merchant.
        let (other_id, other_ref) = order_of_other_merchant(&app).await;

        let live_only = app.signed_in("live-only@demo.kassa.test").await;
        let everywhere = app.signed_in("admin@demo.kassa.test").await;
        let unknown_ref = "QZ9QZ9Q";
        let answer = |a: &serde_json::Value, named: &str| {
            assert!(a["order"].is_null(), "{named}: {a}");
            a["html"].as_str().unwrap().replace(named, "REF")
        };
        for (c, hidden) in [
            (
                &live_only,
                vec![own_ref.as_str(), own_id.as_str(), other_ref.as_str(), other_id.as_str()],
            ),
            (&everywhere, vec![other_ref.as_str(), other_id.as_str()]),
        ] {
            let expected = answer(&ask(c, &format!("Where is order {unknown_ref}?")).await, unknown_ref);
            assert!(
                expected.contains("No order REF was found in your stores."),
                "{expected}"
            );
            for named in hidden {
                let a = ask(c, &format!("Where is order {named}?")).await;
                assert_eq!(answer(&a, named), expected, "{named}");
                let html = a["html"].as_str().unwrap();
                assert!(!html.contains("600.00") && !html.contains("M100001") && !html.contains("M200002"));
            }
        }
        // The member of every demo store does find the demo's order.
        let a = ask(&everywhere, &format!("Where is order {own_ref}?")).await;
        assert_eq!(a["order"]["order_id"], own_id.as_str());
    })
    .await;
}
