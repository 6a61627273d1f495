//! The Disputes API v1 and its playground test helper over HTTP, on both databases.

use crate::ledger::{order_of, set_fees};
use crate::support::{error_code, on_each_backend, Api, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

const STORE: &str = "M100001";

async fn captured(app: &TestApp, api: &Api, amount: i64) -> String {
    let _ = app;
    let id = api.authorized_order(&order_of(amount)).await;
    assert_eq!(api.capture(&id, amount, None).await.status(), 201);
    id
}

async fn open(api: &Api, body: &Value) -> reqwest::Response {
    api.send(Method::POST, "/test-helpers/disputes/v1/disputes", Some(body), None)
        .await
}

fn form(text: &str, files: &[(&str, Vec<u8>)]) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new().text("text", text.to_owned());
    for (name, bytes) in files {
        form = form.part(
            "attachments",
            reqwest::multipart::Part::bytes(bytes.clone()).file_name(name.to_string()),
        );
    }
    form
}

#[tokio::test]
async fn a_dispute_is_opened_listed_answered_with_a_file_and_read_back() {
    on_each_backend(|app| async move {
        set_fees(&app, false).await;
        let api = app.api(STORE).await;
        let order = captured(&app, &api, 30_000).await;

        let res = open(
            &api,
            &json!({"order_id": order, "reason": "faulty_goods", "amount": 12_000, "claim": "It broke."}),
        )
        .await;
        assert_eq!(res.status(), 201);
        let location = res.headers()["location"].to_str().unwrap().to_owned();
        let d: Value = res.json().await.unwrap();
        let id = d["dispute_id"].as_str().unwrap().to_owned();
        assert!(location.ends_with(&format!("/disputes/v1/disputes/{id}")));
        assert_eq!(d["stage"], "response_required");
        assert_eq!(d["amount"], 12_000);
        assert_eq!(d["messages"][0]["type"], "claim");
        assert_eq!(d["messages"][0]["text"], "It broke.");
        assert!(d["deadline"].as_str().is_some_and(|t| t.ends_with('Z')));

        let list: Value = api
            .send(Method::GET, "/disputes/v1/disputes?stage=response_required", None, None)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(list["pagination"]["total"], 1);
        assert_eq!(list["disputes"][0]["dispute_id"], id.as_str());
        let none: Value = api
            .send(Method::GET, "/disputes/v1/disputes?stage=closed", None, None)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(none["pagination"]["total"], 0);

        let pdf = b"%PDF-1.4 delivery note".to_vec();
        let res = api
            .request(Method::POST, &format!("/disputes/v1/disputes/{id}/responses"))
            .multipart(form("Delivered intact; see the note.", &[("note.pdf", pdf.clone())]))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let d: Value = res.json().await.unwrap();
        assert_eq!(d["stage"], "under_review");
        let response = d["messages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["type"] == "response")
            .unwrap()
            .clone();
        assert_eq!(response["text"], "Delivered intact; see the note.");
        let url = response["attachments"][0]["url"].as_str().unwrap().to_owned();
        let path = url.strip_prefix(&app.url).unwrap();
        let res = api.send(Method::GET, path, None, None).await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-type"], "application/pdf");
        assert_eq!(res.bytes().await.unwrap().to_vec(), pdf);

        // Another store's key sees nothing of it.
        app.seed_other_merchant().await;
        let stranger = app.api("M200001").await;
        let res = stranger
            .send(Method::GET, &format!("/disputes/v1/disputes/{id}"), None, None)
            .await;
        assert_eq!(res.status(), 404);
        assert_eq!(error_code(res).await, "NOT_FOUND");
        let res = stranger.send(Method::GET, path, None, None).await;
        assert_eq!(res.status(), 404);
    })
    .await;
}

#[tokio::test]
async fn bad_requests_are_refused_in_the_api_error_format_and_change_nothing() {
    on_each_backend(|app| async move {
        set_fees(&app, false).await;
        let api = app.api(STORE).await;
        let order = captured(&app, &api, 10_000).await;
        for (body, status, code) in [
            (json!({"order_id": order, "reason": "bored"}), 400, "BAD_VALUE"),
            (json!({"reason": "return"}), 400, "BAD_VALUE"),
            (
                json!({"order_id": order, "reason": "return", "amount": 10_001}),
                403,
                "NOT_ALLOWED",
            ),
            (
                json!({"order_id": order, "reason": "return", "amount": "12"}),
                400,
                "BAD_VALUE",
            ),
            (
                json!({"order_id": "no-such-order", "reason": "return"}),
                404,
                "NO_SUCH_ORDER",
            ),
        ] {
            let res = open(&api, &body).await;
            assert_eq!(res.status(), status, "{body}");
            assert_eq!(error_code(res).await, code, "{body}");
        }
        let list: Value = api
            .send(Method::GET, "/disputes/v1/disputes", None, None)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(list["pagination"]["total"], 0);
        for query in [
            "stage=open",
            "size=0",
            "size=501",
            "offset=-1",
            "deadline_before=tomorrow",
            "reason=x",
        ] {
            let res = api
                .send(Method::GET, &format!("/disputes/v1/disputes?{query}"), None, None)
                .await;
            assert_eq!(res.status(), 400, "{query}");
            assert_eq!(error_code(res).await, "BAD_VALUE");
        }

        let d: Value = open(&api, &json!({"order_id": order, "reason": "return"}))
            .await
            .json()
            .await
            .unwrap();
        let id = d["dispute_id"].as_str().unwrap();
        // A second open dispute on the order is a conflict.
        let res = open(&api, &json!({"order_id": order, "reason": "other"})).await;
        assert_eq!(res.status(), 409);
        // A renamed executable is not a PDF: refused, nothing stored, stage unchanged.
        let res = api
            .request(Method::POST, &format!("/disputes/v1/disputes/{id}/responses"))
            .multipart(form("See attached.", &[("invoice.pdf", b"MZ\x90\x00 binary".to_vec())]))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400);
        let body: Value = res.json().await.unwrap();
        assert!(
            body["error_messages"][0].as_str().unwrap().contains("invoice.pdf"),
            "{body}"
        );
        let d: Value = api
            .send(Method::GET, &format!("/disputes/v1/disputes/{id}"), None, None)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(d["stage"], "response_required");
        assert_eq!(d["messages"].as_array().unwrap().len(), 2, "claim and request only");
        // Empty JSON response text.
        let res = api
            .send(
                Method::POST,
                &format!("/disputes/v1/disputes/{id}/responses"),
                Some(&json!({"text": "  "})),
                None,
            )
            .await;
        assert_eq!(res.status(), 400);
    })
    .await;
}

#[tokio::test]
async fn accepting_the_loss_closes_the_dispute_once_and_live_keys_have_no_test_helper() {
    on_each_backend(|app| async move {
        set_fees(&app, false).await;
        let api = app.api(STORE).await;
        let order = captured(&app, &api, 10_000).await;
        let d: Value = open(&api, &json!({"order_id": order, "reason": "return", "inquiry": true}))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(d["stage"], "inquiry");
        assert!(d["deadline"].is_null());
        let id = d["dispute_id"].as_str().unwrap().to_owned();
        let path = format!("/disputes/v1/disputes/{id}/accept-loss");
        let res = api.send(Method::POST, &path, None, Some("accept-1")).await;
        assert_eq!(res.status(), 200);
        let d: Value = res.json().await.unwrap();
        assert_eq!(
            (d["stage"].as_str(), d["outcome"].as_str()),
            (Some("closed"), Some("lost"))
        );
        // The same key replays the answer; a new request is refused.
        let replay = api.send(Method::POST, &path, None, Some("accept-1")).await;
        assert_eq!(replay.status(), 200);
        assert_eq!(replay.headers()["idempotent-replayed"], "true");
        let again = api.send(Method::POST, &path, None, None).await;
        assert_eq!(again.status(), 403);
        assert_eq!(error_code(again).await, "NOT_ALLOWED");

        app.seed_other_merchant().await;
        let live_api = app.api("M200001").await;
        let res = open(&live_api, &json!({"order_id": order, "reason": "return"})).await;
        assert_eq!(res.status(), 404);
    })
    .await;
}

/// Waits for the worker to write mails matching `pick` to the outbox.
async fn mails_to(app: &TestApp, pick: impl Fn(&kassa_web::mail::OutboxMessage) -> bool) -> Vec<String> {
    for _ in 0..100 {
        let found: Vec<String> = app.mails().iter().filter(|m| pick(m)).map(|m| m.to.clone()).collect();
        if !found.is_empty() {
            // One tick more, so a job that mails several people has finished.
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            let mut all: Vec<String> = app.mails().iter().filter(|m| pick(m)).map(|m| m.to.clone()).collect();
            all.sort();
            return all;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    Vec::new()
}

#[tokio::test]
async fn the_stores_dispute_handlers_are_emailed_when_a_dispute_opens_nears_its_deadline_and_closes() {
    on_each_backend(|app| async move {
        set_fees(&app, false).await;
        let api = app.api(STORE).await;
        let order = captured(&app, &api, 10_000).await;
        let d: Value = open(&api, &json!({"order_id": order, "reason": "goods_not_received"}))
            .await
            .json()
            .await
            .unwrap();
        let id = d["dispute_id"].as_str().unwrap().to_owned();
        let handlers = vec![
            "admin@demo.kassa.test".to_owned(),
            "disputes@demo.kassa.test".to_owned(),
            "superadmin@demo.kassa.test".to_owned(),
            "terminated@demo.kassa.test".to_owned(),
        ];
        let opened = mails_to(&app, |m| {
            m.subject.contains(&id) && m.subject.contains("respond in time")
        })
        .await;
        assert_eq!(
            opened,
            handlers,
            "only the roles that handle disputes are told: {:?}",
            app.mails().iter().map(|m| (&m.to, &m.subject)).collect::<Vec<_>>()
        );
        let first = app.mails().into_iter().find(|m| m.subject.contains(&id)).unwrap();
        assert!(first
            .links
            .iter()
            .any(|l| l.ends_with(&format!("/portal/disputes/{id}"))));

        // Three days before the deadline, one reminder (however often the job looks).
        let deadline = app.db().dispute(None, &id).await.unwrap().unwrap().deadline_at.unwrap();
        let soon = deadline - 2 * 24 * 3600 * 1000;
        assert_eq!(kassa_app::disputes::queue_reminders(app.db(), soon).await.unwrap(), 1);
        assert_eq!(
            kassa_app::disputes::queue_reminders(app.db(), soon + 1000)
                .await
                .unwrap(),
            0
        );
        let reminded = mails_to(&app, |m| m.subject.contains(&id) && m.subject.contains("3 days left")).await;
        assert_eq!(reminded, handlers);

        let res = api
            .send(
                Method::POST,
                &format!("/disputes/v1/disputes/{id}/accept-loss"),
                None,
                None,
            )
            .await;
        assert_eq!(res.status(), 200);
        let closed = mails_to(&app, |m| m.subject.contains(&id) && m.subject.contains("closed")).await;
        assert_eq!(closed, handlers);
    })
    .await;
}
