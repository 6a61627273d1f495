//! Telling the store's dispute handlers: when a dispute opens, when its deadline is 3 days
//! away, and how it ended. Each notice is a database job queued in the transaction of the
//! event (or of the reminder's mark), so it is sent once even with several processes, and
//! survives a restart; writing the email (language, timezone, wording) is the web crate's
//! [`DisputeMailer`].

use super::super::jobs::MINUTE;
use crate::now_ms;
use kassa_core::access::{allows, Onboarding, Permission, Role};
use kassa_db::{Db, DbError, DisputeRecipient, DisputeRow, JobRow, Tx};
use std::future::Future;
use std::pin::Pin;

/// The job kind of a dispute notice; its key is `<dispute id>:<event>[:<deadline>]`.
pub const DISPUTE_NOTICE: &str = "dispute_notice";
/// How long before a deadline the reminder goes out.
pub const REMIND_BEFORE_MS: i64 = 3 * 24 * 60 * MINUTE;
const ATTEMPTS: i64 = 5;

/// What a notice is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeEvent {
    Opened,
    DeadlineSoon,
    Closed,
}

impl NoticeEvent {
    pub fn code(self) -> &'static str {
        match self {
            NoticeEvent::Opened => "opened",
            NoticeEvent::DeadlineSoon => "reminder",
            NoticeEvent::Closed => "closed",
        }
    }

    fn parse(code: &str) -> Option<NoticeEvent> {
        [NoticeEvent::Opened, NoticeEvent::DeadlineSoon, NoticeEvent::Closed]
            .into_iter()
            .find(|e| e.code() == code)
    }
}

/// Writes and sends one notice email to one recipient.
pub trait DisputeMailer: Send + Sync {
    fn send<'a>(
        &'a self,
        to: &'a DisputeRecipient,
        dispute: &'a DisputeRow,
        event: NoticeEvent,
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;
}

/// Queues a notice in the event's transaction, to go out at once (whatever time the event
/// was decided for: the deadline jobs take an injected `now`).
pub(crate) async fn queue(tx: &mut Tx, dispute: &DisputeRow, event: NoticeEvent) -> Result<(), DbError> {
    let now = now_ms();
    let key = match event {
        NoticeEvent::DeadlineSoon => format!("{}:{}:{}", dispute.id, event.code(), dispute.deadline_at.unwrap_or(0)),
        _ => format!("{}:{}", dispute.id, event.code()),
    };
    tx.schedule_job(DISPUTE_NOTICE, &key, "", now, now).await
}

/// Queues the reminder of every dispute whose deadline is less than 3 days away and that
/// was not reminded of it yet.
pub async fn queue_reminders(db: &Db, now: i64) -> Result<usize, DbError> {
    let mut queued = 0;
    for d in db.disputes_to_remind(now + REMIND_BEFORE_MS, 200).await? {
        let Some(deadline) = d.deadline_at else { continue };
        let mut tx = db.begin().await?;
        if tx.mark_dispute_reminded(&d.id, deadline, now).await? {
            queue(&mut tx, &d, NoticeEvent::DeadlineSoon).await?;
            queued += 1;
        }
        tx.commit().await?;
    }
    Ok(queued)
}

/// The roles that handle disputes (the role matrix's column for them).
fn handler_roles() -> Vec<&'static str> {
    Role::ALL
        .into_iter()
        .filter(|r| allows(*r, Onboarding::Direct, Permission::Disputes))
        .map(Role::code)
        .collect()
}

/// Who a notice job has reached: its payload, `{"sent": [email, …]}` (empty at first).
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct Sent {
    #[serde(default)]
    sent: Vec<String>,
}

/// Runs one notice job: emails every active dispute handler of the store not reached by an
/// earlier attempt. Each delivery is recorded in the job as soon as it is made, so a retry
/// (a minute later, a few times) goes only to those a failure left out.
pub async fn send_notice(db: &Db, mailer: &dyn DisputeMailer, job: &JobRow) -> Result<(), DbError> {
    let mut parts = job.job_key.split(':');
    let (Some(id), Some(event)) = (parts.next(), parts.next().and_then(NoticeEvent::parse)) else {
        return db.finish_job(job.id, now_ms()).await;
    };
    let Some(dispute) = db.dispute(None, id).await? else {
        return db.finish_job(job.id, now_ms()).await;
    };
    let mut progress: Sent = serde_json::from_str(&job.payload).unwrap_or_default();
    let mut failed = None;
    for to in db.store_members_in_roles(&dispute.store_id, &handler_roles()).await? {
        if progress.sent.iter().any(|e| e.eq_ignore_ascii_case(&to.email)) {
            continue;
        }
        match mailer.send(&to, &dispute, event).await {
            Ok(()) => {
                progress.sent.push(to.email.clone());
                let payload = serde_json::to_string(&progress).unwrap_or_default();
                db.set_job_payload(job.id, &payload).await?;
            }
            Err(e) => failed = Some(e),
        }
    }
    match failed {
        Some(error) if job.attempts < ATTEMPTS => db.reschedule_job(job.id, now_ms() + MINUTE, Some(&error)).await,
        Some(error) => {
            tracing::error!(dispute = id, %error, "a dispute notice could not be sent; given up");
            db.finish_job(job.id, now_ms()).await
        }
        None => db.finish_job(job.id, now_ms()).await,
    }
}
