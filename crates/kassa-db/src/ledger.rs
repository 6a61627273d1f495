//! The settlement ledger: entries posted inside the transaction of the money event that
//! makes them, and read back per order, per payout and as a store's open balance.

use crate::deferred::write_later;
use crate::{on_pool, on_tx, Db, Result, Tx};
use kassa_core::settlement::{DetailedType, TxType};

/// An entry to post. Amounts as the Settlements API reports them (see
/// [`kassa_core::settlement`]); `net` is derived from the type.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub store_id: String,
    pub currency: String,
    pub kind: TxType,
    pub detail: DetailedType,
    pub amount: i64,
    pub vat_rate: Option<i64>,
    pub vat_amount: Option<i64>,
    pub order_id: Option<String>,
    pub short_order_id: Option<String>,
    pub capture_id: Option<String>,
    pub refund_id: Option<String>,
    pub merchant_reference1: Option<String>,
    pub merchant_reference2: Option<String>,
    pub merchant_capture_reference: Option<String>,
    pub merchant_refund_reference: Option<String>,
    pub purchase_country: String,
    pub shipping_country: Option<String>,
    pub payment_method: Option<String>,
    pub sale_date: i64,
    pub capture_date: i64,
    pub comment: Option<String>,
    pub reversal_reference: Option<String>,
    /// For a RELEASE: the HOLDBACK entry it releases (each is released once).
    pub releases_entry_id: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
}

/// A posted entry, with the payment reference of the payout that closed it (if any).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LedgerEntryRow {
    pub id: i64,
    pub store_id: String,
    pub currency: String,
    #[sqlx(rename = "type", try_from = "String")]
    pub kind: TxType,
    #[sqlx(try_from = "String")]
    pub detailed_type: DetailedType,
    pub amount: i64,
    pub net: i64,
    pub vat_rate: Option<i64>,
    pub vat_amount: Option<i64>,
    pub order_id: Option<String>,
    pub short_order_id: Option<String>,
    pub capture_id: Option<String>,
    pub refund_id: Option<String>,
    pub merchant_reference1: Option<String>,
    pub merchant_reference2: Option<String>,
    pub merchant_capture_reference: Option<String>,
    pub merchant_refund_reference: Option<String>,
    pub purchase_country: String,
    pub shipping_country: Option<String>,
    pub payment_method: Option<String>,
    pub sale_date: i64,
    pub capture_date: i64,
    pub comment: Option<String>,
    pub reversal_reference: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub payout_id: Option<i64>,
    pub payment_reference: Option<String>,
}

pub(crate) const ENTRY_COLUMNS: &str = "e.id, e.store_id, e.currency, e.type, e.detailed_type, e.amount, e.net, \
    e.vat_rate, e.vat_amount, e.order_id, e.short_order_id, e.capture_id, e.refund_id, e.merchant_reference1, \
    e.merchant_reference2, e.merchant_capture_reference, e.merchant_refund_reference, e.purchase_country, \
    e.shipping_country, e.payment_method, e.sale_date, e.capture_date, e.comment, e.reversal_reference, \
    e.created_by, e.created_at, e.payout_id, p.payment_reference";

/// Entries joined to their payout's reference.
pub(crate) const ENTRY_FROM: &str = "ledger_entries e LEFT JOIN payouts p ON p.id = e.payout_id";

const INSERT_ENTRY: &str =
    "INSERT INTO ledger_entries (store_id, currency, type, detailed_type, amount, net, vat_rate, \
    vat_amount, order_id, short_order_id, capture_id, refund_id, merchant_reference1, merchant_reference2, \
    merchant_capture_reference, merchant_refund_reference, purchase_country, shipping_country, payment_method, \
    sale_date, capture_date, comment, reversal_reference, releases_entry_id, created_by, created_at) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, \
    $24, $25, $26)";

/// A store's settings that decide what its money events post.
#[derive(Debug, Clone, Copy, Default)]
pub struct PostingTerms {
    pub bps: i64,
    pub fixed_minor: i64,
    pub refunds_fees: bool,
    pub reserve_bps: i64,
}

/// The columns of a store's [`PostingTerms`] for one payment method (`$1` the store, `$2`
/// the method), as posting reads them.
const TERMS: &str = "COALESCE(f.bps, 0), COALESCE(f.fixed_minor, 0), s.refunds_fees, s.reserve_bps FROM stores s \
    LEFT JOIN store_fees f ON f.store_id = s.id AND f.payment_method = $2 WHERE s.id = $1";

/// [`TERMS`] as read: fee in basis points, fixed fee, whether refunds give fees back,
/// reserve in basis points.
type TermsRow = (i64, i64, bool, i64);

impl From<TermsRow> for PostingTerms {
    fn from((bps, fixed_minor, refunds_fees, reserve_bps): TermsRow) -> PostingTerms {
        PostingTerms {
            bps,
            fixed_minor,
            refunds_fees,
            reserve_bps,
        }
    }
}

/// One type's open total in one currency.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OpenTotal {
    pub currency: String,
    #[sqlx(rename = "type", try_from = "String")]
    pub kind: TxType,
    pub amount: i64,
    pub entries: i64,
}

impl Tx {
    /// Posts entries (in the caller's transaction, so they commit with the event).
    pub async fn insert_ledger_entries(&mut self, entries: &[NewEntry]) -> Result<()> {
        // On PostgreSQL a capture's sale, fees and reserve go in one statement instead of one
        // each; SQLite sends a few deferred statements in one trip anyway.
        let few = match self.backend() {
            crate::Backend::Sqlite => 8,
            crate::Backend::Postgres => 1,
        };
        if entries.len() > few {
            return self.insert_ledger_entries_bulk(entries).await;
        }
        for e in entries {
            write_later!(
                self,
                INSERT_ENTRY,
                [
                    &e.store_id,
                    &e.currency,
                    e.kind.code(),
                    e.detail.code(),
                    e.amount,
                    e.kind.net(e.amount),
                    e.vat_rate,
                    e.vat_amount,
                    &e.order_id,
                    &e.short_order_id,
                    &e.capture_id,
                    &e.refund_id,
                    &e.merchant_reference1,
                    &e.merchant_reference2,
                    &e.merchant_capture_reference,
                    &e.merchant_refund_reference,
                    &e.purchase_country,
                    &e.shipping_country,
                    &e.payment_method,
                    e.sale_date,
                    e.capture_date,
                    &e.comment,
                    &e.reversal_reference,
                    e.releases_entry_id,
                    &e.created_by,
                    e.created_at
                ]
            )?;
        }
        Ok(())
    }

    /// Posts many entries with multi-row INSERTs (bulk seeding: the demo's large stores and
    /// the settlements benchmark). Same rows as [`Tx::insert_ledger_entries`].
    pub async fn insert_ledger_entries_bulk(&mut self, entries: &[NewEntry]) -> Result<()> {
        // 26 binds a row: 500 rows stay under SQLite's and PostgreSQL's bind limits.
        for chunk in entries.chunks(500) {
            on_tx!(self, c => {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO ledger_entries (store_id, currency, type, detailed_type, amount, net, vat_rate, vat_amount, \
                     order_id, short_order_id, capture_id, refund_id, merchant_reference1, merchant_reference2, \
                     merchant_capture_reference, merchant_refund_reference, purchase_country, shipping_country, \
                     payment_method, sale_date, capture_date, comment, reversal_reference, releases_entry_id, created_by, \
                     created_at) ",
                );
                q.push_values(chunk, |mut b, e| {
                    b.push_bind(&e.store_id).push_bind(&e.currency).push_bind(e.kind.code()).push_bind(e.detail.code())
                        .push_bind(e.amount).push_bind(e.kind.net(e.amount)).push_bind(e.vat_rate).push_bind(e.vat_amount)
                        .push_bind(&e.order_id).push_bind(&e.short_order_id).push_bind(&e.capture_id).push_bind(&e.refund_id)
                        .push_bind(&e.merchant_reference1).push_bind(&e.merchant_reference2)
                        .push_bind(&e.merchant_capture_reference).push_bind(&e.merchant_refund_reference)
                        .push_bind(&e.purchase_country).push_bind(&e.shipping_country).push_bind(&e.payment_method)
                        .push_bind(e.sale_date).push_bind(e.capture_date).push_bind(&e.comment)
                        .push_bind(&e.reversal_reference).push_bind(e.releases_entry_id).push_bind(&e.created_by)
                        .push_bind(e.created_at);
                });
                q.build().execute(c).await.map(|_| ())
            })?;
        }
        Ok(())
    }

    /// The fee terms of `method` at a store, read in the event's transaction.
    pub async fn posting_terms(&mut self, store_id: &str, method: &str) -> Result<PostingTerms> {
        let sql = format!("SELECT {TERMS}");
        let row: Option<TermsRow> =
            on_tx!(self, c => sqlx::query_as(&sql).bind(store_id).bind(method).fetch_optional(c).await)?;
        Ok(row.map(PostingTerms::from).unwrap_or_default())
    }

    /// A new capture's sequence number on the order (1 for the first) and the fee terms of
    /// `method` at the store, in one statement: both are read while the unit holds the
    /// writer, and on SQLite each statement is a trip to it.
    pub async fn capture_seq_and_terms(
        &mut self,
        order_id: &str,
        store_id: &str,
        method: &str,
    ) -> Result<(i64, PostingTerms)> {
        let sql = format!("SELECT (SELECT COALESCE(MAX(seq), 0) + 1 FROM captures WHERE order_id = $3), {TERMS}");
        let row: Option<(i64, i64, i64, bool, i64)> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(store_id)
            .bind(method)
            .bind(order_id)
            .fetch_optional(c)
            .await)?;
        Ok(match row {
            Some((seq, bps, fixed_minor, refunds_fees, reserve_bps)) => {
                (seq, PostingTerms::from((bps, fixed_minor, refunds_fees, reserve_bps)))
            }
            None => (self.next_capture_seq(order_id).await?, PostingTerms::default()),
        })
    }

    /// The percentage fees charged on an order and not yet refunded.
    pub async fn percentage_fee_left(&mut self, order_id: &str) -> Result<i64> {
        let sql = "SELECT CAST(COALESCE(SUM(CASE WHEN detailed_type = 'PURCHASE_FEE_PERCENTAGE' THEN amount \
            WHEN detailed_type = 'PURCHASE_FEE_PERCENTAGE_REFUND' THEN -amount ELSE 0 END), 0) AS BIGINT) \
            FROM ledger_entries WHERE order_id = $1";
        Ok(on_tx!(self, c => sqlx::query_scalar::<_, i64>(sql).bind(order_id).fetch_one(c).await)?)
    }
}

impl Db {
    /// Every entry of an order, oldest first.
    pub async fn ledger_of_order(&self, store_id: &str, order_id: &str) -> Result<Vec<LedgerEntryRow>> {
        // The store is checked on the order's few entries, never looked up: both databases
        // took (store_id, id) as readily as (order_id, id), both giving the order of `e.id`,
        // and read a million-entry store's range for every order page (SQLite 170 ms,
        // PostgreSQL 90 ms).
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM {ENTRY_FROM} WHERE e.order_id = $1 AND (e.store_id || '') = $2 ORDER BY e.id"
        );
        Ok(
            on_pool!(self, p => sqlx::query_as::<_, LedgerEntryRow>(&sql).bind(order_id).bind(store_id).fetch_all(p).await)?,
        )
    }

    /// The entries no payout has closed yet, summed by currency and type.
    pub async fn open_totals(&self, store_id: &str) -> Result<Vec<OpenTotal>> {
        let sql = "SELECT currency, type, CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS amount, COUNT(*) AS entries FROM ledger_entries \
            WHERE store_id = $1 AND payout_id IS NULL GROUP BY currency, type ORDER BY currency, type";
        Ok(on_pool!(self, p => sqlx::query_as::<_, OpenTotal>(sql).bind(store_id).fetch_all(p).await)?)
    }

    /// The sum of every entry's effect on a store's balance, per currency (open and paid
    /// out): what the ledger invariants are checked against.
    pub async fn ledger_net_by_currency(&self, store_id: &str) -> Result<Vec<(String, i64, i64)>> {
        let sql = "SELECT currency, CAST(COALESCE(SUM(net), 0) AS BIGINT), CAST(COALESCE(SUM(CASE WHEN payout_id IS NULL THEN net ELSE 0 END), 0) AS BIGINT) \
            FROM ledger_entries WHERE store_id = $1 GROUP BY currency ORDER BY currency";
        Ok(on_pool!(self, p => sqlx::query_as::<_, (String, i64, i64)>(sql).bind(store_id).fetch_all(p).await)?)
    }
}
