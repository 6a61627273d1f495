//! What the portal's Settlements section reads beyond the API's reads: payouts in keyset
//! pages, a payout with its period and a page of its transactions, and the currencies its
//! filter offers. Scoped as [`super::payouts`] is: members with the settlements permission
//! and API keys read their own store, provider staff every store.

use super::reads::{scope, PayoutFilter, Scope};
use crate::{Actor, AppError, AppResult, Missing};
use kassa_db::{Db, EntrySelection, LedgerEntryRow, PayoutRow};

/// Payouts newest first after the keyset cursor `(payout_date, id)` of the last row seen.
pub async fn payouts_after(
    db: &Db,
    actor: &Actor,
    filter: &PayoutFilter,
    after: Option<(i64, i64)>,
    limit: i64,
) -> AppResult<Vec<PayoutRow>> {
    Ok(db
        .payouts_after(&filter.query(actor)?, after, limit.clamp(1, 500))
        .await?)
}

/// The currencies the actor's store has payouts in.
pub async fn payout_currencies(db: &Db, actor: &Actor) -> AppResult<Vec<String>> {
    match scope(actor, None)? {
        Scope::Stores(ids) => {
            let mut all = Vec::new();
            for id in ids {
                all.extend(db.payout_currencies(&id).await?);
            }
            all.sort();
            all.dedup();
            Ok(all)
        }
        Scope::Everywhere => Err(AppError::Forbidden),
    }
}

/// One payout as its page shows it.
#[derive(Debug, Clone)]
pub struct PayoutPage {
    pub payout: PayoutRow,
    /// Where its period starts (the previous payout's end, or its first entry).
    pub period_start: Option<i64>,
    /// One page of its transactions, oldest first, and how many it has in all.
    pub transactions: Vec<LedgerEntryRow>,
    pub total: i64,
}

/// A payout of the actor's store with the `page`-th (from 0) page of `size` transactions.
pub async fn payout_page(db: &Db, actor: &Actor, reference: &str, page: i64, size: i64) -> AppResult<PayoutPage> {
    let ids = match scope(actor, None)? {
        Scope::Stores(ids) => ids,
        Scope::Everywhere => return Err(AppError::Forbidden),
    };
    let payout = db
        .payout_by_reference(&ids, reference)
        .await?
        .ok_or(AppError::NotFound(Missing::Other("payout")))?;
    let size = size.clamp(1, 500);
    let (transactions, total) = db
        .entries_page(&ids, &EntrySelection::Payout(payout.id), page.max(0) * size, size)
        .await?;
    Ok(PayoutPage {
        period_start: db.payout_period_start(payout.id).await?,
        payout,
        transactions,
        total,
    })
}

/// What the Balance page shows: the open balance and the latest payouts.
#[derive(Debug, Clone)]
pub struct Overview {
    pub balance: super::Balance,
    pub latest: Vec<PayoutRow>,
}

/// The actor's store's open balance and its `latest` newest payouts.
pub async fn overview(db: &Db, actor: &Actor, latest: i64) -> AppResult<Overview> {
    let balance = super::balance(db, actor, None).await?;
    let latest = payouts_after(db, actor, &PayoutFilter::default(), None, latest).await?;
    Ok(Overview { balance, latest })
}

/// One page of the payouts list and the currencies its filter offers.
#[derive(Debug, Clone)]
pub struct PayoutList {
    pub rows: Vec<PayoutRow>,
    pub currencies: Vec<String>,
}

/// Up to `limit` payouts of the actor's store after the cursor, with the filter's currencies.
pub async fn payout_list(
    db: &Db,
    actor: &Actor,
    filter: &PayoutFilter,
    after: Option<(i64, i64)>,
    limit: i64,
) -> AppResult<PayoutList> {
    let rows = payouts_after(db, actor, filter, after, limit).await?;
    Ok(PayoutList {
        currencies: payout_currencies(db, actor).await?,
        rows,
    })
}
