//! Editing the lines of an uncaptured order.

use super::*;

/// A line as the order page and the confirmation show it.
pub(super) fn line_view(index: usize, l: &WireLine, lang: Lang, currency: &str) -> LineView {
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
    let plain = decimal(minor);
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

/// Like [`parse_major`], and a leading minus for discount lines.
pub(super) fn parse_signed_major(text: &str) -> Option<i64> {
    match text.trim().strip_prefix(['-', '\u{2212}']) {
        Some(rest) => parse_major(rest).map(|v| -v),
        None => parse_major(text),
    }
}

/// A fingerprint of an order's lines, sent with the form: an edit made on lines that have
/// changed since is refused rather than applied to the wrong line.
pub(super) fn lines_version(body: &serde_json::Map<String, Value>) -> String {
    use sha2::Digest;
    let lines = body.get("order_lines").map(Value::to_string).unwrap_or_default();
    sha2::Sha256::digest(lines.as_bytes())
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Why an edit of the lines was not taken; each is explained in plain words.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum LinesProblem {
    Quantity(String),
    Price(String),
    NewLine,
    TaxRate,
    Empty,
    TooLarge(String),
    Unchanged,
    Changed,
    Captured,
}

impl LinesProblem {
    pub(super) fn explain(&self, lang: Lang) -> String {
        match self {
            LinesProblem::Quantity(name) => lang.t_args("order-lines-error-quantity", &[("name", name.clone())]),
            LinesProblem::Price(name) => lang.t_args("order-lines-error-price", &[("name", name.clone())]),
            LinesProblem::NewLine => lang.t("order-lines-error-new-line"),
            LinesProblem::TaxRate => lang.t("order-lines-error-tax-rate"),
            LinesProblem::Empty => lang.t("order-lines-error-empty"),
            LinesProblem::TooLarge(currency) => lang.t_args(
                "order-lines-error-too-large",
                &[("max", lang.format_money(kassa_core::money::MAX_AMOUNT, currency))],
            ),
            LinesProblem::Unchanged => lang.t("order-lines-error-unchanged"),
            LinesProblem::Changed => lang.t("order-lines-error-changed"),
            LinesProblem::Captured => lang.t("order-lines-error-captured"),
        }
    }
}

/// The lines an "Edit lines" form asks for, and what they add up to.
pub(super) struct LinesEdit {
    pub(super) lines: Vec<WireLine>,
    pub(super) order_amount: i64,
    /// Names of the lines taken off.
    pub(super) removed: Vec<String>,
}

/// Reads the "Edit lines" form against the order as `row` has it: per line `quantity_<i>`,
/// `unit_price_<i>` and `remove_<i>`; an optional new line (`new_name`, `new_reference`,
/// `new_quantity`, `new_unit_price`, `new_tax_rate` in %). Totals are worked out with the
/// spec's line arithmetic; the domain checks the result as it checks the API's.
pub(super) fn edited_lines(row: &kassa_db::OrderRow, form: &ActionForm) -> Result<LinesEdit, LinesProblem> {
    let body: serde_json::Map<String, Value> = serde_json::from_str(&row.body).unwrap_or_default();
    if form.rest.get("lines_version") != Some(&lines_version(&body)) {
        return Err(LinesProblem::Changed);
    }
    if row.captured_amount > 0 {
        return Err(LinesProblem::Captured);
    }
    let current: Vec<WireLine> = body
        .get("order_lines")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    let field = |key: String| form.rest.get(&key).map(|v| v.trim());
    let quantity_of = |raw: &str| raw.parse::<i64>().ok().filter(|q| *q >= 0);
    let too_large = || LinesProblem::TooLarge(row.purchase_currency.clone());
    let mut lines = Vec::new();
    let mut removed = Vec::new();
    let mut changed = false;
    for (i, line) in current.iter().enumerate() {
        if field(format!("remove_{i}")).is_some_and(|v| !v.is_empty()) {
            removed.push(line.name.clone());
            continue;
        }
        // A field left out keeps its value; one sent empty is a mistake to explain.
        let quantity = match field(format!("quantity_{i}")) {
            None => line.quantity,
            Some(raw) => quantity_of(raw).ok_or_else(|| LinesProblem::Quantity(line.name.clone()))?,
        };
        let unit_price = match field(format!("unit_price_{i}")) {
            None => line.unit_price,
            Some(raw) => parse_signed_major(raw).ok_or_else(|| LinesProblem::Price(line.name.clone()))?,
        };
        if (quantity, unit_price) == (line.quantity, line.unit_price) {
            lines.push(line.clone());
        } else {
            lines.push(repriced(line, quantity, unit_price).ok_or_else(too_large)?);
            changed = true;
        }
    }
    let new = |key: &str| field(format!("new_{key}")).unwrap_or("");
    let (name, reference, quantity, price) = (new("name"), new("reference"), new("quantity"), new("unit_price"));
    if [name, reference, quantity, price].iter().any(|v| !v.is_empty()) {
        if name.is_empty() || quantity.is_empty() || price.is_empty() {
            return Err(LinesProblem::NewLine);
        }
        let quantity = quantity_of(quantity)
            .filter(|q| *q > 0)
            .ok_or_else(|| LinesProblem::Quantity(name.to_owned()))?;
        let unit_price = parse_signed_major(price).ok_or_else(|| LinesProblem::Price(name.to_owned()))?;
        let tax_rate = match new("tax_rate") {
            "" => 0,
            raw => parse_major(raw)
                .filter(|r| *r <= kassa_core::money::MAX_TAX_RATE)
                .ok_or(LinesProblem::TaxRate)?,
        };
        let line = WireLine {
            // A negative price takes money off: Kustom's discount line.
            kind: Some(if unit_price < 0 { "discount" } else { "physical" }.to_owned()),
            reference: Some(reference.to_owned()).filter(|r| !r.is_empty()),
            name: name.to_owned(),
            quantity,
            quantity_unit: None,
            unit_price,
            tax_rate: Some(tax_rate),
            total_amount: 0,
            total_discount_amount: Some(0),
            total_tax_amount: Some(0),
            merchant_data: None,
            product_url: None,
            image_url: None,
            extra: Default::default(),
        };
        lines.push(repriced(&line, quantity, unit_price).ok_or_else(too_large)?);
        changed = true;
    }
    if !changed && removed.is_empty() {
        return Err(LinesProblem::Unchanged);
    }
    let order_amount = lines
        .iter()
        .try_fold(0i64, |sum, l| sum.checked_add(l.total_amount))
        .ok_or_else(too_large)?;
    if lines.is_empty() || order_amount <= 0 {
        return Err(LinesProblem::Empty);
    }
    if order_amount > kassa_core::money::MAX_AMOUNT {
        return Err(too_large());
    }
    Ok(LinesEdit {
        lines,
        order_amount,
        removed,
    })
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
    let edit = match edited_lines(&row, form) {
        Ok(edit) => edit,
        Err(problem) => return Ok(Asked::Refused(problem.explain(lang))),
    };
    if edit.removed.is_empty() && edit.order_amount == row.order_amount {
        return Ok(Asked::Proceed);
    }
    let mut approval = None;
    if edit.order_amount > row.order_amount {
        let (ceiling, percent) = amount::ceiling_of(state, &row).await?;
        if edit.order_amount > ceiling {
            return Ok(Asked::Refused(explain::increase_declined(
                lang,
                &row.purchase_currency,
                edit.order_amount,
                ceiling.max(row.order_amount),
                percent,
            )));
        }
        approval = Some(lang.t_args(
            "order-amount-increase-approval",
            &[
                ("max", lang.format_money(ceiling, &row.purchase_currency)),
                ("percent", percent.to_string()),
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
