//! The back office's finance side: payout runs across merchants, running a payout for a
//! store, corrections, a store's settlement settings, who may do it; and the demo's weeks of
//! payouts.

use crate::support::*;
use kassa_app::operators::set_two_factor_policy;
use kassa_core::audit::AuditAction;
use kassa_core::ops_access::OperatorRole;
use kassa_core::settlement::{closes_on, cutoff_of, from_ms, settlement_zone, to_ms, Totals, TxType};
use kassa_core::store_settings::{PayoutSchedule, Weekday};

const DAY: i64 = 24 * 3600 * 1000;

const PLAYGROUND: &str = "M100001";
const OTHER: &str = "M200001";

/// Two captured orders of 600.00 SEK, one in each merchant's store (the other's is live:
/// its shopper completes the checkout, as no test helper exists there).
async fn captures_in_two_merchants(app: &TestApp) -> (Api, String) {
    app.seed_other_merchant().await;
    let live = app.api(OTHER).await;
    let res = live.create_checkout(&sample_order()).await;
    assert_eq!(res.status(), 201);
    let id = res.json::<serde_json::Value>().await.unwrap()["order_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let billing = serde_json::json!({"given_name": "Olle", "family_name": "Olsson", "email": "olle@example.com",
        "street_address": "Storgatan 1", "postal_code": "111 22", "city": "Stockholm", "country": "SE"});
    let cmd = kassa_app::orders::CompleteCheckout {
        order_id: id.clone(),
        billing_address: billing.as_object().cloned().unwrap(),
        shipping_address: None,
        payment_method: "CARD".into(),
        reservation_days: 28,
    };
    let shopper = kassa_app::Actor::shopper(OTHER).named("olle@example.com");
    kassa_app::orders::complete_checkout(app.db(), &shopper, cmd)
        .await
        .unwrap();
    assert_eq!(live.capture(&id, 60_000, None).await.status(), 201);
    let api = app.api(PLAYGROUND).await;
    let order = api.authorized_order(&sample_order()).await;
    assert_eq!(api.capture(&order, 60_000, None).await.status(), 201);
    (api, order)
}

/// Runs a payout of `store` through the back office (the confirmation step, then yes);
/// returns the new payout's reference.
async fn run_payout(finance: &Client, store: &str) -> String {
    let path = format!("/ops/stores/{store}/payouts");
    let res = finance.post_form(&path, &[]).await;
    assert_eq!(res.status(), 200, "first the confirmation");
    let html = res.text().await.unwrap();
    assert!(html.contains("Yes, pay out now"), "{html}");
    let res = finance.post_form(&path, &[("confirm", "yes")]).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let to = location(&res);
    let reference = to
        .strip_prefix("/ops/payouts/")
        .and_then(|r| r.strip_suffix("?notice=run"))
        .unwrap_or_else(|| panic!("to the new payout: {to}"))
        .to_owned();
    let (status, html) = finance.page(&to).await;
    assert_eq!(status, 200);
    assert!(html.contains("The payout was made.") && html.contains(&reference));
    reference
}

/// How many corrections the store's ledger holds.
async fn corrections(app: &TestApp, store: &str) -> usize {
    app.db().store_corrections(store, 1000).await.unwrap().len()
}

#[tokio::test]
async fn finance_runs_payouts_across_merchants_and_posts_corrections() {
    on_each_backend(|app| async move {
        set_two_factor_policy(app.db(), false).await.unwrap();
        app.seed_operator("finance@ops.kassa.test", OperatorRole::Finance).await;
        let finance = app.ops_signed_in("finance@ops.kassa.test").await;
        let (api, order) = captures_in_two_merchants(&app).await;

        // Each store's open balance is on its balance page; a run pays it out.
        let (status, html) = finance.page(&format!("/ops/stores/{OTHER}/balance")).await;
        assert_eq!(status, 200);
        assert!(
            html.contains("<code>SALE</code>") && html.contains("SEK\u{a0}600.00"),
            "{html}"
        );
        let other_ref = run_payout(&finance, OTHER).await;
        let playground_ref = run_payout(&finance, PLAYGROUND).await;
        let (_, html) = finance.page(&format!("/ops/payouts/{other_ref}")).await;
        assert!(html.contains("Other AB") && html.contains("Run by hand"), "{html}");
        assert!(html.contains("finance@ops.kassa.test"), "made by the operator");
        let (_, html) = finance.page(&format!("/ops/payouts/{playground_ref}")).await;
        assert!(
            html.contains(&format!("/orders/{order}")),
            "its transactions link their orders"
        );
        let res = finance.post_form(&format!("/ops/stores/{OTHER}/payouts"), &[]).await;
        assert_eq!(res.status(), 409, "nothing open any more");
        assert!(res.text().await.unwrap().contains("nothing to pay out"));

        // The list shows both merchants' payouts; the filters narrow it.
        let (status, html) = finance.page("/ops/payouts").await;
        assert_eq!(status, 200);
        assert!(html.contains("href=\"/ops/payouts\""), "finance has the menu entry");
        for expected in [
            &other_ref,
            &playground_ref,
            "Other AB",
            "Demo Shop AB",
            "SEK\u{a0}600.00",
        ] {
            assert!(html.contains(expected), "{expected} in {html}");
        }
        let (_, html) = finance.page(&format!("/ops/payouts?store={OTHER}")).await;
        assert!(html.contains(&other_ref) && !html.contains(&playground_ref));
        let (_, html) = finance.page("/ops/payouts?kind=scheduled").await;
        assert!(html.contains("No payouts match."));
        let (_, html) = finance.page("/ops/payouts?currency=EUR&kind=manual").await;
        assert!(!html.contains(&other_ref));
        let (_, html) = finance
            .page("/ops/payouts?from=2000-01-01&to=2999-12-31&kind=manual")
            .await;
        assert!(html.contains(&other_ref) && html.contains(&playground_ref));
        let (status, html) = finance.page("/ops/payouts?from=yesterday").await;
        assert_eq!(status, 200);
        assert!(html.contains("YYYY-MM-DD"));

        // A correction of a new capture's order: in the balance, then in the next payout.
        let second = api.authorized_order(&sample_order()).await;
        assert_eq!(api.capture(&second, 60_000, None).await.status(), 201);
        let path = format!("/ops/stores/{PLAYGROUND}/corrections");
        let (status, _) = finance.page(&path).await;
        assert_eq!(status, 200);
        let res = finance
            .post_form(
                &path,
                &[
                    ("amount", "-12.50"),
                    ("comment", "Return shipping label"),
                    ("order_id", &second),
                ],
            )
            .await;
        assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
        assert_eq!(location(&res), format!("{path}?notice=posted"));
        let (_, html) = finance.page(&location(&res)).await;
        assert!(html.contains("The correction was posted") && html.contains("Return shipping label"));
        assert!(html.contains("-SEK\u{a0}12.50"), "{html}");
        let (_, html) = finance.page(&format!("/ops/stores/{PLAYGROUND}/balance")).await;
        assert!(
            html.contains("<code>CORRECTION</code>") && html.contains("SEK\u{a0}587.50"),
            "{html}"
        );
        let third = run_payout(&finance, PLAYGROUND).await;
        let payout = app.db().payout_by_reference_anywhere(&third).await.unwrap().unwrap();
        assert_eq!(
            (payout.sale_amount, payout.correction_amount, payout.settlement_amount),
            (60_000, -1_250, 58_750)
        );
        let (_, html) = finance.page(&format!("/ops/payouts/{third}")).await;
        assert!(html.contains("Return shipping label") && html.contains("SEK\u{a0}587.50"));
        let (_, html) = finance.page(&path).await;
        assert!(
            html.contains(&format!("/ops/payouts/{third}")),
            "the correction names its payout"
        );
        let audit = app
            .db()
            .audit_events(Some(AuditAction::LedgerCorrectionPosted), 5)
            .await
            .unwrap();
        assert_eq!(audit.len(), 1);
        assert!(audit[0].after_json.as_deref().unwrap().contains("-1250"));

        // Bad input is refused field by field, and posts nothing.
        let before = corrections(&app, PLAYGROUND).await;
        for (fields, message) in [
            (
                vec![("amount", "0"), ("comment", "Nothing")],
                "A correction of zero changes nothing",
            ),
            (vec![("amount", "5"), ("comment", "  ")], "Fill this in."),
            (
                vec![("amount", "12,3,4"), ("comment", "Typo")],
                "at most two decimals, like -12.50",
            ),
            (vec![("amount", ""), ("comment", "Empty")], "Fill this in."),
            (
                vec![("amount", "5"), ("comment", "Unknown"), ("order_id", "no-such-order")],
                "no completed order with this ID",
            ),
        ] {
            let res = finance.post_form(&path, &fields).await;
            assert_eq!(res.status(), 422, "{fields:?}");
            let html = res.text().await.unwrap();
            assert!(html.contains(message), "{message} in {html}");
            assert!(html.contains("aria-invalid=\"true\""));
        }
        assert_eq!(corrections(&app, PLAYGROUND).await, before, "nothing was posted");

        // Other roles may not touch the money.
        for role in [OperatorRole::Support, OperatorRole::Onboarding] {
            let email = format!("{}@ops.kassa.test", role.code());
            app.seed_operator(&email, role).await;
            let c = app.ops_signed_in(&email).await;
            assert_eq!(c.get("/ops/payouts").await.status(), 403, "{role}");
            assert_eq!(c.get(&format!("/ops/payouts/{third}")).await.status(), 403);
            assert_eq!(c.get(&path).await.status(), 403);
            let res = c.post_form(&path, &[("amount", "1"), ("comment", "Sneaky")]).await;
            assert_eq!(res.status(), 403);
            let res = c
                .post_form(&format!("/ops/stores/{PLAYGROUND}/payouts"), &[("confirm", "yes")])
                .await;
            assert_eq!(res.status(), 403);
            let (_, html) = c.page("/ops").await;
            assert!(
                !html.contains("href=\"/ops/payouts\""),
                "{role} has no payouts menu entry"
            );
        }
        assert_eq!(corrections(&app, PLAYGROUND).await, before);
    })
    .await;
}

#[tokio::test]
async fn the_payout_list_pages_by_keyset_without_gaps_or_repeats() {
    on_each_backend(|app| async move {
        set_two_factor_policy(app.db(), false).await.unwrap();
        let id = app.seed_operator("finance@ops.kassa.test", OperatorRole::Finance).await;
        let finance = app.ops_signed_in("finance@ops.kassa.test").await;
        let actor = kassa_app::Actor::operator(id, "finance@ops.kassa.test", OperatorRole::Finance, "");
        let mut made = Vec::new();
        for n in 1..=53 {
            let correction = kassa_app::settlements::Correction {
                store_id: PLAYGROUND.into(),
                amount: n * 100,
                comment: format!("Goodwill {n}"),
                order_id: None,
            };
            kassa_app::settlements::post_correction(app.db(), &actor, &correction)
                .await
                .unwrap();
            let p = kassa_app::settlements::payout_now(app.db(), &actor, PLAYGROUND)
                .await
                .unwrap();
            made.push(p[0].payment_reference.clone());
        }
        let (_, first) = finance.page("/ops/payouts").await;
        let older = first
            .split("<a href=\"/ops/payouts?older_date=")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .map(|q| {
                format!(
                    "/ops/payouts?older_date={}",
                    q.replace("&#38;", "&").replace("&amp;", "&")
                )
            })
            .expect("an older page");
        let (_, second) = finance.page(&older).await;
        assert!(
            !second.contains("<a href=\"/ops/payouts?older_date="),
            "two pages hold all"
        );
        for (i, reference) in made.iter().enumerate() {
            let on_first = first.contains(reference.as_str());
            let on_second = second.contains(reference.as_str());
            assert!(on_first != on_second, "payout {i} is on exactly one page");
            assert_eq!(on_first, i >= 3, "newest first: payout {i}");
        }
    })
    .await;
}

#[tokio::test]
async fn finance_sets_fee_refunds_and_the_rolling_reserve() {
    on_each_backend(|app| async move {
        set_two_factor_policy(app.db(), false).await.unwrap();
        app.seed_operator("finance@ops.kassa.test", OperatorRole::Finance).await;
        let finance = app.ops_signed_in("finance@ops.kassa.test").await;
        let money = format!("/ops/stores/{PLAYGROUND}/money");
        let (status, html) = finance.page(&money).await;
        assert_eq!(status, 200);
        assert!(html.contains("name=\"refunds_fees\"") && html.contains("name=\"reserve_bps\""));
        let version = html
            .split("name=\"version\" value=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap()
            .to_owned();
        let form = |reserve: &'static str, days: &'static str| {
            vec![
                ("version", version.clone()),
                ("payout_schedule", "weekly".to_owned()),
                ("payout_weekday", "1".to_owned()),
                ("refunds_fees", "on".to_owned()),
                ("reserve_bps", reserve.to_owned()),
                ("reserve_days", days.to_owned()),
            ]
        };
        for (reserve, days, message) in [
            ("150", "14", "A reserve goes from 0 to 100 %."),
            ("2,5", "400", "Enter 0 to 365 days"),
            ("2,5", "0", "a reserve needs at least 1"),
            ("2,555", "14", "at most two decimals"),
            ("2", "two", "Type a whole number."),
        ] {
            let fields = form(reserve, days);
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let res = finance.post_form(&money, &fields).await;
            assert_eq!(res.status(), 422, "{reserve} {days}");
            let html = res.text().await.unwrap();
            assert!(html.contains(message), "{message} in {html}");
        }
        let detail = app.db().store_detail(PLAYGROUND).await.unwrap().unwrap();
        assert_eq!(
            (
                detail.store.refunds_fees,
                detail.store.reserve_bps,
                detail.store.reserve_days
            ),
            (false, 0, 0),
            "nothing changed"
        );
        let fields = form("2,5", "14");
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let res = finance.post_form(&money, &fields).await;
        assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
        let detail = app.db().store_detail(PLAYGROUND).await.unwrap().unwrap();
        assert_eq!(
            (
                detail.store.refunds_fees,
                detail.store.reserve_bps,
                detail.store.reserve_days
            ),
            (true, 250, 14)
        );
        let audit = app.db().audit_events(Some(AuditAction::StoreUpdated), 1).await.unwrap();
        assert_eq!(
            audit[0].before_json.as_deref(),
            Some(r#"{"refunds_fees":false,"reserve_bps":0,"reserve_days":0}"#)
        );
        assert_eq!(
            audit[0].after_json.as_deref(),
            Some(r#"{"refunds_fees":true,"reserve_bps":250,"reserve_days":14}"#)
        );
        let (_, html) = finance.page(&money).await;
        assert!(html.contains("value=\"2.50\"") && html.contains("value=\"14\"") && html.contains(" checked"));

        // The reserve holds back 2.5 % of the next capture.
        let api = app.api(PLAYGROUND).await;
        let order = api.authorized_order(&sample_order()).await;
        assert_eq!(api.capture(&order, 60_000, None).await.status(), 201);
        let held: Vec<_> = app
            .db()
            .ledger_of_order(PLAYGROUND, &order)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.kind == TxType::Holdback)
            .collect();
        assert_eq!(held.len(), 1);
        assert_eq!(held[0].amount, 1_500);
    })
    .await;
}

/// `kassa demo`'s playground store is paid out weekly, with its seeded orders' weeks closed
/// into payouts whose totals are the sums of their transactions.
#[tokio::test]
async fn the_demo_has_weekly_payouts_of_its_seeded_orders() {
    const ORDERS: usize = 200;
    for backend in backends().await {
        let t = TestDb::new(backend).await;
        let pw = kassa_core::account::NewPassword::parse(DEMO_PASSWORD).unwrap();
        kassa_web::demo::seed_if_empty(&t.db, &pw).await.unwrap();
        kassa_web::demo::seed_orders(&t.db, ORDERS).await.unwrap();
        let q = kassa_db::PayoutQuery {
            store_ids: vec![PLAYGROUND.into()],
            ..Default::default()
        };
        let (payouts, total) = t.db.payouts_page(&q, 0, 100).await.unwrap();
        assert!((11..=13).contains(&total), "{backend:?}: {total} weekly payouts");
        let mut previous = None;
        for p in payouts.iter().rev() {
            assert_eq!(p.kind, "scheduled");
            let day = from_ms(p.period_end).to_zoned(settlement_zone()).date();
            assert_eq!(to_ms(cutoff_of(day)), p.period_end, "at a cut-off");
            assert!(
                closes_on(PayoutSchedule::Weekly(Weekday::Monday), day),
                "weekly on Mondays"
            );
            // A week without a capture has no payout; the demo's weeks all have some.
            if let Some(prev) = previous {
                assert!(
                    p.period_end - prev >= 6 * DAY && p.period_end - prev <= 8 * DAY,
                    "{backend:?}: weekly"
                );
            }
            previous = Some(p.period_end);
            let (entries, n) =
                t.db.entries_page(&[PLAYGROUND.into()], &kassa_db::EntrySelection::Payout(p.id), 0, 10_000)
                    .await
                    .unwrap();
            assert_eq!(n, p.entry_count);
            assert!(entries.iter().all(|e| e.created_at < p.period_end));
            let sums = Totals::settle(entries.iter().map(|e| (e.kind, e.amount)), p.opening_debt);
            assert_eq!(sums, p.totals(), "{backend:?}: payout {}", p.payment_reference);
            assert!(p.sale_amount > 0);
        }
        // Only what came after the last cut-off is open; a second start adds nothing.
        let last = payouts[0].period_end;
        assert!(!t.db.has_open_entries(PLAYGROUND, last).await.unwrap(), "{backend:?}");
        assert_eq!(kassa_web::demo::seed_orders(&t.db, ORDERS).await.unwrap(), 0);
        assert_eq!(t.db.payouts_page(&q, 0, 100).await.unwrap().1, total);
        t.drop_schema().await;
    }
}

/// The bulk seeder (large demo stores) posts its captures' and refunds' ledger entries and
/// closes its weeks into payouts like the per-order seed.
#[tokio::test]
async fn the_bulk_demo_seed_posts_the_ledger_of_its_orders_and_pays_out_its_weeks() {
    const ORDERS: usize = 5_000;
    for backend in backends().await {
        let t = TestDb::new(backend).await;
        let pw = kassa_core::account::NewPassword::parse(DEMO_PASSWORD).unwrap();
        kassa_web::demo::seed_if_empty(&t.db, &pw).await.unwrap();
        assert_eq!(kassa_web::demo::seed_orders_bulk(&t.db, ORDERS).await.unwrap(), ORDERS);
        let (_, captured, captures) = t.db.capture_totals(PLAYGROUND).await.unwrap();
        let q = kassa_db::PayoutQuery {
            store_ids: vec![PLAYGROUND.into()],
            ..Default::default()
        };
        let summary = t.db.payouts_summary(&q).await.unwrap();
        assert_eq!(summary.len(), 1);
        // Two years of Mondays.
        assert!(
            (100..=105).contains(&summary[0].payouts),
            "{backend:?}: {}",
            summary[0].payouts
        );
        let open_sales: i64 =
            t.db.open_totals(PLAYGROUND)
                .await
                .unwrap()
                .iter()
                .filter(|o| o.kind == TxType::Sale)
                .map(|o| o.amount)
                .sum();
        assert_eq!(
            summary[0].sale_amount + open_sales,
            captured,
            "{backend:?}: a SALE per capture"
        );
        let nets = t.db.ledger_net_by_currency(PLAYGROUND).await.unwrap();
        let returned = summary[0].return_amount
            + t.db
                .open_totals(PLAYGROUND)
                .await
                .unwrap()
                .iter()
                .filter(|o| o.kind == TxType::Return)
                .map(|o| o.amount)
                .sum::<i64>();
        // Sales less returns and nothing else: the demo's plan has no fees and no reserve.
        assert_eq!(nets[0].1, captured - returned, "{backend:?}");
        assert!(returned > 0 && captures > 0);
        t.drop_schema().await;
    }
}
