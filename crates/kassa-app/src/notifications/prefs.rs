//! A person's notification choices, their notifications, and the unsubscribe link.

use super::wants;
use crate::auth::user_id;
use crate::{now_ms, Actor, AppError, AppResult, Missing};
use kassa_core::notification::{default_on, verify_unsubscribe, Channel, Kind, Unsubscribe};
use kassa_db::{Db, NotificationRow, NotifyRecipient};

/// One kind as the settings page shows it: what is on, and what the role's default is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrefView {
    pub kind: Kind,
    /// '' for an account-wide kind.
    pub store_id: String,
    pub home: bool,
    pub email: bool,
    pub home_default: bool,
    pub email_default: bool,
}

fn store_of(actor: &Actor) -> AppResult<&str> {
    actor.store_id.as_deref().ok_or(AppError::Forbidden)
}

/// The actor as a member of their current store (role and the merchant's onboarding).
async fn member(db: &Db, actor: &Actor) -> AppResult<NotifyRecipient> {
    db.notify_recipient(user_id(actor)?, store_of(actor)?)
        .await?
        .ok_or(AppError::Forbidden)
}

/// The kinds the actor's role may hear about in their current store (plus the account-wide
/// ones), each with what is on.
pub async fn preferences(db: &Db, actor: &Actor) -> AppResult<Vec<PrefView>> {
    let me = member(db, actor).await?;
    let store = store_of(actor)?;
    let prefs = db.notification_prefs(me.user_id).await?;
    Ok(Kind::ALL
        .into_iter()
        .filter(|k| k.visible_to(me.role, me.onboarding))
        .map(|kind| {
            let store_id = if kind.account_wide() { "" } else { store };
            PrefView {
                kind,
                store_id: store_id.to_owned(),
                home: wants(&prefs, &me, store_id, kind, Channel::Home),
                email: wants(&prefs, &me, store_id, kind, Channel::Email),
                home_default: default_on(kind, me.role, me.onboarding, Channel::Home),
                email_default: default_on(kind, me.role, me.onboarding, Channel::Email),
            }
        })
        .collect())
}

/// Saves the actor's choices for their current store: `on` lists what is ticked, every
/// other kind their role may see is off. Only what differs from the role's default is
/// stored.
pub async fn set_preferences(db: &Db, actor: &Actor, on: &[(Kind, Channel)]) -> AppResult<()> {
    let me = member(db, actor).await?;
    let store = store_of(actor)?;
    let now = now_ms();
    for kind in Kind::ALL.into_iter().filter(|k| k.visible_to(me.role, me.onboarding)) {
        let store_id = if kind.account_wide() { "" } else { store };
        for channel in Channel::ALL {
            let chosen = on.contains(&(kind, channel));
            let default = default_on(kind, me.role, me.onboarding, channel);
            let stored = (chosen != default).then_some(chosen);
            db.set_notification_pref(me.user_id, store_id, kind, channel, stored, now)
                .await?;
        }
    }
    Ok(())
}

/// What a valid unsubscribe link names, for its confirmation page; `None` for a link that
/// was altered or is not Kassa's.
pub fn check_unsubscribe(secret_key: &[u8], token: &str) -> Option<Unsubscribe> {
    verify_unsubscribe(secret_key, token)
}

/// Turns off the email of the kind and store a signed link names, without signing in
/// (RFC 8058 one-click, or the confirmation page's button). Refuses an altered link.
pub async fn unsubscribe(db: &Db, secret_key: &[u8], token: &str) -> AppResult<Unsubscribe> {
    let u = verify_unsubscribe(secret_key, token).ok_or(AppError::NotFound(Missing::Other("unsubscribe link")))?;
    db.set_notification_pref(u.user_id, &u.store_id, u.kind, Channel::Email, Some(false), now_ms())
        .await?;
    tracing::info!(user = u.user_id, store = u.store_id, kind = %u.kind, "email notifications turned off by link");
    Ok(u)
}

/// The actor's notifications on Home in their current store, newest first.
pub async fn recent(db: &Db, actor: &Actor, unread_only: bool, limit: i64) -> AppResult<Vec<NotificationRow>> {
    Ok(db
        .home_notifications(user_id(actor)?, store_of(actor)?, unread_only, limit)
        .await?)
}

/// The most unread notifications counted; more are shown as "99+".
pub const UNREAD_CAP: i64 = 100;

/// The bell: how many notifications are unread (at most [`UNREAD_CAP`]) and the newest
/// `items` of them. One query when there are fewer than `items`, which is the usual case.
pub async fn bell(db: &Db, actor: &Actor, items: i64) -> AppResult<(i64, Vec<NotificationRow>)> {
    let newest = recent(db, actor, true, items).await?;
    let count = if (newest.len() as i64) < items {
        newest.len() as i64
    } else {
        db.unread_notifications(user_id(actor)?, store_of(actor)?, UNREAD_CAP)
            .await?
    };
    Ok((count, newest))
}

/// How a count of unread notifications reads: "99+" past the cap.
pub fn unread_text(count: i64) -> String {
    if count >= UNREAD_CAP {
        format!("{}+", UNREAD_CAP - 1)
    } else {
        count.to_string()
    }
}

/// Marks one of the actor's notifications read; another person's is not found.
pub async fn mark_read(db: &Db, actor: &Actor, id: i64) -> AppResult<()> {
    if db.mark_notification_read(user_id(actor)?, id, now_ms()).await? {
        Ok(())
    } else {
        Err(AppError::NotFound(Missing::Other("notification")))
    }
}

/// Marks all of the actor's notifications in their current store read.
pub async fn mark_all_read(db: &Db, actor: &Actor) -> AppResult<u64> {
    Ok(db
        .mark_all_notifications_read(user_id(actor)?, store_of(actor)?, now_ms())
        .await?)
}
