//! Background work that must survive restarts and run once across several processes:
//! push notifications to the merchant, expiry of authorizations, scheduled payouts and
//! custom settlement reports, webhook deliveries (leased from their own table). Every process runs a
//! worker (kassa-web's, which owns the HTTP client); jobs are leased from the database, so
//! each runs in exactly one process.

mod expiry;
mod push;
mod reports;

pub use expiry::expire_authorizations;
pub use push::{next_push, push, Notifier, PushOutcome};
pub use reports::{delete_expired_reports, make_report, MadeReport, ReportMaker};

use crate::now_ms;
use kassa_db::{Db, DbError};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// The job kind of a merchant's push notification (keyed by order id).
pub const PUSH: &str = "push";
pub(crate) const MINUTE: i64 = 60 * 1000;
/// A job not finished within its lease is taken up again by any process.
const LEASE_MS: i64 = 2 * MINUTE;

/// What the jobs need from the process that runs them: the web crate sends pushes over its
/// HTTP client and writes reports into its object store.
#[derive(Clone)]
pub struct Workers {
    pub notifier: Arc<dyn Notifier>,
    pub reports: Arc<dyn ReportMaker>,
    /// Emails notifications (disputes, payouts, reports, keys, endpoints, sign-ins, digests).
    pub notifications: Arc<dyn crate::notifications::NotificationMailer>,
    /// Posts webhooks.
    pub webhooks: Arc<dyn crate::webhooks::WebhookSender>,
}

/// Runs the jobs that are due, side by side (one slow merchant endpoint must not hold up the
/// others), then expires the authorizations that ran out.
pub async fn run_due(db: &Db, workers: &Workers, public_url: &str) -> Result<(), DbError> {
    let now = now_ms();
    let mut running = tokio::task::JoinSet::new();
    for job in db.claim_jobs(now, LEASE_MS, 20).await? {
        let (db, workers, public_url) = (db.clone(), workers.clone(), public_url.to_owned());
        running.spawn(async move {
            match job.kind.as_str() {
                PUSH => push(&db, workers.notifier.as_ref(), &public_url, &job).await,
                crate::settlements::REPORT_JOB => make_report(&db, workers.reports.as_ref(), &job).await,
                crate::notifications::NOTIFY => {
                    crate::notifications::deliver(&db, workers.notifications.as_ref(), &job).await
                }
                crate::notifications::DIGEST => crate::notifications::run_digest(&db, &job).await,
                crate::disputes::DISPUTE_NOTICE => {
                    crate::notifications::deliver_dispute_notice(&db, workers.notifications.as_ref(), &job).await
                }
                crate::webhooks::WEBHOOK_DISABLED => {
                    crate::notifications::deliver_webhook_notice(&db, workers.notifications.as_ref(), &job).await
                }
                other => {
                    tracing::error!(kind = other, "unknown job kind");
                    db.finish_job(job.id, now).await
                }
            }
        });
    }
    while let Some(result) = running.join_next().await {
        if let Ok(Err(e)) = result {
            tracing::warn!(error = %e, "a background job failed; it runs again when its lease ends");
        }
    }
    // Webhook deliveries are leased from their own table (in order per endpoint and order).
    if let Err(e) = crate::webhooks::run_deliveries(db, &workers.webhooks, now).await {
        tracing::warn!(error = %e, "webhook deliveries failed; retrying next tick");
    }
    expire_authorizations(db).await;
    run_payouts_now_and_then(db, now).await;
    delete_reports_now_and_then(db, workers.reports.as_ref(), now).await;
    disable_idle_keys_now_and_then(db, now).await;
    Ok(())
}

/// The last time this process looked for API keys unused for 60 days (Unix ms).
static IDLE_KEYS_CHECKED_AT: AtomicI64 = AtomicI64::new(0);

/// Disables the API keys unused for 60 days, at most once a minute per process (each key
/// is disabled and audited once whichever process gets there first).
async fn disable_idle_keys_now_and_then(db: &Db, now: i64) {
    let last = IDLE_KEYS_CHECKED_AT.load(Ordering::Relaxed);
    if now - last < MINUTE
        || IDLE_KEYS_CHECKED_AT
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
    {
        return;
    }
    match crate::api_keys::disable_idle_keys(db, now).await {
        Ok(keys) if !keys.is_empty() => tracing::info!(keys = keys.len(), "API keys unused for 60 days disabled"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "disabling unused API keys failed; retrying next minute"),
    }
}

/// The last time this process looked for expired report files (Unix ms).
static REPORTS_CHECKED_AT: AtomicI64 = AtomicI64::new(0);

/// Deletes the files of expired reports, at most once a minute per process.
async fn delete_reports_now_and_then(db: &Db, maker: &dyn ReportMaker, now: i64) {
    let last = REPORTS_CHECKED_AT.load(Ordering::Relaxed);
    if now - last < MINUTE
        || REPORTS_CHECKED_AT
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
    {
        return;
    }
    match delete_expired_reports(db, maker, now).await {
        Ok(n) if n > 0 => tracing::info!(reports = n, "expired report files deleted"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "deleting expired reports failed; retrying next minute"),
    }
}

/// The last time this process looked for payouts due (Unix ms).
static PAYOUTS_CHECKED_AT: AtomicI64 = AtomicI64::new(0);

/// Closes disputes past their deadline and looks for scheduled payouts, at most once a
/// minute per process: a cut-off is a minute of the day, and each look reads every store's
/// schedule. Which process looks first does not matter: both are exactly-once in the
/// database (a dispute closes under its order's lock, a period is paid once).
async fn run_payouts_now_and_then(db: &Db, now: i64) {
    let last = PAYOUTS_CHECKED_AT.load(Ordering::Relaxed);
    if now - last < MINUTE
        || PAYOUTS_CHECKED_AT
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
    {
        return;
    }
    match crate::disputes::expire_disputes(db, now).await {
        Ok(closed) if !closed.is_empty() => tracing::info!(disputes = closed.len(), "disputes lost at their deadline"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "closing disputes past their deadline failed; retrying next minute"),
    }
    match crate::disputes::queue_reminders(db, now).await {
        Ok(n) if n > 0 => tracing::info!(disputes = n, "dispute deadline reminders queued"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "queueing dispute reminders failed; retrying next minute"),
    }
    if crate::notifications::digest_due(now) {
        if let Err(e) = crate::notifications::queue_daily_digest(db, now).await {
            tracing::warn!(error = %e, "queueing the daily digest failed; retrying next minute");
        }
    }
    match crate::settlements::run_scheduled_payouts(db, now).await {
        Ok(made) if !made.is_empty() => tracing::info!(payouts = made.len(), "scheduled payouts made"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "scheduled payouts failed; retrying next minute"),
    }
}
