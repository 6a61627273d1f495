//! The Orders section: list (search, filters, keyset pages, chosen columns, CSV export),
//! the order page with its timeline, and the actions — each running the same order
//! operations as the merchant API, guarded by the same idempotency table against double
//! submits.

mod section;
pub(crate) use section::section;

mod actions;
mod bulk;
mod lines_edit;
mod list_form;
mod page;
#[cfg(test)]
mod tests;

use crate::shell::extract::{Form, Path, Query};
use crate::shell::i18n::{format_time, Lang};
use crate::shell::session::Member;
use crate::shell::views::{render, Page};
use crate::{now_ms, AppState, WebError};
pub(crate) use actions::act;
use actions::*;
use askama::Template;
use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
pub(crate) use bulk::{bulk_capture, bulk_capture_result};
use kassa_app::orders::{self, OrderLine};
use kassa_app::{Actor, AppError};
use kassa_core::access::{Permission, Section};
use kassa_core::order::Status;
use kassa_db::{Claim, Cursor, OrderFilter, OrderListRow, SavedResponse, SortOrder};
use lines_edit::*;
use page::*;
pub(crate) use page::{action_page, show, RetryQuery};
use serde::Deserialize;
use serde_json::Value;

/// The signed-in member as the order use cases know them.
pub(super) fn actor_of(member: &Member) -> Actor {
    Actor::portal_user(
        member.user.id.to_string(),
        member.user.email.clone(),
        member.store.merchant_id.to_string(),
        member.store.store_id.clone(),
        member.role,
        member.ip.clone(),
    )
}

/// An order of the member's current store, or 404: orders of other stores do not exist here.
pub(super) async fn member_order(
    state: &AppState,
    member: &Member,
    order_id: &str,
) -> Result<kassa_db::OrderRow, WebError> {
    orders::om_order(&state.db, &actor_of(member), order_id)
        .await
        .map_err(WebError::from)
}

/// The lines of an order as stored.
pub(super) fn lines_of(row: &kassa_db::OrderRow) -> Vec<OrderLine> {
    serde_json::from_str(&row.body)
        .map(|body| orders::lines_in(&body))
        .unwrap_or_default()
}

/// The customer details the order page shows and its "Customer details" form edits.
const CUSTOMER_FIELDS: &[&str] = &[
    "given_name",
    "family_name",
    "email",
    "street_address",
    "postal_code",
    "city",
    "phone",
];

const PAGE_SIZE: i64 = 50;

/// Columns a user may show in the list, in display order; the first four are the default.
pub const COLUMNS: &[&str] = &[
    "created",
    "order",
    "reference",
    "customer",
    "amount",
    "captured",
    "refunded",
    "method",
    "status",
    "expires",
];
const DEFAULT_COLUMNS: &[&str] = &["created", "order", "reference", "customer", "amount", "status"];

/// Filters as they come in the query string (all optional, all text: parsed below).
#[derive(Debug, Deserialize, Default, Clone)]
pub(crate) struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    min: String,
    #[serde(default)]
    max: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    after: String,
    #[serde(default)]
    expiring: String,
    /// The cursors of the pages before this one, for the "previous page" link.
    #[serde(default)]
    trail: String,
}

pub use kassa_core::line_edit::parse_major;

/// A calendar date in the user's timezone → its first millisecond (UTC).
fn day_start(date: &str, timezone: &str) -> Option<i64> {
    let d: jiff::civil::Date = date.trim().parse().ok()?;
    let tz = jiff::tz::TimeZone::get(timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    Some(d.to_zoned(tz).ok()?.timestamp().as_millisecond())
}

impl ListQuery {
    fn filter(&self, member: &Member) -> OrderFilter {
        let tz = &member.user.timezone;
        let statuses = self
            .status
            .split(',')
            .map(str::trim)
            .filter(|s| s.parse::<Status>().is_ok())
            .map(str::to_owned)
            .collect();
        OrderFilter {
            store_id: member.store.store_id.clone(),
            query: Some(self.q.trim().to_owned()).filter(|q| !q.is_empty()),
            statuses,
            created_from: day_start(&self.from, tz),
            // "to" is inclusive: up to the start of the next day.
            created_to: day_start(&self.to, tz).map(|t| t + 24 * 3600 * 1000),
            amount_min: parse_major(&self.min),
            amount_max: parse_major(&self.max),
            payment_method: Some(self.method.clone()).filter(|m| ["INVOICE", "CARD", "PAY_IN_X"].contains(&m.as_str())),
            // Still ahead, as Home counts them: an authorization already past its end is expired.
            expiring: self
                .expiring
                .parse::<i64>()
                .ok()
                .filter(|d| (1..=90).contains(d))
                .map(|d| {
                    let now = now_ms();
                    (now, now + d * 24 * 3600 * 1000)
                }),
            sort: match self.sort.as_str() {
                "oldest" => SortOrder::OldestFirst,
                "largest" => SortOrder::LargestFirst,
                "smallest" => SortOrder::SmallestFirst,
                _ => SortOrder::NewestFirst,
            },
        }
    }

    fn cursor(&self) -> Option<Cursor> {
        let (value, id) = self.after.split_once(':')?;
        Some(Cursor {
            value: value.parse().ok()?,
            order_id: id.to_owned(),
        })
    }

    /// The query string without the page cursor, to build next-page and export links.
    fn without_cursor(&self) -> String {
        let pairs: Vec<(&str, &str)> = [
            ("q", &self.q),
            ("status", &self.status),
            ("from", &self.from),
            ("to", &self.to),
            ("min", &self.min),
            ("max", &self.max),
            ("method", &self.method),
            ("sort", &self.sort),
            ("expiring", &self.expiring),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k, v.as_str()))
        .collect();
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

/// An order as a list row shows it.
pub struct RowView {
    pub id: String,
    pub short_reference: String,
    pub created: String,
    pub reference: String,
    pub customer: String,
    pub email: String,
    pub amount: String,
    pub captured: String,
    pub refunded: String,
    pub method: String,
    pub status: String,
    pub status_label: String,
    pub status_class: &'static str,
    pub expires: String,
    pub capturable: bool,
}

pub fn status_class(status: &str) -> &'static str {
    match status {
        "AUTHORIZED" => "badge-info",
        "PART_CAPTURED" => "badge-warning",
        "CAPTURED" => "badge-success",
        "CLOSED" => "badge-neutral",
        _ => "badge-danger",
    }
}

pub fn status_key(status: &str) -> String {
    format!("order-status-{}", status.to_lowercase().replace('_', "-"))
}

fn method_key(method: Option<&str>) -> &'static str {
    match method {
        Some("CARD") => "order-method-card",
        Some("PAY_IN_X") => "order-method-parts",
        Some("INVOICE") => "order-method-invoice",
        _ => "order-method-unknown",
    }
}

fn row_view(r: &OrderListRow, lang: Lang, tz: &str) -> RowView {
    let money = |v: i64| lang.format_money(v, &r.purchase_currency);
    RowView {
        id: r.order_id.clone(),
        short_reference: r.short_reference.clone(),
        created: format_time(r.created_at, tz),
        reference: r.merchant_reference1.clone().unwrap_or_default(),
        customer: r.customer_name.clone(),
        email: r.customer_email.clone(),
        amount: money(r.order_amount),
        captured: money(r.captured_amount),
        refunded: money(r.refunded_amount),
        method: lang.t(method_key(r.payment_method.as_deref())),
        status_label: lang.t(&status_key(r.status.code())),
        status_class: status_class(r.status.code()),
        status: r.status.code().to_owned(),
        expires: r
            .expires_at
            .filter(|_| matches!(r.status, Status::Authorized | Status::PartCaptured))
            .map(|t| format_time(t, tz))
            .unwrap_or_default(),
        capturable: r.status == Status::Authorized,
    }
}

#[derive(Template)]
#[template(path = "orders.html")]
struct OrdersTemplate {
    page: Page,
    rows: Vec<RowView>,
    columns: Vec<&'static str>,
    all_columns: &'static [&'static str],
    filters: ListQuery,
    statuses: Vec<list_form::Choice>,
    expiring: Vec<list_form::Choice>,
    problems: list_form::Problems,
    count: String,
    next_page: Option<String>,
    previous_page: Option<String>,
    export_link: String,
    can_manage: bool,
    migrated: bool,
}

impl OrdersTemplate {
    fn shows(&self, column: &str) -> bool {
        self.columns.contains(&column)
    }
}

async fn columns_of(state: &AppState, member: &Member) -> Result<Vec<&'static str>, WebError> {
    let saved = state.db.user_setting(member.user.id, "order_columns").await?;
    Ok(match saved {
        Some(list) => COLUMNS
            .iter()
            .copied()
            .filter(|c| list.split(',').any(|s| s == *c))
            .collect(),
        None => DEFAULT_COLUMNS.to_vec(),
    })
}

pub(crate) async fn list(
    State(state): State<AppState>,
    member: Member,
    Query(q): Query<ListQuery>,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    let here = match raw {
        Some(r) if !r.is_empty() => format!("/portal/orders?{r}"),
        _ => "/portal/orders".to_owned(),
    };
    let page = Page::member(&member, Some(Section::Orders), "orders-title", &here);
    let lang = page.lang;
    // A value that cannot be used is explained, and the list is not run without it.
    let problems = q.problems(lang, &member.user.timezone);
    let filter = q.filter(&member);
    let mut rows = if problems.is_empty() {
        orders::search_orders(
            &state.db,
            &actor_of(&member),
            &filter,
            q.cursor().as_ref(),
            PAGE_SIZE + 1,
        )
        .await
        .map_err(WebError::from)?
    } else {
        Vec::new()
    };
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let base = q.without_cursor();
    let next_page = more.then(|| {
        let c = Cursor::of(rows.last().expect("a full page has a last row"), filter.sort);
        q.next_link(&base, &format!("{}:{}", c.value, c.order_id))
    });
    let count = list_form::result_count(lang, q.page_index(), rows.len(), more);
    let refused = !problems.is_empty();
    let mut res = render(&OrdersTemplate {
        rows: rows.iter().map(|r| row_view(r, lang, &member.user.timezone)).collect(),
        columns: columns_of(&state, &member).await?,
        all_columns: COLUMNS,
        statuses: list_form::status_choices(&q.status, lang),
        expiring: list_form::expiring_choices(&q.expiring, lang),
        count,
        next_page,
        previous_page: q.previous_link(&base),
        export_link: if base.is_empty() {
            "/portal/orders/export.csv".into()
        } else {
            format!("/portal/orders/export.csv?{base}")
        },
        can_manage: member.allows(Permission::ManageOrders),
        migrated: member.onboarding == kassa_core::access::Onboarding::Migrated,
        problems,
        filters: q,
        page,
    });
    if res.status().is_success() && refused {
        *res.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    }
    Ok(res)
}

#[derive(Deserialize)]
pub(crate) struct ColumnsForm {
    #[serde(default)]
    columns: Vec<String>,
}

/// Remembers the columns a user picked (per user, across sessions and browsers).
pub(crate) async fn save_columns(
    State(state): State<AppState>,
    member: Member,
    RawForm(form): RawForm,
) -> Result<Response, WebError> {
    let picked: Vec<&str> = COLUMNS
        .iter()
        .copied()
        .filter(|c| form.columns.iter().any(|p| p == c))
        .collect();
    let value = if picked.is_empty() {
        DEFAULT_COLUMNS.join(",")
    } else {
        picked.join(",")
    };
    state
        .db
        .set_user_setting(member.user.id, "order_columns", &value)
        .await?;
    Ok(Redirect::to("/portal/orders").into_response())
}

/// A form with repeated fields (`columns=a&columns=b`), which `Form` cannot read.
pub(crate) struct RawForm(ColumnsForm);

impl<S: Send + Sync> axum::extract::FromRequest<S> for RawForm {
    type Rejection = WebError;
    async fn from_request(req: axum::extract::Request, _: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::to_bytes(req.into_body(), 64 * 1024)
            .await
            .map_err(|_| WebError::BadRequest("form too large".into()))?;
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_bytes(&bytes).map_err(|e| WebError::BadRequest(e.to_string()))?;
        Ok(RawForm(ColumnsForm {
            columns: pairs
                .into_iter()
                .filter(|(k, _)| k == "columns")
                .map(|(_, v)| v)
                .collect(),
        }))
    }
}

/// Appends a CSV cell: quoted when needed, and never read as a formula by a spreadsheet.
fn csv_cell(out: &mut Vec<u8>, value: &[u8]) {
    let defuse = matches!(value.first(), Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r'));
    let quote = value.iter().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'));
    if quote {
        out.push(b'"');
    }
    if defuse {
        out.push(b'\'');
    }
    if quote {
        for &b in value {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(value);
    }
}

/// Rows per statement of the CSV export: large enough that the per-statement cost vanishes,
/// small enough that a page (≈ 1 MB of CSV) is nothing to hold.
const EXPORT_PAGE: i64 = 5_000;

/// One order as a CSV line. Times and amounts are written straight into the line (a
/// calendar library's formatter cost more than everything else of a row). An amount never
/// needs quotes; a negative one is defused as [`csv_cell`] would.
fn csv_row(out: &mut Vec<u8>, r: &OrderListRow) {
    use crate::reports::format::{write_decimal, write_rfc3339_ms};
    write_rfc3339_ms(out, r.created_at);
    for text in [
        r.order_id.as_str(),
        &r.short_reference,
        r.merchant_reference1.as_deref().unwrap_or_default(),
        r.merchant_reference2.as_deref().unwrap_or_default(),
        &r.customer_name,
        &r.customer_email,
        &r.purchase_currency,
    ] {
        out.push(b',');
        csv_cell(out, text.as_bytes());
    }
    for amount in [r.order_amount, r.captured_amount, r.refunded_amount] {
        out.push(b',');
        if amount < 0 {
            out.push(b'\'');
        }
        write_decimal(out, amount);
    }
    for text in [r.payment_method.as_deref().unwrap_or_default(), r.status.code()] {
        out.push(b',');
        csv_cell(out, text.as_bytes());
    }
    out.push(b',');
    if let Some(expires) = r.expires_at {
        write_rfc3339_ms(out, expires);
    }
    out.push(b'\n');
}

/// The current filter as CSV, streamed page by page: constant memory for any size.
pub(crate) async fn export(
    State(state): State<AppState>,
    member: Member,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let problems = q.problems(
        Lang::from_code(&member.user.language).unwrap_or(Lang::En),
        &member.user.timezone,
    );
    if !problems.is_empty() {
        return Err(WebError::BadRequest(problems.messages.join(" ")));
    }
    let filter = q.filter(&member);
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    let db = state.db.clone();
    let actor = actor_of(&member);
    tokio::spawn(async move {
        let header = "created_at_utc,order_id,short_reference,merchant_reference1,merchant_reference2,customer_name,customer_email,currency,order_amount,captured_amount,refunded_amount,payment_method,status,expires_at_utc\n";
        if tx.send(Ok(header.as_bytes().to_vec())).await.is_err() {
            return;
        }
        let mut pages = match orders::export_orders(&db, &actor, &filter, EXPORT_PAGE).await {
            Ok(pages) => pages,
            Err(e) => return drop(tx.send(Err(std::io::Error::other(e.to_string()))).await),
        };
        while let Some(page) = pages.recv().await {
            let chunk = page.map(|rows| {
                let mut chunk = Vec::with_capacity(rows.len() * 200);
                for r in &rows {
                    csv_row(&mut chunk, r);
                }
                chunk
            });
            let failed = chunk.is_err();
            if tx
                .send(chunk.map_err(|e| std::io::Error::other(e.to_string())))
                .await
                .is_err()
                || failed
            {
                return;
            }
        }
    });
    let stream = tokio_stream::wrappers::ReceiverStream::new(rx);
    let filename = format!("orders-{}-{}.csv", member.store.store_id, jiff::Zoned::now().date());
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}
