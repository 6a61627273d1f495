//! The settlement ledger against a real server: what captures and refunds post, that the
//! ledger and the payouts agree under concurrent money events and payout runs, that a
//! scheduled period is paid out once however many processes run the job, that debt is
//! carried forward, and that entries cannot be changed or deleted.

use crate::support::{on_each_backend, sample_order, Api, TestApp};
use kassa_app::settlements;
use kassa_app::Actor;
use kassa_core::ops_access::OperatorRole;
use kassa_core::settlement::{from_ms, next_cutoff, to_ms, DetailedType, TxType};
use kassa_core::store_settings::PayoutSchedule;
use kassa_db::{EntrySelection, PayoutQuery, PayoutRow};
use reqwest::Method;
use serde_json::json;
use std::sync::Arc;

const STORE: &str = "M100001";
const DAY: i64 = 24 * 3600 * 1000;

/// A monthly schedule on a day at least ten days from today's, so the app's own worker never
/// reaches a cut-off while a test runs (whatever the hour): the tests decide when a
/// scheduled payout happens.
fn far_schedule() -> PayoutSchedule {
    let today = kassa_core::settlement::from_ms(kassa_app::now_ms())
        .to_zoned(kassa_core::settlement::settlement_zone())
        .day() as u8;
    PayoutSchedule::Monthly((today + 9) % 28 + 1)
}

/// 2.9 % + 3.00 on every method, fees given back on refunds or not, and [`far_schedule`].
async fn set_fees(app: &TestApp, refunds_fees: bool) {
    let (schedule, day) = far_schedule().stored();
    app.db()
        .execute_trusted(&format!(
            "UPDATE stores SET payout_schedule = '{schedule}', payout_day = {} WHERE id = '{STORE}'",
            day.unwrap()
        ))
        .await
        .unwrap();
    for method in ["CARD", "PAY_IN_X", "INVOICE"] {
        app.db()
            .execute_trusted(&format!(
                "INSERT INTO store_fees (store_id, payment_method, bps, fixed_minor) VALUES ('{STORE}', '{method}', 290, 300)"
            ))
            .await
            .unwrap();
    }
    app.db()
        .execute_trusted(&format!(
            "UPDATE stores SET refunds_fees = {refunds_fees} WHERE id = '{STORE}'"
        ))
        .await
        .unwrap();
}

async fn finance(app: &TestApp) -> Actor {
    let id = app.seed_operator("finance@provider.test", OperatorRole::Finance).await;
    Actor::operator(id, "finance@provider.test", OperatorRole::Finance, "127.0.0.1")
}

async fn refund(api: &Api, order_id: &str, amount: i64) -> u16 {
    api.om(
        Method::POST,
        order_id,
        "refunds",
        Some(&json!({"refunded_amount": amount})),
    )
    .await
    .status()
    .as_u16()
}

fn order_of(amount: i64) -> serde_json::Value {
    let mut o = sample_order();
    o["order_amount"] = json!(amount);
    o["order_tax_amount"] = json!(0);
    o["order_lines"] = json!([{"type": "physical", "reference": "X", "name": "Thing", "quantity": 1,
        "unit_price": amount, "tax_rate": 0, "total_amount": amount, "total_tax_amount": 0}]);
    o
}

#[tokio::test]
async fn captures_and_refunds_post_sales_fees_returns_and_fee_refunds() {
    on_each_backend(|app| async move {
        set_fees(&app, true).await;
        let api = app.api(STORE).await;
        let id = api.authorized_order(&sample_order()).await;
        let res = api.capture(&id, 40_000, None).await;
        assert_eq!(res.status(), 201);
        let capture_id = res.headers()["capture-id"].to_str().unwrap().to_owned();
        assert_eq!(api.capture(&id, 20_000, None).await.status(), 201);
        assert_eq!(refund(&api, &id, 10_000).await, 201);

        let entries = app.db().ledger_of_order(STORE, &id).await.unwrap();
        let seen: Vec<(TxType, DetailedType, i64)> =
            entries.iter().map(|e| (e.kind, e.detailed_type, e.amount)).collect();
        assert_eq!(
            seen,
            vec![
                (TxType::Sale, DetailedType::Purchase, 40_000),
                (TxType::Fee, DetailedType::PurchaseFeePercentage, 1_160),
                (TxType::Fee, DetailedType::PurchaseFeeFixed, 300),
                (TxType::Sale, DetailedType::Purchase, 20_000),
                (TxType::Fee, DetailedType::PurchaseFeePercentage, 580),
                (TxType::Return, DetailedType::PurchaseReturn, 10_000),
                (TxType::FeeRefund, DetailedType::PurchaseFeePercentageRefund, 290),
            ]
        );
        let first = &entries[0];
        assert_eq!(first.capture_id.as_deref(), Some(capture_id.as_str()));
        assert_eq!(first.currency, "SEK");
        assert_eq!(first.purchase_country, "SE");
        assert_eq!(first.merchant_reference1.as_deref(), Some("45aa52f387871e3a210645d4"));
        assert!(first.short_order_id.as_deref().is_some_and(|s| !s.is_empty()));
        assert!(first.sale_date > 0 && first.capture_date >= first.sale_date);
        assert!(entries[5].refund_id.is_some());
        assert!(entries.iter().all(|e| e.payout_id.is_none()));

        // A refund refused by the order rules posts nothing.
        assert_eq!(refund(&api, &id, 60_000).await, 403);
        assert_eq!(app.db().ledger_of_order(STORE, &id).await.unwrap().len(), 7);
    })
    .await;
}

/// Checks every payout against its own transactions, the debt chain between payouts, and
/// the whole ledger against what was paid out and what is open.
async fn assert_ledger_agrees(app: &TestApp) -> Vec<PayoutRow> {
    let db = app.db();
    let q = PayoutQuery {
        store_ids: vec![STORE.into()],
        ..PayoutQuery::default()
    };
    let (mut payouts, total) = db.payouts_page(&q, 0, 500).await.unwrap();
    assert_eq!(payouts.len() as i64, total);
    payouts.sort_by_key(|p| p.id);
    let mut debt = 0;
    let mut paid_out_net = 0;
    for p in &payouts {
        let (entries, n) = db
            .entries_page(&[STORE.into()], &EntrySelection::Payout(p.id), 0, 100_000)
            .await
            .unwrap();
        assert_eq!(n, p.entry_count);
        let t = kassa_core::settlement::Totals::settle(entries.iter().map(|e| (e.kind, e.amount)), p.opening_debt);
        assert_eq!(
            t,
            p.totals(),
            "payout {} disagrees with its transactions",
            p.payment_reference
        );
        assert!(entries
            .iter()
            .all(|e| e.payment_reference.as_deref() == Some(p.payment_reference.as_str())));
        assert_eq!(p.opening_debt, debt, "debt chains from payout to payout");
        assert!(p.settlement_amount >= 0 && p.closing_debt >= 0);
        debt = p.closing_debt;
        paid_out_net += entries.iter().map(|e| e.net).sum::<i64>();
    }
    for (_, all, open) in db.ledger_net_by_currency(STORE).await.unwrap() {
        assert_eq!(all, open + paid_out_net, "sum(open) + sum(paid out) = sum(all)");
        let settled: i64 = payouts.iter().map(|p| p.settlement_amount).sum();
        assert_eq!(
            paid_out_net,
            settled - debt,
            "what was paid is the closed net less the debt left"
        );
    }
    payouts
}

#[tokio::test]
async fn the_ledger_and_payouts_agree_under_concurrent_captures_refunds_and_payout_runs() {
    on_each_backend(|app| async move {
        set_fees(&app, true).await;
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64;
        eprintln!("ledger concurrency seed {seed}");
        let api = app.api(STORE).await;
        let operator = finance(&app).await;
        let mut ids = Vec::new();
        for i in 0..12u64 {
            let amount = 5_000 + ((seed >> (i % 16)) % 50_000) as i64;
            ids.push((api.authorized_order(&order_of(amount)).await, amount));
        }
        let app2 = app.clone();
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let running = done.clone();
        // Payout runs go on for as long as the captures and refunds do.
        let runs = tokio::spawn(async move {
            let mut made = 0;
            while !running.load(std::sync::atomic::Ordering::Relaxed) {
                if let Ok(p) = settlements::payout_now(app2.db(), &operator, STORE).await {
                    made += p.len();
                }
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
            made
        });
        let api = Arc::new(api);
        let mut tasks = Vec::new();
        for (n, (id, amount)) in ids.into_iter().enumerate() {
            let api = api.clone();
            let part = amount / 3 + (seed % 7) as i64 + n as i64;
            tasks.push(tokio::spawn(async move {
                // Two captures and two refunds, each racing the others and the payouts.
                let a = api.capture(&id, part, None);
                let b = api.capture(&id, amount - part, None);
                let (a, b) = tokio::join!(a, b);
                assert_eq!((a.status().as_u16(), b.status().as_u16()), (201, 201));
                let (r1, r2) = tokio::join!(refund(&api, &id, part / 2), refund(&api, &id, part / 3));
                assert_eq!((r1, r2), (201, 201));
                id
            }));
        }
        let mut orders = Vec::new();
        for t in tasks {
            orders.push(t.await.unwrap());
        }
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        let made = runs.await.unwrap();
        eprintln!("{made} payouts made while captures and refunds ran");
        let payouts = assert_ledger_agrees(&app).await;
        // Sales less returns of each order equal what the order captured less refunded.
        for id in &orders {
            let order = api.order(id).await;
            let entries = app.db().ledger_of_order(STORE, id).await.unwrap();
            let sum = |t: TxType| entries.iter().filter(|e| e.kind == t).map(|e| e.amount).sum::<i64>();
            assert_eq!(sum(TxType::Sale), order["captured_amount"].as_i64().unwrap());
            assert_eq!(sum(TxType::Return), order["refunded_amount"].as_i64().unwrap());
        }
        // A last run closes everything still open.
        let last = settlements::payout_now(app.db(), &finance_again(&app).await, STORE).await;
        let after = assert_ledger_agrees(&app).await;
        assert_eq!(after.len(), payouts.len() + last.map(|p| p.len()).unwrap_or(0));
        let open = app.db().open_totals(STORE).await.unwrap();
        assert!(open.is_empty(), "{open:?}");
    })
    .await;
}

async fn finance_again(app: &TestApp) -> Actor {
    let row = app
        .db()
        .operator_by_email("finance@provider.test")
        .await
        .unwrap()
        .expect("operator");
    Actor::operator(row.id, row.email, OperatorRole::Finance, "127.0.0.1")
}

#[tokio::test]
async fn a_scheduled_period_is_paid_out_once_however_many_workers_run_at_once() {
    on_each_backend(|app| async move {
        set_fees(&app, false).await;
        let api = app.api(STORE).await;
        for _ in 0..3 {
            let id = api.authorized_order(&sample_order()).await;
            assert_eq!(api.capture(&id, 60_000, None).await.status(), 201);
        }
        // Just after the store's next cut-off, 20 workers run at the same moment.
        let next = next_cutoff(far_schedule(), from_ms(kassa_app::now_ms()));
        let later = to_ms(next) + 60_000;
        let runs: Vec<_> = (0..20)
            .map(|_| {
                let db = app.db().clone();
                tokio::spawn(async move { settlements::run_scheduled_payouts(&db, later).await })
            })
            .collect();
        let mut made = Vec::new();
        for r in runs {
            made.extend(r.await.unwrap().expect("payout run"));
        }
        assert_eq!(made.len(), 1, "{made:?}");
        let p = &made[0];
        assert_eq!(p.kind, "scheduled");
        assert_eq!(p.sale_amount, 180_000);
        assert_eq!(p.fee_amount, 3 * (1_740 + 300));
        assert_eq!(p.settlement_amount, 180_000 - 3 * 2_040);
        assert_eq!(p.period_end, to_ms(next));
        // Restarted later the same day, the job finds the period done.
        assert!(settlements::run_scheduled_payouts(app.db(), later + DAY / 2)
            .await
            .unwrap()
            .is_empty());
        assert_ledger_agrees(&app).await;
    })
    .await;
}

#[tokio::test]
async fn a_negative_balance_is_carried_forward_as_debt_and_repaid_from_later_sales() {
    on_each_backend(|app| async move {
        set_fees(&app, false).await;
        let api = app.api(STORE).await;
        let operator = finance(&app).await;
        let id = api.authorized_order(&order_of(10_000)).await;
        assert_eq!(api.capture(&id, 10_000, None).await.status(), 201);
        let first = settlements::payout_now(app.db(), &operator, STORE).await.unwrap();
        assert_eq!(first[0].settlement_amount, 10_000 - 290 - 300);

        // The whole sale comes back; the fee stays: the period is negative.
        assert_eq!(refund(&api, &id, 10_000).await, 201);
        let second = settlements::payout_now(app.db(), &operator, STORE).await.unwrap();
        let t = second[0].totals();
        assert_eq!(t.settlement_amount, 0);
        assert_eq!(t.deposit_amount, 10_000);
        assert_eq!(t.closing_debt_balance_amount, 10_000);

        // The next sale first pays the debt back.
        let id = api.authorized_order(&order_of(30_000)).await;
        assert_eq!(api.capture(&id, 30_000, None).await.status(), 201);
        let third = settlements::payout_now(app.db(), &operator, STORE).await.unwrap();
        let t = third[0].totals();
        assert_eq!(t.opening_debt_balance_amount, 10_000);
        assert_eq!(t.repay_amount, 10_000);
        assert_eq!(t.settlement_amount, 30_000 - 870 - 300 - 10_000);
        assert_eq!(t.closing_debt_balance_amount, 0);

        // Nothing open: nothing to pay, and no empty payout.
        assert!(matches!(
            settlements::payout_now(app.db(), &operator, STORE).await,
            Err(kassa_app::AppError::Conflict(_))
        ));
        assert_eq!(assert_ledger_agrees(&app).await.len(), 3);
    })
    .await;
}

#[tokio::test]
async fn ledger_entries_are_never_changed_or_deleted() {
    on_each_backend(|app| async move {
        set_fees(&app, false).await;
        let api = app.api(STORE).await;
        let id = api.authorized_order(&sample_order()).await;
        assert_eq!(api.capture(&id, 60_000, None).await.status(), 201);
        let db = app.db();
        for sql in [
            "UPDATE ledger_entries SET amount = amount + 1".to_owned(),
            "UPDATE ledger_entries SET type = 'RETURN'".to_owned(),
            "DELETE FROM ledger_entries".to_owned(),
        ] {
            assert!(db.execute_trusted(&sql).await.is_err(), "{sql} was allowed");
        }
        settlements::payout_now(db, &finance(&app).await, STORE).await.unwrap();
        assert!(db
            .execute_trusted("UPDATE ledger_entries SET payout_id = NULL")
            .await
            .is_err());
        assert!(db
            .execute_trusted("UPDATE ledger_entries SET created_at = 0")
            .await
            .is_err());
        let entries = db.ledger_of_order(STORE, &id).await.unwrap();
        assert_eq!(entries[0].amount, 60_000);
        assert!(entries.iter().all(|e| e.payout_id.is_some()));
    })
    .await;
}

#[tokio::test]
async fn a_rolling_reserve_is_held_back_and_released_by_the_first_payout_after_its_days() {
    on_each_backend(|app| async move {
        set_fees(&app, false).await;
        app.db()
            .execute_trusted(&format!(
                "UPDATE stores SET reserve_bps = 1000, reserve_days = 30 WHERE id = '{STORE}'"
            ))
            .await
            .unwrap();
        let api = app.api(STORE).await;
        let id = api.authorized_order(&order_of(10_000)).await;
        assert_eq!(api.capture(&id, 10_000, None).await.status(), 201);
        let first = settlements::payout_now(app.db(), &finance(&app).await, STORE)
            .await
            .unwrap();
        let t = first[0].totals();
        assert_eq!(t.holdback_amount, 1_000);
        assert_eq!(t.release_amount, 0);
        assert_eq!(t.settlement_amount, 10_000 - 290 - 300 - 1_000);

        // Nothing new is posted; the reserve alone makes the first payout after its 30 days.
        let cut = |days: i64| to_ms(next_cutoff(far_schedule(), from_ms(kassa_app::now_ms() + days * DAY))) + 60_000;
        let made = settlements::run_scheduled_payouts(app.db(), cut(0)).await.unwrap();
        assert!(made.is_empty(), "{made:?}");
        let made = settlements::run_scheduled_payouts(app.db(), cut(40)).await.unwrap();
        assert_eq!(made.len(), 1, "{made:?}");
        assert_eq!(made[0].release_amount, 1_000);
        assert_eq!(made[0].settlement_amount, 1_000);
        // Released once only.
        assert!(settlements::run_scheduled_payouts(app.db(), cut(80))
            .await
            .unwrap()
            .is_empty());
        assert_ledger_agrees(&app).await;
    })
    .await;
}
