//! The back office's stores: creating one under a newly allocated Store ID, editing its
//! settings and fee plan, and reading them back. Every change commits together with its
//! audit event.

use crate::audit::{insert_audit, AuditEvent};
use crate::connect::BeginWrite;
use crate::{on_pool, on_writer, Db, DbError, Result};
use kassa_core::store_settings::{Environment, FeePlan, MethodFee, PaymentMethod};

/// A store with every setting.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoreDetailRow {
    pub id: String,
    pub merchant_id: i64,
    pub name: String,
    pub url: String,
    pub country: String,
    pub currency: String,
    pub statement_descriptor: String,
    #[sqlx(try_from = "String")]
    pub environment: Environment,
    pub reservation_days: i64,
    /// `daily`, `weekly` or `monthly` with [`payout_day`](Self::payout_day): see
    /// [`kassa_core::store_settings::PayoutSchedule::from_stored`].
    pub payout_schedule: String,
    pub payout_day: Option<i64>,
    pub payout_iban: String,
    pub payout_bic: String,
    pub payout_account_holder: String,
    /// Whether a refund gives back the percentage fee of what it refunds.
    pub refunds_fees: bool,
    /// Rolling reserve: basis points of each sale held back (0 = none) …
    pub reserve_bps: i64,
    /// … for this many days.
    pub reserve_days: i64,
    /// What losing a dispute costs the store, in minor units of its currency.
    pub dispute_fee_minor: i64,
    pub created_at: i64,
    /// Changes with every edit: an edit made from an older reading is refused.
    pub updated_at: i64,
}

const STORE_COLUMNS: &str = "id, merchant_id, name, url, country, currency, statement_descriptor, environment, \
     reservation_days, payout_schedule, payout_day, payout_iban, payout_bic, payout_account_holder, refunds_fees, reserve_bps, reserve_days, \
     dispute_fee_minor, created_at, updated_at";

/// A store's settings and its fee plan.
#[derive(Debug, Clone)]
pub struct StoreDetail {
    pub store: StoreDetailRow,
    pub fees: FeePlan,
}

/// What a store is set to (all of it; an edit passes the unchanged parts as they were).
#[derive(Debug, Clone)]
pub struct StoreFields<'a> {
    pub name: &'a str,
    pub url: &'a str,
    pub country: &'a str,
    pub currency: &'a str,
    pub statement_descriptor: &'a str,
    pub environment: Environment,
    pub reservation_days: i64,
    pub payout_schedule: &'a str,
    pub payout_day: Option<i64>,
    pub payout_iban: &'a str,
    pub payout_bic: &'a str,
    pub payout_account_holder: &'a str,
    pub refunds_fees: bool,
    pub reserve_bps: i64,
    pub reserve_days: i64,
    pub dispute_fee_minor: i64,
}

/// The highest Store ID number: `M` + 6 digits.
const LAST_STORE_NUMBER: i64 = 999_999;

#[derive(sqlx::FromRow)]
struct FeeRow {
    #[sqlx(try_from = "String")]
    payment_method: PaymentMethod,
    bps: i64,
    fixed_minor: i64,
}

fn plan_of(rows: Vec<FeeRow>) -> FeePlan {
    // The table's CHECKs hold the same limits as MethodFee, so no stored row is refused.
    FeePlan::new(
        rows.into_iter()
            .filter_map(|r| MethodFee::new(r.bps, r.fixed_minor).ok().map(|f| (r.payment_method, f))),
    )
}

/// The after-JSON with the new store's id in it (the caller did not know it yet).
fn with_id(after: Option<&str>, id: &str) -> Option<String> {
    let mut value: serde_json::Value = serde_json::from_str(after?).ok()?;
    value.as_object_mut()?.insert("id".into(), id.into());
    Some(value.to_string())
}

const SET_FEE: &str = "INSERT INTO store_fees (store_id, payment_method, bps, fixed_minor) VALUES ($1, $2, $3, $4)";

impl Db {
    /// Creates a store of `merchant_id` under the next free Store ID, with its fee plan and
    /// `audit` (its subject becomes the id and the id joins its after-JSON), in one
    /// transaction. The number is taken from `store_id_counter` inside the transaction, so
    /// concurrent creations queue on that row and each gets its own; IDs already taken (by
    /// hand, like the demo's) are skipped.
    pub async fn create_store_allocated(
        &self,
        merchant_id: i64,
        s: &StoreFields<'_>,
        fees: &FeePlan,
        audit: &AuditEvent<'_>,
        now: i64,
    ) -> Result<String> {
        let take = "UPDATE store_id_counter SET last_number = last_number + 1 WHERE id = 1 RETURNING last_number";
        let taken = "SELECT COUNT(*) FROM stores WHERE id = $1";
        let insert =
            "INSERT INTO stores (id, merchant_id, name, url, country, currency, statement_descriptor, environment, \
                      reservation_days, payout_schedule, payout_day, payout_iban, payout_bic, payout_account_holder, \
                      refunds_fees, reserve_bps, reserve_days, dispute_fee_minor, created_at, updated_at) \
                      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $16, $17, $18, $19, $15, $15)";
        let id = on_writer!(self, p => async {
            let mut tx = p.begin_write().await?;
            let id = loop {
                let number: i64 = sqlx::query_scalar(take).fetch_one(&mut *tx).await?;
                if number > LAST_STORE_NUMBER {
                    tx.rollback().await?;
                    return Ok::<_, sqlx::Error>(None);
                }
                let id = format!("M{number:06}");
                let used: i64 = sqlx::query_scalar(taken).bind(&id).fetch_one(&mut *tx).await?;
                if used == 0 {
                    break id;
                }
            };
            sqlx::query(insert)
                .bind(&id)
                .bind(merchant_id)
                .bind(s.name)
                .bind(s.url)
                .bind(s.country)
                .bind(s.currency)
                .bind(s.statement_descriptor)
                .bind(s.environment.code())
                .bind(s.reservation_days)
                .bind(s.payout_schedule)
                .bind(s.payout_day)
                .bind(s.payout_iban)
                .bind(s.payout_bic)
                .bind(s.payout_account_holder)
                .bind(now)
                .bind(s.refunds_fees)
                .bind(s.reserve_bps)
                .bind(s.reserve_days)
                .bind(s.dispute_fee_minor)
                .execute(&mut *tx)
                .await?;
            for (method, fee) in fees.entries() {
                sqlx::query(SET_FEE)
                    .bind(&id)
                    .bind(method.code())
                    .bind(fee.bps())
                    .bind(fee.fixed_minor())
                    .execute(&mut *tx)
                    .await?;
            }
            let after = with_id(audit.after.as_deref(), &id).or_else(|| audit.after.clone());
            let event = AuditEvent { subject: &id, after, ..audit.clone() };
            insert_audit!(&mut *tx, event, now);
            tx.commit().await?;
            Ok(Some(id))
        }
        .await)?;
        id.ok_or_else(|| DbError::Conflict("every Store ID (M + 6 digits)".into()))
    }

    /// Changes a store's settings if it is still at version `updated_at`, and its fee plan
    /// when `fees` is given (otherwise the plan stays as it is), with the audit event.
    /// Returns whether it changed; `false` means someone else changed it meanwhile.
    pub async fn update_store(
        &self,
        id: &str,
        s: &StoreFields<'_>,
        fees: Option<&FeePlan>,
        updated_at: i64,
        audit: &AuditEvent<'_>,
        now: i64,
    ) -> Result<bool> {
        let update = "UPDATE stores SET name = $2, url = $3, country = $4, currency = $5, statement_descriptor = $6, \
                      environment = $7, reservation_days = $8, payout_schedule = $9, payout_day = $10, payout_iban = $11, \
                      payout_bic = $12, payout_account_holder = $13, refunds_fees = $16, reserve_bps = $17, \
                      reserve_days = $18, dispute_fee_minor = $19, updated_at = CASE WHEN $14 > updated_at THEN $14 ELSE updated_at + 1 END \
                      WHERE id = $1 AND updated_at = $15";
        let clear_fees = "DELETE FROM store_fees WHERE store_id = $1";
        Ok(on_writer!(self, p => async {
            let mut tx = p.begin_write().await?;
            let changed = sqlx::query(update)
                .bind(id)
                .bind(s.name)
                .bind(s.url)
                .bind(s.country)
                .bind(s.currency)
                .bind(s.statement_descriptor)
                .bind(s.environment.code())
                .bind(s.reservation_days)
                .bind(s.payout_schedule)
                .bind(s.payout_day)
                .bind(s.payout_iban)
                .bind(s.payout_bic)
                .bind(s.payout_account_holder)
                .bind(now)
                .bind(updated_at)
                .bind(s.refunds_fees)
                .bind(s.reserve_bps)
                .bind(s.reserve_days)
                .bind(s.dispute_fee_minor)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if changed != 1 {
                tx.rollback().await?;
                return Ok::<_, sqlx::Error>(false);
            }
            if let Some(plan) = fees {
                sqlx::query(clear_fees).bind(id).execute(&mut *tx).await?;
                for (method, fee) in plan.entries() {
                    sqlx::query(SET_FEE)
                        .bind(id)
                        .bind(method.code())
                        .bind(fee.bps())
                        .bind(fee.fixed_minor())
                        .execute(&mut *tx)
                        .await?;
                }
            }
            insert_audit!(&mut *tx, audit, now);
            tx.commit().await?;
            Ok(true)
        }
        .await)?)
    }

    /// A store with all its settings and fee plan.
    pub async fn store_detail(&self, id: &str) -> Result<Option<StoreDetail>> {
        let sql = format!("SELECT {STORE_COLUMNS} FROM stores WHERE id = $1");
        let Some(store) =
            on_pool!(self, p => sqlx::query_as::<_, StoreDetailRow>(&sql).bind(id).fetch_optional(p).await)?
        else {
            return Ok(None);
        };
        let fees = self.fee_plan(id).await?;
        Ok(Some(StoreDetail { store, fees }))
    }

    /// A store's fee plan (no rows: everything free).
    pub async fn fee_plan(&self, store_id: &str) -> Result<FeePlan> {
        let sql = "SELECT payment_method, bps, fixed_minor FROM store_fees WHERE store_id = $1";
        let rows = on_pool!(self, p => sqlx::query_as::<_, FeeRow>(sql).bind(store_id).fetch_all(p).await)?;
        Ok(plan_of(rows))
    }

    /// Every store of a merchant with its settings, in Store ID order.
    pub async fn merchant_stores(&self, merchant_id: i64) -> Result<Vec<StoreDetailRow>> {
        let sql = format!("SELECT {STORE_COLUMNS} FROM stores WHERE merchant_id = $1 ORDER BY id");
        Ok(on_pool!(self, p => sqlx::query_as::<_, StoreDetailRow>(&sql).bind(merchant_id).fetch_all(p).await)?)
    }
}

#[cfg(test)]
mod tests {
    use super::with_id;

    #[test]
    fn the_new_id_joins_the_after_json() {
        assert_eq!(
            with_id(Some(r#"{"name":"Shop"}"#), "M100003").as_deref(),
            Some(r#"{"id":"M100003","name":"Shop"}"#)
        );
        assert_eq!(with_id(Some("[]"), "M1"), None);
        assert_eq!(with_id(None, "M1"), None);
    }
}
