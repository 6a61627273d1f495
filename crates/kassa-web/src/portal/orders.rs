//! The Orders section: list (search, filters, keyset pages, chosen columns, CSV export),
//! the order page with its timeline, and the actions — each running the same order
//! operations as the merchant API, guarded by the same idempotency table against double
//! submits.

use super::account::format_time;
use crate::api::error::ApiError;
use crate::api::model::{CaptureRequest, RefundRequest, WireLine};
use crate::i18n::Lang;
use crate::orders::{self, Actor, Locked};
use crate::session::Member;
use crate::views::{render, Page};
use crate::{now_ms, AppState, WebError};
use askama::Template;
use axum::body::Body;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use kassa_core::access::{Permission, Section};
use kassa_core::order::Status;
use kassa_db::{Claim, Cursor, OrderFilter, OrderListRow, SavedResponse, SortOrder};
use serde::Deserialize;
use serde_json::Value;

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
}

/// "123,45" or "123.45" (major units) → 12345 minor units, with no float anywhere.
pub fn parse_major(text: &str) -> Option<i64> {
    let t = text.trim().replace([' ', '\u{a0}'], "");
    if t.is_empty() {
        return None;
    }
    let (int, frac) = match t.split_once(['.', ',']) {
        Some((i, f)) => (i, f),
        None => (t.as_str(), ""),
    };
    if int.is_empty() && frac.is_empty()
        || frac.len() > 2
        || !int.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let major: i64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let minor: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<2}").parse().ok()?
    };
    major.checked_mul(100)?.checked_add(minor)
}

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
        status_label: lang.t(&status_key(&r.status)),
        status_class: status_class(&r.status),
        status: r.status.clone(),
        expires: r
            .expires_at
            .filter(|_| matches!(r.status.as_str(), "AUTHORIZED" | "PART_CAPTURED"))
            .map(|t| format_time(t, tz))
            .unwrap_or_default(),
        capturable: r.status == "AUTHORIZED",
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
    statuses: Vec<(&'static str, String, bool)>,
    next_page: Option<String>,
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
    let filter = q.filter(&member);
    let plan = state.db.plan_search(&filter).await?;
    let mut rows = state
        .db
        .search_orders(&filter, plan, q.cursor().as_ref(), PAGE_SIZE + 1)
        .await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let base = q.without_cursor();
    let next_page = more.then(|| {
        let c = Cursor::of(rows.last().expect("a full page has a last row"), filter.sort);
        let after = serde_urlencoded::to_string([("after", format!("{}:{}", c.value, c.order_id))]).unwrap_or_default();
        if base.is_empty() {
            format!("/portal/orders?{after}")
        } else {
            format!("/portal/orders?{base}&{after}")
        }
    });
    let here = match raw {
        Some(r) if !r.is_empty() => format!("/portal/orders?{r}"),
        _ => "/portal/orders".to_owned(),
    };
    let page = Page::member(&member, Some(Section::Orders), "orders-title", &here);
    let lang = page.lang;
    let chosen: Vec<&str> = q.status.split(',').collect();
    let statuses = Status::ALL
        .iter()
        .map(|s| (s.code(), lang.t(&status_key(s.code())), chosen.contains(&s.code())))
        .collect();
    Ok(render(&OrdersTemplate {
        rows: rows.iter().map(|r| row_view(r, lang, &member.user.timezone)).collect(),
        columns: columns_of(&state, &member).await?,
        all_columns: COLUMNS,
        statuses,
        next_page,
        export_link: if base.is_empty() {
            "/portal/orders/export.csv".into()
        } else {
            format!("/portal/orders/export.csv?{base}")
        },
        can_manage: member.allows(Permission::ManageOrders),
        migrated: member.onboarding == kassa_core::access::Onboarding::Migrated,
        filters: q,
        page,
    }))
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
fn csv_cell(out: &mut String, value: &str) {
    let defuse = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        "'"
    } else {
        ""
    };
    if value.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(defuse);
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(defuse);
        out.push_str(value);
    }
}

/// Minor units as a plain decimal (`1234.50`), which every spreadsheet reads.
fn decimal(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", minor.unsigned_abs() / 100, minor.unsigned_abs() % 100)
}

/// Rows per statement of the CSV export: large enough that the per-statement cost vanishes,
/// small enough that a page (≈ 1 MB of CSV) is nothing to hold.
const EXPORT_PAGE: i64 = 5_000;

/// One order as a CSV line.
fn csv_row(out: &mut String, r: &OrderListRow) {
    let time = |ms: i64| crate::api::model::iso_time(ms);
    let (created, expires) = (time(r.created_at), r.expires_at.map(time).unwrap_or_default());
    let (amount, captured, refunded) = (
        decimal(r.order_amount),
        decimal(r.captured_amount),
        decimal(r.refunded_amount),
    );
    let cells = [
        created.as_str(),
        &r.order_id,
        &r.short_reference,
        r.merchant_reference1.as_deref().unwrap_or_default(),
        r.merchant_reference2.as_deref().unwrap_or_default(),
        &r.customer_name,
        &r.customer_email,
        &r.purchase_currency,
        &amount,
        &captured,
        &refunded,
        r.payment_method.as_deref().unwrap_or_default(),
        &r.status,
        &expires,
    ];
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        csv_cell(out, cell);
    }
    out.push('\n');
}

/// The current filter as CSV, streamed page by page: constant memory for any size.
pub(crate) async fn export(
    State(state): State<AppState>,
    member: Member,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let filter = q.filter(&member);
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<String, std::io::Error>>(4);
    let db = state.db.clone();
    tokio::spawn(async move {
        let header = "created_at_utc,order_id,short_reference,merchant_reference1,merchant_reference2,customer_name,customer_email,currency,order_amount,captured_amount,refunded_amount,payment_method,status,expires_at_utc\n";
        if tx.send(Ok(header.to_owned())).await.is_err() {
            return;
        }
        let plan = match db.plan_search(&filter).await {
            Ok(plan) => plan,
            Err(e) => return drop(tx.send(Err(std::io::Error::other(e.to_string()))).await),
        };
        let mut pages = db.export_orders(&filter, plan, EXPORT_PAGE);
        while let Some(page) = pages.recv().await {
            let chunk = page.map(|rows| {
                let mut chunk = String::with_capacity(rows.len() * 200);
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

// ---- The order page ------------------------------------------------------------------------

pub struct LineView {
    pub index: usize,
    pub reference: String,
    pub name: String,
    pub quantity: i64,
    pub unit_price: String,
    pub total: String,
    pub capturable: i64,
    pub refundable: i64,
    /// The unit price as the "Edit lines" form shows and reads it back (`1234,50`).
    pub price_input: String,
    /// The tax rate as a percentage (`25 %`).
    pub tax: String,
}

pub struct EventView {
    pub at: String,
    pub action: String,
    pub actor: String,
    pub amount: String,
}

pub struct MoneyRecord {
    pub id: String,
    pub at: String,
    pub amount: String,
    pub description: String,
}

#[derive(Template)]
#[template(path = "order.html")]
struct OrderTemplate {
    page: Page,
    id: String,
    short_reference: String,
    reference1: String,
    reference2: String,
    status_label: String,
    status_class: &'static str,
    created: String,
    expires: String,
    method: String,
    amount: String,
    captured: String,
    refunded: String,
    remaining: String,
    lines: Vec<LineView>,
    customer: Vec<(String, String)>,
    billing: Vec<String>,
    shipping: Vec<String>,
    shipping_info: Vec<String>,
    captures: Vec<MoneyRecord>,
    refunds: Vec<MoneyRecord>,
    events: Vec<EventView>,
    can_capture: bool,
    can_refund: bool,
    can_cancel: bool,
    can_extend: bool,
    can_release: bool,
    can_edit: bool,
    can_change_amount: bool,
    can_edit_lines: bool,
    lines_version: String,
    new_tax_rate: String,
    edit_given: String,
    edit_family: String,
    edit_email: String,
    edit_street: String,
    edit_postal: String,
    edit_city: String,
    edit_phone: String,
    shipping_methods: &'static [&'static str],
    form_key: String,
    error: Option<String>,
}

fn address_lines(v: Option<&Value>) -> Vec<String> {
    let Some(a) = v.and_then(Value::as_object) else {
        return Vec::new();
    };
    let f = |k: &str| a.get(k).and_then(Value::as_str).unwrap_or("").trim().to_owned();
    [
        format!("{} {}", f("given_name"), f("family_name")).trim().to_owned(),
        f("organization_name"),
        f("street_address"),
        f("street_address2"),
        format!("{} {}", f("postal_code"), f("city")).trim().to_owned(),
        f("country"),
        f("email"),
        f("phone"),
    ]
    .into_iter()
    .filter(|l| !l.is_empty())
    .collect()
}

fn billing_field(body: &serde_json::Map<String, Value>, key: &str) -> String {
    body.get("billing_address")
        .and_then(|a| a.get(key))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned()
}

fn event_key(action: &str) -> String {
    format!("order-event-{}", action.replace('_', "-"))
}

async fn order_page(
    state: &AppState,
    member: &Member,
    order_id: &str,
    notice: Option<&str>,
    error: Option<String>,
) -> Result<Response, WebError> {
    let row = state
        .db
        .order(&member.store.store_id, order_id)
        .await?
        .filter(|r| r.status.is_some())
        .ok_or(WebError::NotFound)?;
    let here = format!("/portal/orders/{order_id}");
    let page = Page::member(member, Some(Section::Orders), "order-title", &here).with_notice(notice);
    let lang = page.lang;
    let tz = &member.user.timezone;
    let money = |v: i64| lang.format_money(v, &row.purchase_currency);
    let body: serde_json::Map<String, Value> = serde_json::from_str(&row.body).unwrap_or_default();
    let lines: Vec<WireLine> = body
        .get("order_lines")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    let captures = state.db.captures_of(order_id).await?;
    let refunds = state.db.refunds_of(order_id).await?;
    let counted = |bodies: Vec<&str>, line: &WireLine| -> i64 {
        bodies
            .iter()
            .filter_map(|b| serde_json::from_str::<Value>(b).ok())
            .filter_map(|b| {
                b.get("order_lines")
                    .and_then(|l| serde_json::from_value::<Vec<WireLine>>(l.clone()).ok())
            })
            .flatten()
            .filter(|l| match (&l.reference, &line.reference) {
                (Some(a), Some(b)) if !a.is_empty() || !b.is_empty() => a == b,
                _ => l.name == line.name,
            })
            .map(|l| l.quantity)
            .sum()
    };
    let state_now = orders::core_state(&row).map_err(api_to_web)?;
    let now = now_ms();
    let open = matches!(state_now.status, Status::Authorized | Status::PartCaptured)
        && !state_now.released
        && now < state_now.expires_at;
    let manage = member.allows(Permission::ManageOrders);
    let line_views = lines
        .iter()
        .enumerate()
        .map(|(index, l)| {
            let captured = counted(captures.iter().map(|c| c.body.as_str()).collect(), l);
            let refunded = counted(refunds.iter().map(|r| r.body.as_str()).collect(), l);
            LineView {
                capturable: if open { (l.quantity - captured).max(0) } else { 0 },
                refundable: (captured - refunded).max(0),
                ..line_view(index, l, lang, &row.purchase_currency)
            }
        })
        .collect();
    let events = state
        .db
        .events_of(order_id)
        .await?
        .into_iter()
        .rev()
        .map(|e| EventView {
            at: format_time(e.at, tz),
            action: lang.t(&event_key(&e.action)),
            actor: match e.actor_kind.as_str() {
                "api_key" => lang.t_args("order-actor-api", &[("name", e.actor.clone())]),
                "portal_user" => lang.t_args("order-actor-portal", &[("name", e.actor.clone())]),
                "shopper" => lang.t_args("order-actor-shopper", &[("name", e.actor.clone())]),
                _ => lang.t("order-actor-system"),
            },
            amount: e.amount.map(money).unwrap_or_default(),
        })
        .collect();
    let record = |id: &str, at: i64, amount: i64, body: &str| MoneyRecord {
        id: id.to_owned(),
        at: format_time(at, tz),
        amount: money(amount),
        description: serde_json::from_str::<Value>(body)
            .ok()
            .and_then(|b| b.get("description").and_then(Value::as_str).map(str::to_owned))
            .unwrap_or_default(),
    };
    let shipping_info = body
        .get("shipping_info")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|s| {
                    let f = |k: &str| s.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
                    format!(
                        "{} {} {}",
                        f("shipping_company"),
                        f("tracking_number"),
                        f("shipping_method")
                    )
                    .trim()
                    .to_owned()
                })
                .collect()
        })
        .unwrap_or_default();
    let template = OrderTemplate {
        id: row.order_id.clone(),
        short_reference: row.short_reference.clone(),
        reference1: row.merchant_reference1.clone().unwrap_or_default(),
        reference2: row.merchant_reference2.clone().unwrap_or_default(),
        status_label: lang.t(&status_key(row.status.as_deref().unwrap_or(""))),
        status_class: status_class(row.status.as_deref().unwrap_or("")),
        created: format_time(row.completed_at.unwrap_or(row.created_at), tz),
        expires: row
            .expires_at
            .filter(|_| open)
            .map(|t| format_time(t, tz))
            .unwrap_or_default(),
        method: lang.t(method_key(row.payment_method.as_deref())),
        amount: money(row.order_amount),
        captured: money(row.captured_amount),
        refunded: money(row.refunded_amount),
        remaining: money(state_now.remaining_authorized()),
        lines: line_views,
        customer: vec![
            (lang.t("order-customer-name"), row.customer_name.clone()),
            (lang.t("field-email"), row.customer_email.clone()),
        ],
        billing: address_lines(body.get("billing_address")),
        shipping: address_lines(body.get("shipping_address")),
        shipping_info,
        captures: captures
            .iter()
            .map(|c| record(&c.capture_id, c.captured_at, c.captured_amount, &c.body))
            .collect(),
        refunds: refunds
            .iter()
            .map(|r| record(&r.refund_id, r.refunded_at, r.refunded_amount, &r.body))
            .collect(),
        events,
        can_capture: manage && open,
        can_refund: manage && row.captured_amount > row.refunded_amount,
        can_cancel: manage && state_now.cancel().is_ok(),
        can_extend: manage && state_now.extend_authorization(now, 24 * 3600 * 1000).is_ok(),
        can_release: manage && state_now.release_remaining().is_ok(),
        can_edit: manage && state_now.may_edit_details().is_ok(),
        can_change_amount: manage && open,
        // Lines change only while nothing is captured (the portal's "edit lines while
        // uncaptured"); the amount alone may change later too.
        can_edit_lines: manage && open && state_now.status == Status::Authorized,
        lines_version: lines_version(&body),
        new_tax_rate: lines
            .first()
            .and_then(|l| l.tax_rate)
            .map(|r| percent_input(r, lang))
            .unwrap_or_default(),
        edit_given: billing_field(&body, "given_name"),
        edit_family: billing_field(&body, "family_name"),
        edit_email: billing_field(&body, "email"),
        edit_street: billing_field(&body, "street_address"),
        edit_postal: billing_field(&body, "postal_code"),
        edit_city: billing_field(&body, "city"),
        edit_phone: billing_field(&body, "phone"),
        shipping_methods: crate::api::model::SHIPPING_METHODS,
        form_key: crate::password::random_token(),
        error,
        page,
    };
    let mut res = render(&template);
    if template.error.is_some() {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub(crate) async fn show(
    State(state): State<AppState>,
    member: Member,
    Path(order_id): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    let notice = q.done.as_deref().map(|d| match d {
        "captured" => "order-done-captured",
        "refunded" => "order-done-refunded",
        "cancelled" => "order-done-cancelled",
        "extended" => "order-done-extended",
        "released" => "order-done-released",
        "references" => "order-done-references",
        "amount" => "order-done-amount",
        "customer" => "order-done-customer",
        "shipping" => "order-done-shipping",
        "lines" => "order-done-lines",
        _ => "order-done-repeated",
    });
    order_page(&state, &member, &order_id, notice, None).await
}

#[derive(Deserialize, Default)]
pub(crate) struct NoticeQuery {
    done: Option<String>,
}

fn api_to_web(e: ApiError) -> WebError {
    WebError::Internal(e.messages.join("; "))
}

/// An action form: what to do, how much, and a one-time key against double submits.
#[derive(Deserialize, Debug, Default)]
pub(crate) struct ActionForm {
    #[serde(default)]
    form_key: String,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    merchant_reference1: String,
    #[serde(default)]
    merchant_reference2: String,
    #[serde(flatten)]
    rest: std::collections::HashMap<String, String>,
}

/// The error explained in the user's language, for the error codes the domain gives.
fn explain(lang: Lang, e: &ApiError) -> String {
    let key = match e.code {
        "CAPTURE_NOT_ALLOWED" => "order-error-capture",
        "REFUND_NOT_ALLOWED" => "order-error-refund",
        "CANCEL_NOT_ALLOWED" => "order-error-cancel",
        "BAD_VALUE" => "order-error-amount",
        _ => "order-error-not-allowed",
    };
    format!("{} ({})", lang.t(key), e.messages.join(" "))
}

/// Lines picked by quantity (`qty_0`, `qty_1`…) turned into capture/refund lines.
fn picked_lines(lines: &[WireLine], form: &ActionForm) -> Result<Vec<WireLine>, ()> {
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let Some(raw) = form.rest.get(&format!("qty_{i}")) else {
            continue;
        };
        let raw = raw.trim();
        if raw.is_empty() || raw == "0" {
            continue;
        }
        let q: i64 = raw.parse().map_err(|_| ())?;
        if q < 0 || q > l.quantity {
            return Err(());
        }
        out.push(repriced(l, q, l.unit_price).ok_or(())?);
    }
    Ok(out)
}

/// `line` at another quantity and unit price: its discount kept per unit, its totals worked
/// out as the spec defines them. None when the numbers are too large to multiply.
fn repriced(line: &WireLine, quantity: i64, unit_price: i64) -> Option<WireLine> {
    let discount = line.total_discount_amount.unwrap_or(0);
    let discount = if line.quantity > 0 {
        i64::try_from(discount as i128 * quantity as i128 / line.quantity as i128).ok()?
    } else {
        discount
    };
    let total = kassa_core::lines::line_total(quantity, unit_price, discount)?;
    Some(WireLine {
        quantity,
        unit_price,
        total_amount: total,
        total_discount_amount: Some(discount),
        total_tax_amount: Some(kassa_core::lines::included_tax(total, line.tax_rate.unwrap_or(0))),
        ..line.clone()
    })
}

/// Runs one action on a locked order as the signed-in user, at most once per form.
pub(crate) async fn act(
    State(state): State<AppState>,
    member: Member,
    Path((order_id, action)): Path<(String, String)>,
    Form(form): Form<ActionForm>,
) -> Result<Response, WebError> {
    let lang = Lang::from_code(&member.user.language).unwrap_or(Lang::En);
    let store = member.store.store_id.clone();
    let done_url = |what: &str| format!("/portal/orders/{order_id}?done={what}");
    // A double submit (or a reload of the POST) finds its key used and does nothing.
    let key = format!("portal:{}", form.form_key);
    if form.form_key.len() < 16 {
        return Err(WebError::BadRequest("missing form key".into()));
    }
    match state
        .db
        .claim_idempotency_key(&store, &key, &format!("{action}:{order_id}"), now_ms())
        .await?
    {
        Claim::Fresh => {}
        _ => return Ok(Redirect::to(&done_url("repeated")).into_response()),
    }
    // An edit of the lines that removes some or lowers the amount is shown and asked for
    // again first: the form key is given back, to be spent when it is confirmed.
    if action == "lines" && form.rest.get("confirmed").map(String::as_str) != Some("1") {
        match lines_confirmation(&state, &member, &order_id, &form).await {
            Ok(None) => {}
            Ok(Some(page)) => {
                state.db.release_idempotency_key(&store, &key).await?;
                return Ok(page);
            }
            Err(e) => {
                state.db.release_idempotency_key(&store, &key).await?;
                return Err(e);
            }
        }
    }
    let actor = Actor {
        kind: "portal_user",
        name: member.user.email.clone(),
    };
    let result = run_action(&state, &store, &order_id, &action, &form, &actor).await;
    match result {
        Ok((mut locked, done)) => {
            let location = done_url(done);
            let saved = SavedResponse {
                status: 303,
                headers: serde_json::json!({"location": location}).to_string(),
                body: String::new(),
            };
            locked.tx.complete_idempotency_key(&store, &key, &saved).await?;
            locked.tx.commit().await?;
            Ok(Redirect::to(&location).into_response())
        }
        Err(ActionError::NotFound) => {
            state.db.release_idempotency_key(&store, &key).await?;
            Err(WebError::NotFound)
        }
        Err(ActionError::Refused(e)) => {
            state.db.release_idempotency_key(&store, &key).await?;
            order_page(&state, &member, &order_id, None, Some(explain(lang, &e))).await
        }
        Err(ActionError::Lines(problem)) => {
            state.db.release_idempotency_key(&store, &key).await?;
            order_page(&state, &member, &order_id, None, Some(problem.explain(lang))).await
        }
    }
}

enum ActionError {
    NotFound,
    Refused(ApiError),
    Lines(LinesProblem),
}

impl From<ApiError> for ActionError {
    fn from(e: ApiError) -> Self {
        if e.code == "NO_SUCH_ORDER" {
            ActionError::NotFound
        } else {
            ActionError::Refused(e)
        }
    }
}

async fn run_action(
    state: &AppState,
    store: &str,
    order_id: &str,
    action: &str,
    form: &ActionForm,
    actor: &Actor,
) -> Result<(Locked, &'static str), ActionError> {
    let mut locked = orders::lock(&state.db, store, order_id).await?;
    let body = locked.body();
    let lines: Vec<WireLine> = body
        .get("order_lines")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    let bad = |m: &str| ActionError::Refused(ApiError::bad_value(m.to_owned()));
    let done = match action {
        "capture" => {
            let current = locked.state()?;
            let (amount, order_lines) = match form.mode.as_str() {
                "full" => (current.remaining_authorized(), None),
                "lines" => {
                    let picked = picked_lines(&lines, form).map_err(|_| bad("quantities"))?;
                    (picked.iter().map(|l| l.total_amount).sum(), Some(picked))
                }
                _ => (parse_major(&form.amount).ok_or_else(|| bad("amount"))?, None),
            };
            let req = CaptureRequest {
                captured_amount: amount,
                description: None,
                reference: None,
                order_lines,
                shipping_info: None,
                shipping_delay: None,
            };
            orders::capture(&mut locked, &req, actor).await?;
            "captured"
        }
        "refund" => {
            let refundable = locked.row.captured_amount - locked.row.refunded_amount;
            let (amount, order_lines) = match form.mode.as_str() {
                "full" => (refundable, None),
                "lines" => {
                    let picked = picked_lines(&lines, form).map_err(|_| bad("quantities"))?;
                    (picked.iter().map(|l| l.total_amount).sum(), Some(picked))
                }
                _ => (parse_major(&form.amount).ok_or_else(|| bad("amount"))?, None),
            };
            let description = Some(form.description.trim().to_owned()).filter(|d| !d.is_empty());
            orders::refund(
                &mut locked,
                &RefundRequest {
                    refunded_amount: amount,
                    description,
                    reference: None,
                    order_lines,
                },
                actor,
            )
            .await?;
            "refunded"
        }
        "cancel" => {
            let next = locked.state()?.cancel().map_err(ApiError::from)?;
            orders::transition(&mut locked, actor, "cancelled", next).await?;
            "cancelled"
        }
        "extend" => {
            let days = state
                .db
                .store(store)
                .await
                .map_err(ApiError::from)?
                .map(|s| s.reservation_days)
                .unwrap_or(28);
            let next = locked
                .state()?
                .extend_authorization(now_ms(), days * 24 * 3600 * 1000)
                .map_err(ApiError::from)?;
            orders::transition(&mut locked, actor, "authorization_extended", next).await?;
            "extended"
        }
        "release" => {
            let next = locked.state()?.release_remaining().map_err(ApiError::from)?;
            orders::transition(&mut locked, actor, "released", next).await?;
            "released"
        }
        "amount" => {
            // A new order amount while something is left to capture (lower it when an item
            // cannot be delivered). Never below what is captured: the domain refuses that.
            let amount = parse_major(&form.amount).ok_or_else(|| bad("amount"))?;
            let description = Some(form.description.trim().to_owned()).filter(|d| !d.is_empty());
            let req = crate::api::model::UpdateAuthorization {
                order_amount: amount,
                description,
                order_lines: None,
            };
            orders::update_authorization(&mut locked, &req, actor).await?;
            "amount"
        }
        "lines" => {
            // Worked out again under the lock, from the order as it is now.
            let edit = edited_lines(&locked.row, form).map_err(ActionError::Lines)?;
            let description = Some(form.description.trim().to_owned()).filter(|d| !d.is_empty());
            let req = crate::api::model::UpdateAuthorization {
                order_amount: edit.order_amount,
                description,
                order_lines: Some(edit.lines),
            };
            orders::update_authorization(&mut locked, &req, actor).await?;
            "lines"
        }
        "customer" => {
            let field = |k: &str| form.rest.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
            let mut address = serde_json::Map::new();
            for key in [
                "given_name",
                "family_name",
                "email",
                "street_address",
                "postal_code",
                "city",
                "phone",
            ] {
                address.insert(key.into(), Value::String(field(key)));
            }
            let mut problems = Vec::new();
            crate::api::model::check_address(&Value::Object(address.clone()), "billing_address", &mut problems);
            if !problems.is_empty() {
                return Err(ActionError::Refused(ApiError::bad_values(problems)));
            }
            orders::edit_details(&mut locked, actor, "customer_details_updated", |body, _| {
                let mut merged = body
                    .get("billing_address")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                merged.extend(address);
                body.insert("billing_address".into(), Value::Object(merged));
            })
            .await?;
            "customer"
        }
        "shipping" => {
            let field = |k: &str| form.rest.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
            let mut entry = serde_json::Map::new();
            for key in ["shipping_company", "tracking_number", "shipping_method", "tracking_uri"] {
                if !field(key).is_empty() {
                    entry.insert(key.into(), Value::String(field(key)));
                }
            }
            if entry.is_empty() {
                return Err(bad("shipping_info"));
            }
            let mut problems = Vec::new();
            crate::api::model::check_shipping_info(&[Value::Object(entry.clone())], &mut problems);
            if !problems.is_empty() {
                return Err(ActionError::Refused(ApiError::bad_values(problems)));
            }
            orders::edit_details(&mut locked, actor, "shipping_info_added", |body, _| {
                let mut list = body
                    .get("shipping_info")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                list.push(Value::Object(entry));
                body.insert("shipping_info".into(), Value::Array(list));
            })
            .await?;
            "shipping"
        }
        "references" => {
            for (name, v) in [
                ("merchant_reference1", &form.merchant_reference1),
                ("merchant_reference2", &form.merchant_reference2),
            ] {
                if v.chars().count() > 255 {
                    return Err(bad(name));
                }
            }
            let (r1, r2) = (
                form.merchant_reference1.trim().to_owned(),
                form.merchant_reference2.trim().to_owned(),
            );
            orders::edit_details(&mut locked, actor, "merchant_references_updated", |body, row| {
                row.merchant_reference1 = Some(r1).filter(|s| !s.is_empty());
                row.merchant_reference2 = Some(r2).filter(|s| !s.is_empty());
                body.insert("merchant_reference1".into(), serde_json::json!(row.merchant_reference1));
                body.insert("merchant_reference2".into(), serde_json::json!(row.merchant_reference2));
            })
            .await?;
            "references"
        }
        _ => return Err(ActionError::NotFound),
    };
    Ok((locked, done))
}

// ---- Editing the lines of an uncaptured order ----------------------------------------------

/// A line as the order page and the confirmation show it.
fn line_view(index: usize, l: &WireLine, lang: Lang, currency: &str) -> LineView {
    LineView {
        index,
        reference: l.reference.clone().unwrap_or_default(),
        name: l.name.clone(),
        quantity: l.quantity,
        unit_price: lang.format_money(l.unit_price, currency),
        total: lang.format_money(l.total_amount, currency),
        capturable: 0,
        refundable: 0,
        price_input: major_input(l.unit_price, lang),
        tax: format!("{}\u{a0}%", percent_input(l.tax_rate.unwrap_or(0), lang)),
    }
}

/// Minor units as a person types them into a form in this language (`1234,50`, no
/// grouping), which [`parse_major`] reads back.
fn major_input(minor: i64, lang: Lang) -> String {
    let plain = decimal(minor);
    if lang == Lang::En {
        plain
    } else {
        plain.replace('.', ",")
    }
}

/// A tax rate in basis points as a percentage to type: 2500 → `25`, 1250 → `12,5`.
fn percent_input(basis_points: i64, lang: Lang) -> String {
    major_input(basis_points, lang)
        .trim_end_matches('0')
        .trim_end_matches([',', '.'])
        .to_owned()
}

/// Like [`parse_major`], and a leading minus for discount lines.
fn parse_signed_major(text: &str) -> Option<i64> {
    match text.trim().strip_prefix(['-', '\u{2212}']) {
        Some(rest) => parse_major(rest).map(|v| -v),
        None => parse_major(text),
    }
}

/// A fingerprint of an order's lines, sent with the form: an edit made on lines that have
/// changed since is refused rather than applied to the wrong line.
fn lines_version(body: &serde_json::Map<String, Value>) -> String {
    use sha2::Digest;
    let lines = body.get("order_lines").map(Value::to_string).unwrap_or_default();
    sha2::Sha256::digest(lines.as_bytes())
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Why an edit of the lines was not taken; each is explained in plain words.
#[derive(Debug, PartialEq, Eq)]
enum LinesProblem {
    Quantity(String),
    Price(String),
    NewLine,
    TaxRate,
    Empty,
    TooLarge(String),
    Unchanged,
    Changed,
    Captured,
}

impl LinesProblem {
    fn explain(&self, lang: Lang) -> String {
        match self {
            LinesProblem::Quantity(name) => lang.t_args("order-lines-error-quantity", &[("name", name.clone())]),
            LinesProblem::Price(name) => lang.t_args("order-lines-error-price", &[("name", name.clone())]),
            LinesProblem::NewLine => lang.t("order-lines-error-new-line"),
            LinesProblem::TaxRate => lang.t("order-lines-error-tax-rate"),
            LinesProblem::Empty => lang.t("order-lines-error-empty"),
            LinesProblem::TooLarge(currency) => lang.t_args(
                "order-lines-error-too-large",
                &[("max", lang.format_money(kassa_core::money::MAX_AMOUNT, currency))],
            ),
            LinesProblem::Unchanged => lang.t("order-lines-error-unchanged"),
            LinesProblem::Changed => lang.t("order-lines-error-changed"),
            LinesProblem::Captured => lang.t("order-lines-error-captured"),
        }
    }
}

/// The lines an "Edit lines" form asks for, and what they add up to.
struct LinesEdit {
    lines: Vec<WireLine>,
    order_amount: i64,
    /// Names of the lines taken off.
    removed: Vec<String>,
}

/// Reads the "Edit lines" form against the order as `row` has it: per line `quantity_<i>`,
/// `unit_price_<i>` and `remove_<i>`; an optional new line (`new_name`, `new_reference`,
/// `new_quantity`, `new_unit_price`, `new_tax_rate` in %). Totals are worked out with the
/// spec's line arithmetic; the domain checks the result as it checks the API's.
fn edited_lines(row: &kassa_db::OrderRow, form: &ActionForm) -> Result<LinesEdit, LinesProblem> {
    let body: serde_json::Map<String, Value> = serde_json::from_str(&row.body).unwrap_or_default();
    if form.rest.get("lines_version") != Some(&lines_version(&body)) {
        return Err(LinesProblem::Changed);
    }
    if row.captured_amount > 0 {
        return Err(LinesProblem::Captured);
    }
    let current: Vec<WireLine> = body
        .get("order_lines")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    let field = |key: String| form.rest.get(&key).map(|v| v.trim());
    let quantity_of = |raw: &str| raw.parse::<i64>().ok().filter(|q| *q >= 0);
    let too_large = || LinesProblem::TooLarge(row.purchase_currency.clone());
    let mut lines = Vec::new();
    let mut removed = Vec::new();
    let mut changed = false;
    for (i, line) in current.iter().enumerate() {
        if field(format!("remove_{i}")).is_some_and(|v| !v.is_empty()) {
            removed.push(line.name.clone());
            continue;
        }
        // A field left out keeps its value; one sent empty is a mistake to explain.
        let quantity = match field(format!("quantity_{i}")) {
            None => line.quantity,
            Some(raw) => quantity_of(raw).ok_or_else(|| LinesProblem::Quantity(line.name.clone()))?,
        };
        let unit_price = match field(format!("unit_price_{i}")) {
            None => line.unit_price,
            Some(raw) => parse_signed_major(raw).ok_or_else(|| LinesProblem::Price(line.name.clone()))?,
        };
        if (quantity, unit_price) == (line.quantity, line.unit_price) {
            lines.push(line.clone());
        } else {
            lines.push(repriced(line, quantity, unit_price).ok_or_else(too_large)?);
            changed = true;
        }
    }
    let new = |key: &str| field(format!("new_{key}")).unwrap_or("");
    let (name, reference, quantity, price) = (new("name"), new("reference"), new("quantity"), new("unit_price"));
    if [name, reference, quantity, price].iter().any(|v| !v.is_empty()) {
        if name.is_empty() || quantity.is_empty() || price.is_empty() {
            return Err(LinesProblem::NewLine);
        }
        let quantity = quantity_of(quantity)
            .filter(|q| *q > 0)
            .ok_or_else(|| LinesProblem::Quantity(name.to_owned()))?;
        let unit_price = parse_signed_major(price).ok_or_else(|| LinesProblem::Price(name.to_owned()))?;
        let tax_rate = match new("tax_rate") {
            "" => 0,
            raw => parse_major(raw)
                .filter(|r| *r <= kassa_core::money::MAX_TAX_RATE)
                .ok_or(LinesProblem::TaxRate)?,
        };
        let line = WireLine {
            // A negative price takes money off: Kustom's discount line.
            kind: Some(if unit_price < 0 { "discount" } else { "physical" }.to_owned()),
            reference: Some(reference.to_owned()).filter(|r| !r.is_empty()),
            name: name.to_owned(),
            quantity,
            quantity_unit: None,
            unit_price,
            tax_rate: Some(tax_rate),
            total_amount: 0,
            total_discount_amount: Some(0),
            total_tax_amount: Some(0),
            merchant_data: None,
            product_url: None,
            image_url: None,
            extra: Default::default(),
        };
        lines.push(repriced(&line, quantity, unit_price).ok_or_else(too_large)?);
        changed = true;
    }
    if !changed && removed.is_empty() {
        return Err(LinesProblem::Unchanged);
    }
    let order_amount = lines
        .iter()
        .try_fold(0i64, |sum, l| sum.checked_add(l.total_amount))
        .ok_or_else(too_large)?;
    if lines.is_empty() || order_amount <= 0 {
        return Err(LinesProblem::Empty);
    }
    if order_amount > kassa_core::money::MAX_AMOUNT {
        return Err(too_large());
    }
    Ok(LinesEdit {
        lines,
        order_amount,
        removed,
    })
}

#[derive(Template)]
#[template(path = "order_lines_confirm.html")]
struct LinesConfirmTemplate {
    page: Page,
    id: String,
    short_reference: String,
    amount_change: String,
    removed: Vec<String>,
    lines: Vec<LineView>,
    /// The form as it was sent, to send again with `confirmed=1`.
    fields: Vec<(String, String)>,
    form_key: String,
}

/// For an edit of the lines that removes some or lowers the amount: a page that shows the
/// result and asks again. A form with a mistake gets the order page with the mistake
/// explained. None when the edit may go ahead without asking.
async fn lines_confirmation(
    state: &AppState,
    member: &Member,
    order_id: &str,
    form: &ActionForm,
) -> Result<Option<Response>, WebError> {
    let row = state
        .db
        .order(&member.store.store_id, order_id)
        .await?
        .filter(|r| r.status.is_some())
        .ok_or(WebError::NotFound)?;
    let lang = Lang::from_code(&member.user.language).unwrap_or(Lang::En);
    let edit = match edited_lines(&row, form) {
        Ok(edit) => edit,
        Err(problem) => {
            return order_page(state, member, order_id, None, Some(problem.explain(lang)))
                .await
                .map(Some)
        }
    };
    if edit.removed.is_empty() && edit.order_amount >= row.order_amount {
        return Ok(None);
    }
    let currency = &row.purchase_currency;
    let page = Page::member(
        member,
        Some(Section::Orders),
        "order-lines-confirm-title",
        &format!("/portal/orders/{order_id}"),
    );
    let mut fields: Vec<(String, String)> = form
        .rest
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "csrf" | "confirmed"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    fields.push(("description".into(), form.description.clone()));
    fields.sort();
    Ok(Some(render(&LinesConfirmTemplate {
        id: row.order_id.clone(),
        short_reference: row.short_reference.clone(),
        amount_change: lang.t_args(
            "order-lines-amount-change",
            &[
                ("before", lang.format_money(row.order_amount, currency)),
                ("after", lang.format_money(edit.order_amount, currency)),
            ],
        ),
        removed: edit.removed,
        lines: edit
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| line_view(i, l, lang, currency))
            .collect(),
        fields,
        form_key: form.form_key.clone(),
        page,
    })))
}

#[derive(Template)]
#[template(path = "bulk_capture.html")]
struct BulkTemplate {
    page: Page,
    results: Vec<(String, String, bool, String)>,
}

/// Captures every selected order in full, each on its own, and reports each result.
pub(crate) async fn bulk_capture(
    State(state): State<AppState>,
    member: Member,
    axum::extract::RawForm(raw): axum::extract::RawForm,
) -> Result<Response, WebError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_bytes(&raw).map_err(|e| WebError::BadRequest(e.to_string()))?;
    let ids: Vec<String> = pairs
        .into_iter()
        .filter(|(k, _)| k == "order")
        .map(|(_, v)| v)
        .take(500)
        .collect();
    let page = Page::member(&member, Some(Section::Orders), "orders-bulk-title", "/portal/orders");
    let lang = page.lang;
    let actor = Actor {
        kind: "portal_user",
        name: member.user.email.clone(),
    };
    let mut results = Vec::new();
    for id in ids {
        let outcome = async {
            let mut locked = orders::lock(&state.db, &member.store.store_id, &id).await?;
            let amount = locked.state()?.remaining_authorized();
            let req = CaptureRequest {
                captured_amount: amount,
                description: None,
                reference: None,
                order_lines: None,
                shipping_info: None,
                shipping_delay: None,
            };
            orders::capture(&mut locked, &req, &actor).await?;
            let reference = locked.row.short_reference.clone();
            let money = lang.format_money(amount, &locked.row.purchase_currency);
            locked.tx.commit().await?;
            Ok::<_, ApiError>((reference, money))
        }
        .await;
        match outcome {
            Ok((reference, money)) => results.push((id, reference, true, money)),
            Err(e) => results.push((id.clone(), String::new(), false, explain(lang, &e))),
        }
    }
    Ok(render(&BulkTemplate { page, results }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_in_major_units() {
        assert_eq!(parse_major("123,45"), Some(12345));
        assert_eq!(parse_major("123.4"), Some(12340));
        assert_eq!(parse_major(" 1 000 "), Some(100000));
        assert_eq!(parse_major("0,05"), Some(5));
        for bad in ["", "1.234", "-5", "abc", "1e3", ".", "12,3,4"] {
            assert_eq!(parse_major(bad), None, "{bad}");
        }
    }

    #[test]
    fn line_form_values_round_trip() {
        assert_eq!(major_input(123450, Lang::En), "1234.50");
        assert_eq!(major_input(-5, Lang::Sv), "-0,05");
        assert_eq!(parse_signed_major(&major_input(-123450, Lang::De)), Some(-123450));
        assert_eq!(percent_input(2500, Lang::Sv), "25");
        assert_eq!(percent_input(1250, Lang::En), "12.5");
        assert_eq!(percent_input(0, Lang::Nl), "0");
        assert_eq!(percent_input(10000, Lang::Fi), "100");
        assert_eq!(parse_major(&percent_input(650, Lang::Da)), Some(650));
    }

    fn order_with(lines: Value, captured: i64) -> kassa_db::OrderRow {
        kassa_db::OrderRow {
            order_id: "o".into(),
            store_id: "M1".into(),
            short_reference: "K".into(),
            checkout_status: "checkout_complete".into(),
            status: Some("AUTHORIZED".into()),
            fraud_status: None,
            purchase_country: "SE".into(),
            purchase_currency: "SEK".into(),
            locale: "sv-SE".into(),
            order_amount: 60000,
            order_tax_amount: 12000,
            original_order_amount: 60000,
            captured_amount: captured,
            refunded_amount: 0,
            released: false,
            merchant_reference1: None,
            merchant_reference2: None,
            customer_name: String::new(),
            customer_email: String::new(),
            payment_method: None,
            acknowledged: false,
            body: serde_json::json!({ "order_lines": lines }).to_string(),
            created_at: 0,
            completed_at: None,
            last_modified_at: 0,
            checkout_expires_at: 0,
            expires_at: None,
        }
    }

    fn lines_form(row: &kassa_db::OrderRow, fields: &[(&str, &str)]) -> ActionForm {
        let body: serde_json::Map<String, Value> = serde_json::from_str(&row.body).unwrap();
        let mut rest: std::collections::HashMap<String, String> =
            fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        rest.entry("lines_version".into())
            .or_insert_with(|| lines_version(&body));
        ActionForm {
            rest,
            ..ActionForm::default()
        }
    }

    #[test]
    fn edited_lines_are_priced_by_the_spec_and_checked() {
        let row = order_with(
            serde_json::json!([
                {"type": "physical", "reference": "A", "name": "Camera", "quantity": 1, "unit_price": 40000,
                 "tax_rate": 2500, "total_amount": 40000, "total_discount_amount": 0, "total_tax_amount": 8000},
                {"type": "physical", "reference": "B", "name": "Tripod", "quantity": 2, "unit_price": 10000,
                 "tax_rate": 2500, "total_amount": 20000, "total_discount_amount": 1000, "total_tax_amount": 4000}
            ]),
            0,
        );
        // Three tripods at 99,90 keep their discount per unit (500 each).
        let edit = edited_lines(
            &row,
            &lines_form(&row, &[("quantity_1", "3"), ("unit_price_1", "99,90")]),
        )
        .unwrap();
        let tripod = &edit.lines[1];
        assert_eq!((tripod.total_discount_amount, tripod.total_amount), (Some(1500), 28470));
        assert_eq!(
            tripod.total_tax_amount,
            Some(kassa_core::lines::included_tax(28470, 2500))
        );
        assert_eq!(edit.lines[0].total_amount, 40000, "an untouched line stays as it was");
        assert_eq!(edit.order_amount, 68470);
        let core: Vec<_> = edit.lines.iter().map(WireLine::to_line).collect();
        let tax = core.iter().map(|l| l.total_tax_amount).sum();
        assert_eq!(kassa_core::lines::check_order(&core, edit.order_amount, tax), vec![]);

        // Remove one, add one with 12,5 % tax.
        let edit = edited_lines(
            &row,
            &lines_form(
                &row,
                &[
                    ("remove_0", "1"),
                    ("new_name", "Bag"),
                    ("new_quantity", "2"),
                    ("new_unit_price", "15"),
                    ("new_tax_rate", "12,5"),
                ],
            ),
        )
        .unwrap();
        assert_eq!(edit.removed, vec!["Camera".to_owned()]);
        assert_eq!(edit.lines.len(), 2);
        assert_eq!(
            (
                edit.lines[1].total_amount,
                edit.lines[1].tax_rate,
                edit.lines[1].total_tax_amount
            ),
            (3000, Some(1250), Some(334))
        );

        let problem = |fields: &[(&str, &str)]| edited_lines(&row, &lines_form(&row, fields)).err();
        assert_eq!(problem(&[]), Some(LinesProblem::Unchanged));
        assert_eq!(
            problem(&[("quantity_0", "1.5")]),
            Some(LinesProblem::Quantity("Camera".into()))
        );
        assert_eq!(
            problem(&[("quantity_0", "")]),
            Some(LinesProblem::Quantity("Camera".into()))
        );
        assert_eq!(
            problem(&[("unit_price_1", "ten")]),
            Some(LinesProblem::Price("Tripod".into()))
        );
        assert_eq!(
            problem(&[("remove_0", "1"), ("remove_1", "1")]),
            Some(LinesProblem::Empty)
        );
        assert_eq!(
            problem(&[("quantity_0", "0"), ("quantity_1", "0")]),
            Some(LinesProblem::Empty)
        );
        assert_eq!(problem(&[("new_name", "Bag")]), Some(LinesProblem::NewLine));
        assert_eq!(
            problem(&[
                ("new_name", "Bag"),
                ("new_quantity", "1"),
                ("new_unit_price", "1"),
                ("new_tax_rate", "101")
            ]),
            Some(LinesProblem::TaxRate)
        );
        assert_eq!(
            problem(&[("quantity_0", "9223372036854775807")]),
            Some(LinesProblem::TooLarge("SEK".into()))
        );
        assert_eq!(
            problem(&[("quantity_0", "3000")]),
            Some(LinesProblem::TooLarge("SEK".into()))
        );
        assert_eq!(
            problem(&[("quantity_0", "2"), ("lines_version", "stale")]),
            Some(LinesProblem::Changed)
        );
        let captured = order_with(
            serde_json::from_str::<Value>(&row.body).unwrap()["order_lines"].clone(),
            1,
        );
        assert_eq!(
            edited_lines(&captured, &lines_form(&captured, &[("quantity_0", "2")])).err(),
            Some(LinesProblem::Captured)
        );
    }

    #[test]
    fn csv_cells_are_quoted_and_defused() {
        let cell = |v: &str| {
            let mut out = String::new();
            csv_cell(&mut out, v);
            out
        };
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(cell("-1,5"), "\"'-1,5\"");
        assert_eq!(decimal(123450), "1234.50");
        assert_eq!(decimal(-5), "-0.05");
    }
}
