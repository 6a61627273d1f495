//! Editing the lines of an uncaptured order, as a person types the edit: quantities and unit
//! prices per line (in major units), lines taken off, one new line. Each result line is
//! priced with the spec's arithmetic ([`crate::lines`]); the order amount is their sum.

use crate::lines::{included_tax, line_total, Line};
use crate::money::{MAX_AMOUNT, MAX_TAX_RATE};

/// "123,45" or "123.45" (major units) → 12345 minor units, with no float anywhere.
pub fn parse_major(text: &str) -> Option<i64> {
    let t = text.trim().replace([' ', '\u{a0}'], "");
    if t.is_empty() {
        return None;
    }
    let (int, frac) = match t.split_once(['.', ',']) {
        Some((i, f)) => (i, f),
        None => (t.as_str(), ""),
    };
    if int.is_empty() && frac.is_empty()
        || frac.len() > 2
        || !int.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let major: i64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let minor: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<2}").parse().ok()?
    };
    major.checked_mul(100)?.checked_add(minor)
}

/// Like [`parse_major`], and a leading minus for discount lines.
pub fn parse_signed_major(text: &str) -> Option<i64> {
    match text.trim().strip_prefix(['-', '\u{2212}']) {
        Some(rest) => parse_major(rest).map(|v| -v),
        None => parse_major(text),
    }
}

/// `line` at another quantity and unit price: its discount kept per unit, its totals worked
/// out as the spec defines them. None when the numbers are too large to multiply.
pub fn repriced(line: &Line, quantity: i64, unit_price: i64) -> Option<Line> {
    let discount = line.total_discount_amount;
    let discount = if line.quantity > 0 {
        i64::try_from(discount as i128 * quantity as i128 / line.quantity as i128).ok()?
    } else {
        discount
    };
    let total = line_total(quantity, unit_price, discount)?;
    Some(Line {
        quantity,
        unit_price,
        total_amount: total,
        total_discount_amount: discount,
        total_tax_amount: included_tax(total, line.tax_rate),
        ..line.clone()
    })
}

/// Why an edit of the lines was not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinesProblem {
    /// The quantity of the named line is not a whole number from 0.
    Quantity(String),
    /// The unit price of the named line is not an amount.
    Price(String),
    /// A new line lacks its name, quantity or price.
    NewLine,
    TaxRate,
    /// Nothing (or nothing worth money) would be left.
    Empty,
    /// The amounts do not fit (more than the largest amount).
    TooLarge,
    Unchanged,
    /// The lines changed since the form was shown.
    Changed,
    /// Something is captured: the lines are final.
    Captured,
}

impl std::fmt::Display for LinesProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the lines cannot be edited so: {self:?}")
    }
}

/// What the edit says about one existing line; a field left out (None) keeps its value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineInput {
    pub remove: bool,
    pub quantity: Option<String>,
    pub unit_price: Option<String>,
}

/// A new line as typed; all empty means none. The tax rate is in % (`12,5`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewLineInput {
    pub name: String,
    pub reference: String,
    pub quantity: String,
    pub unit_price: String,
    pub tax_rate: String,
}

/// An edit of an order's lines: one entry per existing line, by position (missing entries
/// leave their line as it is), and an optional new line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinesInput {
    pub lines: Vec<LineInput>,
    pub new_line: NewLineInput,
}

/// One line of the result: where it came from (`from`, the position of the line it
/// replaces; None for the new line) and its money.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditedLine {
    pub from: Option<usize>,
    /// Whether the money changed (an untouched line is kept exactly as stored).
    pub changed: bool,
    pub line: Line,
}

/// The lines an edit asks for, and what they add up to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinesEdit {
    pub lines: Vec<EditedLine>,
    pub order_amount: i64,
    /// Names of the lines taken off.
    pub removed: Vec<String>,
}

/// Applies `input` to the `current` lines of an uncaptured order.
pub fn edit_lines(current: &[Line], input: &LinesInput) -> Result<LinesEdit, LinesProblem> {
    let quantity_of = |raw: &str| raw.trim().parse::<i64>().ok().filter(|q| *q >= 0);
    let mut lines = Vec::new();
    let mut removed = Vec::new();
    let mut changed = false;
    let untouched = LineInput::default();
    for (i, line) in current.iter().enumerate() {
        let asked = input.lines.get(i).unwrap_or(&untouched);
        if asked.remove {
            removed.push(line.name.clone());
            continue;
        }
        // A field left out keeps its value; one sent empty is a mistake to explain.
        let quantity = match &asked.quantity {
            None => line.quantity,
            Some(raw) => quantity_of(raw).ok_or_else(|| LinesProblem::Quantity(line.name.clone()))?,
        };
        let unit_price = match &asked.unit_price {
            None => line.unit_price,
            Some(raw) => parse_signed_major(raw).ok_or_else(|| LinesProblem::Price(line.name.clone()))?,
        };
        if (quantity, unit_price) == (line.quantity, line.unit_price) {
            lines.push(EditedLine {
                from: Some(i),
                changed: false,
                line: line.clone(),
            });
        } else {
            let line = repriced(line, quantity, unit_price).ok_or(LinesProblem::TooLarge)?;
            lines.push(EditedLine {
                from: Some(i),
                changed: true,
                line,
            });
            changed = true;
        }
    }
    if let Some(line) = new_line(&input.new_line)? {
        lines.push(EditedLine {
            from: None,
            changed: true,
            line,
        });
        changed = true;
    }
    if !changed && removed.is_empty() {
        return Err(LinesProblem::Unchanged);
    }
    let order_amount = lines
        .iter()
        .try_fold(0i64, |sum, l| sum.checked_add(l.line.total_amount))
        .ok_or(LinesProblem::TooLarge)?;
    if lines.is_empty() || order_amount <= 0 {
        return Err(LinesProblem::Empty);
    }
    if order_amount > MAX_AMOUNT {
        return Err(LinesProblem::TooLarge);
    }
    Ok(LinesEdit {
        lines,
        order_amount,
        removed,
    })
}

/// The new line, priced; None when none was typed.
fn new_line(new: &NewLineInput) -> Result<Option<Line>, LinesProblem> {
    let (name, reference, quantity, price) = (
        new.name.trim(),
        new.reference.trim(),
        new.quantity.trim(),
        new.unit_price.trim(),
    );
    if [name, reference, quantity, price].iter().all(|v| v.is_empty()) {
        return Ok(None);
    }
    if name.is_empty() || quantity.is_empty() || price.is_empty() {
        return Err(LinesProblem::NewLine);
    }
    let quantity = quantity
        .parse::<i64>()
        .ok()
        .filter(|q| *q > 0)
        .ok_or_else(|| LinesProblem::Quantity(name.to_owned()))?;
    let unit_price = parse_signed_major(price).ok_or_else(|| LinesProblem::Price(name.to_owned()))?;
    let tax_rate = match new.tax_rate.trim() {
        "" => 0,
        raw => parse_major(raw)
            .filter(|r| *r <= MAX_TAX_RATE)
            .ok_or(LinesProblem::TaxRate)?,
    };
    let line = Line {
        // A negative price takes money off: Kustom's discount line.
        kind: Some(if unit_price < 0 { "discount" } else { "physical" }.to_owned()),
        reference: Some(reference.to_owned()).filter(|r| !r.is_empty()),
        name: name.to_owned(),
        quantity,
        unit_price,
        tax_rate,
        ..Line::default()
    };
    repriced(&line, quantity, unit_price)
        .map(Some)
        .ok_or(LinesProblem::TooLarge)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lines::check_order;

    #[test]
    fn amounts_in_major_units() {
        assert_eq!(parse_major("123,45"), Some(12345));
        assert_eq!(parse_major("123.4"), Some(12340));
        assert_eq!(parse_major(" 1 000 "), Some(100000));
        assert_eq!(parse_major("0,05"), Some(5));
        for bad in ["", "1.234", "-5", "abc", "1e3", ".", "12,3,4"] {
            assert_eq!(parse_major(bad), None, "{bad}");
        }
        assert_eq!(parse_signed_major("-0,05"), Some(-5));
    }

    fn line(name: &str, quantity: i64, unit_price: i64, discount: i64, tax: i64) -> Line {
        Line {
            kind: Some("physical".into()),
            reference: None,
            name: name.into(),
            quantity,
            unit_price,
            tax_rate: 2500,
            total_amount: quantity * unit_price - discount,
            total_discount_amount: discount,
            total_tax_amount: tax,
        }
    }

    fn current() -> Vec<Line> {
        vec![line("Camera", 1, 40000, 0, 8000), line("Tripod", 2, 10000, 1000, 4000)]
    }

    fn input(fields: &[(&str, &str)]) -> LinesInput {
        let mut input = LinesInput {
            lines: vec![LineInput::default(); 2],
            ..LinesInput::default()
        };
        for (key, value) in fields {
            let value = value.to_string();
            match *key {
                "remove_0" => input.lines[0].remove = true,
                "remove_1" => input.lines[1].remove = true,
                "quantity_0" => input.lines[0].quantity = Some(value),
                "quantity_1" => input.lines[1].quantity = Some(value),
                "unit_price_1" => input.lines[1].unit_price = Some(value),
                "new_name" => input.new_line.name = value,
                "new_quantity" => input.new_line.quantity = value,
                "new_unit_price" => input.new_line.unit_price = value,
                "new_tax_rate" => input.new_line.tax_rate = value,
                other => panic!("{other}"),
            }
        }
        input
    }

    #[test]
    fn edited_lines_are_priced_by_the_spec_and_checked() {
        // Three tripods at 99,90 keep their discount per unit (500 each).
        let edit = edit_lines(&current(), &input(&[("quantity_1", "3"), ("unit_price_1", "99,90")])).unwrap();
        let tripod = &edit.lines[1].line;
        assert_eq!((tripod.total_discount_amount, tripod.total_amount), (1500, 28470));
        assert_eq!(tripod.total_tax_amount, included_tax(28470, 2500));
        assert_eq!(
            edit.lines[0].line.total_amount, 40000,
            "an untouched line stays as it was"
        );
        assert!(!edit.lines[0].changed && edit.lines[1].changed);
        assert_eq!(edit.order_amount, 68470);
        let core: Vec<Line> = edit.lines.iter().map(|l| l.line.clone()).collect();
        let tax = core.iter().map(|l| l.total_tax_amount).sum();
        assert_eq!(check_order(&core, edit.order_amount, tax), vec![]);

        // Remove one, add one with 12,5 % tax.
        let edit = edit_lines(
            &current(),
            &input(&[
                ("remove_0", "1"),
                ("new_name", "Bag"),
                ("new_quantity", "2"),
                ("new_unit_price", "15"),
                ("new_tax_rate", "12,5"),
            ]),
        )
        .unwrap();
        assert_eq!(edit.removed, vec!["Camera".to_owned()]);
        assert_eq!(edit.lines.len(), 2);
        let bag = &edit.lines[1];
        assert_eq!(bag.from, None);
        assert_eq!(
            (bag.line.total_amount, bag.line.tax_rate, bag.line.total_tax_amount),
            (3000, 1250, 334)
        );

        let problem = |fields: &[(&str, &str)]| edit_lines(&current(), &input(fields)).err();
        assert_eq!(problem(&[]), Some(LinesProblem::Unchanged));
        assert_eq!(
            problem(&[("quantity_0", "1.5")]),
            Some(LinesProblem::Quantity("Camera".into()))
        );
        assert_eq!(
            problem(&[("quantity_0", "")]),
            Some(LinesProblem::Quantity("Camera".into()))
        );
        assert_eq!(
            problem(&[("unit_price_1", "ten")]),
            Some(LinesProblem::Price("Tripod".into()))
        );
        assert_eq!(
            problem(&[("remove_0", "1"), ("remove_1", "1")]),
            Some(LinesProblem::Empty)
        );
        assert_eq!(
            problem(&[("quantity_0", "0"), ("quantity_1", "0")]),
            Some(LinesProblem::Empty)
        );
        assert_eq!(problem(&[("new_name", "Bag")]), Some(LinesProblem::NewLine));
        assert_eq!(
            problem(&[
                ("new_name", "Bag"),
                ("new_quantity", "1"),
                ("new_unit_price", "1"),
                ("new_tax_rate", "101")
            ]),
            Some(LinesProblem::TaxRate)
        );
        assert_eq!(
            problem(&[("quantity_0", "9223372036854775807")]),
            Some(LinesProblem::TooLarge)
        );
        assert_eq!(problem(&[("quantity_0", "3000")]), Some(LinesProblem::TooLarge));
    }
}
