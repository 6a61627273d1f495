//! What may be read of the ledger, and by whom: a portal member with the settlements
//! permission and an API key read their own store; provider staff read every store.

use crate::operators::require_ops;
use crate::{now_ms, Actor, ActorKind, AppError, AppResult, Missing};
use kassa_core::access::{allows, Onboarding, Permission};
use kassa_core::ops_access::OpsPermission;
use kassa_core::settlement::{from_ms, next_cutoff, to_ms, Totals, TxType};
use kassa_core::store_settings::PayoutSchedule;
use kassa_db::{Db, EntrySelection, LedgerEntryRow, PayoutQuery, PayoutRow, PayoutSummaryRow};

/// Whose payouts a read covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Stores(Vec<String>),
    /// Provider staff: every store.
    Everywhere,
}

/// The stores the actor may read settlements of. `store` narrows an operator's reads to
/// one store; members and keys always read their own.
pub(crate) fn scope(actor: &Actor, store: Option<&str>) -> AppResult<Scope> {
    match actor.kind {
        ActorKind::Operator => {
            require_ops(actor, OpsPermission::ViewMerchants)?;
            Ok(match store {
                Some(s) => Scope::Stores(vec![s.to_owned()]),
                None => Scope::Everywhere,
            })
        }
        ActorKind::PortalUser => match actor.role {
            Some(role) if allows(role, Onboarding::Direct, Permission::ViewSettlements) => {
                Ok(Scope::Stores(vec![actor
                    .store_id
                    .clone()
                    .ok_or(AppError::Forbidden)?]))
            }
            _ => Err(AppError::Forbidden),
        },
        ActorKind::ApiKey | ActorKind::System => Ok(Scope::Stores(vec![actor
            .store_id
            .clone()
            .ok_or(AppError::Forbidden)?])),
        ActorKind::Shopper => Err(AppError::Forbidden),
    }
}

fn query(scope: Scope, from: Option<i64>, to: Option<i64>, currency: Option<String>) -> PayoutQuery {
    match scope {
        Scope::Stores(store_ids) => PayoutQuery {
            store_ids,
            everywhere: false,
            from,
            to,
            currency,
        },
        Scope::Everywhere => PayoutQuery {
            store_ids: Vec::new(),
            everywhere: true,
            from,
            to,
            currency,
        },
    }
}

/// Which payouts a list or summary covers: an operator may name one store (members and
/// keys always read their own); payout dates in `[from, to)`; one currency or all.
#[derive(Debug, Clone, Default)]
pub struct PayoutFilter {
    pub store: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub currency: Option<String>,
}

impl PayoutFilter {
    pub(crate) fn query(&self, actor: &Actor) -> AppResult<PayoutQuery> {
        Ok(query(
            scope(actor, self.store.as_deref())?,
            self.from,
            self.to,
            self.currency.clone(),
        ))
    }
}

/// A page of payouts newest first, with the total count.
pub async fn payouts(
    db: &Db,
    actor: &Actor,
    filter: &PayoutFilter,
    offset: i64,
    size: i64,
) -> AppResult<(Vec<PayoutRow>, i64)> {
    Ok(db.payouts_page(&filter.query(actor)?, offset, size).await?)
}

/// Payout totals per currency.
pub async fn payouts_summary(db: &Db, actor: &Actor, filter: &PayoutFilter) -> AppResult<Vec<PayoutSummaryRow>> {
    Ok(db.payouts_summary(&filter.query(actor)?).await?)
}

/// One payout by its payment reference.
pub async fn payout(db: &Db, actor: &Actor, reference: &str) -> AppResult<PayoutRow> {
    let found = match scope(actor, None)? {
        Scope::Stores(ids) => db.payout_by_reference(&ids, reference).await?,
        Scope::Everywhere => db.payout_by_reference_anywhere(reference).await?,
    };
    found.ok_or(AppError::NotFound(Missing::Other("payout")))
}

/// A page of the actor's store's transactions: of one payout, of one order, or all.
pub async fn transactions(
    db: &Db,
    actor: &Actor,
    payment_reference: Option<&str>,
    order_id: Option<&str>,
    offset: i64,
    size: i64,
) -> AppResult<(Vec<LedgerEntryRow>, i64)> {
    let ids = match scope(actor, None)? {
        Scope::Stores(ids) => ids,
        Scope::Everywhere => return Err(AppError::Forbidden),
    };
    let selection = match (payment_reference, order_id) {
        (Some(reference), _) => match db.payout_by_reference(&ids, reference).await? {
            Some(p) => EntrySelection::Payout(p.id),
            // An unknown payout has no transactions.
            None => return Ok((Vec::new(), 0)),
        },
        (None, Some(order)) => EntrySelection::Order(order.to_owned()),
        (None, None) => EntrySelection::All,
    };
    Ok(db.entries_page(&ids, &selection, offset, size).await?)
}

/// The ledger entries of one order of the actor's store ("money trace").
pub async fn order_ledger(db: &Db, actor: &Actor, order_id: &str) -> AppResult<Vec<LedgerEntryRow>> {
    let store = match scope(actor, None)? {
        Scope::Stores(ids) => ids.into_iter().next().ok_or(AppError::Forbidden)?,
        Scope::Everywhere => return Err(AppError::Forbidden),
    };
    Ok(db.ledger_of_order(&store, order_id).await?)
}

/// One currency of a store's balance: what is open, by type, and what the next payout
/// would pay with the debt carried in.
#[derive(Debug, Clone)]
pub struct CurrencyBalance {
    pub currency: String,
    pub by_type: Vec<(TxType, i64, i64)>,
    pub debt: i64,
    /// The open entries settled against the debt, as the next payout would be.
    pub next_payout: Totals,
}

/// A store's current balance and when it is paid out next.
#[derive(Debug, Clone)]
pub struct Balance {
    pub store_id: String,
    pub schedule: PayoutSchedule,
    /// The next cut-off (Unix ms): entries posted before it are in the next payout.
    pub next_cutoff: i64,
    pub currencies: Vec<CurrencyBalance>,
}

pub async fn balance(db: &Db, actor: &Actor, store: Option<&str>) -> AppResult<Balance> {
    let store_id = match scope(actor, store)? {
        Scope::Stores(ids) => ids.into_iter().next().ok_or(AppError::Forbidden)?,
        Scope::Everywhere => return Err(AppError::invalid("store", "name the store")),
    };
    let detail = db
        .store_detail(&store_id)
        .await?
        .ok_or(AppError::NotFound(Missing::Other("store")))?;
    let schedule = PayoutSchedule::from_stored(&detail.store.payout_schedule, detail.store.payout_day)
        .unwrap_or(PayoutSchedule::Daily);
    let open = db.open_totals(&store_id).await?;
    let mut currencies: Vec<CurrencyBalance> = Vec::new();
    for t in open {
        if currencies.last().is_none_or(|c| c.currency != t.currency) {
            currencies.push(CurrencyBalance {
                currency: t.currency.clone(),
                by_type: Vec::new(),
                debt: db.current_debt(&store_id, &t.currency).await?,
                next_payout: Totals::default(),
            });
        }
        if let Some(c) = currencies.last_mut() {
            c.by_type.push((t.kind, t.amount, t.entries));
        }
    }
    for c in &mut currencies {
        c.next_payout = Totals::settle(c.by_type.iter().map(|(k, a, _)| (*k, *a)), c.debt);
    }
    Ok(Balance {
        store_id,
        schedule,
        next_cutoff: to_ms(next_cutoff(schedule, from_ms(now_ms()))),
        currencies,
    })
}
