//! The back office's view of payouts: every merchant's payouts with the merchant and store
//! they went to, filtered and paged by keyset, and a store's corrections.

use crate::ledger::{LedgerEntryRow, ENTRY_COLUMNS, ENTRY_FROM};
use crate::payouts::{PayoutRow, PAYOUT_COLUMNS};
use crate::{on_pool, Db, Result};

/// A payout with whose it is.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PayoutRunRow {
    #[sqlx(flatten)]
    pub payout: PayoutRow,
    pub merchant_id: i64,
    pub merchant_name: String,
    pub store_name: String,
}

/// Filters of the back office's payout runs (times in Unix ms, `to` exclusive).
#[derive(Debug, Clone, Default)]
pub struct PayoutRunFilter {
    pub store_id: Option<String>,
    pub currency: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// `scheduled` or `manual`.
    pub kind: Option<String>,
}

/// The payout columns qualified with the payouts table's alias `p`, for joins.
fn payout_columns() -> String {
    PAYOUT_COLUMNS
        .split(',')
        .map(|c| format!("p.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn run_select() -> String {
    format!(
        "SELECT {}, s.merchant_id, m.legal_name AS merchant_name, s.name AS store_name \
         FROM payouts p JOIN stores s ON s.id = p.store_id JOIN merchants m ON m.id = s.merchant_id",
        payout_columns()
    )
}

impl Db {
    /// Payouts of every store newest first (`payout_date`, then id), after the keyset
    /// `after` = (payout_date, id) of the previous page's last row.
    pub async fn payout_runs_after(
        &self,
        f: &PayoutRunFilter,
        after: Option<(i64, i64)>,
        limit: i64,
    ) -> Result<Vec<PayoutRunRow>> {
        let mut texts: Vec<&str> = Vec::new();
        let mut ints: Vec<i64> = Vec::new();
        let mut conditions: Vec<String> = Vec::new();
        for (column, value) in [
            ("p.store_id", &f.store_id),
            ("p.currency", &f.currency),
            ("p.kind", &f.kind),
        ] {
            if let Some(v) = value {
                texts.push(v);
                conditions.push(format!("{column} = ${}", texts.len()));
            }
        }
        let n = |ints: &Vec<i64>| texts.len() + ints.len();
        if let Some(from) = f.from {
            ints.push(from);
            conditions.push(format!("p.payout_date >= ${}", n(&ints)));
        }
        if let Some(to) = f.to {
            ints.push(to);
            conditions.push(format!("p.payout_date < ${}", n(&ints)));
        }
        if let Some((date, id)) = after {
            ints.extend([date, date, id]);
            let k = n(&ints);
            conditions.push(format!(
                "(p.payout_date < ${} OR (p.payout_date = ${} AND p.id < ${k}))",
                k - 2,
                k - 1
            ));
        }
        ints.push(limit);
        let mut sql = run_select();
        if !conditions.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&conditions.join(" AND "));
        }
        sql.push_str(&format!(" ORDER BY p.payout_date DESC, p.id DESC LIMIT ${}", n(&ints)));
        on_pool!(self, p => {
            let mut q = sqlx::query_as::<_, PayoutRunRow>(&sql);
            for t in &texts {
                q = q.bind(*t);
            }
            for i in &ints {
                q = q.bind(*i);
            }
            Ok(q.fetch_all(p).await?)
        })
    }

    /// One payout of any store by its payment reference, with whose it is.
    pub async fn payout_run(&self, reference: &str) -> Result<Option<PayoutRunRow>> {
        let sql = format!("{} WHERE p.payment_reference = $1", run_select());
        Ok(on_pool!(self, p => sqlx::query_as::<_, PayoutRunRow>(&sql).bind(reference).fetch_optional(p).await)?)
    }

    /// A store's most recent corrections, newest first.
    pub async fn store_corrections(&self, store_id: &str, limit: i64) -> Result<Vec<LedgerEntryRow>> {
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM {ENTRY_FROM} WHERE e.store_id = $1 AND e.type = 'CORRECTION' \
             ORDER BY e.id DESC LIMIT $2"
        );
        Ok(on_pool!(self, p => sqlx::query_as::<_, LedgerEntryRow>(&sql)
            .bind(store_id)
            .bind(limit)
            .fetch_all(p)
            .await)?)
    }
}
