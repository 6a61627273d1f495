//! Setting up, using and turning off a member's two-factor authentication.

use super::account::own_event;
use super::{password, two_factor, two_factor_required, user_of, AuthRefusal};
use crate::{now_ms, Actor, AppResult};
use kassa_core::audit::AuditAction;
use kassa_db::Db;

/// Where a member's two-factor stands, for the security page.
#[derive(Debug, Clone)]
pub struct TwoFactorState {
    pub email: String,
    pub timezone: String,
    pub enabled: bool,
    pub enabled_at: Option<i64>,
    /// The secret being set up, shown until a code confirms it.
    pub pending_secret: Option<String>,
    pub recovery_codes_left: i64,
    /// A merchant of theirs requires it of them, so they may not turn it off.
    pub required: bool,
    /// A merchant of theirs has the policy on.
    pub policy_on: bool,
}

pub async fn two_factor_state(db: &Db, actor: &Actor) -> AppResult<TwoFactorState> {
    let user = user_of(db, actor).await?;
    let stores = db.usable_memberships(user.id, now_ms()).await?;
    let enabled = user.totp_secret.is_some();
    Ok(TwoFactorState {
        pending_secret: if enabled { None } else { db.totp_pending(user.id).await? },
        recovery_codes_left: if enabled {
            db.unused_recovery_codes(user.id).await?
        } else {
            0
        },
        enabled,
        enabled_at: user.two_factor_enabled_at,
        required: two_factor_required(&stores),
        policy_on: stores.iter().any(|s| s.require_two_factor),
        email: user.email,
        timezone: user.timezone,
    })
}

/// Starts (or restarts) setup with a new secret, kept as pending until a code confirms it.
/// Nothing to do when two-factor is on.
pub async fn start_two_factor_setup(db: &Db, actor: &Actor) -> AppResult<()> {
    let user = user_of(db, actor).await?;
    if user.totp_secret.is_none() {
        db.set_totp_pending(user.id, Some(&two_factor::new_secret()), now_ms())
            .await?;
    }
    Ok(())
}

fn hashes(codes: &[String]) -> Vec<String> {
    codes.iter().map(|c| two_factor::recovery_code_hash(c)).collect()
}

/// A code from the app proves it holds the pending secret: two-factor goes on, and the
/// recovery codes are returned to be shown this once. `None` when there was nothing to
/// confirm (no setup going on, or it changed meanwhile).
pub async fn confirm_two_factor(db: &Db, actor: &Actor, code: &str) -> AppResult<Option<Vec<String>>> {
    let user = user_of(db, actor).await?;
    let now = now_ms();
    let Some(secret) = db.totp_pending(user.id).await? else {
        return Ok(None);
    };
    let Some(step) = two_factor::verify(&secret, code, now) else {
        return Err(AuthRefusal::WrongCode.into());
    };
    let codes = two_factor::new_recovery_codes();
    let after = serde_json::json!({ "two_factor": true }).to_string();
    let event = own_event(actor, user.id, AuditAction::TwoFactorEnabled, None, Some(after));
    let enabled = db
        .enable_two_factor(user.id, &secret, step, &hashes(&codes), &event, now)
        .await?;
    Ok(enabled.then_some(codes))
}

/// New recovery codes, after the password; the old ones stop working. `None` when
/// two-factor is off.
pub async fn replace_recovery_codes(db: &Db, actor: &Actor, current_password: &str) -> AppResult<Option<Vec<String>>> {
    let user = user_of(db, actor).await?;
    if user.totp_secret.is_none() {
        return Ok(None);
    }
    if !password::verify(current_password, user.password_hash.as_deref()).await? {
        return Err(AuthRefusal::WrongPassword.into());
    }
    let codes = two_factor::new_recovery_codes();
    let event = own_event(actor, user.id, AuditAction::RecoveryCodesReplaced, None, None);
    db.replace_recovery_codes(user.id, &hashes(&codes), &event, now_ms())
        .await?;
    Ok(Some(codes))
}

/// Turning two-factor off needs the password, and is refused where a merchant's policy
/// requires it of this member.
pub async fn disable_two_factor(db: &Db, actor: &Actor, current_password: &str) -> AppResult<()> {
    let user = user_of(db, actor).await?;
    let stores = db.usable_memberships(user.id, now_ms()).await?;
    if two_factor_required(&stores) {
        return Err(AuthRefusal::TwoFactorRequired.into());
    }
    if !password::verify(current_password, user.password_hash.as_deref()).await? {
        return Err(AuthRefusal::WrongPassword.into());
    }
    let after = serde_json::json!({ "two_factor": false }).to_string();
    let event = own_event(actor, user.id, AuditAction::TwoFactorDisabled, None, Some(after));
    db.disable_two_factor(user.id, false, &event, now_ms()).await?;
    Ok(())
}
