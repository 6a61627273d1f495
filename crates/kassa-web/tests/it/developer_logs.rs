//! Developer Logs: calls made through the API show in the portal with their action, status
//! and order; filters, search and keyset pages; the detail with headers and bodies, never a
//! credential or a card number; a store sees only its own calls; the role matrix; a refused
//! capture explained; retention in batches; and the section in a real browser with axe.

use crate::browser::{click, eval_string, open_browser, sign_in, snap, wait_query};
use crate::support::*;
use kassa_app::logs::{self, CallFilter, Position, StatusClass};
use kassa_app::Actor;
use kassa_core::access::Role;
use kassa_db::{ApiCall, LoggedCall};
use reqwest::Method;
use serde_json::json;
use std::collections::HashSet;
use std::time::Duration;

const ADMIN: &str = "admin@demo.kassa.test";

/// Waits until the writer has stored at least `n` calls of `store`; returns the newest first.
async fn calls_of(app: &TestApp, store: &str, n: usize) -> Vec<ApiCall> {
    for _ in 0..200 {
        let calls = app.db().api_calls(store, None, 1000).await.unwrap();
        if calls.len() >= n {
            return calls;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("fewer than {n} calls of {store} were recorded");
}

/// The id of the newest call of `store` whose correlation id is `correlation`.
async fn call_id(app: &TestApp, store: &str, correlation: &str) -> i64 {
    let actor = Actor::system().in_store(store);
    for _ in 0..200 {
        let filter = CallFilter {
            search: Some(correlation.to_owned()),
            ..CallFilter::default()
        };
        let page = logs::calls(app.db(), &actor, &filter, Position::Newest, 10)
            .await
            .unwrap();
        if let Some(c) = page.calls.first() {
            return c.id;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("call {correlation} was not recorded");
}

/// The `data-call` ids of a list page, in order.
fn row_ids(html: &str) -> Vec<i64> {
    html.split("data-call=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].parse().unwrap())
        .collect()
}

/// The href of the element with `id` in `html` (entities decoded).
fn href_of(html: &str, id: &str) -> Option<String> {
    let at = html.find(&format!("id=\"{id}\""))?;
    let tag_start = html[..at].rfind('<')?;
    let tag = &html[tag_start..at + html[at..].find('>')?];
    let h = tag.find("href=\"")? + 6;
    Some(
        tag[h..h + tag[h..].find('"')?]
            .replace("&amp;", "&")
            .replace("&#38;", "&"),
    )
}

#[tokio::test]
async fn api_calls_show_with_action_status_order_and_search() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        let order = api.authorized_order(&sample_order()).await;
        let res = api
            .request(Method::POST, &format!("/ordermanagement/v1/orders/{order}/captures"))
            .header("X-Request-Id", "corr-capture-1")
            .json(&json!({"captured_amount": 20000}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        assert_eq!(api.refund(&order, 5000).await.status(), 201);
        let other = api.authorized_order(&sample_order()).await;
        let res = api.capture(&other, 999_999, None).await;
        assert_eq!(res.status(), 403);
        calls_of(&app, "M100001", 7).await;

        let admin = app.signed_in(ADMIN).await;
        let (status, html) = admin.page("/portal/logs").await;
        assert_eq!(status, 200);
        for words in ["Create order", "Capture order", "Refund", "Complete checkout (test)"] {
            assert!(html.contains(words), "{words} is listed");
        }
        assert!(
            html.contains(&format!("href=\"/portal/logs?order_id={order}\"")),
            "order link"
        );
        assert!(html.contains("data-status=\"201\"") && html.contains("data-status=\"403\""));
        assert!(html.contains(&api.username), "the key is shown");
        assert!(html.contains("/ordermanagement/v1/orders/"), "the path is shown");
        assert!(html.contains(" ms<"), "the duration is shown");

        // The order link lists exactly the order's calls (its push may be there too: outgoing).
        let (_, of_order) = admin
            .page(&format!("/portal/logs?order_id={order}&direction=incoming"))
            .await;
        let ids = row_ids(&of_order);
        assert_eq!(
            ids.len(),
            4,
            "create (its answer names the order), complete, capture, refund"
        );
        assert!(of_order.contains("Create order"));
        assert!(of_order.contains("id=\"order-scope\""));
        assert!(!of_order.contains(&other));
        // Search by order id and by correlation id.
        let (_, by_order) = admin.page(&format!("/portal/logs?q={order}&direction=incoming")).await;
        assert_eq!(row_ids(&by_order), ids);
        let (_, by_corr) = admin.page("/portal/logs?q=corr-capture-1").await;
        assert_eq!(row_ids(&by_corr).len(), 1);
        assert!(by_corr.contains("Capture order"));
        // Filters: status class, method.
        let (_, refused) = admin.page("/portal/logs?status=4xx").await;
        assert_eq!(row_ids(&refused).len(), 1);
        assert!(refused.contains("data-status=\"403\""));
        let (_, posts) = admin.page("/portal/logs?method=POST&direction=incoming").await;
        assert_eq!(row_ids(&posts).len(), 7, "every call so far was a POST");
        // Kind: merchant API calls only; the pushes Kassa sent; an unknown kind is explained.
        let (_, api_calls) = admin.page("/portal/logs?kind=api&direction=incoming").await;
        assert_eq!(row_ids(&api_calls).len(), 7);
        // The three kinds split the list: every call is of exactly one.
        let (_, all) = admin.page("/portal/logs").await;
        let mut split = Vec::new();
        for kind in ["api", "push", "webhook"] {
            let (_, of_kind) = admin.page(&format!("/portal/logs?kind={kind}")).await;
            split.extend(row_ids(&of_kind));
        }
        split.sort_unstable();
        let mut all = row_ids(&all);
        all.sort_unstable();
        assert_eq!(split, all);
        let (status, bad_kind) = admin.page("/portal/logs?kind=fax").await;
        assert_eq!(status, 200);
        assert!(bad_kind.contains("id=\"filter-problems\""));
        let (_, gets) = admin.page("/portal/logs?method=GET").await;
        assert!(row_ids(&gets).is_empty() && gets.contains("id=\"logs-empty\""));
        // A bad filter value is explained, not ignored.
        let (status, bad) = admin.page("/portal/logs?status=7xx").await;
        assert_eq!(status, 200);
        assert!(bad.contains("id=\"filter-problems\""));
        // A day range in the user's timezone: today has them all, a day long ago none.
        let day = 24 * 3600 * 1000;
        let from = kassa_app::dates::format_date(kassa_web::now_ms() - 2 * day, "UTC");
        let to = kassa_app::dates::format_date(kassa_web::now_ms() + 2 * day, "UTC");
        let (_, recent) = admin
            .page(&format!("/portal/logs?direction=incoming&from={from}&to={to}"))
            .await;
        assert_eq!(row_ids(&recent).len(), 7);
        let (_, old) = admin.page("/portal/logs?from=2020-01-01&to=2020-01-02").await;
        assert!(row_ids(&old).is_empty());

        // The order page links to its logs for roles that may view them.
        let (_, order_page) = admin.page(&format!("/portal/orders/{order}")).await;
        assert!(order_page.contains(&format!("href=\"/portal/logs?order_id={order}\"")));
        let reader = app.signed_in("readonly@demo.kassa.test").await;
        let (_, order_page) = reader.page(&format!("/portal/orders/{order}")).await;
        assert!(!order_page.contains("id=\"order-logs\""));
    })
    .await;
}

/// Random calls of one store (and a few of another), with many in the same millisecond.
fn random_calls(seed: u64, n: usize) -> Vec<ApiCall> {
    let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    let mut next = move |m: u64| {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (x >> 33) % m
    };
    let now = kassa_web::now_ms();
    (0..n)
        .map(|i| {
            let store = if next(10) == 0 { "M100002" } else { "M100001" };
            let status = [200, 201, 204, 302, 400, 403, 404, 500, 0][next(9) as usize];
            let method = ["GET", "POST", "PATCH"][next(3) as usize];
            let outgoing = next(5) == 0;
            ApiCall {
                store_id: store.into(),
                api_key: if outgoing {
                    "kassa".into()
                } else {
                    format!("key-{}", next(3))
                },
                // Few distinct milliseconds: ties are the norm.
                at: now - 1000 * next(40) as i64,
                direction: if outgoing { "outgoing" } else { "incoming" }.into(),
                method: method.into(),
                path: format!("/ordermanagement/v1/orders/o-{i}"),
                status,
                duration_us: next(100_000) as i64,
                correlation_id: format!("rnd-{seed}-{i}"),
                order_id: Some(format!("o-{}", next(20))),
                kind: if outgoing { "push" } else { "api" }.into(),
                ..Default::default()
            }
        })
        .collect()
}

/// Walks every page of `filter` oldest-ward and back newest-ward and checks both against the
/// calls themselves: each call once, newest first, no gaps.
async fn walk(app: &TestApp, actor: &Actor, filter: &CallFilter, expected: &[LoggedCall], size: i64) {
    let mut seen = Vec::new();
    let mut position = Position::Newest;
    let mut pages = Vec::new();
    loop {
        let page = logs::calls(app.db(), actor, filter, position, size).await.unwrap();
        assert!(page.calls.len() as i64 <= size);
        pages.push(page.calls.iter().map(|c| c.id).collect::<Vec<_>>());
        seen.extend(page.calls.iter().map(|c| c.id));
        match page.older {
            Some(c) => position = Position::OlderThan(c),
            None => break,
        }
        assert!(pages.len() < 1000, "paging does not end");
    }
    let want: Vec<i64> = expected.iter().map(|c| c.id).collect();
    assert_eq!(seen, want, "older pages: every call once, newest first ({filter:?})");
    // And back: from the last page, "newer" pages give the same pages in reverse.
    if pages.len() > 1 {
        let mut back = vec![pages.last().unwrap().clone()];
        let mut cursor = first_cursor(expected, pages.last().unwrap());
        while let Some(c) = cursor {
            let page = logs::calls(app.db(), actor, filter, Position::NewerThan(c), size)
                .await
                .unwrap();
            back.push(page.calls.iter().map(|c| c.id).collect());
            cursor = page.newer;
        }
        back.reverse();
        assert_eq!(back, pages, "newer pages retrace the older ones");
    }
}

/// The cursor of the first (newest) call of a page.
fn first_cursor(expected: &[LoggedCall], page: &[i64]) -> Option<kassa_app::logs::Cursor> {
    let c = expected.iter().find(|c| c.id == page[0])?;
    Some(kassa_app::logs::Cursor { at: c.at, id: c.id })
}

#[tokio::test]
async fn keyset_pages_cover_every_call_once_under_every_filter() {
    on_each_backend(|app| async move {
        let actor = Actor::portal_user("1", ADMIN, "1", "M100001", Role::Admin, "127.0.0.1");
        let seed = kassa_web::now_ms() as u64;
        for round in 0..4u64 {
            let n = 150 + ((seed + round * 37) % 120) as usize;
            app.db().insert_api_calls(&random_calls(seed + round, n)).await.unwrap();
            // Everything of the store, as the database has it, newest first.
            let all = app
                .db()
                .logged_calls(
                    &kassa_db::CallQuery {
                        store_ids: vec!["M100001".into()],
                        ..Default::default()
                    },
                    kassa_db::CallPage::Newest,
                    1_000_000,
                )
                .await
                .unwrap();
            let mut sorted = all.clone();
            sorted.sort_by_key(|c| std::cmp::Reverse((c.at, c.id)));
            assert_eq!(all, sorted);
            assert!(all.iter().all(|c| c.store_id == "M100001"));
            let cut = kassa_web::now_ms() - 20_000;
            type Check = Box<dyn Fn(&LoggedCall) -> bool>;
            let filters: Vec<(CallFilter, Check)> = vec![
                (CallFilter::default(), Box::new(|_: &LoggedCall| true)),
                (
                    CallFilter {
                        status: Some(StatusClass::ClientError),
                        ..Default::default()
                    },
                    Box::new(|c: &LoggedCall| (400..500).contains(&c.status)),
                ),
                (
                    CallFilter {
                        status: Some(StatusClass::NetworkError),
                        ..Default::default()
                    },
                    Box::new(|c: &LoggedCall| c.status == 0),
                ),
                (
                    CallFilter {
                        method: Some("PATCH".into()),
                        direction: Some("incoming".into()),
                        ..Default::default()
                    },
                    Box::new(|c: &LoggedCall| c.method == "PATCH" && c.direction == "incoming"),
                ),
                (
                    CallFilter {
                        key: Some("key-1".into()),
                        ..Default::default()
                    },
                    Box::new(|c: &LoggedCall| c.api_key == "key-1"),
                ),
                (
                    CallFilter {
                        order_id: Some("o-3".into()),
                        ..Default::default()
                    },
                    Box::new(|c: &LoggedCall| c.order_id.as_deref() == Some("o-3")),
                ),
                (
                    CallFilter {
                        kind: Some("push".into()),
                        from: Some(cut),
                        ..Default::default()
                    },
                    Box::new(move |c: &LoggedCall| c.kind == "push" && c.at >= cut),
                ),
            ];
            for (filter, check) in &filters {
                let expected: Vec<LoggedCall> = all.iter().filter(|c| check(c)).cloned().collect();
                for size in [7, 25] {
                    walk(&app, &actor, filter, &expected, size).await;
                }
            }
        }

        // The same through the page's own links: every call of the store once.
        let admin = app.signed_in(ADMIN).await;
        let total = logs::calls(app.db(), &actor, &CallFilter::default(), Position::Newest, 100_000)
            .await
            .unwrap()
            .calls
            .len();
        let mut seen = HashSet::new();
        let mut path = "/portal/logs".to_owned();
        let mut pages = 0;
        loop {
            let (status, html) = admin.page(&path).await;
            assert_eq!(status, 200);
            for id in row_ids(&html) {
                assert!(seen.insert(id), "call {id} shown twice");
            }
            pages += 1;
            match href_of(&html, "older") {
                Some(next) => path = next,
                None => break,
            }
        }
        assert_eq!(seen.len(), total);
        assert!(pages > 2);
        // And "newer" from the second page leads back to the first.
        let (_, first) = admin.page("/portal/logs").await;
        let (_, second) = admin.page(&href_of(&first, "older").unwrap()).await;
        let (_, again) = admin.page(&href_of(&second, "newer").unwrap()).await;
        assert_eq!(row_ids(&again), row_ids(&first));
        assert!(href_of(&again, "newer").is_none(), "nothing newer than the newest page");
    })
    .await;
}

#[tokio::test]
async fn the_detail_never_shows_credentials_or_card_numbers() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        let mut order = sample_order();
        order["merchant_data"] = json!("card 4111 1111 1111 1111 of the customer");
        order["password"] = json!("hunter2-very-secret");
        order["card_number"] = json!("5555555555554444");
        let res = api
            .request(Method::POST, "/checkout/v3/orders")
            .header("X-Request-Id", "corr-redact-1")
            .header("Cookie", "session=cookie-secret-value")
            .json(&order)
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success() || res.status() == 400, "{}", res.status());
        let id = call_id(&app, "M100001", "corr-redact-1").await;

        let admin = app.signed_in(ADMIN).await;
        let (status, html) = admin.page(&format!("/portal/logs/{id}")).await;
        assert_eq!(status, 200);
        let basic = base64_basic(&api.username, &api.password);
        for secret in [
            api.password.as_str(),
            basic.as_str(),
            "hunter2-very-secret",
            "4111 1111 1111 1111",
            "4111111111111111",
            "5555555555554444",
            "cookie-secret-value",
        ] {
            assert!(!html.contains(secret), "{secret} is on the detail page");
        }
        assert!(html.contains("id=\"request-headers\"") && html.contains("id=\"response-headers\""));
        assert!(html.contains("<code>authorization</code>") && html.contains("[redacted]"));
        assert!(html.contains("<code>x-request-id</code>"));
        assert!(html.contains("************1111"), "the card is masked, not dropped");
        assert!(html.contains("id=\"request-body\"") && html.contains("id=\"response-body\""));
        // Copy as curl: the credentials come from the environment.
        let curl = &html[html.find("id=\"curl\"").unwrap()..];
        let curl = &curl[..curl.find("</pre>").unwrap()];
        assert!(curl.contains("curl -X POST"), "{curl}");
        assert!(curl.contains("/checkout/v3/orders"));
        assert!(curl.contains("$KASSA_API_USERNAME:$KASSA_API_PASSWORD"), "{curl}");
        assert!(curl.contains("x-request-id: corr-redact-1"));
        // The list does not show them either.
        let (_, list) = admin.page("/portal/logs").await;
        for secret in [
            api.password.as_str(),
            basic.as_str(),
            "hunter2-very-secret",
            "4111111111111111",
        ] {
            assert!(!list.contains(secret));
        }
        // Nor does the database.
        let stored = calls_of(&app, "M100001", 1).await;
        let text = format!("{stored:?}");
        for secret in [
            api.password.as_str(),
            basic.as_str(),
            "hunter2-very-secret",
            "4111111111111111",
        ] {
            assert!(!text.contains(secret), "{secret} was stored");
        }
    })
    .await;
}

fn base64_basic(user: &str, password: &str) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let input = format!("{user}:{password}");
    let bytes = input.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[tokio::test]
async fn a_store_never_sees_another_stores_calls() {
    on_each_backend(|app| async move {
        let stranger = app.seed_other_merchant().await;
        let ours = app.api("M100001").await;
        let theirs = app.api("M200001").await;
        ours.request(Method::GET, "/ordermanagement/v1/orders/nope-ours")
            .header("X-Request-Id", "corr-ours")
            .send()
            .await
            .unwrap();
        theirs
            .request(Method::GET, "/ordermanagement/v1/orders/nope-theirs")
            .header("X-Request-Id", "corr-theirs")
            .send()
            .await
            .unwrap();
        let our_id = call_id(&app, "M100001", "corr-ours").await;
        let their_id = call_id(&app, "M200001", "corr-theirs").await;

        let admin = app.signed_in(ADMIN).await;
        let other = app.signed_in(&stranger).await;
        let (_, list) = admin.page("/portal/logs").await;
        assert!(row_ids(&list).contains(&our_id) && !row_ids(&list).contains(&their_id));
        let (_, list) = other.page("/portal/logs").await;
        assert!(row_ids(&list).contains(&their_id) && !row_ids(&list).contains(&our_id));
        let (_, search) = other.page("/portal/logs?q=corr-ours").await;
        assert!(row_ids(&search).is_empty());
        let (_, by_order) = other.page("/portal/logs?order_id=nope-ours").await;
        assert!(row_ids(&by_order).is_empty());
        assert_eq!(admin.get(&format!("/portal/logs/{our_id}")).await.status(), 200);
        // Guessing ids: every id of the other store, and ids that do not exist, are 404.
        for id in 1..=their_id.max(our_id) + 3 {
            if id == our_id {
                continue;
            }
            let res = admin.get(&format!("/portal/logs/{id}")).await;
            let ours = app
                .db()
                .logged_call(&["M100001".to_owned()], id)
                .await
                .unwrap()
                .is_some();
            if !ours {
                assert_eq!(res.status(), 404, "call {id}");
            }
        }
        assert_eq!(other.get(&format!("/portal/logs/{our_id}")).await.status(), 404);
        assert_eq!(other.get(&format!("/portal/logs/{their_id}")).await.status(), 200);
        assert_eq!(admin.get("/portal/logs/not-a-number").await.status(), 404);
    })
    .await;
}

#[tokio::test]
async fn roles_without_developer_logs_are_refused() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        api.request(Method::GET, "/ordermanagement/v1/orders/role-walk")
            .header("X-Request-Id", "corr-roles")
            .send()
            .await
            .unwrap();
        let id = call_id(&app, "M100001", "corr-roles").await;
        let pages = [
            "/portal/logs".to_owned(),
            "/portal/logs/errors".to_owned(),
            format!("/portal/logs/{id}"),
        ];
        for (email, role) in kassa_web::demo::demo_users() {
            let c = app.signed_in(&email).await;
            let allowed = matches!(role, Role::SuperAdmin | Role::Admin | Role::User | Role::External);
            for path in &pages {
                let status = c.get(path).await.status();
                assert_eq!(status, if allowed { 200 } else { 403 }, "{role} {path}");
            }
            let (_, home) = c.page("/portal").await;
            assert_eq!(home.contains("href=\"/portal/logs\""), allowed, "{role}: the menu");
        }
    })
    .await;
}

#[tokio::test]
async fn a_refused_capture_is_explained_with_a_link_to_its_help() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        let order = api.authorized_order(&sample_order()).await;
        let res = api
            .request(Method::POST, &format!("/ordermanagement/v1/orders/{order}/captures"))
            .header("X-Request-Id", "corr-refused")
            .json(&json!({"captured_amount": 90000}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403);
        let ok = api.capture(&order, 60000, Some("k-ok")).await;
        assert_eq!(ok.status(), 201);
        let id = call_id(&app, "M100001", "corr-refused").await;
        let admin = app.signed_in(ADMIN).await;
        let (_, html) = admin.page(&format!("/portal/logs/{id}")).await;
        assert!(html.contains("id=\"explained\""));
        assert!(html.contains("<code id=\"error-code\">CAPTURE_NOT_ALLOWED</code>"));
        assert!(
            html.contains("The capture asked for more than the order&#39;s remaining authorized amount")
                || html.contains("The capture asked for more than the order&#x27;s remaining authorized amount"),
            "the reason in words"
        );
        assert!(html.contains("href=\"/portal/logs/errors#CAPTURE_NOT_ALLOWED\""));
        // A successful call has nothing to explain.
        let (_, list) = admin.page(&format!("/portal/logs?order_id={order}&status=2xx")).await;
        let ok_id = row_ids(&list)[0];
        let (_, ok_page) = admin.page(&format!("/portal/logs/{ok_id}")).await;
        assert!(!ok_page.contains("id=\"explained\""));
        // The help page has every code under its own anchor.
        let (status, help) = admin.page("/portal/logs/errors").await;
        assert_eq!(status, 200);
        for code in kassa_app::logs::ERROR_CODES {
            assert!(help.contains(&format!("id=\"{code}\"")), "{code}");
        }
        // In the user's language.
        app.db()
            .execute_trusted("UPDATE users SET language = 'sv' WHERE email = 'admin@demo.kassa.test'")
            .await
            .unwrap();
        let admin = app.signed_in(ADMIN).await;
        let (_, sv) = admin.page(&format!("/portal/logs/{id}")).await;
        assert!(sv.contains("Dragningen begärde mer än orderns återstående auktoriserade belopp"));
        assert!(sv.contains("Dra order"));
    })
    .await;
}

#[tokio::test]
async fn push_notifications_are_logged_with_their_headers() {
    on_each_backend(|app| async move {
        let receiver = axum::Router::new().route(
            "/push",
            axum::routing::post(|| async { ([("x-merchant", "seen")], "ok") }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, receiver).await.unwrap() });
        let api = app.api("M100001").await;
        let mut order = sample_order();
        order["merchant_urls"]["push"] = json!(format!("{url}/push?order={{checkout.order.id}}"));
        let id = api.authorized_order(&order).await;
        let actor = Actor::system().in_store("M100001");
        let filter = CallFilter {
            direction: Some("outgoing".into()),
            order_id: Some(id.clone()),
            ..CallFilter::default()
        };
        let mut found = None;
        for _ in 0..200 {
            let page = logs::calls(app.db(), &actor, &filter, Position::Newest, 5)
                .await
                .unwrap();
            if let Some(c) = page.calls.into_iter().next() {
                found = Some(c);
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let push = found.expect("the push is logged");
        assert_eq!((push.kind.as_str(), push.status), ("push", 200));
        let detail = logs::call(app.db(), &actor, push.id).await.unwrap();
        let req: serde_json::Value = serde_json::from_str(detail.request_headers.as_deref().unwrap()).unwrap();
        assert!(req["user-agent"].as_str().unwrap().starts_with("Kassa/"));
        let res: serde_json::Value = serde_json::from_str(detail.response_headers.as_deref().unwrap()).unwrap();
        assert_eq!(res["x-merchant"], "seen");
        let admin = app.signed_in(ADMIN).await;
        let (_, html) = admin.page("/portal/logs?direction=outgoing").await;
        assert!(html.contains("Push notification"));
        assert_eq!(row_ids(&html), vec![push.id]);
    })
    .await;
}

#[tokio::test]
async fn retention_deletes_in_batches_and_keeps_thirty_days() {
    on_each_backend(|app| async move {
        // The server's janitor purges once as it starts: let that pass first.
        app.client().get("/portal/sign-in").await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let now = kassa_web::now_ms();
        let day = 24 * 3600 * 1000;
        let call = |at: i64, i: usize| ApiCall {
            store_id: "M100001".into(),
            api_key: "k".into(),
            at,
            direction: "incoming".into(),
            method: "GET".into(),
            path: "/x".into(),
            status: 200,
            duration_us: 1,
            correlation_id: format!("ret-{i}"),
            kind: "api".into(),
            ..Default::default()
        };
        let old: Vec<ApiCall> = (0..5_123)
            .map(|i| call(now - 31 * day - (i as i64 % 500) * 1000, i))
            .collect();
        let kept: Vec<ApiCall> = (0..300)
            .map(|i| {
                call(
                    now - 29 * day - (i as i64) * 1000 + if i % 2 == 0 { 29 * day } else { 0 },
                    10_000 + i,
                )
            })
            .collect();
        for chunk in old.chunks(400).chain(kept.chunks(400)) {
            app.db().insert_api_calls(chunk).await.unwrap();
        }
        // One statement deletes one batch at most.
        let batch = kassa_app::logs::purge_batch(app.db().backend());
        let first = app
            .db()
            .purge_api_calls_batch(now - kassa_app::logs::KEEP_MS, batch)
            .await
            .unwrap();
        assert_eq!(first as i64, batch);
        let rest = kassa_app::logs::purge_old_calls(app.db(), now).await.unwrap();
        assert_eq!(first + rest, 5_123);
        let left = app.db().api_calls("M100001", None, 100_000).await.unwrap();
        assert_eq!(left.len(), 300, "the last 30 days are kept");
        assert!(left.iter().all(|c| c.at >= now - 30 * day));
        assert_eq!(kassa_app::logs::purge_old_calls(app.db(), now).await.unwrap(), 0);
    })
    .await;
}

#[tokio::test]
async fn browser_lists_filters_and_opens_a_call_without_axe_violations() {
    let Some(axe) = crate::browser_axe::axe_source() else {
        return;
    };
    on_each_backend(|app| {
        let axe = axe.clone();
        async move {
            let Some((_driver, b)) = open_browser().await else {
                return;
            };
            let api = app.api("M100001").await;
            let order = api.authorized_order(&sample_order()).await;
            assert_eq!(api.capture(&order, 90000, None).await.status(), 403);
            assert_eq!(api.capture(&order, 60000, None).await.status(), 201);
            calls_of(&app, "M100001", 4).await;

            sign_in(&b, &app.url, ADMIN).await;
            click(&b, "nav.sidenav a[href='/portal/logs']").await;
            b.wait().for_element(fantoccini::Locator::Id("calls")).await.unwrap();
            snap(&b, "logs-list").await;
            // Filter: refused calls only.
            b.find(fantoccini::Locator::Css("#status option[value='4xx']"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            click(&b, "#logs-filters button[type=submit]").await;
            // The unfiltered list has the 403 row too: wait for the filtered page itself,
            // or the count below can read the old page.
            wait_query(&b, "status=4xx").await;
            b.wait()
                .for_element(fantoccini::Locator::Css("#calls [data-status='403']"))
                .await
                .unwrap();
            assert_eq!(
                eval_string(&b, "return String(document.querySelectorAll('#calls tbody tr').length)").await,
                "1"
            );
            click(&b, "#calls tbody tr a.log-action").await;
            b.wait()
                .for_element(fantoccini::Locator::Id("explained"))
                .await
                .unwrap();
            snap(&b, "logs-detail").await;
            let detail = b.current_url().await.unwrap().path().to_owned();
            assert!(eval_string(&b, "return document.getElementById('curl').textContent")
                .await
                .contains("$KASSA_API_USERNAME:$KASSA_API_PASSWORD"));
            let pages = [
                "/portal/logs".to_owned(),
                "/portal/logs?status=4xx".to_owned(),
                detail,
                "/portal/logs/errors".to_owned(),
            ];
            let mut report = Vec::new();
            b.set_window_size(375, 800).await.unwrap();
            for theme in ["light", "dark"] {
                crate::browser_axe::choose_theme(&b, theme).await;
                for path in &pages {
                    b.goto(&format!("{}{path}", app.url)).await.unwrap();
                    b.wait().for_element(fantoccini::Locator::Css("main")).await.unwrap();
                    snap(&b, &format!("logs-375-{theme}{}", path.replace(['/', '?', '='], "-"))).await;
                    crate::browser::assert_fits(&b, &format!("{path} at 375 px ({theme})")).await;
                    for v in crate::browser_axe::violations(&b, &axe).await {
                        report.push(format!("{path} [{theme}] {v}"));
                    }
                }
            }
            assert!(report.is_empty(), "axe-core found:\n  {}", report.join("\n  "));
            b.close().await.unwrap();
        }
    })
    .await;
}
