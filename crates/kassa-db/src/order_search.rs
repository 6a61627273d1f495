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

use crate::order_text::{fts_phrase, like_pattern, substring_term};
use crate::{on_pool, Backend, Db, Result};
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

pub(crate) enum Bind {
    Text(String),
    Int(i64),
}

/// SQL text shared by both backends and its numbered bind values; `$1` is always the store.
struct Sql {
    binds: Vec<Bind>,
}

impl Sql {
    fn new(store_id: &str) -> Sql {
        Sql {
            binds: vec![Bind::Text(store_id.to_owned())],
        }
    }

    fn bind(&mut self, b: Bind) -> String {
        self.binds.push(b);
        format!("${}", self.binds.len())
    }

    fn text(&mut self, t: &str) -> String {
        self.bind(Bind::Text(t.to_owned()))
    }

    fn int(&mut self, v: i64) -> String {
        self.bind(Bind::Int(v))
    }
}

/// A column as a condition names it: bare where an index may serve the condition, else
/// wrapped in a no-op that matches no index.
fn col(name: &str, indexed: bool) -> String {
    const TEXT: &[&str] = &[
        "order_id",
        "short_reference",
        "merchant_reference1",
        "merchant_reference2",
        "customer_email",
        "customer_search",
        "status",
        "payment_method",
    ];
    match (indexed, TEXT.contains(&name)) {
        (true, _) => name.to_owned(),
        (false, true) => format!("({name} || '')"),
        (false, false) => format!("({name} + 0)"),
    }
}

/// `lo <= column <= hi` (or `< hi` when `exclusive_hi`), for whichever bounds are given.
fn range(sql: &mut Sql, column: &str, lo: Option<i64>, hi: Option<i64>, exclusive_hi: bool) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(v) = lo {
        out.push(format!("{column} >= {}", sql.int(v)));
    }
    if let Some(v) = hi {
        let op = if exclusive_hi { "<" } else { "<=" };
        out.push(format!("{column} {op} {}", sql.int(v)));
    }
    out
}

/// The search term as one condition per indexed column; a union of these is a union of
/// index lookups.
fn search_branches(sql: &mut Sql, term: &str, indexed: bool) -> Vec<String> {
    let exact = sql.text(term);
    let upper = sql.text(&term.to_uppercase());
    let lower = term.to_lowercase();
    let low = sql.text(&lower);
    let high = sql.text(&format!("{lower}\u{10FFFF}"));
    let name = col("customer_search", indexed);
    vec![
        format!("{} = {exact}", col("order_id", indexed)),
        format!("{} = {upper}", col("short_reference", indexed)),
        format!("{} = {exact}", col("merchant_reference1", indexed)),
        format!("{} = {exact}", col("merchant_reference2", indexed)),
        format!("{} = {low}", col("customer_email", indexed)),
        format!("{name} >= {low} AND {name} < {high}"),
    ]
}

/// The search as a condition checked row by row (no index serves it).
fn search_check(sql: &mut Sql, search: &Search, backend: Backend) -> String {
    match search {
        Search::Substring(t) => {
            let t = sql.text(t);
            match backend {
                Backend::Sqlite => format!("instr(search_text, {t}) > 0"),
                Backend::Postgres => format!("strpos(search_text, {t}) > 0"),
            }
        }
        Search::Exact(term) => format!("({})", search_branches(sql, term, false).join(" OR ")),
    }
}

/// The orders a substring search finds, through the text index, with `conds` applied:
/// `FROM … WHERE …` of a statement selecting order columns. The index is asked for `keys`,
/// the term's rarest trigrams (search_keys.rs), and the term is checked on what they find;
/// without keys, for the whole term.
fn substring_source(sql: &mut Sql, term: &str, keys: &[String], backend: Backend, conds: &str) -> String {
    let whole = [term.to_owned()];
    let asked = if keys.is_empty() { &whole[..] } else { keys };
    let t = sql.text(term);
    match backend {
        // CROSS JOIN keeps the text index as the outer loop, each match one rowid lookup.
        Backend::Sqlite => {
            let phrases: Vec<String> = asked.iter().map(|k| fts_phrase(k)).collect();
            let query = sql.text(&phrases.join(" AND "));
            format!(
                "FROM orders_text CROSS JOIN orders ON orders.rowid = orders_text.rowid \
                 WHERE orders_text MATCH {query} AND instr(orders.search_text, {t}) > 0 AND {conds}"
            )
        }
        Backend::Postgres => {
            let likes: Vec<String> = asked
                .iter()
                .map(|k| format!("search_text LIKE {}", sql.text(&like_pattern(k))))
                .collect();
            format!(
                "FROM orders WHERE {} AND strpos(search_text, {t}) > 0 AND {conds}",
                likes.join(" AND ")
            )
        }
    }
}

/// The condition of a narrow filter, indexable or not. (Search is handled by the caller.)
fn narrow_condition(sql: &mut Sql, f: &OrderFilter, n: Narrow, indexed: bool) -> Vec<String> {
    match n {
        Narrow::Search => Vec::new(),
        Narrow::Statuses => vec![statuses(sql, f, indexed)],
        Narrow::Created => range(sql, &col("created_at", indexed), f.created_from, f.created_to, true),
        Narrow::Amount => range(sql, &col("order_amount", indexed), f.amount_min, f.amount_max, false),
        Narrow::Expiring => {
            let Some((from, until)) = f.expiring else {
                return Vec::new();
            };
            // The same terms as the partial index orders_store_expiring, so it can serve them.
            let mut out = vec![format!(
                "{} IN ('AUTHORIZED', 'PART_CAPTURED') AND released = FALSE",
                col("status", indexed)
            )];
            out.extend(range(sql, &col("expires_at", indexed), Some(from), Some(until), true));
            out
        }
    }
}

fn statuses(sql: &mut Sql, f: &OrderFilter, indexed: bool) -> String {
    let list: Vec<String> = f.statuses.iter().map(|s| sql.text(s)).collect();
    format!("{} IN ({})", col("status", indexed), list.join(", "))
}

fn sort_key(sort: SortOrder) -> (&'static str, bool) {
    match sort {
        SortOrder::NewestFirst => ("created_at", true),
        SortOrder::OldestFirst => ("created_at", false),
        SortOrder::LargestFirst => ("order_amount", true),
        SortOrder::SmallestFirst => ("order_amount", false),
    }
}

/// The index a plan reads, for SQLite's `INDEXED BY` (none for the search union).
fn index_of(f: &OrderFilter, plan: SearchPlan) -> Option<&'static str> {
    Some(match plan {
        SearchPlan::Walk if !f.by_date() => "orders_store_amount",
        SearchPlan::Walk if f.status_on_sort_index() => "orders_store_status_created",
        SearchPlan::Walk => "orders_store_created_id",
        SearchPlan::Drive(Narrow::Search) => return None,
        SearchPlan::Drive(Narrow::Statuses) => "orders_store_status_created",
        SearchPlan::Drive(Narrow::Created) => "orders_store_created_id",
        SearchPlan::Drive(Narrow::Amount) => "orders_store_amount",
        SearchPlan::Drive(Narrow::Expiring) => "orders_store_expiring",
    })
}

/// The statement for one page of `f` under `plan`.
pub(crate) fn page_sql(
    f: &OrderFilter,
    plan: SearchPlan,
    backend: Backend,
    keys: &[String],
    after: Option<&Cursor>,
    limit: i64,
) -> (String, Vec<Bind>) {
    let mut sql = Sql::new(&f.store_id);
    let mut conds = vec!["store_id = $1".to_owned()];
    conds.extend(page_conditions(&mut sql, f, plan, backend, after));
    let (column, descending) = sort_key(f.sort);
    let dir = if descending { "DESC" } else { "ASC" };
    let lim = sql.int(limit);
    let order_by = format!("ORDER BY {column} {dir}, order_id {dir} LIMIT {lim}");
    let filter = conds.join(" AND ");
    let search = f.search();
    let text = match (plan, &search) {
        (SearchPlan::Drive(Narrow::Search), Some(Search::Substring(term))) => {
            let source = substring_source(&mut sql, term, keys, backend, &filter);
            match backend {
                Backend::Sqlite => format!("SELECT {LIST_COLUMNS} {source} {order_by}"),
                // OFFSET 0 keeps the matches a subquery of their own, so PostgreSQL reads
                // them through the text index and sorts them, never walking the sort index.
                Backend::Postgres => {
                    format!("SELECT {LIST_COLUMNS} FROM (SELECT {LIST_COLUMNS} {source} OFFSET 0) AS o {order_by}")
                }
            }
        }
        (SearchPlan::Drive(Narrow::Search), Some(Search::Exact(term))) => {
            // Each branch is one index lookup with every filter applied to its few rows.
            let union: Vec<String> = search_branches(&mut sql, term, true)
                .iter()
                .map(|b| format!("SELECT {LIST_COLUMNS} FROM orders WHERE {b} AND {filter}"))
                .collect();
            format!("SELECT {LIST_COLUMNS} FROM ({}) AS o {order_by}", union.join(" UNION "))
        }
        _ => {
            let hint = match (backend, index_of(f, plan)) {
                (Backend::Sqlite, Some(index)) => format!(" INDEXED BY {index}"),
                _ => String::new(),
            };
            format!("SELECT {LIST_COLUMNS} FROM orders{hint} WHERE {filter} {order_by}")
        }
    };
    (text, sql.binds)
}

/// For a substring search that is the only filter the sort index cannot serve: the probe and
/// the page in one statement, so the text index is asked and the matching rows are read once,
/// not once to count them and again for the page. The store's matches, up to `DRIVE_LIMIT`,
/// are read into `m` (as the probe counts them); the page is taken from those with every other
/// filter applied (as a drive reads it), and every row carries their count in `matches` — one
/// row without an order when the page is empty. Fewer than `DRIVE_LIMIT` matches: the page is
/// the drive's; otherwise the caller walks.
fn probe_page_sql(
    f: &OrderFilter,
    term: &str,
    backend: Backend,
    keys: &[String],
    after: Option<&Cursor>,
    limit: i64,
) -> (String, Vec<Bind>) {
    let mut sql = Sql::new(&f.store_id);
    let source = substring_source(&mut sql, term, keys, backend, "store_id = $1");
    let conds = page_conditions(&mut sql, f, SearchPlan::Drive(Narrow::Search), backend, after);
    let (column, descending) = sort_key(f.sort);
    let dir = if descending { "DESC" } else { "ASC" };
    let lim = sql.int(limit);
    let page_columns: Vec<String> = LIST_COLUMNS.split(", ").map(|c| format!("p.{}", c.trim())).collect();
    let text = format!(
        "WITH m AS MATERIALIZED (SELECT {LIST_COLUMNS} {source} LIMIT {DRIVE_LIMIT}), \
         p AS (SELECT {LIST_COLUMNS} FROM m WHERE {} ORDER BY {column} {dir}, order_id {dir} LIMIT {lim}) \
         SELECT c.matches, {} FROM (SELECT COUNT(*) AS matches FROM m) AS c LEFT JOIN p ON 1 = 1 \
         ORDER BY p.{column} {dir}, p.order_id {dir}",
        conds.join(" AND "),
        page_columns.join(", ")
    );
    (text, sql.binds)
}

/// Every condition of a page but the store's (`$1`), indexable as `plan` reads them; the
/// condition of the filter a drive starts from is the caller's.
fn page_conditions(
    sql: &mut Sql,
    f: &OrderFilter,
    plan: SearchPlan,
    backend: Backend,
    after: Option<&Cursor>,
) -> Vec<String> {
    let walk = plan == SearchPlan::Walk;
    let (column, descending) = sort_key(f.sort);
    let mut conds = vec!["status IS NOT NULL".to_owned()];
    // What the sort order's index serves: indexable only when the plan walks it.
    if f.status_on_sort_index() {
        conds.push(statuses(sql, f, walk));
    }
    if f.by_date() {
        conds.extend(range(sql, &col("created_at", walk), f.created_from, f.created_to, true));
    } else {
        conds.extend(range(
            sql,
            &col("order_amount", walk),
            f.amount_min,
            f.amount_max,
            false,
        ));
    }
    if let Some(c) = after {
        // A row-value comparison: both databases walk the (column, order_id) index from the
        // cursor on, where the equivalent OR form makes PostgreSQL rescan from the start.
        let (v, id) = (sql.int(c.value), sql.text(&c.order_id));
        let op = if descending { "<" } else { ">" };
        conds.push(format!(
            "({}, {}) {op} ({v}, {id})",
            col(column, walk),
            col("order_id", walk)
        ));
    }
    if let Some(m) = &f.payment_method {
        let m = sql.text(m);
        conds.push(format!("payment_method = {m}"));
    }
    let search = f.search();
    for n in f.narrow() {
        let drives = plan == SearchPlan::Drive(n);
        match (n, &search) {
            (Narrow::Search, Some(s)) if !drives => conds.push(search_check(sql, s, backend)),
            _ => conds.extend(narrow_condition(sql, f, n, drives)),
        }
    }
    conds
}

/// One statement counting, for each narrow filter, its matches up to `DRIVE_LIMIT`.
fn probe_sql(f: &OrderFilter, narrow: &[Narrow], backend: Backend, keys: &[String]) -> (String, Vec<Bind>) {
    let mut sql = Sql::new(&f.store_id);
    let search = f.search();
    let counts: Vec<String> = narrow
        .iter()
        .map(|&n| {
            let in_store = |b: String| format!("SELECT 1 FROM orders WHERE store_id = $1 AND {b}");
            let union: Vec<String> = match (n, &search) {
                (Narrow::Search, Some(Search::Substring(term))) => {
                    vec![format!(
                        "SELECT 1 {}",
                        substring_source(&mut sql, term, keys, backend, "store_id = $1")
                    )]
                }
                (Narrow::Search, Some(Search::Exact(term))) => search_branches(&mut sql, term, true)
                    .into_iter()
                    .map(in_store)
                    .collect(),
                _ => vec![in_store(narrow_condition(&mut sql, f, n, true).join(" AND "))],
            };
            format!(
                "(SELECT COUNT(*) FROM ({} LIMIT {DRIVE_LIMIT}) AS p)",
                union.join(" UNION ALL ")
            )
        })
        .collect();
    (format!("SELECT {}", counts.join(", ")), sql.binds)
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> OrderFilter {
        OrderFilter {
            store_id: "M100001".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_walk_leaves_only_the_sort_index_usable() {
        let f = OrderFilter {
            query: Some("ad".into()),
            statuses: vec!["AUTHORIZED".into(), "PART_CAPTURED".into()],
            amount_min: Some(100),
            ..store()
        };
        assert_eq!(f.narrow(), [Narrow::Search, Narrow::Statuses, Narrow::Amount]);
        let cursor = Cursor {
            value: 5,
            order_id: "x".into(),
        };
        let (sql, binds) = page_sql(&f, SearchPlan::Walk, Backend::Sqlite, &[], Some(&cursor), 50);
        assert!(
            sql.contains("FROM orders INDEXED BY orders_store_created_id WHERE"),
            "{sql}"
        );
        assert!(sql.contains("(created_at, order_id) < ($2, $3)"), "{sql}");
        assert!(sql.contains("(customer_email || '') = $6"), "{sql}");
        assert!(sql.contains("(status || '') IN ($8, $9)"), "{sql}");
        assert!(sql.contains("(order_amount + 0) >= $10"), "{sql}");
        assert!(
            sql.ends_with("ORDER BY created_at DESC, order_id DESC LIMIT $11"),
            "{sql}"
        );
        assert_eq!(binds.len(), 11);
    }

    #[test]
    fn a_drive_leaves_only_its_own_index_usable() {
        let f = OrderFilter {
            amount_min: Some(100),
            amount_max: Some(200),
            statuses: vec!["CAPTURED".into()],
            ..store()
        };
        assert_eq!(f.narrow(), [Narrow::Amount]);
        let (sql, _) = page_sql(&f, SearchPlan::Drive(Narrow::Amount), Backend::Postgres, &[], None, 50);
        assert!(sql.contains("(status || '') IN ($2)"), "{sql}");
        assert!(sql.contains("order_amount >= $3 AND order_amount <= $4"), "{sql}");
        assert!(!sql.contains("INDEXED BY"), "{sql}");

        let f = OrderFilter {
            query: Some("an".into()),
            ..store()
        };
        let (sql, _) = page_sql(&f, SearchPlan::Drive(Narrow::Search), Backend::Sqlite, &[], None, 50);
        assert_eq!(sql.matches(" UNION ").count(), 5, "{sql}");
        assert!(sql.contains("customer_search >= $5 AND customer_search < $6"), "{sql}");
    }

    #[test]
    fn a_longer_term_is_a_substring_read_through_the_text_index_or_checked_on_a_walk() {
        let f = OrderFilter {
            query: Some(" Olsson ".into()),
            statuses: vec!["CAPTURED".into()],
            ..store()
        };
        let text = |b: &Bind| match b {
            Bind::Text(t) => t.clone(),
            Bind::Int(i) => i.to_string(),
        };
        let keys = ["lss".to_owned(), "ols".to_owned()];
        let plan = SearchPlan::Drive(Narrow::Search);
        let (sql, binds) = page_sql(&f, plan, Backend::Sqlite, &keys, None, 50);
        assert!(
            sql.contains(
                "FROM orders_text CROSS JOIN orders ON orders.rowid = orders_text.rowid \
                 WHERE orders_text MATCH $5 AND instr(orders.search_text, $4) > 0 AND store_id = $1"
            ),
            "{sql}"
        );
        assert_eq!(text(&binds[3]), "olsson");
        assert_eq!(text(&binds[4]), "\"lss\" AND \"ols\"");
        let (_, binds) = page_sql(&f, plan, Backend::Sqlite, &[], None, 50);
        assert_eq!(
            text(&binds[4]),
            "\"olsson\"",
            "without keys the whole term is asked for"
        );

        let (sql, binds) = page_sql(&f, plan, Backend::Postgres, &keys, None, 50);
        assert!(
            sql.contains(
                "FROM orders WHERE search_text LIKE $5 AND search_text LIKE $6 AND strpos(search_text, $4) > 0 \
                 AND store_id = $1"
            ),
            "{sql}"
        );
        assert!(sql.contains(" OFFSET 0) AS o ORDER BY created_at DESC"), "{sql}");
        assert_eq!((text(&binds[4]), text(&binds[5])), ("%lss%".into(), "%ols%".into()));

        let (sql, _) = page_sql(&f, SearchPlan::Walk, Backend::Sqlite, &keys, None, 50);
        assert!(sql.contains("AND instr(search_text, $3) > 0 ORDER BY"), "{sql}");
        let (sql, _) = page_sql(&f, SearchPlan::Walk, Backend::Postgres, &keys, None, 50);
        assert!(sql.contains("AND strpos(search_text, $3) > 0 ORDER BY"), "{sql}");
        assert!(!sql.contains("MATCH") && !sql.contains("LIKE"), "{sql}");

        let (sql, _) = probe_sql(&f, &f.narrow(), Backend::Sqlite, &keys);
        assert_eq!(
            sql,
            "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM orders_text CROSS JOIN orders ON orders.rowid = orders_text.rowid \
             WHERE orders_text MATCH $3 AND instr(orders.search_text, $2) > 0 AND store_id = $1 LIMIT 5000) AS p)"
        );
    }

    #[test]
    fn a_rare_term_is_counted_and_its_page_read_from_one_reading_of_its_matches() {
        let f = OrderFilter {
            query: Some("Olsson".into()),
            statuses: vec!["CAPTURED".into()],
            ..store()
        };
        let keys = ["lss".to_owned(), "ols".to_owned()];
        let (sql, binds) = probe_page_sql(&f, "olsson", Backend::Sqlite, &keys, None, 51);
        assert!(
            sql.starts_with(
                "WITH m AS MATERIALIZED (SELECT order_id, short_reference, created_at, merchant_reference1, \
                 merchant_reference2, customer_name, customer_email, purchase_currency, order_amount, captured_amount, \
                 refunded_amount, payment_method, status, expires_at FROM orders_text CROSS JOIN orders"
            ),
            "{sql}"
        );
        assert!(sql.contains("AND store_id = $1 LIMIT 5000), p AS (SELECT"), "{sql}");
        assert!(
            sql.contains("FROM m WHERE status IS NOT NULL AND (status || '') IN ($4) ORDER BY created_at DESC"),
            "{sql}"
        );
        assert!(
            sql.contains("SELECT c.matches, p.order_id, p.short_reference,"),
            "{sql}"
        );
        assert!(
            sql.ends_with("LEFT JOIN p ON 1 = 1 ORDER BY p.created_at DESC, p.order_id DESC"),
            "{sql}"
        );
        assert_eq!(binds.len(), 5);
    }

    #[test]
    fn the_sort_index_serves_one_status_and_dates_but_not_amounts() {
        let by_amount = OrderFilter {
            sort: SortOrder::LargestFirst,
            statuses: vec!["CAPTURED".into()],
            created_from: Some(1),
            amount_max: Some(5),
            ..store()
        };
        assert_eq!(by_amount.narrow(), [Narrow::Statuses, Narrow::Created]);
        let by_date = OrderFilter {
            sort: SortOrder::OldestFirst,
            ..by_amount
        };
        assert_eq!(by_date.narrow(), [Narrow::Amount]);
        let (sql, _) = probe_sql(&by_date, &by_date.narrow(), Backend::Sqlite, &[]);
        assert_eq!(
            sql,
            "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM orders WHERE store_id = $1 AND order_amount <= $2 LIMIT 5000) AS p)"
        );
    }
}
