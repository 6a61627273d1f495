//! Merchants in the back office: create, edit, suspend, reinstate, view and list.

use super::{changed, country, require, Problems};
use crate::{now_ms, Actor, AppError, AppResult, Missing};
use kassa_core::access::Onboarding;
use kassa_core::audit::AuditAction;
use kassa_core::identity;
use kassa_core::ops_access::OpsPermission;
use kassa_core::store_settings::MerchantStatus;
use kassa_db::{Db, MerchantCursor, MerchantDetailRow, MerchantListRow, MerchantOrder, MerchantQuery, NewMerchant};
use serde_json::json;

/// A merchant's details as an operator enters them.
#[derive(Debug, Clone)]
pub struct MerchantInput {
    pub legal_name: String,
    /// Checked with the national checksum of `country` where there is one.
    pub org_number: String,
    /// Optional (empty); when given, checked against `country` and, in Sweden, the number.
    pub vat_id: String,
    pub address_line: String,
    pub postal_code: String,
    pub city: String,
    /// ISO 3166-1 alpha-2 of a market Kassa trades in.
    pub country: String,
    pub onboarding: Onboarding,
    /// Super Admins and Admins must use two-factor sign-in.
    pub require_two_factor: bool,
}

/// The input, checked and normalised (organisation number and VAT id in their stored form).
struct CheckedMerchant {
    legal_name: String,
    org_number: String,
    vat_id: String,
    address_line: String,
    postal_code: String,
    city: String,
    country: String,
    onboarding: Onboarding,
    require_two_factor: bool,
}

impl CheckedMerchant {
    fn new_merchant(&self) -> NewMerchant<'_> {
        NewMerchant {
            legal_name: &self.legal_name,
            org_number: &self.org_number,
            vat_id: &self.vat_id,
            address_line: &self.address_line,
            postal_code: &self.postal_code,
            city: &self.city,
            country: &self.country,
            onboarding: self.onboarding.code(),
            require_two_factor: self.require_two_factor,
        }
    }

    fn json(&self) -> serde_json::Value {
        json!({
            "legal_name": self.legal_name,
            "org_number": self.org_number,
            "vat_id": self.vat_id,
            "address_line": self.address_line,
            "postal_code": self.postal_code,
            "city": self.city,
            "country": self.country,
            "onboarding": self.onboarding.code(),
            "require_two_factor": self.require_two_factor,
        })
    }
}

fn detail_json(m: &MerchantDetailRow) -> serde_json::Value {
    json!({
        "legal_name": m.legal_name,
        "org_number": m.org_number,
        "vat_id": m.vat_id,
        "address_line": m.address_line,
        "postal_code": m.postal_code,
        "city": m.city,
        "country": m.country,
        "onboarding": m.onboarding.code(),
        "require_two_factor": m.require_two_factor,
    })
}

/// Every bad field of `input`, or the normalised merchant.
fn check(input: &MerchantInput) -> AppResult<CheckedMerchant> {
    let mut p = Problems::default();
    let legal_name = p.text("legal_name", &input.legal_name, 200);
    let country = country(&mut p, "country", &input.country);
    let org_number = match &country {
        Some(c) => p.identity("org_number", identity::org_number(c, &input.org_number)),
        None => input.org_number.trim().to_owned(),
    };
    let vat_id = match &country {
        _ if input.vat_id.trim().is_empty() => String::new(),
        Some(c) => p.identity("vat_id", identity::vat_id(c, &input.org_number, &input.vat_id)),
        None => input.vat_id.trim().to_owned(),
    };
    let address_line = p.text("address_line", &input.address_line, 200);
    let postal_code = p.text("postal_code", &input.postal_code, 20);
    let city = p.text("city", &input.city, 100);
    p.done()?;
    Ok(CheckedMerchant {
        legal_name,
        org_number,
        vat_id,
        address_line,
        postal_code,
        city,
        country: country.unwrap_or_default(),
        onboarding: input.onboarding,
        require_two_factor: input.require_two_factor,
    })
}

/// Creates a merchant (active, no stores yet). Returns its id.
pub async fn create_merchant(db: &Db, actor: &Actor, input: &MerchantInput) -> AppResult<i64> {
    require(actor, OpsPermission::ManageMerchants)?;
    let m = check(input)?;
    let after = m.json().to_string();
    // The merchant's id is the audit event's merchant and subject; storage fills them in.
    let audit = kassa_db::AuditEvent {
        after: Some(after),
        ..actor.audit_event(AuditAction::MerchantCreated)
    };
    Ok(db.create_merchant_audited(&m.new_merchant(), &audit, now_ms()).await?)
}

/// An edit of a merchant's details.
#[derive(Debug, Clone)]
pub struct UpdateMerchant {
    pub merchant_id: i64,
    /// The [`MerchantDetailRow::updated_at`] the operator's form was filled from: when the
    /// merchant changed since, the edit is refused with [`AppError::Conflict`] instead of
    /// overwriting the other change. `None` edits whatever is there now.
    pub expected_version: Option<i64>,
    pub input: MerchantInput,
}

/// Changes a merchant's details; only the changed fields go into the audit event, and an
/// edit that changes nothing writes nothing.
pub async fn update_merchant(db: &Db, actor: &Actor, cmd: &UpdateMerchant) -> AppResult<()> {
    require(actor, OpsPermission::ManageMerchants)?;
    let current = found(db.merchant_detail(cmd.merchant_id).await?)?;
    let m = check(&cmd.input)?;
    let version = cmd.expected_version.unwrap_or(current.updated_at);
    if version != current.updated_at {
        return Err(conflict());
    }
    let (before, after) = changed(detail_json(&current), m.json());
    if after.as_object().is_none_or(|o| o.is_empty()) {
        return Ok(());
    }
    let actor = actor.clone().at_merchant(current.id);
    let subject = current.id.to_string();
    let audit = kassa_db::AuditEvent {
        subject: &subject,
        before: Some(before.to_string()),
        after: Some(after.to_string()),
        ..actor.audit_event(AuditAction::MerchantUpdated)
    };
    if db
        .update_merchant(current.id, &m.new_merchant(), version, &audit, now_ms())
        .await?
    {
        Ok(())
    } else {
        Err(conflict())
    }
}

fn conflict() -> AppError {
    AppError::Conflict("the merchant was changed meanwhile; reload and try again".into())
}

fn found(row: Option<MerchantDetailRow>) -> AppResult<MerchantDetailRow> {
    row.ok_or(AppError::NotFound(Missing::Other("merchant")))
}

/// Suspends a merchant: its API keys are refused, its hosted checkouts take no payments,
/// its portal reads but changes nothing. Nothing is deleted. `reason` (required) is kept
/// with the merchant and in the audit event. Returns whether it was active until now
/// (suspending a suspended merchant changes nothing and records nothing).
pub async fn suspend_merchant(db: &Db, actor: &Actor, merchant_id: i64, reason: &str) -> AppResult<bool> {
    require(actor, OpsPermission::SuspendMerchants)?;
    let mut p = Problems::default();
    let reason = p.text("reason", reason, 500);
    p.done()?;
    let current = found(db.merchant_detail(merchant_id).await?)?;
    let actor = actor.clone().at_merchant(current.id);
    let subject = current.id.to_string();
    let audit = kassa_db::AuditEvent {
        subject: &subject,
        before: Some(json!({"status": current.status.code()}).to_string()),
        after: Some(json!({"status": MerchantStatus::Suspended.code(), "reason": reason}).to_string()),
        ..actor.audit_event(AuditAction::MerchantSuspended)
    };
    Ok(db
        .set_merchant_status(current.id, MerchantStatus::Suspended, &reason, &audit, now_ms())
        .await?)
}

/// Lifts a suspension. Returns whether the merchant was suspended until now.
pub async fn reinstate_merchant(db: &Db, actor: &Actor, merchant_id: i64) -> AppResult<bool> {
    require(actor, OpsPermission::SuspendMerchants)?;
    let current = found(db.merchant_detail(merchant_id).await?)?;
    let actor = actor.clone().at_merchant(current.id);
    let subject = current.id.to_string();
    let audit = kassa_db::AuditEvent {
        subject: &subject,
        before: Some(json!({"status": current.status.code(), "reason": current.suspension_reason}).to_string()),
        after: Some(json!({"status": MerchantStatus::Active.code()}).to_string()),
        ..actor.audit_event(AuditAction::MerchantReinstated)
    };
    Ok(db
        .set_merchant_status(current.id, MerchantStatus::Active, "", &audit, now_ms())
        .await?)
}

/// A merchant with its standing.
pub async fn merchant_detail(db: &Db, actor: &Actor, merchant_id: i64) -> AppResult<MerchantDetailRow> {
    require(actor, OpsPermission::ViewMerchants)?;
    found(db.merchant_detail(merchant_id).await?)
}

/// Which page of the merchant list.
#[derive(Debug, Clone, Default)]
pub struct MerchantList {
    /// Part of the legal name, the organisation number, a Store ID or a user's email.
    pub search: Option<String>,
    pub order: MerchantOrder,
    /// The previous page's [`MerchantPage::next`].
    pub after: Option<MerchantCursor>,
    /// Rows per page (1–500; 50 when 0).
    pub limit: i64,
}

/// One page of merchants, and where the next one starts (none after the last).
#[derive(Debug, Clone)]
pub struct MerchantPage {
    pub rows: Vec<MerchantListRow>,
    pub next: Option<MerchantCursor>,
}

/// A page of merchants with their store and user counts.
pub async fn list_merchants(db: &Db, actor: &Actor, list: &MerchantList) -> AppResult<MerchantPage> {
    require(actor, OpsPermission::ViewMerchants)?;
    let limit = if list.limit <= 0 { 50 } else { list.limit.min(500) };
    let query = MerchantQuery {
        search: list.search.as_deref(),
        order: list.order,
        after: list.after.clone(),
    };
    let mut rows = db.merchants_page(&query, limit + 1).await?;
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| MerchantCursor::after(list.order, r))
    } else {
        None
    };
    Ok(MerchantPage { rows, next })
}
