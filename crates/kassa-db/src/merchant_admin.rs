//! The back office's merchants: creating and editing them, suspending and reinstating, the
//! detail and the searchable, keyset-paged list. Every change commits together with its
//! audit event.

use crate::audit::{audited_update, insert_audit, AuditEvent};
use crate::connect::BeginWrite;
use crate::tenancy::{insert_merchant, NewMerchant};
use crate::{on_pool, on_writer, Db, Result};
use kassa_core::access::Onboarding;
use kassa_core::store_settings::MerchantStatus;

/// A merchant as the back office shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MerchantDetailRow {
    pub id: i64,
    pub legal_name: String,
    pub org_number: String,
    pub vat_id: String,
    pub address_line: String,
    pub postal_code: String,
    pub city: String,
    pub country: String,
    #[sqlx(try_from = "String")]
    pub onboarding: Onboarding,
    pub require_two_factor: bool,
    #[sqlx(try_from = "String")]
    pub status: MerchantStatus,
    pub suspended_at: Option<i64>,
    pub suspension_reason: String,
    pub created_at: i64,
    /// Changes with every edit: an edit made from an older reading is refused.
    pub updated_at: i64,
}

const DETAIL_COLUMNS: &str =
    "id, legal_name, org_number, vat_id, address_line, postal_code, city, country, onboarding, \
     require_two_factor, status, suspended_at, suspension_reason, created_at, updated_at";

/// A line of the merchant list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MerchantListRow {
    pub id: i64,
    pub legal_name: String,
    /// The name as the database sorts it (its `LOWER`): the keyset cursor of name order.
    pub sort_name: String,
    pub org_number: String,
    pub country: String,
    #[sqlx(try_from = "String")]
    pub onboarding: Onboarding,
    #[sqlx(try_from = "String")]
    pub status: MerchantStatus,
    pub created_at: i64,
    pub store_count: i64,
    /// People with access to at least one of the merchant's stores.
    pub user_count: i64,
}

/// The order of the merchant list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MerchantOrder {
    /// Oldest first.
    #[default]
    Id,
    /// By legal name, then id (so equal names keep a stable order).
    Name,
}

/// Where the next page starts: after this row of the previous one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MerchantCursor {
    Id(i64),
    /// The last row's `sort_name` and id.
    Name(String, i64),
}

impl MerchantCursor {
    /// The cursor after `row` in `order`.
    pub fn after(order: MerchantOrder, row: &MerchantListRow) -> MerchantCursor {
        match order {
            MerchantOrder::Id => MerchantCursor::Id(row.id),
            MerchantOrder::Name => MerchantCursor::Name(row.sort_name.clone(), row.id),
        }
    }
}

/// Which merchants to list.
#[derive(Debug, Clone, Default)]
pub struct MerchantQuery<'a> {
    /// Part of the legal name, the organisation number (with or without its dash), a Store
    /// ID, or a user's email (its start).
    pub search: Option<&'a str>,
    pub order: MerchantOrder,
    pub after: Option<MerchantCursor>,
}

/// `term` for a LIKE pattern, its wildcards taken literally.
fn like_escaped(term: &str) -> String {
    term.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// Bumps `updated_at` to now, or one past its last value when the clock has not moved on, so
/// every change gives the row a new version.
const NEXT_VERSION: &str = "updated_at = CASE WHEN $NOW > updated_at THEN $NOW ELSE updated_at + 1 END";

fn next_version(now_param: &str) -> String {
    NEXT_VERSION.replace("$NOW", now_param)
}

impl Db {
    /// Creates a merchant (active) and records `audit` with the new merchant's id, in one
    /// transaction. Returns the id.
    pub async fn create_merchant_audited(&self, m: &NewMerchant<'_>, audit: &AuditEvent<'_>, now: i64) -> Result<i64> {
        Ok(on_writer!(self, p => async {
            let mut tx = p.begin_write().await?;
            let id: i64 = insert_merchant!(m, now)
                .fetch_one(&mut *tx)
                .await?;
            let subject = id.to_string();
            let event = AuditEvent { merchant_id: Some(id), subject: &subject, ..audit.clone() };
            insert_audit!(&mut *tx, event, now);
            tx.commit().await?;
            Ok::<_, sqlx::Error>(id)
        }
        .await)?)
    }

    /// Changes a merchant's details if it is still at version `updated_at` (as read when the
    /// change was prepared), with its audit event. Returns whether it changed; `false` means
    /// someone else changed it meanwhile (or it is gone).
    pub async fn update_merchant(
        &self,
        id: i64,
        m: &NewMerchant<'_>,
        updated_at: i64,
        audit: &AuditEvent<'_>,
        now: i64,
    ) -> Result<bool> {
        let sql = format!(
            "UPDATE merchants SET legal_name = $2, org_number = $3, vat_id = $4, address_line = $5, postal_code = $6, \
             city = $7, country = $8, onboarding = $9, require_two_factor = $10, {} \
             WHERE id = $1 AND updated_at = $12",
            next_version("$11")
        );
        Ok(audited_update!(
            self,
            sqlx::query(&sql)
                .bind(id)
                .bind(m.legal_name)
                .bind(m.org_number)
                .bind(m.vat_id)
                .bind(m.address_line)
                .bind(m.postal_code)
                .bind(m.city)
                .bind(m.country)
                .bind(m.onboarding)
                .bind(m.require_two_factor)
                .bind(now)
                .bind(updated_at),
            audit,
            now
        )?)
    }

    /// Suspends (with `reason`) or reinstates a merchant, only if it is not in `status`
    /// already, with its audit event. Returns whether it changed.
    pub async fn set_merchant_status(
        &self,
        id: i64,
        status: MerchantStatus,
        reason: &str,
        audit: &AuditEvent<'_>,
        now: i64,
    ) -> Result<bool> {
        let (suspended_at, reason) = match status {
            MerchantStatus::Suspended => (Some(now), reason),
            MerchantStatus::Active => (None, ""),
        };
        let sql = format!(
            "UPDATE merchants SET status = $2, suspended_at = $3, suspension_reason = $4, {} \
             WHERE id = $1 AND status <> $2",
            next_version("$5")
        );
        let changed = audited_update!(
            self,
            sqlx::query(&sql)
                .bind(id)
                .bind(status.code())
                .bind(suspended_at)
                .bind(reason)
                .bind(now),
            audit,
            now
        )?;
        // The merchant's keys are refused (or accepted again) from the next call.
        self.forget_api_keys();
        Ok(changed)
    }

    pub async fn merchant_detail(&self, id: i64) -> Result<Option<MerchantDetailRow>> {
        let sql = format!("SELECT {DETAIL_COLUMNS} FROM merchants WHERE id = $1");
        Ok(on_pool!(self, p => sqlx::query_as::<_, MerchantDetailRow>(&sql).bind(id).fetch_optional(p).await)?)
    }

    /// The standing of the merchant a store belongs to (`None`: no such store).
    pub async fn merchant_status_of_store(&self, store_id: &str) -> Result<Option<MerchantStatus>> {
        let sql = "SELECT m.status FROM stores s JOIN merchants m ON m.id = s.merchant_id WHERE s.id = $1";
        let status: Option<String> =
            on_pool!(self, p => sqlx::query_scalar(sql).bind(store_id).fetch_optional(p).await)?;
        Ok(status.and_then(|s| s.parse().ok()))
    }

    /// The authorized but not yet captured amounts of a merchant's stores, from the
    /// aggregate kept with every order change: (Store ID, currency, amount), nothing for a
    /// store without any.
    pub async fn merchant_uncaptured(&self, merchant_id: i64) -> Result<Vec<(String, String, i64)>> {
        let sql = "SELECT t.store_id, t.currency, CAST(SUM(t.uncaptured_amount) AS BIGINT) FROM store_totals t \
                   JOIN stores s ON s.id = t.store_id WHERE s.merchant_id = $1 \
                   GROUP BY t.store_id, t.currency HAVING SUM(t.uncaptured_count) > 0 ORDER BY t.store_id, t.currency";
        Ok(on_pool!(self, p => sqlx::query_as::<_, (String, String, i64)>(sql).bind(merchant_id).fetch_all(p).await)?)
    }

    /// One page of merchants matching `q`, at most `limit`, in `q.order`, after `q.after`.
    /// Keyset paging: a page costs the same however deep, and merchants created meanwhile do
    /// not shift the pages.
    pub async fn merchants_page(&self, q: &MerchantQuery<'_>, limit: i64) -> Result<Vec<MerchantListRow>> {
        let term = q.search.map(str::trim).filter(|t| !t.is_empty());
        let name_like = term.map(|t| format!("%{}%", like_escaped(&t.to_lowercase())));
        // Organisation numbers are compared without their dashes and spaces.
        let org_like = term
            .map(|t| {
                t.chars()
                    .filter(|c| *c != '-' && !c.is_whitespace())
                    .collect::<String>()
                    .to_lowercase()
            })
            .filter(|t| !t.is_empty())
            .map(|t| format!("%{}%", like_escaped(&t)));
        let store_id = term.map(str::to_uppercase);
        let email_like = term.map(|t| format!("{}%", like_escaped(&t.to_lowercase())));
        let (after_id, after_name) = match &q.after {
            None => (None, None),
            Some(MerchantCursor::Id(id)) => (Some(*id), None),
            Some(MerchantCursor::Name(name, id)) => (Some(*id), Some(name.as_str())),
        };
        let (keyset, order) = match q.order {
            MerchantOrder::Id => ("(CAST($6 AS BIGINT) IS NULL OR m.id > $6)", "m.id"),
            MerchantOrder::Name => (
                "(CAST($7 AS TEXT) IS NULL OR LOWER(m.legal_name) > $7 OR (LOWER(m.legal_name) = $7 AND m.id > $6))",
                "LOWER(m.legal_name), m.id",
            ),
        };
        let sql = format!(
            "SELECT m.id, m.legal_name, LOWER(m.legal_name) AS sort_name, m.org_number, m.country, m.onboarding, m.status, \
               m.created_at, \
               (SELECT COUNT(*) FROM stores s WHERE s.merchant_id = m.id) AS store_count, \
               (SELECT COUNT(DISTINCT ms.user_id) FROM memberships ms JOIN stores s ON s.id = ms.store_id \
                 WHERE s.merchant_id = m.id) AS user_count \
             FROM merchants m \
             WHERE (CAST($1 AS TEXT) IS NULL \
                OR LOWER(m.legal_name) LIKE $1 ESCAPE '\\' \
                OR (CAST($2 AS TEXT) IS NOT NULL AND LOWER(REPLACE(REPLACE(m.org_number, '-', ''), ' ', '')) LIKE $2 ESCAPE '\\') \
                OR m.id IN (SELECT merchant_id FROM stores WHERE id = $3) \
                OR m.id IN (SELECT s.merchant_id FROM stores s JOIN memberships ms ON ms.store_id = s.id \
                            JOIN users u ON u.id = ms.user_id WHERE LOWER(u.email) LIKE $4 ESCAPE '\\')) \
               AND {keyset} \
             ORDER BY {order} LIMIT $5"
        );
        Ok(on_pool!(self, p => {
            let query = sqlx::query_as::<_, MerchantListRow>(&sql)
                .bind(name_like.as_deref())
                .bind(org_like.as_deref())
                .bind(store_id.as_deref())
                .bind(email_like.as_deref())
                .bind(limit)
                .bind(after_id);
            // PostgreSQL refuses a parameter the statement does not use.
            let query = match q.order {
                MerchantOrder::Name => query.bind(after_name),
                MerchantOrder::Id => query,
            };
            query.fetch_all(p).await
        })?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_are_literal() {
        assert_eq!(like_escaped("50%_a\\b"), "50\\%\\_a\\\\b");
        assert_eq!(
            next_version("$9"),
            "updated_at = CASE WHEN $9 > updated_at THEN $9 ELSE updated_at + 1 END"
        );
    }
}
