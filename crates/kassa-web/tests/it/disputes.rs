//! Disputes through the use cases on both databases: what each outcome does to the money,
//! the deadline job, attachment checks, and one outcome however many requests race.

use crate::ledger::{assert_ledger_agrees, order_of, set_fees};
use crate::support::{on_each_backend, TestApp};
use kassa_app::disputes::{self, OpenDispute, Upload};
use kassa_app::files::{FileError, FileFuture, FileStore};
use kassa_app::{Actor, AppError};
use kassa_core::dispute::{Outcome, Reason, Stage, DAY_MS, MAX_ATTACHMENT_BYTES};
use kassa_core::ops_access::OperatorRole;
use kassa_core::settlement::TxType;
use std::collections::HashMap;
use std::sync::Mutex;

const STORE: &str = "M100001";

/// Files kept in memory.
#[derive(Default)]
pub(crate) struct MemoryFiles(Mutex<HashMap<String, Vec<u8>>>);

impl MemoryFiles {
    fn count(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

impl FileStore for MemoryFiles {
    fn put<'a>(&'a self, key: &'a str, bytes: Vec<u8>) -> FileFuture<'a, ()> {
        self.0.lock().unwrap().insert(key.to_owned(), bytes);
        Box::pin(async { Ok(()) })
    }
    fn get<'a>(&'a self, key: &'a str) -> FileFuture<'a, Vec<u8>> {
        let found = self.0.lock().unwrap().get(key).cloned();
        Box::pin(async move { found.ok_or_else(|| FileError(format!("no {key}"))) })
    }
    fn delete<'a>(&'a self, key: &'a str) -> FileFuture<'a, ()> {
        self.0.lock().unwrap().remove(key);
        Box::pin(async { Ok(()) })
    }
}

async fn risk(app: &TestApp) -> Actor {
    let id = app.seed_operator("risk@provider.test", OperatorRole::Risk).await;
    Actor::operator(id, "risk@provider.test", OperatorRole::Risk, "127.0.0.1")
}

/// A captured order of `amount` and the platform's actor for it.
async fn captured(app: &TestApp, amount: i64) -> (String, Actor) {
    let api = app.api(STORE).await;
    let id = api.authorized_order(&order_of(amount)).await;
    assert_eq!(api.capture(&id, amount, None).await.status(), 201);
    (id, Actor::api_key(api.username.clone(), STORE))
}

fn open(order_id: &str, reason: Reason, amount: Option<i64>) -> OpenDispute {
    OpenDispute {
        order_id: order_id.to_owned(),
        reason,
        amount,
        claim: "The parcel never arrived.".into(),
        inquiry: false,
    }
}

/// The sum of the order's dispute postings' effect on the balance.
async fn dispute_net(app: &TestApp, order_id: &str) -> i64 {
    app.db()
        .ledger_of_order(STORE, order_id)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.reversal_reference.is_some())
        .map(|e| e.net)
        .sum()
}

#[tokio::test]
async fn each_outcome_moves_the_money_once() {
    on_each_backend(|app| async move {
        set_fees(&app, false).await;
        app.db()
            .execute_trusted(&format!(
                "UPDATE stores SET dispute_fee_minor = 1500 WHERE id = '{STORE}'"
            ))
            .await
            .unwrap();
        let risk = risk(&app).await;
        let files = MemoryFiles::default();

        // Opened: the amount is held (a REVERSAL), a response is due in 21 days.
        let (won_order, platform) = captured(&app, 20_000).await;
        let d = disputes::open_dispute(
            app.db(),
            &risk,
            &open(&won_order, Reason::GoodsNotReceived, Some(8_000)),
        )
        .await
        .unwrap();
        assert_eq!(d.stage, Stage::ResponseRequired);
        assert!(d.deadline_at.unwrap() - d.opened_at == 21 * DAY_MS);
        assert_eq!(dispute_net(&app, &won_order).await, -8_000);
        let pdf = Upload {
            filename: "tracking.pdf".into(),
            bytes: b"%PDF-1.4 proof of delivery".to_vec(),
        };
        let d = disputes::respond(app.db(), &files, &platform, &d.id, "Delivered on Monday.", vec![pdf])
            .await
            .unwrap();
        assert_eq!(d.stage, Stage::UnderReview);
        let view = disputes::dispute(app.db(), &platform, &d.id).await.unwrap();
        assert_eq!(view.attachments.len(), 1);
        assert_eq!(view.attachments[0].content_type, "application/pdf");
        let (_, bytes) = disputes::attachment(app.db(), &files, &platform, &d.id, &view.attachments[0].id)
            .await
            .unwrap();
        assert_eq!(bytes, b"%PDF-1.4 proof of delivery");
        let d = disputes::decide(app.db(), &risk, &d.id, true, "Tracking shows delivery.")
            .await
            .unwrap();
        assert_eq!(d.outcome(), Some(Outcome::Won));
        assert_eq!(dispute_net(&app, &won_order).await, 0, "winning releases the hold");

        // Lost by accepting: the hold stays and the fee is charged.
        let (lost_order, platform) = captured(&app, 20_000).await;
        let d = disputes::open_dispute(app.db(), &risk, &open(&lost_order, Reason::FaultyGoods, None))
            .await
            .unwrap();
        assert_eq!(d.amount, 20_000);
        disputes::accept_loss(app.db(), &platform, &d.id).await.unwrap();
        assert_eq!(dispute_net(&app, &lost_order).await, -20_000 - 1_500);

        // Refunded: the order is refunded through its own rules, the hold is released.
        let (refund_order, platform) = captured(&app, 20_000).await;
        let d = disputes::open_dispute(app.db(), &risk, &open(&refund_order, Reason::Return, Some(5_000)))
            .await
            .unwrap();
        let d = disputes::refund_dispute(app.db(), &platform, &d.id).await.unwrap();
        assert_eq!(d.outcome(), Some(Outcome::Refunded));
        assert_eq!(dispute_net(&app, &refund_order).await, 0);
        let order = app.db().order(STORE, &refund_order).await.unwrap().unwrap();
        assert_eq!(order.refunded_amount, 5_000);
        let returns: i64 = app
            .db()
            .ledger_of_order(STORE, &refund_order)
            .await
            .unwrap()
            .iter()
            .filter(|e| e.kind == TxType::Return)
            .map(|e| e.amount)
            .sum();
        assert_eq!(returns, 5_000);

        // A closed dispute takes no further step; the order can be disputed again.
        assert!(matches!(
            disputes::accept_loss(app.db(), &platform, &d.id).await,
            Err(AppError::Dispute(_))
        ));

        // The payout holds all of it and agrees with its transactions.
        let payout = kassa_app::settlements::payout_now(app.db(), &crate::ledger::finance(&app).await, STORE)
            .await
            .unwrap();
        assert_eq!(payout[0].reversal_amount, 20_000 + 8_000 - 8_000 + 5_000 - 5_000);
        assert_ledger_agrees(&app).await;
    })
    .await;
}

#[tokio::test]
async fn an_unanswered_deadline_loses_the_dispute_and_answers_after_it_are_refused() {
    on_each_backend(|app| async move {
        set_fees(&app, false).await;
        let risk = risk(&app).await;
        let (order, platform) = captured(&app, 10_000).await;
        let d = disputes::open_dispute(app.db(), &risk, &open(&order, Reason::UnauthorizedPurchase, None))
            .await
            .unwrap();
        assert_eq!(d.deadline_at.unwrap() - d.opened_at, 7 * DAY_MS);
        let now = kassa_app::now_ms();
        assert!(disputes::expire_disputes(app.db(), now).await.unwrap().is_empty());
        let closed = disputes::expire_disputes(app.db(), d.deadline_at.unwrap() + 1)
            .await
            .unwrap();
        assert_eq!(closed.len(), 1);
        assert_eq!(closed[0].outcome(), Some(Outcome::Lost));
        assert!(disputes::expire_disputes(app.db(), d.deadline_at.unwrap() + DAY_MS)
            .await
            .unwrap()
            .is_empty());
        let files = MemoryFiles::default();
        let late = disputes::respond(app.db(), &files, &platform, &d.id, "Too late?", Vec::new()).await;
        assert!(matches!(late, Err(AppError::Dispute(_))), "{late:?}");
        assert_eq!(dispute_net(&app, &order).await, -10_000);
    })
    .await;
}

#[tokio::test]
async fn bad_attachments_are_refused_and_nothing_is_stored() {
    on_each_backend(|app| async move {
        set_fees(&app, false).await;
        let risk = risk(&app).await;
        let (order, platform) = captured(&app, 10_000).await;
        let d = disputes::open_dispute(app.db(), &risk, &open(&order, Reason::Other, None))
            .await
            .unwrap();
        let files = MemoryFiles::default();
        let pdf = |name: &str, size: usize| {
            let mut bytes = b"%PDF-1.7\n".to_vec();
            bytes.resize(size, b' ');
            Upload {
                filename: name.into(),
                bytes,
            }
        };
        let cases = vec![
            vec![Upload {
                filename: "invoice.pdf".into(),
                bytes: b"MZ\x90\x00 not a pdf at all".to_vec(),
            }],
            vec![pdf("big.pdf", MAX_ATTACHMENT_BYTES + 1)],
            (0..11).map(|i| pdf(&format!("{i}.pdf"), 100)).collect(),
        ];
        for uploads in cases {
            let res = disputes::respond(app.db(), &files, &platform, &d.id, "See attached.", uploads).await;
            assert!(matches!(res, Err(AppError::Invalid(_))), "{res:?}");
        }
        assert_eq!(files.count(), 0);
        let view = disputes::dispute(app.db(), &platform, &d.id).await.unwrap();
        assert!(view.attachments.is_empty());
        assert_eq!(view.dispute.stage, Stage::ResponseRequired);
        // Exactly at the limits it is taken.
        let ten: Vec<Upload> = (0..10).map(|i| pdf(&format!("{i}.pdf"), 100)).collect();
        disputes::respond(app.db(), &files, &platform, &d.id, "", ten)
            .await
            .unwrap();
        assert_eq!(files.count(), 10);
    })
    .await;
}

#[tokio::test]
async fn two_hundred_simultaneous_closings_close_a_dispute_once() {
    on_each_backend(|app| async move {
        set_fees(&app, false).await;
        let risk = risk(&app).await;
        let (order, platform) = captured(&app, 10_000).await;
        let d = disputes::open_dispute(app.db(), &risk, &open(&order, Reason::Return, Some(4_000)))
            .await
            .unwrap();
        let app2 = app.clone();
        let tasks: Vec<_> = (0..200)
            .map(|i| {
                let (app, platform, risk, id) = (app2.clone(), platform.clone(), risk.clone(), d.id.clone());
                tokio::spawn(async move {
                    let db = app.db();
                    match i % 3 {
                        0 => disputes::refund_dispute(db, &platform, &id).await.is_ok(),
                        1 => disputes::accept_loss(db, &platform, &id).await.is_ok(),
                        _ => disputes::decide(db, &risk, &id, true, "").await.is_ok(),
                    }
                })
            })
            .collect();
        let mut wins = 0;
        for t in tasks {
            wins += t.await.unwrap() as usize;
        }
        assert_eq!(wins, 1, "exactly one closing wins");
        let order_row = app.db().order(STORE, &order).await.unwrap().unwrap();
        assert!(order_row.refunded_amount == 0 || order_row.refunded_amount == 4_000);
        assert!(matches!(dispute_net(&app, &order).await, 0 | -4_000));
        // A second dispute may follow the first.
        disputes::open_dispute(app.db(), &risk, &open(&order, Reason::Other, Some(1)))
            .await
            .unwrap();
        assert!(matches!(
            disputes::open_dispute(app.db(), &risk, &open(&order, Reason::Other, Some(1))).await,
            Err(AppError::Conflict(_))
        ));
        assert_ledger_agrees(&app).await;
    })
    .await;
}
