//! A merchant's company details as its own people see and keep them (Account settings →
//! Company), and what the hosted checkout shows shoppers of them.
//!
//! Who may do what is read from the member's membership as it stands in the database, not
//! from the caller's guard: viewing needs `ViewCompany` in the store the member acts in;
//! changing needs `ManageCompany` there (for a store's URL and statement descriptor: in that
//! store), and a suspended merchant's people change nothing.
//!
//! The legal name, organisation number and VAT id are verified identities: the merchant
//! does not change them, it asks the provider to ([`request_identity_change`]), at most one
//! request at a time; an operator applies or declines it (`ops::apply_identity_request`).
//!
//! Fields are checked with kassa-core's identity checks, through the same helpers the back
//! office uses; a refusal is [`AppError::Invalid`] with one reason code per field
//! ([`IdentityError::code`](kassa_core::identity::IdentityError::code) or `ops::reason`).
//! Every change is written with its audit event (before and after) in one transaction.

use crate::ops::{changed, country, reason, Problems};
use crate::{now_ms, Actor, ActorKind, AppError, AppResult, Missing};
use kassa_core::access::{allows, Permission};
use kassa_core::account::Email;
use kassa_core::audit::AuditAction;
use kassa_core::identity;
use kassa_core::store_settings::{Environment, MerchantStatus};
use kassa_db::{
    CompanyFields, CompanyRow, Db, DbError, IdentityRequestRow, IdentityRequestStatus, MembershipRow,
    NewIdentityRequest, StoreFields,
};
use serde_json::json;

/// How many of its past identity requests the Company page shows.
const REQUEST_HISTORY: i64 = 5;

/// One of the merchant's stores as the Company page shows it.
#[derive(Debug, Clone)]
pub struct StoreListing {
    pub id: String,
    pub name: String,
    pub url: String,
    pub statement_descriptor: String,
    pub live: bool,
    /// The store's version, for the edit form.
    pub version: i64,
    /// Whether the member may change it (their role in that store).
    pub may_edit: bool,
}

/// Everything the Company page shows.
#[derive(Debug, Clone)]
pub struct CompanyView {
    pub company: CompanyRow,
    /// The merchant's stores the member has access to, with company details.
    pub stores: Vec<StoreListing>,
    /// The pending identity request, if any.
    pub pending: Option<IdentityRequestRow>,
    /// The latest requests, newest first (the pending one among them).
    pub requests: Vec<IdentityRequestRow>,
    /// Whether the member may change the company details and ask for an identity change.
    pub may_manage: bool,
}

/// The member's standing as the database has it now.
struct Standing {
    user_id: i64,
    merchant_id: i64,
    memberships: Vec<MembershipRow>,
    may_manage: bool,
}

/// Where the member stands in the store they act in; refused without `ViewCompany` there.
async fn standing(db: &Db, actor: &Actor) -> AppResult<Standing> {
    if actor.kind != ActorKind::PortalUser {
        return Err(AppError::Forbidden);
    }
    let user_id: i64 = actor
        .user_id
        .as_deref()
        .and_then(|u| u.parse().ok())
        .ok_or(AppError::Forbidden)?;
    let store = actor.store_id.as_deref().ok_or(AppError::Forbidden)?;
    let memberships = db.usable_memberships(user_id, now_ms()).await?;
    let here = memberships
        .iter()
        .find(|m| m.store_id == store)
        .ok_or(AppError::Forbidden)?;
    if !allows(here.role, here.onboarding, Permission::ViewCompany) {
        return Err(AppError::Forbidden);
    }
    Ok(Standing {
        user_id,
        merchant_id: here.merchant_id,
        may_manage: may_manage(here),
        memberships,
    })
}

fn may_manage(m: &MembershipRow) -> bool {
    allows(m.role, m.onboarding, Permission::ManageCompany) && m.merchant_status != MerchantStatus::Suspended
}

/// The standing of a member who is about to change something.
async fn managing(db: &Db, actor: &Actor) -> AppResult<Standing> {
    let s = standing(db, actor).await?;
    if s.may_manage {
        Ok(s)
    } else {
        Err(AppError::Forbidden)
    }
}

async fn company_of(db: &Db, merchant_id: i64) -> AppResult<CompanyRow> {
    db.company(merchant_id)
        .await?
        .ok_or(AppError::NotFound(Missing::Other("merchant")))
}

/// The Company page of the merchant the member acts for.
pub async fn view_company(db: &Db, actor: &Actor) -> AppResult<CompanyView> {
    let s = standing(db, actor).await?;
    let company = company_of(db, s.merchant_id).await?;
    let mut stores = Vec::new();
    for store in db.merchant_stores(s.merchant_id).await? {
        let Some(m) = s.memberships.iter().find(|m| m.store_id == store.id) else {
            continue;
        };
        if !allows(m.role, m.onboarding, Permission::ViewCompany) {
            continue;
        }
        stores.push(StoreListing {
            live: store.environment == Environment::Live,
            may_edit: may_manage(m),
            id: store.id,
            name: store.name,
            url: store.url,
            statement_descriptor: store.statement_descriptor,
            version: store.updated_at,
        });
    }
    let requests = db.identity_requests_of(s.merchant_id, REQUEST_HISTORY).await?;
    let pending = requests
        .iter()
        .find(|r| r.status == IdentityRequestStatus::Pending)
        .cloned();
    Ok(CompanyView {
        company,
        stores,
        pending,
        requests,
        may_manage: s.may_manage,
    })
}

/// The company details a merchant keeps itself, as typed.
#[derive(Debug, Clone, Default)]
pub struct CompanyInput {
    /// The [`CompanyRow::updated_at`] the form was filled from; a company changed since is
    /// not overwritten ([`AppError::Conflict`]). `None` edits whatever is there now.
    pub expected_version: Option<i64>,
    /// Optional: the name shoppers know the business by.
    pub trading_name: String,
    /// The registered address (its country is part of the verified identity).
    pub address_line: String,
    pub postal_code: String,
    pub city: String,
    /// All four empty: bills go to the registered address.
    pub billing_address_line: String,
    pub billing_postal_code: String,
    pub billing_city: String,
    pub billing_country: String,
    /// Optional: shown to shoppers on the checkout.
    pub support_email: String,
    /// Optional: shown to shoppers; any common way of writing an international number.
    pub support_phone: String,
}

/// The input checked and normalised, in its stored form.
struct CheckedCompany {
    trading_name: String,
    address_line: String,
    postal_code: String,
    city: String,
    billing: [String; 4],
    support_email: String,
    support_phone: String,
}

impl CheckedCompany {
    fn json(&self) -> serde_json::Value {
        json!({
            "trading_name": self.trading_name,
            "address_line": self.address_line,
            "postal_code": self.postal_code,
            "city": self.city,
            "billing_address_line": self.billing[0],
            "billing_postal_code": self.billing[1],
            "billing_city": self.billing[2],
            "billing_country": self.billing[3],
            "support_email": self.support_email,
            "support_phone": self.support_phone,
        })
    }

    fn fields(&self) -> CompanyFields<'_> {
        CompanyFields {
            trading_name: &self.trading_name,
            address_line: &self.address_line,
            postal_code: &self.postal_code,
            city: &self.city,
            billing_address_line: &self.billing[0],
            billing_postal_code: &self.billing[1],
            billing_city: &self.billing[2],
            billing_country: &self.billing[3],
            support_email: &self.support_email,
            support_phone: &self.support_phone,
        }
    }
}

fn stored_json(c: &CompanyRow) -> serde_json::Value {
    json!({
        "trading_name": c.trading_name,
        "address_line": c.address_line,
        "postal_code": c.postal_code,
        "city": c.city,
        "billing_address_line": c.billing_address_line,
        "billing_postal_code": c.billing_postal_code,
        "billing_city": c.billing_city,
        "billing_country": c.billing_country,
        "support_email": c.support_email,
        "support_phone": c.support_phone,
    })
}

/// An optional text of at most `max` characters, trimmed.
fn optional_text(p: &mut Problems, field: &str, value: &str, max: usize) -> String {
    let v = value.trim();
    if v.chars().count() > max {
        p.add(field, reason::TOO_LONG);
    }
    v.to_owned()
}

fn check_company(input: &CompanyInput) -> AppResult<CheckedCompany> {
    let mut p = Problems::default();
    let trading_name = optional_text(&mut p, "trading_name", &input.trading_name, 200);
    let address_line = p.text("address_line", &input.address_line, 200);
    let postal_code = p.text("postal_code", &input.postal_code, 20);
    let city = p.text("city", &input.city, 100);
    let billing_given = [
        &input.billing_address_line,
        &input.billing_postal_code,
        &input.billing_city,
        &input.billing_country,
    ]
    .iter()
    .any(|v| !v.trim().is_empty());
    let billing = if billing_given {
        [
            p.text("billing_address_line", &input.billing_address_line, 200),
            p.text("billing_postal_code", &input.billing_postal_code, 20),
            p.text("billing_city", &input.billing_city, 100),
            country(&mut p, "billing_country", &input.billing_country).unwrap_or_default(),
        ]
    } else {
        Default::default()
    };
    let support_email = match input.support_email.trim() {
        "" => String::new(),
        given => match Email::parse(given) {
            Ok(e) => e.as_str().to_owned(),
            Err(_) => {
                p.add("support_email", reason::EMAIL);
                String::new()
            }
        },
    };
    let support_phone = match input.support_phone.trim() {
        "" => String::new(),
        given => p.identity("support_phone", identity::phone_e164(given)),
    };
    p.done()?;
    Ok(CheckedCompany {
        trading_name,
        address_line,
        postal_code,
        city,
        billing,
        support_email,
        support_phone,
    })
}

fn conflict() -> AppError {
    AppError::Conflict("the company details were changed meanwhile; reload and try again".into())
}

/// Changes the trading name, the registered and billing addresses and the support contact.
/// Only the changed fields go into the audit event; an edit that changes nothing writes
/// nothing.
pub async fn update_company(db: &Db, actor: &Actor, input: &CompanyInput) -> AppResult<()> {
    let s = managing(db, actor).await?;
    let checked = check_company(input)?;
    let current = company_of(db, s.merchant_id).await?;
    let version = input.expected_version.unwrap_or(current.updated_at);
    if version != current.updated_at {
        return Err(conflict());
    }
    let (before, after) = changed(stored_json(&current), checked.json());
    if after.as_object().is_none_or(|o| o.is_empty()) {
        return Ok(());
    }
    let subject = current.id.to_string();
    let audit = kassa_db::AuditEvent {
        merchant_id: Some(current.id),
        subject: &subject,
        before: Some(before.to_string()),
        after: Some(after.to_string()),
        ..actor.audit_event(AuditAction::CompanyUpdated)
    };
    if db
        .update_company(current.id, &checked.fields(), version, &audit, now_ms())
        .await?
    {
        Ok(())
    } else {
        Err(conflict())
    }
}

/// A store's web address and card statement descriptor, as typed.
#[derive(Debug, Clone, Default)]
pub struct StoreListingInput {
    pub store_id: String,
    /// The store's version the form was filled from (see [`StoreListing::version`]).
    pub expected_version: Option<i64>,
    pub url: String,
    pub statement_descriptor: String,
}

/// Changes a store's URL and statement descriptor. The member needs `ManageCompany` in that
/// store; a store of another merchant, or one they have no access to, is not found.
pub async fn update_store_listing(db: &Db, actor: &Actor, input: &StoreListingInput) -> AppResult<()> {
    let s = managing(db, actor).await?;
    let target = s
        .memberships
        .iter()
        .find(|m| m.store_id == input.store_id && m.merchant_id == s.merchant_id)
        .ok_or(AppError::NotFound(Missing::Other("store")))?;
    if !may_manage(target) {
        return Err(AppError::Forbidden);
    }
    let mut p = Problems::default();
    let url = p.identity("url", identity::store_url(&input.url));
    let descriptor = p.identity(
        "statement_descriptor",
        identity::statement_descriptor(&input.statement_descriptor),
    );
    p.done()?;
    let current = db
        .store_detail(&input.store_id)
        .await?
        .ok_or(AppError::NotFound(Missing::Other("store")))?;
    let row = &current.store;
    let version = input.expected_version.unwrap_or(row.updated_at);
    if version != row.updated_at {
        return Err(AppError::Conflict(
            "the store was changed meanwhile; reload and try again".into(),
        ));
    }
    let (before, after) = changed(
        json!({"url": row.url, "statement_descriptor": row.statement_descriptor}),
        json!({"url": url, "statement_descriptor": descriptor}),
    );
    if after.as_object().is_none_or(|o| o.is_empty()) {
        return Ok(());
    }
    let fields = StoreFields {
        name: &row.name,
        url: &url,
        country: &row.country,
        currency: &row.currency,
        statement_descriptor: &descriptor,
        environment: row.environment,
        reservation_days: row.reservation_days,
        payout_schedule: &row.payout_schedule,
        payout_day: row.payout_day,
        payout_iban: &row.payout_iban,
        payout_bic: &row.payout_bic,
        payout_account_holder: &row.payout_account_holder,
        refunds_fees: row.refunds_fees,
        reserve_bps: row.reserve_bps,
        reserve_days: row.reserve_days,
        dispute_fee_minor: row.dispute_fee_minor,
    };
    let audit = kassa_db::AuditEvent {
        merchant_id: Some(s.merchant_id),
        subject: &row.id,
        before: Some(before.to_string()),
        after: Some(after.to_string()),
        ..actor.audit_event(AuditAction::StoreUpdated)
    };
    if db
        .update_store(&row.id, &fields, None, version, &audit, now_ms())
        .await?
    {
        Ok(())
    } else {
        Err(AppError::Conflict(
            "the store was changed meanwhile; reload and try again".into(),
        ))
    }
}

/// The verified identity the merchant asks the provider to change to, as typed.
#[derive(Debug, Clone, Default)]
pub struct IdentityInput {
    pub legal_name: String,
    pub org_number: String,
    /// Optional (empty: no VAT id).
    pub vat_id: String,
}

/// The checked identity (legal name, organisation number, VAT id) in its stored form, for
/// a merchant registered in `country`. The back office checks a request again with this
/// before applying it (the country may have changed meanwhile).
pub(crate) fn check_identity(country: &str, input: &IdentityInput) -> AppResult<(String, String, String)> {
    let mut p = Problems::default();
    let legal_name = p.text("legal_name", &input.legal_name, 200);
    let org_number = p.identity("org_number", identity::org_number(country, &input.org_number));
    let vat_id = if input.vat_id.trim().is_empty() {
        String::new()
    } else {
        p.identity("vat_id", identity::vat_id(country, &input.org_number, &input.vat_id))
    };
    p.done()?;
    Ok((legal_name, org_number, vat_id))
}

/// Asks the provider to change the merchant's legal name, organisation number and VAT id.
/// The values are checked first (a bad one is refused and nothing is recorded); a request
/// while another is pending is [`AppError::Conflict`] — of any number sent at the same
/// moment, exactly one is recorded. Returns the request's id.
pub async fn request_identity_change(db: &Db, actor: &Actor, input: &IdentityInput) -> AppResult<i64> {
    let s = managing(db, actor).await?;
    let current = company_of(db, s.merchant_id).await?;
    let (legal_name, org_number, vat_id) = check_identity(&current.country, input)?;
    if legal_name == current.legal_name && org_number == current.org_number && vat_id == current.vat_id {
        return Err(AppError::invalid("legal_name", reason::IDENTITY_UNCHANGED));
    }
    let request = NewIdentityRequest {
        merchant_id: current.id,
        legal_name: &legal_name,
        org_number: &org_number,
        vat_id: &vat_id,
        previous_legal_name: &current.legal_name,
        previous_org_number: &current.org_number,
        previous_vat_id: &current.vat_id,
        requested_by_user_id: Some(s.user_id),
        requested_by: &actor.name,
    };
    let audit = kassa_db::AuditEvent {
        merchant_id: Some(current.id),
        before: Some(identity_json(&current.legal_name, &current.org_number, &current.vat_id).to_string()),
        after: Some(identity_json(&legal_name, &org_number, &vat_id).to_string()),
        ..actor.audit_event(AuditAction::CompanyIdentityRequested)
    };
    match db.create_identity_request(&request, &audit, now_ms()).await {
        Ok(id) => Ok(id),
        Err(DbError::Conflict(_)) => Err(AppError::Conflict(
            "a change of the company's identity is already waiting for the provider".into(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// Withdraws the merchant's pending request `request_id`, which the provider has not decided
/// yet. One that is no longer pending (decided, withdrawn, or another merchant's) is
/// [`AppError::Conflict`]; of any number of withdrawals at the same moment, one is recorded.
pub async fn withdraw_identity_request(db: &Db, actor: &Actor, request_id: i64) -> AppResult<()> {
    let s = managing(db, actor).await?;
    let audit = kassa_db::AuditEvent {
        merchant_id: Some(s.merchant_id),
        ..actor.audit_event(AuditAction::CompanyIdentityWithdrawn)
    };
    if db
        .withdraw_identity_request(request_id, s.merchant_id, &actor.name, &audit, now_ms())
        .await?
    {
        Ok(())
    } else {
        Err(AppError::Conflict(
            "the change request is no longer waiting for the provider".into(),
        ))
    }
}

pub(crate) fn identity_json(legal_name: &str, org_number: &str, vat_id: &str) -> serde_json::Value {
    json!({"legal_name": legal_name, "org_number": org_number, "vat_id": vat_id})
}

/// How shoppers reach the merchant's support, as the hosted checkout shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SupportContact {
    /// The trading name, or the legal name when there is none.
    pub name: String,
    pub email: String,
    pub phone: String,
}

/// The support contact of the merchant of `store_id` (empty fields when it has none).
pub async fn support_contact(db: &Db, store_id: &str) -> AppResult<SupportContact> {
    let store = db
        .store(store_id)
        .await?
        .ok_or(AppError::NotFound(Missing::Other("store")))?;
    let c = company_of(db, store.merchant_id).await?;
    Ok(SupportContact {
        name: if c.trading_name.is_empty() {
            c.legal_name
        } else {
            c.trading_name
        },
        email: c.support_email,
        phone: c.support_phone,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_reasons(e: AppError) -> Vec<(String, String)> {
        match e {
            AppError::Invalid(fields) => fields.into_iter().map(|f| (f.field, f.message)).collect(),
            other => panic!("expected invalid, got {other:?}"),
        }
    }

    #[test]
    fn billing_address_is_all_or_nothing() {
        let base = CompanyInput {
            address_line: "Gatan 1".into(),
            postal_code: "111 22".into(),
            city: "Stockholm".into(),
            ..Default::default()
        };
        assert!(check_company(&base).is_ok());
        let partial = CompanyInput {
            billing_city: "Lund".into(),
            ..base.clone()
        };
        let reasons = field_reasons(check_company(&partial).err().unwrap());
        assert!(reasons.contains(&("billing_address_line".into(), "required".into())));
        assert!(reasons.contains(&("billing_country".into(), "required".into())));
    }

    #[test]
    fn support_contact_is_checked_and_normalised() {
        let input = CompanyInput {
            address_line: "Gatan 1".into(),
            postal_code: "111 22".into(),
            city: "Stockholm".into(),
            support_email: " Help@Shop.Example ".into(),
            support_phone: "+46 8 123 456 78".into(),
            ..Default::default()
        };
        let c = check_company(&input).unwrap();
        assert_eq!(c.support_email, "help@shop.example");
        assert_eq!(c.support_phone, "+46812345678");
        let bad = CompanyInput {
            support_email: "not an email".into(),
            support_phone: "08 123 456 78".into(),
            ..input
        };
        let reasons = field_reasons(check_company(&bad).err().unwrap());
        assert_eq!(
            reasons,
            vec![
                ("support_email".into(), "email".into()),
                ("support_phone".into(), "phone".into())
            ]
        );
    }

    #[test]
    fn identity_uses_the_countrys_checks() {
        let ok = IdentityInput {
            legal_name: "Demo AB".into(),
            org_number: "5560360793".into(),
            vat_id: "se556036079301".into(),
        };
        assert_eq!(
            check_identity("SE", &ok).unwrap(),
            (
                "Demo AB".to_owned(),
                "556036-0793".to_owned(),
                "SE556036079301".to_owned()
            )
        );
        let bad = IdentityInput {
            legal_name: " ".into(),
            org_number: "556036-0794".into(),
            vat_id: "SE12".into(),
        };
        assert_eq!(
            field_reasons(check_identity("SE", &bad).err().unwrap()),
            vec![
                ("legal_name".into(), "required".into()),
                ("org_number".into(), "org-number-checksum".into()),
                ("vat_id".into(), "vat-format".into()),
            ]
        );
    }
}
