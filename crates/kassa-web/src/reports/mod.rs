//! Settlement reports, shared by the Settlements API and the portal: CSV with Klarna's
//! settlement-report column names (streamed, flat memory) and PDF summaries laid out with
//! krilla and an embedded DejaVu font (no external binaries).
//!
//! Callers authorize first (the settlements read use cases of kassa-app give the payout
//! or the scoped [`PayoutQuery`]); these functions only read and render.
//!
//! - CSV: [`payout_csv`], [`payouts_csv`], [`store_transactions_csv`] write to a [`Sink`]:
//!   `Vec<u8>`, [`IoSink`] (a file) or [`ChannelSink`] (an HTTP body; see [`streamed`]).
//! - PDF: [`payout_pdf`], [`payouts_summary_pdf`], [`store_transactions_pdf`] return the
//!   document's bytes, in a [`Lang`].

mod columns;
pub mod csv;
pub mod format;
mod pdf;
mod pdf_layout;

pub use columns::Column;
pub use csv::{
    payout_csv, payout_csv_with, payouts_csv, store_transactions_csv, store_transactions_csv_with, RowReader,
    SUMMARY_COLUMNS,
};
pub use pdf::{payout_pdf, payouts_summary_pdf, store_transactions_pdf};

pub use crate::shell::i18n::Lang;
use axum::body::{Body, Bytes};
use kassa_db::Db;
pub use kassa_db::PayoutQuery;
use std::future::Future;
use tokio::sync::mpsc;

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("storage: {0}")]
    Db(#[from] kassa_db::DbError),
    #[error("writing the report: {0}")]
    Io(#[from] std::io::Error),
    #[error("laying out the PDF: {0}")]
    Pdf(String),
    /// The reader went away (an HTTP client closed the connection).
    #[error("the report's reader went away")]
    Closed,
    #[error("no such store {0}")]
    NoStore(String),
}

/// How a store's CSV reports are written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvOptions {
    /// `b';'` or `b','`.
    pub delimiter: u8,
    /// Start with a UTF-8 byte order mark, so that Excel reads the file as UTF-8.
    pub bom: bool,
    /// The transaction columns, in order.
    pub columns: Vec<Column>,
}

impl Default for CsvOptions {
    /// Kassa's defaults: semicolons (as Klarna's reports), no BOM, the default columns.
    fn default() -> CsvOptions {
        CsvOptions {
            delimiter: b';',
            bom: false,
            columns: Column::default_set(),
        }
    }
}

impl CsvOptions {
    /// The options the store has chosen (`stores.report_delimiter`, `report_bom`,
    /// `report_columns`).
    pub async fn of_store(db: &Db, store_id: &str) -> Result<CsvOptions, ReportError> {
        let row = db
            .report_settings(store_id)
            .await?
            .ok_or_else(|| ReportError::NoStore(store_id.to_owned()))?;
        Ok(CsvOptions {
            delimiter: if row.report_delimiter == "," { b',' } else { b';' },
            bom: row.report_bom,
            columns: Column::parse_list(&row.report_columns),
        })
    }
}

/// Where a CSV report's chunks go, each as soon as it is written.
pub trait Sink: Send {
    fn put(&mut self, bytes: Vec<u8>) -> impl Future<Output = Result<(), ReportError>> + Send;
}

/// Collects the whole report (tests, small reports).
impl Sink for Vec<u8> {
    async fn put(&mut self, bytes: Vec<u8>) -> Result<(), ReportError> {
        self.extend_from_slice(&bytes);
        Ok(())
    }
}

/// Writes to anything `std::io::Write` (a file of a custom report). The writes block;
/// run it where blocking is fine, or give it a buffered file.
pub struct IoSink<W>(pub W);

impl<W: std::io::Write + Send> Sink for IoSink<W> {
    async fn put(&mut self, bytes: Vec<u8>) -> Result<(), ReportError> {
        Ok(self.0.write_all(&bytes)?)
    }
}

/// Sends chunks to an HTTP response body (see [`streamed`]); waits while the client is
/// slower than the database, so a report never piles up in memory.
pub struct ChannelSink(pub mpsc::Sender<Result<Bytes, std::io::Error>>);

impl Sink for ChannelSink {
    async fn put(&mut self, bytes: Vec<u8>) -> Result<(), ReportError> {
        self.0
            .send(Ok(Bytes::from(bytes)))
            .await
            .map_err(|_| ReportError::Closed)
    }
}

/// A response body that `write` fills as it runs (in its own task). A failure half-way
/// aborts the body, so the client sees a broken download, never a silently short file.
pub fn streamed<F, Fut>(write: F) -> Body
where
    F: FnOnce(ChannelSink) -> Fut + Send + 'static,
    Fut: Future<Output = Result<u64, ReportError>> + Send + 'static,
{
    // A few chunks in flight: enough to overlap reading and sending.
    let (tx, rx) = mpsc::channel(4);
    let failed = tx.clone();
    tokio::spawn(async move {
        match write(ChannelSink(tx)).await {
            Ok(_) | Err(ReportError::Closed) => {}
            Err(e) => {
                tracing::error!(error = %e, "a streamed report failed");
                let _ = failed.send(Err(std::io::Error::other(e.to_string()))).await;
            }
        }
    });
    Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(rx))
}
