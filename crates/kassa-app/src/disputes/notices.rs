//! Telling the store's dispute handlers: when a dispute opens, when its deadline is 3 days
//! away, and how it ended. Each is a notification event (crate::notifications) queued in the
//! transaction of the event (or of the reminder's mark), so it goes out once even with
//! several processes, to Home and by email as each handler chose.

use crate::notifications::{self, Event};
use kassa_core::notification::Kind;
use kassa_db::{Db, DbError, DisputeRow, Tx};

/// The job kind dispute notices had before notifications; such jobs still run.
pub const DISPUTE_NOTICE: &str = "dispute_notice";
/// How long before a deadline the reminder goes out.
pub const REMIND_BEFORE_MS: i64 = 3 * 24 * 60 * 60 * 1000;

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

    pub fn kind(self) -> Kind {
        match self {
            NoticeEvent::Opened => Kind::DisputeOpened,
            NoticeEvent::DeadlineSoon => Kind::DisputeDeadline,
            NoticeEvent::Closed => Kind::DisputeOutcome,
        }
    }
}

/// Queues a notice in the event's transaction. A reminder is keyed by the deadline, so a
/// moved deadline is reminded of again.
pub(crate) async fn queue(tx: &mut Tx, dispute: &DisputeRow, event: NoticeEvent) -> Result<(), DbError> {
    let kind = event.kind();
    let mut notice = Event::new(kind, &dispute.store_id, &dispute.id);
    if event == NoticeEvent::DeadlineSoon {
        let key = format!("{}:{}:{}", notice.key, event.code(), dispute.deadline_at.unwrap_or(0));
        notice = notice.keyed(key);
    }
    notifications::queue(tx, &notice).await
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
