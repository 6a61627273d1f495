//! The Balance page: per currency, what is open (by type, with counts), the debt carried
//! in, what the next payout will pay and when, and the latest payouts.

use super::{payout_line, schedule_words, type_label, PayoutLine};
use crate::shell::i18n::format_time;
use crate::shell::session::Member;
use crate::shell::views::{render, Page};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use kassa_app::settlements::{self, CurrencyBalance};
use kassa_core::access::{Permission, Section};

/// Payouts the page lists under the balance.
const LATEST: i64 = 5;

struct TypeLine {
    label: String,
    code: &'static str,
    count: i64,
    /// With the sign of its effect on the balance.
    amount: String,
}

struct CurrencyView {
    currency: String,
    lines: Vec<TypeLine>,
    entries: i64,
    open_net: String,
    debt: Option<String>,
    repay: Option<String>,
    next_payout: String,
    /// The open entries cost more than they pay: nothing is paid, this is added to the debt.
    adds_debt: Option<String>,
}

fn currency_view(lang: crate::shell::i18n::Lang, c: &CurrencyBalance) -> CurrencyView {
    let money = |v: i64| lang.format_money(v, &c.currency);
    let t = &c.next_payout;
    CurrencyView {
        lines: c
            .by_type
            .iter()
            .map(|(kind, amount, count)| TypeLine {
                label: type_label(lang, *kind),
                code: kind.code(),
                count: *count,
                amount: money(kind.net(*amount)),
            })
            .collect(),
        entries: c.by_type.iter().map(|(_, _, n)| n).sum(),
        open_net: money(t.net()),
        debt: (c.debt > 0).then(|| money(c.debt)),
        repay: (t.repay_amount > 0).then(|| money(t.repay_amount)),
        next_payout: money(t.settlement_amount),
        adds_debt: (t.deposit_amount > 0).then(|| money(t.deposit_amount)),
        currency: c.currency.clone(),
    }
}

#[derive(Template)]
#[template(path = "settlements.html")]
struct BalanceTemplate {
    page: Page,
    tab: &'static str,
    currencies: Vec<CurrencyView>,
    next_cutoff: String,
    schedule: String,
    latest: Vec<PayoutLine>,
    can_manage_reports: bool,
}

pub(crate) async fn show(State(state): State<AppState>, member: Member) -> Result<Response, WebError> {
    let page = Page::member(
        &member,
        Some(Section::Settlements),
        "settlements-title",
        "/portal/settlements",
    );
    let overview = settlements::overview(&state.db, &member.actor(), LATEST).await?;
    let (lang, tz) = (page.lang, member.user.timezone.as_str());
    let balance = &overview.balance;
    Ok(render(&BalanceTemplate {
        tab: "balance",
        currencies: balance.currencies.iter().map(|c| currency_view(lang, c)).collect(),
        next_cutoff: format_time(balance.next_cutoff, tz),
        schedule: schedule_words(lang, balance.schedule),
        latest: overview.latest.iter().map(|p| payout_line(lang, p, tz)).collect(),
        can_manage_reports: member.allows(Permission::ManageReports),
        page,
    }))
}
