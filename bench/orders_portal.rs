//! The Orders section and Home with a million orders in one store: server time of the pages
//! a merchant opens most, CSV export speed and memory, and the query plans behind them.
//!
//!     cargo bench -p kassa-web --bench orders_portal                 # SQLite, 1,000,000 orders
//!     KASSA_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres KASSA_BENCH_ORDERS=1000000 \
//!         cargo bench -p kassa-web --bench orders_portal             # PostgreSQL
//!
//! `KASSA_BENCH_SQLITE=PATH` keeps the SQLite database in PATH, and `KASSA_BENCH_PG_SCHEMA=NAME`
//! the PostgreSQL one in schema NAME, so a second run skips the seeding (about 13 minutes for
//! a million orders on 2 cores).
//!
//! Times are measured at the client over loopback, so they include HTTP; each page is asked
//! for 40 times after a warm-up and p50/p95 are printed.

use kassa_core::account::NewPassword;
use kassa_db::{Db, DbConfig, OrderFilter, SearchPlan, SortOrder};
use kassa_web::{AppState, Server, WebConfig};
use std::time::{Duration, Instant};

const PASSWORD: &str = "bench password 123";

/// Resident memory of this process that is its own (heap, stacks): file pages SQLite maps
/// are shared with the OS page cache and counted apart in `RssFile`.
fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("RssAnon:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn csrf_in(html: &str) -> String {
    let marker = "name=\"csrf-token\" content=\"";
    let start = html.find(marker).expect("csrf meta") + marker.len();
    html[start..start + 64].to_owned()
}

async fn timed(http: &reqwest::Client, url: &str) -> (Vec<f64>, String) {
    let mut body = String::new();
    for _ in 0..3 {
        body = http.get(url).send().await.unwrap().text().await.unwrap();
    }
    let mut times = Vec::new();
    for _ in 0..40 {
        let t = Instant::now();
        let res = http.get(url).send().await.unwrap();
        assert!(res.status().is_success(), "{url}: {}", res.status());
        body = res.text().await.unwrap();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    (times, body)
}

/// Percent-encodes a query-string value.
fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn pct(v: &[f64], p: f64) -> f64 {
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

/// The export's baseline: the store's orders, newest first, by one plain rusqlite query,
/// written as CSV by a bare loop (text cells quoted when needed, integers as they are) into
/// a buffer that is counted and cleared. Rows, bytes, seconds.
fn csv_baseline(path: &std::path::Path) -> (u64, u64, f64) {
    let conn = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let t = Instant::now();
    let mut stmt = conn
        .prepare(
            "SELECT created_at, order_id, short_reference, merchant_reference1, merchant_reference2, customer_name, \
             customer_email, purchase_currency, order_amount, captured_amount, refunded_amount, payment_method, status, \
             expires_at FROM orders WHERE store_id = 'M100001' ORDER BY created_at DESC, order_id DESC",
        )
        .unwrap();
    let mut rows = stmt.raw_query();
    let (mut count, mut bytes) = (0u64, 0u64);
    let mut out: Vec<u8> = Vec::with_capacity(1 << 20);
    while let Some(row) = rows.next().unwrap() {
        for i in 0..14 {
            if i > 0 {
                out.push(b',');
            }
            match row.get_ref(i).unwrap() {
                rusqlite::types::ValueRef::Integer(n) => {
                    use std::io::Write;
                    write!(out, "{n}").unwrap()
                }
                rusqlite::types::ValueRef::Text(t) => {
                    if t.iter().any(|b| matches!(b, b',' | b'"' | b'\n')) {
                        out.push(b'"');
                        for &b in t {
                            if b == b'"' {
                                out.push(b'"');
                            }
                            out.push(b);
                        }
                        out.push(b'"');
                    } else {
                        out.extend_from_slice(t);
                    }
                }
                _ => {}
            }
        }
        out.push(b'\n');
        count += 1;
        if out.len() >= 1 << 20 {
            bytes += out.len() as u64;
            out.clear();
        }
    }
    bytes += out.len() as u64;
    (count, bytes, t.elapsed().as_secs_f64())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let count: usize = std::env::var("KASSA_BENCH_ORDERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let url = std::env::var("KASSA_BENCH_DATABASE_URL").unwrap_or_else(|_| "sqlite".into());
    let dir = tempfile::tempdir().unwrap();
    let kept_schema = std::env::var("KASSA_BENCH_PG_SCHEMA").ok();
    let schema = kept_schema
        .clone()
        .unwrap_or_else(|| format!("kassa_bench_orders_{}", std::process::id()));
    let mut sqlite_path = None;
    let db = if url.starts_with("postgres") {
        Db::connect(&DbConfig {
            pg_schema: Some(schema.clone()),
            max_connections: 8,
            ..DbConfig::new(url.clone())
        })
        .await
        .unwrap()
    } else {
        let path = std::env::var("KASSA_BENCH_SQLITE")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|_| dir.path().join("kassa.db"));
        sqlite_path = Some(path.clone());
        Db::connect(&DbConfig::new(format!("sqlite://{}", path.display())))
            .await
            .unwrap()
    };
    db.migrate().await.unwrap();
    let pw = NewPassword::parse(PASSWORD).unwrap();
    kassa_web::demo::seed_if_empty(&db, &pw).await.unwrap();
    let t = Instant::now();
    kassa_web::demo::seed_orders_bulk(&db, count).await.unwrap();
    println!(
        "{:?}: seeded {count} orders in {:.1} s ({:.0} orders/s)",
        db.backend(),
        t.elapsed().as_secs_f64(),
        count as f64 / t.elapsed().as_secs_f64()
    );

    let server = Server::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", server.local_addr());
    let config = WebConfig {
        public_url: base.clone(),
        secret_key: b"bench secret key of some length".to_vec(),
        worker_interval: Duration::from_secs(3600),
        mail: kassa_web::mail::MailConfig::Outbox {
            dir: dir.path().join("outbox"),
        },
        objects: kassa_web::objects::ObjectsConfig::Local(dir.path().join("objects")),
        webhook_allow_private: false,
    };
    tokio::spawn(server.serve(AppState::new(db.clone(), config), std::future::pending()));
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = http
        .get(format!("{base}/portal/sign-in"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_in(&page);
    let res = http
        .post(format!("{base}/portal/sign-in"))
        .header("origin", &base)
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "admin@demo.kassa.test"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);

    // Real keys to search for: an order in the middle of the store.
    let probe = db
        .search_orders(
            &OrderFilter {
                store_id: "M100001".into(),
                sort: SortOrder::NewestFirst,
                ..Default::default()
            },
            SearchPlan::Walk,
            None,
            1,
        )
        .await
        .unwrap();
    let middle = db
        .search_orders(
            &OrderFilter {
                store_id: "M100001".into(),
                query: Some(format!("DS-{:07}", 1_000_000 + count / 2)),
                ..Default::default()
            },
            SearchPlan::Drive(kassa_db::Narrow::Search),
            None,
            1,
        )
        .await
        .unwrap();
    let target = middle.first().or(probe.first()).expect("an order");
    let first_name = target.customer_name.split(' ').next().unwrap_or("a").to_lowercase();
    // "olsson42@" of "alice.olsson42@example.com": one surname and number, about 1 in 1,200.
    let email_part = target.customer_email[target.customer_email.find('.').unwrap_or(0) + 1..]
        .split_inclusive('@')
        .next()
        .unwrap_or("")
        .to_owned();
    let short_part = target.short_reference[2..6].to_owned();
    let id_part = target.order_id[9..18].to_owned();
    let today = jiff::Zoned::now().date();
    let month_ago = today.checked_sub(jiff::ToSpan::days(30)).unwrap();
    let pages: Vec<(&str, String)> = vec![
        ("Home", "/portal".into()),
        ("orders, first page", "/portal/orders".into()),
        ("filter status=AUTHORIZED", "/portal/orders?status=AUTHORIZED".into()),
        ("filter status=EXPIRED", "/portal/orders?status=EXPIRED".into()),
        (
            "filter last 30 days",
            format!("/portal/orders?from={month_ago}&to={today}"),
        ),
        ("filter amount 500–700", "/portal/orders?min=500&max=700".into()),
        ("filter amount 499.00", "/portal/orders?min=499&max=499".into()),
        ("filter method=CARD", "/portal/orders?method=CARD".into()),
        ("sort largest first", "/portal/orders?sort=largest".into()),
        ("expiring in 3 days", "/portal/orders?expiring=3".into()),
        ("search order id", format!("/portal/orders?q={}", target.order_id)),
        (
            "search short reference",
            format!("/portal/orders?q={}", target.short_reference),
        ),
        (
            "search merchant reference",
            format!(
                "/portal/orders?q={}",
                target.merchant_reference1.clone().unwrap_or_default()
            ),
        ),
        ("search email", format!("/portal/orders?q={}", target.customer_email)),
        ("search name prefix", format!("/portal/orders?q={first_name}")),
        // Parts of fields, found through the text index (or, when common, on a walk).
        ("search surname Olsson", "/portal/orders?q=Olsson".into()),
        ("search email example.com", "/portal/orders?q=example.com".into()),
        (
            "search email part",
            format!("/portal/orders?q={}", urlencode(&email_part)),
        ),
        ("search reference DS-1003", "/portal/orders?q=DS-1003".into()),
        ("search short ref part", format!("/portal/orders?q={short_part}")),
        ("search id part", format!("/portal/orders?q={id_part}")),
        ("search no match", "/portal/orders?q=qqzzqq".into()),
        (
            "page after the middle order",
            format!("/portal/orders?after={}:{}", target.created_at, target.order_id),
        ),
        ("order page", format!("/portal/orders/{}", target.order_id)),
    ];
    println!("{:<28} {:>9} {:>9}", "page", "p50 ms", "p95 ms");
    for (name, path) in &pages {
        let (times, _) = timed(&http, &format!("{base}{path}")).await;
        println!("{name:<28} {:>9.2} {:>9.2}", pct(&times, 0.5), pct(&times, 0.95));
    }

    // CSV of every order, streamed; memory sampled while it runs.
    let rss_before = rss_kb();
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(rss_before));
    let sampler = {
        let peak = peak.clone();
        tokio::spawn(async move {
            loop {
                peak.fetch_max(rss_kb(), std::sync::atomic::Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let t = Instant::now();
    let mut res = http
        .get(format!("{base}/portal/orders/export.csv"))
        .send()
        .await
        .unwrap();
    let (mut bytes, mut lines) = (0usize, 0usize);
    while let Some(chunk) = res.chunk().await.unwrap() {
        bytes += chunk.len();
        lines += chunk.iter().filter(|b| **b == b'\n').count();
    }
    let secs = t.elapsed().as_secs_f64();
    let export_secs = secs;
    sampler.abort();
    println!(
        "CSV export: {} rows, {:.1} MB in {secs:.1} s = {:.0} rows/s; process anonymous RSS {} MB before, peak {} MB",
        lines - 1,
        bytes as f64 / 1e6,
        (lines - 1) as f64 / secs,
        rss_before / 1024,
        peak.load(std::sync::atomic::Ordering::Relaxed) / 1024
    );

    if let Some(path) = sqlite_path.as_deref() {
        let (rows, bytes, secs) = tokio::task::spawn_blocking({
            let path = path.to_owned();
            move || csv_baseline(&path)
        })
        .await
        .unwrap();
        println!(
            "CSV baseline (one rusqlite query, bare CSV loop, no HTTP): {rows} rows, {:.1} MB in {secs:.1} s = {:.0} rows/s; the export reached {:.2}x of it",
            bytes as f64 / 1e6,
            rows as f64 / secs,
            ((lines - 1) as f64 / export_secs) / (rows as f64 / secs)
        );
    }

    println!("\nquery plans:");
    let store = || OrderFilter {
        store_id: "M100001".into(),
        ..Default::default()
    };
    let now = kassa_web::now_ms();
    let plans = [
        ("first page", store()),
        (
            "status",
            OrderFilter {
                statuses: vec!["AUTHORIZED".into()],
                ..store()
            },
        ),
        (
            "amount 500–700",
            OrderFilter {
                amount_min: Some(50_000),
                amount_max: Some(70_000),
                ..store()
            },
        ),
        (
            "amount 499.00 exactly",
            OrderFilter {
                amount_min: Some(49_900),
                amount_max: Some(49_900),
                ..store()
            },
        ),
        (
            "expiring in 3 days",
            OrderFilter {
                expiring: Some((now, now + 3 * 86_400_000)),
                ..store()
            },
        ),
        (
            "method",
            OrderFilter {
                payment_method: Some("CARD".into()),
                ..store()
            },
        ),
        (
            "sort largest first",
            OrderFilter {
                sort: SortOrder::LargestFirst,
                ..store()
            },
        ),
        (
            "search email",
            OrderFilter {
                query: Some(target.customer_email.clone()),
                ..store()
            },
        ),
        (
            "search name prefix",
            OrderFilter {
                query: Some(first_name.clone()),
                ..store()
            },
        ),
        (
            "search surname Olsson",
            OrderFilter {
                query: Some("Olsson".into()),
                ..store()
            },
        ),
        (
            "search reference DS-1003",
            OrderFilter {
                query: Some("DS-1003".into()),
                ..store()
            },
        ),
        (
            "search email part",
            OrderFilter {
                query: Some(email_part.clone()),
                ..store()
            },
        ),
    ];
    for (name, f) in plans {
        println!("-- {name}\n{}", db.explain_search(&f).await.unwrap());
    }
    if url.starts_with("postgres") && kept_schema.is_none() {
        db.close().await;
        let admin = Db::connect(&DbConfig::new(url)).await.unwrap();
        admin
            .execute_trusted(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
            .await
            .unwrap();
    }
}
