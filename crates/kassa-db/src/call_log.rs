//! Reading the recorded calls for Developer Logs: a set of stores' calls newest first, a page
//! at a time by keyset (`at`, `id`), with one or more filters; one call by id; and the
//! retention deletion in small batches. A page is a short index range: of the store's index
//! on (at, id) for a filter's common value (a 2xx status, GET or POST, incoming, kind api),
//! of a filter's partial index (migration 0028) for its rare values, of the key's index.

use crate::{on_pool, on_writer, Db, Result};

/// What a Developer Logs list shows of a call (no bodies or headers).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LoggedCall {
    pub id: i64,
    pub store_id: String,
    pub api_key: String,
    pub at: i64,
    pub direction: String,
    pub method: String,
    pub path: String,
    pub status: i64,
    pub duration_us: i64,
    pub correlation_id: String,
    pub order_id: Option<String>,
    pub kind: String,
    /// The event type of a webhook delivery (its body's `type`); none for other calls.
    pub event: Option<String>,
}

/// One call with everything recorded of it (already redacted when it was recorded).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LoggedCallDetail {
    #[sqlx(flatten)]
    pub call: LoggedCall,
    pub request_body: Option<String>,
    pub response_body: Option<String>,
    pub request_headers: Option<String>,
    pub response_headers: Option<String>,
}

/// Which calls a list shows. Empty fields do not narrow.
#[derive(Debug, Clone, Default)]
pub struct CallQuery {
    pub store_ids: Vec<String>,
    /// The status divided by 100: 2, 3, 4, 5, or 0 for a call that got no answer.
    pub status_class: Option<i64>,
    pub method: Option<String>,
    /// `incoming` or `outgoing`.
    pub direction: Option<String>,
    /// `api`, `push` or `webhook`.
    pub kind: Option<String>,
    /// The API key's username, or a webhook endpoint's label.
    pub api_key: Option<String>,
    /// From (inclusive) and to (exclusive), in ms.
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// Calls whose correlation id or order id is this.
    pub search: Option<String>,
    pub order_id: Option<String>,
}

/// Where a page starts: at the newest call, or just older or newer than a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallPage {
    Newest,
    Older { at: i64, id: i64 },
    Newer { at: i64, id: i64 },
}

enum Arg {
    Text(String),
    Int(i64),
}

const LIST_COLUMNS: &str = "id, store_id, api_key, at, direction, method, path, status, duration_us, correlation_id, \
     order_id, kind, CASE WHEN kind = 'webhook' THEN request_body END AS event";

/// The conditions of the partial indexes of migration 0028, as the index definitions state them.
const RARE_CLASS: &str = "(status < 200 OR status >= 300)";
const RARE_METHOD: &str = "method NOT IN ('GET', 'POST')";
const RARE_DIRECTION: &str = "direction <> 'incoming'";
const RARE_KIND: &str = "kind <> 'api'";

fn where_clause(q: &CallQuery, page: CallPage, args: &mut Vec<Arg>) -> String {
    let push = |args: &mut Vec<Arg>, a: Arg| {
        args.push(a);
        format!("${}", args.len())
    };
    let mut clauses = Vec::new();
    let stores: Vec<String> = q.store_ids.iter().map(|s| push(args, Arg::Text(s.clone()))).collect();
    // A search or an order's calls is a handful of rows found by their own index: the store
    // is then only checked (`|| ''` keeps both planners off the store's indexes, which would
    // walk the whole store newest first; SQLite has no statistics to know better).
    let store = if q.search.is_some() || q.order_id.is_some() {
        "store_id || ''"
    } else {
        "store_id"
    };
    clauses.push(if stores.is_empty() {
        "1 = 0".to_owned()
    } else if stores.len() == 1 {
        format!("{store} = {}", stores[0])
    } else {
        format!("{store} IN ({})", stores.join(", "))
    });
    if let Some(c) = q.status_class {
        // The same expression as the index api_calls_store_class_rare.
        clauses.push(format!("(status / 100) = {}", push(args, Arg::Int(c))));
    }
    // A rare value of a filter names, word for word, the condition of its partial index of
    // migration 0028, so both planners may use it; a common value walks the store's calls.
    if q.status_class.is_some_and(|c| c != 2) {
        clauses.push(RARE_CLASS.to_owned());
    }
    if q.method.as_deref().is_some_and(|m| m != "GET" && m != "POST") {
        clauses.push(RARE_METHOD.to_owned());
    }
    if q.direction.as_deref().is_some_and(|d| d != "incoming") {
        clauses.push(RARE_DIRECTION.to_owned());
    }
    if q.kind.as_deref().is_some_and(|k| k != "api") {
        clauses.push(RARE_KIND.to_owned());
    }
    for (column, value) in [
        ("method", &q.method),
        ("direction", &q.direction),
        ("kind", &q.kind),
        ("api_key", &q.api_key),
        ("order_id", &q.order_id),
    ] {
        if let Some(v) = value {
            clauses.push(format!("{column} = {}", push(args, Arg::Text(v.clone()))));
        }
    }
    if let Some(s) = &q.search {
        let n = push(args, Arg::Text(s.clone()));
        clauses.push(format!("(correlation_id = {n} OR order_id = {n})"));
    }
    if let Some(from) = q.from {
        clauses.push(format!("at >= {}", push(args, Arg::Int(from))));
    }
    if let Some(to) = q.to {
        clauses.push(format!("at < {}", push(args, Arg::Int(to))));
    }
    match page {
        CallPage::Newest => {}
        // `at <= x` is the index range; the OR only settles ties of the same millisecond.
        CallPage::Older { at, id } => {
            let a = push(args, Arg::Int(at));
            let i = push(args, Arg::Int(id));
            clauses.push(format!("at <= {a} AND (at < {a} OR id < {i})"));
        }
        CallPage::Newer { at, id } => {
            let a = push(args, Arg::Int(at));
            let i = push(args, Arg::Int(id));
            clauses.push(format!("at >= {a} AND (at > {a} OR id > {i})"));
        }
    }
    clauses.join(" AND ")
}

macro_rules! bind_args {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                Arg::Text(t) => q.bind(t),
                Arg::Int(i) => q.bind(*i),
            };
        }
        q
    }};
}

/// The event type in a webhook delivery's body.
fn event_of(body: Option<String>) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(body.as_deref()?).ok()?;
    v.get("type")?.as_str().map(str::to_owned)
}

impl Db {
    /// Up to `limit` calls of the page, newest first.
    pub async fn logged_calls(&self, q: &CallQuery, page: CallPage, limit: i64) -> Result<Vec<LoggedCall>> {
        let mut args = Vec::new();
        let filter = where_clause(q, page, &mut args);
        let order = match page {
            CallPage::Newer { .. } => "at ASC, id ASC",
            _ => "at DESC, id DESC",
        };
        args.push(Arg::Int(limit));
        let sql = format!(
            "SELECT {LIST_COLUMNS} FROM api_calls WHERE {filter} ORDER BY {order} LIMIT ${}",
            args.len()
        );
        let mut rows: Vec<LoggedCall> =
            on_pool!(self, p => bind_args!(sqlx::query_as::<_, LoggedCall>(&sql), &args).fetch_all(p).await)?;
        if matches!(page, CallPage::Newer { .. }) {
            rows.reverse();
        }
        for r in &mut rows {
            r.event = event_of(r.event.take());
        }
        Ok(rows)
    }

    /// One call of one of `store_ids`; none for a call of any other store.
    pub async fn logged_call(&self, store_ids: &[String], id: i64) -> Result<Option<LoggedCallDetail>> {
        if store_ids.is_empty() {
            return Ok(None);
        }
        let list: Vec<String> = (0..store_ids.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT {LIST_COLUMNS}, request_body, response_body, request_headers, response_headers \
             FROM api_calls WHERE id = $1 AND store_id IN ({})",
            list.join(", ")
        );
        let mut row: Option<LoggedCallDetail> = on_pool!(self, p => {
            let mut query = sqlx::query_as::<_, LoggedCallDetail>(&sql).bind(id);
            for s in store_ids {
                query = query.bind(s);
            }
            query.fetch_optional(p).await
        })?;
        if let Some(r) = &mut row {
            r.call.event = event_of(r.call.event.take());
        }
        Ok(row)
    }

    /// Deletes at most `batch` of the oldest calls recorded before `before`; how many.
    /// Each statement is short, so the API's own writes go on between batches.
    pub async fn purge_api_calls_batch(&self, before: i64, batch: i64) -> Result<u64> {
        let sql = "DELETE FROM api_calls WHERE id IN \
                   (SELECT id FROM api_calls WHERE at < $1 ORDER BY at LIMIT $2)";
        Ok(
            on_writer!(self, p => sqlx::query(sql).bind(before).bind(batch).execute(p).await.map(|r| r.rows_affected()))?,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_number_their_arguments_in_order() {
        let q = CallQuery {
            store_ids: vec!["M1".into(), "M2".into()],
            status_class: Some(4),
            method: Some("POST".into()),
            search: Some("abc".into()),
            from: Some(5),
            ..CallQuery::default()
        };
        let mut args = Vec::new();
        let sql = where_clause(&q, CallPage::Older { at: 9, id: 3 }, &mut args);
        assert_eq!(
            sql,
            "store_id || '' IN ($1, $2) AND (status / 100) = $3 AND (status < 200 OR status >= 300) AND method = $4 AND (correlation_id = $5 OR order_id = $5) \
             AND at >= $6 AND at <= $7 AND (at < $7 OR id < $8)"
        );
        assert_eq!(args.len(), 8);
        let mut none = Vec::new();
        assert_eq!(
            where_clause(&CallQuery::default(), CallPage::Newest, &mut none),
            "1 = 0"
        );
    }
}
