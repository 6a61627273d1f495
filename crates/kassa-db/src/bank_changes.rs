//! Changes of a store's payout bank account: asked for by a Super Admin, confirmed through an
//! emailed link by a Super Admin of the merchant, or blocked by the provider's finance staff.
//!
//! Each decision is one conditional `UPDATE … WHERE status = 'pending'` inside the
//! transaction that also applies it, so however many confirmations (or a confirmation and a
//! block) arrive together, a change is decided once: SQLite runs them on its one writer,
//! PostgreSQL re-checks the `WHERE` on the newest row version after the row lock.

use crate::audit::insert_audit;
use crate::connect::BeginWrite;
use crate::{on_pool, on_writer, AuditEvent, Db, DbError, Result};
use kassa_core::bank_account::{BankAccount, ChangeStatus};

/// One change as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BankChangeRow {
    pub id: i64,
    pub merchant_id: i64,
    pub store_id: String,
    #[sqlx(try_from = "String")]
    pub status: ChangeStatus,
    pub iban: String,
    pub bic: String,
    pub account_holder: String,
    pub old_iban: String,
    pub old_bic: String,
    pub old_account_holder: String,
    pub requested_by: i64,
    pub requested_at: i64,
    pub expires_at: i64,
    pub decided_at: Option<i64>,
    pub confirmed_by: Option<i64>,
    pub blocked_by: Option<i64>,
    pub hold_until: Option<i64>,
}

impl BankChangeRow {
    /// Still waiting for a confirmation at `now` (pending, links not expired).
    pub fn open(&self, now: i64) -> bool {
        self.status == ChangeStatus::Pending && self.expires_at > now
    }
}

const CHANGE_COLUMNS: &str = "c.id, c.merchant_id, c.store_id, c.status, c.iban, c.bic, c.account_holder, c.old_iban, \
     c.old_bic, c.old_account_holder, c.requested_by, c.requested_at, c.expires_at, c.decided_at, c.confirmed_by, \
     c.blocked_by, c.hold_until";

/// A change as the back office lists it, with whose it is.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BankChangeListRow {
    #[sqlx(flatten)]
    pub change: BankChangeRow,
    pub merchant_name: String,
    pub store_name: String,
    pub requested_by_email: String,
    pub confirmed_by_email: Option<String>,
    pub blocked_by_email: Option<String>,
}

/// Someone who may confirm a change: an active Super Admin of the merchant.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SuperAdminRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub language: String,
    pub timezone: String,
}

/// A new change with its links (user id and token hash per Super Admin).
#[derive(Debug, Clone)]
pub struct NewBankChange<'a> {
    pub merchant_id: i64,
    pub store_id: &'a str,
    pub account: &'a BankAccount,
    pub requested_by: i64,
    pub expires_at: i64,
    pub links: Vec<(i64, String)>,
}

/// What a request did: the new change's id and the pending one it replaced, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Requested {
    pub id: i64,
    pub replaced: Option<i64>,
}

impl Db {
    /// Until when payouts of the store wait (after a confirmed change), if ever set.
    pub async fn payout_hold_until(&self, store_id: &str) -> Result<Option<i64>> {
        let sql = "SELECT payout_hold_until FROM stores WHERE id = $1";
        Ok(
            on_pool!(self, p => sqlx::query_scalar::<_, Option<i64>>(sql).bind(store_id).fetch_optional(p).await)?
                .flatten(),
        )
    }

    /// The merchant's active Super Admins (any store, access not expired), by email.
    pub async fn super_admins(&self, merchant_id: i64, now: i64) -> Result<Vec<SuperAdminRow>> {
        let sql = "SELECT DISTINCT u.id, u.email, u.name, u.language, u.timezone FROM users u \
             JOIN memberships ms ON ms.user_id = u.id JOIN stores s ON s.id = ms.store_id \
             WHERE s.merchant_id = $1 AND ms.role = 'super_admin' AND u.status = 'active' AND ms.status = 'active' \
               AND ms.deactivated_at IS NULL \
               AND (u.access_expires_at IS NULL OR u.access_expires_at > $2) \
               AND (ms.access_expires_at IS NULL OR ms.access_expires_at > $2) \
             ORDER BY u.email";
        Ok(on_pool!(self, p => sqlx::query_as::<_, SuperAdminRow>(sql).bind(merchant_id).bind(now).fetch_all(p).await)?)
    }

    /// Records a requested change with its links, replacing (and retiring the links of) the
    /// store's pending one, with the audit events, in one transaction. The account it
    /// replaces is read from the store inside it. `replaced_audit` is recorded only when a
    /// pending change was replaced; its subject should name the store.
    pub async fn request_bank_change(
        &self,
        change: &NewBankChange<'_>,
        requested_audit: &AuditEvent<'_>,
        replaced_audit: &AuditEvent<'_>,
        now: i64,
    ) -> Result<Requested> {
        let replace = "UPDATE bank_account_changes SET status = 'replaced', decided_at = $2 \
                       WHERE store_id = $1 AND status = 'pending' RETURNING id";
        let retire = "UPDATE bank_change_links SET used_at = $2 WHERE change_id = $1 AND used_at IS NULL";
        let insert = "INSERT INTO bank_account_changes (merchant_id, store_id, status, iban, bic, account_holder, \
                      old_iban, old_bic, old_account_holder, requested_by, requested_at, expires_at) \
                      SELECT merchant_id, id, 'pending', $2, $3, $4, payout_iban, payout_bic, payout_account_holder, $5, $6, $7 \
                      FROM stores WHERE id = $1 AND merchant_id = $8 RETURNING id";
        let link = "INSERT INTO bank_change_links (token_hash, change_id, user_id) VALUES ($1, $2, $3)";
        let result = on_writer!(self, p => async {
            let mut tx = p.begin_write().await?;
            let replaced: Option<i64> = sqlx::query_scalar(replace)
                .bind(change.store_id)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
            if let Some(old) = replaced {
                sqlx::query(retire).bind(old).bind(now).execute(&mut *tx).await?;
                let mut audit = replaced_audit.clone();
                let after = serde_json::json!({ "replaced_change": old }).to_string();
                audit.after = Some(after);
                insert_audit!(&mut *tx, audit, now);
            }
            let id: Option<i64> = sqlx::query_scalar(insert)
                .bind(change.store_id)
                .bind(&change.account.iban)
                .bind(&change.account.bic)
                .bind(&change.account.holder)
                .bind(change.requested_by)
                .bind(now)
                .bind(change.expires_at)
                .bind(change.merchant_id)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(id) = id else {
                tx.rollback().await?;
                return Ok::<_, sqlx::Error>(None);
            };
            for (user_id, hash) in &change.links {
                sqlx::query(link).bind(hash).bind(id).bind(user_id).execute(&mut *tx).await?;
            }
            insert_audit!(&mut *tx, requested_audit, now);
            tx.commit().await?;
            Ok(Some(Requested { id, replaced }))
        }
        .await);
        match result {
            Ok(Some(r)) => Ok(r),
            Ok(None) => Err(DbError::Conflict(format!(
                "no store {} of this merchant",
                change.store_id
            ))),
            // Two requests for one store at the same moment: the unique pending index lets one in.
            Err(e) => Err(DbError::from_insert(e, "a pending bank account change of this store")),
        }
    }

    /// A change by one of its links' token hash, with the link's user and whether the link
    /// is still unused.
    pub async fn bank_change_by_link(&self, token_hash: &str) -> Result<Option<(BankChangeRow, i64, bool)>> {
        let sql = format!(
            "SELECT {CHANGE_COLUMNS}, l.user_id AS link_user, l.used_at IS NULL AS link_unused \
             FROM bank_change_links l JOIN bank_account_changes c ON c.id = l.change_id WHERE l.token_hash = $1"
        );
        #[derive(sqlx::FromRow)]
        struct Found {
            #[sqlx(flatten)]
            change: BankChangeRow,
            link_user: i64,
            link_unused: bool,
        }
        let found = on_pool!(self, p => sqlx::query_as::<_, Found>(&sql).bind(token_hash).fetch_optional(p).await)?;
        Ok(found.map(|f| (f.change, f.link_user, f.link_unused)))
    }

    /// Confirms the change behind an unused link of `user_id`: the link used, the change
    /// confirmed (if still pending and unexpired), the store's account replaced and its
    /// payouts held until `hold_until`, every other link retired, audited — all or nothing.
    /// `None` when the link or the change is no longer usable.
    pub async fn confirm_bank_change(
        &self,
        token_hash: &str,
        user_id: i64,
        hold_until: i64,
        audit: &AuditEvent<'_>,
        now: i64,
    ) -> Result<Option<BankChangeRow>> {
        let use_link = "UPDATE bank_change_links SET used_at = $3 WHERE token_hash = $1 AND user_id = $2 \
                        AND used_at IS NULL RETURNING change_id";
        let decide = "UPDATE bank_account_changes SET status = 'confirmed', decided_at = $2, confirmed_by = $3, \
                      hold_until = $4 WHERE id = $1 AND status = 'pending' AND expires_at > $2 \
                      RETURNING store_id, iban, bic, account_holder";
        let apply = "UPDATE stores SET payout_iban = $2, payout_bic = $3, payout_account_holder = $4, \
                     payout_hold_until = $5 WHERE id = $1";
        let retire = "UPDATE bank_change_links SET used_at = $2 WHERE change_id = $1 AND used_at IS NULL";
        let read = format!("SELECT {CHANGE_COLUMNS} FROM bank_account_changes c WHERE c.id = $1");
        Ok(on_writer!(self, p => async {
            let mut tx = p.begin_write().await?;
            let change_id: Option<i64> = sqlx::query_scalar(use_link)
                .bind(token_hash)
                .bind(user_id)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(change_id) = change_id else {
                tx.rollback().await?;
                return Ok::<_, sqlx::Error>(None);
            };
            let decided: Option<(String, String, String, String)> = sqlx::query_as(decide)
                .bind(change_id)
                .bind(now)
                .bind(user_id)
                .bind(hold_until)
                .fetch_optional(&mut *tx)
                .await?;
            let Some((store_id, iban, bic, holder)) = decided else {
                tx.rollback().await?;
                return Ok(None);
            };
            sqlx::query(apply)
                .bind(&store_id)
                .bind(&iban)
                .bind(&bic)
                .bind(&holder)
                .bind(hold_until)
                .execute(&mut *tx)
                .await?;
            sqlx::query(retire).bind(change_id).bind(now).execute(&mut *tx).await?;
            insert_audit!(&mut *tx, audit, now);
            let row = sqlx::query_as::<_, BankChangeRow>(&read).bind(change_id).fetch_one(&mut *tx).await?;
            tx.commit().await?;
            Ok(Some(row))
        }
        .await)?)
    }

    /// Blocks a pending change (finance staff): nothing about the store changes, its links
    /// stop working, audited. `None` when it is not pending (any more).
    pub async fn block_bank_change(
        &self,
        id: i64,
        operator_id: i64,
        audit: &AuditEvent<'_>,
        now: i64,
    ) -> Result<Option<BankChangeRow>> {
        let block = "UPDATE bank_account_changes SET status = 'blocked', decided_at = $2, blocked_by = $3 \
                     WHERE id = $1 AND status = 'pending' RETURNING id";
        let retire = "UPDATE bank_change_links SET used_at = $2 WHERE change_id = $1 AND used_at IS NULL";
        let read = format!("SELECT {CHANGE_COLUMNS} FROM bank_account_changes c WHERE c.id = $1");
        Ok(on_writer!(self, p => async {
            let mut tx = p.begin_write().await?;
            let blocked: Option<i64> = sqlx::query_scalar(block)
                .bind(id)
                .bind(now)
                .bind(operator_id)
                .fetch_optional(&mut *tx)
                .await?;
            if blocked.is_none() {
                tx.rollback().await?;
                return Ok::<_, sqlx::Error>(None);
            }
            sqlx::query(retire).bind(id).bind(now).execute(&mut *tx).await?;
            insert_audit!(&mut *tx, audit, now);
            let row = sqlx::query_as::<_, BankChangeRow>(&read).bind(id).fetch_one(&mut *tx).await?;
            tx.commit().await?;
            Ok(Some(row))
        }
        .await)?)
    }

    /// One change by id.
    pub async fn bank_change(&self, id: i64) -> Result<Option<BankChangeRow>> {
        let sql = format!("SELECT {CHANGE_COLUMNS} FROM bank_account_changes c WHERE c.id = $1");
        Ok(on_pool!(self, p => sqlx::query_as::<_, BankChangeRow>(&sql).bind(id).fetch_optional(p).await)?)
    }

    /// A store's changes, newest first.
    pub async fn bank_changes_of_store(&self, store_id: &str, limit: i64) -> Result<Vec<BankChangeRow>> {
        let sql = format!(
            "SELECT {CHANGE_COLUMNS} FROM bank_account_changes c WHERE c.store_id = $1 ORDER BY c.id DESC LIMIT $2"
        );
        Ok(on_pool!(self, p => sqlx::query_as::<_, BankChangeRow>(&sql).bind(store_id).bind(limit).fetch_all(p).await)?)
    }

    /// Every merchant's changes that are pending or were asked for since `since`, pending
    /// first, then newest first.
    pub async fn bank_changes_for_review(&self, since: i64, limit: i64) -> Result<Vec<BankChangeListRow>> {
        let sql = format!(
            "SELECT {CHANGE_COLUMNS}, m.legal_name AS merchant_name, s.name AS store_name, \
             ru.email AS requested_by_email, cu.email AS confirmed_by_email, o.email AS blocked_by_email \
             FROM bank_account_changes c JOIN merchants m ON m.id = c.merchant_id JOIN stores s ON s.id = c.store_id \
             JOIN users ru ON ru.id = c.requested_by LEFT JOIN users cu ON cu.id = c.confirmed_by \
             LEFT JOIN operators o ON o.id = c.blocked_by \
             WHERE c.status = 'pending' OR c.requested_at >= $1 \
             ORDER BY CASE WHEN c.status = 'pending' THEN 0 ELSE 1 END, c.id DESC LIMIT $2"
        );
        Ok(
            on_pool!(self, p => sqlx::query_as::<_, BankChangeListRow>(&sql).bind(since).bind(limit).fetch_all(p).await)?,
        )
    }

    /// A successful re-authentication (password and code for a sensitive change) clears the
    /// failed-attempt count its reservation added, as a completed sign-in does; a lock stays.
    pub async fn clear_failed_sign_ins(&self, user_id: i64) -> Result<()> {
        let sql = "UPDATE users SET failed_sign_ins = 0 WHERE id = $1 AND locked_until IS NULL";
        on_writer!(self, p => sqlx::query(sql).bind(user_id).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }
}
