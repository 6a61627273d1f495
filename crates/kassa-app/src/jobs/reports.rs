//! Making custom reports, and deleting them once their 30 days are over. Writing the file
//! (CSV or PDF, into object storage) is the web crate's [`ReportMaker`]; this module decides
//! when, records the outcome, and retries a failure a few times.

use super::MINUTE;
use crate::now_ms;
use crate::settlements::REPORT_KEPT_MS;
use kassa_db::{Db, DbError, JobRow, ReportRow};
use std::future::Future;
use std::pin::Pin;

/// Tries before a report is given up as failed.
const ATTEMPTS: i64 = 3;

/// Where a finished report was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MadeReport {
    pub object_key: String,
    pub size_bytes: i64,
}

/// Writes report files and deletes them. The web crate implements it with its report
/// renderers and its object store; it records progress with [`Db::report_progress`].
pub trait ReportMaker: Send + Sync {
    fn make<'a>(
        &'a self,
        db: &'a Db,
        report: &'a ReportRow,
    ) -> Pin<Box<dyn Future<Output = Result<MadeReport, String>> + Send + 'a>>;

    fn delete<'a>(&'a self, object_key: &'a str) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;
}

/// Runs one report job: makes the file, or records why not (retrying a failure after a
/// minute, up to [`ATTEMPTS`] tries).
pub async fn make_report(db: &Db, maker: &dyn ReportMaker, job: &JobRow) -> Result<(), DbError> {
    let Some(id) = job.job_key.parse::<i64>().ok() else {
        return db.finish_job(job.id, now_ms()).await;
    };
    let Some(report) = db.report_by_id(id).await? else {
        return db.finish_job(job.id, now_ms()).await;
    };
    if report.status == "ready" {
        // Made by an earlier run that stopped before its job was finished: the notice may
        // not be queued yet (queueing is idempotent by key).
        announce_ready(db, &report).await?;
        return db.finish_job(job.id, now_ms()).await;
    }
    if report.status == "failed" {
        return db.finish_job(job.id, now_ms()).await;
    }
    db.report_running(id).await?;
    match maker.make(db, &report).await {
        Ok(made) => {
            let now = now_ms();
            db.report_ready(id, &made.object_key, made.size_bytes, now, now + REPORT_KEPT_MS)
                .await?;
            announce_ready(db, &report).await?;
            db.finish_job(job.id, now).await
        }
        Err(error) if job.attempts < ATTEMPTS => {
            tracing::warn!(report = id, %error, "a report could not be made; trying again in a minute");
            db.reschedule_job(job.id, now_ms() + MINUTE, Some(&error)).await
        }
        Err(error) => {
            tracing::error!(report = id, %error, "a report could not be made; given up");
            let now = now_ms();
            db.report_failed(id, &error, now).await?;
            db.finish_job(job.id, now).await
        }
    }
}

/// Queues "your report is ready" for the person who asked for it.
async fn announce_ready(db: &Db, report: &ReportRow) -> Result<(), DbError> {
    let Some(user) = report.created_by_user_id else {
        return Ok(());
    };
    let event = crate::notifications::Event::new(
        kassa_core::notification::Kind::ReportReady,
        &report.store_id,
        &report.id.to_string(),
    )
    .for_user(user)
    .with(serde_json::json!({ "report_kind": report.kind, "format": report.format }));
    let mut tx = db.begin().await?;
    crate::notifications::queue(&mut tx, &event).await?;
    tx.commit().await
}

/// Deletes the files of reports past their 30 days (a batch at a time). A file already gone
/// counts as deleted; another failure is tried again next time.
pub async fn delete_expired_reports(db: &Db, maker: &dyn ReportMaker, now: i64) -> Result<usize, DbError> {
    let mut deleted = 0;
    for report in db.expired_report_files(now, 100).await? {
        let Some(key) = report.object_key.as_deref() else {
            continue;
        };
        match maker.delete(key).await {
            Ok(()) => {
                db.report_file_deleted(report.id).await?;
                deleted += 1;
            }
            Err(error) => tracing::warn!(report = report.id, %error, "an expired report could not be deleted"),
        }
    }
    Ok(deleted)
}
