use super::*;
use kassa_core::line_edit::parse_signed_major;

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

#[test]
fn csv_cells_are_quoted_and_defused() {
    let cell = |v: &str| {
        let mut out = Vec::new();
        csv_cell(&mut out, v.as_bytes());
        String::from_utf8(out).unwrap()
    };
    assert_eq!(cell("plain"), "plain");
    assert_eq!(cell("a,b"), "\"a,b\"");
    assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
    assert_eq!(cell("=SUM(A1)"), "'=SUM(A1)");
    assert_eq!(cell("-1,5"), "\"'-1,5\"");
    assert_eq!(cell("-5"), "'-5");
    assert_eq!(cell(""), "");
}

#[test]
fn a_csv_row_writes_times_amounts_and_awkward_text_as_cells() {
    let row = OrderListRow {
        order_id: "o-1".into(),
        short_reference: "DS-1".into(),
        created_at: 1_764_490_500_123,
        merchant_reference1: Some("=cmd".into()),
        merchant_reference2: None,
        customer_name: "Åsa \"A\", Berg".into(),
        customer_email: "asa@example.com".into(),
        purchase_currency: "SEK".into(),
        order_amount: 123_450,
        captured_amount: 5,
        refunded_amount: -5,
        payment_method: Some("card".into()),
        status: Status::PartCaptured,
        expires_at: None,
    };
    let mut out = Vec::new();
    csv_row(&mut out, &row);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "2025-11-30T08:15:00.123Z,o-1,DS-1,'=cmd,,\"Åsa \"\"A\"\", Berg\",asa@example.com,SEK,1234.50,0.05,'-0.05,card,PART_CAPTURED,\n"
    );
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
