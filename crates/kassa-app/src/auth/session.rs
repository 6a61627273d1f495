//! Portal sessions: starting one, finding and checking the one a request carries, ending
//! one. Cookies and CSRF are the web's; the rules of a live session are here.

use super::password::{random_token, token_hash};
use super::Account;
use crate::{now_ms, Actor, AppResult};
use kassa_core::access::{Onboarding, Role};
use kassa_core::account::{session_alive, SignInState};
use kassa_core::audit::AuditAction;
use kassa_core::store_settings::MerchantStatus;
use kassa_core::team::must_enrol_two_factor;
use kassa_db::{AuditEvent, Db, MembershipRow, NewSession as SessionInsert};

/// Sessions record activity at most this often, to keep writes off every request.
pub const SESSION_TOUCH_EVERY_MS: i64 = 15_000;

/// A live session: the signed-in person in their current store.
#[derive(Debug, Clone)]
pub struct Session {
    pub token_hash: String,
    pub csrf: String,
    pub user: Account,
    /// The stores usable now, in Store ID order.
    pub stores: Vec<MembershipRow>,
    pub store: MembershipRow,
    pub role: Role,
    pub onboarding: Onboarding,
    /// An admin at a merchant that requires two-factor, without it: until they set it up,
    /// they reach only the setup page (and sign-out, language, theme).
    pub must_enrol_two_factor: bool,
    /// The current store's merchant is suspended: its people read but change nothing.
    pub suspended: bool,
}

/// The session of a cookie token, if it is alive; a dead one (idle, too old, its account
/// no longer usable, or no store left) is ended here. Records activity now and then.
pub async fn session(db: &Db, token: &str, now: i64) -> AppResult<Option<Session>> {
    let hash = token_hash(token);
    let Some(session) = db.session(&hash).await? else {
        return Ok(None);
    };
    let user = db.user_by_id(session.user_id).await?;
    let usable = user.as_ref().is_some_and(|u| {
        let state = SignInState {
            status: u.status,
            locked_until_ms: None,
            access_expires_ms: u.access_expires_at,
        };
        state.refusal(now).is_none()
    });
    if !usable || !session_alive(session.created_at, session.last_seen_at, now) {
        db.delete_session(&hash).await?;
        return Ok(None);
    }
    let user = user.expect("checked above");
    // Only stores usable now: a merchant that deactivated the user is gone from the list.
    let stores = db.usable_memberships(user.id, now).await?;
    let Some(store) = stores
        .iter()
        .find(|m| m.store_id == session.store_id)
        .or(stores.first())
        .cloned()
    else {
        // No store access left: nothing in the portal to show.
        db.delete_session(&hash).await?;
        return Ok(None);
    };
    if now - session.last_seen_at >= SESSION_TOUCH_EVERY_MS {
        db.touch_session(&hash, now).await?;
    }
    let (role, onboarding) = (store.role, store.onboarding);
    let must_enrol_two_factor = must_enrol_two_factor(
        user.totp_secret.is_some(),
        stores.iter().map(|m| (m.role, m.require_two_factor)),
    );
    Ok(Some(Session {
        must_enrol_two_factor,
        suspended: store.merchant_status == MerchantStatus::Suspended,
        token_hash: hash,
        csrf: session.csrf_token,
        user: Account::from(&user),
        stores,
        store,
        role,
        onboarding,
    }))
}

/// Starts a session for `user_id` in `store_id` and returns the cookie token.
pub async fn start_session(db: &Db, user_id: i64, store_id: &str, ip: &str, user_agent: &str) -> AppResult<String> {
    let token = random_token();
    let csrf = random_token();
    let hash = token_hash(&token);
    db.create_session(
        &SessionInsert {
            token_hash: &hash,
            user_id,
            csrf_token: &csrf,
            store_id,
            ip,
            user_agent,
        },
        now_ms(),
    )
    .await?;
    Ok(token)
}

/// Ends a session (by its stored hash).
pub async fn end_session(db: &Db, token_hash: &str) -> AppResult<()> {
    Ok(db.delete_session(token_hash).await?)
}

/// Signing out: the session ends and the audit log says so.
pub async fn sign_out(db: &Db, actor: &Actor, token_hash: &str) -> AppResult<()> {
    db.delete_session(token_hash).await?;
    let user_id = actor.user_id.as_deref().and_then(|id| id.parse().ok());
    db.record_audit(
        &AuditEvent {
            merchant_id: super::merchant_id(actor),
            actor_user_id: user_id,
            actor: &actor.name,
            subject: &actor.name,
            ip: actor.address.as_deref().unwrap_or_default(),
            ..AuditEvent::of(AuditAction::SignOut)
        },
        now_ms(),
    )
    .await?;
    Ok(())
}
