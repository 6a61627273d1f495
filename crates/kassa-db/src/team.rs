//! A merchant's team: who has access to which store with which role, invitations, access
//! changes and deactivation. The rule that a merchant always keeps an active administrator is
//! enforced here, inside the transaction that makes the change, so no two concurrent changes
//! can each remove "the other" last admin.

use crate::audit::AuditEvent;
use crate::connect::BeginWrite;
use crate::users::{UserRow, USER_COLUMNS};
use crate::{on_pool, on_writer, Db, DbError, Result};

/// One (user, store, role) of a merchant.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TeamMembershipRow {
    pub user_id: i64,
    pub store_id: String,
    pub role: String,
}

/// A store of the merchant, for pickers.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MerchantStoreRow {
    pub id: String,
    pub name: String,
    pub environment: String,
}

/// A new user invited to a merchant's stores.
#[derive(Debug, Clone)]
pub struct Invitation<'a> {
    pub email: &'a str,
    pub language: &'a str,
    pub access_expires_at: Option<i64>,
    pub stores: &'a [String],
    pub role: &'a str,
    pub token_hash: &'a str,
    pub token_expires_at: i64,
}

/// What an access change does; `None` leaves that part alone.
#[derive(Debug, Clone, Default)]
pub struct AccessUpdate<'a> {
    /// Store → new role, or `None` to remove access to that store.
    pub memberships: Vec<(&'a str, Option<&'a str>)>,
    pub status: Option<&'a str>,
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
const ACTIVE_ADMINS: &str = "SELECT COUNT(DISTINCT u.id) FROM users u \
     JOIN memberships ms ON ms.user_id = u.id JOIN stores s ON s.id = ms.store_id \
     WHERE s.merchant_id = $1 AND u.status = 'active' AND ms.role IN ('super_admin', 'admin') \
       AND (u.access_expires_at IS NULL OR u.access_expires_at > $2)";

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
        let sql = "SELECT ms.user_id, ms.store_id, ms.role FROM memberships ms \
                   JOIN stores s ON s.id = ms.store_id WHERE s.merchant_id = $1 ORDER BY ms.store_id";
        Ok(on_pool!(self, p => sqlx::query_as::<_, TeamMembershipRow>(sql).bind(merchant_id).fetch_all(p).await)?)
    }

    pub async fn stores_of_merchant(&self, merchant_id: i64) -> Result<Vec<MerchantStoreRow>> {
        let sql = "SELECT id, name, environment FROM stores WHERE merchant_id = $1 ORDER BY id";
        Ok(on_pool!(self, p => sqlx::query_as::<_, MerchantStoreRow>(sql).bind(merchant_id).fetch_all(p).await)?)
    }

    /// Creates an invited user with their store access and invitation token, and records
    /// `audit`, all or nothing. Returns the new user's id.
    pub async fn invite_user(&self, inv: &Invitation<'_>, audit: &AuditEvent<'_>, now: i64) -> Result<i64> {
        let insert_user =
            "INSERT INTO users (email, name, language, status, access_expires_at, created_at, updated_at) \
                           VALUES ($1, '', $2, 'invited', $3, $4, $4) RETURNING id";
        let insert_membership = "INSERT INTO memberships (user_id, store_id, role, created_at) VALUES ($1, $2, $3, $4)";
        let result = on_writer!(self, p => async {
            let mut tx = p.begin_write().await?;
            let id: i64 = sqlx::query_scalar(insert_user)
                .bind(inv.email)
                .bind(inv.language)
                .bind(inv.access_expires_at)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
            for store in inv.stores {
                sqlx::query(insert_membership)
                    .bind(id)
                    .bind(store)
                    .bind(inv.role)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            crate::tokens::insert_token!(&mut *tx, inv.token_hash, id, "invitation", now, inv.token_expires_at);
            crate::audit::insert_audit!(&mut *tx, audit, now);
            tx.commit().await?;
            Ok::<_, sqlx::Error>(id)
        }
        .await);
        result.map_err(|e| DbError::from_insert(e, format!("a user with email {}", inv.email)))
    }

    /// Changes a user's store access, status or expiry in one transaction, together with its
    /// audit event. Refused — and nothing changes — when afterwards the merchant would have
    /// no active Admin or Super Admin. Deactivation ends the user's sessions in the same
    /// transaction.
    pub async fn change_access(
        &self,
        merchant_id: i64,
        user_id: i64,
        update: &AccessUpdate<'_>,
        audit: &AuditEvent<'_>,
        now: i64,
    ) -> Result<Result<(), AccessRefusal>> {
        let upsert = "INSERT INTO memberships (user_id, store_id, role, created_at) VALUES ($1, $2, $3, $4) \
                      ON CONFLICT (user_id, store_id) DO UPDATE SET role = excluded.role";
        let remove = "DELETE FROM memberships WHERE user_id = $1 AND store_id = $2";
        let set_status = "UPDATE users SET status = $2, updated_at = $3 WHERE id = $1";
        let set_expiry = "UPDATE users SET access_expires_at = $2, updated_at = $3 WHERE id = $1";
        let end_sessions = "DELETE FROM sessions WHERE user_id = $1";
        Ok(on_writer!(self, p => async {
            let mut tx = p.begin_write().await?;
            sqlx::query(LOCK_MERCHANT).bind(merchant_id).execute(&mut *tx).await?;
            for (store, role) in &update.memberships {
                match role {
                    Some(role) => sqlx::query(upsert).bind(user_id).bind(*store).bind(*role).bind(now).execute(&mut *tx).await?,
                    None => sqlx::query(remove).bind(user_id).bind(*store).execute(&mut *tx).await?,
                };
            }
            if let Some(status) = update.status {
                sqlx::query(set_status).bind(user_id).bind(status).bind(now).execute(&mut *tx).await?;
                if status == "deactivated" {
                    sqlx::query(end_sessions).bind(user_id).execute(&mut *tx).await?;
                }
            }
            if let Some(expiry) = update.access_expires_at {
                sqlx::query(set_expiry).bind(user_id).bind(expiry).bind(now).execute(&mut *tx).await?;
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

    /// An invited user accepts: they get a name and password and become active, once.
    /// Returns false when the user was not (or no longer) invited.
    pub async fn activate_invited_user(&self, user_id: i64, name: &str, password_hash: &str, now: i64) -> Result<bool> {
        let sql = "UPDATE users SET status = 'active', name = $2, password_hash = $3, updated_at = $4 \
                   WHERE id = $1 AND status = 'invited'";
        let done = on_writer!(self, p => sqlx::query(sql).bind(user_id).bind(name).bind(password_hash).bind(now).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }
}
