//! Settlements at scale: one store with 1,000,000 ledger entries — 150 days of closed
//! history in daily payouts, and 100,000 entries still open. Measures the payout run that
//! closes the 100,000 open entries, and p50/p95 of the reads a merchant and the provider
//! open most: the balance (open totals by type plus the debt carried in) and the payouts
//! list (the Settlements API's offset page with its count, the portal's keyset page, and the
//! back office's payout runs across merchants).
//!
//!     cargo bench -p kassa-web --bench settlements                     # SQLite
//!     KASSA_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!         cargo bench -p kassa-web --bench settlements                 # PostgreSQL
//!
//! `KASSA_BENCH_ENTRIES` changes the total (default 1,000,000; a tenth of it is open).
//! `KASSA_BENCH_SQLITE=PATH` keeps the SQLite database in PATH, and `KASSA_BENCH_PG_SCHEMA=NAME`
//! the PostgreSQL one in schema NAME: a second run keeps the closed history and posts a new
//! open tenth (a payout run consumes it, and entries are never deleted).
//!
//! Entries are written with multi-row INSERTs in transactions of 50,000; each day's entries
//! are closed by `Db::close_payout` as the scheduler would, so the payouts and their totals
//! are the real ones. Reads are timed in-process (no HTTP), 200 runs each after a warm-up.

use kassa_app::settlements;
use kassa_app::Actor;
use kassa_core::account::NewPassword;
use kassa_core::ops_access::OperatorRole;
use kassa_core::settlement::{capture_postings, cutoff_of, from_ms, refund_postings, settlement_zone, to_ms};
use kassa_core::store_settings::MethodFee;
use kassa_db::{Db, DbConfig, EntrySelection, NewEntry, PayoutClose, PayoutQuery, PayoutRunFilter};
use std::time::Instant;

/// The store the entries are posted to: the demo's live store (paid out daily).
const STORE: &str = "M100002";
const DAYS: i64 = 150;
const DAY: i64 = 24 * 3600 * 1000;
const BATCH: usize = 50_000;
const RUNS: usize = 200;

/// A small deterministic generator.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// The entries of order `n` captured (and every tenth partly refunded) at `at`: SALE and
/// a 1.49 % + 1.80 SEK FEE, RETURN of a third — as the capture and refund operations post.
fn order_entries(dice: &mut Dice, n: u64, at: i64, out: &mut Vec<NewEntry>) {
    let fee = MethodFee::new(149, 180).unwrap();
    let amount = 10_000 + dice.roll(200_000) as i64;
    let order_id = format!("bench-{n:09}");
    let entry = |p: kassa_core::settlement::Posting, at: i64| NewEntry {
        store_id: STORE.into(),
        currency: "SEK".into(),
        kind: p.kind,
        detail: p.detail,
        amount: p.amount,
        vat_rate: None,
        vat_amount: None,
        order_id: Some(order_id.clone()),
        short_order_id: Some(format!("B{n:06}")),
        capture_id: Some(format!("cap-{n:09}")),
        refund_id: None,
        merchant_reference1: Some(format!("BENCH-{n}")),
        merchant_reference2: None,
        merchant_capture_reference: None,
        merchant_refund_reference: None,
        purchase_country: "SE".into(),
        shipping_country: Some("SE".into()),
        payment_method: Some("CARD".into()),
        sale_date: at - DAY,
        capture_date: at,
        comment: None,
        reversal_reference: None,
        releases_entry_id: None,
        created_by: "bench".into(),
        created_at: at,
    };
    for p in capture_postings(amount, fee, true, 0) {
        out.push(entry(p, at));
    }
    if n.is_multiple_of(10) {
        for p in refund_postings(amount / 3, fee, false, 0) {
            out.push(NewEntry {
                refund_id: Some(format!("ref-{n:09}")),
                ..entry(p, at + 1)
            });
        }
    }
}

/// Posts `count` entries spread over `[from, from + span)`, in transactions of `BATCH`.
/// Returns the next order number.
async fn post_entries(db: &Db, dice: &mut Dice, mut n: u64, count: usize, from: i64, span: i64) -> u64 {
    let mut written = 0;
    while written < count {
        let want = BATCH.min(count - written);
        let mut batch = Vec::with_capacity(want + 4);
        while batch.len() < want {
            let at = from + (span * (written + batch.len()) as i64) / count as i64;
            order_entries(dice, n, at, &mut batch);
            n += 1;
        }
        batch.truncate(want);
        let mut tx = db.begin().await.unwrap();
        tx.insert_ledger_entries_bulk(&batch).await.unwrap();
        tx.commit().await.unwrap();
        written += want;
    }
    n
}

fn pct(v: &[f64], p: f64) -> f64 {
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

/// p50/p95/max of `RUNS` runs of `f` after five warm-up runs, in ms.
async fn timed<F, Fut>(name: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = usize>,
{
    for _ in 0..5 {
        f().await;
    }
    let mut times = Vec::with_capacity(RUNS);
    let mut rows = 0;
    for _ in 0..RUNS {
        let t = Instant::now();
        rows = f().await;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "{name}: p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms ({RUNS} runs, {rows} rows)",
        pct(&times, 0.5),
        pct(&times, 0.95),
        times[times.len() - 1]
    );
}

/// How many entries and payouts the store holds.
async fn sizes(db: &Db, q: &PayoutQuery) -> (i64, i64) {
    let (_, entries) = db.entries_page(&q.store_ids, &EntrySelection::All, 0, 1).await.unwrap();
    let (_, payouts) = db.payouts_page(q, 0, 1).await.unwrap();
    (entries, payouts)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let total: usize = std::env::var("KASSA_BENCH_ENTRIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let open = total / 10;
    let url = std::env::var("KASSA_BENCH_DATABASE_URL").unwrap_or_else(|_| "sqlite".into());
    let dir = tempfile::tempdir().unwrap();
    let kept_schema = std::env::var("KASSA_BENCH_PG_SCHEMA").ok();
    let schema = kept_schema
        .clone()
        .unwrap_or_else(|| format!("kassa_bench_settlements_{}", std::process::id()));
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
        Db::connect(&DbConfig::new(format!("sqlite://{}", path.display())))
            .await
            .unwrap()
    };
    db.migrate().await.unwrap();
    let pw = NewPassword::parse("bench password 123").unwrap();
    kassa_web::demo::seed_if_empty(&db, &pw).await.unwrap();
    let backend = db.backend();
    let now = kassa_web::now_ms();

    // The closed history: a day of entries, then that day's payout, 150 times.
    let mut dice = Dice(42);
    let q = PayoutQuery {
        store_ids: vec![STORE.into()],
        ..Default::default()
    };
    let (_, payouts_before) = sizes(&db, &q).await;
    // Order numbers of this run (the ids only name the entries' orders).
    let mut n = (now % 1_000_000_000) as u64 * 1000;
    let mut reference = 0u64;
    let mut refs = |k: usize| -> Vec<String> {
        (0..k)
            .map(|_| {
                reference += 1;
                format!("B{:05}{:04}", std::process::id() % 100_000, reference)
            })
            .collect()
    };
    if payouts_before == 0 {
        let started = Instant::now();
        let closed = total - open;
        let first_day = from_ms(now - (DAYS + 2) * DAY).to_zoned(settlement_zone()).date();
        let mut day = first_day;
        let mut close_time = 0.0;
        for d in 0..DAYS as usize {
            let cutoff = to_ms(cutoff_of(day));
            let per_day = closed / DAYS as usize + usize::from(d < closed % DAYS as usize);
            n = post_entries(&db, &mut dice, n, per_day, cutoff - DAY + 60_000, DAY - 120_000).await;
            let t = Instant::now();
            let made = db
                .close_payout(PayoutClose {
                    store_id: STORE,
                    cutoff,
                    kind: "scheduled",
                    period_end: cutoff,
                    payout_date: cutoff,
                    references: refs(2),
                    created_by: "kassa",
                    now: cutoff,
                    job: None,
                })
                .await
                .unwrap();
            close_time += t.elapsed().as_secs_f64();
            assert_eq!(made.len(), 1);
            day = day.tomorrow().unwrap();
        }
        println!(
            "{backend:?}: seeded {closed} closed entries in {DAYS} daily payouts in {:.1} s ({:.0} entries/s; \
             closing a day of {} entries took {:.0} ms on average)",
            started.elapsed().as_secs_f64(),
            closed as f64 / started.elapsed().as_secs_f64(),
            closed / DAYS as usize,
            close_time * 1000.0 / DAYS as f64
        );
    } else {
        println!("{backend:?}: kept history of {payouts_before} payouts");
    }
    // The open tenth: posted over the hours since the last cut-off.
    let started = Instant::now();
    let since = to_ms(cutoff_of(from_ms(now - DAY).to_zoned(settlement_zone()).date()));
    post_entries(&db, &mut dice, n, open, since + 60_000, (now - since - 120_000).max(1)).await;
    let (entries, payouts) = sizes(&db, &q).await;
    println!(
        "{backend:?}: posted {open} open entries in {:.1} s; the store holds {entries} entries, {payouts} payouts",
        started.elapsed().as_secs_f64(),
    );
    // A settled database, as autovacuum leaves PostgreSQL's statistics and visibility map
    // after a bulk load; SQLite is measured as Kassa runs it (no ANALYZE).
    if url.starts_with("postgres") {
        db.execute_trusted("VACUUM (ANALYZE) ledger_entries").await.unwrap();
        db.execute_trusted("VACUUM (ANALYZE) payouts").await.unwrap();
    }

    let operator = Actor::operator(1, "bench@ops.kassa.test", OperatorRole::Finance, "127.0.0.1");
    let merchant_key = Actor::api_key(format!("{STORE}_bench"), STORE);
    let balance = || async {
        let b = settlements::balance(&db, &operator, Some(STORE)).await.unwrap();
        b.currencies.iter().map(|c| c.by_type.len()).sum()
    };
    timed(&format!("{backend:?}: balance with {open} open entries"), balance).await;
    let b = settlements::balance(&db, &merchant_key, None).await.unwrap();
    let c = &b.currencies[0];
    println!(
        "{backend:?}: the next payout would pay {} SEK of {} open entries (debt {})",
        c.next_payout.settlement_amount / 100,
        c.by_type.iter().map(|(_, _, n)| n).sum::<i64>(),
        c.debt
    );
    timed(
        &format!("{backend:?}: payouts list, offset page of 50 with count"),
        || async { db.payouts_page(&q, 0, 50).await.unwrap().0.len() },
    )
    .await;
    let after = db.payouts_after(&q, None, 50).await.unwrap();
    let last = after.last().map(|p| (p.payout_date, p.id));
    timed(
        &format!("{backend:?}: payouts list, keyset second page of 50"),
        || async { db.payouts_after(&q, last, 50).await.unwrap().len() },
    )
    .await;
    let runs = PayoutRunFilter::default();
    timed(
        &format!("{backend:?}: back office payout runs, page of 50 across merchants"),
        || async {
            settlements::payout_runs(&db, &operator, &runs, None, 51)
                .await
                .unwrap()
                .len()
        },
    )
    .await;

    // The payout run of the open tenth.
    let t = Instant::now();
    let made = db
        .close_payout(PayoutClose {
            store_id: STORE,
            cutoff: now + DAY,
            kind: "manual",
            period_end: now,
            payout_date: now,
            references: refs(2),
            created_by: "bench",
            now,
            job: None,
        })
        .await
        .unwrap();
    let took = t.elapsed().as_secs_f64();
    assert_eq!(made.len(), 1);
    assert_eq!(made[0].entry_count as usize, open);
    println!(
        "{backend:?}: payout run of {} open entries: {:.2} s (settlement {} SEK)",
        made[0].entry_count,
        took,
        made[0].settlement_amount / 100
    );
    timed(&format!("{backend:?}: balance after the run (nothing open)"), balance).await;

    if kept_schema.is_none() && url.starts_with("postgres") {
        db.execute_trusted(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
            .await
            .unwrap();
    }
}
