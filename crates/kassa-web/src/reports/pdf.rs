//! PDF settlement reports: one payout (merchant, store, payout date, period, payment
//! reference, a totals table, then its transaction lines), the payouts of a date range,
//! and a store's transactions over a date range. Labels come from the Fluent bundle in
//! the reader's language; amounts and dates are written as that language does.
//!
//! The database is read first (transaction lines into compact rows); the layout and
//! drawing, which only use the CPU, run on a blocking thread.

use super::format::{local_date, local_date_time};
use super::pdf_layout::{Align, Col, Layout, BODY, MARGIN, PAGE_W, ROW_H};
use super::ReportError;
use crate::shell::i18n::Lang;
use kassa_core::settlement::{Totals, TxType};
use kassa_db::{Db, LedgerEntryRow, PayoutQuery, PayoutRow, PayoutSummaryRow};

/// At most this many transaction lines go into a PDF; the CSV has them all (a PDF of a
/// million lines would be 20,000 pages nobody reads).
pub const MAX_PDF_LINES: usize = 50_000;

const CHUNK: i64 = 2_000;

/// Who the report is about: the merchant and its store.
#[derive(Debug, Clone, Default)]
struct Parties {
    legal_name: String,
    org_number: String,
    vat_id: String,
    store_id: String,
    store_name: String,
    store_url: String,
}

async fn parties(db: &Db, store_id: &str) -> Result<Parties, ReportError> {
    let store = db
        .store(store_id)
        .await?
        .ok_or_else(|| ReportError::NoStore(store_id.to_owned()))?;
    let merchant = db.merchant(store.merchant_id).await?;
    Ok(Parties {
        legal_name: merchant.as_ref().map(|m| m.legal_name.clone()).unwrap_or_default(),
        org_number: merchant.as_ref().map(|m| m.org_number.clone()).unwrap_or_default(),
        vat_id: merchant.map(|m| m.vat_id).unwrap_or_default(),
        store_id: store.id,
        store_name: store.name,
        store_url: store.url,
    })
}

/// A transaction line as the PDF shows it.
#[derive(Debug, Clone)]
struct Line {
    date: i64,
    kind: TxType,
    /// The entry's effect on the balance (a fee is negative).
    net: i64,
    currency: String,
    order: String,
    merchant_reference: String,
    payment_reference: String,
}

impl Line {
    fn of(e: &LedgerEntryRow) -> Line {
        Line {
            date: e.capture_date,
            kind: e.kind,
            net: e.net,
            currency: e.currency.clone(),
            order: e
                .short_order_id
                .clone()
                .filter(|s| !s.is_empty())
                .or_else(|| e.order_id.clone())
                .unwrap_or_default(),
            merchant_reference: e.merchant_reference1.clone().unwrap_or_default(),
            payment_reference: e.payment_reference.clone().unwrap_or_default(),
        }
    }
}

/// Runs the CPU-bound drawing off the async threads.
async fn draw(work: impl FnOnce() -> Result<Vec<u8>, String> + Send + 'static) -> Result<Vec<u8>, ReportError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ReportError::Pdf(e.to_string()))?
        .map_err(ReportError::Pdf)
}

fn footer(lang: Lang, reference: String) -> impl Fn(usize, usize) -> String {
    move |page, pages| {
        let numbers = lang.t_args(
            "report-page",
            &[("page", page.to_string()), ("pages", pages.to_string())],
        );
        if reference.is_empty() {
            numbers
        } else {
            format!("{reference} · {numbers}")
        }
    }
}

/// Label and value pairs under the title.
fn facts(l: &mut Layout, pairs: &[(String, String)]) {
    for (label, value) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
        l.need(ROW_H);
        l.text(MARGIN, label, BODY + 0.5, true, Align::Left);
        l.text(
            MARGIN + 140.0,
            &super::pdf_layout::fit(value, BODY + 0.5, false, 330.0),
            BODY + 0.5,
            false,
            Align::Left,
        );
        l.space(ROW_H);
    }
    l.space(ROW_H * 0.5);
}

fn party_facts(lang: Lang, p: &Parties) -> Vec<(String, String)> {
    let store = [p.store_id.as_str(), p.store_name.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" · ");
    vec![
        (lang.t("report-merchant"), p.legal_name.clone()),
        (lang.t("report-org-number"), p.org_number.clone()),
        (lang.t("report-vat-id"), p.vat_id.clone()),
        (lang.t("report-store"), store),
        (lang.t("report-store-url"), p.store_url.clone()),
    ]
}

/// The totals of a payout, signed by their effect, so the rows above the settlement
/// amount add up to it; the debt balances follow for information.
fn totals_table(l: &mut Layout, lang: Lang, t: &Totals, currency: &str) {
    let cols = [
        Col {
            x: MARGIN,
            w: 260.0,
            align: Align::Left,
        },
        Col {
            x: MARGIN + 260.0,
            w: 140.0,
            align: Align::Right,
        },
    ];
    l.need(ROW_H * 4.0);
    l.line(&lang.t("report-totals"), 11.0, true);
    let money = |v: i64| lang.format_money(v, currency);
    let rows: [(&str, i64); 16] = [
        ("report-total-sale", t.sale_amount),
        ("report-total-fee", -t.fee_amount),
        ("report-total-return", -t.return_amount),
        ("report-total-fee-refund", t.fee_refund_amount),
        ("report-total-reversal", -t.reversal_amount),
        ("report-total-holdback", -t.holdback_amount),
        ("report-total-release", t.release_amount),
        ("report-total-correction", t.correction_amount),
        ("report-total-charge", -t.charge_amount),
        ("report-total-credit", t.credit_amount),
        ("report-total-commission", t.commission_amount),
        ("report-total-tax", -t.tax_amount),
        ("report-repay", -t.repay_amount),
        ("report-deposit", t.deposit_amount),
        ("report-opening-debt", t.opening_debt_balance_amount),
        ("report-closing-debt", t.closing_debt_balance_amount),
    ];
    l.table(&cols, &[lang.t("report-col-item"), lang.t("report-col-amount")]);
    for (key, value) in &rows[..14] {
        l.row(&cols, &[lang.t(key), money(*value)], false);
    }
    l.rule(0.8);
    l.row(
        &cols,
        &[lang.t("report-settlement-amount"), money(t.settlement_amount)],
        true,
    );
    l.space(ROW_H * 0.3);
    for (key, value) in &rows[14..] {
        l.row(&cols, &[lang.t(key), money(*value)], false);
    }
    l.end_table();
}

/// The transaction lines table, with the payout's reference per line when `with_payout`.
fn lines_table(l: &mut Layout, lang: Lang, lines: &[Line], total: u64, with_payout: bool) {
    l.need(ROW_H * 4.0);
    l.line(&lang.t("report-transactions"), 11.0, true);
    if lines.is_empty() {
        l.line(&lang.t("report-no-transactions"), BODY + 0.5, false);
        return;
    }
    let w = PAGE_W - 2.0 * MARGIN;
    let mut cols = vec![
        Col {
            x: MARGIN,
            w: 62.0,
            align: Align::Left,
        },
        Col {
            x: MARGIN + 62.0,
            w: 108.0,
            align: Align::Left,
        },
        Col {
            x: MARGIN + 170.0,
            w: 92.0,
            align: Align::Right,
        },
        Col {
            x: MARGIN + 272.0,
            w: 110.0,
            align: Align::Left,
        },
        Col {
            x: MARGIN + 382.0,
            w: w - 382.0,
            align: Align::Left,
        },
    ];
    let mut labels = vec![
        lang.t("report-col-date"),
        lang.t("report-col-type"),
        lang.t("report-col-amount"),
        lang.t("report-col-order"),
        lang.t("report-col-merchant-reference"),
    ];
    if with_payout {
        cols[4].w = 70.0;
        cols.push(Col {
            x: MARGIN + 452.0,
            w: w - 452.0,
            align: Align::Left,
        });
        labels.push(lang.t("report-payment-reference"));
    }
    l.table(&cols, &labels);
    let types: Vec<(TxType, String)> = TxType::ALL.into_iter().map(|t| (t, lang.t(&type_message(t)))).collect();
    for line in lines {
        let kind = types
            .iter()
            .find(|(t, _)| *t == line.kind)
            .map(|(_, label)| label.clone())
            .unwrap_or_default();
        let mut cells = vec![
            local_date(lang, line.date),
            kind,
            lang.format_money(line.net, &line.currency),
            line.order.clone(),
            line.merchant_reference.clone(),
        ];
        if with_payout {
            cells.push(line.payment_reference.clone());
        }
        l.row(&cols, &cells, false);
    }
    l.end_table();
    if (lines.len() as u64) < total {
        l.line(
            &lang.t_args(
                "report-lines-cut",
                &[("shown", lines.len().to_string()), ("total", total.to_string())],
            ),
            BODY,
            false,
        );
    }
}

/// The message id of a transaction type's name.
fn type_message(t: TxType) -> String {
    format!("report-type-{}", t.code().to_lowercase().replace('_', "-"))
}

/// The lines of one payout (at most [`MAX_PDF_LINES`]).
async fn payout_lines(db: &Db, payout_id: i64) -> Result<Vec<Line>, ReportError> {
    let mut out = Vec::new();
    let mut after = 0;
    while out.len() < MAX_PDF_LINES {
        let chunk = db.payout_entries_after(payout_id, after, CHUNK).await?;
        out.extend(chunk.iter().take(MAX_PDF_LINES - out.len()).map(Line::of));
        match chunk.last() {
            Some(last) if chunk.len() as i64 == CHUNK => after = last.id,
            _ => break,
        }
    }
    Ok(out)
}

/// The PDF of one payout (`GET /reports/payout`).
pub async fn payout_pdf(db: &Db, payout: &PayoutRow, lang: Lang) -> Result<Vec<u8>, ReportError> {
    let who = parties(db, &payout.store_id).await?;
    let span = db.payout_entry_span(payout.id).await?;
    let lines = payout_lines(db, payout.id).await?;
    let p = payout.clone();
    draw(move || {
        let mut l = Layout::new();
        l.line(&lang.t("report-title-payout"), 16.0, true);
        l.space(4.0);
        let mut pairs = party_facts(lang, &who);
        let period = span
            .map(|(a, b)| format!("{} – {}", local_date(lang, a), local_date(lang, b)))
            .unwrap_or_default();
        let account = [p.account_holder.as_str(), p.iban.as_str(), p.bic.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" · ");
        pairs.extend([
            (lang.t("report-payout-date"), local_date(lang, p.payout_date)),
            (lang.t("report-period"), period),
            (lang.t("report-payment-reference"), p.payment_reference.clone()),
            (lang.t("report-currency"), p.currency.clone()),
            (lang.t("report-bank-account"), account),
            (
                lang.t("report-settlement-amount"),
                lang.format_money(p.settlement_amount, &p.currency),
            ),
        ]);
        facts(&mut l, &pairs);
        totals_table(&mut l, lang, &p.totals(), &p.currency);
        lines_table(&mut l, lang, &lines, p.entry_count.max(0) as u64, false);
        l.render(
            &lang.t("report-title-payout"),
            lang.code(),
            footer(lang, p.payment_reference.clone()),
        )
    })
    .await
}

/// The PDF of the payouts `query` selects over `[from, to)` (`GET /reports/payouts-summary`):
/// totals per currency and the list of payouts. The merchant and store are named when the
/// query covers one store.
pub async fn payouts_summary_pdf(
    db: &Db,
    query: &PayoutQuery,
    from: i64,
    to: i64,
    lang: Lang,
) -> Result<Vec<u8>, ReportError> {
    let who = match query.store_ids.as_slice() {
        [one] if !query.everywhere => Some(parties(db, one).await?),
        _ => None,
    };
    let summary = db.payouts_summary(query).await?;
    let mut payouts: Vec<PayoutRow> = Vec::new();
    let mut after = None;
    while payouts.len() < MAX_PDF_LINES {
        let page = db.payouts_after(query, after, 500).await?;
        payouts.extend(page.iter().cloned());
        match page.last() {
            Some(last) if page.len() == 500 => after = Some((last.payout_date, last.id)),
            _ => break,
        }
    }
    draw(move || {
        let mut l = Layout::new();
        l.line(&lang.t("report-title-summary"), 16.0, true);
        l.space(4.0);
        let mut pairs = who.as_ref().map(|w| party_facts(lang, w)).unwrap_or_default();
        pairs.push((
            lang.t("report-period"),
            format!("{} – {}", local_date_time(lang, from), local_date_time(lang, to - 1)),
        ));
        facts(&mut l, &pairs);
        for s in &summary {
            summary_table(&mut l, lang, s);
        }
        payouts_table(&mut l, lang, &payouts);
        l.render(
            &lang.t("report-title-summary"),
            lang.code(),
            footer(lang, String::new()),
        )
    })
    .await
}

fn summary_table(l: &mut Layout, lang: Lang, s: &PayoutSummaryRow) {
    let t = Totals {
        sale_amount: s.sale_amount,
        fee_amount: s.fee_amount,
        return_amount: s.return_amount,
        fee_refund_amount: s.fee_refund_amount,
        reversal_amount: s.reversal_amount,
        holdback_amount: s.holdback_amount,
        release_amount: s.release_amount,
        correction_amount: s.correction_amount,
        charge_amount: s.charge_amount,
        credit_amount: s.credit_amount,
        commission_amount: s.commission_amount,
        tax_amount: s.tax_amount,
        repay_amount: s.repay_amount,
        deposit_amount: 0,
        opening_debt_balance_amount: 0,
        closing_debt_balance_amount: 0,
        settlement_amount: s.settlement_amount,
    };
    l.need(ROW_H * 6.0);
    l.line(
        &lang.t_args(
            "report-currency-summary",
            &[("currency", s.currency.clone()), ("count", s.payouts.to_string())],
        ),
        BODY + 1.5,
        true,
    );
    totals_table(l, lang, &t, &s.currency);
}

fn payouts_table(l: &mut Layout, lang: Lang, payouts: &[PayoutRow]) {
    l.need(ROW_H * 4.0);
    l.line(&lang.t("report-payouts"), 11.0, true);
    if payouts.is_empty() {
        l.line(&lang.t("report-no-payouts"), BODY + 0.5, false);
        return;
    }
    let cols = [
        Col {
            x: MARGIN,
            w: 80.0,
            align: Align::Left,
        },
        Col {
            x: MARGIN + 80.0,
            w: 110.0,
            align: Align::Left,
        },
        Col {
            x: MARGIN + 190.0,
            w: 60.0,
            align: Align::Left,
        },
        Col {
            x: MARGIN + 250.0,
            w: 80.0,
            align: Align::Right,
        },
        Col {
            x: MARGIN + 330.0,
            w: 110.0,
            align: Align::Right,
        },
    ];
    l.table(
        &cols,
        &[
            lang.t("report-payout-date"),
            lang.t("report-payment-reference"),
            lang.t("report-currency"),
            lang.t("report-col-count"),
            lang.t("report-settlement-amount"),
        ],
    );
    for p in payouts {
        l.row(
            &cols,
            &[
                local_date(lang, p.payout_date),
                p.payment_reference.clone(),
                p.currency.clone(),
                p.entry_count.to_string(),
                lang.format_money(p.settlement_amount, &p.currency),
            ],
            false,
        );
    }
    l.end_table();
}

/// The PDF of a store's transactions posted in `[from, to)` (a custom report), each with
/// the payout that paid it, if any.
pub async fn store_transactions_pdf(
    db: &Db,
    store_id: &str,
    from: i64,
    to: i64,
    lang: Lang,
) -> Result<Vec<u8>, ReportError> {
    let who = parties(db, store_id).await?;
    let mut lines = Vec::new();
    let mut total = 0u64;
    let mut after = 0;
    loop {
        let chunk = db.store_entries_after(store_id, from, to, after, CHUNK).await?;
        total += chunk.len() as u64;
        let room = MAX_PDF_LINES.saturating_sub(lines.len());
        lines.extend(chunk.iter().take(room).map(Line::of));
        match chunk.last() {
            Some(last) if chunk.len() as i64 == CHUNK => after = last.id,
            _ => break,
        }
    }
    draw(move || {
        let mut l = Layout::new();
        l.line(&lang.t("report-title-transactions"), 16.0, true);
        l.space(4.0);
        let mut pairs = party_facts(lang, &who);
        pairs.push((
            lang.t("report-period"),
            format!("{} – {}", local_date_time(lang, from), local_date_time(lang, to - 1)),
        ));
        facts(&mut l, &pairs);
        lines_table(&mut l, lang, &lines, total, true);
        l.render(
            &lang.t("report-title-transactions"),
            lang.code(),
            footer(lang, String::new()),
        )
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_has_a_name() {
        let english = crate::shell::i18n::english_ids();
        for t in TxType::ALL {
            assert!(english.contains(&type_message(t)), "{}", type_message(t));
        }
    }
}
