//! The custom-report maker the worker runs: renders a report (CSV or PDF) with the reports
//! module and keeps the file in the object store under `reports/<store>/<id>.<format>`.
//!
//! A CSV is streamed into a temporary file and copied to the store in parts, so memory
//! stays flat whatever its size; progress is written to the report's row as rows go out.

use crate::objects::Objects;
use crate::reports::{self, CsvOptions, IoSink, Lang, PayoutQuery, ReportError};
use kassa_app::jobs::{MadeReport, ReportMaker};
use kassa_db::{Db, ReportRow};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Makes report files into `objects`.
pub struct ObjectReportMaker {
    pub objects: Objects,
}

/// Where a report's file is kept.
pub fn object_key(report: &ReportRow) -> String {
    format!("reports/{}/{}.{}", report.store_id, report.id, report.format)
}

/// The payouts of a report's store paid out in its range.
fn payouts_of(report: &ReportRow) -> PayoutQuery {
    PayoutQuery {
        store_ids: vec![report.store_id.clone()],
        everywhere: false,
        from: Some(report.date_from),
        to: Some(report.date_to),
        currency: None,
    }
}

/// Writes the percentage in `done` to the report's row while `work` runs, at most a few
/// times a second, so the portal's list can show how far it is.
async fn with_progress<T>(db: &Db, id: i64, done: Arc<AtomicI64>, work: impl Future<Output = T>) -> T {
    let reporter = {
        let (db, done) = (db.clone(), done.clone());
        tokio::spawn(async move {
            let mut shown = -1;
            loop {
                let now = done.load(Ordering::Relaxed);
                if now != shown {
                    if let Err(e) = db.report_progress(id, now).await {
                        tracing::debug!(error = %e, "report progress not written");
                    }
                    shown = now;
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        })
    };
    let out = work.await;
    reporter.abort();
    out
}

impl ObjectReportMaker {
    async fn csv(&self, db: &Db, report: &ReportRow, key: &str) -> Result<i64, String> {
        let opts = CsvOptions::of_store(db, &report.store_id)
            .await
            .map_err(|e| e.to_string())?;
        let file = tempfile::NamedTempFile::new().map_err(|e| e.to_string())?;
        let mut sink = IoSink(std::io::BufWriter::new(file.reopen().map_err(|e| e.to_string())?));
        let done = Arc::new(AtomicI64::new(0));
        let written: Result<u64, ReportError> = match report.kind.as_str() {
            "transactions" => {
                let total = db
                    .count_store_entries(&report.store_id, report.date_from, report.date_to)
                    .await
                    .map_err(|e| e.to_string())?
                    .max(1);
                let counter = done.clone();
                let work = reports::store_transactions_csv(
                    db,
                    &report.store_id,
                    report.date_from,
                    report.date_to,
                    &opts,
                    &mut sink,
                    move |rows| counter.store((rows as i64 * 95 / total).min(95), Ordering::Relaxed),
                );
                with_progress(db, report.id, done, work).await
            }
            _ => reports::payouts_csv(db, &payouts_of(report), &opts, false, &mut sink).await,
        };
        written.map_err(|e| e.to_string())?;
        std::io::Write::flush(&mut sink.0).map_err(|e| e.to_string())?;
        drop(sink);
        self.objects.put_file(key, file.path()).await
    }

    async fn pdf(&self, db: &Db, report: &ReportRow, key: &str) -> Result<i64, String> {
        let lang = Lang::from_code(&report.language).unwrap_or(Lang::En);
        let (from, to) = (report.date_from, report.date_to);
        let bytes = match report.kind.as_str() {
            "transactions" => reports::store_transactions_pdf(db, &report.store_id, from, to, lang).await,
            _ => reports::payouts_summary_pdf(db, &payouts_of(report), from, to, lang).await,
        }
        .map_err(|e| e.to_string())?;
        let _ = db.report_progress(report.id, 95).await;
        self.objects.put(key, bytes).await
    }
}

impl ReportMaker for ObjectReportMaker {
    fn make<'a>(
        &'a self,
        db: &'a Db,
        report: &'a ReportRow,
    ) -> Pin<Box<dyn Future<Output = Result<MadeReport, String>> + Send + 'a>> {
        Box::pin(async move {
            let key = object_key(report);
            let size = match report.format.as_str() {
                "pdf" => self.pdf(db, report, &key).await?,
                _ => self.csv(db, report, &key).await?,
            };
            Ok(MadeReport {
                object_key: key,
                size_bytes: size,
            })
        })
    }

    fn delete<'a>(&'a self, object_key: &'a str) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>> {
        Box::pin(self.objects.delete(object_key))
    }
}
