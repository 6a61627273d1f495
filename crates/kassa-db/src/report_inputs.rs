//! What the settlement report renderers read besides payouts and their entries: a store's
//! CSV settings and the time span a payout's entries cover.

use crate::{on_pool, Db, Result};

/// How a store's CSV settlement reports are written, as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReportSettingsRow {
    /// `;` or `,`.
    pub report_delimiter: String,
    /// Whether the file starts with a UTF-8 byte order mark (Excel reads UTF-8 then).
    pub report_bom: bool,
    /// Column names in order, comma-separated; empty for the default set.
    pub report_columns: String,
}

impl Db {
    /// The CSV settings of a store (`None` when there is no such store).
    pub async fn report_settings(&self, store_id: &str) -> Result<Option<ReportSettingsRow>> {
        let sql = "SELECT report_delimiter, report_bom, report_columns FROM stores WHERE id = $1";
        Ok(on_pool!(self, p => sqlx::query_as::<_, ReportSettingsRow>(sql).bind(store_id).fetch_optional(p).await)?)
    }

    /// The earliest and latest capture date of a payout's entries (the period it settles),
    /// or `None` for a payout without entries.
    pub async fn payout_entry_span(&self, payout_id: i64) -> Result<Option<(i64, i64)>> {
        let sql = "SELECT MIN(capture_date), MAX(capture_date) FROM ledger_entries WHERE payout_id = $1";
        let span: (Option<i64>, Option<i64>) =
            on_pool!(self, p => sqlx::query_as(sql).bind(payout_id).fetch_one(p).await)?;
        Ok(span.0.zip(span.1))
    }
}
