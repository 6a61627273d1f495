//! Requests of merchants to change their verified identity (legal name, organisation
//! number, VAT id): the queue, and applying or declining one. Viewing needs
//! `ViewMerchants`; deciding `ManageMerchants` (the operators who edit merchants). Applying
//! checks the requested values again against the merchant's country as it is now.

use super::{require, Problems};
use crate::company::{check_identity, identity_json, IdentityInput};
use crate::{now_ms, Actor, AppError, AppResult, Missing};
use kassa_core::access::{allows, Onboarding, Permission, Role};
use kassa_core::audit::AuditAction;
use kassa_core::ops_access::OpsPermission;
use kassa_db::{Db, DisputeRecipient, IdentityDecision, IdentityRequestRow, IdentityRequestStatus};

/// A decided request and whom of the merchant to tell (its people who manage the company).
#[derive(Debug, Clone)]
pub struct IdentityDecided {
    pub request: IdentityRequestRow,
    pub recipients: Vec<DisputeRecipient>,
}

/// Requests in `status` across merchants, pending ones oldest first, at most 200.
pub async fn identity_requests(
    db: &Db,
    actor: &Actor,
    status: IdentityRequestStatus,
) -> AppResult<Vec<IdentityRequestRow>> {
    require(actor, OpsPermission::ViewMerchants)?;
    Ok(db.identity_requests_in(status, 200).await?)
}

/// One merchant's latest requests, newest first.
pub async fn merchant_identity_requests(
    db: &Db,
    actor: &Actor,
    merchant_id: i64,
) -> AppResult<Vec<IdentityRequestRow>> {
    require(actor, OpsPermission::ViewMerchants)?;
    Ok(db.identity_requests_of(merchant_id, 20).await?)
}

async fn pending(db: &Db, request_id: i64) -> AppResult<IdentityRequestRow> {
    let r = db
        .identity_request(request_id)
        .await?
        .ok_or(AppError::NotFound(Missing::Other("identity change request")))?;
    if r.status != IdentityRequestStatus::Pending {
        return Err(decided());
    }
    Ok(r)
}

fn decided() -> AppError {
    AppError::Conflict("the request was decided meanwhile".into())
}

/// The request as it is now, with the people to tell.
async fn outcome(db: &Db, request_id: i64, merchant_id: i64) -> AppResult<IdentityDecided> {
    let request = db
        .identity_request(request_id)
        .await?
        .ok_or(AppError::NotFound(Missing::Other("identity change request")))?;
    let roles: Vec<&str> = Role::ALL
        .into_iter()
        .filter(|r| allows(*r, Onboarding::Direct, Permission::ManageCompany))
        .map(Role::code)
        .collect();
    let recipients = db.merchant_members_in_roles(merchant_id, &roles).await?;
    Ok(IdentityDecided { request, recipients })
}

/// Applies a pending request: the merchant gets the requested legal name, organisation
/// number and VAT id, audited with before and after. Of concurrent decisions one wins; the
/// others get [`AppError::Conflict`].
pub async fn apply_identity_request(db: &Db, actor: &Actor, request_id: i64) -> AppResult<IdentityDecided> {
    require(actor, OpsPermission::ManageMerchants)?;
    let r = pending(db, request_id).await?;
    let merchant = db
        .merchant_detail(r.merchant_id)
        .await?
        .ok_or(AppError::NotFound(Missing::Other("merchant")))?;
    // Stored normalised already; checked again because the country may have changed.
    check_identity(
        &merchant.country,
        &IdentityInput {
            legal_name: r.legal_name.clone(),
            org_number: r.org_number.clone(),
            vat_id: r.vat_id.clone(),
        },
    )?;
    let actor = actor.clone().at_merchant(merchant.id);
    let subject = merchant.id.to_string();
    let audit = kassa_db::AuditEvent {
        subject: &subject,
        before: Some(identity_json(&merchant.legal_name, &merchant.org_number, &merchant.vat_id).to_string()),
        after: Some(identity_json(&r.legal_name, &r.org_number, &r.vat_id).to_string()),
        ..actor.audit_event(AuditAction::CompanyIdentityApplied)
    };
    let decision = IdentityDecision {
        request_id,
        operator_id: actor.operator_id,
        operator: &actor.name,
        reason: "",
    };
    if !db.apply_identity_request(&decision, &audit, now_ms()).await? {
        return Err(decided());
    }
    outcome(db, request_id, merchant.id).await
}

/// Declines a pending request; `reason` (required, at most 500 characters) is told to the
/// merchant.
pub async fn decline_identity_request(
    db: &Db,
    actor: &Actor,
    request_id: i64,
    reason: &str,
) -> AppResult<IdentityDecided> {
    require(actor, OpsPermission::ManageMerchants)?;
    let mut p = Problems::default();
    let reason = p.text("reason", reason, 500);
    p.done()?;
    let r = pending(db, request_id).await?;
    let actor = actor.clone().at_merchant(r.merchant_id);
    let subject = r.id.to_string();
    let audit = kassa_db::AuditEvent {
        subject: &subject,
        before: Some(serde_json::json!({"status": "pending"}).to_string()),
        after: Some(serde_json::json!({"status": "declined", "reason": reason}).to_string()),
        ..actor.audit_event(AuditAction::CompanyIdentityDeclined)
    };
    let decision = IdentityDecision {
        request_id,
        operator_id: actor.operator_id,
        operator: &actor.name,
        reason: &reason,
    };
    if !db.decline_identity_request(&decision, &audit, now_ms()).await? {
        return Err(decided());
    }
    outcome(db, request_id, r.merchant_id).await
}
