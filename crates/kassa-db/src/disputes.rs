//! Disputes, their messages and attachments. Every change to a dispute is made inside the
//! transaction that holds its order's lock ([`Tx::lock_order`]), so a dispute, the order's
//! refunds and the ledger postings of both change one at a time.

use crate::{bind_all, on_pool, on_tx, Db, DbError, Result, Tx};
use kassa_core::dispute::{Outcome, Reason, Stage};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DisputeRow {
    pub id: String,
    pub store_id: String,
    pub order_id: String,
    #[sqlx(try_from = "String")]
    pub reason: Reason,
    #[sqlx(try_from = "String")]
    pub stage: Stage,
    /// Read with [`DisputeRow::outcome`].
    pub outcome: Option<String>,
    pub amount: i64,
    pub currency: String,
    pub deadline_at: Option<i64>,
    pub reminded_at: Option<i64>,
    pub opened_by: String,
    pub opened_at: i64,
    pub updated_at: i64,
    pub closed_at: Option<i64>,
}

impl DisputeRow {
    pub fn outcome(&self) -> Option<Outcome> {
        self.outcome.as_deref().and_then(|o| o.parse().ok())
    }
}

const DISPUTE_COLUMNS: &str = "d.id, d.store_id, d.order_id, d.reason, d.stage, d.outcome, d.amount, d.currency, \
    d.deadline_at, d.reminded_at, d.opened_by, d.opened_at, d.updated_at, d.closed_at";

/// A dispute in a list, with its order's references.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DisputeListRow {
    #[sqlx(flatten)]
    pub dispute: DisputeRow,
    pub short_reference: String,
    pub merchant_reference1: Option<String>,
    pub customer_name: String,
}

/// One message of a dispute.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DisputeMessageRow {
    pub id: i64,
    pub dispute_id: String,
    /// `claim`, `request`, `response`, `decision` or `note`.
    pub kind: String,
    pub author_kind: String,
    pub author: String,
    pub body: String,
    pub requested_fields: String,
    pub deadline_at: Option<i64>,
    pub created_at: i64,
}

/// A file sent with a response.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DisputeAttachmentRow {
    pub id: String,
    pub dispute_id: String,
    pub message_id: i64,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub object_key: String,
    pub created_at: i64,
}

/// Which disputes a list shows.
#[derive(Debug, Clone, Default)]
pub struct DisputeQuery {
    /// The stores to look in; ignored when `everywhere` (the back office).
    pub store_ids: Vec<String>,
    pub everywhere: bool,
    pub stages: Vec<Stage>,
    pub reason: Option<Reason>,
    /// Only disputes whose deadline is before this (Unix ms).
    pub deadline_before: Option<i64>,
    /// Dispute id, order id, short order reference or merchant reference (exact).
    pub search: Option<String>,
    pub order_id: Option<String>,
    pub merchant_id: Option<i64>,
}

/// Builds the WHERE text and its text binds (numbered from `$1`).
fn dispute_where(q: &DisputeQuery) -> (String, Vec<String>, Vec<i64>) {
    let mut texts: Vec<String> = Vec::new();
    let mut clauses: Vec<String> = Vec::new();
    if !q.everywhere {
        let mut list = Vec::new();
        for id in &q.store_ids {
            texts.push(id.clone());
            list.push(format!("${}", texts.len()));
        }
        if list.is_empty() {
            list.push("NULL".into());
        }
        clauses.push(format!("d.store_id IN ({})", list.join(", ")));
    }
    if !q.stages.is_empty() {
        let mut list = Vec::new();
        for s in &q.stages {
            texts.push(s.code().to_owned());
            list.push(format!("${}", texts.len()));
        }
        clauses.push(format!("d.stage IN ({})", list.join(", ")));
    }
    if let Some(r) = q.reason {
        texts.push(r.code().to_owned());
        clauses.push(format!("d.reason = ${}", texts.len()));
    }
    if let Some(o) = &q.order_id {
        texts.push(o.clone());
        clauses.push(format!("d.order_id = ${}", texts.len()));
    }
    if let Some(s) = q.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        texts.push(s.to_owned());
        let n = texts.len();
        clauses.push(format!(
            "(d.id = ${n} OR d.order_id = ${n} OR o.short_reference = ${n} OR o.merchant_reference1 = ${n} \
             OR o.merchant_reference2 = ${n})"
        ));
    }
    let mut ints = Vec::new();
    if let Some(t) = q.deadline_before {
        ints.push(t);
        clauses.push(format!("d.deadline_at < ${}", texts.len() + ints.len()));
    }
    if let Some(m) = q.merchant_id {
        ints.push(m);
        clauses.push(format!(
            "d.store_id IN (SELECT id FROM stores WHERE merchant_id = ${})",
            texts.len() + ints.len()
        ));
    }
    if clauses.is_empty() {
        clauses.push("TRUE".into());
    }
    (clauses.join(" AND "), texts, ints)
}

impl Tx {
    pub async fn insert_dispute(&mut self, d: &DisputeRow) -> Result<()> {
        let sql =
            "INSERT INTO disputes (id, store_id, order_id, reason, stage, outcome, amount, currency, deadline_at, \
                   reminded_at, opened_by, opened_at, updated_at, closed_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";
        on_tx!(self, c => sqlx::query(sql)
            .bind(&d.id)
            .bind(&d.store_id)
            .bind(&d.order_id)
            .bind(d.reason.code())
            .bind(d.stage.code())
            .bind(&d.outcome)
            .bind(d.amount)
            .bind(&d.currency)
            .bind(d.deadline_at)
            .bind(d.reminded_at)
            .bind(&d.opened_by)
            .bind(d.opened_at)
            .bind(d.updated_at)
            .bind(d.closed_at)
            .execute(c)
            .await
            .map(|_| ()))
        .map_err(|e| DbError::from_insert(e, "an open dispute of this order"))
    }

    /// The dispute of an order already locked in this transaction.
    pub async fn dispute_in_tx(&mut self, store_id: &str, id: &str) -> Result<Option<DisputeRow>> {
        let sql = format!("SELECT {DISPUTE_COLUMNS} FROM disputes d WHERE d.id = $1 AND d.store_id = $2");
        Ok(on_tx!(self, c => sqlx::query_as::<_, DisputeRow>(&sql).bind(id).bind(store_id).fetch_optional(c).await)?)
    }

    /// The order's open dispute, if any.
    pub async fn open_dispute_of_order(&mut self, order_id: &str) -> Result<Option<DisputeRow>> {
        let sql = format!("SELECT {DISPUTE_COLUMNS} FROM disputes d WHERE d.order_id = $1 AND d.stage <> 'closed'");
        Ok(on_tx!(self, c => sqlx::query_as::<_, DisputeRow>(&sql).bind(order_id).fetch_optional(c).await)?)
    }

    /// Writes back a dispute's stage, outcome, deadline and times.
    pub async fn update_dispute(&mut self, d: &DisputeRow) -> Result<()> {
        let sql = "UPDATE disputes SET stage = $2, outcome = $3, deadline_at = $4, reminded_at = $5, updated_at = $6, \
                   closed_at = $7 WHERE id = $1";
        on_tx!(self, c => sqlx::query(sql)
            .bind(&d.id)
            .bind(d.stage.code())
            .bind(&d.outcome)
            .bind(d.deadline_at)
            .bind(d.reminded_at)
            .bind(d.updated_at)
            .bind(d.closed_at)
            .execute(c)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Adds a message; returns its id.
    pub async fn insert_dispute_message(&mut self, m: &DisputeMessageRow) -> Result<i64> {
        let sql = "INSERT INTO dispute_messages (dispute_id, kind, author_kind, author, body, requested_fields, \
                   deadline_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id";
        Ok(on_tx!(self, c => sqlx::query_scalar::<_, i64>(sql)
            .bind(&m.dispute_id)
            .bind(&m.kind)
            .bind(&m.author_kind)
            .bind(&m.author)
            .bind(&m.body)
            .bind(&m.requested_fields)
            .bind(m.deadline_at)
            .bind(m.created_at)
            .fetch_one(c)
            .await)?)
    }

    pub async fn insert_dispute_attachment(&mut self, a: &DisputeAttachmentRow) -> Result<()> {
        let sql = "INSERT INTO dispute_attachments (id, dispute_id, message_id, filename, content_type, size_bytes, \
                   object_key, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
        on_tx!(self, c => sqlx::query(sql)
            .bind(&a.id)
            .bind(&a.dispute_id)
            .bind(a.message_id)
            .bind(&a.filename)
            .bind(&a.content_type)
            .bind(a.size_bytes)
            .bind(&a.object_key)
            .bind(a.created_at)
            .execute(c)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// The store's dispute fee, read with the change that charges it.
    pub async fn dispute_fee(&mut self, store_id: &str) -> Result<i64> {
        let sql = "SELECT dispute_fee_minor FROM stores WHERE id = $1";
        Ok(on_tx!(self, c => sqlx::query_scalar::<_, i64>(sql).bind(store_id).fetch_optional(c).await)?.unwrap_or(0))
    }
}

impl Db {
    /// A dispute of one of the stores (or of any store, for the back office).
    pub async fn dispute(&self, store_ids: Option<&[String]>, id: &str) -> Result<Option<DisputeRow>> {
        let row = {
            let sql = format!("SELECT {DISPUTE_COLUMNS} FROM disputes d WHERE d.id = $1");
            on_pool!(self, p => sqlx::query_as::<_, DisputeRow>(&sql).bind(id).fetch_optional(p).await)?
        };
        Ok(row.filter(|d| store_ids.is_none_or(|ids| ids.contains(&d.store_id))))
    }

    /// A page of disputes, most urgent first: open ones by deadline (none last), then the
    /// newest. Keyset pages are not needed at dispute volumes; `offset` pages.
    pub async fn disputes_page(&self, q: &DisputeQuery, offset: i64, limit: i64) -> Result<(Vec<DisputeListRow>, i64)> {
        let (filter, texts, ints) = dispute_where(q);
        let n = texts.len() + ints.len();
        let sql = format!(
            "SELECT {DISPUTE_COLUMNS}, o.short_reference, o.merchant_reference1, o.customer_name \
             FROM disputes d JOIN orders o ON o.order_id = d.order_id WHERE {filter} \
             ORDER BY CASE WHEN d.deadline_at IS NULL THEN 1 ELSE 0 END, d.deadline_at, d.opened_at DESC, d.id \
             LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        let count = format!("SELECT COUNT(*) FROM disputes d JOIN orders o ON o.order_id = d.order_id WHERE {filter}");
        on_pool!(self, p => {
            let rows = bind_all!(sqlx::query_as::<_, DisputeListRow>(&sql), &texts, &ints)
                .bind(limit)
                .bind(offset)
                .fetch_all(p)
                .await?;
            let total: i64 = bind_all!(sqlx::query_scalar(&count), &texts, &ints).fetch_one(p).await?;
            Ok((rows, total))
        })
    }

    /// How many disputes of the stores are in each stage.
    pub async fn dispute_stage_counts(&self, store_ids: &[String]) -> Result<Vec<(Stage, i64)>> {
        let q = DisputeQuery {
            store_ids: store_ids.to_vec(),
            ..DisputeQuery::default()
        };
        let (filter, texts, ints) = dispute_where(&q);
        let sql = format!("SELECT d.stage, COUNT(*) FROM disputes d WHERE {filter} GROUP BY d.stage");
        let rows: Vec<(String, i64)> =
            on_pool!(self, p => bind_all!(sqlx::query_as(&sql), &texts, &ints).fetch_all(p).await)?;
        Ok(rows
            .into_iter()
            .filter_map(|(s, n)| s.parse().ok().map(|s| (s, n)))
            .collect())
    }

    pub async fn dispute_messages(&self, dispute_id: &str) -> Result<Vec<DisputeMessageRow>> {
        let sql = "SELECT id, dispute_id, kind, author_kind, author, body, requested_fields, deadline_at, created_at \
                   FROM dispute_messages WHERE dispute_id = $1 ORDER BY id";
        Ok(on_pool!(self, p => sqlx::query_as::<_, DisputeMessageRow>(sql).bind(dispute_id).fetch_all(p).await)?)
    }

    pub async fn dispute_attachments(&self, dispute_id: &str) -> Result<Vec<DisputeAttachmentRow>> {
        let sql = "SELECT id, dispute_id, message_id, filename, content_type, size_bytes, object_key, created_at \
                   FROM dispute_attachments WHERE dispute_id = $1 ORDER BY created_at, id";
        Ok(on_pool!(self, p => sqlx::query_as::<_, DisputeAttachmentRow>(sql).bind(dispute_id).fetch_all(p).await)?)
    }

    /// Disputes whose deadline passed unanswered (store, id), oldest deadline first.
    pub async fn disputes_past_deadline(&self, now: i64, limit: i64) -> Result<Vec<(String, String, String)>> {
        let sql = "SELECT store_id, order_id, id FROM disputes WHERE stage = 'response_required' AND deadline_at < $1 \
                   ORDER BY deadline_at LIMIT $2";
        Ok(
            on_pool!(self, p => sqlx::query_as::<_, (String, String, String)>(sql).bind(now).bind(limit).fetch_all(p).await)?,
        )
    }

    /// Disputes awaiting a response whose deadline is before `by` and that were not reminded
    /// of this deadline yet.
    pub async fn disputes_to_remind(&self, by: i64, limit: i64) -> Result<Vec<DisputeRow>> {
        let sql = format!(
            "SELECT {DISPUTE_COLUMNS} FROM disputes d WHERE d.stage = 'response_required' AND d.deadline_at < $1 \
             AND d.reminded_at IS NULL ORDER BY d.deadline_at LIMIT $2"
        );
        Ok(on_pool!(self, p => sqlx::query_as::<_, DisputeRow>(&sql).bind(by).bind(limit).fetch_all(p).await)?)
    }
}

impl Db {
    /// The store of an order (any store: the back office opens disputes by order id).
    pub async fn store_of_order(&self, order_id: &str) -> Result<Option<String>> {
        let sql = "SELECT store_id FROM orders WHERE order_id = $1";
        Ok(on_pool!(self, p => sqlx::query_scalar::<_, String>(sql).bind(order_id).fetch_optional(p).await)?)
    }
}

impl Tx {
    /// Marks a dispute reminded of its current deadline; false when another process did it
    /// first (or the deadline changed), so each reminder is queued once.
    pub async fn mark_dispute_reminded(&mut self, id: &str, deadline_at: i64, now: i64) -> Result<bool> {
        let sql = "UPDATE disputes SET reminded_at = $1 WHERE id = $2 AND deadline_at = $3 AND reminded_at IS NULL";
        let n = on_tx!(self, c => sqlx::query(sql)
            .bind(now)
            .bind(id)
            .bind(deadline_at)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }
}

/// Someone to tell about a store's disputes.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DisputeRecipient {
    pub email: String,
    pub name: String,
    pub language: String,
    pub timezone: String,
}

impl Db {
    /// The active members of a store whose role is one of `roles` (those who handle disputes).
    pub async fn store_members_in_roles(&self, store_id: &str, roles: &[&str]) -> Result<Vec<DisputeRecipient>> {
        let list = (0..roles.len())
            .map(|i| format!("${}", i + 2))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT u.email, u.name, u.language, u.timezone FROM memberships m JOIN users u ON u.id = m.user_id \
             WHERE m.store_id = $1 AND u.status = 'active' AND m.deactivated_at IS NULL AND m.role IN ({list}) ORDER BY u.email"
        );
        on_pool!(self, p => {
            let mut q = sqlx::query_as::<_, DisputeRecipient>(&sql).bind(store_id);
            for r in roles {
                q = q.bind(*r);
            }
            Ok(q.fetch_all(p).await?)
        })
    }
}
