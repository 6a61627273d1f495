//! A merchant's team: who has access to which store with which role, invitations, access
//! changes and deactivation. The rule that a merchant always keeps an active administrator is
//! enforced here, inside the transaction that makes the change, so no two concurrent changes
//! can each remove "the other" last admin.

use crate::audit::AuditEvent;
use crate::connect::BeginWrite;
use crate::users::{UserRow, USER_COLUMNS};
use crate::{on_pool, on_writer, Db, Result};
use kassa_core::access::Role;
use kassa_core::account::MembershipStatus;

/// One (user, store, role) of a merchant.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TeamMembershipRow {
    pub user_id: i64,
    pub store_id: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    /// Invited until the user accepts this merchant's invitation, then active.
    #[sqlx(try_from = "String")]
    pub status: MembershipStatus,
    /// Set while the merchant has deactivated the user.
    pub deactivated_at: Option<i64>,
    pub access_expires_at: Option<i64>,
    pub created_at: i64,
}

/// A store of the merchant, for pickers.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MerchantStoreRow {
    pub id: String,
    pub name: String,
    pub environment: String,
}

/// What an access change does; `None` leaves that part alone.
#[derive(Debug, Clone, Default)]
pub struct AccessUpdate<'a> {
    /// Store → new role, or `None` to remove access to that store.
    pub memberships: Vec<(&'a str, Option<&'a str>)>,
    /// `Some(true)` deactivates the user at this merchant, `Some(false)` reactivates them.
    pub deactivate: Option<bool>,
    /// `Some(None)` removes an expiry date, `Some(Some(t))` sets one.
    pub access_expires_at: Option<Option<i64>>,
}

/// Why an access change was not made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessRefusal {
    /// It would leave the merchant without an active Admin or Super Admin.
    LastAdmin,
}

/// Counts the merchant's active administrators as seen inside the transaction.
/// Only this merchant's memberships count: a user deactivated elsewhere is still this
/// merchant's admin, and one deactivated here is not, whatever other merchants decided.
const ACTIVE_ADMINS: &str = "SELECT COUNT(DISTINCT u.id) FROM users u \
     JOIN memberships ms ON ms.user_id = u.id JOIN stores s ON s.id = ms.store_id \
     WHERE s.merchant_id = $1 AND u.status = 'active' AND ms.status = 'active' AND ms.deactivated_at IS NULL \
       AND ms.role IN ('super_admin', 'admin') \
       AND (u.access_expires_at IS NULL OR u.access_expires_at > $2) \
       AND (ms.access_expires_at IS NULL OR ms.access_expires_at > $2)";

/// The user's memberships at one merchant (`$1` user, `$2` merchant), for statements that
/// change their standing there and nowhere else.
const AT_MERCHANT: &str = "user_id = $1 AND store_id IN (SELECT id FROM stores WHERE merchant_id = $2)";

/// A user's standing at a merchant before a change, so new store access inherits it.
const STANDING: &str = "SELECT ms.status, ms.deactivated_at, ms.access_expires_at FROM memberships ms \
     JOIN stores s ON s.id = ms.store_id WHERE ms.user_id = $1 AND s.merchant_id = $2 \
     ORDER BY ms.store_id LIMIT 1";

/// Serialises administrative changes of one merchant: a no-op write to its row takes the row
/// lock on PostgreSQL and the database write lock on SQLite, until the transaction ends.
const LOCK_MERCHANT: &str = "UPDATE merchants SET created_at = created_at WHERE id = $1";

impl Db {
    /// Every user with access to at least one store of the merchant, by name.
    pub async fn users_of_merchant(&self, merchant_id: i64) -> Result<Vec<UserRow>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users WHERE id IN (SELECT ms.user_id FROM memberships ms \
             JOIN stores s ON s.id = ms.store_id WHERE s.merchant_id = $1) ORDER BY LOWER(name), email"
        );
        Ok(on_pool!(self, p => sqlx::query_as::<_, UserRow>(&sql).bind(merchant_id).fetch_all(p).await)?)
    }

    /// The user, if they have access to a store of the merchant; users of other merchants
    /// are not found.
    pub async fn user_of_merchant(&self, merchant_id: i64, user_id: i64) -> Result<Option<UserRow>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users WHERE id = $2 AND id IN (SELECT ms.user_id FROM memberships ms \
             JOIN stores s ON s.id = ms.store_id WHERE s.merchant_id = $1)"
        );
        Ok(on_pool!(self, p => sqlx::query_as::<_, UserRow>(&sql)
            .bind(merchant_id)
            .bind(user_id)
            .fetch_optional(p)
            .await)?)
    }

    /// Every membership in the merchant's stores.
    pub async fn team_memberships(&self, merchant_id: i64) -> Result<Vec<TeamMembershipRow>> {
        let sql = "SELECT ms.user_id, ms.store_id, ms.role, ms.status, ms.deactivated_at, ms.access_expires_at, \
                   ms.created_at FROM memberships ms JOIN stores s ON s.id = ms.store_id WHERE s.merchant_id = $1 ORDER BY ms.store_id";
        Ok(on_pool!(self, p => sqlx::query_as::<_, TeamMembershipRow>(sql).bind(merchant_id).fetch_all(p).await)?)
    }

    pub async fn stores_of_merchant(&self, merchant_id: i64) -> Result<Vec<MerchantStoreRow>> {
        let sql = "SELECT id, name, environment FROM stores WHERE merchant_id = $1 ORDER BY id";
        Ok(on_pool!(self, p => sqlx::query_as::<_, MerchantStoreRow>(sql).bind(merchant_id).fetch_all(p).await)?)
    }

    /// Changes a user's store access, standing or expiry at one merchant in one
    /// transaction, together with its audit event; the user's memberships at other merchants
    /// are never touched. Refused — and nothing changes — when afterwards the merchant would
    /// have no active Admin or Super Admin. Deactivation ends the user's sessions in this
    /// merchant's stores in the same transaction; sessions elsewhere go on.
    pub async fn change_access(
        &self,
        merchant_id: i64,
        user_id: i64,
        update: &AccessUpdate<'_>,
        audit: &AuditEvent<'_>,
        now: i64,
    ) -> Result<Result<(), AccessRefusal>> {
        let upsert = "INSERT INTO memberships (user_id, store_id, role, created_at) \
                      SELECT $1, id, $3, $4 FROM stores WHERE id = $2 AND merchant_id = $5 \
                      ON CONFLICT (user_id, store_id) DO UPDATE SET role = excluded.role";
        let remove = "DELETE FROM memberships WHERE user_id = $1 AND store_id = $2 \
                      AND store_id IN (SELECT id FROM stores WHERE merchant_id = $3)";
        let set_standing = format!(
            "UPDATE memberships SET status = $3, deactivated_at = $4, access_expires_at = $5 WHERE {AT_MERCHANT}"
        );
        let end_sessions = "DELETE FROM sessions WHERE user_id = $1 \
                            AND store_id IN (SELECT id FROM stores WHERE merchant_id = $2)";
        Ok(on_writer!(self, p => async {
            let mut tx = p.begin_write().await?;
            sqlx::query(LOCK_MERCHANT).bind(merchant_id).execute(&mut *tx).await?;
            let before: Option<(String, Option<i64>, Option<i64>)> =
                sqlx::query_as(STANDING).bind(user_id).bind(merchant_id).fetch_optional(&mut *tx).await?;
            let (status, deactivated_before, expiry_before) = before.unwrap_or_else(|| ("active".to_owned(), None, None));
            for (store, role) in &update.memberships {
                match role {
                    Some(role) => sqlx::query(upsert).bind(user_id).bind(*store).bind(*role).bind(now).bind(merchant_id).execute(&mut *tx).await?,
                    None => sqlx::query(remove).bind(user_id).bind(*store).bind(merchant_id).execute(&mut *tx).await?,
                };
            }
            let deactivated_at = match update.deactivate {
                Some(true) => deactivated_before.or(Some(now)),
                Some(false) => None,
                None => deactivated_before,
            };
            let expiry = update.access_expires_at.unwrap_or(expiry_before);
            sqlx::query(&set_standing)
                .bind(user_id)
                .bind(merchant_id)
                .bind(&status)
                .bind(deactivated_at)
                .bind(expiry)
                .execute(&mut *tx)
                .await?;
            if deactivated_at.is_some() {
                sqlx::query(end_sessions).bind(user_id).bind(merchant_id).execute(&mut *tx).await?;
            }
            let admins: i64 = sqlx::query_scalar(ACTIVE_ADMINS).bind(merchant_id).bind(now).fetch_one(&mut *tx).await?;
            if admins == 0 {
                tx.rollback().await?;
                return Ok::<_, sqlx::Error>(Err(AccessRefusal::LastAdmin));
            }
            crate::audit::insert_audit!(&mut *tx, audit, now);
            tx.commit().await?;
            Ok(Ok(()))
        }
        .await)?)
    }
}
