//! `GET /metrics` in the Prometheus text format (version 0.0.4), written by hand: counters
//! and histogram buckets kept in this process, gauges read from the database at scrape time.
//!
//! Requests are labelled by route template (`/portal/orders/{id}`), never by the raw path, so
//! the number of series stays bounded whatever clients send; a request no route matches is
//! `unmatched`.

use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// Upper bounds (seconds) of the request latency histogram's buckets.
const BUCKETS: [f64; 12] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// Where people sign in; the label of the sign-in counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    Portal,
    BackOffice,
}

impl Surface {
    fn label(self) -> &'static str {
        match self {
            Surface::Portal => "portal",
            Surface::BackOffice => "back_office",
        }
    }
}

#[derive(Default)]
struct RouteStats {
    by_status: BTreeMap<u16, u64>,
    /// Requests at or under each bound of [`BUCKETS`] (not yet cumulative).
    buckets: [u64; BUCKETS.len()],
    count: u64,
    seconds: f64,
}

/// The process's metrics and how `/metrics` is served.
#[derive(Default)]
pub struct Metrics {
    /// `KASSA_METRICS_TOKEN`: when set, scrapes must send `Authorization: Bearer <token>`.
    token: Option<String>,
    /// Set when `/metrics` is served on its own address (`--metrics-listen`) only.
    separate: bool,
    routes: Mutex<BTreeMap<(&'static str, String), RouteStats>>,
    sign_in_failures: [AtomicU64; 2],
    lockouts: [AtomicU64; 2],
}

impl Metrics {
    /// `token`: required bearer token, if any; `separate`: `/metrics` only on its own listener.
    pub fn new(token: Option<String>, separate: bool) -> Metrics {
        Metrics {
            token: token.filter(|t| !t.is_empty()),
            separate,
            ..Metrics::default()
        }
    }

    /// Whether the main listener serves `/metrics`.
    pub fn on_main_listener(&self) -> bool {
        !self.separate
    }

    /// A refused sign-in attempt (wrong password or code, unknown or locked account).
    pub fn sign_in_failed(&self, surface: Surface) {
        self.sign_in_failures[surface as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// An attempt that locked an account.
    pub fn locked_out(&self, surface: Surface) {
        self.lockouts[surface as usize].fetch_add(1, Ordering::Relaxed);
    }

    fn observe(&self, method: &'static str, route: String, status: u16, seconds: f64) {
        let mut routes = self.routes.lock().unwrap_or_else(|e| e.into_inner());
        let stats = routes.entry((method, route)).or_default();
        *stats.by_status.entry(status).or_default() += 1;
        if let Some(i) = BUCKETS.iter().position(|b| seconds <= *b) {
            stats.buckets[i] += 1;
        }
        stats.count += 1;
        stats.seconds += seconds;
    }
}

/// The method as a label, from a fixed set.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Middleware: counts each request by route template and status, and times it.
pub(crate) async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(req.method());
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let res = next.run(req).await;
    state
        .metrics
        .observe(method, route, res.status().as_u16(), started.elapsed().as_secs_f64());
    res
}

/// `/metrics`, for the main router (unless served on its own address) or its own listener.
pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(scrape))
}

/// A router with only `/metrics`, for `--metrics-listen`.
pub fn separate_router(state: AppState) -> Router {
    router()
        .layer(axum::middleware::from_fn_with_state(state.clone(), track))
        .with_state(state)
}

async fn scrape(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = &state.metrics.token {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        let same: bool = subtle::ConstantTimeEq::ct_eq(given.as_bytes(), token.as_bytes()).into();
        if !same {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer realm=\"kassa metrics\"")],
                "a bearer token is required\n",
            )
                .into_response();
        }
    }
    let body = render(&state).await;
    (
        [
            (header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

/// A label value, escaped as the exposition format wants.
fn label(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

fn head(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// Every metric, in the text exposition format.
pub(crate) async fn render(state: &AppState) -> String {
    let mut out = String::new();
    let metrics = &state.metrics;
    {
        let routes = metrics.routes.lock().unwrap_or_else(|e| e.into_inner());
        head(
            &mut out,
            "kassa_http_requests_total",
            "counter",
            "HTTP requests answered, by method, route template and status.",
        );
        for ((method, route), stats) in routes.iter() {
            for (status, n) in &stats.by_status {
                let _ = writeln!(
                    out,
                    "kassa_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}",
                    label(route)
                );
            }
        }
        head(
            &mut out,
            "kassa_http_request_duration_seconds",
            "histogram",
            "Time from a request's arrival to its response, by method and route template.",
        );
        for ((method, route), stats) in routes.iter() {
            let labels = format!("method=\"{method}\",route=\"{}\"", label(route));
            let mut cumulative = 0;
            for (bound, n) in BUCKETS.iter().zip(stats.buckets) {
                cumulative += n;
                let _ = writeln!(
                    out,
                    "kassa_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "kassa_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                stats.count
            );
            let _ = writeln!(
                out,
                "kassa_http_request_duration_seconds_sum{{{labels}}} {}",
                stats.seconds
            );
            let _ = writeln!(
                out,
                "kassa_http_request_duration_seconds_count{{{labels}}} {}",
                stats.count
            );
        }
    }
    head(
        &mut out,
        "kassa_sign_in_failures_total",
        "counter",
        "Refused sign-in attempts (wrong password or code, unknown or locked account).",
    );
    for surface in [Surface::Portal, Surface::BackOffice] {
        let n = metrics.sign_in_failures[surface as usize].load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "kassa_sign_in_failures_total{{surface=\"{}\"}} {n}",
            surface.label()
        );
    }
    head(
        &mut out,
        "kassa_account_lockouts_total",
        "counter",
        "Sign-in attempts that locked an account.",
    );
    for surface in [Surface::Portal, Surface::BackOffice] {
        let n = metrics.lockouts[surface as usize].load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "kassa_account_lockouts_total{{surface=\"{}\"}} {n}",
            surface.label()
        );
    }

    let pools = state.db.pool_stats();
    head(
        &mut out,
        "kassa_db_connections",
        "gauge",
        "Open database connections by pool (read: readers, or all of PostgreSQL's; write: SQLite's writer) and state.",
    );
    let mut pool_lines = vec![("read", pools.read)];
    if let Some(write) = pools.write {
        pool_lines.push(("write", write));
    }
    for (pool, used) in pool_lines {
        let _ = writeln!(
            out,
            "kassa_db_connections{{pool=\"{pool}\",state=\"busy\"}} {}",
            used.open.saturating_sub(used.idle)
        );
        let _ = writeln!(
            out,
            "kassa_db_connections{{pool=\"{pool}\",state=\"idle\"}} {}",
            used.idle
        );
    }
    head(
        &mut out,
        "kassa_db_write_queue_depth",
        "gauge",
        "Writes of this process waiting for the database writer or running on it.",
    );
    let _ = writeln!(out, "kassa_db_write_queue_depth {}", pools.write_queue);

    let now = crate::now_ms();
    let jobs = state.db.job_queue(now).await;
    head(
        &mut out,
        "kassa_database_up",
        "gauge",
        "1 when the database answered this scrape's queries, else 0.",
    );
    let _ = writeln!(out, "kassa_database_up {}", u8::from(jobs.is_ok()));
    let jobs = jobs.unwrap_or_else(|e| {
        tracing::warn!(error = %e, "metrics: cannot read the job queue");
        Vec::new()
    });
    head(
        &mut out,
        "kassa_jobs_pending",
        "gauge",
        "Background jobs not done yet, by kind (due now or scheduled later).",
    );
    for job in &jobs {
        let _ = writeln!(
            out,
            "kassa_jobs_pending{{kind=\"{}\"}} {}",
            label(&job.kind),
            job.pending
        );
    }
    head(&mut out, "kassa_jobs_due", "gauge", "Background jobs due now, by kind.");
    for job in &jobs {
        let _ = writeln!(out, "kassa_jobs_due{{kind=\"{}\"}} {}", label(&job.kind), job.due);
    }
    head(
        &mut out,
        "kassa_jobs_oldest_due_age_seconds",
        "gauge",
        "How long the longest-waiting due job of each kind has been due (0 when none is due).",
    );
    for job in &jobs {
        let age = job.oldest_due.map_or(0.0, |at| (now - at).max(0) as f64 / 1000.0);
        let _ = writeln!(
            out,
            "kassa_jobs_oldest_due_age_seconds{{kind=\"{}\"}} {age}",
            label(&job.kind)
        );
    }
    out
}

/// Serves `/metrics` alone on its own listener (`--metrics-listen`) until the process ends.
pub async fn serve_separately(server: crate::Server, state: AppState) -> std::io::Result<()> {
    axum::serve(server.listener, separate_router(state)).await
}
