//! The provider invites a merchant's first Super Admin (to every store of the merchant) and
//! sends invitations again, through the same team use cases (rules, audit, invitation link)
//! as a merchant's own admins. ManageMerchants is checked by those use cases for an operator
//! actor.
//!
//! It also resets the two-factor of a merchant's user who lost both their authenticator and
//! their recovery codes, after checking who they are out of band: the secret and the codes
//! go and every session of theirs ends, with the operator's reason in the merchant's audit
//! trail, through the storage the user's own "turn two-factor off" uses.

use super::{require, Problems};
use crate::team::{self, InvitationMail, InviteUser, TeamUser};
use crate::{now_ms, Actor, AppError, AppResult, Missing};
use kassa_core::access::Role;
use kassa_core::audit::AuditAction;
use kassa_core::ops_access::OpsPermission;
use kassa_db::Db;

/// An invitation email to send, and the inviting merchant's name for it.
#[derive(Debug, Clone)]
pub struct MerchantInvitation {
    pub mail: InvitationMail,
    pub merchant_name: String,
}

async fn merchant_name(db: &Db, merchant_id: i64) -> AppResult<String> {
    Ok(db
        .merchant(merchant_id)
        .await?
        .ok_or(AppError::NotFound(Missing::Other("merchant")))?
        .legal_name)
}

/// Invites `email` as Super Admin of all the merchant's stores. `language` is the new
/// account's (`None` when the form named one Kassa does not speak: a field error).
pub async fn invite_super_admin(
    db: &Db,
    actor: &Actor,
    merchant_id: i64,
    email: &str,
    language: Option<String>,
) -> AppResult<MerchantInvitation> {
    let actor = actor.clone().at_merchant(merchant_id);
    let stores = db
        .stores_of_merchant(merchant_id)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    let cmd = InviteUser {
        email: email.to_owned(),
        role: Role::SuperAdmin.code().to_owned(),
        stores,
        kind: "internal".to_owned(),
        expires: String::new(),
        timezone: "UTC".to_owned(),
        language,
    };
    let mail = team::invite(db, &actor, &cmd).await?;
    Ok(MerchantInvitation {
        mail,
        merchant_name: merchant_name(db, merchant_id).await?,
    })
}

/// A new invitation link for a user still invited at the merchant; the old one stops working.
pub async fn resend_merchant_invitation(
    db: &Db,
    actor: &Actor,
    merchant_id: i64,
    user_id: i64,
) -> AppResult<MerchantInvitation> {
    let actor = actor.clone().at_merchant(merchant_id);
    let mail = team::resend_invitation(db, &actor, user_id).await?;
    Ok(MerchantInvitation {
        mail,
        merchant_name: merchant_name(db, merchant_id).await?,
    })
}

/// The longest reason an operator may give for a two-factor reset.
pub const RESET_REASON_MAX: usize = 500;

/// A user of the merchant whose two-factor an operator is about to reset (the confirmation
/// page); users of other merchants are "not found". `two_factor` is false for someone
/// who has not accepted this merchant's invitation: the merchant has no say over an account
/// it does not share yet.
pub async fn two_factor_reset_target(db: &Db, actor: &Actor, merchant_id: i64, user_id: i64) -> AppResult<TeamUser> {
    require(actor, OpsPermission::ManageMerchants)?;
    let actor = actor.clone().at_merchant(merchant_id);
    Ok(team::team_member(db, &actor, user_id).await?.user)
}

/// Whom to tell that their two-factor was reset, in their language.
#[derive(Debug, Clone)]
pub struct TwoFactorResetMail {
    pub to: String,
    pub language: String,
}

/// Resets a merchant user's two-factor: their TOTP secret and recovery codes are removed and
/// every session of theirs is signed out, with an audit event at the merchant (the operator,
/// the user, `reason`), all in one transaction. At their next sign-in the password is enough,
/// unless the merchant's policy requires two-factor of them: then they must set it up again
/// before anything else. `None` when the user has no two-factor (here): nothing changes and
/// nothing is recorded — of many concurrent resets, exactly one does it and returns the
/// email to send. Otherwise `reason` is required (a field error `reason`, nothing changed).
pub async fn reset_member_two_factor(
    db: &Db,
    actor: &Actor,
    merchant_id: i64,
    user_id: i64,
    reason: &str,
) -> AppResult<Option<TwoFactorResetMail>> {
    let member = two_factor_reset_target(db, actor, merchant_id, user_id).await?;
    if !member.two_factor {
        return Ok(None);
    }
    let mut p = Problems::default();
    let reason = p.text("reason", reason, RESET_REASON_MAX);
    p.done()?;
    let account = db
        .user_by_id(member.id)
        .await?
        .ok_or(AppError::NotFound(Missing::Other("user")))?;
    let actor = actor.clone().at_merchant(merchant_id);
    let event = kassa_db::AuditEvent {
        subject: &account.email,
        before: Some(serde_json::json!({ "two_factor": true }).to_string()),
        after: Some(serde_json::json!({ "two_factor": false, "reason": reason }).to_string()),
        ..actor.audit_event(AuditAction::TwoFactorReset)
    };
    let reset = db.disable_two_factor(account.id, true, &event, now_ms()).await?;
    Ok(reset.then(|| TwoFactorResetMail {
        to: account.email.clone(),
        language: account.language.clone(),
    }))
}
