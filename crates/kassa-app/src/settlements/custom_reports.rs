//! Custom reports: a member with the reports permission asks for the store's transactions
//! or a payouts summary over a date range (at most 12 months), as CSV or PDF. The request
//! is a `reports` row and a database job in one transaction; the job (see
//! [`crate::jobs::make_report`]) writes the file, and it can be downloaded for 30 days.

use super::report_settings::reports_store;
use crate::dates::{day_end, day_start};
use crate::{now_ms, Actor, AppError, AppResult, FieldError, Missing};
use kassa_db::{Db, NewReport, ReportRow};

/// How long a report may be downloaded after it is made.
pub const REPORT_KEPT_MS: i64 = 30 * 24 * 3600 * 1000;
/// The job kind that makes a report (keyed by the report's id).
pub const REPORT_JOB: &str = "report";
/// Reports the list shows.
const LIST_SIZE: i64 = 50;

pub const KINDS: [&str; 2] = ["transactions", "payouts_summary"];
pub const FORMATS: [&str; 2] = ["csv", "pdf"];

/// A report as the form asks for it: dates as entered (YYYY-MM-DD, both days included, in
/// the member's timezone), and the language its PDF is written in.
#[derive(Debug, Clone, Default)]
pub struct ReportRequest {
    pub kind: String,
    pub format: String,
    pub from: String,
    pub to: String,
    pub timezone: String,
    pub language: String,
}

/// The problems of a request, each as `(field, code)`; codes: `required`, `unknown`,
/// `date`, `order` (from after to), `too_long` (more than 12 months).
fn check(req: &ReportRequest) -> Result<(i64, i64), Vec<FieldError>> {
    let mut problems = Vec::new();
    if !KINDS.contains(&req.kind.as_str()) {
        problems.push(FieldError::new("kind", "unknown"));
    }
    if !FORMATS.contains(&req.format.as_str()) {
        problems.push(FieldError::new("format", "unknown"));
    }
    let date = |field: &str, text: &str, problems: &mut Vec<FieldError>| {
        let text = text.trim();
        if text.is_empty() {
            problems.push(FieldError::new(field, "required"));
            return None;
        }
        match text.parse::<jiff::civil::Date>() {
            Ok(d) => Some(d),
            Err(_) => {
                problems.push(FieldError::new(field, "date"));
                None
            }
        }
    };
    let from = date("from", &req.from, &mut problems);
    let to = date("to", &req.to, &mut problems);
    if let (Some(from), Some(to)) = (from, to) {
        if from > to {
            problems.push(FieldError::new("to", "order"));
        } else if from
            .checked_add(jiff::ToSpan::months(12))
            .is_ok_and(|limit| to >= limit)
        {
            problems.push(FieldError::new("to", "too_long"));
        }
    }
    let range = (day_start(&req.from, &req.timezone), day_end(&req.to, &req.timezone));
    match (problems.is_empty(), range) {
        (true, (Some(start), Some(end))) => Ok((start, end)),
        (true, _) => Err(vec![FieldError::new("from", "date")]),
        (false, _) => Err(problems),
    }
}

/// Queues a report of the actor's store; returns it as stored.
pub async fn request_report(db: &Db, actor: &Actor, req: &ReportRequest) -> AppResult<ReportRow> {
    let store = reports_store(actor)?;
    let (date_from, date_to) = check(req).map_err(AppError::Invalid)?;
    let now = now_ms();
    let user_id = actor.user_id.as_deref().and_then(|u| u.parse().ok());
    let new = NewReport {
        store_id: &store,
        kind: &req.kind,
        format: &req.format,
        date_from,
        date_to,
        language: &req.language,
        created_by_user_id: user_id,
        created_by_name: &actor.name,
        // Until it is made; the job sets 30 days from then.
        expires_at: now + REPORT_KEPT_MS,
    };
    let mut tx = db.begin().await?;
    let id = tx.insert_report(&new, now).await?;
    tx.schedule_job(REPORT_JOB, &id.to_string(), &store, now, now).await?;
    tx.commit().await?;
    db.report(&store, id)
        .await?
        .ok_or_else(|| AppError::Internal("a report just made is gone".into()))
}

/// The actor's store's reports, newest first.
pub async fn reports(db: &Db, actor: &Actor) -> AppResult<Vec<ReportRow>> {
    let store = reports_store(actor)?;
    Ok(db.reports_of_store(&store, LIST_SIZE).await?)
}

/// Whether a report can be downloaded now.
pub fn downloadable(report: &ReportRow, now: i64) -> bool {
    report.status == "ready" && report.object_key.is_some() && report.expires_at > now
}

/// A report of the actor's store that can be downloaded now: 404 for another store's or
/// an unknown one, a conflict while it is not ready or once it expired.
pub async fn report_file(db: &Db, actor: &Actor, id: i64) -> AppResult<ReportRow> {
    let store = reports_store(actor)?;
    let report = db
        .report(&store, id)
        .await?
        .ok_or(AppError::NotFound(Missing::Other("report")))?;
    if downloadable(&report, now_ms()) {
        Ok(report)
    } else if report.status == "ready" {
        Err(AppError::Conflict("the report has expired".into()))
    } else {
        Err(AppError::Conflict("the report is not ready".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(from: &str, to: &str) -> ReportRequest {
        ReportRequest {
            kind: "transactions".into(),
            format: "csv".into(),
            from: from.into(),
            to: to.into(),
            timezone: "Europe/Stockholm".into(),
            language: "en".into(),
        }
    }

    fn codes(r: Result<(i64, i64), Vec<FieldError>>) -> Vec<(String, String)> {
        r.err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| (e.field, e.message))
            .collect()
    }

    #[test]
    fn ranges_are_whole_days_of_at_most_twelve_months() {
        let (from, to) = check(&req("2025-01-01", "2025-12-31")).unwrap();
        assert_eq!(to - from, 365 * 24 * 3600 * 1000, "both days included, DST evens out");
        assert!(check(&req("2025-01-15", "2026-01-14")).is_ok());
        assert_eq!(
            codes(check(&req("2025-01-01", "2026-01-01"))),
            [("to".to_owned(), "too_long".to_owned())]
        );
        assert_eq!(
            codes(check(&req("2025-02-01", "2025-01-31"))),
            [("to".to_owned(), "order".to_owned())]
        );
        assert!(check(&req("2025-03-05", "2025-03-05")).is_ok(), "one day");
        let bad = ReportRequest {
            kind: "everything".into(),
            format: "xls".into(),
            ..req("", "31/01/2025")
        };
        assert_eq!(
            codes(check(&bad)),
            [
                ("kind".to_owned(), "unknown".to_owned()),
                ("format".to_owned(), "unknown".to_owned()),
                ("from".to_owned(), "required".to_owned()),
                ("to".to_owned(), "date".to_owned()),
            ]
        );
    }
}
