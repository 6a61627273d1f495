//! Capture throughput and latency of the merchant API, with the raw database baseline
//! measured in the same run.
//!
//!     cargo bench -p kassa-web --bench capture_throughput              # SQLite
//!     KASSA_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!         cargo bench -p kassa-web --bench capture_throughput          # PostgreSQL
//!
//! The server runs as `kassa serve` does (multi-threaded Tokio, two workers); the load
//! generator shares the machine, speaking HTTP/1.1 keep-alive over raw TCP so that it costs
//! as little as possible. Phases:
//! 1. maximum capture rate with 64 connections (each capture of 1 on one of 200 orders),
//! 2. latency at half that rate, open loop (measured from the scheduled send time, so a slow
//!    server cannot hide its queueing),
//! 3. maximum rate again with API-call recording off, for its cost,
//! 4. the baseline: SQLite single-row commits through the same driver, or pgbench TPC-B.
//!
//! With `KASSA_BENCH_SOAK_SECS=600`, a soak follows phase 2: captures at half the maximum
//! rate for that long with portal reads alongside, p99 and resident memory per minute.
//!
//! Also printed: the SQL statements per capture (sqlx's statement log counted over a short
//! closed-loop run of its own, recorder's batches included; not part of any timed phase) and,
//! on SQLite, how many write units each group commit held during the maximum-rate phase.

use base64::Engine;
use kassa_core::account::NewPassword;
use kassa_db::{Backend, Db, DbConfig};
use kassa_web::api::recorder::Recorder;
use kassa_web::{AppState, Server, WebConfig};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Statements counted while [`COUNTING`] is on.
static STATEMENTS: AtomicU64 = AtomicU64::new(0);
static COUNTING: AtomicBool = AtomicBool::new(false);

/// Counts sqlx's statement log events (target `sqlx::query`) while [`COUNTING`] is on; off,
/// sqlx does not even format them.
struct CountStatements;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for CountStatements {
    fn register_callsite(&self, meta: &'static tracing::Metadata<'static>) -> tracing::subscriber::Interest {
        if meta.target() == "sqlx::query" {
            tracing::subscriber::Interest::sometimes()
        } else {
            tracing::subscriber::Interest::never()
        }
    }

    fn enabled(&self, meta: &tracing::Metadata<'_>, _: tracing_subscriber::layer::Context<'_, S>) -> bool {
        COUNTING.load(Ordering::Relaxed) && meta.target() == "sqlx::query"
    }

    fn on_event(&self, _: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        STATEMENTS.fetch_add(1, Ordering::Relaxed);
    }
}

const CONNECTIONS: usize = 64;
const ORDERS: usize = 200;
const PHASE: Duration = Duration::from_secs(8);
/// The demo users' password in the benchmark's database.
const BENCH_PASSWORD: &str = "bench password 123";

struct Target {
    addr: String,
    auth: String,
    orders: Vec<String>,
}

/// One keep-alive HTTP/1.1 connection that sends a capture and reads the reply.
struct Conn {
    reader: BufReader<TcpStream>,
    line: String,
}

impl Conn {
    async fn open(addr: &str) -> Conn {
        let stream = TcpStream::connect(addr).await.unwrap();
        stream.set_nodelay(true).unwrap();
        Conn {
            reader: BufReader::new(stream),
            line: String::new(),
        }
    }

    /// Sends one request; returns the status.
    async fn call(&mut self, request: &[u8]) -> u16 {
        self.reader.get_mut().write_all(request).await.unwrap();
        self.line.clear();
        self.reader.read_line(&mut self.line).await.unwrap();
        let status: u16 = self.line.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let mut length = 0usize;
        loop {
            self.line.clear();
            self.reader.read_line(&mut self.line).await.unwrap();
            let l = self.line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0u8; length];
        self.reader.read_exact(&mut body).await.unwrap();
        status
    }
}

fn capture_request(t: &Target, order: &str) -> Vec<u8> {
    let body = r#"{"captured_amount":1}"#;
    format!(
        "POST /ordermanagement/v1/orders/{order}/captures HTTP/1.1\r\nHost: {}\r\nAuthorization: Basic {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        t.addr,
        t.auth,
        body.len()
    )
    .into_bytes()
}

/// Closed loop: every connection sends as fast as answers come. Returns captures per second.
async fn max_rate(t: &Arc<Target>) -> f64 {
    closed_loop(t, PHASE).await.0
}

/// Closed loop for `phase`: captures per second, and captures made.
async fn closed_loop(t: &Arc<Target>, phase: Duration) -> (f64, u64) {
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..CONNECTIONS)
        .map(|i| {
            let (t, done, failed) = (t.clone(), done.clone(), failed.clone());
            tokio::spawn(async move {
                let mut conn = Conn::open(&t.addr).await;
                let mut n = i;
                while started.elapsed() < phase {
                    let req = capture_request(&t, &t.orders[n % t.orders.len()]);
                    n += CONNECTIONS;
                    if conn.call(&req).await == 201 {
                        done.fetch_add(1, Ordering::Relaxed)
                    } else {
                        failed.fetch_add(1, Ordering::Relaxed)
                    };
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(failed.load(Ordering::Relaxed), 0, "some captures failed");
    let done = done.load(Ordering::Relaxed);
    (done as f64 / secs, done)
}

/// SQL statements per capture over a short closed-loop run (recording's batches included
/// when it is on): every statement sqlx runs while it lasts, over the captures made.
async fn statements_per_capture(t: &Arc<Target>) -> f64 {
    tokio::time::sleep(Duration::from_millis(500)).await;
    STATEMENTS.store(0, Ordering::Relaxed);
    COUNTING.store(true, Ordering::Relaxed);
    let (_, captures) = closed_loop(t, Duration::from_secs(2)).await;
    // The recorder writes the last calls within its batch interval.
    tokio::time::sleep(Duration::from_millis(500)).await;
    COUNTING.store(false, Ordering::Relaxed);
    STATEMENTS.load(Ordering::Relaxed) as f64 / captures.max(1) as f64
}

/// Open loop at `rate` per second for [`PHASE`]; returns latencies (ms) from the scheduled
/// send time.
async fn latencies_at(t: &Arc<Target>, rate: f64) -> Vec<f64> {
    open_loop(t, rate, PHASE).await
}

/// Open loop at `rate` per second for `phase`; latencies (ms) from the scheduled send time,
/// sorted. Any answer but 201 stops the benchmark.
async fn open_loop(t: &Arc<Target>, rate: f64, phase: Duration) -> Vec<f64> {
    let per_conn_interval = Duration::from_secs_f64(CONNECTIONS as f64 / rate);
    let started = Instant::now();
    let tasks: Vec<_> = (0..CONNECTIONS)
        .map(|i| {
            let t = t.clone();
            tokio::spawn(async move {
                let mut conn = Conn::open(&t.addr).await;
                let mut out = Vec::new();
                // Spread the connections' start times over one interval.
                let mut next = started + per_conn_interval.mul_f64(i as f64 / CONNECTIONS as f64);
                let mut n = i;
                while next.duration_since(started) < phase {
                    tokio::time::sleep_until(next.into()).await;
                    let req = capture_request(&t, &t.orders[n % t.orders.len()]);
                    n += CONNECTIONS;
                    assert_eq!(conn.call(&req).await, 201);
                    out.push(next.elapsed().as_secs_f64() * 1000.0);
                    next += per_conn_interval;
                }
                out
            })
        })
        .collect();
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    all.sort_by(|a, b| a.partial_cmp(b).unwrap());
    all
}

/// Soak (`KASSA_BENCH_SOAK_SECS`): captures at `rate` in the open loop, a minute at a time,
/// with a signed-in portal member reading Home, the order list and order pages alongside.
/// Prints each minute's latencies and the process's resident memory (server and load
/// generator share the process), then the portal reader's count of pages and errors.
async fn soak(t: &Arc<Target>, rate: f64, total: Duration) {
    let stop = Arc::new(AtomicBool::new(false));
    let reader = tokio::spawn(portal_reader(t.clone(), stop.clone()));
    let rss_start = rss_kib();
    println!(
        "soak: {:.0} captures/s for {} s; resident memory at the start {} KiB",
        rate,
        total.as_secs(),
        rss_start
    );
    let minutes = (total.as_secs() / 60).max(1);
    for m in 1..=minutes {
        let lat = open_loop(t, rate, Duration::from_secs(60)).await;
        println!(
            "soak minute {m}: {} captures, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; resident memory {} KiB",
            lat.len(),
            pct(&lat, 0.5),
            pct(&lat, 0.99),
            lat.last().unwrap(),
            rss_kib()
        );
    }
    stop.store(true, Ordering::Relaxed);
    let (pages, errors) = reader.await.unwrap();
    println!(
        "soak: done; resident memory {} KiB at the start, {} KiB at the end; portal pages read alongside: {pages}, errors: {errors}",
        rss_start,
        rss_kib()
    );
}

/// The process's resident memory (VmRSS), in KiB.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// A portal member (the demo admin) reading pages every 100 ms until `stop`: pages read and
/// answers other than 200.
async fn portal_reader(t: Arc<Target>, stop: Arc<AtomicBool>) -> (u64, u64) {
    let base = format!("http://{}", t.addr);
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let form = http
        .get(format!("{base}/portal/sign-in"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = form
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the sign-in form has its CSRF token")
        .to_owned();
    let res = http
        .post(format!("{base}/portal/sign-in"))
        .header("origin", &base)
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "admin@demo.kassa.test"),
            ("password", BENCH_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "the soak's portal member signs in");
    let (mut pages, mut errors) = (0u64, 0u64);
    let mut n = 0usize;
    while !stop.load(Ordering::Relaxed) {
        let path = match n % 3 {
            0 => "/portal".to_owned(),
            1 => "/portal/orders".to_owned(),
            _ => format!("/portal/orders/{}", t.orders[n % t.orders.len()]),
        };
        n += 1;
        match http.get(format!("{base}{path}")).send().await {
            Ok(res) if res.status() == 200 => {
                let _ = res.bytes().await;
                pages += 1;
            }
            _ => errors += 1,
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (pages, errors)
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Starts Kassa on its own two-worker runtime, like `kassa serve`.
fn start_server(db: Db, record: bool) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let server = Server::bind("127.0.0.1:0").await.unwrap();
            let addr = server.local_addr().to_string();
            let config = WebConfig {
                public_url: format!("http://{addr}"),
                secret_key: b"bench secret key of some length".to_vec(),
                worker_interval: Duration::from_secs(1),
                mail: kassa_web::mail::MailConfig::Outbox {
                    dir: std::env::temp_dir().join("kassa-bench-outbox"),
                },
                objects: kassa_web::objects::ObjectsConfig::Local(std::env::temp_dir().join("kassa-bench-objects")),
                webhook_allow_private: false,
            };
            let mut state = AppState::new(db, config);
            if !record {
                state.recorder = Recorder::disabled();
            }
            tx.send(addr).unwrap();
            server.serve(state, std::future::pending()).await.unwrap();
        });
    });
    rx.recv().unwrap()
}

/// Creates the API key and the orders through the API, as a platform would.
async fn prepare(db: &Db, addr: &str) -> Arc<Target> {
    let store = db.store("M100001").await.unwrap().unwrap();
    let cred = kassa_web::api::keys::create_key(db, b"bench secret key of some length", &store, "bench", "bench")
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let base = format!("http://{addr}");
    let mut orders = Vec::new();
    for _ in 0..ORDERS {
        let order = serde_json::json!({
            "purchase_country": "SE", "purchase_currency": "SEK", "locale": "sv-SE",
            "order_amount": 100_000_000, "order_tax_amount": 0,
            "order_lines": [{"name": "Units", "quantity": 100_000_000, "unit_price": 1, "tax_rate": 0, "total_amount": 100_000_000, "total_tax_amount": 0}],
            "merchant_urls": {"terms": "https://shop.example/t", "checkout": "https://shop.example/c", "confirmation": "https://shop.example/ok", "push": "https://shop.example/p"}
        });
        let created: serde_json::Value = http
            .post(format!("{base}/checkout/v3/orders"))
            .basic_auth(&cred.username, Some(&cred.password))
            .json(&order)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = created["order_id"].as_str().unwrap().to_owned();
        let res = http
            .post(format!("{base}/test-helpers/checkout/v3/orders/{id}/complete"))
            .basic_auth(&cred.username, Some(&cred.password))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        // Acknowledge, so the push job (to an unreachable shop) finishes at once.
        http.post(format!("{base}/ordermanagement/v1/orders/{id}/acknowledge"))
            .basic_auth(&cred.username, Some(&cred.password))
            .send()
            .await
            .unwrap();
        orders.push(id);
    }
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", cred.username, cred.password));
    Arc::new(Target {
        addr: addr.to_owned(),
        auth,
        orders,
    })
}

async fn fresh_db(url: &str, tag: &str) -> (Db, Option<String>, Option<tempfile::TempDir>) {
    if url.starts_with("postgres") {
        let schema = format!("kassa_bench_{tag}_{}", std::process::id());
        let config = DbConfig {
            pg_schema: Some(schema.clone()),
            max_connections: 16,
            ..DbConfig::new(url)
        };
        let db = Db::connect(&config).await.unwrap();
        db.migrate().await.unwrap();
        (db, Some(schema), None)
    } else {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(&DbConfig::new(format!(
            "sqlite://{}",
            dir.path().join("kassa.db").display()
        )))
        .await
        .unwrap();
        db.migrate().await.unwrap();
        (db, None, Some(dir))
    }
}

async fn drop_schema(url: &str, schema: Option<String>) {
    if let Some(s) = schema {
        let admin = Db::connect(&DbConfig::new(url)).await.unwrap();
        admin
            .execute_trusted(&format!("DROP SCHEMA IF EXISTS \"{s}\" CASCADE"))
            .await
            .unwrap();
    }
}

/// SQLite: single-row INSERT transactions per second through sqlx, the ceiling any
/// SQLite-backed write path on this machine works under.
async fn sqlite_commit_baseline() -> f64 {
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
    let dir = tempfile::tempdir().unwrap();
    // The same settings Kassa uses: WAL, synchronous NORMAL, one writer.
    let options = SqliteConnectOptions::new()
        .filename(dir.path().join("baseline.db"))
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .unwrap();
    sqlx::query("CREATE TABLE bench_rows (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)")
        .execute(&pool)
        .await
        .unwrap();
    let started = Instant::now();
    let mut n = 0i64;
    while started.elapsed() < Duration::from_secs(3) {
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.unwrap();
        sqlx::query("INSERT INTO bench_rows (v) VALUES ($1)")
            .bind(n)
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        n += 1;
    }
    n as f64 / started.elapsed().as_secs_f64()
}

/// PostgreSQL: pgbench TPC-B (8 clients, 2 threads, 15 s) in a scratch database.
fn pgbench_baseline(url: &str) -> Option<f64> {
    let db = "kassa_bench_pgbench";
    let base = url.rsplit_once('/').map(|(b, _)| b).unwrap_or(url);
    let psql = |sql: &str| std::process::Command::new("psql").args([url, "-qc", sql]).output();
    let _ = psql(&format!("DROP DATABASE IF EXISTS {db}"));
    psql(&format!("CREATE DATABASE {db}")).ok()?;
    let target = format!("{base}/{db}");
    std::process::Command::new("pgbench")
        .args(["-q", "-i", "-s", "8", &target])
        .output()
        .ok()?;
    let out = std::process::Command::new("pgbench")
        .args(["-c", "8", "-j", "2", "-T", "15", &target])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let _ = psql(&format!("DROP DATABASE IF EXISTS {db}"));
    text.lines()
        .find(|l| l.starts_with("tps"))?
        .split_whitespace()
        .nth(2)?
        .parse()
        .ok()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    {
        use tracing_subscriber::layer::SubscriberExt;
        tracing::subscriber::set_global_default(tracing_subscriber::registry().with(CountStatements))
            .expect("the statement counter is the only subscriber");
    }
    let url = std::env::var("KASSA_BENCH_DATABASE_URL").unwrap_or_else(|_| "sqlite".into());
    let password = NewPassword::parse(BENCH_PASSWORD).unwrap();
    let mut results = Vec::new();
    for record in [true, false] {
        let (db, schema, _dir) = fresh_db(&url, if record { "rec" } else { "norec" }).await;
        kassa_web::demo::seed_if_empty(&db, &password).await.unwrap();
        let backend = db.backend();
        let addr = start_server(db.clone(), record);
        let target = prepare(&db, &addr).await;
        let (commits_before, units_before) = db.group_commit_stats().await;
        let rate = max_rate(&target).await;
        let (commits, units) = db.group_commit_stats().await;
        println!(
            "{:?}, recording {}: {rate:.0} captures/s at most ({CONNECTIONS} connections, {ORDERS} orders)",
            backend,
            if record { "on" } else { "off" }
        );
        if backend == Backend::Sqlite {
            println!(
                "{:?}, recording {}: {} write units in {} group commits ({:.1} a commit)",
                backend,
                if record { "on" } else { "off" },
                units - units_before,
                commits - commits_before,
                (units - units_before) as f64 / (commits - commits_before).max(1) as f64
            );
        }
        if record {
            println!(
                "{:?}, recording on: {:.1} SQL statements a capture (all the server ran, the call log's included)",
                backend,
                statements_per_capture(&target).await
            );
        }
        if record {
            let lat = latencies_at(&target, rate / 2.0).await;
            println!(
                "{:?}, recording on, at {:.0}/s (half the maximum): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms over {} captures",
                backend,
                rate / 2.0,
                pct(&lat, 0.5),
                pct(&lat, 0.99),
                lat.last().unwrap(),
                lat.len()
            );
        }
        if record {
            if let Some(secs) = std::env::var("KASSA_BENCH_SOAK_SECS").ok().and_then(|v| v.parse().ok()) {
                soak(&target, rate / 2.0, Duration::from_secs(secs)).await;
            }
        }
        if backend == Backend::Sqlite && record {
            // The same server with every write unit committing alone, as before group commit.
            db.set_group_commit_units(1);
            let alone = max_rate(&target).await;
            db.set_group_commit_units(32);
            println!(
                "{:?}, recording on, each capture committed alone (no group commit): {alone:.0} captures/s; group commit gives {:.2}x",
                backend,
                rate / alone
            );
        }
        results.push(rate);
        let (on_orders, in_captures, count) = db.capture_totals("M100001").await.unwrap();
        assert_eq!(
            (on_orders, in_captures),
            (count, count),
            "every capture of 1 is counted once, on both sides"
        );
        drop_schema(&url, schema).await;
        if backend == Backend::Sqlite && !record {
            let base = sqlite_commit_baseline().await;
            println!(
                "baseline: SQLite single-row commits through sqlx: {base:.0}/s; captures reach {:.2} of it",
                results[0] / base
            );
        }
        if backend == Backend::Postgres && !record {
            match pgbench_baseline(&url) {
                Some(tps) => println!(
                    "baseline: pgbench TPC-B {tps:.0} TPS; captures reach {:.2} of it",
                    results[0] / tps
                ),
                None => println!("baseline: pgbench could not run (is postgresql-client installed?)"),
            }
        }
    }
    println!(
        "recording costs {:.1} % of capture throughput (on {:.0}/s, off {:.0}/s)",
        (1.0 - results[0] / results[1]) * 100.0,
        results[0],
        results[1]
    );
    recording_cost_in_turns(&url, &password).await;
}

/// The recording cost again, from servers with recording on and off measured in turns
/// (`KASSA_BENCH_COST_ROUNDS`, default 3): on this shared machine one pair of phases a minute
/// apart varied by more than the cost itself, and turns put each pair seconds apart.
async fn recording_cost_in_turns(url: &str, password: &NewPassword) {
    let rounds: usize = std::env::var("KASSA_BENCH_COST_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    if rounds == 0 {
        return;
    }
    let mut servers = Vec::new();
    for record in [true, false] {
        let (db, schema, dir) = fresh_db(url, if record { "turn_rec" } else { "turn_norec" }).await;
        kassa_web::demo::seed_if_empty(&db, password).await.unwrap();
        let target = prepare(&db, &start_server(db.clone(), record)).await;
        servers.push((db, schema, dir, target));
    }
    let mut costs = Vec::new();
    for round in 1..=rounds {
        // Which goes first alternates, so a drift of the machine's speed favours neither.
        let (on, off) = if round % 2 == 1 {
            let on = max_rate(&servers[0].3).await;
            (on, max_rate(&servers[1].3).await)
        } else {
            let off = max_rate(&servers[1].3).await;
            (max_rate(&servers[0].3).await, off)
        };
        let cost = (1.0 - on / off) * 100.0;
        println!("recording cost, turn {round}: on {on:.0}/s, off {off:.0}/s: {cost:.1} %");
        costs.push(cost);
    }
    costs.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "{:?}: recording costs {:.1} % (median of {rounds} turns of {secs} s on and {secs} s off, in alternating order)",
        servers[0].0.backend(),
        costs[costs.len() / 2],
        secs = PHASE.as_secs()
    );
    for (_, schema, _, _) in servers {
        drop_schema(url, schema).await;
    }
}
