//! The statements of the order list's search: the conditions of each filter, written so only
//! the chosen plan's index can serve them, the probe that counts the narrow filters' matches,
//! and the page itself (see the parent module for how the plan is chosen).

use super::{Cursor, Narrow, OrderFilter, Search, SearchPlan, SortOrder, DRIVE_LIMIT, LIST_COLUMNS};
use crate::order_text::like_pattern;
use crate::search_keys::fts_query;
use crate::Backend;

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
/// the term's cheapest pair of trigrams (search_keys.rs), and the term is checked on what
/// they find; without keys, for the whole term.
fn substring_source(sql: &mut Sql, term: &str, keys: &[String], backend: Backend, conds: &str) -> String {
    let whole = [term.to_owned()];
    let asked = if keys.is_empty() { &whole[..] } else { keys };
    let t = sql.text(term);
    match backend {
        // CROSS JOIN keeps the text index as the outer loop, each match one rowid lookup.
        Backend::Sqlite => {
            let query = sql.text(&fts_query(term, keys));
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

/// The sort column and its direction as SQL writes them.
fn sort_sql(sort: SortOrder) -> (&'static str, &'static str) {
    let (column, descending) = sort_key(sort);
    (column, if descending { "DESC" } else { "ASC" })
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
    let (column, dir) = sort_sql(f.sort);
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
pub(super) fn probe_page_sql(
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
    let (column, dir) = sort_sql(f.sort);
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
pub(super) fn probe_sql(f: &OrderFilter, narrow: &[Narrow], backend: Backend, keys: &[String]) -> (String, Vec<Bind>) {
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
        assert_eq!(text(&binds[4]), "NEAR(\"lss\" \"ols\", 0)");
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
