//! Settlements API v1 over HTTP on both databases: a captured and refunded order paid out
//! by the playground test helper, read back as payouts, summaries and transactions, and as
//! CSV and PDF reports whose totals agree with the JSON.

use crate::ledger::set_fees;
use crate::support::*;
use serde_json::{json, Value};

/// 60000 captured and 15000 refunded with 2.9 % + 3.00 fees, the percentage given back on
/// the refund.
const SALE: i64 = 60_000;
const FEE: i64 = 1_740 + 300;
const RETURN: i64 = 15_000;
const FEE_REFUND: i64 = 435;
const SETTLEMENT: i64 = SALE - FEE - RETURN + FEE_REFUND;

/// An order of `sample_order`, captured in full and refunded 150.00; returns its id.
async fn captured_and_refunded(api: &Api, order: &Value) -> String {
    let id = api.authorized_order(order).await;
    let amount = order["order_amount"].as_i64().unwrap();
    assert_eq!(api.capture(&id, amount, None).await.status(), 201);
    assert_eq!(api.refund(&id, RETURN).await.status(), 201);
    id
}

/// The payout the test helper answers with, after checking its 201 and `Location`.
async fn payout_now(app: &TestApp, api: &Api) -> Value {
    let res = api.payout_now().await;
    assert_eq!(res.status(), 201);
    let location = location(&res);
    let payout: Value = res.json().await.unwrap();
    let reference = payout["payment_reference"].as_str().unwrap();
    assert_eq!(location, format!("{}/settlements/v1/payouts/{reference}", app.url));
    payout
}

fn euro_order() -> Value {
    let mut order = sample_order();
    order["purchase_country"] = json!("DE");
    order["purchase_currency"] = json!("EUR");
    order["locale"] = json!("de-DE");
    order
}

async fn json_of(res: reqwest::Response, status: u16) -> Value {
    let code = res.status().as_u16();
    let body = res.text().await.unwrap();
    assert_eq!(code, status, "{body}");
    serde_json::from_str(&body).unwrap()
}

/// Today and tomorrow as the API's bare dates (00:00:00Z), which bracket every payout made
/// by a test.
fn today_and_tomorrow() -> (String, String) {
    let now = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    (now.to_string(), now.tomorrow().unwrap().to_string())
}

#[tokio::test]
async fn a_payout_and_its_transactions() {
    on_each_backend(|app| async move {
        set_fees(&app, true).await;
        let api = app.api("M100001").await;
        let order_id = captured_and_refunded(&api, &sample_order()).await;

        let payout = payout_now(&app, &api).await;
        let reference = payout["payment_reference"].as_str().unwrap().to_owned();
        assert_eq!(payout["currency_code"], "SEK");
        assert_eq!(payout["merchant_id"], "M100001");
        assert_eq!(payout["merchant_settlement_type"], "NET");
        assert!(payout["payout_date"].as_str().unwrap().ends_with('Z'));
        assert_eq!(
            payout["transactions"],
            format!("{}/settlements/v1/transactions?payment_reference={reference}", app.url)
        );
        let t = &payout["totals"];
        assert_eq!(
            (
                t["sale_amount"].as_i64(),
                t["fee_amount"].as_i64(),
                t["return_amount"].as_i64()
            ),
            (Some(SALE), Some(FEE), Some(RETURN))
        );
        assert_eq!(t["fee_refund_amount"], FEE_REFUND);
        assert_eq!(t["settlement_amount"], SETTLEMENT);
        for field in [
            "holdback_amount",
            "release_amount",
            "repay_amount",
            "deposit_amount",
            "tax_refund_amount",
        ] {
            assert_eq!(t[field], 0, "{field}");
        }
        assert_eq!(
            (
                t["opening_debt_balance_amount"].as_i64(),
                t["closing_debt_balance_amount"].as_i64()
            ),
            (Some(0), Some(0))
        );

        // Read back by reference; nothing is left open.
        assert_eq!(json_of(api.payout(&reference).await, 200).await, payout);
        let res = api.payout_now().await;
        assert_eq!(res.status(), 409);
        assert_eq!(error_code(res).await, "NO_OPEN_BALANCE");

        // Its transactions, by payout and by order.
        let list = json_of(api.transactions(&format!("payment_reference={reference}")).await, 200).await;
        let txs = list["transactions"].as_array().unwrap();
        assert_eq!(txs.len(), 5);
        assert_eq!(list["pagination"]["total"], 5);
        assert_eq!(list["pagination"]["count"], 5);
        let of = |kind: &str| txs.iter().filter(|t| t["type"] == kind).collect::<Vec<_>>();
        let sale = of("SALE")[0];
        assert_eq!(sale["amount"], SALE);
        assert_eq!(sale["detailed_type"], "PURCHASE");
        assert_eq!(sale["order_id"], order_id.as_str());
        assert_eq!(sale["merchant_reference1"], "45aa52f387871e3a210645d4");
        assert_eq!(sale["purchase_country"], "SE");
        assert_eq!(sale["currency_code"], "SEK");
        assert_eq!(sale["payment_reference"], reference.as_str());
        assert_eq!(
            sale["payout"],
            format!("{}/settlements/v1/payouts/{reference}", app.url)
        );
        assert_eq!(sale["initial_payment_method_type"], "invoice");
        assert_eq!(sale["short_order_id"].as_str().unwrap().len(), 7);
        assert!(!sale["capture_id"].as_str().unwrap().is_empty());
        for date in ["sale_date", "capture_date"] {
            let d = sale[date].as_str().unwrap();
            assert!(
                d.len() == 20 && d.ends_with('Z') && d.parse::<jiff::Timestamp>().is_ok(),
                "{d}"
            );
        }
        let fees: i64 = of("FEE").iter().map(|t| t["amount"].as_i64().unwrap()).sum();
        assert_eq!(fees, FEE);
        let ret = of("RETURN")[0];
        assert_eq!(
            (ret["amount"].as_i64(), ret["capture_id"].as_str()),
            (Some(RETURN), Some(""))
        );
        assert!(!ret["refund_id"].as_str().unwrap().is_empty());
        assert_eq!(of("FEE_REFUND")[0]["amount"], FEE_REFUND);

        let by_order = json_of(api.transactions(&format!("order_id={order_id}")).await, 200).await;
        assert_eq!(by_order["transactions"], list["transactions"]);

        // Pages of two.
        let page = json_of(api.transactions(&format!("order_id={order_id}&size=2")).await, 200).await;
        let p = &page["pagination"];
        assert_eq!(
            (p["count"].as_i64(), p["total"].as_i64(), p["offset"].as_i64()),
            (Some(2), Some(5), Some(0))
        );
        let next = p["next"].as_str().unwrap().replace(&app.url, "");
        assert!(p.get("prev").is_none());
        let res = api.send(reqwest::Method::GET, &next, None, None).await;
        let page2 = json_of(res, 200).await;
        assert_eq!(page2["pagination"]["offset"], 2);
        assert_eq!(page2["transactions"][0], list["transactions"][2]);
        assert!(page2["pagination"]["prev"]
            .as_str()
            .unwrap()
            .contains("offset=0&size=2"));

        // An unknown payout: 404 in Kustom's shape; its transactions are none.
        let res = api.payout("NOSUCHREF1").await;
        assert_eq!(res.status(), 404);
        assert_eq!(error_code(res).await, "NOT_FOUND");
        let none = json_of(api.transactions("payment_reference=NOSUCHREF1").await, 200).await;
        assert_eq!(none["transactions"], json!([]));
        assert_eq!(none["pagination"]["total"], 0);

        // Recorded for Developer Logs (path and query), reports with a note instead of their body.
        assert_eq!(api.payout_csv(&reference).await.status(), 200);
        let mut calls = Vec::new();
        for _ in 0..100 {
            calls = app.db().api_calls("M100001", None, 50).await.unwrap();
            if calls
                .iter()
                .any(|c| c.path.contains("/reports/payout-with-transactions?"))
            {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(30)).await;
        }
        let read = calls
            .iter()
            .find(|c| c.path == format!("/settlements/v1/payouts/{reference}"))
            .unwrap();
        assert!(read.response_body.as_deref().unwrap().contains(&reference));
        let csv = calls
            .iter()
            .find(|c| c.path.contains("/reports/payout-with-transactions?"))
            .unwrap();
        assert_eq!(csv.status, 200);
        assert!(csv.response_body.as_deref().unwrap().contains("text/csv"));
    })
    .await;
}

#[tokio::test]
async fn payouts_are_filtered_paged_and_summed_per_currency() {
    on_each_backend(|app| async move {
        set_fees(&app, true).await;
        let api = app.api("M100001").await;
        let before = json_of(api.payouts("").await, 200).await["pagination"]["total"]
            .as_i64()
            .unwrap();

        // Two SEK payouts, then one with SEK and EUR open (two payouts, EUR answered first).
        captured_and_refunded(&api, &sample_order()).await;
        let first = payout_now(&app, &api).await;
        captured_and_refunded(&api, &sample_order()).await;
        let second = payout_now(&app, &api).await;
        captured_and_refunded(&api, &sample_order()).await;
        captured_and_refunded(&api, &euro_order()).await;
        let euro = payout_now(&app, &api).await;
        assert_eq!(euro["currency_code"], "EUR");
        assert_eq!(euro["totals"]["settlement_amount"], SETTLEMENT);

        let all = json_of(api.payouts("").await, 200).await;
        assert_eq!(all["pagination"]["total"], before + 4);
        let refs: Vec<&str> = all["payouts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["payment_reference"].as_str().unwrap())
            .collect();
        for p in [&first, &second, &euro] {
            assert!(refs.contains(&p["payment_reference"].as_str().unwrap()));
        }

        let eur = json_of(api.payouts("currency_code=eur").await, 200).await;
        assert_eq!(eur["pagination"]["total"], 1);
        assert_eq!(eur["payouts"][0], euro);

        let (today, tomorrow) = today_and_tomorrow();
        let ranged = format!("start_date={today}&end_date={tomorrow}T00:00:00Z&currency_code=SEK");
        let sek = json_of(api.payouts(&format!("{ranged}&size=1")).await, 200).await;
        let p = &sek["pagination"];
        assert_eq!((p["count"].as_i64(), p["total"].as_i64()), (Some(1), Some(3)));
        // Newest first; the next page keeps the filters.
        let next = p["next"].as_str().unwrap();
        assert!(
            next.contains("currency_code=SEK") && next.contains(&format!("start_date={today}")),
            "{next}"
        );
        let page2 = json_of(
            api.send(reqwest::Method::GET, &next.replace(&app.url, ""), None, None)
                .await,
            200,
        )
        .await;
        assert_eq!(page2["payouts"][0], second);
        assert!(page2["pagination"]["prev"]
            .as_str()
            .unwrap()
            .contains("offset=0&size=1"));
        let page3 = json_of(api.payouts(&format!("{ranged}&size=1&offset=2")).await, 200).await;
        assert_eq!(page3["payouts"][0], first);
        assert!(page3["pagination"].get("next").is_none());

        let future = json_of(api.payouts(&format!("start_date={tomorrow}")).await, 200).await;
        assert_eq!(future["pagination"]["total"], 0);
        assert_eq!(future["payouts"], json!([]));

        // The summary: one entry per currency with the sums of its payouts.
        let summary = json_of(
            api.payouts_summary(&format!("start_date={today}&end_date={tomorrow}"))
                .await,
            200,
        )
        .await;
        let summary = summary.as_array().unwrap();
        assert_eq!(summary.len(), 2);
        let sek = summary
            .iter()
            .find(|s| s["summary_settlement_currency"] == "SEK")
            .unwrap();
        assert_eq!(sek["summary_total_settlement_amount"], 3 * SETTLEMENT);
        assert_eq!(sek["summary_total_sale_amount"], 3 * SALE);
        assert_eq!(sek["summary_total_fee_amount"], 3 * FEE);
        assert_eq!(sek["summary_total_return_amount"], 3 * RETURN);
        assert!(sek["summary_payout_date_start"].as_str().unwrap() <= sek["summary_payout_date_end"].as_str().unwrap());
        let eur = summary
            .iter()
            .find(|s| s["summary_settlement_currency"] == "EUR")
            .unwrap();
        assert_eq!(eur["summary_total_settlement_amount"], SETTLEMENT);
        let only = json_of(
            api.payouts_summary(&format!("start_date={today}&end_date={tomorrow}&currency_code=EUR"))
                .await,
            200,
        )
        .await;
        assert_eq!(only.as_array().unwrap().len(), 1);

        // Bad values: 400 BAD_VALUE, nothing read.
        for query in [
            "size=0",
            "size=501",
            "size=ten",
            "offset=-1",
            "currency_code=SE",
            "start_date=yesterday",
            "end_date=2020-13-01",
            "start_date=2021-01-02&end_date=2021-01-01",
        ] {
            let res = api.payouts(query).await;
            assert_eq!(res.status(), 400, "{query}");
            assert_eq!(error_code(res).await, "BAD_VALUE", "{query}");
        }
        for query in ["", &format!("start_date={today}"), &format!("end_date={today}")] {
            let res = api.payouts_summary(query).await;
            assert_eq!(res.status(), 400, "{query}");
            assert_eq!(error_code(res).await, "BAD_VALUE");
        }
        let res = api.transactions("payment_reference=A&order_id=B").await;
        assert_eq!(res.status(), 400);
        let res = api.transactions("size=9999").await;
        assert_eq!(error_code(res).await, "BAD_VALUE");
    })
    .await;
}

#[tokio::test]
async fn the_helper_is_for_playground_keys_and_payouts_stay_in_their_store() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        // Nothing open yet (the demo's orders are not captured through the API here).
        let res = api.payout_now().await;
        if res.status() == 201 {
            // The demo left captured orders open: that payout took them.
            assert_eq!(api.payout_now().await.status(), 409);
        } else {
            assert_eq!(res.status(), 409);
            assert_eq!(error_code(res).await, "NO_OPEN_BALANCE");
        }
        captured_and_refunded(&api, &sample_order()).await;
        let payout = payout_now(&app, &api).await;
        let reference = payout["payment_reference"].as_str().unwrap().to_owned();

        // A live key: no test helper at all.
        let live = app.api("M100002").await;
        let res = live.payout_now().await;
        assert_eq!(res.status(), 404);
        assert_eq!(error_code(res).await, "NOT_FOUND");

        // Keys of another store (same merchant, and another merchant's) see nothing of it.
        app.seed_other_merchant().await;
        for other in [live, app.api("M200001").await] {
            assert_eq!(other.payout(&reference).await.status(), 404);
            assert_eq!(other.payout_csv(&reference).await.status(), 404);
            assert_eq!(other.payout_pdf(&reference, "en").await.status(), 404);
            let txs = json_of(other.transactions(&format!("payment_reference={reference}")).await, 200).await;
            assert_eq!(txs["transactions"], json!([]));
            let list = json_of(other.payouts("").await, 200).await;
            assert!(!list.to_string().contains(&reference));
        }
        // Without credentials: 401.
        let res = reqwest::get(format!("{}/settlements/v1/payouts", app.url))
            .await
            .unwrap();
        assert_eq!(res.status(), 401);
    })
    .await;
}

/// Rows of a CSV (quoted fields, CRLF); an empty line is a row of one empty field.
fn parse_csv(text: &str, delimiter: char) -> Vec<Vec<String>> {
    let (mut rows, mut row, mut field) = (Vec::new(), Vec::new(), String::new());
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            c if c == delimiter && !quoted => row.push(std::mem::take(&mut field)),
            '\r' if !quoted => {}
            '\n' if !quoted => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            c => field.push(c),
        }
    }
    assert!(field.is_empty() && row.is_empty(), "the CSV ends with a line break");
    rows
}

/// A decimal in the currency as minor units.
fn minor(decimal: &str) -> i64 {
    let (sign, digits) = decimal.strip_prefix('-').map_or((1, decimal), |d| (-1, d));
    let (units, cents) = digits.split_once('.').expect("two decimals");
    assert_eq!(cents.len(), 2, "{decimal}");
    sign * (units.parse::<i64>().unwrap() * 100 + cents.parse::<i64>().unwrap())
}

/// The summary and transaction blocks of a report, each as maps of column to value.
fn report_blocks(rows: &[Vec<String>]) -> (Vec<Value>, Vec<Value>, Vec<String>) {
    let blank = rows
        .iter()
        .position(|r| r == &vec![String::new()])
        .expect("a blank line");
    let as_maps = |block: &[Vec<String>]| -> Vec<Value> {
        let header = &block[0];
        block[1..]
            .iter()
            .map(|r| {
                assert_eq!(r.len(), header.len());
                Value::Object(header.iter().cloned().zip(r.iter().map(|v| json!(v))).collect())
            })
            .collect()
    };
    (
        as_maps(&rows[..blank]),
        as_maps(&rows[blank + 1..]),
        rows[blank + 1].clone(),
    )
}

/// The summary row agrees with the payout's JSON: ids, date and every amount.
fn assert_summary_matches(summary: &Value, payout: &Value) {
    for name in kassa_web::reports::SUMMARY_COLUMNS {
        let csv = summary[name].as_str().unwrap();
        match name {
            "merchant_id" | "payment_reference" | "payout_date" | "currency_code" | "merchant_settlement_type" => {
                assert_eq!(csv, payout[name].as_str().unwrap(), "{name}")
            }
            amount => {
                let key = amount.strip_prefix("total_").unwrap_or(amount);
                assert_eq!(minor(csv), payout["totals"][key].as_i64().unwrap(), "{name}");
            }
        }
    }
}

/// Ledger entries of one payout, inserted directly: `n` sales of 1.01, 1.02, … SEK.
pub(crate) async fn seed_sales(app: &TestApp, n: i64) {
    let at = kassa_web::now_ms() - 1_000;
    app.db()
        .execute_trusted(&format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n}) \
             INSERT INTO ledger_entries (store_id, currency, type, detailed_type, amount, net, order_id, \
             short_order_id, capture_id, merchant_reference1, purchase_country, sale_date, capture_date, \
             created_by, created_at) \
             SELECT 'M100001', 'SEK', 'SALE', 'PURCHASE', 100 + i, 100 + i, 'order-' || i, 'S' || i, 'cap-' || i, \
             'ref;\"' || i || '\"', 'SE', {at}, {at}, 'tests', {at} FROM n"
        ))
        .await
        .unwrap();
}

#[tokio::test]
async fn csv_reports_agree_with_the_json() {
    on_each_backend(|app| async move {
        set_fees(&app, true).await;
        let api = app.api("M100001").await;
        captured_and_refunded(&api, &sample_order()).await;
        let payout = payout_now(&app, &api).await;
        let reference = payout["payment_reference"].as_str().unwrap().to_owned();
        let txs = json_of(api.transactions(&format!("payment_reference={reference}")).await, 200).await;

        // The store's defaults: semicolons, no BOM, the default columns.
        let res = api.payout_csv(&reference).await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
        assert!(res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(&format!("settlement-{reference}.csv")));
        let text = res.text().await.unwrap();
        assert!(!text.starts_with('\u{feff}'));
        let (summary, body, header) = report_blocks(&parse_csv(&text, ';'));
        assert_eq!(summary.len(), 1);
        assert_summary_matches(&summary[0], &payout);
        let default: Vec<&str> = kassa_web::reports::Column::default_set()
            .iter()
            .map(|c| c.name())
            .collect();
        assert_eq!(header, default);
        // One row per transaction, as the JSON has them, adding up to the totals.
        let json_txs = txs["transactions"].as_array().unwrap();
        assert_eq!(body.len(), json_txs.len());
        for (row, tx) in body.iter().zip(json_txs) {
            assert_eq!(minor(row["amount"].as_str().unwrap()), tx["amount"].as_i64().unwrap());
            for field in [
                "type",
                "detailed_type",
                "order_id",
                "payment_reference",
                "sale_date",
                "capture_date",
                "capture_id",
            ] {
                assert_eq!(
                    row[field].as_str().unwrap(),
                    tx[field].as_str().unwrap_or(""),
                    "{field}"
                );
            }
            assert_eq!(row["merchant_id"], "M100001");
        }
        let sum = |kind: &str| -> i64 {
            body.iter()
                .filter(|r| r["type"] == kind)
                .map(|r| minor(r["amount"].as_str().unwrap()))
                .sum()
        };
        let totals = &payout["totals"];
        for (kind, key) in [
            ("SALE", "sale_amount"),
            ("FEE", "fee_amount"),
            ("RETURN", "return_amount"),
            ("FEE_REFUND", "fee_refund_amount"),
        ] {
            assert_eq!(sum(kind), totals[key].as_i64().unwrap(), "{kind}");
        }

        // The store chooses commas, a BOM for Excel, and its own columns and order.
        app.db()
            .execute_trusted(
                "UPDATE stores SET report_delimiter = ',', report_bom = TRUE, \
                 report_columns = 'type,amount,order_id,no_such_column' WHERE id = 'M100001'",
            )
            .await
            .unwrap();
        let bytes = api.payout_csv(&reference).await.bytes().await.unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "a UTF-8 BOM");
        let text = std::str::from_utf8(&bytes[3..]).unwrap();
        let (summary, body, header) = report_blocks(&parse_csv(text, ','));
        assert_eq!(header, ["type", "amount", "order_id"]);
        assert_summary_matches(&summary[0], &payout);
        assert_eq!(body.len(), json_txs.len());

        // Over a date range: every payout's summary, then all their transactions.
        let (today, tomorrow) = today_and_tomorrow();
        let range = format!("start_date={today}&end_date={tomorrow}");
        let res = api.payouts_csv(&range).await;
        assert_eq!(res.status(), 200);
        let bytes = res.bytes().await.unwrap();
        let (summary, body, _) = report_blocks(&parse_csv(std::str::from_utf8(&bytes[3..]).unwrap(), ','));
        let mine = summary
            .iter()
            .find(|s| s["payment_reference"] == reference.as_str())
            .unwrap();
        assert_summary_matches(mine, &payout);
        assert!(body.len() >= json_txs.len());

        for query in ["", "payment_reference="] {
            let res = api.payouts_csv(query).await;
            assert_eq!(error_code(res).await, "BAD_VALUE");
        }
        let res = api
            .send(
                reqwest::Method::GET,
                "/settlements/v1/reports/payout-with-transactions",
                None,
                None,
            )
            .await;
        assert_eq!(res.status(), 400);
        assert_eq!(api.payout_csv("NOSUCHREF1").await.status(), 404);
    })
    .await;
}

#[tokio::test]
async fn long_payouts_stream_in_chunks_and_break_pages() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        // More than two chunks of the CSV writer, and a hundred pages of PDF.
        let n = 2 * kassa_web::reports::csv::CHUNK + 321;
        seed_sales(&app, n).await;
        let payout = payout_now(&app, &api).await;
        let reference = payout["payment_reference"].as_str().unwrap().to_owned();
        assert_eq!(payout["totals"]["sale_amount"], 100 * n + n * (n + 1) / 2);

        let text = api.payout_csv(&reference).await.text().await.unwrap();
        let (summary, body, _) = report_blocks(&parse_csv(&text, ';'));
        assert_summary_matches(&summary[0], &payout);
        assert_eq!(body.len() as i64, n);
        let sales: i64 = body.iter().map(|r| minor(r["amount"].as_str().unwrap())).sum();
        assert_eq!(sales, payout["totals"]["sale_amount"].as_i64().unwrap());
        // Quotes and delimiters in a reference are quoted, and read back whole.
        assert_eq!(body[6]["merchant_reference1"], "ref;\"7\"");
        let ids: std::collections::HashSet<&str> = body.iter().map(|r| r["order_id"].as_str().unwrap()).collect();
        assert_eq!(ids.len() as i64, n, "every entry once");

        let res = api.payout_pdf(&reference, "de").await;
        assert_eq!(res.status(), 200);
        let pdf = res.bytes().await.unwrap();
        let doc = lopdf::Document::load_mem(&pdf).expect("the PDF parses");
        let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
        assert!(pages.len() > 50, "{} pages", pages.len());
        let last = doc.extract_text(&[*pages.last().unwrap()]).unwrap();
        assert!(
            last.contains(&format!("Seite {} von {}", pages.len(), pages.len())),
            "{last}"
        );
        assert!(
            last.contains(&format!("S{n}")),
            "the last line is on the last page: {last}"
        );
    })
    .await;
}

#[tokio::test]
async fn pdf_reports_open_with_the_reference_and_total() {
    on_each_backend(|app| async move {
        set_fees(&app, true).await;
        let api = app.api("M100001").await;
        captured_and_refunded(&api, &sample_order()).await;
        let payout = payout_now(&app, &api).await;
        let reference = payout["payment_reference"].as_str().unwrap().to_owned();
        let text_of = |pdf: &[u8]| -> String {
            let doc = lopdf::Document::load_mem(pdf).expect("the PDF parses");
            let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
            doc.extract_text(&pages).unwrap()
        };

        let res = api.payout_pdf(&reference, "en-GB,en;q=0.9").await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-type"], "application/pdf");
        let pdf = res.bytes().await.unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let text = text_of(&pdf);
        assert!(text.contains(&reference), "{text}");
        assert!(
            text.contains("Settlement report") && text.contains("Demo Shop AB"),
            "{text}"
        );
        assert!(text.contains("SEK\u{a0}433.95"), "the settlement amount: {text}");

        let text = text_of(&api.payout_pdf(&reference, "sv-SE").await.bytes().await.unwrap());
        assert!(
            text.contains("Avräkningsrapport") && text.contains("433,95\u{a0}SEK"),
            "{text}"
        );

        let (today, tomorrow) = today_and_tomorrow();
        let res = api
            .payouts_pdf(&format!("start_date={today}&end_date={tomorrow}"))
            .await;
        assert_eq!(res.status(), 200);
        let text = text_of(&res.bytes().await.unwrap());
        assert!(text.contains(&reference) && text.contains("Payouts summary"), "{text}");

        assert_eq!(
            error_code(api.payouts_pdf(&format!("start_date={today}")).await).await,
            "BAD_VALUE"
        );
        assert_eq!(api.payout_pdf("NOSUCHREF1", "en").await.status(), 404);
    })
    .await;
}
