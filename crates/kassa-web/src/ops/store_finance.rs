//! A store's money as finance handles it in the back office: its current balance (what is
//! open, the debt, what the next payout will pay and when), running a payout now (after a
//! confirmation step), and posting corrections to its ledger.

use super::audit::PROVIDER_TZ;
use super::form::{parse_signed_minor, FieldErrors, AMOUNT};
use super::merchant_tabs::MerchantHeading;
use super::merchants::payout_words;
use super::payouts::{payout_line, PayoutLine};
use super::shell::{Operator, OpsAccess, OpsRoute, OpsSection};
use super::stores::store_and_heading;
use crate::shell::extract::{Form, Path, Query};
use crate::shell::i18n::{format_time, Lang};
use crate::shell::views::{render, Page};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kassa_app::settlements::{self, Balance, Correction, MAX_COMMENT};
use kassa_app::{AppError, FieldError};
use kassa_core::identity::IdentityError;
use kassa_core::ops_access::OpsPermission;
use kassa_db::{PayoutRunFilter, StoreDetailRow};
use serde::Deserialize;

/// Payouts and corrections the store's pages show.
const RECENT: i64 = 10;

pub(super) fn section() -> OpsSection {
    let finance = OpsAccess::Operator(OpsPermission::ManageFinance);
    OpsSection {
        menu: None,
        routes: vec![
            OpsRoute::get("/ops/stores/{store}/balance", finance, balance_page),
            OpsRoute::post("/ops/stores/{store}/payouts", finance, run_payout),
            OpsRoute::get("/ops/stores/{store}/corrections", finance, corrections),
            OpsRoute::post("/ops/stores/{store}/corrections", finance, correct),
        ],
    }
}

/// One type of open entries.
struct OpenLine {
    kind: String,
    entries: i64,
    amount: String,
}

/// One currency of the balance.
struct CurrencyView {
    currency: String,
    lines: Vec<OpenLine>,
    net: String,
    debt: String,
    settlement: String,
    closing_debt: String,
}

fn currency_views(lang: Lang, b: &Balance) -> Vec<CurrencyView> {
    b.currencies
        .iter()
        .map(|c| {
            let money = |v: i64| lang.format_money(v, &c.currency);
            CurrencyView {
                currency: c.currency.clone(),
                lines: c
                    .by_type
                    .iter()
                    .map(|(kind, amount, entries)| OpenLine {
                        kind: kind.code().to_owned(),
                        entries: *entries,
                        amount: money(kind.net(*amount)),
                    })
                    .collect(),
                net: money(c.next_payout.net()),
                debt: money(c.debt),
                settlement: money(c.next_payout.settlement_amount),
                closing_debt: money(c.next_payout.closing_debt_balance_amount),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "ops/store_balance.html")]
struct BalanceTemplate {
    page: Page,
    merchant: MerchantHeading,
    tab: &'static str,
    store_id: String,
    store_name: String,
    schedule: String,
    next_cutoff: String,
    currencies: Vec<CurrencyView>,
    payouts: Vec<PayoutLine>,
    error: Option<String>,
}

/// The balance page, with `error` (and its status) when a run was refused.
async fn balance_response(
    state: &AppState,
    operator: &Operator,
    store: &str,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let actor = operator.actor();
    let (detail, merchant) = store_and_heading(state, operator, store).await?;
    let balance = settlements::balance(&state.db, &actor, Some(store)).await?;
    let here = format!("/ops/stores/{store}/balance");
    let page = operator.page(Some("/ops/merchants"), "ops-balance-title", &here);
    let lang = page.lang;
    let filter = PayoutRunFilter {
        store_id: Some(store.to_owned()),
        ..PayoutRunFilter::default()
    };
    let payouts = settlements::payout_runs(&state.db, &actor, &filter, None, RECENT).await?;
    let (code, day) = balance.schedule.stored();
    let mut res = render(&BalanceTemplate {
        merchant,
        tab: "overview",
        store_id: detail.store.id.clone(),
        store_name: detail.store.name.clone(),
        schedule: payout_words(lang, code, day),
        next_cutoff: format_time(balance.next_cutoff, PROVIDER_TZ),
        currencies: currency_views(lang, &balance),
        payouts: payouts.iter().map(|r| payout_line(lang, r)).collect(),
        error,
        page,
    });
    *res.status_mut() = status;
    Ok(res)
}

async fn balance_page(
    State(state): State<AppState>,
    operator: Operator,
    Path(store): Path<String>,
) -> Result<Response, WebError> {
    balance_response(&state, &operator, &store, None, StatusCode::OK).await
}

#[derive(Template)]
#[template(path = "ops/payout_confirm.html")]
struct ConfirmTemplate {
    page: Page,
    merchant: MerchantHeading,
    tab: &'static str,
    store: StoreDetailRow,
    currencies: Vec<CurrencyView>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RunForm {
    /// `yes` once the operator has seen what will be paid.
    confirm: String,
}

/// Runs a payout of the store's whole open balance: first shows what it will pay and
/// where, then (confirmed) closes it and opens the new payout.
async fn run_payout(
    State(state): State<AppState>,
    operator: Operator,
    Path(store): Path<String>,
    Form(form): Form<RunForm>,
) -> Result<Response, WebError> {
    let actor = operator.actor();
    let nothing_open = || Some(operator.lang.t("ops-balance-nothing-open"));
    if form.confirm != "yes" {
        let balance = settlements::balance(&state.db, &actor, Some(&store)).await?;
        if balance.currencies.is_empty() {
            return balance_response(&state, &operator, &store, nothing_open(), StatusCode::CONFLICT).await;
        }
        let (detail, merchant) = store_and_heading(&state, &operator, &store).await?;
        let here = format!("/ops/stores/{store}/balance");
        let page = operator.page(Some("/ops/merchants"), "ops-payout-confirm-title", &here);
        let currencies = currency_views(page.lang, &balance);
        return Ok(render(&ConfirmTemplate {
            page,
            merchant,
            tab: "overview",
            store: detail.store,
            currencies,
        }));
    }
    match settlements::payout_now(&state.db, &actor, &store).await {
        Ok(made) => Ok(match made.as_slice() {
            [one] => Redirect::to(&format!("/ops/payouts/{}?notice=run", one.payment_reference)),
            _ => Redirect::to(&format!("/ops/payouts?store={store}")),
        }
        .into_response()),
        Err(AppError::Conflict(_)) => {
            balance_response(&state, &operator, &store, nothing_open(), StatusCode::CONFLICT).await
        }
        Err(AppError::PayoutHeld(until)) => {
            let held = operator
                .lang
                .t_args("ops-balance-held", &[("until", format_time(until, PROVIDER_TZ))]);
            balance_response(&state, &operator, &store, Some(held), StatusCode::CONFLICT).await
        }
        Err(e) => Err(e.into()),
    }
}

/// A correction as typed.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct CorrectionForm {
    amount: String,
    comment: String,
    order_id: String,
}

/// A correction of the store's list.
struct CorrectionLine {
    date: String,
    amount: String,
    comment: String,
    order_id: String,
    made_by: String,
    payment_reference: Option<String>,
}

#[derive(Template)]
#[template(path = "ops/store_corrections.html")]
struct CorrectionsTemplate {
    page: Page,
    merchant: MerchantHeading,
    tab: &'static str,
    store_id: String,
    store_name: String,
    currency: String,
    max_comment: usize,
    form: CorrectionForm,
    errors: FieldErrors,
    notice: Option<String>,
    corrections: Vec<CorrectionLine>,
}

async fn corrections_page(
    state: &AppState,
    operator: &Operator,
    store: &str,
    form: CorrectionForm,
    errors: FieldErrors,
    notice: Option<String>,
) -> Result<Response, WebError> {
    let (detail, merchant) = store_and_heading(state, operator, store).await?;
    let rows = settlements::store_corrections(&state.db, &operator.actor(), store, RECENT * 5).await?;
    let here = format!("/ops/stores/{store}/corrections");
    let page = operator.page(Some("/ops/merchants"), "ops-corrections-title", &here);
    let lang = page.lang;
    let corrections = rows
        .iter()
        .map(|e| CorrectionLine {
            date: format_time(e.created_at, PROVIDER_TZ),
            amount: lang.format_money(e.net, &e.currency),
            comment: e.comment.clone().unwrap_or_default(),
            order_id: e.order_id.clone().unwrap_or_default(),
            made_by: e.created_by.clone(),
            payment_reference: e.payment_reference.clone(),
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut res = render(&CorrectionsTemplate {
        merchant,
        tab: "overview",
        store_id: detail.store.id.clone(),
        store_name: detail.store.name.clone(),
        currency: detail.store.currency.clone(),
        max_comment: MAX_COMMENT,
        form,
        errors,
        notice,
        corrections,
        page,
    });
    *res.status_mut() = status;
    Ok(res)
}

#[derive(Deserialize, Default)]
struct NoticeQuery {
    notice: Option<String>,
}

async fn corrections(
    State(state): State<AppState>,
    operator: Operator,
    Path(store): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    let notice = (q.notice.as_deref() == Some("posted")).then(|| operator.lang.t("ops-correction-posted"));
    corrections_page(
        &state,
        &operator,
        &store,
        CorrectionForm::default(),
        FieldErrors::default(),
        notice,
    )
    .await
}

async fn correct(
    State(state): State<AppState>,
    operator: Operator,
    Path(store): Path<String>,
    Form(form): Form<CorrectionForm>,
) -> Result<Response, WebError> {
    let amount = match form.amount.trim() {
        "" => Err(IdentityError::Required.code()),
        text => parse_signed_minor(text).ok_or(AMOUNT),
    };
    let result = match amount {
        Ok(amount) => {
            let cmd = Correction {
                store_id: store.clone(),
                amount,
                comment: form.comment.clone(),
                order_id: Some(form.order_id.clone()),
            };
            settlements::post_correction(&state.db, &operator.actor(), &cmd).await
        }
        // The other fields are checked too, so every problem shows at once.
        Err(code) => {
            let mut fields = vec![FieldError::new("amount", code)];
            if form.comment.trim().is_empty() {
                fields.push(FieldError::new("comment", IdentityError::Required.code()));
            }
            Err(AppError::Invalid(fields))
        }
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/ops/stores/{store}/corrections?notice=posted")).into_response()),
        Err(e) => match FieldErrors::of(operator.lang, &e) {
            Some(errors) => corrections_page(&state, &operator, &store, form, errors, None).await,
            None => Err(e.into()),
        },
    }
}
