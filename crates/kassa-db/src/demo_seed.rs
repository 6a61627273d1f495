//! The demo's own writes: its merchant, stores and users in one transaction, and the
//! markers that say how far seeding got, so a demo killed while seeding picks up where it
//! stopped instead of failing for ever on "store … already exists".

use kassa_core::audit::AuditAction;

use crate::audit::insert_audit;
use crate::tenancy::insert_merchant;
use crate::{on_pool, on_tx, on_writer, AuditEvent, Db, NewMerchant, NewStore, NewUser, Result};

/// Everything the demo's tenancy is, written together.
pub struct DemoTenancy<'a> {
    pub merchant: NewMerchant<'a>,
    /// `merchant_id` is filled in by [`Db::seed_demo_tenancy`].
    pub stores: Vec<NewStore<'a>>,
    /// Each user with their role in every store.
    pub users: Vec<(NewUser<'a>, &'a str)>,
    /// Payout schedules other than the default (daily): store, `payout_schedule`, `payout_day`.
    pub payout_schedules: Vec<(&'a str, &'a str, Option<i64>)>,
    /// The completion marker, written last; `merchant_id` is filled in.
    pub marker: AuditEvent<'a>,
}

impl Db {
    /// When the newest audit event of `action` was written, if any: the demo's markers.
    pub async fn marker_time(&self, action: AuditAction) -> Result<Option<i64>> {
        let sql = "SELECT MAX(at) FROM audit_events WHERE action = $1";
        Ok(on_pool!(self, p => sqlx::query_scalar::<_, Option<i64>>(sql).bind(action.code()).fetch_one(p).await)?)
    }

    /// Writes the demo's merchant, stores, users and memberships and then its marker, in one
    /// transaction: after a crash either all of it is there or none of it. Whatever an older,
    /// non-atomic seed left behind (the merchant of an existing first store, stores, users by
    /// email) is reused rather than inserted again. Returns false when the marker was already
    /// there.
    pub async fn seed_demo_tenancy(&self, t: &DemoTenancy<'_>, now: i64) -> Result<bool> {
        let mut tx = self.begin().await?;
        let done: i64 = on_tx!(&mut tx, c => sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE action = $1")
            .bind(t.marker.action.code())
            .fetch_one(c)
            .await)?;
        if done > 0 {
            return Ok(false);
        }
        let first_store = t.stores.first().map(|s| s.id).unwrap_or_default();
        let existing: Option<i64> = on_tx!(&mut tx, c => sqlx::query_scalar("SELECT merchant_id FROM stores WHERE id = $1")
            .bind(first_store)
            .fetch_optional(c)
            .await)?;
        let merchant_id = match existing {
            Some(id) => id,
            None => {
                let m = &t.merchant;
                on_tx!(&mut tx, c => insert_merchant!(m, now).fetch_one(c).await)?
            }
        };
        for s in &t.stores {
            let sql = "INSERT INTO stores (id, merchant_id, name, url, country, currency, statement_descriptor, environment, created_at) \
                       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING";
            on_tx!(&mut tx, c => sqlx::query(sql)
                .bind(s.id)
                .bind(merchant_id)
                .bind(s.name)
                .bind(s.url)
                .bind(s.country)
                .bind(s.currency)
                .bind(s.statement_descriptor)
                .bind(s.environment)
                .bind(now)
                .execute(c)
                .await
                .map(|r| r.rows_affected()))?;
        }
        for (store, schedule, day) in &t.payout_schedules {
            let sql = "UPDATE stores SET payout_schedule = $2, payout_day = $3 WHERE id = $1";
            on_tx!(&mut tx, c => sqlx::query(sql)
                .bind(*store)
                .bind(*schedule)
                .bind(*day)
                .execute(c)
                .await
                .map(|r| r.rows_affected()))?;
        }
        for (u, role) in &t.users {
            let found: Option<i64> = on_tx!(&mut tx, c => sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
                .bind(u.email)
                .fetch_optional(c)
                .await)?;
            let user_id = match found {
                Some(id) => id,
                None => {
                    let sql = "INSERT INTO users (email, name, password_hash, language, status, access_expires_at, created_at, updated_at) \
                               VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id";
                    on_tx!(&mut tx, c => sqlx::query_scalar::<_, i64>(sql)
                        .bind(u.email)
                        .bind(u.name)
                        .bind(u.password_hash)
                        .bind(u.language)
                        .bind(u.status)
                        .bind(u.access_expires_at)
                        .bind(now)
                        .fetch_one(c)
                        .await)?
                }
            };
            for s in &t.stores {
                let sql = "INSERT INTO memberships (user_id, store_id, role, created_at) VALUES ($1, $2, $3, $4) \
                           ON CONFLICT (user_id, store_id) DO UPDATE SET role = excluded.role";
                on_tx!(&mut tx, c => sqlx::query(sql)
                    .bind(user_id)
                    .bind(s.id)
                    .bind(*role)
                    .bind(now)
                    .execute(c)
                    .await
                    .map(|r| r.rows_affected()))?;
            }
        }
        let marker = AuditEvent {
            merchant_id: Some(merchant_id),
            ..t.marker.clone()
        };
        on_tx!(&mut tx, c => {
            insert_audit!(c, marker, now);
            Ok::<(), sqlx::Error>(())
        })?;
        tx.commit().await?;
        Ok(true)
    }

    /// The order of `store_id` whose `merchant_reference1` is `reference`, if any: how the
    /// demo finds the order it was seeding when it stopped.
    pub async fn order_id_by_reference1(&self, store_id: &str, reference: &str) -> Result<Option<String>> {
        let sql = "SELECT order_id FROM orders WHERE store_id = $1 AND merchant_reference1 = $2 LIMIT 1";
        Ok(
            on_pool!(self, p => sqlx::query_scalar::<_, String>(sql).bind(store_id).bind(reference).fetch_optional(p).await)?,
        )
    }

    /// Up to `limit` orders of `store_id` made before `created_before` that a demo dispute
    /// can be opened on (something captured and not refunded), or that have one already, in
    /// merchant reference order: the same list however far the demo's disputes got.
    pub async fn demo_dispute_orders(&self, store_id: &str, created_before: i64, limit: i64) -> Result<Vec<String>> {
        let sql = "SELECT o.order_id FROM orders o WHERE o.store_id = $1 AND o.created_at < $2 \
                   AND o.status IN ('CAPTURED', 'PART_CAPTURED') \
                   AND (o.captured_amount > o.refunded_amount OR EXISTS (SELECT 1 FROM disputes d WHERE d.order_id = o.order_id)) \
                   ORDER BY o.merchant_reference1, o.order_id LIMIT $3";
        Ok(on_pool!(self, p => sqlx::query_scalar::<_, String>(sql)
            .bind(store_id)
            .bind(created_before)
            .bind(limit)
            .fetch_all(p)
            .await)?)
    }

    /// Moves a demo dispute `by_ms` back in time with everything it wrote: its messages
    /// and files, the order's timeline events since it opened, and its ledger entries that
    /// are still open (never to before the store's last payout cut-off, so a payout that is
    /// closed stays the sum of its entries). Deadlines move with it.
    pub async fn shift_dispute_history(&self, dispute_id: &str, by_ms: i64) -> Result<()> {
        let mut tx = self.begin().await?;
        let statements = [
            "UPDATE order_events SET at = at - $2 WHERE order_id = (SELECT order_id FROM disputes WHERE id = $1) \
             AND at >= (SELECT opened_at FROM disputes WHERE id = $1)",
            "UPDATE ledger_entries SET created_at = CASE WHEN created_at - $2 > c.cutoff THEN created_at - $2 ELSE c.cutoff END, \
             capture_date = CASE WHEN capture_date - $2 > c.cutoff THEN capture_date - $2 ELSE c.cutoff END \
             FROM (SELECT COALESCE(MAX(p.period_end), 0) AS cutoff FROM payouts p \
                   WHERE p.store_id = (SELECT store_id FROM disputes WHERE id = $1)) c \
             WHERE payout_id IS NULL AND reversal_reference LIKE '%:' || $1",
            "UPDATE dispute_messages SET created_at = created_at - $2, deadline_at = deadline_at - $2 WHERE dispute_id = $1",
            "UPDATE dispute_attachments SET created_at = created_at - $2 WHERE dispute_id = $1",
            "UPDATE disputes SET opened_at = opened_at - $2, updated_at = updated_at - $2, deadline_at = deadline_at - $2, \
             closed_at = closed_at - $2, reminded_at = NULL WHERE id = $1",
        ];
        for sql in statements {
            on_tx!(&mut tx, c => sqlx::query(sql).bind(dispute_id).bind(by_ms).execute(c).await.map(|r| r.rows_affected()))?;
        }
        tx.commit().await
    }

    /// Sets the store's dispute fee unless one is set: the demo's lost disputes cost
    /// something. Returns whether it set it.
    pub async fn set_demo_dispute_fee(&self, store_id: &str, fee_minor: i64) -> Result<bool> {
        let sql = "UPDATE stores SET dispute_fee_minor = $2 WHERE id = $1 AND dispute_fee_minor = 0";
        let n = on_writer!(self, p => sqlx::query(sql).bind(store_id).bind(fee_minor).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// How many orders `store_id` holds.
    pub async fn count_orders(&self, store_id: &str) -> Result<i64> {
        let sql = "SELECT COUNT(*) FROM orders WHERE store_id = $1";
        Ok(on_pool!(self, p => sqlx::query_scalar::<_, i64>(sql).bind(store_id).fetch_one(p).await)?)
    }
}
