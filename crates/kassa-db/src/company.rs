//! A merchant's company details as its own people keep them (trading name, billing address,
//! support contact), and the requests to change its verified identity (legal name,
//! organisation number, VAT id) that the provider applies or declines. Every change commits
//! together with its audit event.

use crate::audit::{audited_update, insert_audit, AuditEvent};
use crate::connect::BeginWrite;
use crate::disputes::DisputeRecipient;
use crate::{on_pool, on_writer, Db, DbError, Result};
use kassa_core::access::Onboarding;
use kassa_core::store_settings::MerchantStatus;

/// A merchant's company details, everything the Company page shows.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CompanyRow {
    pub id: i64,
    pub legal_name: String,
    pub org_number: String,
    pub vat_id: String,
    pub trading_name: String,
    pub address_line: String,
    pub postal_code: String,
    pub city: String,
    pub country: String,
    /// All four empty: bills go to the registered address.
    pub billing_address_line: String,
    pub billing_postal_code: String,
    pub billing_city: String,
    pub billing_country: String,
    pub support_email: String,
    /// E.164 (`+46812345678`), or empty.
    pub support_phone: String,
    #[sqlx(try_from = "String")]
    pub onboarding: Onboarding,
    #[sqlx(try_from = "String")]
    pub status: MerchantStatus,
    /// The merchant's version: an edit made from an older reading is refused.
    pub updated_at: i64,
}

const COMPANY_COLUMNS: &str = "id, legal_name, org_number, vat_id, trading_name, address_line, postal_code, city, \
     country, billing_address_line, billing_postal_code, billing_city, billing_country, support_email, \
     support_phone, onboarding, status, updated_at";

/// What the merchant's people change themselves; the registered country stays (the
/// organisation number and VAT id are checked against it).
#[derive(Debug, Clone)]
pub struct CompanyFields<'a> {
    pub trading_name: &'a str,
    pub address_line: &'a str,
    pub postal_code: &'a str,
    pub city: &'a str,
    pub billing_address_line: &'a str,
    pub billing_postal_code: &'a str,
    pub billing_city: &'a str,
    pub billing_country: &'a str,
    pub support_email: &'a str,
    pub support_phone: &'a str,
}

/// Where a request to change the verified identity stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityRequestStatus {
    Pending,
    Applied,
    Declined,
    /// Taken back by the merchant before the provider decided.
    Withdrawn,
}

impl IdentityRequestStatus {
    pub fn code(self) -> &'static str {
        match self {
            IdentityRequestStatus::Pending => "pending",
            IdentityRequestStatus::Applied => "applied",
            IdentityRequestStatus::Declined => "declined",
            IdentityRequestStatus::Withdrawn => "withdrawn",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown identity request status {0:?}")]
pub struct UnknownRequestStatus(pub String);

/// Reads a stored status (the database boundary).
impl TryFrom<String> for IdentityRequestStatus {
    type Error = UnknownRequestStatus;
    fn try_from(s: String) -> std::result::Result<Self, Self::Error> {
        match s.as_str() {
            "pending" => Ok(IdentityRequestStatus::Pending),
            "applied" => Ok(IdentityRequestStatus::Applied),
            "declined" => Ok(IdentityRequestStatus::Declined),
            "withdrawn" => Ok(IdentityRequestStatus::Withdrawn),
            _ => Err(UnknownRequestStatus(s)),
        }
    }
}

/// A request to change a merchant's legal name, organisation number and VAT id.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IdentityRequestRow {
    pub id: i64,
    pub merchant_id: i64,
    /// The merchant's legal name now (the list of the back office shows it).
    pub merchant_name: String,
    pub legal_name: String,
    pub org_number: String,
    pub vat_id: String,
    pub previous_legal_name: String,
    pub previous_org_number: String,
    pub previous_vat_id: String,
    #[sqlx(try_from = "String")]
    pub status: IdentityRequestStatus,
    pub requested_by: String,
    pub requested_at: i64,
    pub decided_by: String,
    pub decided_at: Option<i64>,
    pub decline_reason: String,
}

const REQUEST_COLUMNS: &str = "r.id, r.merchant_id, m.legal_name AS merchant_name, r.legal_name, r.org_number, \
     r.vat_id, r.previous_legal_name, r.previous_org_number, r.previous_vat_id, r.status, r.requested_by, \
     r.requested_at, r.decided_by, r.decided_at, r.decline_reason";

/// A new request, as the merchant's admin asks for it.
#[derive(Debug, Clone)]
pub struct NewIdentityRequest<'a> {
    pub merchant_id: i64,
    pub legal_name: &'a str,
    pub org_number: &'a str,
    pub vat_id: &'a str,
    pub previous_legal_name: &'a str,
    pub previous_org_number: &'a str,
    pub previous_vat_id: &'a str,
    pub requested_by_user_id: Option<i64>,
    pub requested_by: &'a str,
}

/// Who decided a request, and why it was declined.
#[derive(Debug, Clone)]
pub struct IdentityDecision<'a> {
    pub request_id: i64,
    pub operator_id: Option<i64>,
    pub operator: &'a str,
    /// Empty when applied.
    pub reason: &'a str,
}

impl Db {
    pub async fn company(&self, merchant_id: i64) -> Result<Option<CompanyRow>> {
        let sql = format!("SELECT {COMPANY_COLUMNS} FROM merchants WHERE id = $1");
        Ok(on_pool!(self, p => sqlx::query_as::<_, CompanyRow>(&sql).bind(merchant_id).fetch_optional(p).await)?)
    }

    /// Changes the merchant's own company details if it is still at version `updated_at`,
    /// with its audit event. Returns whether it changed (`false`: changed meanwhile).
    pub async fn update_company(
        &self,
        merchant_id: i64,
        c: &CompanyFields<'_>,
        updated_at: i64,
        audit: &AuditEvent<'_>,
        now: i64,
    ) -> Result<bool> {
        let sql = "UPDATE merchants SET trading_name = $2, address_line = $3, postal_code = $4, city = $5, \
                   billing_address_line = $6, billing_postal_code = $7, billing_city = $8, billing_country = $9, \
                   support_email = $10, support_phone = $11, \
                   updated_at = CASE WHEN $12 > updated_at THEN $12 ELSE updated_at + 1 END \
                   WHERE id = $1 AND updated_at = $13";
        Ok(audited_update!(
            self,
            sqlx::query(sql)
                .bind(merchant_id)
                .bind(c.trading_name)
                .bind(c.address_line)
                .bind(c.postal_code)
                .bind(c.city)
                .bind(c.billing_address_line)
                .bind(c.billing_postal_code)
                .bind(c.billing_city)
                .bind(c.billing_country)
                .bind(c.support_email)
                .bind(c.support_phone)
                .bind(now)
                .bind(updated_at),
            audit,
            now
        )?)
    }

    /// Records a request with its audit event. A second pending request of the same
    /// merchant is refused by the database ([`DbError::Conflict`]), however many arrive at
    /// the same moment. Returns the request's id.
    pub async fn create_identity_request(
        &self,
        r: &NewIdentityRequest<'_>,
        audit: &AuditEvent<'_>,
        now: i64,
    ) -> Result<i64> {
        let sql = "INSERT INTO company_identity_requests (merchant_id, legal_name, org_number, vat_id, \
                   previous_legal_name, previous_org_number, previous_vat_id, status, requested_by_user_id, \
                   requested_by, requested_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9, $10) RETURNING id";
        on_writer!(self, p => async {
            let mut tx = p.begin_write().await?;
            let id: i64 = sqlx::query_scalar(sql)
                .bind(r.merchant_id)
                .bind(r.legal_name)
                .bind(r.org_number)
                .bind(r.vat_id)
                .bind(r.previous_legal_name)
                .bind(r.previous_org_number)
                .bind(r.previous_vat_id)
                .bind(r.requested_by_user_id)
                .bind(r.requested_by)
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| DbError::from_insert(e, "a pending identity change request"))?;
            let subject = id.to_string();
            let event = AuditEvent { subject: &subject, ..audit.clone() };
            insert_audit!(&mut *tx, event, now);
            tx.commit().await?;
            Ok::<_, DbError>(id)
        }
        .await)
    }

    pub async fn identity_request(&self, id: i64) -> Result<Option<IdentityRequestRow>> {
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM company_identity_requests r JOIN merchants m ON m.id = r.merchant_id \
             WHERE r.id = $1"
        );
        Ok(on_pool!(self, p => sqlx::query_as::<_, IdentityRequestRow>(&sql).bind(id).fetch_optional(p).await)?)
    }

    /// A merchant's requests, newest first.
    pub async fn identity_requests_of(&self, merchant_id: i64, limit: i64) -> Result<Vec<IdentityRequestRow>> {
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM company_identity_requests r JOIN merchants m ON m.id = r.merchant_id \
             WHERE r.merchant_id = $1 ORDER BY r.id DESC LIMIT $2"
        );
        Ok(on_pool!(self, p => sqlx::query_as::<_, IdentityRequestRow>(&sql)
            .bind(merchant_id)
            .bind(limit)
            .fetch_all(p)
            .await)?)
    }

    /// Requests in `status` across merchants: pending ones oldest first (the queue),
    /// decided ones newest first.
    pub async fn identity_requests_in(
        &self,
        status: IdentityRequestStatus,
        limit: i64,
    ) -> Result<Vec<IdentityRequestRow>> {
        let order = match status {
            IdentityRequestStatus::Pending => "r.id",
            _ => "r.id DESC",
        };
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM company_identity_requests r JOIN merchants m ON m.id = r.merchant_id \
             WHERE r.status = $1 ORDER BY {order} LIMIT $2"
        );
        Ok(on_pool!(self, p => sqlx::query_as::<_, IdentityRequestRow>(&sql)
            .bind(status.code())
            .bind(limit)
            .fetch_all(p)
            .await)?)
    }

    /// Applies a pending request: the merchant gets the requested legal name, organisation
    /// number and VAT id, the request is marked applied, and the audit event is written, in
    /// one transaction. Returns whether it was still pending (only one of several
    /// concurrent decisions wins).
    pub async fn apply_identity_request(
        &self,
        d: &IdentityDecision<'_>,
        audit: &AuditEvent<'_>,
        now: i64,
    ) -> Result<bool> {
        let decide = "UPDATE company_identity_requests SET status = 'applied', decided_by_operator_id = $2, \
                      decided_by = $3, decided_at = $4 WHERE id = $1 AND status = 'pending' \
                      RETURNING merchant_id, legal_name, org_number, vat_id";
        let apply = "UPDATE merchants SET legal_name = $2, org_number = $3, vat_id = $4, \
                     updated_at = CASE WHEN $5 > updated_at THEN $5 ELSE updated_at + 1 END WHERE id = $1";
        Ok(on_writer!(self, p => async {
            let mut tx = p.begin_write().await?;
            let row: Option<(i64, String, String, String)> = sqlx::query_as(decide)
                .bind(d.request_id)
                .bind(d.operator_id)
                .bind(d.operator)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
            let Some((merchant_id, legal_name, org_number, vat_id)) = row else {
                tx.rollback().await?;
                return Ok::<_, sqlx::Error>(false);
            };
            sqlx::query(apply)
                .bind(merchant_id)
                .bind(&legal_name)
                .bind(&org_number)
                .bind(&vat_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            insert_audit!(&mut *tx, audit, now);
            tx.commit().await?;
            Ok(true)
        }
        .await)?)
    }

    /// Declines a pending request with its reason and audit event. Returns whether it was
    /// still pending.
    pub async fn decline_identity_request(
        &self,
        d: &IdentityDecision<'_>,
        audit: &AuditEvent<'_>,
        now: i64,
    ) -> Result<bool> {
        let sql = "UPDATE company_identity_requests SET status = 'declined', decided_by_operator_id = $2, \
                   decided_by = $3, decided_at = $4, decline_reason = $5 WHERE id = $1 AND status = 'pending'";
        Ok(audited_update!(
            self,
            sqlx::query(sql)
                .bind(d.request_id)
                .bind(d.operator_id)
                .bind(d.operator)
                .bind(now)
                .bind(d.reason),
            audit,
            now
        )?)
    }

    /// Withdraws the merchant's pending request `request_id` on behalf of member `who`, with
    /// the audit event. Returns whether it was still pending (of concurrent withdrawals and
    /// decisions, only one wins).
    pub async fn withdraw_identity_request(
        &self,
        request_id: i64,
        merchant_id: i64,
        who: &str,
        audit: &AuditEvent<'_>,
        now: i64,
    ) -> Result<bool> {
        let sql = "UPDATE company_identity_requests SET status = 'withdrawn', decided_by = $3, decided_at = $4 \
                   WHERE id = $1 AND merchant_id = $2 AND status = 'pending'";
        let subject = request_id.to_string();
        let event = AuditEvent {
            subject: &subject,
            ..audit.clone()
        };
        Ok(audited_update!(
            self,
            sqlx::query(sql).bind(request_id).bind(merchant_id).bind(who).bind(now),
            event,
            now
        )?)
    }

    /// The active people of a merchant (in any of its stores) whose role is one of `roles`,
    /// each once.
    pub async fn merchant_members_in_roles(&self, merchant_id: i64, roles: &[&str]) -> Result<Vec<DisputeRecipient>> {
        let list = (0..roles.len())
            .map(|i| format!("${}", i + 2))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT DISTINCT u.email, u.name, u.language, u.timezone FROM memberships ms \
             JOIN users u ON u.id = ms.user_id JOIN stores s ON s.id = ms.store_id \
             WHERE s.merchant_id = $1 AND u.status = 'active' AND ms.status = 'active' \
               AND ms.deactivated_at IS NULL AND ms.role IN ({list}) ORDER BY u.email"
        );
        on_pool!(self, p => {
            let mut q = sqlx::query_as::<_, DisputeRecipient>(&sql).bind(merchant_id);
            for r in roles {
                q = q.bind(*r);
            }
            Ok(q.fetch_all(p).await?)
        })
    }
}
