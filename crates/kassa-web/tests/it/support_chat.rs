//! The live support chat: who may read what, the no-JS forms, the agent console, message
//! de-duplication, the rate limit under concurrency, WebSocket delivery (in one process
//! and between two processes on PostgreSQL), reconnecting without loss or duplicates,
//! escaping of hostile text, and the email paths (transcript, reply outside opening hours).

use crate::support::{location, on_each_backend, set_cookies, Client, TestApp, DEMO_PASSWORD};
use futures_util::{SinkExt, StreamExt};
use kassa_app::operators::set_two_factor_policy;
use kassa_app::support_chat::{self, ChatUpload, SendMessage};
use kassa_core::ops_access::OperatorRole;
use kassa_core::support_chat::MESSAGES_PER_MINUTE;
use kassa_db::Backend;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

const USER: &str = "admin@demo.kassa.test";
const AGENT: &str = "agent@ops.kassa.test";

/// A conversation of a demo user with one message and a file, a canned reply, and the
/// file's id, for the back office's permission matrix (`{conversation}`, `{canned}`, `{file}`).
pub(crate) async fn conversation_and_canned_reply(app: &TestApp, operator: i64) -> (i64, i64, String) {
    let user = app.seed_demo_user("chat-matrix@demo.kassa.test", "user").await;
    let actor = kassa_app::Actor::portal_user(
        user.to_string(),
        "chat-matrix@demo.kassa.test",
        merchant_of_demo(app).await.to_string(),
        kassa_web::demo::PLAYGROUND_STORE,
        kassa_core::access::Role::User,
        "",
    );
    let sent = support_chat::user_send(
        app.db(),
        &actor,
        &SendMessage {
            conversation: None,
            client_id: "matrix-1",
            body: "Hello from the matrix",
        },
        kassa_web::now_ms(),
    )
    .await
    .expect("a conversation");
    let files = objects(app);
    let attached = support_chat::user_attach(
        app.db(),
        &files,
        &actor,
        &SendMessage {
            conversation: Some(sent.conversation_id),
            client_id: "matrix-2",
            body: "",
        },
        ChatUpload {
            filename: "receipt.png".into(),
            bytes: png(),
        },
        kassa_web::now_ms(),
    )
    .await
    .expect("a file");
    let canned = app
        .db()
        .add_canned_reply("Greeting", "Hello!", operator, kassa_web::now_ms())
        .await
        .unwrap();
    let file = attached.message.attachment_id.expect("the file's id");
    (sent.conversation_id, canned, file)
}

/// The test app's file store.
fn objects(app: &TestApp) -> kassa_web::objects::Objects {
    kassa_web::objects::Objects::new(&kassa_web::objects::ObjectsConfig::Local(app.objects.path().to_owned()))
}

/// A small PNG (its signature and a header are all the type check reads).
fn png() -> Vec<u8> {
    let mut bytes = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    bytes.extend_from_slice(b"\0\0\0\rIHDR fake image data for the chat");
    bytes
}

async fn merchant_of_demo(app: &TestApp) -> i64 {
    app.db()
        .store(kassa_web::demo::PLAYGROUND_STORE)
        .await
        .unwrap()
        .unwrap()
        .merchant_id
}

/// A portal client signed in as `email`, and its session cookie (for WebSockets).
async fn member(app: &TestApp, email: &str) -> (Client, String) {
    let c = app.client();
    let res = c.sign_in(email, DEMO_PASSWORD).await;
    assert_eq!(res.status(), 303, "sign-in of {email}");
    let cookie = session_cookie(&res, "kassa_session=");
    (c, cookie)
}

/// A back-office client signed in as a new operator with `role`, and its session cookie.
async fn operator(app: &TestApp, email: &str, role: OperatorRole) -> (Client, String, i64) {
    set_two_factor_policy(app.db(), false).await.unwrap();
    let id = app.seed_operator(email, role).await;
    let c = app.client();
    let res = c.ops_sign_in(email, DEMO_PASSWORD).await;
    assert_eq!(res.status(), 303, "ops sign-in of {email}");
    let cookie = session_cookie(&res, "kassa_ops_session=");
    c.page("/ops").await;
    (c, cookie, id)
}

fn session_cookie(res: &reqwest::Response, prefix: &str) -> String {
    set_cookies(res)
        .into_iter()
        .find(|c| c.starts_with(prefix))
        .and_then(|c| c.split(';').next().map(str::to_owned))
        .unwrap_or_else(|| panic!("no {prefix} cookie"))
}

/// Sends a message through the page's form (no JavaScript); returns the conversation id.
async fn post_message(c: &Client, conversation: Option<i64>, client_id: &str, body: &str) -> reqwest::Response {
    c.page("/portal/support/chat").await;
    let conv = conversation.map(|c| c.to_string()).unwrap_or_default();
    c.post_form(
        "/portal/support/chat/messages",
        &[
            ("conversation", conv.as_str()),
            ("client_id", client_id),
            ("body", body),
        ],
    )
    .await
}

fn conversation_in(location: &str) -> i64 {
    location
        .split("conversation=")
        .nth(1)
        .and_then(|rest| rest.split(['&', '#']).next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no conversation in {location}"))
}

async fn start(c: &Client, body: &str) -> i64 {
    let res = post_message(c, None, &format!("c-{}", uuid::Uuid::new_v4().simple()), body).await;
    assert_eq!(res.status(), 303);
    conversation_in(&location(&res))
}

async fn open_all_week(app: &TestApp) {
    app.db().set_support_hours("Europe/Stockholm", "always").await.unwrap();
}

async fn ws_connect(base: &str, path: &str, cookie: &str) -> Result<Ws, tokio_tungstenite::tungstenite::Error> {
    let url = format!("{}{path}", base.replacen("http://", "ws://", 1));
    let mut req = url.into_client_request().unwrap();
    req.headers_mut().insert("cookie", cookie.parse().unwrap());
    req.headers_mut().insert("origin", base.parse().unwrap());
    tokio_tungstenite::connect_async(req).await.map(|(ws, _)| ws)
}

async fn connect(base: &str, path: &str, cookie: &str) -> Ws {
    ws_connect(base, path, cookie).await.expect("websocket")
}

/// The next JSON frame (pings skipped), within 10 s.
async fn next_frame(ws: &mut Ws) -> Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a frame within 10 s")
            .expect("the socket is open")
            .expect("a frame");
        if let Message::Text(t) = msg {
            return serde_json::from_str(t.as_str()).unwrap();
        }
    }
}

/// The next frame of type `t`.
async fn next_of(ws: &mut Ws, t: &str) -> Value {
    loop {
        let f = next_frame(ws).await;
        if f["t"] == t {
            return f;
        }
    }
}

/// Asserts nothing but pings arrives for `ms`.
async fn quiet(ws: &mut Ws, ms: u64) {
    let deadline = tokio::time::Instant::now() + Duration::from_millis(ms);
    loop {
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Err(_) => return,
            Ok(Some(Ok(Message::Text(t)))) => panic!("unexpected frame {t}"),
            Ok(Some(Ok(_))) => continue,
            Ok(other) => panic!("socket ended: {other:?}"),
        }
    }
}

async fn send_ws(ws: &mut Ws, frame: Value) {
    ws.send(Message::Text(frame.to_string().into())).await.unwrap();
}

/// The HTTP status a refused WebSocket handshake got.
async fn refusal(base: &str, path: &str, cookie: &str) -> u16 {
    match ws_connect(base, path, cookie).await {
        Ok(_) => panic!("{path} was not refused"),
        Err(e) => status_of(&e),
    }
}

fn status_of(err: &tokio_tungstenite::tungstenite::Error) -> u16 {
    match err {
        tokio_tungstenite::tungstenite::Error::Http(res) => res.status().as_u16(),
        other => panic!("expected an HTTP refusal, got {other:?}"),
    }
}

async fn user_messages(app: &TestApp, conversation: i64) -> Vec<kassa_db::ChatMessageRow> {
    app.db()
        .chat_messages_after(conversation, 0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.sender_kind == "user")
        .collect()
}

#[tokio::test]
async fn a_member_reads_only_their_own_conversations_and_only_support_agents_answer() {
    on_each_backend(|app| async move {
        open_all_week(&app).await;
        let (owner, owner_cookie) = member(&app, USER).await;
        let conversation = start(&owner, "Where is my payout?").await;
        let (status, html) = owner.page("/portal/support/chat").await;
        assert_eq!(status, 200);
        assert!(html.contains("Where is my payout?"), "{html}");

        // A colleague at the same merchant, and an admin of another merchant.
        app.seed_demo_user("colleague@demo.kassa.test", "admin").await;
        let (colleague, colleague_cookie) = member(&app, "colleague@demo.kassa.test").await;
        let stranger_email = app.seed_other_merchant().await;
        let (stranger, _) = member(&app, &stranger_email).await;
        let path = format!("/portal/support/chat?conversation={conversation}");
        for c in [&colleague, &stranger] {
            let (status, html) = c.page(&path).await;
            assert_eq!(status, 404);
            assert!(!html.contains("Where is my payout?"));
            let (_, own) = c.page("/portal/support/chat").await;
            assert!(!own.contains("Where is my payout?"), "another's chat is not theirs");
            let res = c
                .post_form(&format!("/portal/support/chat/{conversation}/transcript"), &[])
                .await;
            assert_eq!(res.status(), 404);
            let res = c
                .post_form(&format!("/portal/support/chat/{conversation}/close"), &[])
                .await;
            assert_eq!(res.status(), 404);
            // Writing into it by id is refused too.
            let res = post_message(c, Some(conversation), "intruder-1", "let me in").await;
            assert_eq!(res.status(), 404);
        }
        let ws = format!("/portal/support/chat/ws?conversation={conversation}&after=0");
        assert_eq!(refusal(&app.url, &ws, &colleague_cookie).await, 404);
        // From another site: refused even with the owner's cookie.
        let mut req = format!("{}{ws}", app.url.replacen("http://", "ws://", 1))
            .into_client_request()
            .unwrap();
        req.headers_mut().insert("cookie", owner_cookie.parse().unwrap());
        req.headers_mut()
            .insert("origin", "https://evil.example".parse().unwrap());
        match tokio_tungstenite::connect_async(req).await {
            Ok(_) => panic!("a socket from another origin"),
            Err(e) => assert_eq!(status_of(&e), 403),
        }
        // Signed out: no socket.
        assert_ne!(
            ws_connect(&app.url, &ws, "kassa_session=nothing")
                .await
                .err()
                .map(|e| status_of(&e)),
            None
        );
        connect(&app.url, &ws, &owner_cookie).await;
        assert_eq!(user_messages(&app, conversation).await.len(), 1, "nothing was written");

        // Operators: only the support role (and ops_admin) opens the console and the socket.
        let (finance, finance_cookie, _) = operator(&app, "finance@ops.kassa.test", OperatorRole::Finance).await;
        assert_eq!(finance.get("/ops/support").await.status(), 403);
        assert_eq!(finance.get(&format!("/ops/support/{conversation}")).await.status(), 403);
        let res = finance
            .post_form(&format!("/ops/support/{conversation}/claim"), &[])
            .await;
        assert_eq!(res.status(), 403);
        let ops_ws = format!("/ops/support/ws?conversation={conversation}&after=0");
        assert_eq!(refusal(&app.url, &ops_ws, &finance_cookie).await, 403);
        // A merchant user learns nothing of /ops.
        assert_eq!(owner.get("/ops/support").await.status(), 404);
        let (agent, agent_cookie, _) = operator(&app, AGENT, OperatorRole::Support).await;
        let (status, html) = agent.page("/ops/support").await;
        assert_eq!(status, 200);
        assert!(
            html.contains("admin@demo.kassa.test"),
            "the queue shows the conversation"
        );
        connect(&app.url, &ops_ws, &agent_cookie).await;
        // An operator's cookie is no portal session.
        assert!(ws_connect(&app.url, &ws, &agent_cookie).await.is_err());
    })
    .await;
}

#[tokio::test]
async fn a_conversation_goes_from_queue_to_claim_reply_transfer_and_close_over_http() {
    on_each_backend(|app| async move {
        open_all_week(&app).await;
        let (user, _) = member(&app, USER).await;
        let first = start(&user, "My capture failed with 403").await;
        // A second, newer conversation of another user waits behind it.
        app.seed_demo_user("second@demo.kassa.test", "read_only").await;
        let (second, _) = member(&app, "second@demo.kassa.test").await;
        let later = start(&second, "How do I invite a colleague?").await;

        let (agent, _, _) = operator(&app, AGENT, OperatorRole::Support).await;
        let (other_agent, _, other_id) = operator(&app, "other-agent@ops.kassa.test", OperatorRole::Support).await;
        let (_, html) = agent.page("/ops/support").await;
        let queue = &html[html.find("id=\"queue-table\"").expect("queue table")..];
        let a = queue.find(&format!("/ops/support/{first}\"")).expect("first in queue");
        let b = queue.find(&format!("/ops/support/{later}\"")).expect("second in queue");
        assert!(a < b, "the longest waiting comes first");
        assert!(html.contains(" min"), "wait time shown");

        // An order of the demo store, for the context beside the chat.
        let api = app.api(kassa_web::demo::PLAYGROUND_STORE).await;
        let order = api.authorized_order(&crate::support::sample_order()).await;
        let reference = app
            .db()
            .order(kassa_web::demo::PLAYGROUND_STORE, &order)
            .await
            .unwrap()
            .unwrap()
            .short_reference;
        // The conversation page: context beside the chat.
        let (status, html) = agent.page(&format!("/ops/support/{first}")).await;
        assert_eq!(status, 200);
        assert!(html.contains("My capture failed with 403"));
        assert!(html.contains("id=\"context-role\">Admin<"), "the user's role");
        assert!(html.contains("M100001, playground"), "the store");
        let orders = &html[html
            .find("id=\"context-orders\"")
            .expect("recent orders of the demo store")..];
        assert!(orders.contains(&reference), "the new order is listed");

        let res = agent.post_form(&format!("/ops/support/{first}/claim"), &[]).await;
        assert_eq!(res.status(), 303);
        let row = app.db().conversation(first).await.unwrap().unwrap();
        assert_eq!(row.conversation.state.code(), "claimed");
        // Another agent cannot take or answer it.
        other_agent.page(&format!("/ops/support/{first}")).await;
        let res = other_agent.post_form(&format!("/ops/support/{first}/claim"), &[]).await;
        assert!(location(&res).contains("error="), "{}", location(&res));
        let res = other_agent
            .post_form(
                &format!("/ops/support/{first}/reply"),
                &[("client_id", "o-1"), ("body", "Me too")],
            )
            .await;
        assert!(location(&res).contains("error=not-yours"), "{}", location(&res));

        agent.page(&format!("/ops/support/{first}")).await;
        let res = agent
            .post_form(
                &format!("/ops/support/{first}/reply"),
                &[("client_id", "a-1"), ("body", "Which order id?")],
            )
            .await;
        assert_eq!(res.status(), 303);
        let (_, html) = user.page(&format!("/portal/support/chat?conversation={first}")).await;
        assert!(html.contains("Which order id?"));
        assert!(html.contains("joined the conversation"), "the claim shows as an event");

        // A canned reply, added in the console and sent by choosing it.
        agent.page("/ops/support").await;
        let res = agent
            .post_form(
                "/ops/support/canned",
                &[("title", "Thanks"), ("body", "Thanks for waiting!")],
            )
            .await;
        assert_eq!(location(&res), "/ops/support?notice=canned-added");
        let canned = app.db().canned_replies().await.unwrap()[0].id.to_string();
        agent.page(&format!("/ops/support/{first}")).await;
        let res = agent
            .post_form(
                &format!("/ops/support/{first}/reply"),
                &[("client_id", "a-2"), ("body", ""), ("canned", canned.as_str())],
            )
            .await;
        assert_eq!(res.status(), 303);
        let (_, html) = user.page(&format!("/portal/support/chat?conversation={first}")).await;
        assert!(html.contains("Thanks for waiting!"));

        // Transfer to the other agent, who then answers and closes it.
        agent.page(&format!("/ops/support/{first}")).await;
        let to = other_id.to_string();
        let res = agent
            .post_form(&format!("/ops/support/{first}/transfer"), &[("to", to.as_str())])
            .await;
        assert_eq!(res.status(), 303);
        let row = app.db().conversation(first).await.unwrap().unwrap();
        assert_eq!(row.conversation.agent_id, Some(other_id));
        other_agent.page(&format!("/ops/support/{first}")).await;
        let res = other_agent
            .post_form(
                &format!("/ops/support/{first}/reply"),
                &[("client_id", "o-2"), ("body", "I have it now")],
            )
            .await;
        assert_eq!(location(&res), format!("/ops/support/{first}#latest"));
        let res = other_agent.post_form(&format!("/ops/support/{first}/close"), &[]).await;
        assert_eq!(res.status(), 303);
        let (_, html) = user.page(&format!("/portal/support/chat?conversation={first}")).await;
        assert!(html.contains("I have it now") && html.contains("ended the conversation"));
        // Closed: the user's next message starts a new conversation.
        let res = post_message(&user, Some(first), "late-1", "one more thing").await;
        assert!(location(&res).contains("error=closed"), "{}", location(&res));
        let next = start(&user, "A new question").await;
        assert_ne!(next, first);

        // Every conversation stays searchable, by text and by user.
        let (_, html) = agent.page("/ops/support?q=capture+failed").await;
        let found = &html[html.find("id=\"support-search\"").unwrap()..];
        assert!(found.contains(&format!("/ops/support/{first}\"")));
        assert!(!found.contains(&format!("/ops/support/{later}\"")));
        let (_, html) = agent.page("/ops/support?q=second%40demo").await;
        let found = &html[html.find("id=\"support-search\"").unwrap()..];
        assert!(found.contains(&format!("/ops/support/{later}\"")));
        // A LIKE wildcard is taken literally.
        let (_, html) = agent.page("/ops/support?q=%25").await;
        assert!(html.contains("id=\"search-empty\""), "% matches nothing");
    })
    .await;
}

#[tokio::test]
async fn a_message_sent_again_with_its_client_id_is_stored_once() {
    on_each_backend(|app| async move {
        open_all_week(&app).await;
        let (user, _) = member(&app, USER).await;
        let conversation = start(&user, "first").await;
        for _ in 0..2 {
            let res = post_message(&user, Some(conversation), "same-id", "hello twice").await;
            assert_eq!(res.status(), 303);
        }
        // And 20 at once.
        let user = Arc::new(user);
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let user = user.clone();
            tasks.push(tokio::spawn(async move {
                user.post_form(
                    "/portal/support/chat/messages",
                    &[
                        ("conversation", conversation.to_string().as_str()),
                        ("client_id", "burst-id"),
                        ("body", "burst"),
                    ],
                )
                .await
                .status()
                .as_u16()
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), 303);
        }
        let bodies: Vec<String> = user_messages(&app, conversation)
            .await
            .into_iter()
            .map(|m| m.body)
            .collect();
        assert_eq!(bodies, ["first", "hello twice", "burst"]);
    })
    .await;
}

#[tokio::test]
async fn the_rate_limit_holds_under_200_concurrent_sends() {
    on_each_backend(|app| async move {
        open_all_week(&app).await;
        let (user, _) = member(&app, USER).await;
        let conversation = start(&user, "first").await;
        let actor = kassa_app::Actor::portal_user(
            "1",
            USER,
            merchant_of_demo(&app).await.to_string(),
            kassa_web::demo::PLAYGROUND_STORE,
            kassa_core::access::Role::SuperAdmin,
            "",
        );
        let user_row = app.db().user_by_email(USER).await.unwrap().unwrap();
        let actor = kassa_app::Actor {
            user_id: Some(user_row.id.to_string()),
            ..actor
        };
        // One minute window for all 200, fixed so the test cannot straddle two windows.
        let now = kassa_web::now_ms() / 60_000 * 60_000 + 120_000;
        let db = app.db().clone();
        let mut tasks = Vec::new();
        for i in 0..200 {
            let (db, actor) = (db.clone(), actor.clone());
            tasks.push(tokio::spawn(async move {
                let client_id = format!("rate-{i}");
                let m = SendMessage {
                    conversation: Some(conversation),
                    client_id: &client_id,
                    body: "spam",
                };
                support_chat::user_send(&db, &actor, &m, now).await
            }));
        }
        let (mut sent, mut limited) = (0, 0);
        for t in tasks {
            match t.await.unwrap() {
                Ok(_) => sent += 1,
                Err(kassa_app::AppError::Chat(kassa_core::support_chat::ChatRefusal::RateLimited)) => limited += 1,
                Err(e) => panic!("unexpected {e}"),
            }
        }
        assert_eq!(sent, MESSAGES_PER_MINUTE);
        assert_eq!(limited, 200 - MESSAGES_PER_MINUTE);
        let spam = user_messages(&app, conversation)
            .await
            .into_iter()
            .filter(|m| m.body == "spam")
            .count() as i64;
        assert_eq!(spam, MESSAGES_PER_MINUTE);
        // Through the form, the refusal is said in words.
        for i in 0..(2 * MESSAGES_PER_MINUTE + 2) {
            let res = post_message(&user, Some(conversation), &format!("form-{i}"), "more").await;
            if location(&res).contains("error=rate-limited") {
                let (_, html) = user.page(&location(&res)).await;
                assert!(html.contains("too quickly"), "{html}");
                return;
            }
        }
        panic!("the form was never rate limited");
    })
    .await;
}

#[tokio::test]
async fn websocket_delivers_messages_typing_and_read_state_and_reconnects_without_loss_or_duplicates() {
    on_each_backend(|app| async move {
        open_all_week(&app).await;
        let (user, user_cookie) = member(&app, USER).await;
        let conversation = start(&user, "Hello?").await;
        let (agent, agent_cookie, _) = operator(&app, AGENT, OperatorRole::Support).await;
        assert_eq!(
            agent
                .post_form(&format!("/ops/support/{conversation}/claim"), &[])
                .await
                .status(),
            303
        );

        let user_path = |after: i64| format!("/portal/support/chat/ws?conversation={conversation}&after={after}");
        let mut u = connect(&app.url, &user_path(0), &user_cookie).await;
        let first = next_of(&mut u, "message").await;
        assert_eq!(first["html"], "Hello?");
        assert_eq!(first["mine"], true);
        let claimed = next_of(&mut u, "message").await;
        assert_eq!(claimed["event"], "claimed");
        let mut a = connect(
            &app.url,
            &format!("/ops/support/ws?conversation={conversation}&after={}", claimed["id"]),
            &agent_cookie,
        )
        .await;

        // The user writes over the socket: it comes back once to them, and to the agent.
        send_ws(
            &mut u,
            json!({"t": "send", "client_id": "ws-1", "body": "Order 123 <b>"}),
        )
        .await;
        let echo = next_of(&mut u, "message").await;
        assert_eq!(echo["client_id"], "ws-1");
        assert_eq!(echo["html"], "Order 123 &lt;b&gt;");
        let got = next_of(&mut a, "message").await;
        assert_eq!(got["id"], echo["id"]);
        assert_eq!(got["mine"], false);
        // Typing and read state reach the other side only.
        send_ws(&mut a, json!({"t": "typing"})).await;
        let typing = next_of(&mut u, "typing").await;
        assert_eq!(typing["name"], "Test Operator");
        send_ws(&mut u, json!({"t": "read", "upto": echo["id"]})).await;
        let read = next_of(&mut a, "read").await;
        assert_eq!(read["upto"], echo["id"]);
        // A resend with the same client id (the answer was lost) stores nothing new.
        send_ws(
            &mut u,
            json!({"t": "send", "client_id": "ws-1", "body": "Order 123 <b>"}),
        )
        .await;
        quiet(&mut u, 400).await;
        // Refusals come back with their client id.
        send_ws(&mut u, json!({"t": "send", "client_id": "ws-2", "body": "   "})).await;
        let refused = next_of(&mut u, "error").await;
        assert_eq!(
            (refused["code"].as_str(), refused["client_id"].as_str()),
            (Some("empty"), Some("ws-2"))
        );

        // The network drops; the agent answers three times meanwhile.
        let last_seen = echo["id"].as_i64().unwrap();
        drop(u);
        for i in 1..=3 {
            let (client_id, body) = (format!("miss-{i}"), format!("answer {i}"));
            let res = agent
                .post_form(
                    &format!("/ops/support/{conversation}/reply"),
                    &[("client_id", client_id.as_str()), ("body", body.as_str())],
                )
                .await;
            assert_eq!(res.status(), 303);
        }
        // Reconnecting with the last id it has brings exactly the missing ones, in order.
        let mut u = connect(&app.url, &user_path(last_seen), &user_cookie).await;
        for i in 1..=3 {
            let m = next_of(&mut u, "message").await;
            assert_eq!(m["html"], format!("answer {i}"));
        }
        quiet(&mut u, 500).await;
        // A message typed while offline is sent again on reconnect with its client id.
        send_ws(
            &mut u,
            json!({"t": "send", "client_id": "offline-1", "body": "still there?"}),
        )
        .await;
        let mine = next_of(&mut u, "message").await;
        let before = mine["id"].as_i64().unwrap() - 1;
        drop(u);
        let mut u = connect(&app.url, &user_path(before), &user_cookie).await;
        send_ws(
            &mut u,
            json!({"t": "send", "client_id": "offline-1", "body": "still there?"}),
        )
        .await;
        let again = next_of(&mut u, "message").await;
        assert_eq!(again["id"], mine["id"]);
        quiet(&mut u, 500).await;
        let count = user_messages(&app, conversation)
            .await
            .iter()
            .filter(|m| m.body == "still there?")
            .count();
        assert_eq!(count, 1);
        // The agent's socket saw every message once, in order.
        let mut seen = Vec::new();
        while let Ok(frame) = tokio::time::timeout(Duration::from_millis(500), next_of(&mut a, "message")).await {
            seen.push(frame["html"].as_str().unwrap().to_owned());
        }
        assert_eq!(seen, ["answer 1", "answer 2", "answer 3", "still there?"]);
        // Closing shows up live.
        assert_eq!(
            agent
                .post_form(&format!("/ops/support/{conversation}/close"), &[])
                .await
                .status(),
            303
        );
        let closed = next_of(&mut u, "message").await;
        assert_eq!(closed["event"], "closed");
        send_ws(
            &mut u,
            json!({"t": "send", "client_id": "after-close", "body": "hello?"}),
        )
        .await;
        assert_eq!(next_of(&mut u, "error").await["code"], "closed");
    })
    .await;
}

/// Two Kassa processes on one PostgreSQL database: a message sent to one arrives on a
/// socket connected to the other (LISTEN/NOTIFY), both ways.
#[tokio::test]
async fn messages_cross_between_two_processes_on_postgres() {
    if !crate::support::backends().await.contains(&Backend::Postgres) {
        eprintln!("SKIPPING: no PostgreSQL");
        return;
    }
    let app = TestApp::spawn(Backend::Postgres).await;
    open_all_week(&app).await;
    let process_b = SecondProcess::start(&app).await;
    let url_b = process_b.url.clone();

    let (user_a, _) = member(&app, USER).await;
    let conversation = start(&user_a, "Hello from A").await;
    let (agent_a, agent_cookie_a, _) = operator(&app, AGENT, OperatorRole::Support).await;
    // The user is on process B (signing in there gives a session both processes know).
    let user_b = Client::new(&url_b);
    let res = user_b.sign_in(USER, DEMO_PASSWORD).await;
    let cookie_b = session_cookie(&res, "kassa_session=");
    let mut on_b = connect(
        &url_b,
        &format!("/portal/support/chat/ws?conversation={conversation}&after=0"),
        &cookie_b,
    )
    .await;
    assert_eq!(next_of(&mut on_b, "message").await["html"], "Hello from A");
    let mut on_a = connect(
        &app.url,
        &format!("/ops/support/ws?conversation={conversation}&after=0"),
        &agent_cookie_a,
    )
    .await;
    assert_eq!(next_of(&mut on_a, "message").await["html"], "Hello from A");

    // Sent to A (the agent's form), it arrives on B's socket.
    let res = agent_a
        .post_form(
            &format!("/ops/support/{conversation}/reply"),
            &[("client_id", "cross-1"), ("body", "Answer via A")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(next_of(&mut on_b, "message").await["event"], "claimed");
    assert_eq!(next_of(&mut on_b, "message").await["html"], "Answer via A");
    // A's own socket saw the claim and the answer (delivered through NOTIFY too).
    assert_eq!(next_of(&mut on_a, "message").await["event"], "claimed");
    assert_eq!(next_of(&mut on_a, "message").await["html"], "Answer via A");
    // Sent on B's socket, it arrives on A's; typing crosses too.
    send_ws(&mut on_b, json!({"t": "typing"})).await;
    let name = app.db().user_by_email(USER).await.unwrap().unwrap().name;
    assert_eq!(next_of(&mut on_a, "typing").await["name"], name.as_str());
    send_ws(
        &mut on_b,
        json!({"t": "send", "client_id": "cross-2", "body": "Reply via B"}),
    )
    .await;
    assert_eq!(next_of(&mut on_a, "message").await["html"], "Reply via B");
    assert_eq!(next_of(&mut on_b, "message").await["html"], "Reply via B");
    quiet(&mut on_a, 400).await;
    quiet(&mut on_b, 400).await;

    drop(on_b);
    process_b.stop().await;
    app.stop().await;
}

/// A second Kassa process on the test app's PostgreSQL schema: its own pool, hub and
/// listener.
struct SecondProcess {
    url: String,
    db: kassa_db::Db,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

impl SecondProcess {
    async fn start(app: &TestApp) -> SecondProcess {
        let db = kassa_db::Db::connect(&app.store.config()).await.unwrap();
        let server = kassa_web::Server::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", server.local_addr());
        let outbox = tempfile::tempdir().unwrap();
        let objects = tempfile::tempdir().unwrap();
        let config = kassa_web::WebConfig {
            public_url: url.clone(),
            secret_key: crate::support::TEST_SECRET_KEY.to_vec(),
            worker_interval: Duration::from_millis(50),
            mail: kassa_web::mail::MailConfig::Outbox {
                dir: outbox.path().to_owned(),
            },
            objects: kassa_web::objects::ObjectsConfig::Local(objects.path().to_owned()),
            webhook_allow_private: true,
        };
        let state = kassa_web::AppState::new(db.clone(), config);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            server
                .serve(state, async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        SecondProcess {
            url,
            db,
            stop,
            task,
            _dirs: (outbox, objects),
        }
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        let _ = tokio::time::timeout(Duration::from_secs(10), self.task).await;
        self.db.close().await;
    }
}

#[tokio::test]
async fn hostile_text_is_escaped_and_only_http_links_are_made() {
    on_each_backend(|app| async move {
        open_all_week(&app).await;
        let (user, _) = member(&app, USER).await;
        let hostile = "<script>alert(1)</script> <img src=x onerror=alert(2)> javascript:alert(3) \
                       https://ok.example/a?b=1&c=2 http://x.example/\"onmouseover=\"alert(4)";
        let conversation = start(&user, hostile).await;
        let (agent, _, _) = operator(&app, AGENT, OperatorRole::Support).await;
        for html in [
            user.page(&format!("/portal/support/chat?conversation={conversation}"))
                .await
                .1,
            agent.page(&format!("/ops/support/{conversation}")).await.1,
        ] {
            assert!(!html.contains("<script>alert"), "script escaped");
            assert!(!html.contains("<img src=x"), "img escaped");
            assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
            assert!(!html.contains("href=\"javascript"), "no javascript link");
            assert!(html.contains(
                "<a href=\"https://ok.example/a?b=1&amp;c=2\" rel=\"noopener noreferrer nofollow\" target=\"_blank\">"
            ));
            assert!(html.contains("<a href=\"http://x.example/\" rel=\"noopener noreferrer nofollow\""));
            assert!(html.contains("&quot;onmouseover=&quot;alert(4)"));
        }
    })
    .await;
}

#[tokio::test]
async fn outside_opening_hours_the_user_leaves_a_message_and_gets_the_reply_and_transcript_by_email() {
    on_each_backend(|app| async move {
        app.db().set_support_hours("Europe/Stockholm", "closed").await.unwrap();
        let (user, _) = member(&app, USER).await;
        let (_, html) = user.page("/portal/support/chat").await;
        assert!(html.contains("data-offline"), "the page says support is closed");
        assert!(html.contains("Leave a message"));
        let conversation = start(&user, "Can you call me tomorrow?").await;
        let row = app.db().conversation(conversation).await.unwrap().unwrap();
        assert!(row.conversation.offline);

        let (agent, _, _) = operator(&app, AGENT, OperatorRole::Support).await;
        agent.page(&format!("/ops/support/{conversation}")).await;
        let res = agent
            .post_form(
                &format!("/ops/support/{conversation}/reply"),
                &[("client_id", "r-1"), ("body", "Yes, at 10:00 <ok>")],
            )
            .await;
        assert_eq!(res.status(), 303);
        let mails: Vec<_> = app.mails().into_iter().filter(|m| m.to == USER).collect();
        let reply = mails
            .iter()
            .find(|m| m.subject.contains("answered"))
            .expect("the reply by email");
        assert!(reply.text.contains("Yes, at 10:00 <ok>"), "{}", reply.text);
        assert!(reply.html.as_deref().unwrap().contains("Yes, at 10:00 &lt;ok&gt;"));
        assert!(reply.links[0].ends_with(&format!("/portal/support/chat?conversation={conversation}")));

        // The transcript, on request.
        user.page(&format!("/portal/support/chat?conversation={conversation}"))
            .await;
        let res = user
            .post_form(&format!("/portal/support/chat/{conversation}/transcript"), &[])
            .await;
        assert_eq!(
            location(&res),
            format!("/portal/support/chat?conversation={conversation}&notice=transcript-sent")
        );
        let transcript = app
            .mails()
            .into_iter()
            .find(|m| m.to == USER && m.subject.contains("Your conversation"))
            .expect("the transcript");
        assert!(transcript.text.contains("Can you call me tomorrow?"));
        assert!(transcript.text.contains("Yes, at 10:00 <ok>"));
        assert!(transcript.text.contains("joined the conversation"));

        // With support open, a new conversation is not emailed.
        open_all_week(&app).await;
        let res = user
            .post_form(&format!("/portal/support/chat/{conversation}/close"), &[])
            .await;
        assert_eq!(res.status(), 303);
        let live = start(&user, "Quick question").await;
        assert!(!app.db().conversation(live).await.unwrap().unwrap().conversation.offline);
        let before = app.mails().len();
        agent.page(&format!("/ops/support/{live}")).await;
        agent
            .post_form(
                &format!("/ops/support/{live}/reply"),
                &[("client_id", "r-2"), ("body", "Sure")],
            )
            .await;
        assert_eq!(app.mails().len(), before, "no email while open");
    })
    .await;
}

/// Sends one file (and a text) through a chat's upload form, as a browser does; the browser
/// claims every file is a PDF, which Kassa ignores.
async fn upload(
    c: &Client,
    path: &str,
    client_id: &str,
    body: &str,
    filename: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name(filename.to_owned())
        .mime_str("application/pdf")
        .unwrap();
    let form = reqwest::multipart::Form::new()
        .text("csrf", c.csrf())
        .text("client_id", client_id.to_owned())
        .text("body", body.to_owned())
        .part("file", part);
    c.http()
        .post(format!("{}{path}", c.base))
        .header("origin", &c.base)
        .multipart(form)
        .send()
        .await
        .expect("POST upload")
}

/// How many chat files the file store holds.
fn stored_files(app: &TestApp) -> usize {
    fn count(dir: &std::path::Path) -> usize {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return 0;
        };
        entries
            .map(|e| e.unwrap().path())
            .map(|p| if p.is_dir() { count(&p) } else { 1 })
            .sum()
    }
    count(&app.objects.path().join("support"))
}

/// The conversation's messages that carry a file.
async fn files_in(app: &TestApp, conversation: i64) -> Vec<kassa_db::ChatMessageRow> {
    app.db()
        .chat_messages_after(conversation, 0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.attachment_id.is_some())
        .collect()
}

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n";

#[tokio::test]
async fn files_go_both_ways_typed_by_their_content_and_arrive_live() {
    on_each_backend(|app| async move {
        open_all_week(&app).await;
        let (user, user_cookie) = member(&app, USER).await;
        let conversation = start(&user, "The receipt is attached").await;
        let (agent, agent_cookie, _) = operator(&app, AGENT, OperatorRole::Support).await;
        let mut a = connect(
            &app.url,
            &format!("/ops/support/ws?conversation={conversation}&after=0"),
            &agent_cookie,
        )
        .await;
        assert_eq!(next_of(&mut a, "message").await["html"], "The receipt is attached");

        // A PNG named .pdf (and sent as application/pdf) is stored as the PNG it is. The
        // page's upload form works without JavaScript.
        let page = format!("/portal/support/chat?conversation={conversation}");
        let (_, html) = user.page(&page).await;
        assert!(html.contains(&format!(
            "action=\"/portal/support/chat/{conversation}/attachments\" enctype=\"multipart/form-data\""
        )));
        let res = upload(
            &user,
            &format!("/portal/support/chat/{conversation}/attachments"),
            "file-1",
            "",
            "invoice.pdf",
            png(),
        )
        .await;
        assert_eq!(location(&res), format!("{page}#latest"));
        let files = files_in(&app, conversation).await;
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].attachment_type.as_deref(), Some("image/png"));
        assert_eq!(files[0].attachment_name.as_deref(), Some("invoice.pdf"));
        let file_id = files[0].attachment_id.clone().unwrap();
        // It arrives on the agent's socket with the agent's link.
        let live = next_of(&mut a, "message").await;
        let agent_href = format!("/ops/support/{conversation}/attachments/{file_id}");
        assert_eq!(live["attachment"]["href"], agent_href.as_str());
        assert_eq!(live["attachment"]["name"], "invoice.pdf");
        assert_eq!(live["attachment"]["kind"], "PNG");

        // The user's page links it; the user downloads it as a PNG attachment.
        let user_href = format!("/portal/support/chat/{conversation}/attachments/{file_id}");
        let (_, html) = user.page(&page).await;
        assert!(html.contains(&format!("href=\"{user_href}\"")), "{html}");
        for (c, href) in [(&user, &user_href), (&agent, &agent_href)] {
            let res = c.get(href).await;
            assert_eq!(res.status(), 200, "{href}");
            let header = |name: &str| res.headers()[name].to_str().unwrap().to_owned();
            assert_eq!(header("content-type"), "image/png");
            assert_eq!(header("x-content-type-options"), "nosniff");
            assert!(
                header("content-disposition").starts_with("attachment; filename=\"invoice.pdf\""),
                "{}",
                header("content-disposition")
            );
            assert_eq!(res.bytes().await.unwrap().as_ref(), png().as_slice());
        }
        // The agent's conversation page links it too.
        let (_, html) = agent.page(&format!("/ops/support/{conversation}")).await;
        assert!(html.contains(&format!("href=\"{agent_href}\"")));

        // The agent sends a PDF with a line of text; it claims the waiting conversation and
        // arrives on the user's socket.
        let mut u = connect(
            &app.url,
            &format!(
                "/portal/support/chat/ws?conversation={conversation}&after={}",
                files[0].id
            ),
            &user_cookie,
        )
        .await;
        let res = upload(
            &agent,
            &format!("/ops/support/{conversation}/attachments"),
            "agent-file-1",
            "Here is the form <b>",
            "form.pdf",
            PDF.to_vec(),
        )
        .await;
        assert_eq!(location(&res), format!("/ops/support/{conversation}#latest"));
        let row = app.db().conversation(conversation).await.unwrap().unwrap();
        assert_eq!(row.conversation.state.code(), "claimed");
        assert_eq!(next_of(&mut u, "message").await["event"], "claimed");
        let live = next_of(&mut u, "message").await;
        assert_eq!(live["html"], "Here is the form &lt;b&gt;");
        assert_eq!(live["attachment"]["kind"], "PDF");
        let href = live["attachment"]["href"].as_str().unwrap().to_owned();
        assert!(href.starts_with(&format!("/portal/support/chat/{conversation}/attachments/chf_")));
        let res = user.get(&href).await;
        assert_eq!(res.headers()["content-type"], "application/pdf");
        assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);
        assert_eq!(stored_files(&app), 2);

        // Refused, with the reason in words and nothing stored: HTML, a program, an empty
        // file, no file, one byte over the limit — from the user and from the agent.
        let too_big = {
            let mut b = png();
            b.resize(kassa_core::dispute::MAX_ATTACHMENT_BYTES + 1, 0);
            b
        };
        let refusals: [(&str, Vec<u8>, &str, &str); 5] = [
            (
                "page.png",
                b"<html><script>alert(1)</script></html>".to_vec(),
                "file-type",
                "Only PDF, JPEG or PNG files",
            ),
            (
                "setup.pdf",
                b"MZ\x90\x00\x03\x00\x00\x00".to_vec(),
                "file-type",
                "Only PDF, JPEG or PNG files",
            ),
            ("empty.png", Vec::new(), "file-empty", "The file is empty"),
            ("", Vec::new(), "file-empty", "The file is empty"),
            ("big.png", too_big, "file-too-large", "larger than 7 MB"),
        ];
        for (i, (name, bytes, code, words)) in refusals.into_iter().enumerate() {
            user.page(&page).await;
            let res = upload(
                &user,
                &format!("/portal/support/chat/{conversation}/attachments"),
                &format!("bad-{i}"),
                "",
                name,
                bytes.clone(),
            )
            .await;
            assert_eq!(location(&res), format!("{page}&error={code}"), "{name}");
            let (_, html) = user.page(&location(&res)).await;
            assert!(html.contains(words), "{name}: {html}");
            agent.page(&format!("/ops/support/{conversation}")).await;
            let res = upload(
                &agent,
                &format!("/ops/support/{conversation}/attachments"),
                &format!("agent-bad-{i}"),
                "",
                name,
                bytes,
            )
            .await;
            assert_eq!(
                location(&res),
                format!("/ops/support/{conversation}?error={code}"),
                "{name}"
            );
            let (_, html) = agent.page(&location(&res)).await;
            assert!(html.contains(words), "{name}: {html}");
        }
        assert_eq!(files_in(&app, conversation).await.len(), 2, "nothing more stored");
        assert_eq!(stored_files(&app), 2, "no file kept");
        // A file of exactly the limit is taken.
        let mut max = png();
        max.resize(kassa_core::dispute::MAX_ATTACHMENT_BYTES, 0);
        user.page(&page).await;
        let res = upload(
            &user,
            &format!("/portal/support/chat/{conversation}/attachments"),
            "max-1",
            "",
            "max.png",
            max,
        )
        .await;
        assert_eq!(location(&res), format!("{page}#latest"));
        // The same form sent again stores it once.
        let again = upload(
            &user,
            &format!("/portal/support/chat/{conversation}/attachments"),
            "max-1",
            "",
            "max.png",
            png(),
        )
        .await;
        assert_eq!(location(&again), format!("{page}#latest"));
        assert_eq!(files_in(&app, conversation).await.len(), 3);
        assert_eq!(stored_files(&app), 3);

        // In Swedish for a Swedish user.
        app.seed_demo_user("svensk@demo.kassa.test", "user").await;
        let (sv, _) = member(&app, "svensk@demo.kassa.test").await;
        sv.page("/portal/support/chat").await;
        let res = sv
            .post_form("/portal/language", &[("lang", "sv"), ("next", "/portal/support/chat")])
            .await;
        assert_eq!(res.status(), 303);
        let theirs = start(&sv, "Hej").await;
        sv.page(&format!("/portal/support/chat?conversation={theirs}")).await;
        let res = upload(
            &sv,
            &format!("/portal/support/chat/{theirs}/attachments"),
            "sv-1",
            "",
            "a.png",
            b"GIF89a".to_vec(),
        )
        .await;
        let (_, html) = sv.page(&location(&res)).await;
        assert!(html.contains("Bara PDF-, JPEG- eller PNG-filer kan skickas"), "{html}");
    })
    .await;
}

#[tokio::test]
async fn a_chat_file_is_found_only_by_its_user_and_support_agents() {
    on_each_backend(|app| async move {
        open_all_week(&app).await;
        let (owner, _) = member(&app, USER).await;
        let conversation = start(&owner, "See the file").await;
        owner
            .page(&format!("/portal/support/chat?conversation={conversation}"))
            .await;
        let res = upload(
            &owner,
            &format!("/portal/support/chat/{conversation}/attachments"),
            "own-1",
            "",
            "secret.png",
            png(),
        )
        .await;
        assert_eq!(res.status(), 303);
        let file = files_in(&app, conversation).await[0].attachment_id.clone().unwrap();
        let href = format!("/portal/support/chat/{conversation}/attachments/{file}");
        assert_eq!(owner.get(&href).await.status(), 200);

        app.seed_demo_user("colleague@demo.kassa.test", "admin").await;
        let (colleague, _) = member(&app, "colleague@demo.kassa.test").await;
        let stranger_email = app.seed_other_merchant().await;
        let (stranger, _) = member(&app, &stranger_email).await;
        // The stranger's own conversation: the file is not found under it either.
        let theirs = start(&stranger, "Mine").await;
        for c in [&colleague, &stranger] {
            for path in [
                href.clone(),
                format!("/portal/support/chat/{theirs}/attachments/{file}"),
                format!("/ops/support/{conversation}/attachments/{file}"),
            ] {
                let res = c.get(&path).await;
                assert_eq!(res.status(), 404, "{path}");
                let body = res.bytes().await.unwrap();
                assert!(!body.windows(4).any(|w| w == b"\x89PNG"), "{path} gave the file away");
            }
            // Nor can they put a file into it.
            c.page("/portal/support/chat").await;
            let res = upload(
                c,
                &format!("/portal/support/chat/{conversation}/attachments"),
                "intruder-1",
                "",
                "x.png",
                png(),
            )
            .await;
            assert_eq!(res.status(), 404);
        }
        assert_eq!(files_in(&app, conversation).await.len(), 1);
        assert_eq!(stored_files(&app), 1);
        // Operators: support and ops_admin read it; others are refused.
        let agent_href = format!("/ops/support/{conversation}/attachments/{file}");
        let (finance, _, _) = operator(&app, "finance@ops.kassa.test", OperatorRole::Finance).await;
        assert_eq!(finance.get(&agent_href).await.status(), 403);
        let (admin, _, _) = operator(&app, "admin@ops.kassa.test", OperatorRole::OpsAdmin).await;
        assert_eq!(admin.get(&agent_href).await.status(), 200);
        // A file id under another conversation is not found for an agent either.
        let wrong = format!("/ops/support/{theirs}/attachments/{file}");
        assert_eq!(admin.get(&wrong).await.status(), 404);
    })
    .await;
}

#[tokio::test]
async fn the_rate_limit_holds_under_200_concurrent_uploads() {
    on_each_backend(|app| async move {
        open_all_week(&app).await;
        let (user, _) = member(&app, USER).await;
        // The conversation starts in an earlier minute, so the limit's minute is all files.
        let user_row = app.db().user_by_email(USER).await.unwrap().unwrap();
        let actor = kassa_app::Actor::portal_user(
            user_row.id.to_string(),
            USER,
            merchant_of_demo(&app).await.to_string(),
            kassa_web::demo::PLAYGROUND_STORE,
            kassa_core::access::Role::SuperAdmin,
            "",
        );
        let started = support_chat::user_send(
            app.db(),
            &actor,
            &SendMessage {
                conversation: None,
                client_id: "start-1",
                body: "first",
            },
            kassa_web::now_ms() - 120_000,
        )
        .await
        .unwrap();
        let conversation = started.conversation_id;
        // All 200 within one minute: not in its last 20 seconds.
        let into_minute = kassa_web::now_ms() % 60_000;
        if into_minute > 40_000 {
            tokio::time::sleep(Duration::from_millis((60_100 - into_minute) as u64)).await;
        }
        user.page(&format!("/portal/support/chat?conversation={conversation}"))
            .await;
        let user = Arc::new(user);
        let mut tasks = Vec::new();
        for i in 0..200 {
            let user = user.clone();
            tasks.push(tokio::spawn(async move {
                let res = upload(
                    &user,
                    &format!("/portal/support/chat/{conversation}/attachments"),
                    &format!("up-{i}"),
                    "",
                    "receipt.png",
                    png(),
                )
                .await;
                location(&res)
            }));
        }
        let (mut sent, mut limited) = (0, 0);
        for t in tasks {
            let to = t.await.unwrap();
            if to.ends_with("#latest") {
                sent += 1;
            } else if to.ends_with("error=rate-limited") {
                limited += 1;
            } else {
                panic!("unexpected {to}");
            }
        }
        assert_eq!(sent, MESSAGES_PER_MINUTE);
        assert_eq!(limited, 200 - MESSAGES_PER_MINUTE);
        assert_eq!(files_in(&app, conversation).await.len() as i64, MESSAGES_PER_MINUTE);
        assert_eq!(
            stored_files(&app) as i64,
            MESSAGES_PER_MINUTE,
            "refused files are not kept"
        );
        // Files and messages share the limit: a text now is refused too, in words.
        let res = post_message(&user, Some(conversation), "text-after", "and a text").await;
        assert!(location(&res).contains("error=rate-limited"), "{}", location(&res));
    })
    .await;
}

/// The next queue frame whose ids are `want`, within 10 s (the queue may be sent more
/// often than it changes).
async fn queue_becomes(ws: &mut Ws, want: &[i64]) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let frame = tokio::time::timeout_at(deadline, next_of(ws, "queue"))
            .await
            .unwrap_or_else(|_| panic!("the queue never became {want:?}"));
        let ids: Vec<i64> = frame["ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect();
        if ids == want {
            return frame;
        }
    }
}

#[tokio::test]
async fn the_agents_queue_updates_live_over_its_socket() {
    on_each_backend(|app| async move {
        open_all_week(&app).await;
        let (agent, agent_cookie, _) = operator(&app, AGENT, OperatorRole::Support).await;
        let (_, html) = agent.page("/ops/support").await;
        assert!(html.contains("data-queue-ws=\"/ops/support/queue/ws\""));
        let mut q = connect(&app.url, "/ops/support/queue/ws", &agent_cookie).await;
        let first = next_of(&mut q, "queue").await;
        assert_eq!(first["ids"], json!([]));
        // The same queue has the same digest as the page's, so the page is not drawn again.
        let key = first["key"].as_str().unwrap();
        assert!(html.contains(&format!("data-queue-key=\"{key}\"")), "{html}");

        // A user starts a conversation (the plain form): it appears.
        let (user, _) = member(&app, USER).await;
        let one = start(&user, "Payout missing").await;
        let frame = queue_becomes(&mut q, &[one]).await;
        let html = frame["html"].as_str().unwrap();
        assert!(html.contains(&format!("href=\"/ops/support/{one}\"")), "{html}");
        assert!(html.contains(USER) && html.contains(" min"), "{html}");
        app.seed_demo_user("second@demo.kassa.test", "user").await;
        let (second, _) = member(&app, "second@demo.kassa.test").await;
        let two = start(&second, "Hello <script>").await;
        queue_becomes(&mut q, &[one, two]).await;
        // Claimed: it leaves. Answered while waiting (a claim too): it leaves.
        agent.page(&format!("/ops/support/{one}")).await;
        assert_eq!(
            agent
                .post_form(&format!("/ops/support/{one}/claim"), &[])
                .await
                .status(),
            303
        );
        queue_becomes(&mut q, &[two]).await;
        let three_user = {
            app.seed_demo_user("third@demo.kassa.test", "user").await;
            member(&app, "third@demo.kassa.test").await.0
        };
        let three = start(&three_user, "Third").await;
        queue_becomes(&mut q, &[two, three]).await;
        agent.page(&format!("/ops/support/{three}")).await;
        let res = agent
            .post_form(
                &format!("/ops/support/{three}/reply"),
                &[("client_id", "q-1"), ("body", "On it")],
            )
            .await;
        assert_eq!(res.status(), 303);
        queue_becomes(&mut q, &[two]).await;
        // Closed by its user: it leaves.
        second.page(&format!("/portal/support/chat?conversation={two}")).await;
        assert_eq!(
            second
                .post_form(&format!("/portal/support/chat/{two}/close"), &[])
                .await
                .status(),
            303
        );
        queue_becomes(&mut q, &[]).await;

        // Only support agents get the socket; nobody from another site.
        let (_, finance_cookie, _) = operator(&app, "finance@ops.kassa.test", OperatorRole::Finance).await;
        assert_eq!(refusal(&app.url, "/ops/support/queue/ws", &finance_cookie).await, 403);
        let mut req = format!("{}/ops/support/queue/ws", app.url.replacen("http://", "ws://", 1))
            .into_client_request()
            .unwrap();
        req.headers_mut().insert("cookie", agent_cookie.parse().unwrap());
        req.headers_mut()
            .insert("origin", "https://evil.example".parse().unwrap());
        match tokio_tungstenite::connect_async(req).await {
            Ok(_) => panic!("a queue socket from another origin"),
            Err(e) => assert_eq!(status_of(&e), 403),
        }
    })
    .await;
}

/// On PostgreSQL the queue crosses processes: an agent's queue socket on process B hears a
/// conversation started on process A, and its claim on A.
#[tokio::test]
async fn the_queue_crosses_between_two_processes_on_postgres() {
    if !crate::support::backends().await.contains(&Backend::Postgres) {
        eprintln!("SKIPPING: no PostgreSQL");
        return;
    }
    let app = TestApp::spawn(Backend::Postgres).await;
    open_all_week(&app).await;
    let process_b = SecondProcess::start(&app).await;
    set_two_factor_policy(app.db(), false).await.unwrap();
    app.seed_operator(AGENT, OperatorRole::Support).await;
    let agent_b = Client::new(&process_b.url);
    let res = agent_b.ops_sign_in(AGENT, DEMO_PASSWORD).await;
    let cookie_b = session_cookie(&res, "kassa_ops_session=");
    let mut q = connect(&process_b.url, "/ops/support/queue/ws", &cookie_b).await;
    assert_eq!(next_of(&mut q, "queue").await["ids"], json!([]));

    let (user_a, _) = member(&app, USER).await;
    let conversation = start(&user_a, "Hello from A").await;
    queue_becomes(&mut q, &[conversation]).await;
    let agent_a = app.client();
    agent_a.ops_sign_in(AGENT, DEMO_PASSWORD).await;
    agent_a.page(&format!("/ops/support/{conversation}")).await;
    let res = agent_a
        .post_form(&format!("/ops/support/{conversation}/claim"), &[])
        .await;
    assert_eq!(res.status(), 303);
    queue_becomes(&mut q, &[]).await;

    drop(q);
    process_b.stop().await;
    app.stop().await;
}
