//! Order-line arithmetic as Kustom's spec defines it, and the per-line quantity ledger that
//! keeps captures within what was ordered and refunds within what was captured.

use crate::money::{MAX_AMOUNT, MAX_TAX_RATE};

/// The money-relevant part of an order line (the API layer keeps the rest).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Line {
    pub kind: Option<String>,
    pub reference: Option<String>,
    pub name: String,
    pub quantity: i64,
    pub unit_price: i64,
    pub tax_rate: i64,
    pub total_amount: i64,
    pub total_discount_amount: i64,
    pub total_tax_amount: i64,
}

/// A rejected field: where (`order_lines[2].total_tax_amount`) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadValue {
    pub field: String,
    pub reason: String,
}

impl BadValue {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> BadValue {
        BadValue {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl std::fmt::Display for BadValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Bad value: {} ({})", self.field, self.reason)
    }
}

pub const LINE_KINDS: &[&str] = &[
    "physical",
    "discount",
    "shipping_fee",
    "sales_tax",
    "digital",
    "gift_card",
    "store_credit",
    "surcharge",
    "return_fee",
];

/// Largest number of lines on an order, capture or refund.
pub const MAX_LINES: usize = 1000;

/// `total_amount` as the spec defines it: quantity × unit_price − total_discount_amount, or
/// None when that does not fit in an `i64`.
pub fn line_total(quantity: i64, unit_price: i64, total_discount_amount: i64) -> Option<i64> {
    quantity.checked_mul(unit_price)?.checked_sub(total_discount_amount)
}

/// The tax included in `total_amount` at `tax_rate` (basis points, from 0):
/// total_amount − total_amount × 10000 / (10000 + tax_rate). [`check_line`] accepts a
/// `total_tax_amount` within ±1 of it.
pub fn included_tax(total_amount: i64, tax_rate: i64) -> i64 {
    let net = (total_amount as i128 * 10_000) / (10_000 + tax_rate.max(0) as i128);
    // Between 0 and total_amount, so it fits.
    (total_amount as i128 - net) as i64
}

/// Checks one line on its own. `at` names it in messages, e.g. `order_lines[0]`.
pub fn check_line(line: &Line, at: &str, out: &mut Vec<BadValue>) {
    let field = |name: &str| format!("{at}.{name}");
    if line.name.trim().is_empty() || line.name.chars().count() > 255 {
        out.push(BadValue::new(field("name"), "required, at most 255 characters"));
    }
    if let Some(kind) = &line.kind {
        if !LINE_KINDS.contains(&kind.as_str()) {
            out.push(BadValue::new(
                field("type"),
                format!("must be one of {}", LINE_KINDS.join(", ")),
            ));
        }
    }
    if line.reference.as_ref().is_some_and(|r| r.chars().count() > 255) {
        out.push(BadValue::new(field("reference"), "at most 255 characters"));
    }
    if !(0..=MAX_AMOUNT).contains(&line.quantity) {
        out.push(BadValue::new(field("quantity"), "must be a whole number from 0"));
    }
    if !(0..=MAX_TAX_RATE).contains(&line.tax_rate) {
        out.push(BadValue::new(
            field("tax_rate"),
            "must be between 0 and 10000 (two implied decimals)",
        ));
    }
    for (name, value) in [
        ("unit_price", line.unit_price),
        ("total_amount", line.total_amount),
        ("total_tax_amount", line.total_tax_amount),
    ] {
        if !(-MAX_AMOUNT..=MAX_AMOUNT).contains(&value) {
            out.push(BadValue::new(
                field(name),
                format!("must be between -{MAX_AMOUNT} and {MAX_AMOUNT}"),
            ));
        }
    }
    if !(0..=MAX_AMOUNT).contains(&line.total_discount_amount) {
        out.push(BadValue::new(field("total_discount_amount"), "must not be negative"));
    }
    let is_discount = line.kind.as_deref() == Some("discount");
    if !is_discount && (line.unit_price < 0 || line.total_amount < 0) {
        out.push(BadValue::new(
            field("unit_price"),
            "only discount lines may be negative",
        ));
    }
    // Only once the inputs are in range is the arithmetic meaningful (and overflow-free).
    if out.iter().any(|b| b.field.starts_with(&format!("{at}."))) {
        return;
    }
    // In range, so this fits.
    let expected_total = line_total(line.quantity, line.unit_price, line.total_discount_amount).unwrap_or(i64::MAX);
    if line.total_amount != expected_total {
        out.push(BadValue::new(
            field("total_amount"),
            format!("must be quantity × unit_price − total_discount_amount = {expected_total}"),
        ));
    }
    let expected_tax = included_tax(line.total_amount, line.tax_rate);
    if (line.total_tax_amount as i128 - expected_tax as i128).abs() > 1 {
        out.push(BadValue::new(
            field("total_tax_amount"),
            format!("must be within ±1 of total_amount − total_amount × 10000 / (10000 + tax_rate) = {expected_tax}"),
        ));
    }
}

/// Checks an order's lines and totals: each line, the count, and that lines add up to
/// `order_amount` and `order_tax_amount`.
pub fn check_order(lines: &[Line], order_amount: i64, order_tax_amount: i64) -> Vec<BadValue> {
    let mut out = Vec::new();
    if !(0..=MAX_AMOUNT).contains(&order_amount) {
        out.push(BadValue::new(
            "order_amount",
            format!("must be between 0 and {MAX_AMOUNT}"),
        ));
    }
    if !(0..=MAX_AMOUNT).contains(&order_tax_amount) {
        out.push(BadValue::new(
            "order_tax_amount",
            format!("must be between 0 and {MAX_AMOUNT}"),
        ));
    }
    if lines.is_empty() || lines.len() > MAX_LINES {
        out.push(BadValue::new(
            "order_lines",
            format!("between 1 and {MAX_LINES} lines are required"),
        ));
    }
    for (i, line) in lines.iter().enumerate() {
        check_line(line, &format!("order_lines[{i}]"), &mut out);
    }
    if out.is_empty() {
        let sum: i64 = lines.iter().map(|l| l.total_amount).sum();
        if sum != order_amount {
            out.push(BadValue::new(
                "order_amount",
                format!("must equal the sum of the lines' total_amount ({sum})"),
            ));
        }
        let tax: i64 = lines.iter().map(|l| l.total_tax_amount).sum();
        if tax != order_tax_amount {
            out.push(BadValue::new(
                "order_tax_amount",
                format!("must equal the sum of the lines' total_tax_amount ({tax})"),
            ));
        }
    }
    out
}

/// Checks the lines of a capture or refund of `amount`: each line, and that they add up.
pub fn check_partial(lines: &[Line], amount: i64, amount_field: &str) -> Vec<BadValue> {
    let mut out = Vec::new();
    if lines.len() > MAX_LINES {
        out.push(BadValue::new("order_lines", format!("at most {MAX_LINES} lines")));
    }
    for (i, line) in lines.iter().enumerate() {
        check_line(line, &format!("order_lines[{i}]"), &mut out);
    }
    if out.is_empty() && !lines.is_empty() {
        let sum: i64 = lines.iter().map(|l| l.total_amount).sum();
        if sum != amount {
            out.push(BadValue::new(
                amount_field,
                format!("must equal the sum of the lines' total_amount ({sum})"),
            ));
        }
    }
    out
}

/// How a line of a capture or refund is matched to an order line: by reference when it has
/// one, else by name.
fn same_item(a: &Line, b: &Line) -> bool {
    match (&a.reference, &b.reference) {
        (Some(x), Some(y)) if !x.is_empty() || !y.is_empty() => x == y,
        _ => a.name == b.name,
    }
}

/// Whether capturing `new` on top of `earlier` captures stays within the quantities ordered
/// (for lines that match an order line). Returns the offending line's name if not.
pub fn exceeds_quantities<'a>(ordered: &'a [Line], earlier: &[&[Line]], new: &[Line]) -> Option<&'a str> {
    ordered.iter().find_map(|item| {
        let before: i64 = earlier
            .iter()
            .flat_map(|ls| ls.iter())
            .filter(|l| same_item(l, item))
            .map(|l| l.quantity)
            .sum();
        let now: i64 = new.iter().filter(|l| same_item(l, item)).map(|l| l.quantity).sum();
        (now > 0 && before + now > item.quantity).then_some(item.name.as_str())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn line(name: &str, quantity: i64, unit_price: i64, tax_rate: i64) -> Line {
        let total = line_total(quantity, unit_price, 0).unwrap();
        let tax = included_tax(total, tax_rate);
        Line {
            kind: Some("physical".into()),
            reference: Some(name.to_lowercase()),
            name: name.into(),
            quantity,
            unit_price,
            tax_rate,
            total_amount: total,
            total_discount_amount: 0,
            total_tax_amount: tax,
        }
    }

    #[test]
    fn a_correct_order_passes() {
        let lines = [line("Shirt", 2, 25_000, 2500), line("Socks", 1, 9_900, 2500)];
        let total: i64 = lines.iter().map(|l| l.total_amount).sum();
        let tax: i64 = lines.iter().map(|l| l.total_tax_amount).sum();
        assert_eq!(check_order(&lines, total, tax), vec![]);
        assert_eq!((total, tax), (59_900, 11_980));
    }

    #[test]
    fn tax_may_be_off_by_one_but_not_two() {
        let mut l = line("Shirt", 1, 10_000, 2500);
        assert_eq!(l.total_tax_amount, 2000);
        for (tax, ok) in [(1999, true), (2001, true), (1998, false), (2002, false)] {
            l.total_tax_amount = tax;
            let mut out = Vec::new();
            check_line(&l, "order_lines[0]", &mut out);
            assert_eq!(out.is_empty(), ok, "tax {tax}: {out:?}");
        }
    }

    #[test]
    fn totals_worked_out_here_pass_the_check() {
        for (quantity, unit_price, discount, rate) in [(3, 33_333, 0, 2500), (7, 1_999, 500, 1200), (1, 1, 0, 600)] {
            let total = line_total(quantity, unit_price, discount).unwrap();
            let l = Line {
                name: "Item".into(),
                quantity,
                unit_price,
                tax_rate: rate,
                total_amount: total,
                total_discount_amount: discount,
                total_tax_amount: included_tax(total, rate),
                ..Line::default()
            };
            let mut out = Vec::new();
            check_line(&l, "l", &mut out);
            assert_eq!(out, vec![], "{l:?}");
        }
        assert_eq!(included_tax(12_500, 2500), 2500);
        assert_eq!(line_total(i64::MAX, 2, 0), None);
    }

    #[test]
    fn arithmetic_and_sums_are_enforced() {
        let mut l = line("Shirt", 2, 10_000, 0);
        l.total_amount = 19_999;
        let errs = check_order(&[l], 19_999, 0);
        assert_eq!(errs[0].field, "order_lines[0].total_amount");
        let l = line("Shirt", 2, 10_000, 0);
        let errs = check_order(&[l], 20_001, 0);
        assert_eq!(errs[0].field, "order_amount");
        assert_eq!(check_order(&[], 0, 0)[0].field, "order_lines");
    }

    #[test]
    fn discounts_may_be_negative_other_lines_not() {
        let mut d = line("Promo", 1, -5_000, 2500);
        d.kind = Some("discount".into());
        let mut out = Vec::new();
        check_line(&d, "x", &mut out);
        assert!(out.is_empty(), "{out:?}");
        d.kind = Some("physical".into());
        check_line(&d, "x", &mut out);
        assert!(!out.is_empty());
    }

    #[test]
    fn huge_values_are_refused_without_overflow() {
        let mut l = line("Big", 1, 1, 0);
        l.quantity = i64::MAX;
        l.unit_price = i64::MAX;
        let mut out = Vec::new();
        check_line(&l, "l", &mut out);
        assert!(out.iter().any(|b| b.field == "l.quantity"));
    }

    #[test]
    fn the_most_negative_number_is_refused_not_a_crash() {
        let mut l = line("Min", 1, 1, 0);
        l.unit_price = i64::MIN;
        l.total_amount = i64::MIN;
        l.total_tax_amount = i64::MIN;
        let mut out = Vec::new();
        check_line(&l, "l", &mut out);
        assert!(out.iter().any(|b| b.field == "l.unit_price"));
    }

    #[test]
    fn quantities_cannot_be_captured_twice() {
        let ordered = [line("Shirt", 2, 100, 0), line("Socks", 1, 50, 0)];
        let first = [line("Shirt", 1, 100, 0)];
        assert_eq!(exceeds_quantities(&ordered, &[], &first), None);
        let again = [line("Shirt", 2, 100, 0)];
        assert_eq!(exceeds_quantities(&ordered, &[&first], &again), Some("Shirt"));
        assert_eq!(exceeds_quantities(&ordered, &[&first], &first), None);
    }
}
