use super::*;

#[test]
fn amounts_in_major_units() {
    assert_eq!(parse_major("123,45"), Some(12345));
    assert_eq!(parse_major("123.4"), Some(12340));
    assert_eq!(parse_major(" 1 000 "), Some(100000));
    assert_eq!(parse_major("0,05"), Some(5));
    for bad in ["", "1.234", "-5", "abc", "1e3", ".", "12,3,4"] {
        assert_eq!(parse_major(bad), None, "{bad}");
    }
}

#[test]
fn line_form_values_round_trip() {
    assert_eq!(major_input(123450, Lang::En), "1234.50");
    assert_eq!(major_input(-5, Lang::Sv), "-0,05");
    assert_eq!(parse_signed_major(&major_input(-123450, Lang::De)), Some(-123450));
    assert_eq!(percent_input(2500, Lang::Sv), "25");
    assert_eq!(percent_input(1250, Lang::En), "12.5");
    assert_eq!(percent_input(0, Lang::Nl), "0");
    assert_eq!(percent_input(10000, Lang::Fi), "100");
    assert_eq!(parse_major(&percent_input(650, Lang::Da)), Some(650));
}

fn order_with(lines: Value, captured: i64) -> kassa_db::OrderRow {
    kassa_db::OrderRow {
        order_id: "o".into(),
        store_id: "M1".into(),
        short_reference: "K".into(),
        checkout_status: "checkout_complete".into(),
        status: Some("AUTHORIZED".into()),
        fraud_status: None,
        purchase_country: "SE".into(),
        purchase_currency: "SEK".into(),
        locale: "sv-SE".into(),
        order_amount: 60000,
        order_tax_amount: 12000,
        original_order_amount: 60000,
        captured_amount: captured,
        refunded_amount: 0,
        released: false,
        merchant_reference1: None,
        merchant_reference2: None,
        customer_name: String::new(),
        customer_email: String::new(),
        payment_method: None,
        acknowledged: false,
        body: serde_json::json!({ "order_lines": lines }).to_string(),
        created_at: 0,
        completed_at: None,
        last_modified_at: 0,
        checkout_expires_at: 0,
        expires_at: None,
    }
}

fn lines_form(row: &kassa_db::OrderRow, fields: &[(&str, &str)]) -> ActionForm {
    let body: serde_json::Map<String, Value> = serde_json::from_str(&row.body).unwrap();
    let mut rest: std::collections::HashMap<String, String> =
        fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    rest.entry("lines_version".into())
        .or_insert_with(|| lines_version(&body));
    ActionForm {
        rest,
        ..ActionForm::default()
    }
}

#[test]
fn edited_lines_are_priced_by_the_spec_and_checked() {
    let row = order_with(
        serde_json::json!([
            {"type": "physical", "reference": "A", "name": "Camera", "quantity": 1, "unit_price": 40000,
             "tax_rate": 2500, "total_amount": 40000, "total_discount_amount": 0, "total_tax_amount": 8000},
            {"type": "physical", "reference": "B", "name": "Tripod", "quantity": 2, "unit_price": 10000,
             "tax_rate": 2500, "total_amount": 20000, "total_discount_amount": 1000, "total_tax_amount": 4000}
        ]),
        0,
    );
    // Three tripods at 99,90 keep their discount per unit (500 each).
    let edit = edited_lines(
        &row,
        &lines_form(&row, &[("quantity_1", "3"), ("unit_price_1", "99,90")]),
    )
    .unwrap();
    let tripod = &edit.lines[1];
    assert_eq!((tripod.total_discount_amount, tripod.total_amount), (Some(1500), 28470));
    assert_eq!(
        tripod.total_tax_amount,
        Some(kassa_core::lines::included_tax(28470, 2500))
    );
    assert_eq!(edit.lines[0].total_amount, 40000, "an untouched line stays as it was");
    assert_eq!(edit.order_amount, 68470);
    let core: Vec<_> = edit.lines.iter().map(WireLine::to_line).collect();
    let tax = core.iter().map(|l| l.total_tax_amount).sum();
    assert_eq!(kassa_core::lines::check_order(&core, edit.order_amount, tax), vec![]);

    // Remove one, add one with 12,5 % tax.
    let edit = edited_lines(
        &row,
        &lines_form(
            &row,
            &[
                ("remove_0", "1"),
                ("new_name", "Bag"),
                ("new_quantity", "2"),
                ("new_unit_price", "15"),
                ("new_tax_rate", "12,5"),
            ],
        ),
    )
    .unwrap();
    assert_eq!(edit.removed, vec!["Camera".to_owned()]);
    assert_eq!(edit.lines.len(), 2);
    assert_eq!(
        (
            edit.lines[1].total_amount,
            edit.lines[1].tax_rate,
            edit.lines[1].total_tax_amount
        ),
        (3000, Some(1250), Some(334))
    );

    let problem = |fields: &[(&str, &str)]| edited_lines(&row, &lines_form(&row, fields)).err();
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
        Some(LinesProblem::TooLarge("SEK".into()))
    );
    assert_eq!(
        problem(&[("quantity_0", "3000")]),
        Some(LinesProblem::TooLarge("SEK".into()))
    );
    assert_eq!(
        problem(&[("quantity_0", "2"), ("lines_version", "stale")]),
        Some(LinesProblem::Changed)
    );
    let captured = order_with(
        serde_json::from_str::<Value>(&row.body).unwrap()["order_lines"].clone(),
        1,
    );
    assert_eq!(
        edited_lines(&captured, &lines_form(&captured, &[("quantity_0", "2")])).err(),
        Some(LinesProblem::Captured)
    );
}

#[test]
fn csv_cells_are_quoted_and_defused() {
    let cell = |v: &str| {
        let mut out = String::new();
        csv_cell(&mut out, v);
        out
    };
    assert_eq!(cell("plain"), "plain");
    assert_eq!(cell("a,b"), "\"a,b\"");
    assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
    assert_eq!(cell("=SUM(A1)"), "'=SUM(A1)");
    assert_eq!(cell("-1,5"), "\"'-1,5\"");
    assert_eq!(decimal(123450), "1234.50");
    assert_eq!(decimal(-5), "-0.05");
}

/// Message ids the Orders section builds at run time (status names, column names) exist.
#[test]
fn built_message_ids_exist() {
    let english = crate::shell::i18n::english_ids();
    let statuses = Status::ALL.iter().map(|s| status_key(s.code()));
    let columns = COLUMNS.iter().map(|c| format!("orders-col-{c}"));
    for key in statuses.chain(columns) {
        assert!(
            english.contains(&key),
            "{key} is built in code but missing in en/main.ftl"
        );
    }
}
