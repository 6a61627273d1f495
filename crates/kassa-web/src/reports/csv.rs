//! CSV settlement reports, streamed: the database is read in chunks of [`CHUNK`] entries
//! (keyset on the entry id) and each chunk is handed to a [`Sink`] as soon as it is
//! written, so memory stays flat however many transactions a report has.
//!
//! A report has two blocks separated by an empty line, as Klarna's has header and body
//! fields: first the payout summary (`merchant_id`, `payment_reference`, `payout_date`,
//! `currency_code`, `merchant_settlement_type` and the `total_*` amounts, one row per
//! payout), then one row per transaction in the store's chosen columns. Amounts are
//! decimals in the currency (`1234.50`), dates RFC 3339 in UTC, lines end in CRLF.

use super::format::{write_decimal, write_i64, write_rfc3339};
use super::{Column, CsvOptions, ReportError, Sink};
use kassa_db::{Db, EntryCells, EntrySource, LedgerEntryRow, PayoutQuery, PayoutRow};

/// Entries read (and written) per round trip.
pub const CHUNK: i64 = 2_000;

/// Payouts read per round trip of a date-range report.
const PAYOUT_CHUNK: i64 = 200;

/// The summary block's columns, in order.
pub const SUMMARY_COLUMNS: [&str; 22] = [
    "merchant_id",
    "payment_reference",
    "payout_date",
    "currency_code",
    "merchant_settlement_type",
    "total_sale_amount",
    "total_fee_amount",
    "total_return_amount",
    "total_fee_refund_amount",
    "total_reversal_amount",
    "total_holdback_amount",
    "total_release_amount",
    "total_fee_correction_amount",
    "total_charge_amount",
    "total_credit_amount",
    "total_commission_amount",
    "total_tax_amount",
    "total_repay_amount",
    "total_deposit_amount",
    "opening_debt_balance_amount",
    "closing_debt_balance_amount",
    "total_settlement_amount",
];

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A text cell, quoted when it holds the delimiter, a quote or a line break.
fn write_text(out: &mut Vec<u8>, text: &str, delimiter: u8) {
    write_text_bytes(out, text.as_bytes(), delimiter, false);
}

/// [`write_text`] of stored bytes, ASCII-lowercased when `lower`.
fn write_text_bytes(out: &mut Vec<u8>, text: &[u8], delimiter: u8, lower: bool) {
    let needs_quotes = text
        .iter()
        .any(|&b| b == delimiter || b == b'"' || b == b'\n' || b == b'\r');
    if !needs_quotes && !lower {
        out.extend_from_slice(text);
        return;
    }
    if needs_quotes {
        out.push(b'"');
    }
    for &b in text {
        if b == b'"' {
            out.push(b'"');
        }
        out.push(if lower { b.to_ascii_lowercase() } else { b });
    }
    if needs_quotes {
        out.push(b'"');
    }
}

fn write_names<'a>(out: &mut Vec<u8>, names: impl Iterator<Item = &'a str>, delimiter: u8) {
    for (i, name) in names.enumerate() {
        if i > 0 {
            out.push(delimiter);
        }
        out.extend_from_slice(name.as_bytes());
    }
    out.extend_from_slice(b"\r\n");
}

/// One payout's summary row.
fn write_summary(out: &mut Vec<u8>, p: &PayoutRow, delimiter: u8) {
    write_text(out, &p.store_id, delimiter);
    out.push(delimiter);
    write_text(out, &p.payment_reference, delimiter);
    out.push(delimiter);
    write_rfc3339(out, p.payout_date);
    out.push(delimiter);
    write_text(out, &p.currency, delimiter);
    out.push(delimiter);
    out.extend_from_slice(b"NET");
    let t = p.totals();
    for amount in [
        t.sale_amount,
        t.fee_amount,
        t.return_amount,
        t.fee_refund_amount,
        t.reversal_amount,
        t.holdback_amount,
        t.release_amount,
        t.correction_amount,
        t.charge_amount,
        t.credit_amount,
        t.commission_amount,
        t.tax_amount,
        t.repay_amount,
        t.deposit_amount,
        t.opening_debt_balance_amount,
        t.closing_debt_balance_amount,
        t.settlement_amount,
    ] {
        out.push(delimiter);
        write_decimal(out, amount);
    }
    out.extend_from_slice(b"\r\n");
}

/// One transaction row in the chosen columns.
fn write_entry(out: &mut Vec<u8>, e: &LedgerEntryRow, opts: &CsvOptions) {
    for (i, column) in opts.columns.iter().enumerate() {
        if i > 0 {
            out.push(opts.delimiter);
        }
        match column {
            Column::Amount => write_decimal(out, e.amount),
            Column::VatAmount => {
                if let Some(v) = e.vat_amount {
                    write_decimal(out, v);
                }
            }
            Column::VatRate => {
                if let Some(v) = e.vat_rate {
                    write_i64(out, v);
                }
            }
            Column::SaleDate => write_rfc3339(out, e.sale_date),
            Column::CaptureDate => write_rfc3339(out, e.capture_date),
            // As the API writes it (`invoice`, `card`).
            Column::InitialPaymentMethodType => {
                let method = e.payment_method.as_deref().unwrap_or("").to_ascii_lowercase();
                write_text(out, &method, opts.delimiter)
            }
            other => write_text(out, other.text(e).unwrap_or(""), opts.delimiter),
        }
    }
    out.extend_from_slice(b"\r\n");
}

/// One transaction row from its stored cells (the fast path): the same bytes as
/// [`write_entry`] writes of the same entry. Cell `i` is column `i`'s field.
fn write_cells(out: &mut Vec<u8>, cells: &dyn EntryCells, columns: &[Column], delimiter: u8) {
    for (i, column) in columns.iter().enumerate() {
        if i > 0 {
            out.push(delimiter);
        }
        match column {
            Column::Amount => write_decimal(out, cells.int(i).unwrap_or(0)),
            Column::VatAmount => {
                if let Some(v) = cells.int(i) {
                    write_decimal(out, v);
                }
            }
            Column::VatRate => {
                if let Some(v) = cells.int(i) {
                    write_i64(out, v);
                }
            }
            Column::SaleDate | Column::CaptureDate => write_rfc3339(out, cells.int(i).unwrap_or(0)),
            Column::InitialPaymentMethodType => write_text_bytes(out, cells.bytes(i).unwrap_or(b""), delimiter, true),
            _ => write_text_bytes(out, cells.bytes(i).unwrap_or(b""), delimiter, false),
        }
    }
    out.extend_from_slice(b"\r\n");
}

/// How the transaction rows are read: the fast path (only the chosen columns, written
/// from the database's own buffers), or whole entries (the first implementation, kept as
/// the reference the fast path is tested and measured against).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RowReader {
    #[default]
    Cells,
    Entries,
}

fn start(opts: &CsvOptions) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 * 1024);
    if opts.bom {
        out.extend_from_slice(BOM);
    }
    out
}

fn write_summary_header(out: &mut Vec<u8>, opts: &CsvOptions) {
    write_names(out, SUMMARY_COLUMNS.into_iter(), opts.delimiter);
}

fn write_body_header(out: &mut Vec<u8>, opts: &CsvOptions) {
    write_names(out, opts.columns.iter().map(|c| c.name()), opts.delimiter);
}

/// Writes the entries of `source` to the sink chunk by chunk as the database reads them
/// (ahead of the writer, on its own thread: see [`Db::export_entries`]). `out` (the text
/// so far) goes first. Returns the number of entries.
async fn stream_entries<S: Sink>(
    db: &Db,
    source: EntrySource,
    opts: &CsvOptions,
    out: Vec<u8>,
    sink: &mut S,
    progress: impl FnMut(u64) + Send,
    reader: RowReader,
) -> Result<u64, ReportError> {
    match reader {
        RowReader::Cells => stream_cells(db, source, opts, out, sink, progress).await,
        RowReader::Entries => stream_entry_rows(db, source, opts, out, sink, progress).await,
    }
}

/// The fast path of [`stream_entries`]: the rows are written on the reading side (see
/// [`Db::export_entry_cells`]) and arrive as bytes.
async fn stream_cells<S: Sink>(
    db: &Db,
    source: EntrySource,
    opts: &CsvOptions,
    out: Vec<u8>,
    sink: &mut S,
    mut progress: impl FnMut(u64) + Send,
) -> Result<u64, ReportError> {
    let columns = opts.columns.clone();
    let delimiter = opts.delimiter;
    let fields = columns.iter().map(|c| c.field()).collect();
    let write = std::sync::Arc::new(move |buf: &mut Vec<u8>, cells: &dyn EntryCells| {
        write_cells(buf, cells, &columns, delimiter)
    });
    let mut chunks = db.export_entry_cells(source, fields, CHUNK, write);
    let mut head = (!out.is_empty()).then_some(out);
    let mut rows = 0u64;
    while let Some(chunk) = chunks.recv().await {
        let (bytes, n) = chunk?;
        match head.take() {
            Some(mut first) => {
                first.extend_from_slice(&bytes);
                sink.put(first).await?;
            }
            None => sink.put(bytes).await?,
        }
        rows += n;
        progress(rows);
    }
    if let Some(first) = head {
        sink.put(first).await?;
    }
    Ok(rows)
}

/// [`stream_entries`] through whole entries.
async fn stream_entry_rows<S: Sink>(
    db: &Db,
    source: EntrySource,
    opts: &CsvOptions,
    mut out: Vec<u8>,
    sink: &mut S,
    mut progress: impl FnMut(u64) + Send,
) -> Result<u64, ReportError> {
    let mut chunks = db.export_entries(source, CHUNK);
    let mut rows = 0u64;
    while let Some(chunk) = chunks.recv().await {
        let chunk = chunk?;
        for e in &chunk {
            write_entry(&mut out, e, opts);
        }
        rows += chunk.len() as u64;
        sink.put(std::mem::replace(&mut out, Vec::with_capacity(64 * 1024)))
            .await?;
        progress(rows);
    }
    if !out.is_empty() {
        sink.put(out).await?;
    }
    Ok(rows)
}

/// Streams the entries of one payout after `out` (which is sent first); returns how many.
async fn stream_payout_entries<S: Sink>(
    db: &Db,
    payout_id: i64,
    opts: &CsvOptions,
    out: Vec<u8>,
    sink: &mut S,
    reader: RowReader,
) -> Result<u64, ReportError> {
    stream_entries(db, EntrySource::Payout(payout_id), opts, out, sink, |_| {}, reader).await
}

/// The CSV of one payout with its transactions (`GET /reports/payout-with-transactions`).
/// Returns the number of transaction rows written.
pub async fn payout_csv<S: Sink>(
    db: &Db,
    payout: &PayoutRow,
    opts: &CsvOptions,
    sink: &mut S,
) -> Result<u64, ReportError> {
    payout_csv_with(db, payout, opts, sink, RowReader::Cells).await
}

/// [`payout_csv`] through the given reader (the benchmark and tests compare the two).
pub async fn payout_csv_with<S: Sink>(
    db: &Db,
    payout: &PayoutRow,
    opts: &CsvOptions,
    sink: &mut S,
    reader: RowReader,
) -> Result<u64, ReportError> {
    let mut out = start(opts);
    write_summary_header(&mut out, opts);
    write_summary(&mut out, payout, opts.delimiter);
    out.extend_from_slice(b"\r\n");
    write_body_header(&mut out, opts);
    stream_payout_entries(db, payout.id, opts, out, sink, reader).await
}

/// The next page of the payouts `query` selects, newest first, after keyset `after`;
/// `after` moves on, and becomes `None` past the last page.
async fn next_payouts(
    db: &Db,
    query: &PayoutQuery,
    after: &mut Option<Option<(i64, i64)>>,
) -> Result<Vec<PayoutRow>, ReportError> {
    let Some(cursor) = *after else {
        return Ok(Vec::new());
    };
    let page = db.payouts_after(query, cursor, PAYOUT_CHUNK).await?;
    *after = match page.last() {
        Some(last) if page.len() as i64 == PAYOUT_CHUNK => Some(Some((last.payout_date, last.id))),
        _ => None,
    };
    Ok(page)
}

/// The CSV of the payouts `query` selects (a date range of the caller's stores): one
/// summary row per payout and, with `with_transactions`, every payout's transactions
/// (`GET /reports/payouts-summary-with-transactions`; a custom "payouts summary" report
/// without them). Returns the number of transaction rows written.
pub async fn payouts_csv<S: Sink>(
    db: &Db,
    query: &PayoutQuery,
    opts: &CsvOptions,
    with_transactions: bool,
    sink: &mut S,
) -> Result<u64, ReportError> {
    let mut out = start(opts);
    write_summary_header(&mut out, opts);
    let mut after = Some(None);
    loop {
        let page = next_payouts(db, query, &mut after).await?;
        if page.is_empty() {
            break;
        }
        for p in &page {
            write_summary(&mut out, p, opts.delimiter);
        }
        if out.len() >= 64 * 1024 {
            sink.put(std::mem::replace(&mut out, Vec::with_capacity(64 * 1024)))
                .await?;
        }
    }
    if !with_transactions {
        sink.put(out).await?;
        return Ok(0);
    }
    out.extend_from_slice(b"\r\n");
    write_body_header(&mut out, opts);
    sink.put(out).await?;
    let mut rows = 0;
    let mut after = Some(None);
    loop {
        let page = next_payouts(db, query, &mut after).await?;
        if page.is_empty() {
            return Ok(rows);
        }
        for p in &page {
            rows += stream_payout_entries(db, p.id, opts, Vec::new(), sink, RowReader::Cells).await?;
        }
    }
}

/// The CSV of a store's transactions posted in `[from, to)` (Unix ms), open or paid out:
/// the custom "transactions" report. `progress` is told the rows written so far after
/// every chunk. Returns the number of rows.
pub async fn store_transactions_csv<S: Sink>(
    db: &Db,
    store_id: &str,
    from: i64,
    to: i64,
    opts: &CsvOptions,
    sink: &mut S,
    progress: impl FnMut(u64) + Send,
) -> Result<u64, ReportError> {
    store_transactions_csv_with(db, store_id, from, to, opts, sink, progress, RowReader::Cells).await
}

/// [`store_transactions_csv`] through the given reader.
#[allow(clippy::too_many_arguments)]
pub async fn store_transactions_csv_with<S: Sink>(
    db: &Db,
    store_id: &str,
    from: i64,
    to: i64,
    opts: &CsvOptions,
    sink: &mut S,
    mut progress: impl FnMut(u64) + Send,
    reader: RowReader,
) -> Result<u64, ReportError> {
    let mut out = start(opts);
    write_body_header(&mut out, opts);
    let source = EntrySource::Store {
        store_id: store_id.to_owned(),
        from,
        to,
    };
    stream_entries(db, source, opts, out, sink, &mut progress, reader).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_only_when_needed() {
        let mut out = Vec::new();
        write_text(&mut out, "plain", b';');
        out.push(b'|');
        write_text(&mut out, "a;b", b';');
        out.push(b'|');
        write_text(&mut out, "a,b", b';');
        out.push(b'|');
        write_text(&mut out, "say \"hi\"\r\n", b',');
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "plain|\"a;b\"|a,b|\"say \"\"hi\"\"\r\n\""
        );
    }
}
