//! Kassa's HTTP surfaces. Today: the portal (server-rendered, askama) and operations
//! endpoints. Handlers parse input into domain types, ask kassa-core what is allowed, and
//! persist through kassa-db; they hold no business rules of their own.

pub mod api;
pub mod assets;
mod chat_files;
pub mod chat_hub;
mod chat_mail;
mod chat_ws;
pub mod checkout_page;
pub mod demo;
pub mod jobs;
pub mod mail;
pub mod metrics;
// Country and shipping-method names (issue 9, job "ux").
mod bank_mail;
mod dispute_mail;
mod health;
pub mod help;
pub mod names;
pub mod notify_mail;
pub mod objects;
pub mod ops;
pub mod portal;
pub mod report_maker;
pub mod reports;
pub mod shell;
pub mod two_factor;
pub mod webhook_sender;

use axum::Router;
use kassa_db::Db;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tower_http::request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// Password hashing and generated secrets, as the portal, the CLI and the tests use them.
pub use kassa_app::auth::password;
pub use shell::error::WebError;

/// Settings the web layer needs from the binary.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The address people use to reach Kassa, e.g. `https://portal.example.com`. It decides
    /// the cookie flavour (`Secure` and `__Host-` under https) and the origin that state-
    /// changing requests must come from.
    pub public_url: String,
    /// Key for the keyed hashes of API secrets and for signing hosted-checkout forms. Every
    /// process of one installation must use the same key.
    pub secret_key: Vec<u8>,
    /// How often background jobs (push notifications, expiry) are looked for.
    pub worker_interval: Duration,
    /// Where emails go: SMTP, or the outbox folder.
    pub mail: mail::MailConfig,
    /// Where generated report files are kept: a local folder, or S3-compatible storage.
    pub objects: objects::ObjectsConfig,
    /// Whether webhook endpoints may use private, loopback and link-local addresses and
    /// plain http (`KASSA_WEBHOOK_ALLOW_PRIVATE`; development, tests and the demo).
    pub webhook_allow_private: bool,
}

impl WebConfig {
    pub fn secure(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// An absolute link to `path` (which starts with `/`), for emails.
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.public_url.trim_end_matches('/'))
    }

    /// `scheme://host[:port]` of the public URL, as browsers send it in `Origin`.
    pub fn origin(&self) -> &str {
        let url = self.public_url.trim_end_matches('/');
        match url.find("://") {
            Some(i) => match url[i + 3..].find('/') {
                Some(j) => &url[..i + 3 + j],
                None => url,
            },
            None => url,
        }
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<WebConfig>,
    pub recorder: api::recorder::Recorder,
    pub mailer: mail::Mailer,
    /// Report files (custom settlement reports).
    pub objects: objects::Objects,
    /// The portal's left menu, as its sections declare it.
    pub menu: Arc<shell::routes::Menu>,
    /// Live delivery of support chat messages.
    pub chat: chat_hub::ChatHub,
    /// Request counts, latencies and sign-in failures for `/metrics`.
    pub metrics: Arc<metrics::Metrics>,
}

impl AppState {
    /// Builds the state and starts the API-call recorder (needs a Tokio runtime). Check
    /// the mail and object-store settings with [`mail::Mailer::check`] and
    /// [`objects::Objects::check`] first.
    pub fn new(db: Db, config: WebConfig) -> AppState {
        let recorder = api::recorder::Recorder::start(db.clone());
        let mailer = mail::Mailer::new(&config.mail);
        let objects = objects::Objects::new(&config.objects);
        // The help articles' index is built once per process, here rather than on the
        // first search.
        help::index();
        AppState {
            chat: chat_hub::ChatHub::new(db.clone()),
            db,
            objects,
            config: Arc::new(config),
            recorder,
            mailer,
            menu: Arc::new(portal::menu()),
            metrics: Arc::new(metrics::Metrics::new(None, false)),
        }
    }

    /// Sets how `/metrics` is served: `token` (`KASSA_METRICS_TOKEN`) is required as a bearer
    /// token when given; `separate` serves it only on its own listener (`--metrics-listen`).
    pub fn with_metrics(mut self, token: Option<String>, separate: bool) -> AppState {
        self.metrics = Arc::new(metrics::Metrics::new(token, separate));
        self
    }
}

/// The whole application: portal, operations endpoints, static assets, with request ids,
/// tracing and security headers on every response.
pub fn app(state: AppState) -> Router {
    let metrics = if state.metrics.on_main_listener() {
        metrics::router()
    } else {
        Router::new()
    };
    Router::new()
        .route("/", axum::routing::get(shell::session::root))
        .merge(health::router())
        .merge(metrics)
        .merge(assets::router())
        .merge(api::router(state.clone()))
        .merge(checkout_page::router())
        .route(
            "/unsubscribe/{token}",
            axum::routing::get(portal::unsubscribe_page).post(portal::unsubscribe_now),
        )
        .merge(portal::router(state.clone()))
        .merge(ops::router(state.clone()))
        .fallback(shell::error::not_found)
        .with_state(state.clone())
        .layer(axum::middleware::from_fn(api::router_errors))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            shell::headers::headers,
        ))
        // A bug that panics in a handler answers 500 (logged) instead of dropping the connection.
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        // Counted outside the panic catcher, so a panic counts as the 500 it answers.
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
                let id = req
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                let path = loggable_path(req.uri().path());
                tracing::info_span!("request", request_id = %id, method = %req.method(), path = %path)
            }),
        )
        .layer(SetRequestIdLayer::x_request_id(MakeCorrelationId))
}

/// Every request's id, which the merchant API answers as its correlation id and Developer
/// Logs index: [`api::new_correlation_id`].
#[derive(Clone, Copy)]
struct MakeCorrelationId;

impl MakeRequestId for MakeCorrelationId {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        api::new_correlation_id().parse().ok().map(RequestId::new)
    }
}

/// The path as logs may show it: the one-time token of an emailed link is a secret (whoever
/// reads it in a log could use the link), so it is cut off.
fn loggable_path(path: &str) -> std::borrow::Cow<'_, str> {
    for prefix in [
        "/portal/invitation/",
        "/unsubscribe/",
        "/portal/password-reset/",
        "/portal/sign-in/link/",
    ] {
        if path.len() > prefix.len() && path.starts_with(prefix) {
            return format!("{prefix}…").into();
        }
    }
    path.into()
}

/// A bound listener, so callers (and tests) learn the port before serving starts.
pub struct Server {
    listener: tokio::net::TcpListener,
}

impl Server {
    pub async fn bind(addr: &str) -> Result<Server, WebError> {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| WebError::Bind {
                addr: addr.to_owned(),
                source,
            })?;
        Ok(Server { listener })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    /// Serves until `shutdown` completes, then lets requests in flight finish.
    pub async fn serve(
        self,
        state: AppState,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let janitor = tokio::spawn(shell::session::janitor(state.db.clone(), Duration::from_secs(300)));
        let worker = tokio::spawn(jobs::worker(state.clone()));
        let chat = tokio::spawn(state.chat.clone().run());
        let recorder = state.recorder.clone();
        let router = app(state);
        // A hand-written accept loop instead of `axum::serve`, for one reason: HTTP/1.1
        // header names go out in Title-Case (`Content-Type`, `Location`, `Capture-Id`), as
        // Kustom sends them. Klarna's official PHP SDK looks headers up case-sensitively.
        // Graceful shutdown by hand: hyper-util's `GracefulShutdown` does not take connections
        // that may upgrade (the support chat's WebSockets). An upgraded connection leaves
        // this set; its socket task ends with the process.
        let (stop, stopping) = tokio::sync::watch::channel(false);
        let mut connections = tokio::task::JoinSet::new();
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            while connections.try_join_next().is_some() {}
            let (stream, remote) = tokio::select! {
                accepted = self.listener.accept() => match accepted {
                    Ok(conn) => conn,
                    Err(e) => {
                        // Out of file descriptors and the like: wait a moment, keep serving.
                        tracing::warn!(error = %e, "accepting a connection failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                _ = &mut shutdown => break,
            };
            let _ = stream.set_nodelay(true);
            let service = tower::ServiceExt::map_request(
                router.clone(),
                move |req: axum::http::Request<hyper::body::Incoming>| {
                    let mut req = req.map(axum::body::Body::new);
                    req.extensions_mut().insert(axum::extract::ConnectInfo(remote));
                    req
                },
            );
            let conn = hyper::server::conn::http1::Builder::new()
                .title_case_headers(true)
                .serve_connection(
                    hyper_util::rt::TokioIo::new(stream),
                    hyper_util::service::TowerToHyperService::new(service),
                )
                .with_upgrades();
            let mut stopping = stopping.clone();
            connections.spawn(async move {
                let mut conn = std::pin::pin!(conn);
                let stopped = tokio::select! {
                    ended = conn.as_mut() => Some(ended),
                    _ = stopping.wait_for(|s| *s) => None,
                };
                let ended = match stopped {
                    Some(ended) => ended,
                    None => {
                        conn.as_mut().graceful_shutdown();
                        conn.await
                    }
                };
                if let Err(e) = ended {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
            });
        }
        // Requests in flight finish (for at most 30 s); new connections are refused.
        drop(self.listener);
        stop.send_replace(true);
        let drained = async { while connections.join_next().await.is_some() {} };
        if tokio::time::timeout(Duration::from_secs(30), drained).await.is_err() {
            tracing::warn!("some connections were still busy after 30 s and were closed");
        }
        janitor.abort();
        worker.abort();
        chat.abort();
        // Calls answered before shutdown are still written to Developer Logs, unless the
        // database stays away: then shutting down must not wait for ever.
        if tokio::time::timeout(Duration::from_secs(15), recorder.flush())
            .await
            .is_err()
        {
            tracing::error!("the database did not take the last recorded API calls within 15 s");
        }
        Ok(())
    }
}

/// Milliseconds since the Unix epoch, the unit every stored time uses.
pub fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

#[cfg(test)]
mod tests {
    #[test]
    fn emailed_tokens_stay_out_of_logs() {
        assert_eq!(
            super::loggable_path("/portal/invitation/abc123"),
            "/portal/invitation/…"
        );
        assert_eq!(
            super::loggable_path("/portal/sign-in/link/abc"),
            "/portal/sign-in/link/…"
        );
        assert_eq!(super::loggable_path("/portal/sign-in/link"), "/portal/sign-in/link");
        assert_eq!(super::loggable_path("/portal/users/7"), "/portal/users/7");
    }
}
