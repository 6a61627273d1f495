//! The order list's search: a page of a store's orders for any mix of filters, in one of four
//! sort orders, by keyset.
//!
//! Kassa picks the plan itself, because planners guess wrong here. In a store of a million
//! orders "amount 500–700" or a common first name matches tens of thousands of rows: sorting
//! those for a page of 50 took hundreds of milliseconds, while walking the sort order's index
//! and checking each row finds 50 within a few hundred rows. A rare amount or name is the
//! opposite: the walk would pass the whole store, its own index finds the few rows at once.
//!
//! So the filters the sort order's index cannot serve are the candidates to start from. One
//! statement counts, for each, its matches up to [`DRIVE_LIMIT`] (an index range, no rows
//! read). If one matches fewer, the page is read through that filter's index and sorted — at
//! most `DRIVE_LIMIT` rows. Otherwise every filter is common and the page is found by walking
//! the sort order's index, about 50 × store size / `DRIVE_LIMIT` rows at worst for one filter.
//! Every condition the plan does not start from is written so no index can serve it
//! (`col + 0`, `col || ''`), which holds both databases to the chosen plan; SQLite is also
//! told the index by name.
//!
//! A search term of three characters or more is looked for as a substring of every searchable
//! field, through the text index (`order_text`): a surname or an email domain may match most
//! of the store, a piece of a reference a handful. A sample of the newest orders tells the
//! common terms first, which a walk finds at once without asking the index (`search_keys`);
//! for the others the same count decides. A walk checks the term on each row it passes.

use crate::order_text::substring_term;
use crate::{on_pool, Db, Result};
use kassa_core::order::Status;
use sqlx::Row;

/// Below this many matches a filter's own index is the way in (see the module comment).
/// It balances the two plans for a store of about a million orders: √(50 × 1,000,000) ≈ 7,000.
const DRIVE_LIMIT: i64 = 5_000;

/// One row of the order list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrderListRow {
    pub order_id: String,
    pub short_reference: String,
    pub created_at: i64,
    pub merchant_reference1: Option<String>,
    pub merchant_reference2: Option<String>,
    pub customer_name: String,
    pub customer_email: String,
    pub purchase_currency: String,
    pub order_amount: i64,
    pub captured_amount: i64,
    pub refunded_amount: i64,
    pub payment_method: Option<String>,
    #[sqlx(try_from = "String")]
    pub status: Status,
    pub expires_at: Option<i64>,
}

const LIST_COLUMNS: &str = "order_id, short_reference, created_at, merchant_reference1, merchant_reference2, customer_name, \
    customer_email, purchase_currency, order_amount, captured_amount, refunded_amount, payment_method, status, expires_at";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    #[default]
    NewestFirst,
    OldestFirst,
    LargestFirst,
    SmallestFirst,
}

/// What the list shows: every filter is optional.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub store_id: String,
    /// A part of the order id, short reference, merchant references, customer name or email
    /// (any case); a term of one or two characters matches those exactly, or a name's start.
    pub query: Option<String>,
    pub statuses: Vec<String>,
    pub created_from: Option<i64>,
    pub created_to: Option<i64>,
    pub amount_min: Option<i64>,
    pub amount_max: Option<i64>,
    pub payment_method: Option<String>,
    /// Orders still authorized whose authorization ends in `[from, until)`.
    pub expiring: Option<(i64, i64)>,
    pub sort: SortOrder,
}

/// Where the next page starts: the sort value and order id of the last row shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub value: i64,
    pub order_id: String,
}

impl Cursor {
    pub fn of(row: &OrderListRow, sort: SortOrder) -> Cursor {
        let value = match sort {
            SortOrder::NewestFirst | SortOrder::OldestFirst => row.created_at,
            SortOrder::LargestFirst | SortOrder::SmallestFirst => row.order_amount,
        };
        Cursor {
            value,
            order_id: row.order_id.clone(),
        }
    }
}

/// A filter the sort order's index cannot serve, which a page may start from instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Narrow {
    Search,
    Statuses,
    Created,
    Amount,
    Expiring,
}

/// How the pages of one filter are read; chosen once per filter by [`Db::plan_search`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchPlan {
    /// Walk the sort order's index, checking every other filter on the way.
    Walk,
    /// Read the few rows this filter's index names, then sort them.
    Drive(Narrow),
}

impl OrderFilter {
    fn by_date(&self) -> bool {
        matches!(self.sort, SortOrder::NewestFirst | SortOrder::OldestFirst)
    }

    fn term(&self) -> Option<&str> {
        self.query.as_deref().map(str::trim).filter(|q| !q.is_empty())
    }

    fn search(&self) -> Option<Search> {
        let term = self.term()?;
        Some(match substring_term(term) {
            Some(t) => Search::Substring(t),
            None => Search::Exact(term.to_owned()),
        })
    }

    /// One status filter on a date sort is served by the (store, status, created) index.
    fn status_on_sort_index(&self) -> bool {
        self.by_date() && self.statuses.len() == 1
    }

    /// The filters present that the sort order's index cannot serve.
    fn narrow(&self) -> Vec<Narrow> {
        let present = [
            (Narrow::Search, self.term().is_some()),
            (
                Narrow::Statuses,
                !self.statuses.is_empty() && !self.status_on_sort_index(),
            ),
            (
                Narrow::Created,
                (self.created_from.is_some() || self.created_to.is_some()) && !self.by_date(),
            ),
            (
                Narrow::Amount,
                (self.amount_min.is_some() || self.amount_max.is_some()) && self.by_date(),
            ),
            (Narrow::Expiring, self.expiring.is_some()),
        ];
        present.into_iter().filter(|(_, on)| *on).map(|(n, _)| n).collect()
    }
}

/// How the search term is looked up.
enum Search {
    /// A part of any searchable field, through the text index (see `order_text`).
    Substring(String),
    /// Too short for the text index: exact values and a name's start, through their own
    /// indexes, as the term was typed.
    Exact(String),
}

mod statements;

pub(crate) use statements::{page_sql, Bind};
use statements::{probe_page_sql, probe_sql};

macro_rules! bound {
    ($q:expr, $binds:expr) => {{
        let mut q = $q;
        for b in $binds {
            q = match b {
                Bind::Text(t) => q.bind(t),
                Bind::Int(i) => q.bind(i),
            };
        }
        q
    }};
}

impl Db {
    /// Chooses how to read the pages of `f` (see the module comment); costs one statement
    /// when a filter is one the sort order's index cannot serve, none otherwise.
    pub async fn plan_search(&self, f: &OrderFilter) -> Result<SearchPlan> {
        let mut narrow = f.narrow();
        // A common term is left to the walk, uncounted (search_keys.rs says why).
        if narrow.contains(&Narrow::Search) && self.search_is_common(f).await? {
            narrow.retain(|n| *n != Narrow::Search);
        }
        if narrow.is_empty() {
            return Ok(SearchPlan::Walk);
        }
        let keys = self.search_keys(f).await?;
        let (text, binds) = probe_sql(f, &narrow, self.backend(), &keys);
        let counts: Vec<i64> = on_pool!(self, p => {
            let row = bound!(sqlx::query(&text), binds).fetch_one(p).await?;
            (0..narrow.len()).map(|i| row.try_get::<i64, _>(i)).collect::<std::result::Result<Vec<_>, _>>()
        })?;
        let fewest = narrow.into_iter().zip(counts).min_by_key(|(_, count)| *count);
        Ok(match fewest {
            Some((n, count)) if count < DRIVE_LIMIT => SearchPlan::Drive(n),
            _ => SearchPlan::Walk,
        })
    }

    /// One page of orders matching `f`, after `after` in the sort order, in the plan
    /// [`Db::plan_search`] would choose. A rare substring term that is the only filter the sort
    /// index cannot serve is counted and its page read in one statement (`probe_page_sql`).
    pub async fn search_page(&self, f: &OrderFilter, after: Option<&Cursor>, limit: i64) -> Result<Vec<OrderListRow>> {
        let Some(Search::Substring(term)) = f.search() else {
            let plan = self.plan_search(f).await?;
            return self.search_orders(f, plan, after, limit).await;
        };
        if f.narrow() != [Narrow::Search] || self.search_is_common(f).await? {
            let plan = self.plan_search(f).await?;
            return self.search_orders(f, plan, after, limit).await;
        }
        let keys = self.search_keys(f).await?;
        let (text, binds) = probe_page_sql(f, &term, self.backend(), &keys, after, limit);
        let (matches, rows) = on_pool!(self, p => {
            let found = bound!(sqlx::query(&text), binds).fetch_all(p).await?;
            let matches: i64 = match found.first() {
                Some(row) => row.try_get("matches")?,
                None => 0,
            };
            let mut rows = Vec::with_capacity(found.len());
            for row in &found {
                // The one row of an empty page has no order.
                if row.try_get::<Option<String>, _>("order_id")?.is_some() {
                    rows.push(sqlx::FromRow::from_row(row)?);
                }
            }
            Ok::<_, sqlx::Error>((matches, rows))
        })?;
        if matches < DRIVE_LIMIT {
            return Ok(rows);
        }
        // As many matches as the probe counts at most: plan_search would walk.
        self.search_orders(f, SearchPlan::Walk, after, limit).await
    }

    /// One page of orders matching `f`, after `after` in the sort order, read as `plan` says.
    pub async fn search_orders(
        &self,
        f: &OrderFilter,
        plan: SearchPlan,
        after: Option<&Cursor>,
        limit: i64,
    ) -> Result<Vec<OrderListRow>> {
        let keys = self.search_keys(f).await?;
        let (text, binds) = page_sql(f, plan, self.backend(), &keys, after, limit);
        Ok(on_pool!(self, p => bound!(sqlx::query_as::<_, OrderListRow>(&text), binds).fetch_all(p).await)?)
    }

    /// The chosen plan and the database's query plan for the first page of `f`, for the
    /// benchmark's report of which indexes each filter uses.
    pub async fn explain_search(&self, f: &OrderFilter) -> Result<String> {
        let plan = self.plan_search(f).await?;
        let keys = self.search_keys(f).await?;
        let (text, binds) = page_sql(f, plan, self.backend(), &keys, None, 50);
        let lines: Vec<String> = match &self.pool {
            crate::connect::Pool::Sqlite { read, .. } => {
                let explain = format!("EXPLAIN QUERY PLAN {text}");
                let q = bound!(sqlx::query_as::<_, (i64, i64, i64, String)>(&explain), binds);
                q.fetch_all(read).await?.into_iter().map(|r| r.3).collect()
            }
            crate::connect::Pool::Postgres(p) => {
                let explain = format!("EXPLAIN {text}");
                bound!(sqlx::query_scalar::<_, String>(&explain), binds)
                    .fetch_all(p)
                    .await?
            }
        };
        Ok(format!("{plan:?}\n{}", lines.join("\n")))
    }
}
