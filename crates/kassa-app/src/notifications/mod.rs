//! Notifications (issue 15 item 4): the events people are told about, on Home (and the bell)
//! and by email, as each person chose or their role's defaults decide (kassa-core).
//!
//! An event is queued as a database job in the event's own transaction where there is one
//! (or just after it), so a mail server that is down never breaks the event, and the job
//! runs once across processes. The job stores one notification per person (unique per
//! person and event, so a rerun or a second runner tells no one twice), then mails those
//! who want mail; writing the message (language, timezone, unsubscribe link) is the web
//! crate's [`NotificationMailer`].

mod digest;
mod prefs;

pub use digest::{digest_due, queue_daily_digest, run_digest, DIGEST};
pub use prefs::{
    bell, check_unsubscribe, mark_all_read, mark_read, preferences, recent, set_preferences, unread_text, unsubscribe,
    PrefView, UNREAD_CAP,
};

use crate::jobs::MINUTE;
use crate::now_ms;
use kassa_core::notification::{default_on, Channel, Kind};
use kassa_db::{Db, DbError, JobRow, NewNotification, NotificationPrefRow, NotificationRow, NotifyRecipient, Tx};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::pin::Pin;

/// The job kind of a notification event; its key is the event's key.
pub const NOTIFY: &str = "notify";
const ATTEMPTS: i64 = 5;

/// Something that happened that people may be told about.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Event {
    /// The kind's code.
    pub kind: String,
    /// The store it happened in (for an account-wide kind: the store whose membership names
    /// the person; the notification itself belongs to no store).
    pub store_id: String,
    /// What it is about: a dispute id, a payment reference, a report id, an API username,
    /// an endpoint id, a device.
    pub subject: String,
    /// Unique per event: a person is told once per key.
    pub key: String,
    /// Only this person (a report's requester, the owner of the account signed in to).
    pub user_id: Option<i64>,
    /// What the message says besides the subject (amounts, names, addresses).
    #[serde(default)]
    pub params: serde_json::Value,
    /// When it happened (ms): the notifications' time, so they list in the order things
    /// happened, not in the order their jobs ran (jobs run in parallel). 0 in jobs queued
    /// before this field existed: then the time the job runs.
    #[serde(default)]
    pub at: i64,
}

impl Event {
    pub fn new(kind: Kind, store_id: &str, subject: &str) -> Event {
        Event {
            kind: kind.code().to_owned(),
            store_id: store_id.to_owned(),
            subject: subject.to_owned(),
            key: format!("{}:{store_id}:{subject}", kind.code()),
            user_id: None,
            params: serde_json::Value::Null,
            at: now_ms(),
        }
    }

    pub fn keyed(mut self, key: String) -> Event {
        self.key = key;
        self
    }

    pub fn for_user(mut self, user_id: i64) -> Event {
        self.user_id = Some(user_id);
        self
    }

    pub fn with(mut self, params: serde_json::Value) -> Event {
        self.params = params;
        self
    }
}

/// Writes and sends the email of one notification.
pub trait NotificationMailer: Send + Sync {
    fn send<'a>(
        &'a self,
        db: &'a Db,
        to: &'a NotifyRecipient,
        notification: &'a NotificationRow,
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;
}

/// Queues `event` in the transaction of what happened.
pub async fn queue(tx: &mut Tx, event: &Event) -> Result<(), DbError> {
    let now = now_ms();
    let (kind, key, payload) = job(event);
    tx.schedule_job(&kind, &key, &payload, now, now).await
}

/// The job (kind, key, payload) that delivers `event`, for a store method that queues it in
/// its own transaction.
pub fn job(event: &Event) -> (String, String, String) {
    (
        NOTIFY.to_owned(),
        event.key.clone(),
        serde_json::to_string(event).unwrap_or_default(),
    )
}

/// Whether `kind` is on for `to` on `channel` in `store_id`: their choice, else their
/// role's default. A kind their role may not see is off whatever was chosen.
pub fn wants(
    prefs: &[NotificationPrefRow],
    to: &NotifyRecipient,
    store_id: &str,
    kind: Kind,
    channel: Channel,
) -> bool {
    if !kind.visible_to(to.role, to.onboarding) {
        return false;
    }
    prefs
        .iter()
        .find(|p| p.store_id == store_id && p.kind == kind && p.channel == channel)
        .map(|p| p.enabled)
        .unwrap_or_else(|| default_on(kind, to.role, to.onboarding, channel))
}

/// Runs one notification job: stores the notification of everyone who wants it, then
/// emails those who want mail and were not mailed yet. A failed email is retried a minute
/// later, a few times; the notifications already stored stay.
pub async fn deliver(db: &Db, mailer: &dyn NotificationMailer, job: &JobRow) -> Result<(), DbError> {
    let Ok(event) = serde_json::from_str::<Event>(&job.payload) else {
        tracing::error!(
            key = job.job_key,
            "a notification job without a readable event; dropped"
        );
        return db.finish_job(job.id, now_ms()).await;
    };
    deliver_event(db, mailer, &event, job).await
}

async fn deliver_event(db: &Db, mailer: &dyn NotificationMailer, event: &Event, job: &JobRow) -> Result<(), DbError> {
    let failed = tell(db, mailer, event).await?;
    match failed {
        Some(error) if job.attempts < ATTEMPTS => db.reschedule_job(job.id, now_ms() + MINUTE, Some(&error)).await,
        Some(error) => {
            tracing::error!(key = event.key, %error, "a notification email could not be sent; given up");
            db.finish_job(job.id, now_ms()).await
        }
        None => db.finish_job(job.id, now_ms()).await,
    }
}

/// Stores and mails the notifications of one event; the last mail error, if any.
async fn tell(db: &Db, mailer: &dyn NotificationMailer, event: &Event) -> Result<Option<String>, DbError> {
    let Ok(kind) = event.kind.parse::<Kind>() else {
        return Ok(None);
    };
    let recipients: Vec<NotifyRecipient> = match event.user_id {
        Some(user) => db.notify_recipient(user, &event.store_id).await?.into_iter().collect(),
        None => db.notify_recipients(&event.store_id).await?,
    };
    let store_id = if kind.account_wide() {
        ""
    } else {
        event.store_id.as_str()
    };
    let params = event.params.to_string();
    let at = if event.at > 0 { event.at } else { now_ms() };
    for to in &recipients {
        let prefs = db.notification_prefs(to.user_id).await?;
        let on_home = wants(&prefs, to, store_id, kind, Channel::Home);
        let email_wanted = wants(&prefs, to, store_id, kind, Channel::Email);
        if !on_home && !email_wanted {
            continue;
        }
        let new = NewNotification {
            user_id: to.user_id,
            store_id,
            kind,
            event_key: &event.key,
            subject: &event.subject,
            params: &params,
            on_home,
            email_wanted,
        };
        db.insert_notification(&new, at).await?;
    }
    let mut failed = None;
    for n in db.notifications_to_mail(&event.key).await? {
        let Some(to) = recipients.iter().find(|r| r.user_id == n.user_id) else {
            continue;
        };
        if !db.claim_notification_mail(n.id, now_ms()).await? {
            continue;
        }
        if let Err(e) = mailer.send(db, to, &n).await {
            db.release_notification_mail(n.id).await?;
            failed = Some(e);
        }
    }
    Ok(failed)
}

/// Runs a dispute notice job queued before notifications existed (`<dispute id>:<event>…`)
/// as the notification it now is.
pub async fn deliver_dispute_notice(db: &Db, mailer: &dyn NotificationMailer, job: &JobRow) -> Result<(), DbError> {
    let mut parts = job.job_key.split(':');
    let (Some(id), Some(event)) = (parts.next(), parts.next()) else {
        return db.finish_job(job.id, now_ms()).await;
    };
    let kind = match event {
        "opened" => Kind::DisputeOpened,
        "reminder" => Kind::DisputeDeadline,
        "closed" => Kind::DisputeOutcome,
        _ => return db.finish_job(job.id, now_ms()).await,
    };
    let Some(dispute) = db.dispute(None, id).await? else {
        return db.finish_job(job.id, now_ms()).await;
    };
    let event = Event::new(kind, &dispute.store_id, id).keyed(format!("{}:{}", kind.code(), job.job_key));
    deliver_event(db, mailer, &event, job).await
}

/// Runs a webhook-disabled notice job queued before notifications existed (its payload is
/// the endpoint id).
pub async fn deliver_webhook_notice(db: &Db, mailer: &dyn NotificationMailer, job: &JobRow) -> Result<(), DbError> {
    let Some(endpoint) = db.webhook_endpoint(None, &job.payload).await? else {
        return db.finish_job(job.id, now_ms()).await;
    };
    let event = webhook_disabled(&endpoint.store_id, &endpoint.id, &endpoint.url, &job.job_key);
    deliver_event(db, mailer, &event, job).await
}

/// The event of an endpoint disabled after failing (`key` tells one disabling from the next).
pub fn webhook_disabled(store_id: &str, endpoint_id: &str, url: &str, key: &str) -> Event {
    Event::new(Kind::WebhookDisabled, store_id, endpoint_id)
        .keyed(format!("{}:{store_id}:{key}", Kind::WebhookDisabled.code()))
        .with(serde_json::json!({ "url": url }))
}
