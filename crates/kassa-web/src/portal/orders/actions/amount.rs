//! "Change order amount": a higher amount is a new authorization (as in Kustom), which the
//! payment method approves only up to the store's limit and the merchant confirms first.

use super::super::*;
use super::explain::increase_declined;
use super::Asked;

#[derive(Template)]
#[template(path = "order_amount_confirm.html")]
struct AmountConfirmTemplate {
    page: Page,
    id: String,
    question: String,
    approval: String,
    amount: String,
    description: String,
    form_key: String,
}

/// For a higher amount: refused at once beyond what the payment method approves, else a
/// page that states the change and asks. A lower amount goes ahead (the domain keeps it
/// above what is captured).
pub(super) async fn confirmation(
    state: &AppState,
    member: &Member,
    order_id: &str,
    form: &ActionForm,
) -> Result<Asked, WebError> {
    let row = member_order(state, member, order_id).await?;
    let lang = Lang::from_code(&member.user.language).unwrap_or(Lang::En);
    let Some(new_amount) = parse_major(&form.amount) else {
        // The operation explains a missing or mistyped amount.
        return Ok(Asked::Proceed);
    };
    let order = orders::core_state(&row).map_err(WebError::from)?;
    if !order.is_increase(new_amount) {
        return Ok(Asked::Proceed);
    }
    let currency = &row.purchase_currency;
    let approval = orders::approval_ceiling(&state.db, &row)
        .await
        .map_err(WebError::from)?;
    let (ceiling, percent) = (approval.ceiling, approval.percent);
    if approval.declines(&row, new_amount) {
        // What it would approve: never less than the amount already authorized.
        return Ok(Asked::Refused(increase_declined(
            lang,
            currency,
            new_amount,
            approval.most(&row),
            percent,
        )));
    }
    let here = format!("/portal/orders/{order_id}/amount");
    let mut page = Page::member(member, Some(Section::Orders), "order-amount-confirm-title", &here);
    page.title = order_title(lang, "order-amount-confirm-title", &row.short_reference);
    let money = |v: i64| lang.format_money(v, currency);
    Ok(Asked::Page(render(&AmountConfirmTemplate {
        id: row.order_id.clone(),
        question: lang.t_args(
            "order-amount-increase",
            &[("before", money(row.order_amount)), ("after", money(new_amount))],
        ),
        approval: lang.t_args(
            "order-amount-increase-approval",
            &[("max", money(ceiling)), ("percent", percent.to_string())],
        ),
        amount: form.amount.trim().to_owned(),
        description: form.description.clone(),
        form_key: form.form_key.clone(),
        page,
    })))
}
