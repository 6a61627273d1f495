//! The Settlements API's JSON: `Payout`, `Totals`, `PayoutSummary`, `Transaction` and
//! `Pagination`, with the field names of Klarna's Settlements API v1 (Kustom's). Amounts
//! are integers in minor units; dates RFC 3339 in UTC to the second.

use crate::reports::format::rfc3339;
use kassa_core::settlement::Totals;
use kassa_db::{LedgerEntryRow, PayoutRow, PayoutSummaryRow};
use serde_json::{json, Map, Value};

/// The API's base address: `{public_url}/settlements/v1`.
pub fn base(public_url: &str) -> String {
    format!("{}/settlements/v1", public_url.trim_end_matches('/'))
}

/// A payment reference or order id as it may stand in a query string.
fn query_value(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|e| e[1..].to_owned())
        .unwrap_or_default()
}

/// `Totals`: every required field, plus `tax_amount` and `fee_correction_amount`
/// (Kassa's operator corrections, which add to the settlement as fee corrections do).
pub fn totals_json(t: &Totals) -> Value {
    json!({
        "sale_amount": t.sale_amount,
        "fee_amount": t.fee_amount,
        "return_amount": t.return_amount,
        "fee_refund_amount": t.fee_refund_amount,
        "reversal_amount": t.reversal_amount,
        "holdback_amount": t.holdback_amount,
        "release_amount": t.release_amount,
        "fee_correction_amount": t.correction_amount,
        "charge_amount": t.charge_amount,
        "credit_amount": t.credit_amount,
        "commission_amount": t.commission_amount,
        "tax_amount": t.tax_amount,
        "tax_refund_amount": 0,
        "repay_amount": t.repay_amount,
        "deposit_amount": t.deposit_amount,
        "opening_debt_balance_amount": t.opening_debt_balance_amount,
        "closing_debt_balance_amount": t.closing_debt_balance_amount,
        "settlement_amount": t.settlement_amount,
    })
}

/// `Payout`. `merchant_id` is the Store ID; settlements are net of fees.
pub fn payout_json(p: &PayoutRow, base: &str) -> Value {
    json!({
        "totals": totals_json(&p.totals()),
        "payment_reference": p.payment_reference,
        "payout_date": rfc3339(p.payout_date),
        "currency_code": p.currency,
        "merchant_settlement_type": "NET",
        "merchant_id": p.store_id,
        "transactions": format!("{base}/transactions?payment_reference={}", query_value(&p.payment_reference)),
    })
}

/// `PayoutSummary`: exactly the spec's fields (it allows no others).
pub fn summary_json(s: &PayoutSummaryRow) -> Value {
    json!({
        "summary_settlement_currency": s.currency,
        "summary_payout_date_start": rfc3339(s.first_payout_date),
        "summary_payout_date_end": rfc3339(s.last_payout_date),
        "summary_total_sale_amount": s.sale_amount,
        "summary_total_fee_amount": s.fee_amount,
        "summary_total_return_amount": s.return_amount,
        "summary_total_reversal_amount": s.reversal_amount,
        "summary_total_holdback_amount": s.holdback_amount,
        "summary_total_release_amount": s.release_amount,
        "summary_total_commission_amount": s.commission_amount,
        "summary_total_tax_amount": s.tax_amount,
        "summary_total_repay_amount": s.repay_amount,
        "summary_total_fee_correction_amount": s.correction_amount,
        "summary_total_settlement_amount": s.settlement_amount,
    })
}

/// `Transaction`. Fields without a value are left out, as Kustom does; `capture_id` is
/// `""` on returns (they belong to no capture), `order_id` is `""` on a correction that
/// concerns no order.
pub fn transaction_json(e: &LedgerEntryRow, base: &str) -> Value {
    let mut t = Map::new();
    let mut put = |k: &str, v: Value| {
        t.insert(k.to_owned(), v);
    };
    put("amount", json!(e.amount));
    put("type", json!(e.kind.code()));
    put("detailed_type", json!(e.detailed_type.code()));
    put("sale_date", json!(rfc3339(e.sale_date)));
    put("capture_date", json!(rfc3339(e.capture_date)));
    put("order_id", json!(e.order_id.clone().unwrap_or_default()));
    put("currency_code", json!(e.currency));
    put("purchase_country", json!(e.purchase_country));
    let optional = [
        ("capture_id", &e.capture_id),
        ("refund_id", &e.refund_id),
        ("short_order_id", &e.short_order_id),
        ("merchant_reference1", &e.merchant_reference1),
        ("merchant_reference2", &e.merchant_reference2),
        ("merchant_capture_reference", &e.merchant_capture_reference),
        ("merchant_refund_reference", &e.merchant_refund_reference),
        ("shipping_country", &e.shipping_country),
        ("klarna_comment", &e.comment),
        ("reversal_reference", &e.reversal_reference),
    ];
    for (name, value) in optional {
        if let Some(v) = value {
            put(name, json!(v));
        }
    }
    if let Some(method) = &e.payment_method {
        put("initial_payment_method_type", json!(method.to_ascii_lowercase()));
    }
    if let Some(rate) = e.vat_rate {
        put("vat_rate", json!(rate));
    }
    if let Some(vat) = e.vat_amount {
        put("vat_amount", json!(vat));
    }
    if let Some(reference) = &e.payment_reference {
        put("payment_reference", json!(reference));
        put("payout", json!(format!("{base}/payouts/{}", query_value(reference))));
    }
    Value::Object(t)
}

/// `Pagination` of an offset page: links to the pages before and after it, keeping the
/// request's other query parameters.
pub fn pagination(url: &str, keep: &[(&str, String)], offset: i64, size: i64, count: usize, total: i64) -> Value {
    let link = |offset: i64| {
        let mut params: Vec<(&str, String)> = keep.to_vec();
        params.push(("offset", offset.to_string()));
        params.push(("size", size.to_string()));
        format!("{url}?{}", serde_urlencoded::to_string(&params).unwrap_or_default())
    };
    let mut p = json!({"count": count, "total": total, "offset": offset});
    if offset + (count as i64) < total {
        p["next"] = json!(link(offset + count.max(1) as i64));
    }
    if offset > 0 {
        p["prev"] = json!(link((offset - size).max(0)));
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_link_to_their_neighbours() {
        let keep = [("currency_code", "SEK".to_owned())];
        let p = pagination("http://k/settlements/v1/payouts", &keep, 10, 10, 10, 25);
        assert_eq!(
            p["next"],
            "http://k/settlements/v1/payouts?currency_code=SEK&offset=20&size=10"
        );
        assert_eq!(
            p["prev"],
            "http://k/settlements/v1/payouts?currency_code=SEK&offset=0&size=10"
        );
        let last = pagination("http://k/x", &[], 20, 10, 5, 25);
        assert!(last.get("next").is_none());
        let first = pagination("http://k/x", &[], 0, 10, 10, 25);
        assert!(first.get("prev").is_none());
        assert_eq!(first["count"], 10);
        assert_eq!(first["total"], 25);
    }
}
