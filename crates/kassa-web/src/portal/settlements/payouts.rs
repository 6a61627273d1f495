//! The payouts list (filters by payout date and currency, keyset pages, newest first) and
//! the payout page (totals, bank account, period, transactions each linking to its order,
//! and the payout's CSV and PDF report).

use super::{day, mask_iban, payout_line, type_label, PayoutLine};
use crate::shell::extract::{Path, Query};
use crate::shell::i18n::{format_time, Lang};
use crate::shell::session::Member;
use crate::shell::views::{render, Page};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use kassa_app::dates::{day_end, day_start};
use kassa_app::settlements::{self, PayoutFilter};
use kassa_core::access::{Permission, Section};
use kassa_db::{LedgerEntryRow, PayoutRow};
use serde::Deserialize;

/// Payouts per page of the list.
const PAGE_SIZE: i64 = 25;
/// Transactions per page of a payout.
const TRANSACTIONS_PAGE: i64 = 50;
/// Earlier pages' cursors kept in the "previous page" link.
const TRAIL_MAX: usize = 100;
/// The first page's place in the trail (it has no cursor).
const FIRST: &str = "first";

/// The list's query string, as text: parsed (and any bad value explained) below.
#[derive(Debug, Deserialize, Default, Clone)]
pub(crate) struct ListQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    currency: String,
    /// `payout_date:id` of the last row of the page before.
    #[serde(default)]
    after: String,
    /// The cursors of the pages before this one, oldest first.
    #[serde(default)]
    trail: String,
}

fn cursor(text: &str) -> Option<(i64, i64)> {
    let (date, id) = text.split_once(':')?;
    Some((date.parse().ok()?, id.parse().ok()?))
}

impl ListQuery {
    /// The filter, or the sentences that say which value cannot be used.
    fn filter(&self, lang: Lang, tz: &str) -> Result<PayoutFilter, Vec<String>> {
        let mut problems = Vec::new();
        let mut date = |value: &str, key: &str, end: bool| {
            let value = value.trim();
            if value.is_empty() {
                return None;
            }
            let parsed = if end { day_end(value, tz) } else { day_start(value, tz) };
            if parsed.is_none() {
                let args = [("field", lang.t(key)), ("value", value.to_owned())];
                problems.push(lang.t_args("orders-invalid-date", &args));
            }
            parsed
        };
        let from = date(&self.from, "orders-from", false);
        let to = date(&self.to, "orders-to", true);
        if let (Some(f), Some(t)) = (from, to) {
            if f >= t {
                problems.push(lang.t("orders-invalid-date-order"));
            }
        }
        let currency = self.currency.trim().to_uppercase();
        let code = currency.len() == 3 && currency.chars().all(|c| c.is_ascii_uppercase());
        if !currency.is_empty() && !code {
            problems.push(lang.t("settlements-invalid-currency"));
        }
        if problems.is_empty() {
            Ok(PayoutFilter {
                // A member always reads their current store (the header's switcher picks it).
                store: None,
                from,
                to,
                currency: Some(currency).filter(|c| !c.is_empty()),
            })
        } else {
            Err(problems)
        }
    }

    /// The query string without cursors, for the page links.
    fn base(&self) -> Vec<(&'static str, String)> {
        [("from", &self.from), ("to", &self.to), ("currency", &self.currency)]
            .into_iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| (k, v.trim().to_owned()))
            .collect()
    }

    fn link(&self, after: Option<&str>, trail: &[&str]) -> String {
        let mut pairs = self.base();
        if let Some(after) = after {
            pairs.push(("after", after.to_owned()));
        }
        if !trail.is_empty() {
            pairs.push(("trail", trail.join(",")));
        }
        let query = serde_urlencoded::to_string(pairs).unwrap_or_default();
        if query.is_empty() {
            "/portal/settlements/payouts".into()
        } else {
            format!("/portal/settlements/payouts?{query}")
        }
    }

    /// The cursors of the pages before this one (the first page is [`FIRST`]).
    fn trail(&self) -> Vec<&str> {
        self.trail
            .split(',')
            .filter(|c| *c == FIRST || cursor(c).is_some())
            .collect()
    }

    fn next_link(&self, last: &PayoutRow) -> String {
        let mut trail = self.trail();
        trail.push(if cursor(&self.after).is_some() {
            &self.after
        } else {
            FIRST
        });
        let skip = trail.len().saturating_sub(TRAIL_MAX);
        let next = format!("{}:{}", last.payout_date, last.id);
        self.link(Some(&next), &trail[skip..])
    }

    fn previous_link(&self) -> Option<String> {
        cursor(&self.after)?;
        let trail = self.trail();
        Some(match trail.split_last() {
            Some((last, rest)) if cursor(last).is_some() => self.link(Some(last), rest),
            _ => self.link(None, &[]),
        })
    }
}

#[derive(Template)]
#[template(path = "payouts.html")]
struct ListTemplate {
    page: Page,
    tab: &'static str,
    can_manage_reports: bool,
    filters: ListQuery,
    currencies: Vec<String>,
    problems: Vec<String>,
    rows: Vec<PayoutLine>,
    next_page: Option<String>,
    previous_page: Option<String>,
    filtered: bool,
}

pub(crate) async fn list(
    State(state): State<AppState>,
    member: Member,
    Query(q): Query<ListQuery>,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    let here = match raw.filter(|r| !r.is_empty()) {
        Some(r) => format!("/portal/settlements/payouts?{r}"),
        None => "/portal/settlements/payouts".to_owned(),
    };
    let page = Page::member(&member, Some(Section::Settlements), "settlements-payouts-title", &here);
    let (lang, tz) = (page.lang, member.user.timezone.as_str());
    let (filter, problems) = match q.filter(lang, tz) {
        Ok(f) => (f, Vec::new()),
        Err(p) => (PayoutFilter::default(), p),
    };
    let found = settlements::payout_list(&state.db, &member.actor(), &filter, cursor(&q.after), PAGE_SIZE + 1).await?;
    let mut rows = if problems.is_empty() { found.rows } else { Vec::new() };
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let refused = !problems.is_empty();
    let mut res = render(&ListTemplate {
        tab: "payouts",
        can_manage_reports: member.allows(Permission::ManageReports),
        currencies: found.currencies,
        next_page: more.then(|| q.next_link(rows.last().expect("a full page has a last row"))),
        previous_page: q.previous_link(),
        rows: rows.iter().map(|p| payout_line(lang, p, tz)).collect(),
        filtered: !q.base().is_empty(),
        problems,
        filters: q,
        page,
    });
    if refused && res.status().is_success() {
        *res.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(res)
}

/// One line of a payout's totals table: what it is, and its effect on the payout.
struct TotalLine {
    key: &'static str,
    label: String,
    amount: String,
    strong: bool,
}

fn total_lines(lang: Lang, p: &PayoutRow) -> Vec<TotalLine> {
    let rows: [(&'static str, i64, bool); 17] = [
        ("sale", p.sale_amount, false),
        ("fee", -p.fee_amount, false),
        ("return", -p.return_amount, false),
        ("fee-refund", p.fee_refund_amount, false),
        ("reversal", -p.reversal_amount, false),
        ("holdback", -p.holdback_amount, false),
        ("release", p.release_amount, false),
        ("correction", p.correction_amount, false),
        ("charge", -p.charge_amount, false),
        ("credit", p.credit_amount, false),
        ("commission", p.commission_amount, false),
        ("tax", -p.tax_amount, false),
        ("opening-debt", p.opening_debt, false),
        ("repay", -p.repay_amount, false),
        ("deposit", p.deposit_amount, false),
        ("closing-debt", p.closing_debt, false),
        ("settlement", p.settlement_amount, true),
    ];
    rows.into_iter()
        .map(|(key, amount, strong)| TotalLine {
            key,
            label: lang.t(&format!("settlements-total-{key}")),
            amount: lang.format_money(amount, &p.currency),
            strong,
        })
        .collect()
}

/// A transaction of a payout, with the sign of its effect.
pub(crate) struct EntryLine {
    pub date: String,
    pub kind: String,
    pub detail: String,
    pub amount: String,
    pub order_id: String,
    pub order_label: String,
    pub reference: String,
}

pub(crate) fn entry_line(lang: Lang, e: &LedgerEntryRow, tz: &str) -> EntryLine {
    EntryLine {
        date: day(e.capture_date, tz),
        kind: type_label(lang, e.kind),
        detail: e.detailed_type.code().to_owned(),
        amount: lang.format_money(e.net, &e.currency),
        order_id: e.order_id.clone().unwrap_or_default(),
        order_label: e
            .short_order_id
            .clone()
            .or_else(|| e.order_id.clone())
            .unwrap_or_default(),
        reference: e.merchant_reference1.clone().unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "payout.html")]
struct PayoutTemplate {
    page: Page,
    tab: &'static str,
    can_manage_reports: bool,
    reference: String,
    date: String,
    kind: String,
    period: String,
    totals: Vec<TotalLine>,
    iban: String,
    bic: String,
    holder: String,
    entries: Vec<EntryLine>,
    entry_count: i64,
    /// "Transactions 51–100 of 240".
    showing: String,
    next_page: Option<String>,
    previous_page: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct PayoutQuery {
    /// The page of transactions, from 1.
    #[serde(default)]
    page: Option<i64>,
}

pub(crate) async fn show(
    State(state): State<AppState>,
    member: Member,
    Path(reference): Path<String>,
    Query(q): Query<PayoutQuery>,
) -> Result<Response, WebError> {
    let index = q.page.unwrap_or(1).max(1) - 1;
    let found = settlements::payout_page(&state.db, &member.actor(), &reference, index, TRANSACTIONS_PAGE).await?;
    let here = format!("/portal/settlements/payouts/{reference}");
    let mut page = Page::member(&member, Some(Section::Settlements), "settlements-payout-title", &here);
    let (lang, tz) = (page.lang, member.user.timezone.as_str());
    let p = &found.payout;
    page.title = format!("{} {}", page.t("settlements-payout-title"), p.payment_reference);
    let first = index * TRANSACTIONS_PAGE;
    let shown = found.transactions.len() as i64;
    let link = |n: i64| format!("{here}?page={n}");
    let period = match found.period_start {
        Some(start) => format!("{} – {}", format_time(start, tz), format_time(p.period_end, tz)),
        None => format_time(p.period_end, tz),
    };
    Ok(render(&PayoutTemplate {
        tab: "payouts",
        can_manage_reports: member.allows(Permission::ManageReports),
        reference: p.payment_reference.clone(),
        date: day(p.payout_date, tz),
        kind: lang.t(if p.kind == "manual" {
            "settlements-kind-manual"
        } else {
            "settlements-kind-scheduled"
        }),
        period,
        totals: total_lines(lang, p),
        iban: mask_iban(&p.iban),
        bic: p.bic.clone(),
        holder: p.account_holder.clone(),
        entries: found.transactions.iter().map(|e| entry_line(lang, e, tz)).collect(),
        entry_count: found.total,
        showing: if shown == 0 {
            String::new()
        } else {
            lang.t_args(
                "settlements-showing",
                &[
                    ("first", (first + 1).to_string()),
                    ("last", (first + shown).to_string()),
                    ("total", found.total.to_string()),
                ],
            )
        },
        next_page: (first + shown < found.total).then(|| link(index + 2)),
        previous_page: (index > 0).then(|| link(index)),
        page,
    }))
}
