//! Invitations to a merchant's stores. One email is one account, which may belong to several
//! merchants: inviting an address that has no account creates it (invited, no password);
//! inviting one that already has an account elsewhere adds this merchant's memberships as
//! `invited`. Either way the person accepts through the emailed link, and accepting
//! activates only the inviting merchant's memberships — an admin cannot pull an existing
//! account into their merchant, and nothing in the answer tells them the account existed.

use crate::audit::AuditEvent;
use crate::connect::BeginWrite;
use crate::users::{UserRow, USER_COLUMNS};
use crate::{on_pool, on_writer, Db, DbError, Result};

/// Someone invited to a merchant's stores.
#[derive(Debug, Clone)]
pub struct Invitation<'a> {
    pub merchant_id: i64,
    pub email: &'a str,
    /// The language of a new account; an existing account keeps its own.
    pub language: &'a str,
    pub access_expires_at: Option<i64>,
    pub stores: &'a [String],
    pub role: kassa_core::access::Role,
    pub token_hash: &'a str,
    pub token_expires_at: i64,
}

/// What an invitation did, for the email to send.
#[derive(Debug, Clone)]
pub enum Invited {
    /// A new account, to be activated with a name and password.
    NewAccount { user_id: i64 },
    /// An account that already existed; it only needs to accept.
    ExistingAccount { user: Box<UserRow> },
    /// The address already has access to this merchant: nothing was changed.
    AlreadyMember,
}

/// A valid (unused, unexpired) invitation link.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InvitationLink {
    pub user_id: i64,
    /// `None` only for links made before invitations named their merchant.
    pub merchant_id: Option<i64>,
}

const INSERT_MEMBERSHIP: &str =
    "INSERT INTO memberships (user_id, store_id, role, created_at, status, access_expires_at) \
     VALUES ($1, $2, $3, $4, 'invited', $5)";
const INSERT_TOKEN: &str =
    "INSERT INTO user_tokens (token_hash, user_id, purpose, created_at, expires_at, merchant_id) \
     VALUES ($1, $2, 'invitation', $3, $4, $5)";
/// Only the newest link of one merchant's invitation works; other merchants' links stay.
const RETIRE_TOKENS: &str = "UPDATE user_tokens SET used_at = $3 WHERE user_id = $1 AND purpose = 'invitation' \
     AND merchant_id = $2 AND used_at IS NULL";
/// Activates the invited memberships of a link's merchant (all, for links without one).
const ACCEPT_MEMBERSHIPS: &str = "UPDATE memberships SET status = 'active' WHERE user_id = $1 AND status = 'invited' \
     AND (CAST($2 AS BIGINT) IS NULL OR store_id IN (SELECT id FROM stores WHERE merchant_id = $2))";

impl Db {
    /// Invites `inv.email` to the merchant's stores with its link, and records `audit`, all
    /// or nothing. The merchant's row lock orders concurrent invitations of one address.
    pub async fn invite(&self, inv: &Invitation<'_>, audit: &AuditEvent<'_>, now: i64) -> Result<Invited> {
        let find = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1");
        let member_here = "SELECT COUNT(*) FROM memberships ms JOIN stores s ON s.id = ms.store_id \
                           WHERE ms.user_id = $1 AND s.merchant_id = $2";
        let insert_user = "INSERT INTO users (email, name, language, status, created_at, updated_at) \
                           VALUES ($1, '', $2, 'invited', $3, $3) RETURNING id";
        let result = on_writer!(self, p => async {
            let mut tx = p.begin_write().await?;
            sqlx::query("UPDATE merchants SET created_at = created_at WHERE id = $1")
                .bind(inv.merchant_id)
                .execute(&mut *tx)
                .await?;
            let existing: Option<UserRow> = sqlx::query_as(&find).bind(inv.email).fetch_optional(&mut *tx).await?;
            let (invited, user_id) = match existing {
                Some(user) => {
                    let n: i64 = sqlx::query_scalar(member_here).bind(user.id).bind(inv.merchant_id).fetch_one(&mut *tx).await?;
                    if n > 0 {
                        tx.rollback().await?;
                        return Ok::<_, sqlx::Error>(Invited::AlreadyMember);
                    }
                    let id = user.id;
                    (Invited::ExistingAccount { user: Box::new(user) }, id)
                }
                None => {
                    let user_id: i64 = sqlx::query_scalar(insert_user)
                        .bind(inv.email)
                        .bind(inv.language)
                        .bind(now)
                        .fetch_one(&mut *tx)
                        .await?;
                    (Invited::NewAccount { user_id }, user_id)
                }
            };
            for store in inv.stores {
                sqlx::query(INSERT_MEMBERSHIP)
                    .bind(user_id)
                    .bind(store)
                    .bind(inv.role.code())
                    .bind(now)
                    .bind(inv.access_expires_at)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query(INSERT_TOKEN)
                .bind(inv.token_hash)
                .bind(user_id)
                .bind(now)
                .bind(inv.token_expires_at)
                .bind(inv.merchant_id)
                .execute(&mut *tx)
                .await?;
            crate::audit::insert_audit!(&mut *tx, audit, now);
            tx.commit().await?;
            Ok(invited)
        }
        .await);
        result.map_err(|e| DbError::from_insert(e, format!("a user with email {}", inv.email)))
    }

    /// A new link for a pending invitation to the merchant, recorded as `audit`; its older
    /// links stop working.
    pub async fn reissue_invitation(
        &self,
        user_id: i64,
        merchant_id: i64,
        token_hash: &str,
        expires_at: i64,
        audit: &AuditEvent<'_>,
        now: i64,
    ) -> Result<()> {
        on_writer!(self, p => async {
            let mut tx = p.begin_write().await?;
            sqlx::query(RETIRE_TOKENS).bind(user_id).bind(merchant_id).bind(now).execute(&mut *tx).await?;
            sqlx::query(INSERT_TOKEN)
                .bind(token_hash)
                .bind(user_id)
                .bind(now)
                .bind(expires_at)
                .bind(merchant_id)
                .execute(&mut *tx)
                .await?;
            crate::audit::insert_audit!(&mut *tx, audit, now);
            tx.commit().await
        }
        .await)?;
        Ok(())
    }

    /// The invitation behind a link, if it is unused and unexpired. Does not use it up.
    pub async fn invitation_link(&self, token_hash: &str, now: i64) -> Result<Option<InvitationLink>> {
        let sql = "SELECT user_id, merchant_id FROM user_tokens WHERE token_hash = $1 AND purpose = 'invitation' \
                   AND used_at IS NULL AND expires_at > $2";
        Ok(
            on_pool!(self, p => sqlx::query_as::<_, InvitationLink>(sql).bind(token_hash).bind(now).fetch_optional(p).await)?,
        )
    }

    /// Accepts an invitation once: uses the link up and activates the inviting merchant's
    /// memberships; for a new account (`new_account` = name and password hash) also
    /// activates the account. `None`, and nothing changes, when the link is not (or no
    /// longer) valid or a new account was already activated meanwhile.
    pub async fn accept_invitation(
        &self,
        token_hash: &str,
        new_account: Option<(&str, &str)>,
        now: i64,
    ) -> Result<Option<InvitationLink>> {
        let consume = "UPDATE user_tokens SET used_at = $2 WHERE token_hash = $1 AND purpose = 'invitation' \
                       AND used_at IS NULL AND expires_at > $2 RETURNING user_id, merchant_id";
        let activate = "UPDATE users SET status = 'active', name = $2, password_hash = $3, updated_at = $4 \
                        WHERE id = $1 AND status = 'invited'";
        let accept = ACCEPT_MEMBERSHIPS;
        Ok(on_writer!(self, p => async {
            let mut tx = p.begin_write().await?;
            let Some(link): Option<InvitationLink> =
                sqlx::query_as(consume).bind(token_hash).bind(now).fetch_optional(&mut *tx).await?
            else {
                tx.rollback().await?;
                return Ok::<_, sqlx::Error>(None);
            };
            if let Some((name, hash)) = new_account {
                let done = sqlx::query(activate).bind(link.user_id).bind(name).bind(hash).bind(now).execute(&mut *tx).await?;
                if done.rows_affected() != 1 {
                    tx.rollback().await?;
                    return Ok(None);
                }
            }
            sqlx::query(accept).bind(link.user_id).bind(link.merchant_id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(Some(link))
        }
        .await)?)
    }

    /// When the user's newest invitation link from the merchant expires.
    pub async fn invitation_expiry(&self, user_id: i64, merchant_id: i64) -> Result<Option<i64>> {
        let sql = "SELECT MAX(expires_at) FROM user_tokens WHERE user_id = $1 AND purpose = 'invitation' \
                   AND (merchant_id = $2 OR merchant_id IS NULL)";
        Ok(
            on_pool!(self, p => sqlx::query_scalar::<_, Option<i64>>(sql).bind(user_id).bind(merchant_id).fetch_one(p).await)?,
        )
    }
}
