//! Push notifications to the merchant: a persistent job, delivered once across processes,
//! retried on Kustom's schedule until the order is acknowledged or captured.

use crate::support::*;
use axum::routing::post;
use kassa_web::{AppState, Server, WebConfig};
use reqwest::Method;
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A merchant endpoint that counts the pushes it receives.
async fn merchant() -> (String, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let app = axum::Router::new().route(
        "/push",
        post(move |q: axum::extract::RawQuery| {
            let log = log.clone();
            async move {
                log.lock().unwrap().push(q.0.unwrap_or_default());
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

#[tokio::test]
async fn push_is_sent_once_across_processes_and_rescheduled_until_acknowledged() {
    on_each_backend(|app| async move {
        // A second Kassa process on the same database, with its own worker.
        let second = Server::bind("127.0.0.1:0").await.unwrap();
        let config = WebConfig {
            public_url: app.url.clone(),
            secret_key: TEST_SECRET_KEY.to_vec(),
            worker_interval: Duration::from_millis(20),
            mail: kassa_web::mail::MailConfig::Outbox {
                dir: std::env::temp_dir().join(format!("kassa-push-outbox-{}", std::process::id())),
            },
            // One installation: the same report files as the first process.
            objects: kassa_web::objects::ObjectsConfig::Local(app.objects.path().to_owned()),
            webhook_allow_private: true,
        };
        let state = AppState::new(app.db().clone(), config);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let other = tokio::spawn(second.serve(state, async {
            let _ = stopped.await;
        }));

        let (merchant_url, seen) = merchant().await;
        let api = app.api("M100001").await;
        let mut order = sample_order();
        order["merchant_urls"]["push"] = json!(format!("{merchant_url}/push?order={{checkout.order.id}}"));
        let id = api.authorized_order(&order).await;
        for _ in 0..100 {
            if !seen.lock().unwrap().is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(
            *seen.lock().unwrap(),
            vec![format!("order={id}")],
            "exactly one push, placeholder filled in"
        );

        let (attempts, run_at, done, _) = app.db().job(kassa_web::jobs::PUSH, &id).await.unwrap().unwrap();
        assert_eq!(attempts, 1);
        assert!(done.is_none(), "not acknowledged yet: retries stay scheduled");
        let row = app.db().order("M100001", &id).await.unwrap().unwrap();
        assert_eq!(
            run_at,
            row.completed_at.unwrap() + 5 * 60 * 1000,
            "next push 5 minutes after completion"
        );

        // Acknowledged: the next run ends the job without pushing.
        assert_eq!(api.om(Method::POST, &id, "acknowledge", None).await.status(), 204);
        app.db().execute_trusted("UPDATE jobs SET run_at = 0").await.unwrap();
        for _ in 0..100 {
            if app
                .db()
                .job(kassa_web::jobs::PUSH, &id)
                .await
                .unwrap()
                .unwrap()
                .2
                .is_some()
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(
            app.db()
                .job(kassa_web::jobs::PUSH, &id)
                .await
                .unwrap()
                .unwrap()
                .2
                .is_some(),
            "job finished"
        );
        assert_eq!(seen.lock().unwrap().len(), 1);
        let outgoing = app.db().api_calls("M100001", Some(&id), 10).await.unwrap();
        assert!(
            outgoing.iter().any(|c| c.direction == "outgoing" && c.status == 200),
            "the push is in the Developer Logs"
        );

        let _ = stop.send(());
        other.await.unwrap().unwrap();
    })
    .await;
}
