//! The portal's Settlements section: balance, payouts list and pages, the payout page, the
//! order page's money trace, the payout reports, the store's CSV settings and custom
//! reports, and who may see what.

use crate::support::*;
use reqwest::Method;
use serde_json::json;

const SETTLEMENT: &str = "settlement@demo.kassa.test";

/// An order of the playground store captured in full (SEK 600.00); returns its id.
async fn captured(api: &Api) -> String {
    let id = api.authorized_order(&sample_order()).await;
    assert_eq!(api.capture(&id, 60000, None).await.status(), 201);
    id
}

async fn refund(api: &Api, order_id: &str, amount: i64) {
    let body = json!({"refunded_amount": amount, "description": "Returned"});
    let res = api.om(Method::POST, order_id, "refunds", Some(&body)).await;
    assert_eq!(res.status(), 201);
}

/// The text of the first element carrying `marker` (an attribute such as `data-count`)
/// after `anchor` in `html`.
fn after<'a>(html: &'a str, anchor: &str, marker: &str) -> &'a str {
    let start = html.find(anchor).unwrap_or_else(|| panic!("{anchor} not in page"));
    let rest = &html[start..];
    let at = rest.find(marker).unwrap_or_else(|| panic!("{marker} after {anchor}"));
    let rest = &rest[at..];
    let open = rest.find('>').unwrap() + 1;
    let close = rest[open..].find('<').unwrap() + open;
    &rest[open..close]
}

/// What the app says the store's next payout pays, in English.
async fn next_payout_text(app: &TestApp) -> String {
    let actor = kassa_app::Actor::api_key("tests", "M100001");
    let balance = kassa_app::settlements::balance(app.db(), &actor, None).await.unwrap();
    let sek = balance.currencies.iter().find(|c| c.currency == "SEK").unwrap();
    kassa_web::shell::i18n::Lang::En.format_money(sek.next_payout.settlement_amount, "SEK")
}

#[tokio::test]
async fn balance_shows_what_is_open_and_what_the_next_payout_pays() {
    on_each_backend(|app| async move {
        let c = app.signed_in(SETTLEMENT).await;
        let (status, page) = c.page("/portal/settlements").await;
        assert_eq!(status, 200);
        assert!(page.contains("id=\"balance-empty\""), "nothing open yet");
        assert!(page.contains("id=\"latest-none\""));
        assert!(page.contains("id=\"next-cutoff\""));

        let api = app.api("M100001").await;
        let first = captured(&api).await;
        captured(&api).await;
        refund(&api, &first, 10000).await;
        let (_, page) = c.page("/portal/settlements").await;
        assert!(!page.contains("id=\"balance-empty\""));
        assert_eq!(after(&page, "data-type=\"SALE\"", "data-count"), "2");
        assert_eq!(after(&page, "data-type=\"SALE\"", "data-amount"), "SEK\u{a0}1,200.00");
        assert_eq!(after(&page, "data-type=\"RETURN\"", "data-amount"), "-SEK\u{a0}100.00");
        assert_eq!(
            after(&page, "data-currency=\"SEK\"", "data-next-payout"),
            next_payout_text(&app).await
        );
        // The schedule in words, and the cut-off in the user's timezone.
        assert!(page.contains("23:59 Stockholm time"), "{page}");

        let payout = app.payout_now("M100001").await.remove(0);
        let (_, page) = c.page("/portal/settlements").await;
        assert!(page.contains("id=\"balance-empty\""), "the payout closed everything");
        assert!(page.contains(&format!(
            "href=\"/portal/settlements/payouts/{}\"",
            payout.payment_reference
        )));
        assert!(page.contains(&kassa_web::shell::i18n::Lang::En.format_money(payout.settlement_amount, "SEK")));

        // In Swedish, with Swedish number formats.
        c.post_form("/portal/language", &[("lang", "sv"), ("next", "/portal/settlements")])
            .await;
        let (_, page) = c
            .page(&format!("/portal/settlements/payouts/{}", payout.payment_reference))
            .await;
        assert!(page.contains("Utbetalning"), "{page}");
        assert!(page.contains(&kassa_web::shell::i18n::Lang::Sv.format_money(payout.sale_amount, "SEK")));
    })
    .await;
}

#[tokio::test]
async fn payouts_list_filters_and_pages() {
    on_each_backend(|app| async move {
        let c = app.signed_in(SETTLEMENT).await;
        let (_, page) = c.page("/portal/settlements/payouts").await;
        assert!(page.contains("id=\"payouts-empty\""), "says what happens next");
        assert!(page.contains("23:59"));

        let api = app.api("M100001").await;
        let mut references = Vec::new();
        for _ in 0..27 {
            captured(&api).await;
            references.push(app.payout_now("M100001").await.remove(0).payment_reference);
        }
        references.reverse(); // newest first
        let (status, first) = c.page("/portal/settlements/payouts").await;
        assert_eq!(status, 200);
        let rows = |html: &str| -> Vec<String> {
            html.split("data-reference=\"")
                .skip(1)
                .map(|r| r[..r.find('"').unwrap()].to_owned())
                .collect()
        };
        assert_eq!(rows(&first), references[..25]);
        assert!(first.contains("SEK\u{a0}600.00"), "sales column");
        assert!(!first.contains("rel=\"prev\""));
        let next = first.split("rel=\"next\"").next().unwrap();
        let next = &next[next.rfind("href=\"").unwrap() + 6..];
        let next = next[..next.find('"').unwrap()].replace("&amp;", "&");
        let (_, second) = c.page(&next).await;
        assert_eq!(rows(&second), references[25..]);
        assert!(!second.contains("rel=\"next\""));
        let prev = second.split("rel=\"prev\"").next().unwrap();
        let prev = &prev[prev.rfind("href=\"").unwrap() + 6..];
        let prev = prev[..prev.find('"').unwrap()].replace("&amp;", "&");
        let (_, back) = c.page(&prev).await;
        assert_eq!(rows(&back), references[..25]);

        // Filters: currency, and dates in the user's timezone.
        let today = kassa_app::dates::format_date(kassa_web::now_ms(), "Europe/Stockholm");
        let (_, page) = c.page("/portal/settlements/payouts?currency=SEK").await;
        assert_eq!(rows(&page).len(), 25);
        let (_, page) = c.page("/portal/settlements/payouts?currency=EUR").await;
        assert!(rows(&page).is_empty());
        assert!(page.contains("No payouts match these filters"));
        let (_, page) = c
            .page(&format!("/portal/settlements/payouts?from={today}&to={today}"))
            .await;
        assert_eq!(rows(&page).len(), 25);
        let (_, page) = c.page("/portal/settlements/payouts?to=2001-01-01").await;
        assert!(rows(&page).is_empty());
        let res = c.get("/portal/settlements/payouts?from=yesterday").await;
        assert_eq!(res.status(), 400);
        assert!(res.text().await.unwrap().contains("id=\"filter-problems\""));
        let res = c.get("/portal/settlements/payouts?from=2025-02-01&to=2025-01-01").await;
        assert_eq!(res.status(), 400);
    })
    .await;
}

#[tokio::test]
async fn a_payout_page_shows_totals_account_and_transactions_linking_to_orders() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        let order = captured(&api).await;
        refund(&api, &order, 5000).await;
        let payout = app.payout_now("M100001").await.remove(0);
        let c = app.signed_in(SETTLEMENT).await;
        let (status, page) = c
            .page(&format!("/portal/settlements/payouts/{}", payout.payment_reference))
            .await;
        assert_eq!(status, 200);
        let en = |v: i64| kassa_web::shell::i18n::Lang::En.format_money(v, "SEK");
        assert_eq!(after(&page, "data-total=\"sale\"", "class=\"num\""), en(60000));
        assert_eq!(after(&page, "data-total=\"return\"", "class=\"num\""), en(-5000));
        assert!(page.contains("data-total=\"opening-debt\""));
        assert!(page.contains("data-total=\"repay\""));
        assert!(page.contains("data-total=\"deposit\""));
        assert!(page.contains("data-total=\"closing-debt\""));
        assert!(page.contains(&en(payout.settlement_amount)));
        assert!(page.contains(&format!("href=\"/portal/orders/{order}\"")));
        assert!(page.contains("report.csv") && page.contains("report.pdf"));
        // Only the end of the IBAN shows.
        let iban: String = payout.iban.chars().filter(|c| !c.is_whitespace()).collect();
        if iban.len() > 6 {
            assert!(!page.contains(&iban));
            assert!(page.contains(&iban[iban.len() - 4..]));
        }
        assert!(page.contains(&format!(
            "Transactions 1–{} of {}",
            payout.entry_count, payout.entry_count
        )));
        let res = c.get("/portal/settlements/payouts/NOSUCHREF0").await;
        assert_eq!(res.status(), 404);
    })
    .await;
}

#[tokio::test]
async fn the_order_page_traces_its_money_to_the_payout_for_settlement_roles_only() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        let order = api.authorized_order(&sample_order()).await;
        let c = app.signed_in(SETTLEMENT).await;
        let path = format!("/portal/orders/{order}");
        let (_, page) = c.page(&path).await;
        assert!(page.contains("id=\"money-trace-none\""));

        assert_eq!(api.capture(&order, 60000, None).await.status(), 201);
        let (_, page) = c.page(&path).await;
        assert!(page.contains("id=\"money-trace\""));
        assert!(page.contains("Open — in the next payout"));
        assert!(!page.contains("data-payout="));

        let payout = app.payout_now("M100001").await.remove(0);
        let (_, page) = c.page(&path).await;
        let link = format!("href=\"/portal/settlements/payouts/{}\"", payout.payment_reference);
        assert!(page.contains(&link), "{page}");
        assert!(!page.contains("data-open"));
        // A refund after the payout is open again, the sale stays with its payout.
        refund(&api, &order, 10000).await;
        let (_, page) = c.page(&path).await;
        assert!(page.contains(&link) && page.contains("data-open"));

        // A role without settlements sees nothing of it.
        let user = app.signed_in("user@demo.kassa.test").await;
        let (status, page) = user.page(&path).await;
        assert_eq!(status, 200);
        assert!(!page.contains("money-trace"));
        assert!(!page.contains("/portal/settlements"));
    })
    .await;
}

#[tokio::test]
async fn roles_without_settlements_and_other_merchants_see_nothing() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        captured(&api).await;
        let payout = app.payout_now("M100001").await.remove(0).payment_reference;

        let c = app.signed_in(SETTLEMENT).await;
        let (_, home) = c.page("/portal").await;
        assert!(home.contains("href=\"/portal/settlements\""));

        let user = app.signed_in("user@demo.kassa.test").await;
        let (_, home) = user.page("/portal").await;
        assert!(!home.contains("href=\"/portal/settlements\""));
        for path in [
            "/portal/settlements".to_owned(),
            "/portal/settlements/payouts".to_owned(),
            format!("/portal/settlements/payouts/{payout}"),
        ] {
            assert_eq!(user.get(&path).await.status(), 403, "{path}");
        }

        // Another merchant's admin: the payout does not exist for them.
        let stranger = app.seed_other_merchant().await;
        let other = app.signed_in(&stranger).await;
        assert_eq!(
            other
                .get(&format!("/portal/settlements/payouts/{payout}"))
                .await
                .status(),
            404
        );
        let (status, list) = other.page("/portal/settlements/payouts").await;
        assert_eq!(status, 200);
        assert!(!list.contains(&payout));
    })
    .await;
}

fn header(res: &reqwest::Response, name: &str) -> String {
    res.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_payout_downloads_as_csv_and_pdf() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        let order = captured(&api).await;
        let payout = app.payout_now("M100001").await.remove(0);
        let reference = payout.payment_reference.clone();
        let c = app.signed_in(SETTLEMENT).await;

        let res = c
            .get(&format!("/portal/settlements/payouts/{reference}/report.csv"))
            .await;
        assert_eq!(res.status(), 200);
        assert_eq!(header(&res, "content-type"), "text/csv; charset=utf-8");
        let disposition = header(&res, "content-disposition");
        assert!(
            disposition.starts_with("attachment; filename=\"settlement-M100001-"),
            "{disposition}"
        );
        assert!(disposition.ends_with(&format!("-{reference}.csv\"")), "{disposition}");
        let csv = res.text().await.unwrap();
        assert!(!csv.starts_with('\u{feff}'), "no BOM by default");
        assert!(csv.contains(&reference) && csv.contains(&order));
        assert!(csv.contains("merchant_id;"), "semicolons by default: {csv}");

        let res = c
            .get(&format!("/portal/settlements/payouts/{reference}/report.pdf"))
            .await;
        assert_eq!(res.status(), 200);
        assert_eq!(header(&res, "content-type"), "application/pdf");
        assert!(header(&res, "content-disposition").ends_with(&format!("-{reference}.pdf\"")));
        let pdf = res.bytes().await.unwrap();
        assert!(pdf.starts_with(b"%PDF"));

        // Not for roles without settlements, nor for another merchant.
        let user = app.signed_in("user@demo.kassa.test").await;
        let csv_path = format!("/portal/settlements/payouts/{reference}/report.csv");
        assert_eq!(user.get(&csv_path).await.status(), 403);
        let stranger = app.seed_other_merchant().await;
        let other = app.signed_in(&stranger).await;
        assert_eq!(other.get(&csv_path).await.status(), 404);
        let pdf_path = format!("/portal/settlements/payouts/{reference}/report.pdf");
        assert_eq!(other.get(&pdf_path).await.status(), 404);
    })
    .await;
}

#[tokio::test]
async fn report_columns_delimiter_and_bom_are_saved_per_store_and_used() {
    on_each_backend(|app| async move {
        let c = app.signed_in(SETTLEMENT).await;
        let (status, page) = c.page("/portal/settlements/configure").await;
        assert_eq!(status, 200);
        assert!(
            page.contains("name=\"col_order_id\" value=\"on\" checked"),
            "default set chosen"
        );
        assert!(
            page.contains("name=\"col_reversal_reference\" value=\"on\" checked"),
            "the dispute reference is in the default set"
        );

        let form = [
            ("col_amount", "on"),
            ("pos_amount", "1"),
            ("col_order_id", "on"),
            ("pos_order_id", "2"),
            ("col_payment_reference", "on"),
            ("pos_payment_reference", "3"),
            ("pos_sale_date", "4"),
            ("delimiter", ","),
            ("bom", "on"),
        ];
        let res = c.post_form("/portal/settlements/configure", &form).await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/portal/settlements/configure?done=saved");
        let (_, page) = c.page("/portal/settlements/configure?done=saved").await;
        assert!(page.contains("The report settings are saved."));
        let chosen: Vec<&str> = page
            .split("name=\"col_")
            .skip(1)
            .filter(|r| r[..r.find('>').unwrap()].contains("checked"))
            .map(|r| &r[..r.find('"').unwrap()])
            .collect();
        assert_eq!(chosen, ["amount", "order_id", "payment_reference"]);
        assert!(page.contains("name=\"delimiter\" value=\",\" checked"));
        assert!(page.contains("id=\"bom\" checked"));
        let settings = app.db().report_settings("M100001").await.unwrap().unwrap();
        assert_eq!(settings.report_columns, "amount,order_id,payment_reference");
        assert_eq!((settings.report_delimiter.as_str(), settings.report_bom), (",", true));
        let audit = app.db().audit_events(None, 1).await.unwrap().remove(0);
        assert_eq!(audit.action.code(), "report_settings_changed");
        assert_eq!(audit.actor, SETTLEMENT);

        // The payout CSV follows them.
        let api = app.api("M100001").await;
        let order = captured(&api).await;
        let reference = app.payout_now("M100001").await.remove(0).payment_reference;
        let csv = c
            .get(&format!("/portal/settlements/payouts/{reference}/report.csv"))
            .await
            .text()
            .await
            .unwrap();
        assert!(csv.starts_with('\u{feff}'), "BOM");
        assert!(csv.contains("\r\namount,order_id,payment_reference\r\n"), "{csv}");
        assert!(csv.contains(&format!(",{order},{reference}")), "{csv}");

        // Refused: no column, a position that is not a number.
        let res = c
            .post_form("/portal/settlements/configure", &[("delimiter", ";")])
            .await;
        assert_eq!(res.status(), 422);
        assert!(res.text().await.unwrap().contains("Choose at least one column."));
        let res = c
            .post_form(
                "/portal/settlements/configure",
                &[("col_amount", "on"), ("pos_amount", "first")],
            )
            .await;
        assert_eq!(res.status(), 422);
        assert!(res
            .text()
            .await
            .unwrap()
            .contains("The position of amount must be a whole number."));
        let unchanged = app.db().report_settings("M100001").await.unwrap().unwrap();
        assert_eq!(unchanged, settings);

        // Not for roles without the reports permission.
        let user = app.signed_in("user@demo.kassa.test").await;
        assert_eq!(user.get("/portal/settlements/configure").await.status(), 403);
    })
    .await;
}

#[tokio::test]
async fn custom_reports_are_made_in_the_background_and_downloaded() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        let order = captured(&api).await;
        let reference = app.payout_now("M100001").await.remove(0).payment_reference;
        let open_order = captured(&api).await;

        let c = app.signed_in(SETTLEMENT).await;
        let (status, page) = c.page("/portal/settlements/reports").await;
        assert_eq!(status, 200);
        assert!(page.contains("id=\"reports-none\""));

        let id = app.ready_report(SETTLEMENT, "transactions", "csv").await;
        let (_, page) = c.page("/portal/settlements/reports").await;
        assert!(
            page.contains(&format!("data-report=\"{id}\" data-status=\"ready\"")),
            "{page}"
        );
        assert!(page.contains("Available until"));
        assert!(page.contains(SETTLEMENT), "who made it");
        let res = c.get(&format!("/portal/settlements/reports/{id}/download")).await;
        assert_eq!(res.status(), 200);
        assert_eq!(header(&res, "content-type"), "text/csv; charset=utf-8");
        assert!(header(&res, "content-disposition").starts_with("attachment; filename=\"transactions-M100001-"));
        let csv = res.text().await.unwrap();
        assert!(
            csv.contains(&order) && csv.contains(&open_order) && csv.contains(&reference),
            "{csv}"
        );
        let row = app.db().report_by_id(id).await.unwrap().unwrap();
        assert_eq!((row.progress, row.size_bytes), (100, Some(csv.len() as i64)));

        let pdf = app.ready_report(SETTLEMENT, "payouts_summary", "pdf").await;
        let res = c.get(&format!("/portal/settlements/reports/{pdf}/download")).await;
        assert_eq!(header(&res, "content-type"), "application/pdf");
        assert!(res.bytes().await.unwrap().starts_with(b"%PDF"));

        // The form explains what it cannot take, in the member's language.
        let bad = [
            (("2025-02-01", "2025-01-01"), "To must not be before the start."),
            (("2024-01-01", "2025-01-01"), "A report covers at most 12 months"),
            (("01/02/2025", "2025-03-01"), "From must be a date (YYYY-MM-DD)."),
        ];
        for ((from, to), message) in bad {
            let fields = [("kind", "transactions"), ("format", "csv"), ("from", from), ("to", to)];
            let res = c.post_form("/portal/settlements/reports", &fields).await;
            assert_eq!(res.status(), 422, "{from} {to}");
            let body = res.text().await.unwrap();
            assert!(body.contains(message), "{message}: {body}");
            assert!(body.contains(&format!("value=\"{from}\"")), "keeps what was typed");
        }
        c.post_form("/portal/language", &[("lang", "de"), ("next", "/portal")])
            .await;
        c.page("/portal/settlements/reports").await;
        let fields = [
            ("kind", "transactions"),
            ("format", "pdf"),
            ("from", "2025-03-02"),
            ("to", "2025-03-01"),
        ];
        let body = c
            .post_form("/portal/settlements/reports", &fields)
            .await
            .text()
            .await
            .unwrap();
        assert!(body.contains("Bis darf nicht vor dem Beginn liegen."), "{body}");

        // Only members of the store with the reports permission download it.
        let user = app.signed_in("user@demo.kassa.test").await;
        assert_eq!(
            user.get(&format!("/portal/settlements/reports/{id}/download"))
                .await
                .status(),
            403
        );
        let stranger = app.seed_other_merchant().await;
        let other = app.signed_in(&stranger).await;
        assert_eq!(
            other
                .get(&format!("/portal/settlements/reports/{id}/download"))
                .await
                .status(),
            404
        );
        let (_, list) = other.page("/portal/settlements/reports").await;
        assert!(!list.contains(&format!("data-report=\"{id}\"")));

        // After 30 days it says so, and the job runner deletes the file.
        let key = row.object_key.clone().unwrap();
        assert!(
            app.db()
                .execute_trusted(&format!("UPDATE reports SET expires_at = 1 WHERE id = {id}"))
                .await
                .unwrap()
                == 1
        );
        let (_, page) = c.page("/portal/settlements/reports").await;
        assert!(page.contains(&format!("data-report=\"{id}\" data-status=\"expired\"")));
        assert_eq!(
            c.get(&format!("/portal/settlements/reports/{id}/download"))
                .await
                .status(),
            404
        );
        let objects =
            kassa_web::objects::Objects::new(&kassa_web::objects::ObjectsConfig::Local(app.objects.path().to_owned()));
        assert!(objects.exists(&key).await);
        let maker = kassa_web::report_maker::ObjectReportMaker {
            objects: objects.clone(),
        };
        let deleted = kassa_app::jobs::delete_expired_reports(app.db(), &maker, kassa_web::now_ms())
            .await
            .unwrap();
        assert_eq!(deleted, 1);
        assert!(!objects.exists(&key).await);
        assert_eq!(app.db().report_by_id(id).await.unwrap().unwrap().object_key, None);
    })
    .await;
}
