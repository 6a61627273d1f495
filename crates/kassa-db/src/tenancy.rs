use crate::{on_pool, on_writer, Db, DbError, Result};
use kassa_core::access::{Onboarding, Role};
use kassa_core::account::MembershipStatus;
use kassa_core::store_settings::MerchantStatus;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MerchantRow {
    pub id: i64,
    pub legal_name: String,
    pub org_number: String,
    pub vat_id: String,
    pub address_line: String,
    pub postal_code: String,
    pub city: String,
    pub country: String,
    pub onboarding: String,
    pub require_two_factor: bool,
}

#[derive(Debug, Clone)]
pub struct NewMerchant<'a> {
    pub legal_name: &'a str,
    pub org_number: &'a str,
    pub vat_id: &'a str,
    pub address_line: &'a str,
    pub postal_code: &'a str,
    pub city: &'a str,
    pub country: &'a str,
    pub onboarding: &'a str,
    pub require_two_factor: bool,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoreRow {
    pub id: String,
    pub merchant_id: i64,
    pub name: String,
    pub url: String,
    pub country: String,
    pub currency: String,
    pub environment: String,
    pub reservation_days: i64,
}

#[derive(Debug, Clone)]
pub struct NewStore<'a> {
    pub id: &'a str,
    pub merchant_id: i64,
    pub name: &'a str,
    pub url: &'a str,
    pub country: &'a str,
    pub currency: &'a str,
    pub statement_descriptor: &'a str,
    pub environment: &'a str,
}

/// One store a user belongs to, with what they need to know about it in the header.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MembershipRow {
    pub store_id: String,
    pub store_name: String,
    pub environment: String,
    pub merchant_id: i64,
    pub merchant_name: String,
    #[sqlx(try_from = "String")]
    pub onboarding: Onboarding,
    #[sqlx(try_from = "String")]
    pub role: Role,
    /// The merchant's policy: Super Admins and Admins must use two-factor authentication.
    pub require_two_factor: bool,
    /// Invited until the user accepts this merchant's invitation, then active.
    #[sqlx(try_from = "String")]
    pub status: MembershipStatus,
    /// Set while this store's merchant has deactivated the user.
    pub deactivated_at: Option<i64>,
    /// An external user's end of access at this merchant (exclusive).
    pub access_expires_at: Option<i64>,
    /// The merchant's standing: a suspended merchant's users read but change nothing.
    #[sqlx(try_from = "String")]
    pub merchant_status: MerchantStatus,
}

impl MembershipRow {
    /// Whether the membership lets the user into the store at `now`.
    pub fn usable(&self, now: i64) -> bool {
        self.status == MembershipStatus::Active
            && self.deactivated_at.is_none()
            && self.access_expires_at.is_none_or(|t| t > now)
    }
}

/// The one INSERT of a merchant (`$m`: a [`NewMerchant`]), as a `query_scalar` returning its
/// id for the caller to run on a pool or in a transaction. Its version (`updated_at`) starts
/// at its creation time.
macro_rules! insert_merchant {
    ($m:expr, $now:expr) => {
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO merchants (legal_name, org_number, vat_id, address_line, postal_code, city, country, \
             onboarding, require_two_factor, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
        )
        .bind($m.legal_name)
        .bind($m.org_number)
        .bind($m.vat_id)
        .bind($m.address_line)
        .bind($m.postal_code)
        .bind($m.city)
        .bind($m.country)
        .bind($m.onboarding)
        .bind($m.require_two_factor)
        .bind($now)
    };
}
pub(crate) use insert_merchant;

impl Db {
    pub async fn create_merchant(&self, m: &NewMerchant<'_>, now: i64) -> Result<i64> {
        Ok(on_writer!(self, p => insert_merchant!(m, now).fetch_one(p).await)?)
    }

    pub async fn merchant(&self, id: i64) -> Result<Option<MerchantRow>> {
        let sql = "SELECT id, legal_name, org_number, vat_id, address_line, postal_code, city, country, onboarding, require_two_factor \
                   FROM merchants WHERE id = $1";
        Ok(on_pool!(self, p => sqlx::query_as::<_, MerchantRow>(sql).bind(id).fetch_optional(p).await)?)
    }

    pub async fn create_store(&self, s: &NewStore<'_>, now: i64) -> Result<()> {
        let sql = "INSERT INTO stores (id, merchant_id, name, url, country, currency, statement_descriptor, environment, created_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
        on_writer!(self, p => sqlx::query(sql)
            .bind(s.id)
            .bind(s.merchant_id)
            .bind(s.name)
            .bind(s.url)
            .bind(s.country)
            .bind(s.currency)
            .bind(s.statement_descriptor)
            .bind(s.environment)
            .bind(now)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
        .map_err(|e| DbError::from_insert(e, format!("store {}", s.id)))?;
        Ok(())
    }

    pub async fn store(&self, id: &str) -> Result<Option<StoreRow>> {
        let sql = "SELECT id, merchant_id, name, url, country, currency, environment, reservation_days FROM stores WHERE id = $1";
        Ok(on_pool!(self, p => sqlx::query_as::<_, StoreRow>(sql).bind(id).fetch_optional(p).await)?)
    }

    /// Gives `user_id` `role` in `store_id`, or changes the role they have there.
    pub async fn set_membership(&self, user_id: i64, store_id: &str, role: &str, now: i64) -> Result<()> {
        let sql = "INSERT INTO memberships (user_id, store_id, role, created_at) VALUES ($1, $2, $3, $4) \
                   ON CONFLICT (user_id, store_id) DO UPDATE SET role = excluded.role";
        on_writer!(self, p => sqlx::query(sql).bind(user_id).bind(store_id).bind(role).bind(now).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Every store the user belongs to, whatever their standing there, in Store ID order.
    pub async fn memberships_of(&self, user_id: i64) -> Result<Vec<MembershipRow>> {
        let sql = "SELECT s.id AS store_id, s.name AS store_name, s.environment, m.id AS merchant_id, \
                          m.legal_name AS merchant_name, m.onboarding, ms.role, m.require_two_factor, \
                          ms.status, ms.deactivated_at, ms.access_expires_at, m.status AS merchant_status \
                   FROM memberships ms JOIN stores s ON s.id = ms.store_id JOIN merchants m ON m.id = s.merchant_id \
                   WHERE ms.user_id = $1 ORDER BY s.id";
        Ok(on_pool!(self, p => sqlx::query_as::<_, MembershipRow>(sql).bind(user_id).fetch_all(p).await)?)
    }

    /// The stores the user may use at `now`: active at that merchant and not past an end
    /// date. Deactivation at one merchant leaves the others' stores here.
    pub async fn usable_memberships(&self, user_id: i64, now: i64) -> Result<Vec<MembershipRow>> {
        let mut stores = self.memberships_of(user_id).await?;
        stores.retain(|m| m.usable(now));
        Ok(stores)
    }
}
