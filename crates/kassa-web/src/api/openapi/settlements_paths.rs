//! The Settlements API v1 operations of the document, its schemas (`Payout`, `Totals`,
//! `PayoutSummary`, `Transaction`, their collections and `Pagination`, as Klarna's
//! Settlements API spec has them) and its query parameters; and the test helper that
//! makes a payout.

use super::*;

pub(super) const SETTLEMENTS: &str = "/settlements/v1";

/// `Transaction.type` (the spec's enum).
const TYPES: &[&str] = &[
    "COMMISSION",
    "SALE",
    "REVERSAL",
    "RETURN",
    "TAX",
    "FEE",
    "FEE_REFUND",
    "CORRECTION",
    "REVERSAL_MERCHANT_PROTECTION",
    "CHARGE",
    "CREDIT",
    "HOLDBACK",
    "RELEASE",
];

/// `Transaction.detailed_type` (the spec's enum).
const DETAILED_TYPES: &[&str] = &[
    "COMMISSION",
    "CREDITED_CORRECTION",
    "PURCHASE_FEE_PERCENTAGE",
    "PURCHASE_FEE_PERCENTAGE_REFUND",
    "LATE_RETURN_FEE",
    "PURCHASE_FEE_FIXED",
    "EXPIRY_FEE_GROSS",
    "EXPIRY_FEE",
    "SERVICING_FEE",
    "RETURN_FEE",
    "EXTRA_INVOICE_FEE",
    "PURCHASE_RETURN",
    "COMMISSION_RETURN",
    "REVERSAL",
    "FRAUD_POLICY_CHARGE",
    "COMMISSION_RETURN_GROSS",
    "FRAUD_POLICY_CREDIT_NET",
    "PURCHASE",
    "MANUAL_ENTRY",
    "LOAN_PAYOUT",
    "LOAN_AMORTISATION",
    "LOAN_FEE",
    "FEE_REFUND",
    "PURCHASE_COMMISSION_PERCENTAGE",
    "EXTEND_DUE_DATE_FEE",
    "TRANSFER_FROM_LEGACY_INTEGRATION",
    "FIXED_FEE_CORRECTION_UK",
    "PERCENTAGE_FEE_CORRECTION_UK",
    "VAT_ON_FEE_CORRECTION_UK",
    "FIXED_FEE_CORRECTION_SE",
    "PERCENTAGE_FEE_CORRECTION_SE",
    "PERCENTAGE_FEE_CORRECTION",
    "FIXED_FEE_CORRECTION",
    "ROLLING_RESERVE",
    "PERCENTAGE_FEES",
    "PAYMENT_REMINDER",
    "CORRECTION",
    "UNDER_REVIEW",
    "INSUFFICIENT_BANK_ACCOUNT_DETAILS",
    "DISPUTE_FEE",
    "DISPUTE_FEE_REFUND",
    "CORRECTION_DISPUTE",
    "PAYMENT_DEFAULT",
];

fn minor(description: &str) -> Value {
    json!({"type": "integer", "format": "int64", "description": description})
}

fn date_time(description: &str) -> Value {
    json!({"type": "string", "format": "date-time", "description": description})
}

fn strict(required: &[&str], properties: Map<String, Value>, description: &str) -> Value {
    json!({
        "type": "object",
        "description": description,
        "additionalProperties": false,
        "required": required,
        "properties": properties,
    })
}

fn totals_schema() -> Value {
    let fields: &[(&str, &str)] = &[
        ("sale_amount", "Sales, minor units."),
        ("fee_amount", "Fees, minor units."),
        ("return_amount", "Returns (refunds), minor units."),
        ("fee_refund_amount", "Fees given back on refunds, minor units."),
        ("reversal_amount", "Reversals (disputes lost), minor units."),
        ("holdback_amount", "Held back by a rolling reserve, minor units."),
        ("release_amount", "Released from the reserve, minor units."),
        ("fee_correction_amount", "Corrections posted by the provider (signed), minor units."),
        ("charge_amount", "Charges, minor units."),
        ("credit_amount", "Credits, minor units."),
        ("commission_amount", "Commissions, minor units."),
        ("tax_amount", "Tax, minor units."),
        ("tax_refund_amount", "Refunded tax, minor units (always 0 at Kassa)."),
        ("repay_amount", "Debt to the provider repaid from this payout, minor units."),
        ("deposit_amount", "Added to the debt because this payout's transactions cost more than they paid, minor units."),
        ("opening_debt_balance_amount", "Debt before this payout, minor units."),
        ("closing_debt_balance_amount", "Debt after this payout (the next one's opening debt), minor units."),
        ("settlement_amount", "What the bank transfer pays, never negative: sales − fees − returns + fee refunds − reversals − holdback + release + corrections − charges + credits + commissions − tax − repaid debt + added debt; minor units."),
    ];
    let required = [
        "commission_amount",
        "repay_amount",
        "sale_amount",
        "holdback_amount",
        "settlement_amount",
        "reversal_amount",
        "release_amount",
        "return_amount",
        "fee_amount",
        "charge_amount",
        "credit_amount",
        "fee_refund_amount",
        "tax_refund_amount",
        "deposit_amount",
        "opening_debt_balance_amount",
        "closing_debt_balance_amount",
    ];
    let props = fields.iter().map(|(k, d)| ((*k).to_owned(), minor(d))).collect();
    strict(&required, props, "A payout's totals.")
}

fn payout_schema() -> Value {
    let props = object(vec![
        ("totals", schema("Totals")),
        (
            "payment_reference",
            json!({"type": "string", "example": "XK3P9QW2RT",
            "description": "The payout's reference, on the bank statement too."}),
        ),
        ("payout_date", date_time("When the payout was made, UTC.")),
        (
            "currency_code",
            json!({"type": "string", "example": "SEK", "description": "ISO 4217."}),
        ),
        (
            "merchant_settlement_type",
            json!({"type": "string", "enum": ["GROSS", "NET", "GROSS_FEE"],
            "description": "Always NET: fees are deducted from the payout."}),
        ),
        (
            "merchant_id",
            json!({"type": "string", "example": "M100001", "description": "The Store ID."}),
        ),
        (
            "transactions",
            json!({"type": "string", "description": "Link to the payout's transactions."}),
        ),
    ]);
    strict(
        &[
            "totals",
            "payment_reference",
            "payout_date",
            "currency_code",
            "merchant_settlement_type",
            "merchant_id",
        ],
        props,
        "A payout: one store's closed balance in one currency.",
    )
}

fn pagination_schema() -> Value {
    let int = |d: &str| json!({"type": "integer", "format": "int64", "minimum": 0, "description": d});
    let props = object(vec![
        ("count", int("Elements in this page.")),
        ("total", int("Elements in all pages.")),
        (
            "next",
            json!({"type": "string", "description": "The next page (absent on the last)."}),
        ),
        (
            "prev",
            json!({"type": "string", "description": "The previous page (absent on the first)."}),
        ),
        ("offset", int("Where this page starts.")),
    ]);
    strict(&["count"], props, "Where a page is in its collection.")
}

fn summary_schema() -> Value {
    let mut props = object(vec![
        (
            "summary_settlement_currency",
            json!({"type": "string", "description": "ISO 4217."}),
        ),
        ("summary_payout_date_start", date_time("The first payout's date.")),
        ("summary_payout_date_end", date_time("The last payout's date.")),
    ]);
    let amounts = [
        "fee_correction",
        "release",
        "tax",
        "settlement",
        "holdback",
        "reversal",
        "return",
        "fee",
        "commission",
        "sale",
        "repay",
    ];
    let mut required: Vec<String> = vec![
        "summary_settlement_currency".into(),
        "summary_payout_date_start".into(),
        "summary_payout_date_end".into(),
    ];
    for a in amounts {
        let name = format!("summary_total_{a}_amount");
        props.insert(name.clone(), minor("Sum over the payouts, minor units."));
        required.push(name);
    }
    let required: Vec<&str> = required.iter().map(String::as_str).collect();
    strict(&required, props, "The payouts of one currency in a date range, summed.")
}

fn transaction_schema() -> Value {
    let s = |d: &str| json!({"type": "string", "description": d});
    let props = object(vec![
        (
            "amount",
            minor("As the type names it: a FEE of 250 costs 250. Minor units."),
        ),
        ("type", json!({"type": "string", "enum": TYPES})),
        ("detailed_type", json!({"type": "string", "enum": DETAILED_TYPES})),
        ("sale_date", date_time("When the order was placed, UTC.")),
        ("capture_date", date_time("When the money event happened, UTC.")),
        (
            "order_id",
            s("The order's id; empty for a correction that concerns no order."),
        ),
        ("short_order_id", s("The order's short reference.")),
        (
            "capture_id",
            s("The capture of a sale or fee; an empty string on returns."),
        ),
        ("refund_id", s("The refund of a return.")),
        ("merchant_reference1", s("The order's merchant_reference1.")),
        ("merchant_reference2", s("The order's merchant_reference2.")),
        ("merchant_capture_reference", s("The capture's reference.")),
        ("merchant_refund_reference", s("The refund's reference.")),
        ("currency_code", s("ISO 4217.")),
        ("purchase_country", s("ISO 3166 alpha-2.")),
        ("shipping_country", s("ISO 3166 alpha-2.")),
        (
            "initial_payment_method_type",
            s("How the shopper paid, e.g. `invoice`, `card`."),
        ),
        (
            "vat_rate",
            json!({"type": "integer", "description": "VAT rate on the fee, two implied decimals."}),
        ),
        ("vat_amount", minor("VAT on the fee, minor units.")),
        ("payment_reference", s("The payout that paid it, once paid out.")),
        ("payout", s("Link to that payout.")),
        ("klarna_comment", s("Why a correction was posted.")),
        ("reversal_reference", s("The dispute of a reversal.")),
        ("initial_number_of_installments", json!({"type": "integer"})),
        (
            "initial_payment_method_monthly_downpayments",
            json!({"type": "integer"}),
        ),
        ("tax_in_currency_of_registration_country", json!({"type": "integer"})),
        ("currency_code_of_registration_country", s("Not sent by Kassa.")),
    ]);
    strict(
        &[
            "amount",
            "sale_date",
            "type",
            "capture_date",
            "order_id",
            "currency_code",
            "purchase_country",
        ],
        props,
        "One ledger entry: what a money event did to the balance.",
    )
}

pub(super) fn settlement_schemas() -> Vec<(&'static str, Value)> {
    let collection = |name: &str, item: &str, description: &str| {
        strict(
            &[name, "pagination"],
            object(vec![
                (name, json!({"type": "array", "items": schema(item)})),
                ("pagination", schema("Pagination")),
            ]),
            description,
        )
    };
    vec![
        ("Totals", totals_schema()),
        ("Payout", payout_schema()),
        ("Pagination", pagination_schema()),
        (
            "PayoutCollection",
            collection("payouts", "Payout", "A page of payouts."),
        ),
        ("PayoutSummary", summary_schema()),
        ("Transaction", transaction_schema()),
        (
            "TransactionCollection",
            collection("transactions", "Transaction", "A page of transactions."),
        ),
    ]
}

const DATE: &str = "ISO 8601 date-time (`2020-01-23T00:00:00Z`, any offset) filtering the payout date; a bare date \
    (`2020-01-23`) means 00:00:00Z of that day.";

pub(super) fn settlement_parameters() -> Vec<(&'static str, Value)> {
    let query = |name: &str, required: bool, description: &str, schema: Value| json!({"name": name, "in": "query", "required": required, "description": description, "schema": schema});
    let date = || json!({"type": "string", "format": "date-time"});
    let reference = || json!({"type": "string", "minLength": 1, "maxLength": 255});
    vec![
        (
            "StartDate",
            query("start_date", false, &format!("{DATE} Inclusive."), date()),
        ),
        (
            "EndDate",
            query("end_date", false, &format!("{DATE} Inclusive."), date()),
        ),
        (
            "StartDateRequired",
            query("start_date", true, &format!("{DATE} Inclusive."), date()),
        ),
        (
            "EndDateRequired",
            query("end_date", true, &format!("{DATE} Inclusive."), date()),
        ),
        (
            "CurrencyCode",
            query(
                "currency_code",
                false,
                "ISO 4217 code; only payouts in this currency.",
                json!({"type": "string", "pattern": "^[A-Za-z]{3}$"}),
            ),
        ),
        (
            "Size",
            query(
                "size",
                false,
                "Elements per page (default 20, at most 500).",
                json!({"type": "integer", "format": "int64", "minimum": 1, "maximum": 500, "default": 20}),
            ),
        ),
        (
            "Offset",
            query(
                "offset",
                false,
                "Where the page starts (default 0).",
                json!({"type": "integer", "format": "int64", "minimum": 0, "maximum": 1_000_000_000_000_i64, "default": 0}),
            ),
        ),
        (
            "PaymentReferencePath",
            json!({"name": "payment_reference", "in": "path", "required": true,
                "description": "The payout's payment reference.", "schema": reference()}),
        ),
        (
            "PaymentReference",
            query(
                "payment_reference",
                true,
                "The payout's payment reference.",
                reference(),
            ),
        ),
        (
            "PaymentReferenceFilter",
            query(
                "payment_reference",
                false,
                "Only this payout's transactions (not with order_id).",
                reference(),
            ),
        ),
        (
            "OrderIdFilter",
            query(
                "order_id",
                false,
                "Only this order's transactions (not with payment_reference).",
                reference(),
            ),
        ),
    ]
}

fn bad_query() -> Value {
    error(
        "A query parameter is missing or wrong (`BAD_VALUE`): a date that is not ISO 8601, an end before the start, a \
         size outside 1–500, a negative offset, a currency that is not three letters, a parameter given twice with \
         different values.",
        &["BAD_VALUE"],
    )
}

fn no_such_payout() -> Value {
    error(
        "No payout with this payment reference in the caller's store (`NOT_FOUND`).",
        &["NOT_FOUND"],
    )
}

fn file(description: &str, media: &str) -> Value {
    json!({
        "description": description,
        "headers": {"Content-Disposition": {"description": "`attachment` with a file name.", "schema": {"type": "string"}}},
        "content": {media: {"schema": {"type": "string", "format": "binary"}}},
    })
}

const CSV_FORMAT: &str = "Klarna's settlement-report columns. First the payout summary (`merchant_id`, \
    `payment_reference`, `payout_date`, `currency_code`, `merchant_settlement_type` and the `total_*` amounts as \
    decimals in the currency, e.g. `1234.50`), an empty line, then one row per transaction in the columns the store \
    chose (default: every column). Separator `;` or `,` and an optional UTF-8 BOM as the store chose; lines end in \
    CRLF. Streamed.";

pub(super) fn settlements_paths() -> Vec<(String, &'static str, Value)> {
    let tag = "Settlements";
    let op = |id, summary, description, params: &'static [&'static str], responses| Op {
        id,
        tag,
        summary,
        description,
        write: false,
        params,
        body: None,
        responses,
    };
    let list = op(
        "getPayouts",
        "List payouts",
        "The caller's payouts, newest first, in offset pages.",
        &["StartDate", "EndDate", "CurrencyCode", "Size", "Offset"],
        vec![
            ("200", ok_json("A page of payouts.", schema("PayoutCollection"))),
            ("400", bad_query()),
        ],
    );
    let summary = op(
        "getPayoutSummary",
        "Payouts summary per currency",
        "The payouts made between start_date and end_date, summed per currency.",
        &["StartDateRequired", "EndDateRequired", "CurrencyCode"],
        vec![
            (
                "200",
                ok_json(
                    "One summary per currency.",
                    json!({"type": "array", "items": schema("PayoutSummary")}),
                ),
            ),
            ("400", bad_query()),
        ],
    );
    let one = op(
        "getPayout",
        "A payout",
        "One payout by its payment reference.",
        &["PaymentReferencePath"],
        vec![
            ("200", ok_json("The payout.", schema("Payout"))),
            ("400", bad_query()),
            ("404", no_such_payout()),
        ],
    );
    let transactions = op(
        "getTransactions",
        "List transactions",
        "The caller's store's transactions, oldest first: of one payout, of one order, or all (open ones \
         included). An unknown payment reference has none.",
        &["PaymentReferenceFilter", "OrderIdFilter", "Size", "Offset"],
        vec![
            (
                "200",
                ok_json("A page of transactions.", schema("TransactionCollection")),
            ),
            ("400", bad_query()),
        ],
    );
    let payout_csv = op(
        "getPayoutReportWithTransactions",
        "A payout with its transactions (CSV)",
        CSV_FORMAT,
        &["PaymentReference"],
        vec![
            ("200", file("The report.", "text/csv")),
            ("400", bad_query()),
            ("404", no_such_payout()),
        ],
    );
    let payouts_csv = op(
        "getPayoutsSummaryReportWithTransactions",
        "Payouts in a date range with their transactions (CSV)",
        CSV_FORMAT,
        &["StartDateRequired", "EndDateRequired"],
        vec![("200", file("The report.", "text/csv")), ("400", bad_query())],
    );
    let payout_pdf = op(
        "payout",
        "A payout (PDF)",
        "The settlement report of one payout: merchant, store, payout date, period, payment reference, totals and \
         transaction lines (the first 50,000), in the language of `Accept-Language` (en, sv, de, fi, nb, da, nl; \
         English by default).",
        &["PaymentReference"],
        vec![
            ("200", file("The report.", "application/pdf")),
            ("400", bad_query()),
            ("404", no_such_payout()),
        ],
    );
    let payouts_pdf = op(
        "payoutsSummary",
        "Payouts in a date range (PDF)",
        "Totals per currency and the list of payouts made between start_date and end_date, in the language of \
         `Accept-Language`.",
        &["StartDateRequired", "EndDateRequired"],
        vec![("200", file("The report.", "application/pdf")), ("400", bad_query())],
    );
    [
        ("/payouts", list),
        ("/payouts/summary", summary),
        ("/payouts/{payment_reference}", one),
        ("/transactions", transactions),
        ("/reports/payout-with-transactions", payout_csv),
        ("/reports/payouts-summary-with-transactions", payouts_csv),
        ("/reports/payout", payout_pdf),
        ("/reports/payouts-summary", payouts_pdf),
    ]
    .into_iter()
    .map(|(path, op)| (format!("{SETTLEMENTS}{path}"), "get", op.build()))
    .collect()
}

pub(super) fn payout_helper_path() -> Value {
    let mut op = Op {
        id: "createTestPayout",
        tag: "Test helpers",
        summary: "Pay out the open balance now (playground only)",
        description: "Closes the store's whole open balance into a payout now, as the scheduled run would at a \
            cut-off: with several currencies open, one payout per currency is made and the first by currency code \
            is answered (list the others with GET /settlements/v1/payouts). The request body is ignored. Exists \
            only for playground credentials: live credentials get 404.",
        write: true,
        params: &[],
        body: None,
        responses: vec![
            (
                "201",
                json!({
                    "description": "The payout. `Location` is its address in the Settlements API.",
                    "headers": {"Location": header("Location"), "Idempotent-Replayed": header("IdempotentReplayed")},
                    "content": json_content(schema("Payout")),
                }),
            ),
            (
                "404",
                error(
                    "Live credentials: test helpers do not exist for them (`NOT_FOUND`).",
                    &["NOT_FOUND"],
                ),
            ),
        ],
    }
    .build();
    // No open balance is a conflict of its own, besides idempotency's.
    op["responses"]["409"] = error(
        "Nothing is open to pay out (`NO_OPEN_BALANCE`), or Klarna-Idempotency-Key was used for another request or \
         is still running (`CONFLICT`).",
        &["NO_OPEN_BALANCE", "CONFLICT"],
    );
    op
}

#[cfg(test)]
mod tests {
    use super::*;
    use kassa_core::settlement::{DetailedType, TxType};

    #[test]
    fn every_type_kassa_posts_is_in_the_enums() {
        for t in TxType::ALL {
            assert!(TYPES.contains(&t.code()), "{t}");
        }
        for d in DetailedType::ALL {
            assert!(DETAILED_TYPES.contains(&d.code()), "{d}");
        }
    }
}
