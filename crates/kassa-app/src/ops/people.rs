//! The provider invites a merchant's first Super Admin (to every store of the merchant) and
//! sends invitations again, through the same team use cases (rules, audit, invitation link)
//! as a merchant's own admins. ManageMerchants is checked by those use cases for an operator
//! actor.

use crate::team::{self, InvitationMail, InviteUser};
use crate::{Actor, AppError, AppResult, Missing};
use kassa_core::access::Role;
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
