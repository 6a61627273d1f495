//! The background worker of this process: Kassa's jobs (kassa-app) run on a timer, with
//! push notifications sent by this crate's HTTP client and recorded in the API-call log,
//! and custom reports written into this crate's object store.

use crate::api::recorder::{headers_json, Recorder};
use crate::{now_ms, AppState};
use kassa_app::jobs::{Notifier, PushOutcome, Workers};
use kassa_db::ApiCall;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use kassa_app::jobs::PUSH;

const USER_AGENT: &str = concat!("Kassa/", env!("CARGO_PKG_VERSION"));

/// Posts push notifications (empty body) and logs each as an outgoing API call.
struct HttpNotifier {
    client: reqwest::Client,
    recorder: Recorder,
}

impl Notifier for HttpNotifier {
    // Every field is set today; `..Default::default()` keeps this building when ApiCall grows.
    #[allow(clippy::needless_update)]
    fn notify<'a>(
        &'a self,
        store_id: &'a str,
        order_id: &'a str,
        url: &'a str,
    ) -> Pin<Box<dyn Future<Output = PushOutcome> + Send + 'a>> {
        Box::pin(async move {
            let started = Instant::now();
            let request = self
                .client
                .post(url)
                .header("content-type", "application/json")
                .header(reqwest::header::USER_AGENT, USER_AGENT)
                .body("")
                .build();
            let request_headers = request.as_ref().ok().and_then(|r| headers_json(r.headers()));
            let result = match request {
                Ok(request) => self.client.execute(request).await,
                Err(e) => Err(e),
            };
            let (status, error, response_headers) = match &result {
                Ok(res) => (
                    res.status().as_u16() as i64,
                    (!res.status().is_success()).then(|| format!("HTTP {}", res.status())),
                    headers_json(res.headers()),
                ),
                Err(e) => (0, Some(e.to_string()), None),
            };
            self.recorder
                .send(ApiCall {
                    store_id: store_id.to_owned(),
                    api_key: "kassa".into(),
                    at: now_ms(),
                    direction: "outgoing".into(),
                    method: "POST".into(),
                    path: url.to_owned(),
                    status,
                    duration_us: started.elapsed().as_micros() as i64,
                    correlation_id: crate::api::new_correlation_id(),
                    order_id: Some(order_id.to_owned()),
                    request_body: None,
                    response_body: error.clone(),
                    kind: "push".into(),
                    request_headers,
                    response_headers,
                    ..Default::default()
                })
                .await;
            PushOutcome { status, error }
        })
    }
}

/// Runs until the process ends.
pub async fn worker(state: AppState) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .user_agent(USER_AGENT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client");
    let workers = Workers {
        notifier: Arc::new(HttpNotifier {
            client,
            recorder: state.recorder.clone(),
        }),
        reports: Arc::new(crate::report_maker::ObjectReportMaker {
            objects: state.objects.clone(),
        }),
        notifications: Arc::new(crate::notify_mail::MailNotifications {
            mailer: state.mailer.clone(),
            config: state.config.clone(),
        }),
        webhooks: crate::webhook_sender::HttpWebhooks::shared(&state),
    };
    let mut tick = tokio::time::interval(state.config.worker_interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = kassa_app::jobs::run_due(&state.db, &workers, &state.config.public_url).await {
            tracing::warn!(error = %e, "background jobs failed; retrying next tick");
        }
    }
}
