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
