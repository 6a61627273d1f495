//! Settlement reports at scale: the PDF of a 10,000-line payout, and the CSV of a payout of
//! 1,000,000 entries streamed, against a baseline measured in the same run (the same rows
//! read with one plain query and written as CSV by a bare loop), with the peak memory of
//! each phase to show that the CSV's stays flat however many rows it streams.
//!
//!     cargo bench -p kassa-web --bench settlement_reports                  # SQLite
//!     KASSA_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!         cargo bench -p kassa-web --bench settlement_reports              # PostgreSQL
//!
//! `KASSA_BENCH_ENTRIES` changes the size of the big payout (default 1,000,000). Entries are
//! seeded directly with SQL (a recursive CTE), then closed into payouts by Kassa's own
//! payout close. Peak memory is the process's VmHWM, reset before each phase through
//! `/proc/self/clear_refs`, so each figure is that phase's own peak.

use kassa_core::account::NewPassword;
use kassa_db::{Db, DbConfig, PayoutClose, PayoutRow};
use kassa_web::reports::{self, CsvOptions, Lang, ReportError, Sink};
use kassa_web::{AppState, Server, WebConfig};
use sqlx::Row;
use std::time::{Duration, Instant};
use tokio_stream::StreamExt;

const STORE: &str = "M100001";

/// `VmHWM` (peak resident set) and `VmRSS` of this process, in MB.
fn memory_mb() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// The highest `RssAnon` (heap and stacks: resident memory that is not a mapped file) seen
/// since the last [`reset_peak`], in kB. VmHWM also counts the pages of the SQLite file that
/// the reader maps (`mmap_size`), which grow with the rows read but are the kernel's page
/// cache, not the report's memory; the anonymous peak is what must stay flat.
static PEAK_ANON_KB: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn anon_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("RssAnon:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

/// Samples `RssAnon` every 2 ms into [`PEAK_ANON_KB`].
fn start_anon_sampler() {
    std::thread::spawn(|| loop {
        PEAK_ANON_KB.fetch_max(anon_kb(), std::sync::atomic::Ordering::Relaxed);
        std::thread::sleep(Duration::from_millis(2));
    });
}

fn anon_peak_mb() -> f64 {
    PEAK_ANON_KB.load(std::sync::atomic::Ordering::Relaxed) as f64 / 1024.0
}

/// Starts a phase's own peak: the kernel resets VmHWM to the current RSS.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    PEAK_ANON_KB.store(anon_kb(), std::sync::atomic::Ordering::Relaxed);
}

/// Counts what a report writes and throws it away (the disk or network is not measured).
#[derive(Default)]
struct Counter {
    bytes: u64,
}

impl Sink for Counter {
    async fn put(&mut self, bytes: Vec<u8>) -> Result<(), ReportError> {
        self.bytes += bytes.len() as u64;
        Ok(())
    }
}

/// Inserts `n` open SALE entries of the store, dated `at`.
async fn seed(db: &Db, n: i64, at: i64) {
    db.execute_trusted(&format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n}) \
         INSERT INTO ledger_entries (store_id, currency, type, detailed_type, amount, net, order_id, short_order_id, \
         capture_id, merchant_reference1, merchant_reference2, purchase_country, shipping_country, payment_method, \
         sale_date, capture_date, created_by, created_at) \
         SELECT '{STORE}', 'SEK', 'SALE', 'PURCHASE', 1000 + i % 90000, 1000 + i % 90000, \
         'b1e5c0de-0000-4000-8000-' || (100000000000 + i), 'S' || (1000000 + i), 'cap-' || i, 'ORDER-' || i, \
         'cart-' || i, 'SE', 'SE', 'INVOICE', {at} - 86400000, {at}, 'bench', {at} FROM n"
    ))
    .await
    .unwrap();
}

/// Closes everything open into one payout (Kassa's own close).
async fn close(db: &Db, reference: &str) -> PayoutRow {
    let now = kassa_web::now_ms();
    let made = db
        .close_payout(PayoutClose {
            store_id: STORE,
            cutoff: now + 1,
            kind: "manual",
            period_end: now,
            payout_date: now,
            references: vec![reference.to_owned()],
            created_by: "bench",
            now,
            job: None,
        })
        .await
        .unwrap();
    made.into_iter().next().expect("a payout")
}

/// The columns of the default report, in its order, as the baseline selects them; the
/// integer ones are the dates (0, 1) and amounts (2, 3, 4) of [`INTEGER_COLUMNS`].
const BASELINE_COLUMNS: &str = "e.store_id, e.merchant_reference1, e.merchant_reference2, e.sale_date, e.type, \
    e.detailed_type, e.capture_date, e.amount, e.vat_rate, e.vat_amount, e.order_id, e.short_order_id, \
    p.payment_reference, e.capture_id, e.refund_id, e.purchase_country, e.shipping_country, e.currency, \
    e.payment_method, e.merchant_capture_reference, e.merchant_refund_reference, e.comment";

/// Which of [`BASELINE_COLUMNS`] are integers: 'd' a date, 'a' an amount, 'n' a number.
const INTEGER_COLUMNS: [(usize, char); 5] = [(3, 'd'), (6, 'd'), (7, 'a'), (8, 'n'), (9, 'a')];

/// Writes one row as the bare loop does: every column in order, dates and amounts formatted
/// as the report has them, text as it is (no quoting).
fn bare_row<R: Row>(row: &R, out: &mut Vec<u8>)
where
    usize: sqlx::ColumnIndex<R>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    for i in 0..22 {
        if i > 0 {
            out.push(b';');
        }
        match INTEGER_COLUMNS.iter().find(|(c, _)| *c == i).map(|(_, k)| *k) {
            Some(kind) => {
                if let Some(v) = row.try_get::<Option<i64>, _>(i).ok().flatten() {
                    let text = match kind {
                        'd' => reports::format::rfc3339(v),
                        'a' => reports::format::decimal(v),
                        _ => v.to_string(),
                    };
                    out.extend_from_slice(text.as_bytes());
                }
            }
            None => {
                if let Some(v) = row.try_get::<Option<String>, _>(i).ok().flatten() {
                    out.extend_from_slice(v.as_bytes());
                }
            }
        }
    }
    out.extend_from_slice(b"\r\n");
}

/// The baseline: the payout's rows by one plain query, written as CSV by a bare loop.
async fn baseline(url: &str, schema: &str, payout_id: i64) -> (u64, u64, f64) {
    let sql = format!(
        "SELECT {BASELINE_COLUMNS} FROM ledger_entries e JOIN payouts p ON p.id = e.payout_id \
         WHERE e.payout_id = $1 ORDER BY e.id"
    );
    let mut out: Vec<u8> = Vec::with_capacity(1 << 20);
    let (mut rows, mut bytes) = (0u64, 0u64);
    let mut flush = |out: &mut Vec<u8>| {
        rows += 1;
        if out.len() > 1 << 20 {
            bytes += out.len() as u64;
            out.clear();
        }
    };
    let t = Instant::now();
    if url.starts_with("postgres") {
        let schema = schema.to_owned();
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .after_connect(move |c, _| {
                let schema = schema.clone();
                Box::pin(async move {
                    sqlx::query(&format!("SET search_path TO \"{schema}\""))
                        .execute(c)
                        .await
                        .map(|_| ())
                })
            })
            .connect(url)
            .await
            .unwrap();
        let mut stream = sqlx::query(&sql).bind(payout_id).fetch(&pool);
        while let Some(row) = stream.next().await {
            bare_row(&row.unwrap(), &mut out);
            flush(&mut out);
        }
    } else {
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(1)
            .connect(url)
            .await
            .unwrap();
        let mut stream = sqlx::query(&sql).bind(payout_id).fetch(&pool);
        while let Some(row) = stream.next().await {
            bare_row(&row.unwrap(), &mut out);
            flush(&mut out);
        }
    }
    bytes += out.len() as u64;
    (rows, bytes, t.elapsed().as_secs_f64())
}

fn print_csv(label: &str, rows: u64, bytes: u64, secs: f64, peak: f64) {
    println!(
        "{label}: {rows} rows, {:.1} MB in {secs:.2} s = {:.0} rows/s; peak RSS of the phase {peak:.1} MB \
         (anonymous, without the mapped database file: {:.1} MB)",
        bytes as f64 / 1e6,
        rows as f64 / secs,
        anon_peak_mb()
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let entries: i64 = std::env::var("KASSA_BENCH_ENTRIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    start_anon_sampler();
    let url = std::env::var("KASSA_BENCH_DATABASE_URL").unwrap_or_else(|_| "sqlite".into());
    let dir = tempfile::tempdir().unwrap();
    let schema = format!("kassa_bench_reports_{}", std::process::id());
    let (db, raw_url) = if url.starts_with("postgres") {
        let db = Db::connect(&DbConfig {
            pg_schema: Some(schema.clone()),
            max_connections: 8,
            ..DbConfig::new(url.clone())
        })
        .await
        .unwrap();
        (db, url.clone())
    } else {
        let file = format!("sqlite://{}", dir.path().join("kassa.db").display());
        (Db::connect(&DbConfig::new(file.clone())).await.unwrap(), file)
    };
    db.migrate().await.unwrap();
    kassa_web::demo::seed_if_empty(&db, &NewPassword::parse("bench password 123").unwrap())
        .await
        .unwrap();
    println!("{:?}; {} MB resident after start", db.backend(), memory_mb().1 as u64);

    // The PDF payout: 10,000 lines.
    let at = kassa_web::now_ms() - 3_600_000;
    seed(&db, 10_000, at).await;
    let small = close(&db, "BENCHPDF01").await;
    let mut times = Vec::new();
    let mut size = 0;
    reset_peak();
    for _ in 0..5 {
        let t = Instant::now();
        let pdf = reports::payout_pdf(&db, &small, Lang::En).await.unwrap();
        times.push(t.elapsed().as_secs_f64());
        size = pdf.len();
    }
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "PDF of a {}-line payout (reading included): median {:.2} s, best {:.2} s, worst {:.2} s; {:.1} MB, {} pages; \
         peak RSS of the phase {:.1} MB (target < 2 s)",
        small.entry_count,
        times[2],
        times[0],
        times[4],
        size as f64 / 1e6,
        pages(&reports::payout_pdf(&db, &small, Lang::En).await.unwrap()),
        memory_mb().0
    );

    // The CSV payout.
    let t = Instant::now();
    seed(&db, entries, at).await;
    let seeded = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let big = close(&db, "BENCHCSV01").await;
    // Statistics, as a database in service has them (autovacuum, or SQLite's optimize).
    db.execute_trusted("ANALYZE").await.unwrap();
    println!(
        "seeded {entries} entries in {seeded:.1} s; closed them into one payout in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let opts = CsvOptions::of_store(&db, STORE).await.unwrap();

    // Flat memory: a 10,000-row payout and the big one have the same peak. Each through
    // the reference path (whole entries: the "before") and the fast path (only the chosen
    // columns, written from the database's buffers: the "after"), alternated twice.
    for (label, payout) in [("CSV, 10,000-entry payout", &small), ("CSV, big payout", &big)] {
        for round in 1..=2 {
            for (path, reader) in [
                ("before: whole entries", reports::RowReader::Entries),
                ("after: fast path", reports::RowReader::Cells),
            ] {
                reset_peak();
                let mut sink = Counter::default();
                let t = Instant::now();
                let rows = reports::payout_csv_with(&db, payout, &opts, &mut sink, reader)
                    .await
                    .unwrap();
                print_csv(
                    &format!("{label} ({path}, round {round})"),
                    rows,
                    sink.bytes,
                    t.elapsed().as_secs_f64(),
                    memory_mb().0,
                );
            }
        }
    }
    reset_peak();
    let (rows, bytes, secs) = baseline(&raw_url, &schema, big.id).await;
    print_csv(
        "baseline (one query, bare CSV loop), big payout",
        rows,
        bytes,
        secs,
        memory_mb().0,
    );

    // The same report over HTTP, as a client downloads it.
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
    let state = AppState::new(db.clone(), config);
    tokio::spawn(server.serve(state, std::future::pending()));
    let store = db.store(STORE).await.unwrap().unwrap();
    let key = kassa_web::api::keys::create_key(&db, b"bench secret key of some length", &store, "bench", "bench")
        .await
        .unwrap();
    reset_peak();
    let t = Instant::now();
    let res = reqwest::Client::new()
        .get(format!(
            "{base}/settlements/v1/reports/payout-with-transactions?payment_reference={}",
            big.payment_reference
        ))
        .basic_auth(&key.username, Some(&key.password))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (mut bytes, mut lines) = (0u64, 0u64);
    let mut res = res;
    while let Some(chunk) = res.chunk().await.unwrap() {
        bytes += chunk.len() as u64;
        lines += chunk.iter().filter(|b| **b == b'\n').count() as u64;
    }
    // Four lines are the summary block and the headers.
    print_csv(
        "CSV over HTTP (GET /settlements/v1/reports/payout-with-transactions)",
        lines - 4,
        bytes,
        t.elapsed().as_secs_f64(),
        memory_mb().0,
    );

    if url.starts_with("postgres") {
        db.execute_trusted(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
            .await
            .unwrap();
    }
}

/// Pages of a PDF, read back with lopdf.
fn pages(pdf: &[u8]) -> usize {
    lopdf::Document::load_mem(pdf).map(|d| d.get_pages().len()).unwrap_or(0)
}
