//! Payouts: closing a store's open ledger entries into one payout per currency, and reading
//! payouts and their transactions back.
//!
//! A close is one transaction. It takes the store's row lock first (PostgreSQL; SQLite has
//! one writer anyway), so two processes closing the same store queue, and the second sees
//! the first's payout. The payout row is inserted before its entries are claimed, the
//! entries are claimed by `UPDATE … SET payout_id`, and the totals are summed from exactly
//! the claimed rows, so an entry committed by a concurrent capture is either in this payout
//! and its totals, or open for the next one, never half of each.

use crate::connect::BeginWrite;
use crate::ledger::{LedgerEntryRow, ENTRY_COLUMNS, ENTRY_FROM};
use crate::{bind_all, on_pool, on_writer, Db, DbError, Result};
use kassa_core::settlement::{Totals, TxType};

/// A payout with its totals (named as the Settlements API's `Totals`).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PayoutRow {
    pub id: i64,
    pub store_id: String,
    pub currency: String,
    pub payment_reference: String,
    pub kind: String,
    pub period_end: i64,
    pub payout_date: i64,
    pub sale_amount: i64,
    pub fee_amount: i64,
    pub return_amount: i64,
    pub fee_refund_amount: i64,
    pub reversal_amount: i64,
    pub holdback_amount: i64,
    pub release_amount: i64,
    pub correction_amount: i64,
    pub charge_amount: i64,
    pub credit_amount: i64,
    pub commission_amount: i64,
    pub tax_amount: i64,
    pub repay_amount: i64,
    pub deposit_amount: i64,
    pub opening_debt: i64,
    pub closing_debt: i64,
    pub settlement_amount: i64,
    pub entry_count: i64,
    pub iban: String,
    pub bic: String,
    pub account_holder: String,
    pub created_by: String,
    pub created_at: i64,
}

pub(crate) const PAYOUT_COLUMNS: &str =
    "id, store_id, currency, payment_reference, kind, period_end, payout_date, sale_amount, \
    fee_amount, return_amount, fee_refund_amount, reversal_amount, holdback_amount, release_amount, correction_amount, \
    charge_amount, credit_amount, commission_amount, tax_amount, repay_amount, deposit_amount, opening_debt, \
    closing_debt, settlement_amount, entry_count, iban, bic, account_holder, created_by, created_at";

impl PayoutRow {
    /// The totals as kassa-core computes them.
    pub fn totals(&self) -> Totals {
        Totals {
            sale_amount: self.sale_amount,
            fee_amount: self.fee_amount,
            return_amount: self.return_amount,
            fee_refund_amount: self.fee_refund_amount,
            reversal_amount: self.reversal_amount,
            holdback_amount: self.holdback_amount,
            release_amount: self.release_amount,
            correction_amount: self.correction_amount,
            charge_amount: self.charge_amount,
            credit_amount: self.credit_amount,
            commission_amount: self.commission_amount,
            tax_amount: self.tax_amount,
            repay_amount: self.repay_amount,
            deposit_amount: self.deposit_amount,
            opening_debt_balance_amount: self.opening_debt,
            closing_debt_balance_amount: self.closing_debt,
            settlement_amount: self.settlement_amount,
        }
    }
}

/// What to close: the store's open entries created before `cutoff`.
#[derive(Clone)]
pub struct PayoutClose<'a> {
    pub store_id: &'a str,
    pub cutoff: i64,
    /// `scheduled` (at most one per store, currency and `period_end`) or `manual`.
    pub kind: &'a str,
    pub period_end: i64,
    pub payout_date: i64,
    /// One fresh reference per currency that has open entries is taken from here.
    pub references: Vec<String>,
    pub created_by: &'a str,
    pub now: i64,
    /// A job to queue for each payout made, in the payout's own transaction, so the
    /// people to tell are never lost between the payout's commit and the queue.
    pub job: Option<&'a PayoutJob>,
}

/// Builds the job (kind, key, payload) that announces one payout.
pub type PayoutJob = dyn Fn(&PayoutRow) -> (String, String, String) + Send + Sync;

/// Filters of the payouts list (times in Unix milliseconds, `to` exclusive).
#[derive(Debug, Clone, Default)]
pub struct PayoutQuery {
    pub store_ids: Vec<String>,
    /// Every store's payouts (the back office); `store_ids` is then ignored.
    pub everywhere: bool,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub currency: Option<String>,
}

/// A payout summary per currency over a date range.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PayoutSummaryRow {
    pub currency: String,
    pub payouts: i64,
    pub first_payout_date: i64,
    pub last_payout_date: i64,
    pub sale_amount: i64,
    pub fee_amount: i64,
    pub return_amount: i64,
    pub fee_refund_amount: i64,
    pub reversal_amount: i64,
    pub holdback_amount: i64,
    pub release_amount: i64,
    pub correction_amount: i64,
    pub charge_amount: i64,
    pub credit_amount: i64,
    pub commission_amount: i64,
    pub tax_amount: i64,
    pub repay_amount: i64,
    pub settlement_amount: i64,
}

/// Where the transactions listed come from.
#[derive(Debug, Clone)]
pub enum EntrySelection {
    Payout(i64),
    Order(String),
    /// Every entry of the stores (open and paid out).
    All,
}

/// `WHERE` text and binds of a payouts query, numbered from `$1`.
fn payout_where(q: &PayoutQuery) -> (String, Vec<String>, Vec<i64>) {
    let mut texts: Vec<String> = Vec::new();
    let mut sql = String::from(if q.everywhere {
        "(TRUE OR store_id IN ("
    } else {
        "(store_id IN ("
    });
    for (i, id) in q.store_ids.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        texts.push(id.clone());
        sql.push_str(&format!("${}", texts.len()));
    }
    if q.store_ids.is_empty() {
        sql.push_str("NULL");
    }
    sql.push_str("))");
    if let Some(c) = &q.currency {
        texts.push(c.clone());
        sql.push_str(&format!(" AND currency = ${}", texts.len()));
    }
    let mut ints = Vec::new();
    let base = texts.len();
    if let Some(from) = q.from {
        ints.push(from);
        sql.push_str(&format!(" AND payout_date >= ${}", base + ints.len()));
    }
    if let Some(to) = q.to {
        ints.push(to);
        sql.push_str(&format!(" AND payout_date < ${}", base + ints.len()));
    }
    (sql, texts, ints)
}

impl Db {
    /// Closes the store's open balance into payouts (one per currency with open entries).
    /// Returns none when there was nothing to close, when a scheduled payout of this
    /// period exists already (another process made it), or while the store's payouts are
    /// held after a bank account change (`stores.payout_hold_until` after `close.now`).
    pub async fn close_payout(&self, close: PayoutClose<'_>) -> Result<Vec<PayoutRow>> {
        // SQLite has no FOR UPDATE; its one writer is exclusive already.
        let lock_store = format!(
            "SELECT payout_iban, payout_bic, payout_account_holder, payout_hold_until FROM stores WHERE id = $1{}",
            if matches!(self.backend(), crate::Backend::Postgres) {
                " FOR UPDATE"
            } else {
                ""
            }
        );
        on_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            let store: (String, String, String, Option<i64>) = sqlx::query_as(&lock_store)
                .bind(close.store_id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| DbError::Conflict(format!("no store {}", close.store_id)))?;
            // After a bank account change no payout is made before the hold ends; checked
            // under the store's lock, so a change confirmed meanwhile is seen.
            if kassa_core::bank_account::held(store.3, close.now) {
                tx.rollback().await?;
                return Ok(Vec::new());
            }
            // Rolling reserve: every HOLDBACK whose days have passed by the cut-off is
            // released, dated when it fell due, so this payout pays it back. The unique
            // index on releases_entry_id makes a second release impossible.
            sqlx::query(
                "INSERT INTO ledger_entries (store_id, currency, type, detailed_type, amount, net, order_id, short_order_id, \
                 capture_id, merchant_reference1, merchant_reference2, purchase_country, shipping_country, payment_method, \
                 sale_date, capture_date, releases_entry_id, created_by, created_at) \
                 SELECT h.store_id, h.currency, 'RELEASE', 'ROLLING_RESERVE', h.amount, h.amount, h.order_id, \
                 h.short_order_id, h.capture_id, h.merchant_reference1, h.merchant_reference2, h.purchase_country, \
                 h.shipping_country, h.payment_method, h.sale_date, h.capture_date, h.id, 'kassa', \
                 h.created_at + s.reserve_days * 86400000 \
                 FROM ledger_entries h JOIN stores s ON s.id = h.store_id \
                 WHERE h.store_id = $1 AND h.type = 'HOLDBACK' AND h.created_at + s.reserve_days * 86400000 < $2 \
                 AND NOT EXISTS (SELECT 1 FROM ledger_entries r WHERE r.releases_entry_id = h.id)",
            )
            .bind(close.store_id)
            .bind(close.cutoff)
            .execute(&mut *tx)
            .await?;
            let currencies: Vec<String> = sqlx::query_scalar(
                "SELECT DISTINCT currency FROM ledger_entries WHERE store_id = $1 AND payout_id IS NULL AND created_at < $2 \
                 ORDER BY currency",
            )
            .bind(close.store_id)
            .bind(close.cutoff)
            .fetch_all(&mut *tx)
            .await?;
            let mut made = Vec::new();
            let mut references = close.references.into_iter();
            for currency in currencies {
                if close.kind == "scheduled" {
                    let exists: Option<i64> = sqlx::query_scalar(
                        "SELECT id FROM payouts WHERE store_id = $1 AND currency = $2 AND period_end = $3 AND kind = 'scheduled'",
                    )
                    .bind(close.store_id)
                    .bind(&currency)
                    .bind(close.period_end)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if exists.is_some() {
                        continue;
                    }
                }
                let opening_debt: i64 = sqlx::query_scalar(
                    "SELECT closing_debt FROM payouts WHERE store_id = $1 AND currency = $2 ORDER BY id DESC LIMIT 1",
                )
                .bind(close.store_id)
                .bind(&currency)
                .fetch_optional(&mut *tx)
                .await?
                .unwrap_or(0);
                let reference = references
                    .next()
                    .ok_or_else(|| DbError::Conflict("too few payment references".into()))?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO payouts (store_id, currency, payment_reference, kind, period_end, payout_date, sale_amount, \
                     fee_amount, return_amount, fee_refund_amount, reversal_amount, holdback_amount, release_amount, \
                     correction_amount, charge_amount, credit_amount, commission_amount, tax_amount, repay_amount, \
                     deposit_amount, opening_debt, closing_debt, settlement_amount, entry_count, iban, bic, account_holder, \
                     created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, $7, $7, \
                     0, 0, $8, $9, $10, $11, $12) RETURNING id",
                )
                .bind(close.store_id)
                .bind(&currency)
                .bind(&reference)
                .bind(close.kind)
                .bind(close.period_end)
                .bind(close.payout_date)
                .bind(opening_debt)
                .bind(&store.0)
                .bind(&store.1)
                .bind(&store.2)
                .bind(close.created_by)
                .bind(close.now)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query(
                    "UPDATE ledger_entries SET payout_id = $1 WHERE store_id = $2 AND currency = $3 AND payout_id IS NULL \
                     AND created_at < $4",
                )
                .bind(id)
                .bind(close.store_id)
                .bind(&currency)
                .bind(close.cutoff)
                .execute(&mut *tx)
                .await?;
                let sums: Vec<(String, i64, i64)> = sqlx::query_as(
                    "SELECT type, CAST(COALESCE(SUM(amount), 0) AS BIGINT), COUNT(*) FROM ledger_entries WHERE payout_id = $1 GROUP BY type",
                )
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
                let count: i64 = sums.iter().map(|s| s.2).sum();
                let entries = sums
                    .iter()
                    .map(|(kind, amount, _)| Ok((kind.parse::<TxType>().map_err(|e| DbError::Conflict(e.to_string()))?, *amount)))
                    .collect::<Result<Vec<_>>>()?;
                let t = Totals::settle(entries, opening_debt);
                sqlx::query(
                    "UPDATE payouts SET sale_amount = $1, fee_amount = $2, return_amount = $3, fee_refund_amount = $4, \
                     reversal_amount = $5, holdback_amount = $6, release_amount = $7, correction_amount = $8, \
                     charge_amount = $9, credit_amount = $10, commission_amount = $11, tax_amount = $12, repay_amount = $13, \
                     deposit_amount = $14, closing_debt = $15, settlement_amount = $16, entry_count = $17 WHERE id = $18",
                )
                .bind(t.sale_amount)
                .bind(t.fee_amount)
                .bind(t.return_amount)
                .bind(t.fee_refund_amount)
                .bind(t.reversal_amount)
                .bind(t.holdback_amount)
                .bind(t.release_amount)
                .bind(t.correction_amount)
                .bind(t.charge_amount)
                .bind(t.credit_amount)
                .bind(t.commission_amount)
                .bind(t.tax_amount)
                .bind(t.repay_amount)
                .bind(t.deposit_amount)
                .bind(t.closing_debt_balance_amount)
                .bind(t.settlement_amount)
                .bind(count)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                let sql = format!("SELECT {PAYOUT_COLUMNS} FROM payouts WHERE id = $1");
                let payout = sqlx::query_as::<_, PayoutRow>(&sql).bind(id).fetch_one(&mut *tx).await?;
                if let Some(job) = close.job {
                    let (kind, key, payload) = job(&payout);
                    sqlx::query(
                        "INSERT INTO jobs (kind, job_key, payload, run_at, created_at) VALUES ($1, $2, $3, $4, $4) \
                         ON CONFLICT (kind, job_key) DO NOTHING",
                    )
                    .bind(kind)
                    .bind(key)
                    .bind(payload)
                    .bind(close.now)
                    .execute(&mut *tx)
                    .await?;
                }
                made.push(payout);
                // `payout.paid` to the store's subscribed endpoints, in this transaction.
                crate::webhooks::enqueue_raw!(&mut *tx, close.store_id, "payout.paid", &reference, close.now);
            }
            tx.commit().await?;
            Ok(made)
        })
    }

    /// Every store's payout schedule as stored (`payout_schedule`, `payout_day`).
    pub async fn payout_schedules(&self) -> Result<Vec<(String, String, Option<i64>)>> {
        let sql = "SELECT id, payout_schedule, payout_day FROM stores ORDER BY id";
        Ok(on_pool!(self, p => sqlx::query_as::<_, (String, String, Option<i64>)>(sql).fetch_all(p).await)?)
    }

    /// The most recent scheduled period a store has closed (its cut-off), if any.
    pub async fn last_scheduled_period(&self, store_id: &str) -> Result<Option<i64>> {
        let sql = "SELECT MAX(period_end) FROM payouts WHERE store_id = $1 AND kind = 'scheduled'";
        Ok(on_pool!(self, p => sqlx::query_scalar::<_, Option<i64>>(sql).bind(store_id).fetch_one(p).await)?)
    }

    /// Whether a payout closing at `cutoff` would hold anything: open entries created
    /// before it, or a holdback whose reserve days end before it (released by that payout).
    pub async fn has_open_entries(&self, store_id: &str, cutoff: i64) -> Result<bool> {
        let sql = "SELECT id FROM ledger_entries WHERE store_id = $1 AND payout_id IS NULL AND created_at < $2 LIMIT 1";
        let open: Option<i64> =
            on_pool!(self, p => sqlx::query_scalar(sql).bind(store_id).bind(cutoff).fetch_optional(p).await)?;
        if open.is_some() {
            return Ok(true);
        }
        let sql = "SELECT h.id FROM ledger_entries h JOIN stores s ON s.id = h.store_id \
            WHERE h.store_id = $1 AND h.type = 'HOLDBACK' AND h.created_at + s.reserve_days * 86400000 < $2 \
            AND NOT EXISTS (SELECT 1 FROM ledger_entries r WHERE r.releases_entry_id = h.id) LIMIT 1";
        let due: Option<i64> =
            on_pool!(self, p => sqlx::query_scalar(sql).bind(store_id).bind(cutoff).fetch_optional(p).await)?;
        Ok(due.is_some())
    }

    /// The current debt of a store per currency (the last payout's closing debt).
    pub async fn current_debt(&self, store_id: &str, currency: &str) -> Result<i64> {
        let sql = "SELECT closing_debt FROM payouts WHERE store_id = $1 AND currency = $2 ORDER BY id DESC LIMIT 1";
        let debt: Option<i64> =
            on_pool!(self, p => sqlx::query_scalar(sql).bind(store_id).bind(currency).fetch_optional(p).await)?;
        Ok(debt.unwrap_or(0))
    }

    /// One payout of the stores by its payment reference.
    pub async fn payout_by_reference(&self, store_ids: &[String], reference: &str) -> Result<Option<PayoutRow>> {
        let q = PayoutQuery {
            store_ids: store_ids.to_vec(),
            ..PayoutQuery::default()
        };
        let (filter, texts, ints) = payout_where(&q);
        let n = texts.len() + ints.len() + 1;
        let sql = format!("SELECT {PAYOUT_COLUMNS} FROM payouts WHERE {filter} AND payment_reference = ${n}");
        Ok(
            on_pool!(self, p => bind_all!(sqlx::query_as::<_, PayoutRow>(&sql), &texts, &ints)
            .bind(reference)
            .fetch_optional(p)
            .await)?,
        )
    }

    /// A payout of any store by its payment reference (the back office).
    pub async fn payout_by_reference_anywhere(&self, reference: &str) -> Result<Option<PayoutRow>> {
        let sql = format!("SELECT {PAYOUT_COLUMNS} FROM payouts WHERE payment_reference = $1");
        Ok(on_pool!(self, p => sqlx::query_as::<_, PayoutRow>(&sql).bind(reference).fetch_optional(p).await)?)
    }

    /// A page of payouts, newest first, and how many match in all (offset pagination, as the
    /// Settlements API has it).
    pub async fn payouts_page(&self, q: &PayoutQuery, offset: i64, size: i64) -> Result<(Vec<PayoutRow>, i64)> {
        let (filter, texts, ints) = payout_where(q);
        let n = texts.len() + ints.len();
        let sql = format!(
            "SELECT {PAYOUT_COLUMNS} FROM payouts WHERE {filter} ORDER BY payout_date DESC, id DESC LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        let count_sql = format!("SELECT COUNT(*) FROM payouts WHERE {filter}");
        on_pool!(self, p => {
            let rows = bind_all!(sqlx::query_as::<_, PayoutRow>(&sql), &texts, &ints)
                .bind(size)
                .bind(offset)
                .fetch_all(p)
                .await?;
            let total: i64 = bind_all!(sqlx::query_scalar(&count_sql), &texts, &ints).fetch_one(p).await?;
            Ok((rows, total))
        })
    }

    /// Payouts newest first after a keyset cursor `(payout_date, id)` (the portal's pages).
    pub async fn payouts_after(
        &self,
        q: &PayoutQuery,
        after: Option<(i64, i64)>,
        limit: i64,
    ) -> Result<Vec<PayoutRow>> {
        let (filter, texts, mut ints) = payout_where(q);
        let mut sql = format!("SELECT {PAYOUT_COLUMNS} FROM payouts WHERE {filter}");
        if let Some((date, id)) = after {
            ints.push(date);
            ints.push(date);
            ints.push(id);
            let n = texts.len() + ints.len();
            sql.push_str(&format!(
                " AND (payout_date < ${} OR (payout_date = ${} AND id < ${}))",
                n - 2,
                n - 1,
                n
            ));
        }
        sql.push_str(&format!(
            " ORDER BY payout_date DESC, id DESC LIMIT ${}",
            texts.len() + ints.len() + 1
        ));
        Ok(
            on_pool!(self, p => bind_all!(sqlx::query_as::<_, PayoutRow>(&sql), &texts, &ints)
            .bind(limit)
            .fetch_all(p)
            .await)?,
        )
    }

    /// Payout totals per currency over a date range.
    pub async fn payouts_summary(&self, q: &PayoutQuery) -> Result<Vec<PayoutSummaryRow>> {
        let (filter, texts, ints) = payout_where(q);
        let sql = format!(
            "SELECT currency, COUNT(*) AS payouts, MIN(payout_date) AS first_payout_date, \
             MAX(payout_date) AS last_payout_date, SUM(sale_amount) AS sale_amount, SUM(fee_amount) AS fee_amount, \
             SUM(return_amount) AS return_amount, SUM(fee_refund_amount) AS fee_refund_amount, \
             SUM(reversal_amount) AS reversal_amount, SUM(holdback_amount) AS holdback_amount, \
             SUM(release_amount) AS release_amount, SUM(correction_amount) AS correction_amount, \
             SUM(charge_amount) AS charge_amount, SUM(credit_amount) AS credit_amount, \
             SUM(commission_amount) AS commission_amount, SUM(tax_amount) AS tax_amount, \
             SUM(repay_amount) AS repay_amount, SUM(settlement_amount) AS settlement_amount \
             FROM payouts WHERE {filter} GROUP BY currency ORDER BY currency"
        );
        // PostgreSQL sums BIGINTs as NUMERIC; cast back so both backends decode i64.
        let sql = if matches!(self.backend(), crate::Backend::Postgres) {
            sql.replace("SUM(", "CAST(SUM(")
                .replace("_amount) AS", "_amount) AS BIGINT) AS")
        } else {
            sql
        };
        Ok(
            on_pool!(self, p => bind_all!(sqlx::query_as::<_, PayoutSummaryRow>(&sql), &texts, &ints)
            .fetch_all(p)
            .await)?,
        )
    }

    /// A page of ledger entries of the stores (oldest first) and the total count.
    pub async fn entries_page(
        &self,
        store_ids: &[String],
        selection: &EntrySelection,
        offset: i64,
        size: i64,
    ) -> Result<(Vec<LedgerEntryRow>, i64)> {
        let mut texts: Vec<String> = store_ids.to_vec();
        let list = (1..=texts.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let list = if list.is_empty() { "NULL".to_owned() } else { list };
        let mut filter = format!("e.store_id IN ({list})");
        let mut ints: Vec<i64> = Vec::new();
        match selection {
            EntrySelection::Payout(id) => {
                ints.push(*id);
                filter.push_str(&format!(" AND e.payout_id = ${}", texts.len() + 1));
            }
            EntrySelection::Order(order_id) => {
                texts.push(order_id.clone());
                filter.push_str(&format!(" AND e.order_id = ${}", texts.len()));
            }
            EntrySelection::All => {}
        }
        let n = texts.len() + ints.len();
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM {ENTRY_FROM} WHERE {filter} ORDER BY e.id LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        let count_sql = format!("SELECT COUNT(*) FROM ledger_entries e WHERE {filter}");
        on_pool!(self, p => {
            let rows = bind_all!(sqlx::query_as::<_, LedgerEntryRow>(&sql), &texts, &ints)
                .bind(size)
                .bind(offset)
                .fetch_all(p)
                .await?;
            let total: i64 = bind_all!(sqlx::query_scalar(&count_sql), &texts, &ints).fetch_one(p).await?;
            Ok((rows, total))
        })
    }

    /// The entries of one payout after entry id `after`, oldest first: reports stream a
    /// payout in chunks with flat memory.
    pub async fn payout_entries_after(&self, payout_id: i64, after: i64, limit: i64) -> Result<Vec<LedgerEntryRow>> {
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM {ENTRY_FROM} WHERE e.payout_id = $1 AND e.id > $2 ORDER BY e.id LIMIT $3"
        );
        Ok(on_pool!(self, p => sqlx::query_as::<_, LedgerEntryRow>(&sql)
            .bind(payout_id)
            .bind(after)
            .bind(limit)
            .fetch_all(p)
            .await)?)
    }

    /// The entries of a store created in `[from, to)` after entry id `after`, oldest first
    /// (custom transaction reports).
    pub async fn store_entries_after(
        &self,
        store_id: &str,
        from: i64,
        to: i64,
        after: i64,
        limit: i64,
    ) -> Result<Vec<LedgerEntryRow>> {
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM {ENTRY_FROM} WHERE e.store_id = $1 AND e.id > $2 AND e.created_at >= $3 \
             AND e.created_at < $4 ORDER BY e.id LIMIT $5"
        );
        Ok(on_pool!(self, p => sqlx::query_as::<_, LedgerEntryRow>(&sql)
            .bind(store_id)
            .bind(after)
            .bind(from)
            .bind(to)
            .bind(limit)
            .fetch_all(p)
            .await)?)
    }
}
