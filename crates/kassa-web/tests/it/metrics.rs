//! `GET /metrics` (issue 17 item 5): Prometheus text format, counts that move with traffic,
//! route templates as labels, the bearer token, and the separate listener.

use crate::support::*;
use kassa_core::account::NewPassword;
use kassa_db::Backend;
use kassa_web::{AppState, Server, WebConfig};
use std::collections::{HashMap, HashSet};
use tokio::sync::oneshot;

const TOKEN: &str = "metrics-token-of-the-tests";

/// A running Kassa whose `/metrics` is set up by `configure`.
struct MetricsApp {
    url: String,
    state: AppState,
    store: TestDb,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl MetricsApp {
    async fn spawn(backend: Backend, configure: impl FnOnce(AppState) -> AppState) -> MetricsApp {
        let store = TestDb::new(backend).await;
        kassa_web::demo::seed_if_empty(&store.db, &NewPassword::parse(DEMO_PASSWORD).unwrap())
            .await
            .unwrap();
        let server = Server::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", server.local_addr());
        let dirs = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let config = WebConfig {
            public_url: url.clone(),
            secret_key: TEST_SECRET_KEY.to_vec(),
            worker_interval: std::time::Duration::from_millis(50),
            mail: kassa_web::mail::MailConfig::Outbox {
                dir: dirs.0.path().to_owned(),
            },
            objects: kassa_web::objects::ObjectsConfig::Local(dirs.1.path().to_owned()),
            webhook_allow_private: true,
        };
        let state = configure(AppState::new(store.db.clone(), config));
        let (stop, stopped) = oneshot::channel::<()>();
        let serving = state.clone();
        let task = tokio::spawn(async move {
            server
                .serve(serving, async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        MetricsApp {
            url,
            state,
            store,
            _dirs: dirs,
            stop,
            task,
        }
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
        self.store.drop_schema().await;
    }
}

async fn scrape(url: &str, token: Option<&str>) -> reqwest::Response {
    let mut req = reqwest::Client::new().get(format!("{url}/metrics"));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

/// Checks every line against the text exposition format and returns the samples by their
/// full series (`name{labels}`). Panics, naming the line, on anything else.
fn parse(body: &str) -> HashMap<String, f64> {
    let mut typed: HashMap<String, String> = HashMap::new();
    let mut samples = HashMap::new();
    let is_name = |s: &str| {
        let mut chars = s.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    };
    assert!(body.ends_with('\n'), "the exposition ends with a line feed");
    for line in body.lines() {
        if let Some(rest) = line.strip_prefix("# ") {
            let mut parts = rest.splitn(3, ' ');
            let (keyword, name, text) = (parts.next().unwrap(), parts.next().unwrap_or(""), parts.next());
            assert!(is_name(name), "bad metric name in {line:?}");
            match keyword {
                "HELP" => assert!(text.is_some_and(|t| !t.is_empty()), "empty HELP: {line:?}"),
                "TYPE" => {
                    let kind = text.unwrap_or("");
                    assert!(
                        ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                        "bad TYPE: {line:?}"
                    );
                    assert!(
                        typed.insert(name.to_owned(), kind.to_owned()).is_none(),
                        "TYPE twice: {line:?}"
                    );
                }
                _ => panic!("unknown comment {line:?}"),
            }
            continue;
        }
        assert!(!line.is_empty(), "an empty line in the exposition");
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("no value: {line:?}"));
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v.parse().unwrap_or_else(|_| panic!("bad value in {line:?}")),
        };
        let name = match series.find('{') {
            Some(i) => {
                let labels = series[i + 1..]
                    .strip_suffix('}')
                    .unwrap_or_else(|| panic!("unclosed labels: {line:?}"));
                check_labels(labels, line);
                &series[..i]
            }
            None => series,
        };
        assert!(is_name(name), "bad metric name in {line:?}");
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| {
                name.strip_suffix(s)
                    .filter(|f| typed.get(*f).is_some_and(|k| k == "histogram"))
            })
            .unwrap_or(name);
        assert!(typed.contains_key(family), "sample before its TYPE: {line:?}");
        assert!(
            samples.insert(series.to_owned(), value).is_none(),
            "the same series twice: {line:?}"
        );
    }
    samples
}

/// `name="value",…` with the format's escapes (`\\`, `\"`, `\n`) and no label twice.
fn check_labels(labels: &str, line: &str) {
    let mut seen = HashSet::new();
    let mut rest = labels;
    while !rest.is_empty() {
        let (name, after) = rest
            .split_once("=\"")
            .unwrap_or_else(|| panic!("bad label in {line:?}"));
        assert!(
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "bad label name in {line:?}"
        );
        assert!(seen.insert(name), "label twice in {line:?}");
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next() {
                Some((_, '\\')) => {
                    let (_, c) = chars.next().unwrap_or_else(|| panic!("dangling escape: {line:?}"));
                    assert!(matches!(c, '\\' | '"' | 'n'), "bad escape in {line:?}");
                }
                Some((i, '"')) => break i,
                Some((_, '\n')) => panic!("raw line feed in {line:?}"),
                Some(_) => {}
                None => panic!("unterminated label value: {line:?}"),
            }
        };
        rest = &after[end + 1..];
        rest = rest.strip_prefix(',').unwrap_or(rest);
    }
}

fn value(samples: &HashMap<String, f64>, series: &str) -> f64 {
    samples.get(series).copied().unwrap_or(0.0)
}

async fn samples(url: &str) -> HashMap<String, f64> {
    let res = scrape(url, Some(TOKEN)).await;
    assert_eq!(res.status(), 200);
    let kind = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(kind.starts_with("text/plain; version=0.0.4"), "{kind}");
    parse(&res.text().await.unwrap())
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_sign_in_failures_behind_a_token() {
    for backend in backends().await {
        let app = MetricsApp::spawn(backend, |s| s.with_metrics(Some(TOKEN.into()), false)).await;
        assert_eq!(scrape(&app.url, None).await.status(), 401, "no token");
        let wrong = scrape(&app.url, Some("not-the-token")).await;
        assert_eq!(wrong.status(), 401, "wrong token");
        assert!(wrong.headers().contains_key("www-authenticate"));
        // A job waiting for later, to see the queue gauges by kind.
        let now = kassa_web::now_ms();
        let mut tx = app.state.db.begin().await.unwrap();
        tx.schedule_job("metrics_test", "one", "", now + 3_600_000, now)
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let before = samples(&app.url).await;
        let c = Client::new(&app.url);
        for _ in 0..3 {
            assert_eq!(c.get("/portal/sign-in").await.status(), 200);
        }
        assert_eq!(c.get("/no/such/page-7f3a").await.status(), 404);
        // Wrong passwords until the account locks (10 tries).
        let email = "user@demo.kassa.test";
        for _ in 0..kassa_core::account::MAX_FAILED_SIGN_INS {
            let res = c.sign_in(email, "not the password at all").await;
            assert_ne!(res.status(), 303);
        }
        let res = reqwest::get(format!("{}/healthz", app.url)).await.unwrap();
        assert_eq!(res.status(), 200);

        let after = samples(&app.url).await;
        let moved = |series: &str| value(&after, series) - value(&before, series);
        // Three page loads, plus the ones each sign-in attempt made to get its form.
        let sign_in_page = r#"kassa_http_requests_total{method="GET",route="/portal/sign-in",status="200"}"#;
        assert_eq!(
            moved(sign_in_page),
            3.0 + kassa_core::account::MAX_FAILED_SIGN_INS as f64,
            "{after:?}"
        );
        assert_eq!(
            moved(r#"kassa_http_requests_total{method="GET",route="/healthz",status="200"}"#),
            1.0
        );
        assert_eq!(
            moved(r#"kassa_http_requests_total{method="GET",route="unmatched",status="404"}"#),
            1.0
        );
        assert_eq!(
            moved(r#"kassa_http_request_duration_seconds_count{method="GET",route="/portal/sign-in"}"#),
            3.0 + kassa_core::account::MAX_FAILED_SIGN_INS as f64
        );
        assert_eq!(
            value(
                &after,
                r#"kassa_http_request_duration_seconds_bucket{method="GET",route="/portal/sign-in",le="+Inf"}"#
            ),
            value(
                &after,
                r#"kassa_http_request_duration_seconds_count{method="GET",route="/portal/sign-in"}"#
            )
        );
        assert!(
            after.keys().all(|k| !k.contains("page-7f3a")),
            "raw paths never become labels"
        );
        assert_eq!(
            moved(r#"kassa_sign_in_failures_total{surface="portal"}"#),
            kassa_core::account::MAX_FAILED_SIGN_INS as f64
        );
        assert_eq!(moved(r#"kassa_account_lockouts_total{surface="portal"}"#), 1.0);
        assert_eq!(moved(r#"kassa_account_lockouts_total{surface="back_office"}"#), 0.0);
        assert_eq!(value(&after, r#"kassa_jobs_pending{kind="metrics_test"}"#), 1.0);
        assert_eq!(value(&after, r#"kassa_jobs_due{kind="metrics_test"}"#), 0.0);
        assert!(after.contains_key(r#"kassa_jobs_oldest_due_age_seconds{kind="metrics_test"}"#));
        assert_eq!(value(&after, "kassa_database_up"), 1.0);
        assert!(after.contains_key("kassa_db_write_queue_depth"));
        assert!(after.contains_key(r#"kassa_db_connections{pool="read",state="idle"}"#));
        if backend == Backend::Sqlite {
            assert!(after.contains_key(r#"kassa_db_connections{pool="write",state="busy"}"#));
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn metrics_can_have_their_own_address() {
    let app = MetricsApp::spawn(Backend::Sqlite, |s| s.with_metrics(None, true)).await;
    assert_eq!(scrape(&app.url, None).await.status(), 404, "not on the main address");
    let own = Server::bind("127.0.0.1:0").await.unwrap();
    let own_url = format!("http://{}", own.local_addr());
    let serving = tokio::spawn(kassa_web::metrics::serve_separately(own, app.state.clone()));
    assert_eq!(
        reqwest::get(format!("{}/healthz", app.url)).await.unwrap().status(),
        200
    );
    let res = scrape(&own_url, None).await;
    assert_eq!(res.status(), 200, "no token set: open");
    let samples = parse(&res.text().await.unwrap());
    assert_eq!(
        value(
            &samples,
            r#"kassa_http_requests_total{method="GET",route="/healthz",status="200"}"#
        ),
        1.0
    );
    assert_eq!(
        reqwest::get(format!("{own_url}/portal/sign-in"))
            .await
            .unwrap()
            .status(),
        404,
        "the metrics address serves nothing else"
    );
    serving.abort();
    app.stop().await;
}
