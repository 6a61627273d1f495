//! Payout runs in the back office (finance): every merchant's payouts newest first with
//! filters and keyset pages, and one payout with its totals, bank account and transactions.

use super::audit::PROVIDER_TZ;
use super::form::{currencies, Choice};
use super::shell::{Operator, OpsAccess, OpsMenuEntry, OpsRoute, OpsSection};
use crate::shell::extract::{Path, Query};
use crate::shell::i18n::{format_time, Lang};
use crate::shell::views::{render, Page};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use kassa_app::dates::{day_end, day_start};
use kassa_app::settlements;
use kassa_core::ops_access::OpsPermission;
use kassa_db::{PayoutRunFilter, PayoutRunRow};
use serde::Deserialize;

const PAGE_SIZE: i64 = 50;
/// Transactions per page of a payout.
const ENTRY_PAGE: i64 = 100;

pub(super) fn section() -> OpsSection {
    let finance = OpsAccess::Operator(OpsPermission::ManageFinance);
    OpsSection {
        menu: Some(OpsMenuEntry {
            href: "/ops/payouts",
            label: "ops-payouts-title",
            permission: OpsPermission::ManageFinance,
        }),
        routes: vec![
            OpsRoute::get("/ops/payouts", finance, list),
            OpsRoute::get("/ops/payouts/{payment_reference}", finance, show),
        ],
    }
}

/// A payout as a row of the back office's tables.
pub(super) struct PayoutLine {
    pub date: String,
    pub reference: String,
    pub merchant_id: i64,
    pub merchant: String,
    pub store_id: String,
    pub store: String,
    pub kind: String,
    pub made_by: String,
    pub entries: i64,
    pub settlement: String,
    pub closing_debt: String,
}

/// The words of a payout's kind (`scheduled`, `manual`).
fn kind_words(lang: Lang, kind: &str) -> String {
    lang.t(&format!("ops-payout-kind-{kind}"))
}

pub(super) fn payout_line(lang: Lang, r: &PayoutRunRow) -> PayoutLine {
    let p = &r.payout;
    PayoutLine {
        date: format_time(p.payout_date, PROVIDER_TZ),
        reference: p.payment_reference.clone(),
        merchant_id: r.merchant_id,
        merchant: r.merchant_name.clone(),
        store_id: p.store_id.clone(),
        store: r.store_name.clone(),
        kind: kind_words(lang, &p.kind),
        made_by: p.created_by.clone(),
        entries: p.entry_count,
        settlement: lang.format_money(p.settlement_amount, &p.currency),
        closing_debt: lang.format_money(p.closing_debt, &p.currency),
    }
}

/// The filters as typed, and the last row of the previous page (`older_date`, `older_id`).
#[derive(Deserialize, Default)]
struct ListQuery {
    store: Option<String>,
    currency: Option<String>,
    kind: Option<String>,
    from: Option<String>,
    to: Option<String>,
    older_date: Option<i64>,
    older_id: Option<i64>,
}

fn non_empty(v: &Option<String>) -> Option<String> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

#[derive(Template)]
#[template(path = "ops/payouts.html")]
struct ListTemplate {
    page: Page,
    payouts: Vec<PayoutLine>,
    currencies: Vec<Choice>,
    kinds: Vec<Choice>,
    store: String,
    currency: String,
    kind: String,
    from: String,
    to: String,
    error: Option<String>,
    older: Option<String>,
}

/// The filter of the query, or the message of what in it is not understood.
fn filter_of(lang: Lang, q: &ListQuery) -> (PayoutRunFilter, Option<String>) {
    let mut error = None;
    let mut day = |v: &Option<String>, at: fn(&str, &str) -> Option<i64>| {
        non_empty(v).and_then(|d| {
            at(&d, PROVIDER_TZ).or_else(|| {
                error = Some(lang.t("ops-payouts-error-date"));
                None
            })
        })
    };
    let from = day(&q.from, day_start);
    let to = day(&q.to, day_end);
    let kind = non_empty(&q.kind);
    if kind.as_deref().is_some_and(|k| !matches!(k, "scheduled" | "manual")) {
        error = Some(lang.t("ops-payouts-error-filter"));
    }
    let filter = PayoutRunFilter {
        store_id: non_empty(&q.store).map(|s| s.to_ascii_uppercase()),
        currency: non_empty(&q.currency).map(|c| c.to_ascii_uppercase()),
        from,
        to,
        kind: kind.filter(|k| matches!(k.as_str(), "scheduled" | "manual")),
    };
    (filter, error)
}

async fn list(
    State(state): State<AppState>,
    operator: Operator,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let page = operator.page(Some("/ops/payouts"), "ops-payouts-title", "/ops/payouts");
    let lang = page.lang;
    let (filter, error) = filter_of(lang, &q);
    let after = q.older_date.zip(q.older_id);
    let mut rows = settlements::payout_runs(&state.db, &operator.actor(), &filter, after, PAGE_SIZE + 1).await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let older = more.then(|| {
        let last = &rows[rows.len() - 1].payout;
        let mut query = vec![
            ("older_date", last.payout_date.to_string()),
            ("older_id", last.id.to_string()),
        ];
        for (k, v) in [
            ("store", &q.store),
            ("currency", &q.currency),
            ("kind", &q.kind),
            ("from", &q.from),
            ("to", &q.to),
        ] {
            if let Some(v) = non_empty(v) {
                query.push((k, v));
            }
        }
        format!(
            "/ops/payouts?{}",
            serde_urlencoded::to_string(&query).unwrap_or_default()
        )
    });
    let kinds = ["scheduled", "manual"]
        .into_iter()
        .map(|k| Choice {
            value: k.to_owned(),
            label: kind_words(lang, k),
        })
        .collect();
    Ok(render(&ListTemplate {
        payouts: rows.iter().map(|r| payout_line(lang, r)).collect(),
        currencies: currencies(),
        kinds,
        store: q.store.unwrap_or_default(),
        currency: q.currency.unwrap_or_default(),
        kind: q.kind.unwrap_or_default(),
        from: q.from.unwrap_or_default(),
        to: q.to.unwrap_or_default(),
        error,
        older,
        page,
    }))
}

/// One line of a payout's totals.
struct TotalLine {
    label: String,
    amount: String,
}

/// One transaction of a payout.
struct EntryLine {
    id: i64,
    date: String,
    kind: String,
    detail: String,
    order_id: String,
    order_ref: String,
    reference: String,
    amount: String,
    comment: String,
}

#[derive(Template)]
#[template(path = "ops/payout.html")]
struct PayoutTemplate {
    page: Page,
    payout: PayoutLine,
    currency: String,
    period_end: String,
    created: String,
    totals: Vec<TotalLine>,
    iban: String,
    bic: String,
    account_holder: String,
    entries: Vec<EntryLine>,
    /// The next page of transactions.
    more: Option<String>,
    notice: Option<String>,
}

#[derive(Deserialize, Default)]
struct ShowQuery {
    /// The last transaction (entry id) of the previous page.
    after: Option<i64>,
    notice: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    operator: Operator,
    Path(reference): Path<String>,
    Query(q): Query<ShowQuery>,
) -> Result<Response, WebError> {
    let actor = operator.actor();
    let run = settlements::payout_run(&state.db, &actor, &reference).await?;
    let here = format!("/ops/payouts/{reference}");
    let mut page = operator.page(Some("/ops/payouts"), "ops-payout-title", &here);
    page.title = format!("{} {reference}", page.t("ops-payout-title"));
    let lang = page.lang;
    let p = &run.payout;
    let money = |v: i64| lang.format_money(v, &p.currency);
    let totals = [
        ("sale", p.sale_amount),
        ("fee", p.fee_amount),
        ("return", p.return_amount),
        ("fee-refund", p.fee_refund_amount),
        ("reversal", p.reversal_amount),
        ("holdback", p.holdback_amount),
        ("release", p.release_amount),
        ("correction", p.correction_amount),
        ("charge", p.charge_amount),
        ("credit", p.credit_amount),
        ("commission", p.commission_amount),
        ("tax", p.tax_amount),
        ("opening-debt", p.opening_debt),
        ("repay", p.repay_amount),
        ("deposit", p.deposit_amount),
        ("closing-debt", p.closing_debt),
        ("settlement", p.settlement_amount),
    ]
    .into_iter()
    .map(|(key, amount)| TotalLine {
        label: lang.t(&format!("ops-payout-total-{key}")),
        amount: money(amount),
    })
    .collect();
    let after = q.after.unwrap_or(0);
    let mut rows = settlements::payout_run_entries(&state.db, &actor, p.id, after, ENTRY_PAGE + 1).await?;
    let more = (rows.len() as i64 > ENTRY_PAGE).then(|| {
        rows.truncate(ENTRY_PAGE as usize);
        format!("{here}?after={}", rows[rows.len() - 1].id)
    });
    let entries = rows
        .iter()
        .map(|e| EntryLine {
            id: e.id,
            date: format_time(e.capture_date, PROVIDER_TZ),
            kind: e.kind.code().to_owned(),
            detail: e.detailed_type.code().to_owned(),
            order_id: e.order_id.clone().unwrap_or_default(),
            order_ref: e.short_order_id.clone().unwrap_or_default(),
            reference: e.merchant_reference1.clone().unwrap_or_default(),
            amount: money(e.net),
            comment: e.comment.clone().unwrap_or_default(),
        })
        .collect();
    let notice = (q.notice.as_deref() == Some("run")).then(|| lang.t("ops-payout-run-done"));
    Ok(render(&PayoutTemplate {
        payout: payout_line(lang, &run),
        currency: p.currency.clone(),
        period_end: format_time(p.period_end, PROVIDER_TZ),
        created: format_time(p.created_at, PROVIDER_TZ),
        totals,
        iban: p.iban.clone(),
        bic: p.bic.clone(),
        account_holder: p.account_holder.clone(),
        entries,
        more,
        notice,
        page,
    }))
}
