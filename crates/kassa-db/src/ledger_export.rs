//! Ledger entries chunk by chunk for the settlement reports (CSV of a payout, a store's
//! transactions over a date range), read ahead of the writer.
//!
//! As for the orders export (`order_export.rs`): on SQLite the chunks are read with rusqlite
//! on a blocking thread, because sqlx's SQLite driver copies every value of every row from
//! its worker thread, which held a report to well under 100,000 rows/s; PostgreSQL reads
//! through sqlx. The statements are those of [`Db::payout_entries_after`] and
//! [`Db::store_entries_after`], keyset on the entry id, so both paths read the same rows in
//! the same order.

use crate::ledger::{LedgerEntryRow, ENTRY_COLUMNS, ENTRY_FROM};
use crate::{Db, DbError, Result};
use kassa_core::settlement::{DetailedType, TxType};

/// Which entries a report reads.
#[derive(Debug, Clone)]
pub enum EntrySource {
    /// The entries of one payout.
    Payout(i64),
    /// A store's entries created in `[from, to)` (Unix ms), open or paid out.
    Store { store_id: String, from: i64, to: i64 },
}

/// Chunks of entries as [`Db::export_entries`] delivers them.
pub type EntryChunks = tokio::sync::mpsc::Receiver<Result<Vec<LedgerEntryRow>>>;

impl EntrySource {
    /// The keyset statement: `$1` the last id read, `$2` the chunk size, then the source's.
    fn sql(&self) -> String {
        let filter = match self {
            EntrySource::Payout(_) => "e.payout_id = $3",
            EntrySource::Store { .. } => "e.store_id = $3 AND e.created_at >= $4 AND e.created_at < $5",
        };
        format!("SELECT {ENTRY_COLUMNS} FROM {ENTRY_FROM} WHERE {filter} AND e.id > $1 ORDER BY e.id LIMIT $2")
    }
}

impl Db {
    /// Consecutive chunks of `chunk` entries of `source`, oldest first, read ahead by at most
    /// two chunks: a slow writer slows the reading down, and dropping the receiver stops it.
    pub fn export_entries(&self, source: EntrySource, chunk: i64) -> EntryChunks {
        let (tx, rx) = tokio::sync::mpsc::channel(2);
        if let crate::connect::Pool::Sqlite { read, .. } = &self.pool {
            let path = read.connect_options().get_filename().to_owned();
            if path.as_os_str() != ":memory:" {
                tokio::task::spawn_blocking(move || {
                    let sent = sqlite_chunks(&path, &source, chunk, |rows| tx.blocking_send(Ok(rows)).is_ok());
                    if let Err(e) = sent {
                        let _ = tx.blocking_send(Err(e));
                    }
                });
                return rx;
            }
        }
        let db = self.clone();
        tokio::spawn(async move {
            let mut after = 0;
            loop {
                let rows = match &source {
                    EntrySource::Payout(id) => db.payout_entries_after(*id, after, chunk).await,
                    EntrySource::Store { store_id, from, to } => {
                        db.store_entries_after(store_id, *from, *to, after, chunk).await
                    }
                };
                let rows = match rows {
                    Ok(rows) => rows,
                    Err(e) => return drop(tx.send(Err(e)).await),
                };
                let next = rows.last().filter(|_| rows.len() as i64 == chunk).map(|e| e.id);
                if rows.is_empty() || tx.send(Ok(rows)).await.is_err() {
                    return;
                }
                match next {
                    Some(id) => after = id,
                    None => return,
                }
            }
        });
        rx
    }
}

fn sqlite_chunks<F>(path: &std::path::Path, source: &EntrySource, chunk: i64, mut each: F) -> Result<()>
where
    F: FnMut(Vec<LedgerEntryRow>) -> bool,
{
    use rusqlite::types::Value;
    use rusqlite::OpenFlags;
    let conn = rusqlite::Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "mmap_size", crate::connect::SQLITE_MMAP_BYTES)?;
    let sql = source.sql();
    let mut stmt = conn.prepare(&sql)?;
    let mut after = 0i64;
    loop {
        let mut binds = vec![Value::Integer(after), Value::Integer(chunk)];
        match source {
            EntrySource::Payout(id) => binds.push(Value::Integer(*id)),
            EntrySource::Store { store_id, from, to } => binds.extend([
                Value::Text(store_id.clone()),
                Value::Integer(*from),
                Value::Integer(*to),
            ]),
        }
        // The text numbers its parameters `$n`; SQLite numbers them by first appearance.
        for i in 1..=stmt.parameter_count() {
            let n: usize = stmt
                .parameter_name(i)
                .and_then(|name| name.strip_prefix('$')?.parse().ok())
                .unwrap_or(i);
            stmt.raw_bind_parameter(i, binds[n - 1].clone())?;
        }
        let mut rows = Vec::with_capacity(chunk as usize);
        let mut cursor = stmt.raw_query();
        while let Some(r) = cursor.next()? {
            rows.push(entry_of(r)?);
        }
        drop(cursor);
        let next = rows.last().filter(|_| rows.len() as i64 == chunk).map(|e| e.id);
        if rows.is_empty() || !each(rows) {
            return Ok(());
        }
        match next {
            Some(id) => after = id,
            None => return Ok(()),
        }
    }
}

/// One row of [`ENTRY_COLUMNS`].
fn entry_of(r: &rusqlite::Row<'_>) -> Result<LedgerEntryRow> {
    let parse = |e: kassa_core::settlement::UnknownTxType| DbError::Conflict(e.to_string());
    Ok(LedgerEntryRow {
        id: r.get(0)?,
        store_id: r.get(1)?,
        currency: r.get(2)?,
        kind: r.get::<_, String>(3)?.parse::<TxType>().map_err(parse)?,
        detailed_type: r.get::<_, String>(4)?.parse::<DetailedType>().map_err(parse)?,
        amount: r.get(5)?,
        net: r.get(6)?,
        vat_rate: r.get(7)?,
        vat_amount: r.get(8)?,
        order_id: r.get(9)?,
        short_order_id: r.get(10)?,
        capture_id: r.get(11)?,
        refund_id: r.get(12)?,
        merchant_reference1: r.get(13)?,
        merchant_reference2: r.get(14)?,
        merchant_capture_reference: r.get(15)?,
        merchant_refund_reference: r.get(16)?,
        purchase_country: r.get(17)?,
        shipping_country: r.get(18)?,
        payment_method: r.get(19)?,
        sale_date: r.get(20)?,
        capture_date: r.get(21)?,
        comment: r.get(22)?,
        reversal_reference: r.get(23)?,
        created_by: r.get(24)?,
        created_at: r.get(25)?,
        payout_id: r.get(26)?,
        payment_reference: r.get(27)?,
    })
}

/// A stored field of a ledger entry, as the CSV reports' fast path reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryField {
    StoreId,
    Currency,
    Type,
    DetailedType,
    Amount,
    VatRate,
    VatAmount,
    OrderId,
    ShortOrderId,
    CaptureId,
    RefundId,
    MerchantReference1,
    MerchantReference2,
    MerchantCaptureReference,
    MerchantRefundReference,
    PurchaseCountry,
    ShippingCountry,
    PaymentMethod,
    SaleDate,
    CaptureDate,
    Comment,
    ReversalReference,
    /// The reference of the payout that closed the entry (none while it is open).
    PaymentReference,
}

impl EntryField {
    /// The field in a statement over `ledger_entries e` (and, for the payment reference,
    /// `pay`: the payout's reference, a joined column or a constant).
    fn sql(self, pay: &str) -> String {
        let column = match self {
            EntryField::StoreId => "e.store_id",
            EntryField::Currency => "e.currency",
            EntryField::Type => "e.type",
            EntryField::DetailedType => "e.detailed_type",
            EntryField::Amount => "e.amount",
            EntryField::VatRate => "e.vat_rate",
            EntryField::VatAmount => "e.vat_amount",
            EntryField::OrderId => "e.order_id",
            EntryField::ShortOrderId => "e.short_order_id",
            EntryField::CaptureId => "e.capture_id",
            EntryField::RefundId => "e.refund_id",
            EntryField::MerchantReference1 => "e.merchant_reference1",
            EntryField::MerchantReference2 => "e.merchant_reference2",
            EntryField::MerchantCaptureReference => "e.merchant_capture_reference",
            EntryField::MerchantRefundReference => "e.merchant_refund_reference",
            EntryField::PurchaseCountry => "e.purchase_country",
            EntryField::ShippingCountry => "e.shipping_country",
            EntryField::PaymentMethod => "e.payment_method",
            EntryField::SaleDate => "e.sale_date",
            EntryField::CaptureDate => "e.capture_date",
            EntryField::Comment => "e.comment",
            EntryField::ReversalReference => "e.reversal_reference",
            EntryField::PaymentReference => pay,
        };
        column.to_owned()
    }
}

/// One entry's cells, in the order of the fields asked for, borrowed from the reader's
/// buffers: nothing is allocated per row.
pub trait EntryCells {
    /// A text cell's bytes (UTF-8 as stored); `None` when NULL.
    fn bytes(&self, i: usize) -> Option<&[u8]>;
    /// An integer cell; `None` when NULL.
    fn int(&self, i: usize) -> Option<i64>;
}

/// What [`Db::export_entry_cells`] delivers: each chunk's bytes as the writer wrote them,
/// and how many entries they hold.
pub type CellChunks = tokio::sync::mpsc::Receiver<Result<(Vec<u8>, u64)>>;

/// The writer of one entry: appends it to the chunk's bytes. Shared, because PostgreSQL
/// reads with several connections at once.
pub type WriteEntry = std::sync::Arc<dyn Fn(&mut Vec<u8>, &dyn EntryCells) + Send + Sync>;

impl EntrySource {
    /// The fast path's statement (SQLite): `id` then the fields, keyset on the id as
    /// [`EntrySource::sql`]. A payout's reference is the same for all its entries, so it is
    /// read once rather than joined to each.
    fn cells_sql(&self, fields: &[EntryField]) -> String {
        let (from, filter, pay) = match self {
            EntrySource::Payout(_) => (
                "ledger_entries e",
                "e.payout_id = $3",
                "(SELECT payment_reference FROM payouts WHERE id = $3)",
            ),
            EntrySource::Store { .. } => (
                ENTRY_FROM,
                "e.store_id = $3 AND e.created_at >= $4 AND e.created_at < $5",
                "p.payment_reference",
            ),
        };
        let columns: Vec<String> = fields.iter().map(|f| f.sql(pay)).collect();
        format!(
            "SELECT e.id, {} FROM {from} WHERE {filter} AND e.id > $1 ORDER BY e.id LIMIT $2",
            columns.join(", ")
        )
    }

    /// The fast path's statement (PostgreSQL): one `COPY … TO STDOUT` of the fields in
    /// entry order. COPY takes no parameters, so the source's values are written in: numbers,
    /// and the store id as a quoted literal.
    fn copy_sql(&self, fields: &[EntryField], ids: (i64, i64)) -> String {
        let (from, filter, pay) = match self {
            EntrySource::Payout(id) => (
                "ledger_entries e".to_owned(),
                format!("e.payout_id = {id}"),
                format!("(SELECT payment_reference FROM payouts WHERE id = {id})"),
            ),
            EntrySource::Store { store_id, from, to } => (
                ENTRY_FROM.to_owned(),
                format!(
                    "e.store_id = '{}' AND e.created_at >= {from} AND e.created_at < {to}",
                    store_id.replace('\'', "''")
                ),
                "p.payment_reference".to_owned(),
            ),
        };
        let columns: Vec<String> = fields.iter().map(|f| f.sql(&pay)).collect();
        format!(
            "COPY (SELECT {} FROM {from} WHERE {filter} AND e.id >= {} AND e.id < {} ORDER BY e.id) TO STDOUT",
            columns.join(", "),
            ids.0,
            ids.1
        )
    }

    /// The lowest and highest entry id of the source (PostgreSQL), to split it in windows.
    fn bounds_sql(&self) -> &'static str {
        match self {
            EntrySource::Payout(_) => "SELECT MIN(e.id), MAX(e.id) FROM ledger_entries e WHERE e.payout_id = $1",
            EntrySource::Store { .. } => {
                "SELECT MIN(e.id), MAX(e.id) FROM ledger_entries e \
                 WHERE e.store_id = $2 AND e.created_at >= $3 AND e.created_at < $4 AND $1 = 0"
            }
        }
    }
}

impl Db {
    /// The entries of `source`, oldest first, each read as the cells of `fields` and
    /// handed to `write`, which appends it to the chunk's bytes; chunks of about `chunk`
    /// entries are delivered as they fill, read ahead by at most two. This is the CSV
    /// reports' fast path: only the fields asked for are read, and no row is materialised
    /// (SQLite: rusqlite's borrowed values on a blocking thread; PostgreSQL: one
    /// `COPY … TO STDOUT` whose text rows are split in place). Dropping the receiver stops
    /// the reading.
    pub fn export_entry_cells(
        &self,
        source: EntrySource,
        fields: Vec<EntryField>,
        chunk: i64,
        write: WriteEntry,
    ) -> CellChunks {
        let (tx, rx) = tokio::sync::mpsc::channel(2);
        match &self.pool {
            crate::connect::Pool::Sqlite { read, .. } => {
                let path = read.connect_options().get_filename().to_owned();
                tokio::task::spawn_blocking(move || {
                    let sent = sqlite_cells(&path, &source, &fields, chunk, &write, |bytes, rows| {
                        tx.blocking_send(Ok((bytes, rows))).is_ok()
                    });
                    if let Err(e) = sent {
                        let _ = tx.blocking_send(Err(e));
                    }
                });
            }
            crate::connect::Pool::Postgres(pool) => {
                let pool = pool.clone();
                tokio::spawn(async move {
                    if let Err(e) = postgres_cells(&pool, &source, &fields, chunk, write, &tx).await {
                        let _ = tx.send(Err(e)).await;
                    }
                });
            }
        }
        rx
    }
}

/// A rusqlite row's cells, after its leading id.
struct SqliteCells<'a, 'b>(&'a rusqlite::Row<'b>);

impl EntryCells for SqliteCells<'_, '_> {
    fn bytes(&self, i: usize) -> Option<&[u8]> {
        use rusqlite::types::ValueRef;
        match self.0.get_ref(i + 1).ok()? {
            ValueRef::Text(t) | ValueRef::Blob(t) => Some(t),
            _ => None,
        }
    }

    fn int(&self, i: usize) -> Option<i64> {
        use rusqlite::types::ValueRef;
        match self.0.get_ref(i + 1).ok()? {
            ValueRef::Integer(n) => Some(n),
            _ => None,
        }
    }
}

fn sqlite_cells<F>(
    path: &std::path::Path,
    source: &EntrySource,
    fields: &[EntryField],
    chunk: i64,
    write: &WriteEntry,
    mut each: F,
) -> Result<()>
where
    F: FnMut(Vec<u8>, u64) -> bool,
{
    use rusqlite::types::Value;
    use rusqlite::OpenFlags;
    let conn = if path.as_os_str() == ":memory:" {
        return Err(DbError::Conflict("an in-memory database cannot be exported".into()));
    } else {
        rusqlite::Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?
    };
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "mmap_size", crate::connect::SQLITE_MMAP_BYTES)?;
    let sql = source.cells_sql(fields);
    let mut stmt = conn.prepare(&sql)?;
    let mut after = 0i64;
    loop {
        let mut binds = vec![Value::Integer(after), Value::Integer(chunk)];
        match source {
            EntrySource::Payout(id) => binds.push(Value::Integer(*id)),
            EntrySource::Store { store_id, from, to } => binds.extend([
                Value::Text(store_id.clone()),
                Value::Integer(*from),
                Value::Integer(*to),
            ]),
        }
        for i in 1..=stmt.parameter_count() {
            let n: usize = stmt
                .parameter_name(i)
                .and_then(|name| name.strip_prefix('$')?.parse().ok())
                .unwrap_or(i);
            stmt.raw_bind_parameter(i, binds[n - 1].clone())?;
        }
        let mut out = Vec::with_capacity(256 * chunk as usize);
        let mut rows = 0u64;
        let mut last = after;
        let mut cursor = stmt.raw_query();
        while let Some(r) = cursor.next()? {
            last = r.get(0)?;
            write(&mut out, &SqliteCells(r));
            rows += 1;
        }
        drop(cursor);
        if rows == 0 || !each(out, rows) || (rows as i64) < chunk {
            return Ok(());
        }
        after = last;
    }
}

/// One text row of a `COPY … TO STDOUT` (tab-separated, `\N` for NULL, backslash escapes)
/// split in place: each cell is a range of the line, or of `scratch` when it had escapes.
struct CopyRow<'a> {
    line: &'a [u8],
    scratch: &'a [u8],
    cells: &'a [Cell],
}

#[derive(Clone, Copy, Default)]
struct Cell {
    start: usize,
    end: usize,
    null: bool,
    unescaped: bool,
}

impl EntryCells for CopyRow<'_> {
    fn bytes(&self, i: usize) -> Option<&[u8]> {
        let c = self.cells.get(i)?;
        if c.null {
            None
        } else if c.unescaped {
            Some(&self.scratch[c.start..c.end])
        } else {
            Some(&self.line[c.start..c.end])
        }
    }

    fn int(&self, i: usize) -> Option<i64> {
        let b = self.bytes(i)?;
        let (negative, digits) = match b.split_first() {
            Some((b'-', rest)) => (true, rest),
            _ => (false, b),
        };
        if digits.is_empty() {
            return None;
        }
        let mut n: i64 = 0;
        for d in digits {
            if !d.is_ascii_digit() {
                return None;
            }
            n = n.checked_mul(10)?.checked_add(i64::from(d - b'0'))?;
        }
        Some(if negative { -n } else { n })
    }
}

/// Splits one COPY text line (without its `\n`) into `cells`, unescaping into `scratch`
/// the cells that need it.
fn split_copy_line(line: &[u8], cells: &mut Vec<Cell>, scratch: &mut Vec<u8>) {
    cells.clear();
    scratch.clear();
    for (start, end) in field_ranges(line) {
        let raw = &line[start..end];
        if raw == b"\\N" {
            cells.push(Cell {
                null: true,
                ..Cell::default()
            });
        } else if raw.contains(&b'\\') {
            let from = scratch.len();
            unescape(raw, scratch);
            cells.push(Cell {
                start: from,
                end: scratch.len(),
                null: false,
                unescaped: true,
            });
        } else {
            cells.push(Cell {
                start,
                end,
                null: false,
                unescaped: false,
            });
        }
    }
}

/// The tab-separated fields of a line (a tab inside a value is written `\t`).
fn field_ranges(line: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut start = 0;
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        let from = start;
        match line[from..].iter().position(|b| *b == b'\t') {
            Some(i) => {
                start = from + i + 1;
                Some((from, from + i))
            }
            None => {
                done = true;
                Some((from, line.len()))
            }
        }
    })
}

/// COPY's text escapes: `\\`, `\b`, `\f`, `\n`, `\r`, `\t`, `\v`, octal `\NNN` and hex `\xHH`.
fn unescape(raw: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        if b != b'\\' || i + 1 == raw.len() {
            out.push(b);
            i += 1;
            continue;
        }
        let c = raw[i + 1];
        i += 2;
        match c {
            b'b' => out.push(0x08),
            b'f' => out.push(0x0c),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(0x0b),
            b'0'..=b'7' => {
                let mut v = u32::from(c - b'0');
                let mut n = 1;
                while n < 3 && i < raw.len() && (b'0'..=b'7').contains(&raw[i]) {
                    v = v * 8 + u32::from(raw[i] - b'0');
                    i += 1;
                    n += 1;
                }
                out.push(v as u8);
            }
            b'x' if i < raw.len() && raw[i].is_ascii_hexdigit() => {
                let mut v = 0u32;
                let mut n = 0;
                while n < 2 && i < raw.len() && raw[i].is_ascii_hexdigit() {
                    v = v * 16 + (raw[i] as char).to_digit(16).unwrap_or(0);
                    i += 1;
                    n += 1;
                }
                out.push(v as u8);
            }
            other => out.push(other),
        }
    }
}

/// Ids per window of a PostgreSQL export, at least; a source spread over many ids gets wider
/// windows, so there are at most [`MAX_WINDOWS`].
const PG_WINDOW_IDS: i64 = 25_000;
const MAX_WINDOWS: i64 = 400;
/// Connections that read windows at once: PostgreSQL renders COPY rows on one core per
/// connection, which held one COPY to well under the 500,000 rows/s a report needs.
const PG_READERS: usize = 2;

/// What a window's reader hands on: its chunks, then the end of the window.
enum Piece {
    Chunk(Vec<u8>, u64),
    End,
}

/// The fast path on PostgreSQL: the source's id range is cut into windows, read by
/// [`PG_READERS`] connections in turn (window `i` by reader `i % PG_READERS`), each window
/// one `COPY`, and the windows are handed on in order. Each reader is at most two chunks
/// ahead, so memory stays flat however many rows there are.
async fn postgres_cells(
    pool: &sqlx::PgPool,
    source: &EntrySource,
    fields: &[EntryField],
    chunk: i64,
    write: WriteEntry,
    tx: &tokio::sync::mpsc::Sender<Result<(Vec<u8>, u64)>>,
) -> Result<()> {
    let (key, store, from, to) = match source {
        EntrySource::Payout(id) => (*id, "", 0, 0),
        EntrySource::Store { store_id, from, to } => (0, store_id.as_str(), *from, *to),
    };
    let (lo, hi): (Option<i64>, Option<i64>) = sqlx::query_as(source.bounds_sql())
        .bind(key)
        .bind(store)
        .bind(from)
        .bind(to)
        .fetch_one(pool)
        .await?;
    let (Some(lo), Some(hi)) = (lo, hi) else {
        return Ok(());
    };
    let width = PG_WINDOW_IDS.max((hi - lo + 1) / MAX_WINDOWS + 1);
    let windows: Vec<(i64, i64)> = (0..)
        .map(|i| lo + i * width)
        .take_while(|start| *start <= hi)
        .map(|start| (start, (start + width).min(hi + 1)))
        .collect();
    let readers = PG_READERS.min(windows.len());
    let mut inboxes = Vec::with_capacity(readers);
    for r in 0..readers {
        let (pieces, inbox) = tokio::sync::mpsc::channel::<Result<Piece>>(2);
        let mine: Vec<(i64, i64)> = windows.iter().copied().skip(r).step_by(readers).collect();
        let (pool, source, fields, write) = (pool.clone(), source.clone(), fields.to_vec(), write.clone());
        tokio::spawn(async move {
            for ids in mine {
                let sql = source.copy_sql(&fields, ids);
                match copy_window(&pool, &sql, fields.len(), chunk, &write, &pieces).await {
                    Ok(true) if pieces.send(Ok(Piece::End)).await.is_ok() => {}
                    Ok(_) => return,
                    Err(e) => return drop(pieces.send(Err(e)).await),
                }
            }
        });
        inboxes.push(inbox);
    }
    for i in 0..windows.len() {
        let inbox = &mut inboxes[i % readers];
        loop {
            match inbox.recv().await {
                Some(Ok(Piece::Chunk(bytes, rows))) => {
                    if tx.send(Ok((bytes, rows))).await.is_err() {
                        // The report stopped: dropping the inboxes stops the readers.
                        return Ok(());
                    }
                }
                Some(Ok(Piece::End)) => break,
                Some(Err(e)) => return Err(e),
                None => return Err(DbError::Conflict("an export reader stopped early".into())),
            }
        }
    }
    Ok(())
}

/// One window's `COPY`, written chunk by chunk into `pieces`. False when the receiver is
/// gone (the report stopped).
async fn copy_window(
    pool: &sqlx::PgPool,
    sql: &str,
    width: usize,
    chunk: i64,
    write: &WriteEntry,
    pieces: &tokio::sync::mpsc::Sender<Result<Piece>>,
) -> Result<bool> {
    use futures_util::StreamExt;
    let mut conn = pool.acquire().await?;
    let mut cells = Vec::with_capacity(width);
    let mut scratch = Vec::new();
    // A line cut between two messages waits here for its end.
    let mut partial: Vec<u8> = Vec::new();
    let mut out = Vec::with_capacity(256 * chunk as usize);
    let mut rows = 0u64;
    let mut stopped = false;
    {
        let mut stream = conn.copy_out_raw(sql).await?;
        let mut emit = |line: &[u8], out: &mut Vec<u8>| {
            split_copy_line(line, &mut cells, &mut scratch);
            write(
                out,
                &CopyRow {
                    line,
                    scratch: &scratch,
                    cells: &cells,
                },
            );
        };
        while let Some(data) = stream.next().await {
            let data = data?;
            let mut rest: &[u8] = &data;
            if !partial.is_empty() {
                match rest.iter().position(|b| *b == b'\n') {
                    Some(i) => {
                        partial.extend_from_slice(&rest[..i]);
                        emit(&partial, &mut out);
                        rows += 1;
                        partial.clear();
                        rest = &rest[i + 1..];
                    }
                    None => {
                        partial.extend_from_slice(rest);
                        continue;
                    }
                }
            }
            while let Some(i) = rest.iter().position(|b| *b == b'\n') {
                emit(&rest[..i], &mut out);
                rows += 1;
                rest = &rest[i + 1..];
            }
            partial.extend_from_slice(rest);
            if rows >= chunk as u64 {
                let full = std::mem::replace(&mut out, Vec::with_capacity(256 * chunk as usize));
                if pieces.send(Ok(Piece::Chunk(full, rows))).await.is_err() {
                    stopped = true;
                    break;
                }
                rows = 0;
            }
        }
    }
    if stopped {
        // The rest of the COPY would have to be read before the connection could be used
        // again: close it instead.
        conn.close_on_drop();
        return Ok(false);
    }
    if rows > 0 && pieces.send(Ok(Piece::Chunk(out, rows))).await.is_err() {
        return Ok(false);
    }
    Ok(true)
}
