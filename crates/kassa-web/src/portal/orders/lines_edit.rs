//! Editing the lines of an uncaptured order: the form and its confirmation page. The
//! arithmetic is kassa-core's (`line_edit`); the use case works the edit out again under the
//! order's lock.

use super::*;
use kassa_core::line_edit::LinesProblem;

/// A line as the order page and the confirmation show it.
pub(super) fn line_view(index: usize, l: &OrderLine, lang: Lang, currency: &str) -> LineView {
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
        unit_price_minor: l.unit_price,
        discount_minor: l.total_discount_amount.unwrap_or(0),
        capture_qty: String::new(),
        refund_qty: String::new(),
        edit_quantity: String::new(),
        edit_price: String::new(),
        edit_remove: false,
    }
}

/// Minor units as a person types them into a form in this language (`1234,50`, no
/// grouping), which [`parse_major`] reads back.
pub(super) fn major_input(minor: i64, lang: Lang) -> String {
    let plain = crate::reports::format::decimal(minor);
    if lang == Lang::En {
        plain
    } else {
        plain.replace('.', ",")
    }
}

/// A tax rate in basis points as a percentage to type: 2500 → `25`, 1250 → `12,5`.
pub(super) fn percent_input(basis_points: i64, lang: Lang) -> String {
    major_input(basis_points, lang)
        .trim_end_matches('0')
        .trim_end_matches([',', '.'])
        .to_owned()
}

/// Why an edit of the lines was not taken, in plain words.
pub(super) fn lines_problem(lang: Lang, problem: &LinesProblem, currency: &str) -> String {
    match problem {
        LinesProblem::Quantity(name) => lang.t_args("order-lines-error-quantity", &[("name", name.clone())]),
        LinesProblem::Price(name) => lang.t_args("order-lines-error-price", &[("name", name.clone())]),
        LinesProblem::NewLine => lang.t("order-lines-error-new-line"),
        LinesProblem::TaxRate => lang.t("order-lines-error-tax-rate"),
        LinesProblem::Empty => lang.t("order-lines-error-empty"),
        LinesProblem::TooLarge => lang.t_args(
            "order-lines-error-too-large",
            &[("max", lang.format_money(kassa_core::money::MAX_AMOUNT, currency))],
        ),
        LinesProblem::Unchanged => lang.t("order-lines-error-unchanged"),
        LinesProblem::Changed => lang.t("order-lines-error-changed"),
        LinesProblem::Captured => lang.t("order-lines-error-captured"),
    }
}

#[derive(Template)]
#[template(path = "order_lines_confirm.html")]
pub(super) struct LinesConfirmTemplate {
    page: Page,
    id: String,
    short_reference: String,
    amount_change: String,
    removed: Vec<String>,
    lines: Vec<LineView>,
    /// The form as it was sent, to send again with `confirmed=1`.
    fields: Vec<(String, String)>,
    form_key: String,
    /// For a higher amount: what the payment method approves.
    approval: Option<String>,
}

/// For an edit of the lines that removes some or changes the amount: a page that shows the
/// result and asks again. A higher amount beyond what the payment method approves, or a
/// form with a mistake, is refused with the reason.
pub(super) async fn lines_confirmation(
    state: &AppState,
    member: &Member,
    order_id: &str,
    form: &ActionForm,
) -> Result<Asked, WebError> {
    let row = member_order(state, member, order_id).await?;
    let lang = Lang::from_code(&member.user.language).unwrap_or(Lang::En);
    let version = form.rest.get("lines_version").map(|v| v.trim()).unwrap_or("");
    let input = lines_input(form, lines_of(&row).len());
    let edit = match orders::plan_lines_edit(&row, version, &input) {
        Ok(edit) => edit,
        Err(problem) => return Ok(Asked::Refused(lines_problem(lang, &problem, &row.purchase_currency))),
    };
    if edit.removed.is_empty() && edit.order_amount == row.order_amount {
        return Ok(Asked::Proceed);
    }
    let mut approval = None;
    if edit.order_amount > row.order_amount {
        let approves = orders::approval_ceiling(&state.db, &row)
            .await
            .map_err(WebError::from)?;
        if approves.declines(&row, edit.order_amount) {
            return Ok(Asked::Refused(explain::increase_declined(
                lang,
                &row.purchase_currency,
                edit.order_amount,
                approves.most(&row),
                approves.percent,
            )));
        }
        approval = Some(lang.t_args(
            "order-amount-increase-approval",
            &[
                ("max", lang.format_money(approves.ceiling, &row.purchase_currency)),
                ("percent", approves.percent.to_string()),
            ],
        ));
    }
    let currency = &row.purchase_currency;
    let mut page = Page::member(
        member,
        Some(Section::Orders),
        "order-lines-confirm-title",
        &format!("/portal/orders/{order_id}/lines"),
    );
    page.title = order_title(lang, "order-lines-confirm-title", &row.short_reference);
    let mut fields: Vec<(String, String)> = form
        .rest
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "csrf" | "confirmed"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    fields.push(("description".into(), form.description.clone()));
    fields.sort();
    Ok(Asked::Page(render(&LinesConfirmTemplate {
        approval,
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
