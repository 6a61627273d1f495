//! Notifications (issue 15 item 4): people's choices (only where they differ from their
//! role's defaults), the notifications themselves, and the devices people sign in from.

use crate::{on_pool, on_tx, on_writer, Db, Result, Tx};
use kassa_core::access::{Onboarding, Role};
use kassa_core::notification::{Channel, Kind};

/// A choice a person made: `kind` on `channel` in `store_id` ('' for account-wide kinds).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct NotificationPrefRow {
    pub store_id: String,
    #[sqlx(try_from = "String")]
    pub kind: Kind,
    #[sqlx(try_from = "String")]
    pub channel: Channel,
    pub enabled: bool,
}

/// Someone who may be told about a store's events, with what decides what they are told.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NotifyRecipient {
    pub user_id: i64,
    pub email: String,
    pub name: String,
    pub language: String,
    pub timezone: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    #[sqlx(try_from = "String")]
    pub onboarding: Onboarding,
}

/// A notification to store.
#[derive(Debug, Clone)]
pub struct NewNotification<'a> {
    pub user_id: i64,
    pub store_id: &'a str,
    pub kind: Kind,
    pub event_key: &'a str,
    pub subject: &'a str,
    pub params: &'a str,
    pub on_home: bool,
    pub email_wanted: bool,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NotificationRow {
    pub id: i64,
    pub user_id: i64,
    pub store_id: String,
    #[sqlx(try_from = "String")]
    pub kind: Kind,
    pub event_key: String,
    pub subject: String,
    pub params: String,
    pub on_home: bool,
    pub email_wanted: bool,
    pub emailed_at: Option<i64>,
    pub read_at: Option<i64>,
    pub created_at: i64,
}

const COLUMNS: &str = "id, user_id, store_id, kind, event_key, subject, params, on_home, email_wanted, emailed_at, \
                       read_at, created_at";

const RECIPIENT: &str = "SELECT u.id AS user_id, u.email, u.name, u.language, u.timezone, m.role, mm.onboarding \
                         FROM memberships m JOIN users u ON u.id = m.user_id JOIN stores s ON s.id = m.store_id \
                         JOIN merchants mm ON mm.id = s.merchant_id \
                         WHERE u.status = 'active' AND m.deactivated_at IS NULL";

impl Db {
    /// Every choice `user_id` has made.
    pub async fn notification_prefs(&self, user_id: i64) -> Result<Vec<NotificationPrefRow>> {
        let sql = "SELECT store_id, kind, channel, enabled FROM notification_prefs WHERE user_id = $1 \
                   ORDER BY store_id, kind, channel";
        Ok(on_pool!(self, p => sqlx::query_as(sql).bind(user_id).fetch_all(p).await)?)
    }

    /// Records a choice, or forgets it (`None`: back to the role's default).
    pub async fn set_notification_pref(
        &self,
        user_id: i64,
        store_id: &str,
        kind: Kind,
        channel: Channel,
        enabled: Option<bool>,
        now: i64,
    ) -> Result<()> {
        match enabled {
            Some(enabled) => {
                let sql = "INSERT INTO notification_prefs (user_id, store_id, kind, channel, enabled, updated_at) \
                           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (user_id, store_id, kind, channel) \
                           DO UPDATE SET enabled = excluded.enabled, updated_at = excluded.updated_at";
                on_writer!(self, p => sqlx::query(sql).bind(user_id).bind(store_id).bind(kind.code())
                    .bind(channel.code()).bind(enabled).bind(now).execute(p).await.map(|_| ()))?;
            }
            None => {
                let sql = "DELETE FROM notification_prefs WHERE user_id = $1 AND store_id = $2 AND kind = $3 \
                           AND channel = $4";
                on_writer!(self, p => sqlx::query(sql).bind(user_id).bind(store_id).bind(kind.code())
                    .bind(channel.code()).execute(p).await.map(|_| ()))?;
            }
        }
        Ok(())
    }

    /// The active members of `store_id`, whatever their role (the caller decides by role).
    pub async fn notify_recipients(&self, store_id: &str) -> Result<Vec<NotifyRecipient>> {
        let sql = format!("{RECIPIENT} AND m.store_id = $1 ORDER BY u.email");
        Ok(on_pool!(self, p => sqlx::query_as(&sql).bind(store_id).fetch_all(p).await)?)
    }

    /// `user_id` as a member of `store_id`, if active there.
    pub async fn notify_recipient(&self, user_id: i64, store_id: &str) -> Result<Option<NotifyRecipient>> {
        let sql = format!("{RECIPIENT} AND m.store_id = $1 AND u.id = $2");
        Ok(on_pool!(self, p => sqlx::query_as(&sql).bind(store_id).bind(user_id).fetch_optional(p).await)?)
    }

    /// Stores a notification unless the person already has one for the same event; whether
    /// it was stored.
    pub async fn insert_notification(&self, n: &NewNotification<'_>, now: i64) -> Result<bool> {
        let sql = "INSERT INTO notifications (user_id, store_id, kind, event_key, subject, params, on_home, \
                   email_wanted, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                   ON CONFLICT (user_id, event_key) DO NOTHING";
        let n = on_writer!(self, p => sqlx::query(sql).bind(n.user_id).bind(n.store_id).bind(n.kind.code())
            .bind(n.event_key).bind(n.subject).bind(n.params).bind(n.on_home).bind(n.email_wanted).bind(now)
            .execute(p).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// The notifications of one event still to be emailed.
    pub async fn notifications_to_mail(&self, event_key: &str) -> Result<Vec<NotificationRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM notifications WHERE event_key = $1 AND email_wanted AND emailed_at IS NULL ORDER BY id"
        );
        Ok(on_pool!(self, p => sqlx::query_as(&sql).bind(event_key).fetch_all(p).await)?)
    }

    /// Claims a notification's email for sending; false when someone else has.
    pub async fn claim_notification_mail(&self, id: i64, now: i64) -> Result<bool> {
        let sql = "UPDATE notifications SET emailed_at = $2 WHERE id = $1 AND emailed_at IS NULL";
        let n = on_writer!(self, p => sqlx::query(sql).bind(id).bind(now).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Gives a claimed email back after sending failed, so a retry sends it.
    pub async fn release_notification_mail(&self, id: i64) -> Result<()> {
        let sql = "UPDATE notifications SET emailed_at = NULL WHERE id = $1";
        on_writer!(self, p => sqlx::query(sql).bind(id).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// `user_id`'s notifications shown on Home in `store_id` (and account-wide), newest first.
    pub async fn home_notifications(
        &self,
        user_id: i64,
        store_id: &str,
        unread_only: bool,
        limit: i64,
    ) -> Result<Vec<NotificationRow>> {
        let unread = if unread_only { " AND read_at IS NULL" } else { "" };
        let sql = format!(
            "SELECT {COLUMNS} FROM notifications WHERE user_id = $1 AND (store_id = $2 OR store_id = '') \
             AND on_home{unread} ORDER BY created_at DESC, id DESC LIMIT $3"
        );
        Ok(on_pool!(self, p => sqlx::query_as(&sql).bind(user_id).bind(store_id).bind(limit).fetch_all(p).await)?)
    }

    /// How many of them are unread (the bell's count), counting at most `cap`: the count is
    /// read on every portal page, so a person with years of unread notices must not make
    /// every page scan them all.
    pub async fn unread_notifications(&self, user_id: i64, store_id: &str, cap: i64) -> Result<i64> {
        let sql = "SELECT COUNT(*) FROM (SELECT 1 FROM notifications WHERE user_id = $1 \
                   AND (store_id = $2 OR store_id = '') AND on_home AND read_at IS NULL LIMIT $3) unread";
        let (n,): (i64,) =
            on_pool!(self, p => sqlx::query_as(sql).bind(user_id).bind(store_id).bind(cap).fetch_one(p).await)?;
        Ok(n)
    }

    /// Marks one of `user_id`'s notifications read; false when it is not theirs.
    pub async fn mark_notification_read(&self, user_id: i64, id: i64, now: i64) -> Result<bool> {
        let sql = "UPDATE notifications SET read_at = COALESCE(read_at, $3) WHERE id = $1 AND user_id = $2";
        let n = on_writer!(self, p => sqlx::query(sql).bind(id).bind(user_id).bind(now).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Marks every unread notification of `user_id` in `store_id` (and account-wide) read.
    pub async fn mark_all_notifications_read(&self, user_id: i64, store_id: &str, now: i64) -> Result<u64> {
        let sql = "UPDATE notifications SET read_at = $3 WHERE user_id = $1 AND (store_id = $2 OR store_id = '') \
                   AND read_at IS NULL";
        Ok(
            on_writer!(self, p => sqlx::query(sql).bind(user_id).bind(store_id).bind(now).execute(p).await.map(|r| r.rows_affected()))?,
        )
    }

    /// The ids of every store (the daily digest looks at each).
    pub async fn all_store_ids(&self) -> Result<Vec<String>> {
        let rows: Vec<(String,)> =
            on_pool!(self, p => sqlx::query_as("SELECT id FROM stores ORDER BY id").fetch_all(p).await)?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }
}

impl Tx {
    /// Remembers that `user_id` signed in from `device_key`. Returns `(new, first)`: whether
    /// the device was not known before, and whether it is the person's first device at all.
    pub async fn note_device(&mut self, user_id: i64, device_key: &str, now: i64) -> Result<(bool, bool)> {
        let count = "SELECT COUNT(*) FROM known_devices WHERE user_id = $1";
        let (known,): (i64,) = on_tx!(self, c => sqlx::query_as(count).bind(user_id).fetch_one(c).await)?;
        let insert = "INSERT INTO known_devices (user_id, device_key, first_seen_at, last_seen_at) \
                      VALUES ($1, $2, $3, $3) ON CONFLICT (user_id, device_key) DO NOTHING";
        let inserted = on_tx!(self, c => sqlx::query(insert).bind(user_id).bind(device_key).bind(now)
            .execute(c).await.map(|r| r.rows_affected()))?;
        if inserted == 0 {
            let touch = "UPDATE known_devices SET last_seen_at = $3 WHERE user_id = $1 AND device_key = $2";
            on_tx!(self, c => sqlx::query(touch).bind(user_id).bind(device_key).bind(now)
                .execute(c).await.map(|r| r.rows_affected()))?;
        }
        Ok((inserted == 1, known == 0))
    }
}
