//! A job queue in the database: work that must survive restarts and run once across many
//! processes (push notifications, authorization expiry). Jobs are leased, not deleted, so
//! a process that dies mid-job only delays it until the lease runs out.

use crate::deferred::write_later;
use crate::{on_tx, on_writer, Db, Result, Tx};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JobRow {
    pub id: i64,
    pub kind: String,
    pub job_key: String,
    pub payload: String,
    pub run_at: i64,
    pub attempts: i64,
    pub created_at: i64,
}

impl Tx {
    /// Schedules a job unless one of the same kind and key exists already.
    pub async fn schedule_job(&mut self, kind: &str, key: &str, payload: &str, run_at: i64, now: i64) -> Result<()> {
        let sql = "INSERT INTO jobs (kind, job_key, payload, run_at, created_at) VALUES ($1, $2, $3, $4, $5) \
                   ON CONFLICT (kind, job_key) DO NOTHING";
        on_tx!(self, c => sqlx::query(sql).bind(kind).bind(key).bind(payload).bind(run_at).bind(now).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(())
    }
}

impl Tx {
    /// Ends the open jobs of a kind and key, e.g. push retries once the order is
    /// acknowledged, in the transaction that makes them pointless.
    pub async fn finish_jobs(&mut self, kind: &str, key: &str, now: i64) -> Result<()> {
        let sql =
            "UPDATE jobs SET done_at = $3, locked_until = NULL WHERE kind = $1 AND job_key = $2 AND done_at IS NULL";
        write_later!(self, sql, [kind, key, now])?;
        Ok(())
    }
}

impl Db {
    /// Leases up to `limit` due jobs for `lease_ms`. On PostgreSQL, `SKIP LOCKED` lets
    /// several processes claim different jobs at once; SQLite has one writer, so its claim
    /// statement is atomic by itself.
    pub async fn claim_jobs(&self, now: i64, lease_ms: i64, limit: i64) -> Result<Vec<JobRow>> {
        let pick = "SELECT id FROM jobs WHERE done_at IS NULL AND run_at <= $1 AND (locked_until IS NULL OR locked_until < $1) \
                    ORDER BY run_at LIMIT $3";
        let lock = if matches!(self.backend(), crate::Backend::Postgres) {
            " FOR UPDATE SKIP LOCKED"
        } else {
            ""
        };
        let sql = format!(
            "UPDATE jobs SET locked_until = $2, attempts = attempts + 1 WHERE id IN ({pick}{lock}) \
             RETURNING id, kind, job_key, payload, run_at, attempts, created_at"
        );
        Ok(
            on_writer!(self, p => sqlx::query_as::<_, JobRow>(&sql).bind(now).bind(now + lease_ms).bind(limit).fetch_all(p).await)?,
        )
    }

    pub async fn finish_job(&self, id: i64, now: i64) -> Result<()> {
        let sql = "UPDATE jobs SET done_at = $2, locked_until = NULL WHERE id = $1";
        on_writer!(self, p => sqlx::query(sql).bind(id).bind(now).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn reschedule_job(&self, id: i64, run_at: i64, error: Option<&str>) -> Result<()> {
        let sql = "UPDATE jobs SET run_at = $2, locked_until = NULL, last_error = $3 WHERE id = $1";
        on_writer!(self, p => sqlx::query(sql).bind(id).bind(run_at).bind(error).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Replaces a job's payload: how far a job that does several things got, so a retry
    /// does only the rest.
    pub async fn set_job_payload(&self, id: i64, payload: &str) -> Result<()> {
        let sql = "UPDATE jobs SET payload = $2 WHERE id = $1";
        on_writer!(self, p => sqlx::query(sql).bind(id).bind(payload).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// The jobs of one kind and key, for tests and the timeline.
    pub async fn job(&self, kind: &str, key: &str) -> Result<Option<(i64, i64, Option<i64>, Option<String>)>> {
        let sql = "SELECT attempts, run_at, done_at, last_error FROM jobs WHERE kind = $1 AND job_key = $2";
        Ok(
            crate::on_pool!(self, p => sqlx::query_as::<_, (i64, i64, Option<i64>, Option<String>)>(sql)
            .bind(kind).bind(key).fetch_optional(p).await)?,
        )
    }
}

/// The open jobs of one kind, for metrics.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JobQueueRow {
    pub kind: String,
    /// Jobs not done yet, due or scheduled for later.
    pub pending: i64,
    /// Of those, the ones due now.
    pub due: i64,
    /// When the longest-waiting due job was due.
    pub oldest_due: Option<i64>,
}

impl Db {
    /// Open jobs by kind: how many, how many are due, and since when the oldest due one waits.
    pub async fn job_queue(&self, now: i64) -> Result<Vec<JobQueueRow>> {
        let sql = "SELECT kind, COUNT(*) AS pending, SUM(CASE WHEN run_at <= $1 THEN 1 ELSE 0 END) AS due, \
                   MIN(CASE WHEN run_at <= $1 THEN run_at END) AS oldest_due \
                   FROM jobs WHERE done_at IS NULL GROUP BY kind ORDER BY kind";
        Ok(crate::on_pool!(self, p => sqlx::query_as::<_, JobQueueRow>(sql).bind(now).fetch_all(p).await)?)
    }
}
