//! What a capture and a refund post to the ledger, in the order's transaction.

use crate::orders::Locked;
use crate::Actor;
use crate::AppResult;
use kassa_core::settlement::{capture_postings, refund_postings, Posting};
use kassa_core::store_settings::MethodFee;
use kassa_db::{CaptureRow, NewEntry, PostingTerms, RefundRow};
use serde_json::Value;

/// The entry of `posting` with the order's references filled in.
pub(crate) fn entry(locked: &Locked, actor: &Actor, p: Posting, at: i64) -> NewEntry {
    let row = &locked.row;
    let body = locked.body();
    let shipping_country = body
        .get("shipping_address")
        .and_then(|a| a.get("country"))
        .and_then(Value::as_str)
        .map(str::to_uppercase);
    NewEntry {
        store_id: row.store_id.clone(),
        currency: row.purchase_currency.clone(),
        kind: p.kind,
        detail: p.detail,
        amount: p.amount,
        vat_rate: None,
        vat_amount: None,
        order_id: Some(row.order_id.clone()),
        short_order_id: Some(row.short_reference.clone()),
        capture_id: None,
        refund_id: None,
        merchant_reference1: row.merchant_reference1.clone(),
        merchant_reference2: row.merchant_reference2.clone(),
        merchant_capture_reference: None,
        merchant_refund_reference: None,
        purchase_country: row.purchase_country.to_uppercase(),
        shipping_country,
        payment_method: row.payment_method.clone(),
        sale_date: row.completed_at.unwrap_or(row.created_at),
        capture_date: at,
        comment: None,
        reversal_reference: None,
        releases_entry_id: None,
        created_by: actor.name.clone(),
        created_at: at,
    }
}

/// SALE, fees and holdback of a new capture. The fixed fee is charged once per order, on
/// its first capture.
///
/// `terms` are read by the caller before it writes anything, so that on SQLite the capture's
/// writes all wait for one trip ([`kassa_db::Tx`]'s deferred writes).
pub(crate) async fn post_capture(
    locked: &mut Locked,
    actor: &Actor,
    cap: &CaptureRow,
    reference: Option<&str>,
    terms: PostingTerms,
) -> AppResult<()> {
    let fee = MethodFee::new(terms.bps, terms.fixed_minor).unwrap_or(MethodFee::ZERO);
    let entries: Vec<NewEntry> = capture_postings(cap.captured_amount, fee, cap.seq == 1, terms.reserve_bps)
        .into_iter()
        .map(|p| NewEntry {
            capture_id: Some(cap.capture_id.clone()),
            merchant_capture_reference: reference.map(str::to_owned),
            ..entry(locked, actor, p, cap.captured_at)
        })
        .collect();
    Ok(locked.tx.insert_ledger_entries(&entries).await?)
}

/// The fee terms of the order's payment method at its store.
pub(crate) async fn posting_terms(locked: &mut Locked) -> AppResult<PostingTerms> {
    let method = locked.row.payment_method.clone().unwrap_or_default();
    Ok(locked.tx.posting_terms(&locked.row.store_id, &method).await?)
}

/// A new capture's sequence number and the fee terms of the order's payment method, read
/// together.
pub(crate) async fn capture_seq_and_terms(locked: &mut Locked) -> AppResult<(i64, PostingTerms)> {
    let method = locked.row.payment_method.clone().unwrap_or_default();
    let (order_id, store_id) = (locked.row.order_id.clone(), locked.row.store_id.clone());
    Ok(locked.tx.capture_seq_and_terms(&order_id, &store_id, &method).await?)
}

/// RETURN of a new refund, and the fee given back where the store's plan refunds fees.
pub(crate) async fn post_refund(
    locked: &mut Locked,
    actor: &Actor,
    refund: &RefundRow,
    reference: Option<&str>,
) -> AppResult<()> {
    let terms = posting_terms(locked).await?;
    let fee = MethodFee::new(terms.bps, terms.fixed_minor).unwrap_or(MethodFee::ZERO);
    let left = if terms.refunds_fees {
        locked.tx.percentage_fee_left(&locked.row.order_id).await?
    } else {
        0
    };
    let entries: Vec<NewEntry> = refund_postings(refund.refunded_amount, fee, terms.refunds_fees, left)
        .into_iter()
        .map(|p| NewEntry {
            capture_id: Some(String::new()),
            refund_id: Some(refund.refund_id.clone()),
            merchant_refund_reference: reference.map(str::to_owned),
            ..entry(locked, actor, p, refund.refunded_at)
        })
        .collect();
    Ok(locked.tx.insert_ledger_entries(&entries).await?)
}
