//! Why an order action was refused, in plain words in the user's language: amounts in the
//! order's currency, fields by the labels the form shows. The order operations decide (and
//! word their refusals for the API, in minor units); this reads the order as it is now next
//! to what the form asked for, and says which of the operation's reasons applied.

use super::super::*;
use super::bad_fields;
use kassa_app::{AppError, FieldError};
use kassa_core::order::Refusal;

/// The label key of a form field named in a [`FieldError`] (`billing_address.email`,
/// `shipping_info[0].tracking_uri`, `merchant_reference1`).
fn field_label_key(field: &str) -> &'static str {
    let name = field.rsplit('.').next().unwrap_or(field);
    match name {
        "given_name" => "checkout-given-name",
        "family_name" => "checkout-family-name",
        "email" => "field-email",
        "street_address" => "checkout-street",
        "postal_code" => "checkout-postal-code",
        "city" => "checkout-city",
        "phone" => "field-phone",
        "shipping_company" => "order-shipping-company",
        "tracking_number" => "order-tracking-number",
        "tracking_uri" => "order-tracking-uri",
        "shipping_method" => "order-shipping-method",
        "merchant_reference1" => "order-reference1",
        "merchant_reference2" => "order-reference2",
        "description" => "order-change-reason",
        _ => "order-field-other",
    }
}

/// One sentence per field that is not valid, naming the field as the form labels it.
pub(in crate::portal::orders) fn fields(lang: Lang, problems: &[FieldError]) -> String {
    let mut labels: Vec<String> = problems.iter().map(|p| lang.t(field_label_key(&p.field))).collect();
    labels.dedup();
    labels
        .into_iter()
        .map(|field| lang.t_args("order-error-field", &[("field", field)]))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Why the status of an order stops money from moving, e.g. "the order is cancelled".
fn closed_reason(lang: Lang, order: &kassa_core::order::Order) -> String {
    if order.released {
        return lang.t("order-error-released");
    }
    if matches!(order.status, Status::Authorized | Status::PartCaptured) && now_ms() >= order.expires_at {
        return lang.t("order-error-expired");
    }
    lang.t_args(
        "order-error-status",
        &[("status", lang.t(&status_key(order.status.code())))],
    )
}

/// The refusal of `action` explained, for the order as it is after the refusal.
pub(in crate::portal::orders) async fn refusal(
    state: &AppState,
    member: &Member,
    order_id: &str,
    action: &str,
    form: &ActionForm,
    lang: Lang,
    error: ActionError,
) -> Result<String, WebError> {
    let row = member_order(state, member, order_id).await?;
    let currency = row.purchase_currency.clone();
    let money = |v: i64| lang.format_money(v, &currency);
    let order = orders::core_state(&row).map_err(WebError::from)?;
    let asked = match how_much(form) {
        Ok(HowMuch::Amount(amount)) => Some(amount),
        _ => None,
    };
    let e = match error {
        ActionError::NotFound => return Err(WebError::NotFound),
        ActionError::Lines(problem) => return Ok(lines_problem(lang, &problem, &currency)),
        ActionError::Quantities => return Ok(lang.t(&format!("order-error-quantities-{action}"))),
        ActionError::ShippingEmpty => return Ok(lang.t("order-error-shipping-empty")),
        ActionError::Mode(problem) => return Ok(problem.explain(lang, &currency, action)),
        ActionError::Refused(e) => e,
    };
    let range = || {
        let max = if action == "refund" {
            kassa_core::money::MAX_REFUND_AMOUNT
        } else {
            kassa_core::money::MAX_AMOUNT
        };
        lang.t_args("order-error-amount-range", &[("min", money(1)), ("max", money(max))])
    };
    let bad = bad_fields(&e);
    let bad_value = matches!(e, AppError::Invalid(_) | AppError::Refused(Refusal::BadValue(_)));
    Ok(match action {
        _ if bad.iter().any(|f| f.field == "description") => fields(lang, &[FieldError::new("description", "")]),
        "customer" | "shipping" | "references" if !bad.is_empty() => fields(lang, bad),
        "capture" | "refund" | "amount" if bad_value => range(),
        "capture" => {
            let remaining = order.remaining_authorized();
            if remaining == 0 || !matches!(order.status, Status::Authorized | Status::PartCaptured) {
                lang.t_args("order-error-capture-closed", &[("reason", closed_reason(lang, &order))])
            } else if now_ms() >= order.expires_at {
                lang.t("order-error-expired")
            } else if let Some(asked) = asked.filter(|a| *a > remaining) {
                lang.t_args(
                    "order-error-capture-more",
                    &[("asked", money(asked)), ("remaining", money(remaining))],
                )
            } else {
                lang.t("order-error-quantities-capture")
            }
        }
        "refund" => {
            let refundable = row.captured_amount - row.refunded_amount;
            match asked.filter(|a| *a > refundable) {
                Some(asked) => lang.t_args(
                    "order-error-refund-more",
                    &[("asked", money(asked)), ("refundable", money(refundable))],
                ),
                None => lang.t("order-error-quantities-refund"),
            }
        }
        "amount" | "lines" => {
            let new_amount = parse_major(&form.amount).unwrap_or(row.order_amount);
            let approval = orders::approval_ceiling(&state.db, &row)
                .await
                .map_err(WebError::from)?;
            if !matches!(order.status, Status::Authorized | Status::PartCaptured)
                || order.released
                || now_ms() >= order.expires_at
            {
                lang.t_args("order-error-amount-closed", &[("reason", closed_reason(lang, &order))])
            } else if action == "amount" && new_amount < row.captured_amount.max(1) {
                lang.t_args(
                    "order-error-below-captured",
                    &[("captured", money(row.captured_amount))],
                )
            } else if matches!(e, AppError::Refused(Refusal::IncreaseDeclined(_))) {
                increase_declined(lang, &currency, new_amount, approval.most(&row), approval.percent)
            } else {
                lang.t("order-error-not-allowed")
            }
        }
        "cancel" if row.captured_amount > 0 => lang.t("order-error-cancel-captured"),
        "cancel" | "extend" | "release" => {
            lang.t_args("order-error-action-closed", &[("reason", closed_reason(lang, &order))])
        }
        _ if matches!(e, AppError::Refused(Refusal::NotAllowed(_))) => {
            lang.t_args("order-error-edit-closed", &[("reason", closed_reason(lang, &order))])
        }
        _ => explain(lang, &e),
    })
}

/// A higher amount the payment method did not approve, with what it would approve.
pub(in crate::portal::orders) fn increase_declined(
    lang: Lang,
    currency: &str,
    asked: i64,
    ceiling: i64,
    percent: i64,
) -> String {
    lang.t_args(
        "order-error-increase-declined",
        &[
            ("asked", lang.format_money(asked, currency)),
            ("max", lang.format_money(ceiling, currency)),
            ("percent", percent.to_string()),
        ],
    )
}
