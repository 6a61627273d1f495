//! Disputes, the rest of issue 13: the demo's disputes in every stage (with files that
//! download), the store's dispute fee set by finance in the back office, and dispute notices
//! that a failed delivery retries for the recipients it missed only.

use crate::ledger::order_of;
use crate::support::*;
use kassa_app::disputes::{self, DisputeFilter, OpenDispute};
use kassa_app::notifications::{self, NotificationMailer};
use kassa_app::operators::set_two_factor_policy;
use kassa_app::Actor;
use kassa_core::audit::AuditAction;
use kassa_core::dispute::{Outcome, Reason, Stage, DAY_MS};
use kassa_core::ops_access::OperatorRole;
use kassa_core::settlement::{DetailedType, TxType};
use kassa_db::{Db, DisputeRow, NotificationRow, NotifyRecipient};
use kassa_web::objects::{Objects, ObjectsConfig};
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

const STORE: &str = "M100001";

fn platform() -> Actor {
    Actor::api_key(format!("{STORE}_demo"), STORE)
}

/// Every dispute of the store with its messages' kinds and its files.
async fn snapshot(db: &kassa_db::Db) -> Vec<(DisputeRow, Vec<String>, Vec<kassa_db::DisputeAttachmentRow>)> {
    let (list, total) = disputes::disputes(db, &platform(), &DisputeFilter::default(), 0, 100)
        .await
        .unwrap();
    assert_eq!(list.len() as i64, total);
    let mut out = Vec::new();
    for d in list {
        let view = disputes::dispute(db, &platform(), &d.dispute.id).await.unwrap();
        let kinds = view.messages.iter().map(|m| m.kind.clone()).collect();
        out.push((view.dispute, kinds, view.attachments));
    }
    out.sort_by(|a, b| a.0.id.cmp(&b.0.id));
    out
}

#[tokio::test]
async fn the_demo_has_disputes_in_every_stage_and_their_files_download() {
    on_each_backend(|app| async move {
        let pw = kassa_core::account::NewPassword::parse(DEMO_PASSWORD).unwrap();
        kassa_web::demo::seed_operator(app.db(), &pw).await.unwrap();
        kassa_web::demo::seed_orders(app.db(), 150).await.unwrap();
        let files = Objects::new(&ObjectsConfig::Local(app.objects.path().to_owned()));
        let opened = kassa_web::demo::seed_disputes(app.db(), &files).await.unwrap();
        assert_eq!(opened, 16);
        let now = kassa_web::now_ms();
        let all = snapshot(app.db()).await;
        assert_eq!(all.len(), 16);

        let mut stages: BTreeMap<&str, usize> = BTreeMap::new();
        for (d, _, _) in &all {
            let key = match (d.stage, d.outcome()) {
                (Stage::Closed, Some(o)) => o.code(),
                (stage, _) => stage.code(),
            };
            *stages.entry(key).or_default() += 1;
        }
        for stage in ["inquiry", "response_required", "under_review"] {
            assert!(stages.get(stage).copied().unwrap_or(0) >= 2, "{stage}: {stages:?}");
        }
        for outcome in Outcome::ALL {
            assert!(stages.contains_key(outcome.code()), "{}: {stages:?}", outcome.code());
        }

        // Responses required: some due within days, all still ahead; none elsewhere.
        let due: Vec<i64> = all
            .iter()
            .filter(|(d, _, _)| d.stage == Stage::ResponseRequired)
            .map(|(d, _, _)| d.deadline_at.expect("a deadline") - now)
            .collect();
        assert!(due.iter().all(|left| *left > 0), "{due:?}");
        assert!(due.iter().filter(|left| **left < 3 * DAY_MS).count() >= 2, "{due:?}");
        assert!(all
            .iter()
            .filter(|(d, _, _)| d.stage != Stage::ResponseRequired)
            .all(|(d, _, _)| d.deadline_at.is_none()));
        // They happened over the last weeks, not all just now.
        assert!(all.iter().filter(|(d, _, _)| now - d.opened_at > 7 * DAY_MS).count() >= 5);

        // Further requests from the provider: one waiting for an answer, one answered.
        let asked_again = |(_, kinds, _): &&(DisputeRow, Vec<String>, Vec<kassa_db::DisputeAttachmentRow>)| {
            kinds.iter().filter(|k| *k == "request").count() >= 2
        };
        let further: Vec<_> = all.iter().filter(asked_again).collect();
        assert!(further.iter().any(|(d, _, _)| d.stage == Stage::ResponseRequired));
        assert!(further.iter().any(|(d, _, _)| d.stage == Stage::UnderReview));

        // The money: each open dispute holds its amount; a lost one keeps it and costs the
        // fee; won, withdrawn and refunded ones release it.
        for (d, _, _) in &all {
            let entries = app.db().ledger_of_order(STORE, &d.order_id).await.unwrap();
            let dispute_entries: Vec<_> = entries
                .iter()
                .filter(|e| {
                    e.reversal_reference
                        .as_deref()
                        .is_some_and(|r| r.ends_with(&format!(":{}", d.id)))
                })
                .collect();
            let held: i64 = dispute_entries
                .iter()
                .filter(|e| e.kind == TxType::Reversal)
                .map(|e| e.amount)
                .sum();
            let fees: i64 = dispute_entries
                .iter()
                .filter(|e| e.detailed_type == DetailedType::DisputeFee)
                .map(|e| e.amount)
                .sum();
            match d.outcome() {
                None | Some(Outcome::Lost) => assert_eq!(held, d.amount, "{} holds its amount", d.id),
                Some(_) => assert_eq!(held, 0, "{} released", d.id),
            }
            let fee = if d.outcome() == Some(Outcome::Lost) {
                kassa_web::demo::DEMO_DISPUTE_FEE
            } else {
                0
            };
            assert_eq!(fees, fee, "{}", d.id);
            // The order's timeline tells of the dispute.
            let events = app.db().events_of(&d.order_id).await.unwrap();
            assert!(events
                .iter()
                .any(|e| e.action == kassa_core::timeline::EventKind::DisputeOpened));
        }
        let refunded = all
            .iter()
            .find(|(d, _, _)| d.outcome() == Some(Outcome::Refunded))
            .unwrap();
        let order = app.db().order(STORE, &refunded.0.order_id).await.unwrap().unwrap();
        assert!(order.refunded_amount >= refunded.0.amount);

        // Files: real PDFs and PNGs, downloaded by the store's disputes user.
        let attachments: Vec<_> = all.iter().flat_map(|(_, _, a)| a.iter()).collect();
        assert!(attachments.iter().any(|a| a.content_type == "application/pdf"));
        assert!(attachments.iter().any(|a| a.content_type == "image/png"));
        assert!(all
            .iter()
            .any(|(d, _, a)| d.stage == Stage::UnderReview && a.len() >= 2));
        let user = app.signed_in("disputes@demo.kassa.test").await;
        for a in &attachments {
            let res = user
                .get(&format!("/portal/disputes/{}/attachments/{}", a.dispute_id, a.id))
                .await;
            assert_eq!(res.status(), 200, "{}", a.filename);
            assert_eq!(res.headers()["content-type"], a.content_type.as_str());
            let bytes = res.bytes().await.unwrap();
            let expected = if a.content_type == "application/pdf" {
                kassa_web::demo::DEMO_PDF
            } else {
                kassa_web::demo::DEMO_PNG
            };
            assert_eq!(&bytes[..], expected, "{}", a.filename);
        }
        let pdf = lopdf::Document::load_mem(kassa_web::demo::DEMO_PDF).expect("the demo PDF opens");
        assert_eq!(pdf.get_pages().len(), 1);

        // Seeding again changes nothing (the files neither).
        let stored = std::fs::read_dir(app.objects.path().join("disputes")).unwrap().count();
        assert_eq!(kassa_web::demo::seed_disputes(app.db(), &files).await.unwrap(), 0);
        let again = snapshot(app.db()).await;
        let key = |s: &[(DisputeRow, Vec<String>, Vec<kassa_db::DisputeAttachmentRow>)]| {
            s.iter()
                .map(|(d, k, a)| (d.id.clone(), d.stage, d.deadline_at, d.opened_at, k.len(), a.len()))
                .collect::<Vec<_>>()
        };
        assert_eq!(key(&again), key(&all));
        assert_eq!(
            std::fs::read_dir(app.objects.path().join("disputes")).unwrap().count(),
            stored
        );
    })
    .await;
}

/// A mailer that fails once for one address, and records who it reached.
struct FailsOnceFor {
    address: &'static str,
    failed: AtomicBool,
    tried: Mutex<Vec<String>>,
    sent: Mutex<Vec<String>>,
}

impl NotificationMailer for FailsOnceFor {
    fn send<'a>(
        &'a self,
        _db: &'a Db,
        to: &'a NotifyRecipient,
        _notification: &'a NotificationRow,
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>> {
        Box::pin(async move {
            self.tried.lock().unwrap().push(to.email.clone());
            if to.email == self.address && !self.failed.swap(true, Ordering::SeqCst) {
                return Err("451 4.3.0 mailbox temporarily unavailable".into());
            }
            self.sent.lock().unwrap().push(to.email.clone());
            Ok(())
        })
    }
}

/// The job of the dispute's opening notice, claimed as the worker would at `at`.
async fn claim_notice(db: &kassa_db::Db, dispute_id: &str, at: i64) -> kassa_db::JobRow {
    db.claim_jobs(at, 60_000, 10_000)
        .await
        .unwrap()
        .into_iter()
        .find(|j| j.kind == notifications::NOTIFY && j.job_key == format!("dispute_opened:{STORE}:{dispute_id}"))
        .expect("the notice job is due")
}

#[tokio::test]
async fn a_notice_retry_goes_only_to_the_recipients_the_failure_missed() {
    for backend in backends().await {
        // No worker: the test runs the job itself.
        let t = TestDb::new(backend).await;
        let pw = kassa_core::account::NewPassword::parse(DEMO_PASSWORD).unwrap();
        kassa_web::demo::seed_if_empty(&t.db, &pw).await.unwrap();
        kassa_web::demo::seed_orders(&t.db, 30).await.unwrap();
        let now = kassa_web::now_ms();
        let order = t.db.demo_dispute_orders(STORE, now + 1, 1).await.unwrap().remove(0);
        let cmd = OpenDispute {
            order_id: order,
            reason: Reason::GoodsNotReceived,
            amount: None,
            claim: String::new(),
            inquiry: false,
        };
        let d = disputes::open_dispute(&t.db, &platform(), &cmd).await.unwrap();
        let mailer = FailsOnceFor {
            address: "disputes@demo.kassa.test",
            failed: AtomicBool::new(false),
            tried: Mutex::new(Vec::new()),
            sent: Mutex::new(Vec::new()),
        };

        let job = claim_notice(&t.db, &d.id, kassa_web::now_ms()).await;
        notifications::deliver(&t.db, &mailer, &job).await.unwrap();
        let everyone: BTreeSet<String> = mailer.tried.lock().unwrap().iter().cloned().collect();
        assert!(everyone.len() >= 2 && everyone.contains(mailer.address), "{everyone:?}");
        let (_, run_at, done, error) = t.db.job(notifications::NOTIFY, &job.job_key).await.unwrap().unwrap();
        assert!(
            done.is_none() && error.unwrap().contains("451"),
            "{backend:?}: to be retried"
        );
        let first: Vec<String> = mailer.sent.lock().unwrap().clone();
        assert_eq!(first.len(), everyone.len() - 1);

        // The retry, a minute later, goes to the one it missed, and only to them.
        mailer.tried.lock().unwrap().clear();
        let retry = claim_notice(&t.db, &d.id, run_at + 1).await;
        assert_eq!(retry.id, job.id);
        notifications::deliver(&t.db, &mailer, &retry).await.unwrap();
        assert_eq!(
            *mailer.tried.lock().unwrap(),
            vec![mailer.address.to_owned()],
            "{backend:?}"
        );
        let sent = mailer.sent.lock().unwrap().clone();
        assert_eq!(sent.len(), everyone.len(), "{backend:?}: each recipient once: {sent:?}");
        assert_eq!(sent.iter().cloned().collect::<BTreeSet<_>>(), everyone);
        let (_, _, done, _) = t.db.job(notifications::NOTIFY, &job.job_key).await.unwrap().unwrap();
        assert!(done.is_some(), "{backend:?}: finished");
        t.drop_schema().await;
    }
}

fn money_form(version: &str, fee: &str) -> Vec<(&'static str, String)> {
    vec![
        ("version", version.to_owned()),
        ("payout_schedule", "weekly".to_owned()),
        ("payout_weekday", "1".to_owned()),
        ("reserve_bps", "0".to_owned()),
        ("reserve_days", "0".to_owned()),
        ("dispute_fee", fee.to_owned()),
    ]
}

fn version_in(html: &str) -> String {
    html.split("name=\"version\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn finance_sets_the_stores_dispute_fee_in_currency_and_a_lost_dispute_charges_it() {
    on_each_backend(|app| async move {
        set_two_factor_policy(app.db(), false).await.unwrap();
        app.seed_operator("finance@ops.kassa.test", OperatorRole::Finance).await;
        app.seed_operator("risk@ops.kassa.test", OperatorRole::Risk).await;
        let money = format!("/ops/stores/{STORE}/money");
        let risk = app.ops_signed_in("risk@ops.kassa.test").await;
        assert_eq!(risk.get(&money).await.status(), 403, "finance's page");

        let finance = app.ops_signed_in("finance@ops.kassa.test").await;
        let (status, html) = finance.page(&money).await;
        assert_eq!(status, 200);
        assert!(html.contains("Dispute fee (SEK)"), "labelled in the store's currency");
        assert!(html.contains("name=\"dispute_fee\"") && html.contains("value=\"0.00\""));
        let version = version_in(&html);
        for (fee, message) in [
            ("-5", "at most two decimals"),
            ("12.345", "at most two decimals"),
            ("ten", "at most two decimals"),
            ("10000.01", "Enter an amount from 0 to 10000.00."),
            ("99 999 999", "Enter an amount from 0 to 10000.00."),
        ] {
            let fields = money_form(&version, fee);
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let res = finance.post_form(&money, &fields).await;
            assert_eq!(res.status(), 422, "{fee}");
            let html = res.text().await.unwrap();
            assert!(html.contains(message), "{fee}: {message}");
            assert!(html.contains("id=\"s-dispute-fee-error\""), "{fee}: shown at the field");
        }
        let stored = || async {
            app.db()
                .store_detail(STORE)
                .await
                .unwrap()
                .unwrap()
                .store
                .dispute_fee_minor
        };
        assert_eq!(stored().await, 0, "nothing changed");

        let fields = money_form(&version, "250,50");
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let res = finance.post_form(&money, &fields).await;
        assert_eq!(res.status(), 303);
        assert_eq!(stored().await, 25_050, "in minor units");
        let audit = app.db().audit_events(Some(AuditAction::StoreUpdated), 1).await.unwrap();
        assert_eq!(audit[0].actor, "finance@ops.kassa.test");
        assert_eq!(audit[0].before_json.as_deref(), Some(r#"{"dispute_fee_minor":0}"#));
        assert_eq!(audit[0].after_json.as_deref(), Some(r#"{"dispute_fee_minor":25050}"#));
        let (_, html) = finance.page(&money).await;
        assert!(html.contains("value=\"250.50\""));

        // The upper limit itself is taken.
        let fields = money_form(&version_in(&html), "10000");
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(finance.post_form(&money, &fields).await.status(), 303);
        assert_eq!(stored().await, 1_000_000);
        let (_, html) = finance.page(&money).await;
        let fields = money_form(&version_in(&html), "250.50");
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(finance.post_form(&money, &fields).await.status(), 303);

        // A dispute lost from now on costs the store that fee.
        let api = app.api(STORE).await;
        let order = api.authorized_order(&order_of(40_000)).await;
        assert_eq!(api.capture(&order, 40_000, None).await.status(), 201);
        let key = Actor::api_key(api.username.clone(), STORE);
        let cmd = OpenDispute {
            order_id: order.clone(),
            reason: Reason::FaultyGoods,
            amount: None,
            claim: "Broken.".into(),
            inquiry: false,
        };
        let d = disputes::open_dispute(app.db(), &key, &cmd).await.unwrap();
        disputes::accept_loss(app.db(), &key, &d.id).await.unwrap();
        let fees: Vec<i64> = app
            .db()
            .ledger_of_order(STORE, &order)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.detailed_type == DetailedType::DisputeFee)
            .map(|e| e.amount)
            .collect();
        assert_eq!(fees, vec![25_050]);
    })
    .await;
}
