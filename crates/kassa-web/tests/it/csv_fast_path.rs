//! The CSV reports' fast path (only the chosen columns, written from the database's own
//! buffers: rusqlite on SQLite, `COPY … TO STDOUT` on PostgreSQL) writes exactly the bytes
//! of the reference path (whole entries), on random entries full of awkward text, for
//! random column choices, both delimiters, with and without a BOM.

use crate::support::{on_each_backend, TestApp};
use kassa_core::settlement::{DetailedType, TxType};
use kassa_db::{NewEntry, PayoutClose};
use kassa_web::reports::{self, Column, CsvOptions, ReportError, RowReader, Sink};

const STORE: &str = "M100001";

#[derive(Default)]
struct Bytes(Vec<u8>);

impl Sink for Bytes {
    async fn put(&mut self, bytes: Vec<u8>) -> Result<(), ReportError> {
        self.0.extend_from_slice(&bytes);
        Ok(())
    }
}

/// A small deterministic generator (xorshift), one sequence per seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// Text that a CSV or a COPY stream could trip over.
const PIECES: &[&str] = &[
    "",
    "a",
    "ORDER-1",
    ";",
    ",",
    "\"",
    "\"\"",
    "\n",
    "\r\n",
    "\t",
    "\\",
    "\\N",
    "\\t",
    "åäö",
    "Ünïcødé ✓",
    " ",
    "x y",
    "0",
    "-1",
    "NULL",
    "=SUM(A1)",
    "\u{1F600}",
];

fn text(rng: &mut Rng) -> String {
    (0..rng.below(4)).map(|_| *rng.pick(PIECES)).collect()
}

fn maybe(rng: &mut Rng) -> Option<String> {
    match rng.below(4) {
        0 => None,
        1 => Some(String::new()),
        _ => Some(text(rng)),
    }
}

fn entry(rng: &mut Rng, at: i64) -> NewEntry {
    let amount = match rng.below(5) {
        0 => -(rng.below(1_000_000_000) as i64),
        1 => rng.below(100) as i64,
        _ => rng.below(10_000_000) as i64,
    };
    NewEntry {
        store_id: STORE.into(),
        currency: rng.pick(&["SEK", "EUR", "NOK"]).to_string(),
        // Not HOLDBACK: the payout close would release those (the store holds no reserve),
        // adding entries of its own.
        kind: *rng.pick(
            &TxType::ALL
                .into_iter()
                .filter(|t| *t != TxType::Holdback)
                .collect::<Vec<_>>(),
        ),
        detail: *rng.pick(&DetailedType::ALL),
        amount,
        vat_rate: (rng.below(2) == 0).then(|| rng.below(3000) as i64),
        vat_amount: (rng.below(2) == 0).then(|| rng.below(100_000) as i64 - 50_000),
        order_id: maybe(rng),
        short_order_id: maybe(rng),
        capture_id: maybe(rng),
        refund_id: maybe(rng),
        merchant_reference1: maybe(rng),
        merchant_reference2: maybe(rng),
        merchant_capture_reference: maybe(rng),
        merchant_refund_reference: maybe(rng),
        purchase_country: rng.pick(&["SE", "FI", "", "S;E"]).to_string(),
        shipping_country: maybe(rng),
        payment_method: rng
            .pick(&[None, Some("INVOICE"), Some("Card"), Some("PAY_IN_X"), Some("Wéird;\"")])
            .map(str::to_owned),
        sale_date: at - rng.below(400 * 86_400_000) as i64,
        capture_date: at - rng.below(86_400_000) as i64,
        comment: maybe(rng),
        reversal_reference: maybe(rng),
        releases_entry_id: None,
        created_by: "tests".into(),
        created_at: at,
    }
}

fn options(rng: &mut Rng) -> CsvOptions {
    let mut columns: Vec<Column> = Column::ALL.to_vec();
    // A random order, and a random number of them (at least one).
    for i in (1..columns.len()).rev() {
        columns.swap(i, rng.below(i as u64 + 1) as usize);
    }
    columns.truncate(1 + rng.below(Column::ALL.len() as u64) as usize);
    CsvOptions {
        delimiter: *rng.pick(b";,"),
        bom: rng.below(2) == 0,
        columns,
    }
}

async fn insert(app: &TestApp, entries: &[NewEntry]) {
    let mut tx = app.db().begin().await.unwrap();
    tx.insert_ledger_entries(entries).await.unwrap();
    tx.commit().await.unwrap();
}

async fn both_ways_store(app: &TestApp, from: i64, to: i64, opts: &CsvOptions) -> (Vec<u8>, Vec<u8>, u64) {
    let mut fast = Bytes::default();
    let rows =
        reports::store_transactions_csv_with(app.db(), STORE, from, to, opts, &mut fast, |_| {}, RowReader::Cells)
            .await
            .unwrap();
    let mut reference = Bytes::default();
    let rows_ref = reports::store_transactions_csv_with(
        app.db(),
        STORE,
        from,
        to,
        opts,
        &mut reference,
        |_| {},
        RowReader::Entries,
    )
    .await
    .unwrap();
    assert_eq!(rows, rows_ref);
    (fast.0, reference.0, rows)
}

#[tokio::test]
async fn the_fast_csv_path_writes_the_same_bytes_as_the_reference_path() {
    on_each_backend(|app| async move {
        let now = kassa_web::now_ms();
        let seed = now as u64 | 1;
        let mut rng = Rng(seed);
        // More than two chunks, so chunk edges are crossed.
        let n = 2 * reports::csv::CHUNK as usize + 1 + rng.below(500) as usize;
        let at = now - 60_000;
        let entries: Vec<NewEntry> = (0..n).map(|_| entry(&mut rng, at)).collect();
        // In three parts with wide gaps of ids between them on PostgreSQL, so its export
        // reads several id windows with several connections, empty windows included.
        for part in entries.chunks(n / 3 + 1) {
            insert(&app, part).await;
            if app.db().backend() == kassa_db::Backend::Postgres {
                app.db()
                    .execute_trusted(
                        "SELECT setval(pg_get_serial_sequence('ledger_entries', 'id'), \
                         (SELECT MAX(id) FROM ledger_entries) + 60000)",
                    )
                    .await
                    .unwrap();
            }
        }

        // Open entries: the store's range (no payment reference yet).
        for _ in 0..6 {
            let opts = options(&mut rng);
            let (fast, reference, rows) = both_ways_store(&app, at - 1, at + 1, &opts).await;
            assert_eq!(rows, n as u64);
            assert!(
                fast == reference,
                "seed {seed}: the paths differ for {opts:?}:\n{}\n---\n{}",
                String::from_utf8_lossy(&fast[..fast.len().min(2000)]),
                String::from_utf8_lossy(&reference[..reference.len().min(2000)])
            );
        }
        // An empty range writes the header only, both ways.
        let (fast, reference, rows) = both_ways_store(&app, 0, 1, &CsvOptions::default()).await;
        assert_eq!((rows, fast.clone()), (0, reference));

        // Closed into a payout: the payout's report, with its reference in every row.
        let made = app
            .db()
            .close_payout(PayoutClose {
                store_id: STORE,
                cutoff: now + 1,
                kind: "manual",
                period_end: now,
                payout_date: now,
                references: vec!["FASTPATH01".into(), "FASTPATH02".into(), "FASTPATH03".into()],
                created_by: "tests",
                now,
                job: None,
            })
            .await
            .unwrap();
        assert_eq!(made.len(), 3, "one payout per currency");
        let mut total = 0;
        for payout in &made {
            for _ in 0..4 {
                let mut opts = options(&mut rng);
                if !opts.columns.contains(&Column::PaymentReference) {
                    opts.columns.push(Column::PaymentReference);
                }
                let mut fast = Bytes::default();
                let rows = reports::payout_csv_with(app.db(), payout, &opts, &mut fast, RowReader::Cells)
                    .await
                    .unwrap();
                let mut reference = Bytes::default();
                reports::payout_csv_with(app.db(), payout, &opts, &mut reference, RowReader::Entries)
                    .await
                    .unwrap();
                assert_eq!(rows, payout.entry_count as u64);
                assert!(fast.0 == reference.0, "seed {seed}: payout report differs for {opts:?}");
                let text = String::from_utf8_lossy(&fast.0).into_owned();
                assert!(text.contains(&payout.payment_reference));
            }
            total += payout.entry_count;
        }
        assert_eq!(total, n as i64);
        let (fast, reference, _) = both_ways_store(&app, at - 1, at + 1, &options(&mut rng)).await;
        assert!(fast == reference, "seed {seed}: paid-out entries by range");
    })
    .await;
}
