//! What the portal's Settlements section keeps besides the ledger: custom reports (made by a
//! background job, kept for 30 days), how a store's CSV reports are written (delimiter,
//! BOM, columns), and the small reads its filters and pages need.

use crate::{on_pool, on_tx, on_writer, Db, Result, Tx};

/// A custom report as requested and as its job leaves it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReportRow {
    pub id: i64,
    pub store_id: String,
    /// `transactions` or `payouts_summary`.
    pub kind: String,
    /// `csv` or `pdf`.
    pub format: String,
    /// The range covered, `[date_from, date_to)` in Unix ms.
    pub date_from: i64,
    pub date_to: i64,
    /// The language the PDF is written in.
    pub language: String,
    pub created_by_user_id: Option<i64>,
    pub created_by_name: String,
    /// `queued`, `running`, `ready` or `failed`.
    pub status: String,
    /// 0–100.
    pub progress: i64,
    /// Where the file is; none until it is written, and again once it expired and was deleted.
    pub object_key: Option<String>,
    pub size_bytes: Option<i64>,
    pub error: Option<String>,
    pub created_at: i64,
    pub finished_at: Option<i64>,
    pub expires_at: i64,
}

const REPORT_COLUMNS: &str = "id, store_id, kind, format, date_from, date_to, language, created_by_user_id, \
    created_by_name, status, progress, object_key, size_bytes, error, created_at, finished_at, expires_at";

/// A report to make.
#[derive(Debug, Clone)]
pub struct NewReport<'a> {
    pub store_id: &'a str,
    pub kind: &'a str,
    pub format: &'a str,
    pub date_from: i64,
    pub date_to: i64,
    pub language: &'a str,
    pub created_by_user_id: Option<i64>,
    pub created_by_name: &'a str,
    pub expires_at: i64,
}

/// How a store's settlement CSVs are written, as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReportSettingsRow {
    /// `;` or `,`.
    pub report_delimiter: String,
    pub report_bom: bool,
    /// Column names in order, comma-separated; empty for the default set.
    pub report_columns: String,
}

impl Tx {
    /// Inserts a queued report (with its job, in the same transaction); returns its id.
    pub async fn insert_report(&mut self, r: &NewReport<'_>, now: i64) -> Result<i64> {
        let sql = "INSERT INTO reports (store_id, kind, format, date_from, date_to, language, created_by_user_id, \
            created_by_name, status, progress, created_at, expires_at) \
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'queued', 0, $9, $10) RETURNING id";
        Ok(on_tx!(self, c => sqlx::query_scalar::<_, i64>(sql)
            .bind(r.store_id)
            .bind(r.kind)
            .bind(r.format)
            .bind(r.date_from)
            .bind(r.date_to)
            .bind(r.language)
            .bind(r.created_by_user_id)
            .bind(r.created_by_name)
            .bind(now)
            .bind(r.expires_at)
            .fetch_one(c)
            .await)?)
    }

    /// Stores how a store's CSV reports are written.
    pub async fn set_report_settings(&mut self, store_id: &str, s: &ReportSettingsRow) -> Result<()> {
        let sql = "UPDATE stores SET report_delimiter = $2, report_bom = $3, report_columns = $4 WHERE id = $1";
        on_tx!(self, c => sqlx::query(sql)
            .bind(store_id)
            .bind(&s.report_delimiter)
            .bind(s.report_bom)
            .bind(&s.report_columns)
            .execute(c)
            .await
            .map(|_| ()))?;
        Ok(())
    }
}

impl Db {
    /// A store's newest reports first.
    pub async fn reports_of_store(&self, store_id: &str, limit: i64) -> Result<Vec<ReportRow>> {
        let sql = format!(
            "SELECT {REPORT_COLUMNS} FROM reports WHERE store_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2"
        );
        Ok(on_pool!(self, p => sqlx::query_as::<_, ReportRow>(&sql).bind(store_id).bind(limit).fetch_all(p).await)?)
    }

    /// One report of a store.
    pub async fn report(&self, store_id: &str, id: i64) -> Result<Option<ReportRow>> {
        let sql = format!("SELECT {REPORT_COLUMNS} FROM reports WHERE id = $1 AND store_id = $2");
        Ok(on_pool!(self, p => sqlx::query_as::<_, ReportRow>(&sql).bind(id).bind(store_id).fetch_optional(p).await)?)
    }

    /// One report of any store (its job).
    pub async fn report_by_id(&self, id: i64) -> Result<Option<ReportRow>> {
        let sql = format!("SELECT {REPORT_COLUMNS} FROM reports WHERE id = $1");
        Ok(on_pool!(self, p => sqlx::query_as::<_, ReportRow>(&sql).bind(id).fetch_optional(p).await)?)
    }

    /// Marks a report as being made (again, when a lease ran out), from no progress.
    pub async fn report_running(&self, id: i64) -> Result<()> {
        let sql = "UPDATE reports SET status = 'running', progress = 0, error = NULL WHERE id = $1";
        on_writer!(self, p => sqlx::query(sql).bind(id).execute(p).await.map(|_| ()))?;
        Ok(())
    }

    /// How far the job has come (0–100).
    pub async fn report_progress(&self, id: i64, progress: i64) -> Result<()> {
        let sql = "UPDATE reports SET progress = $2 WHERE id = $1 AND status = 'running'";
        on_writer!(self, p => sqlx::query(sql).bind(id).bind(progress.clamp(0, 100)).execute(p).await.map(|_| ()))?;
        Ok(())
    }

    /// The report is written: where, how large, and until when it may be downloaded.
    pub async fn report_ready(&self, id: i64, object_key: &str, size: i64, now: i64, expires_at: i64) -> Result<()> {
        let sql = "UPDATE reports SET status = 'ready', progress = 100, object_key = $2, size_bytes = $3, \
            finished_at = $4, expires_at = $5, error = NULL WHERE id = $1";
        on_writer!(self, p => sqlx::query(sql)
            .bind(id)
            .bind(object_key)
            .bind(size)
            .bind(now)
            .bind(expires_at)
            .execute(p)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    pub async fn report_failed(&self, id: i64, error: &str, now: i64) -> Result<()> {
        let sql = "UPDATE reports SET status = 'failed', error = $2, finished_at = $3 WHERE id = $1";
        on_writer!(self, p => sqlx::query(sql).bind(id).bind(error).bind(now).execute(p).await.map(|_| ()))?;
        Ok(())
    }

    /// Reports past their date whose file still exists, oldest first.
    pub async fn expired_report_files(&self, now: i64, limit: i64) -> Result<Vec<ReportRow>> {
        let sql = format!(
            "SELECT {REPORT_COLUMNS} FROM reports WHERE expires_at <= $1 AND object_key IS NOT NULL \
             ORDER BY expires_at LIMIT $2"
        );
        Ok(on_pool!(self, p => sqlx::query_as::<_, ReportRow>(&sql).bind(now).bind(limit).fetch_all(p).await)?)
    }

    /// Forgets the file of an expired report once it is deleted.
    pub async fn report_file_deleted(&self, id: i64) -> Result<()> {
        let sql = "UPDATE reports SET object_key = NULL WHERE id = $1";
        on_writer!(self, p => sqlx::query(sql).bind(id).execute(p).await.map(|_| ()))?;
        Ok(())
    }

    /// How a store's CSV reports are written.
    pub async fn report_settings(&self, store_id: &str) -> Result<Option<ReportSettingsRow>> {
        let sql = "SELECT report_delimiter, report_bom, report_columns FROM stores WHERE id = $1";
        Ok(on_pool!(self, p => sqlx::query_as::<_, ReportSettingsRow>(sql).bind(store_id).fetch_optional(p).await)?)
    }

    /// The currencies a store has been paid out in, for the payouts list's filter.
    pub async fn payout_currencies(&self, store_id: &str) -> Result<Vec<String>> {
        let sql = "SELECT DISTINCT currency FROM payouts WHERE store_id = $1 ORDER BY currency";
        Ok(on_pool!(self, p => sqlx::query_scalar::<_, String>(sql).bind(store_id).fetch_all(p).await)?)
    }

    /// Where a payout's period starts: the end of the store's previous payout in its
    /// currency, or (for the first) its earliest entry.
    pub async fn payout_period_start(&self, payout_id: i64) -> Result<Option<i64>> {
        let sql = "SELECT COALESCE( \
            (SELECT MAX(q.period_end) FROM payouts q JOIN payouts p ON p.id = $1 \
             WHERE q.store_id = p.store_id AND q.currency = p.currency AND q.id < p.id), \
            (SELECT MIN(e.created_at) FROM ledger_entries e WHERE e.payout_id = $1))";
        Ok(on_pool!(self, p => sqlx::query_scalar::<_, Option<i64>>(sql).bind(payout_id).fetch_one(p).await)?)
    }
}
