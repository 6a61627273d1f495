//! The back office's merchant and store use cases (kassa-app `ops`) with operator actors, and
//! what a suspension does to a merchant's API keys, hosted checkout and portal.

use crate::support::*;
use kassa_app::ops::{self, CreateStore, FeeInput, MerchantInput, MerchantList, StoreSettingsInput, UpdateMerchant};
use kassa_app::{Actor, AppError};
use kassa_core::access::Onboarding;
use kassa_core::audit::AuditAction;
use kassa_core::ops_access::OperatorRole;
use kassa_core::store_settings::{Environment, MerchantStatus, PaymentMethod};
use kassa_db::{Db, MerchantOrder};
use std::collections::HashSet;

/// One operator per role (ids 1–5, in `OperatorRole::ALL` order), as rows the audit log's
/// foreign key can point at.
async fn operators(db: &Db) -> Vec<Actor> {
    let mut actors = Vec::new();
    for (i, role) in OperatorRole::ALL.into_iter().enumerate() {
        let id = i as i64 + 1;
        db.execute_trusted(&format!(
            "INSERT INTO operators (id, email, name, role, created_at, updated_at) \
             VALUES ({id}, '{}@ops.kassa.test', 'Operator {id}', '{}', 0, 0)",
            role.code(),
            role.code()
        ))
        .await
        .unwrap();
        actors.push(Actor::operator(
            id,
            format!("{}@ops.kassa.test", role.code()),
            role,
            "127.0.0.1",
        ));
    }
    actors
}

fn op(actors: &[Actor], role: OperatorRole) -> &Actor {
    actors.iter().find(|a| a.operator_role == Some(role)).unwrap()
}

fn merchant(name: &str) -> MerchantInput {
    MerchantInput {
        legal_name: name.into(),
        org_number: "5560360793".into(),
        vat_id: "SE556036079301".into(),
        address_line: "Storgatan 1".into(),
        postal_code: "111 22".into(),
        city: "Stockholm".into(),
        country: "se".into(),
        onboarding: Onboarding::Direct,
        require_two_factor: true,
    }
}

fn store_settings(name: &str) -> StoreSettingsInput {
    StoreSettingsInput {
        name: name.into(),
        url: "https://shop.example.se".into(),
        country: "SE".into(),
        currency: "SEK".into(),
        statement_descriptor: "SHOP*EXAMPLE".into(),
        environment: Environment::Live,
        reservation_days: 28,
    }
}

fn invalid_fields(e: AppError) -> Vec<(String, String)> {
    match e {
        AppError::Invalid(fields) => fields.into_iter().map(|f| (f.field, f.message)).collect(),
        other => panic!("expected invalid fields, got {other:?}"),
    }
}

async fn merchant_count(db: &Db) -> usize {
    let admin = Actor::operator(1, "ops_admin@ops.kassa.test", OperatorRole::OpsAdmin, "");
    let list = MerchantList {
        limit: 500,
        ..Default::default()
    };
    ops::list_merchants(db, &admin, &list).await.unwrap().rows.len()
}

#[tokio::test]
async fn operators_create_edit_suspend_and_reinstate_merchants_with_audit() {
    on_each_backend(|app| async move {
        let db = app.db();
        let ops_ = operators(db).await;
        let onboarding = op(&ops_, OperatorRole::Onboarding);

        let id = ops::create_merchant(db, onboarding, &merchant("Nordic Bikes AB"))
            .await
            .unwrap();
        let m = ops::merchant_detail(db, op(&ops_, OperatorRole::Support), id)
            .await
            .unwrap();
        assert_eq!(
            (m.org_number.as_str(), m.vat_id.as_str(), m.country.as_str()),
            ("556036-0793", "SE556036079301", "SE")
        );
        assert_eq!(m.status, MerchantStatus::Active);

        let mut edit = merchant("Nordic Bikes AB");
        edit.city = "Malmö".into();
        let cmd = UpdateMerchant {
            merchant_id: id,
            expected_version: Some(m.updated_at),
            input: edit,
        };
        ops::update_merchant(db, onboarding, &cmd).await.unwrap();
        assert_eq!(ops::merchant_detail(db, onboarding, id).await.unwrap().city, "Malmö");
        // The same form again was filled from the old version: refused, not overwritten.
        assert!(matches!(
            ops::update_merchant(db, onboarding, &cmd).await,
            Err(AppError::Conflict(_))
        ));

        let risk = op(&ops_, OperatorRole::Risk);
        assert!(ops::suspend_merchant(db, risk, id, "Chargeback spike").await.unwrap());
        assert!(
            !ops::suspend_merchant(db, risk, id, "again").await.unwrap(),
            "already suspended"
        );
        let m = ops::merchant_detail(db, risk, id).await.unwrap();
        assert_eq!(
            (m.status, m.suspension_reason.as_str()),
            (MerchantStatus::Suspended, "Chargeback spike")
        );
        assert!(m.suspended_at.is_some());
        assert!(ops::reinstate_merchant(db, risk, id).await.unwrap());
        assert!(!ops::reinstate_merchant(db, risk, id).await.unwrap());
        assert_eq!(
            ops::merchant_detail(db, risk, id).await.unwrap().status,
            MerchantStatus::Active
        );

        let events = db.audit_events(None, 100).await.unwrap();
        let of = |action: AuditAction| {
            events
                .iter()
                .filter(|e| e.action == action && e.merchant_id == Some(id))
                .collect::<Vec<_>>()
        };
        let created = of(AuditAction::MerchantCreated);
        assert_eq!(created.len(), 1);
        assert_eq!(created[0].actor_operator_id, Some(2), "the onboarding operator");
        assert!(created[0].after_json.as_deref().unwrap().contains("556036-0793"));
        let updated = of(AuditAction::MerchantUpdated);
        assert_eq!(updated.len(), 1, "the refused edit wrote nothing");
        assert_eq!(updated[0].before_json.as_deref(), Some(r#"{"city":"Stockholm"}"#));
        assert_eq!(updated[0].after_json.as_deref(), Some(r#"{"city":"Malmö"}"#));
        let suspended = of(AuditAction::MerchantSuspended);
        assert_eq!(suspended.len(), 1, "the second suspension changed nothing");
        assert!(suspended[0].after_json.as_deref().unwrap().contains("Chargeback spike"));
        assert_eq!(suspended[0].actor_operator_id, Some(4));
        assert_eq!(of(AuditAction::MerchantReinstated).len(), 1);
    })
    .await;
}

#[tokio::test]
async fn each_role_may_do_only_its_part_and_bad_input_changes_nothing() {
    on_each_backend(|app| async move {
        let db = app.db();
        let ops_ = operators(db).await;
        let (admin, onboarding, finance, risk, support) = (
            op(&ops_, OperatorRole::OpsAdmin),
            op(&ops_, OperatorRole::Onboarding),
            op(&ops_, OperatorRole::Finance),
            op(&ops_, OperatorRole::Risk),
            op(&ops_, OperatorRole::Support),
        );
        for who in [finance, risk, support] {
            assert!(matches!(
                ops::create_merchant(db, who, &merchant("X AB")).await,
                Err(AppError::Forbidden)
            ));
        }
        assert!(matches!(
            ops::create_merchant(db, &Actor::system(), &merchant("X AB")).await,
            Err(AppError::Forbidden)
        ));
        let id = ops::create_merchant(db, admin, &merchant("Roles AB")).await.unwrap();
        for who in [finance, support] {
            assert!(matches!(
                ops::suspend_merchant(db, who, id, "x").await,
                Err(AppError::Forbidden)
            ));
        }
        assert!(matches!(
            ops::list_merchants(db, &Actor::system(), &MerchantList::default()).await,
            Err(AppError::Forbidden)
        ));

        // An onboarding operator's store form leaves the money alone; with fees it is refused.
        let fees = vec![FeeInput {
            method: PaymentMethod::Card,
            bps: 180,
            fixed_minor: 150,
        }];
        let with_fees = CreateStore {
            merchant_id: id,
            settings: store_settings("Roles Shop"),
            payout: None,
            bank_account: None,
            fees: Some(fees.clone()),
        };
        assert!(matches!(
            ops::create_store(db, onboarding, &with_fees).await,
            Err(AppError::Forbidden)
        ));
        let store = ops::create_store(
            db,
            onboarding,
            &CreateStore {
                fees: None,
                ..with_fees.clone()
            },
        )
        .await
        .unwrap();
        // Finance sets the fee plan and bank account, but may not edit the store's settings.
        let money = ops::UpdateStore {
            store_id: store.clone(),
            expected_version: None,
            settings: None,
            payout: Some(ops::PayoutInput {
                schedule: "weekly".into(),
                day: Some(5),
            }),
            bank_account: Some(ops::BankAccountInput {
                iban: "se45 5000 0000 0583 9825 7466".into(),
                bic: "ESSESESS".into(),
                account_holder: "Roles AB".into(),
            }),
            fees: Some(fees),
            settlement: None,
        };
        assert!(matches!(
            ops::update_store(db, onboarding, &money).await,
            Err(AppError::Forbidden)
        ));
        ops::update_store(db, finance, &money).await.unwrap();
        let settings = ops::UpdateStore {
            settings: Some(store_settings("Renamed")),
            payout: None,
            bank_account: None,
            fees: None,
            ..money.clone()
        };
        assert!(matches!(
            ops::update_store(db, finance, &settings).await,
            Err(AppError::Forbidden)
        ));
        ops::update_store(db, onboarding, &settings).await.unwrap();
        let detail = ops::store_detail(db, support, &store).await.unwrap();
        assert_eq!(detail.store.name, "Renamed");
        assert_eq!(
            detail.store.payout_iban, "SE4550000000058398257466",
            "kept by the settings edit"
        );
        assert_eq!(
            (detail.store.payout_schedule.as_str(), detail.store.payout_day),
            ("weekly", Some(5)),
            "finance's payout schedule, kept by the settings edit"
        );
        assert_eq!(detail.fees.fee(PaymentMethod::Card, 10_000), 330);
        assert_eq!(detail.fees.fee(PaymentMethod::Invoice, 10_000), 0);
        let store_events: Vec<_> = db
            .audit_events(Some(AuditAction::StoreUpdated), 10)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.subject == store)
            .collect();
        assert_eq!(store_events.len(), 2);
        assert!(store_events
            .iter()
            .all(|e| e.merchant_id == Some(id) && e.before_json.is_some()));

        // Bad input: every bad field named, nothing written.
        let before = merchant_count(db).await;
        let audit_before = db.audit_events(None, 1000).await.unwrap().len();
        let mut bad = merchant("");
        bad.org_number = "556036-0794".into();
        bad.vat_id = "SE556703748501".into();
        let fields = invalid_fields(ops::create_merchant(db, admin, &bad).await.unwrap_err());
        assert!(fields.contains(&("legal_name".into(), "required".into())), "{fields:?}");
        assert!(
            fields.contains(&("org_number".into(), "org-number-checksum".into())),
            "{fields:?}"
        );
        let mut bad = merchant("Y AB");
        bad.country = "XX".into();
        let fields = invalid_fields(ops::create_merchant(db, admin, &bad).await.unwrap_err());
        assert_eq!(fields, vec![("country".to_owned(), "country".to_owned())]);
        let mut bad = merchant("Z AB");
        bad.vat_id = "SE556703748501".into();
        let fields = invalid_fields(ops::create_merchant(db, admin, &bad).await.unwrap_err());
        assert_eq!(fields, vec![("vat_id".to_owned(), "vat-org-mismatch".to_owned())]);
        let mut s = store_settings("Bad");
        s.url = "shop.example".into();
        s.currency = "EUR".into();
        s.statement_descriptor = "1234".into();
        let bad_store = CreateStore {
            merchant_id: id,
            settings: s,
            payout: Some(ops::PayoutInput {
                schedule: "weekly".into(),
                day: Some(8),
            }),
            bank_account: Some(ops::BankAccountInput {
                iban: "SE4650000000058398257466".into(),
                bic: "ESSE".into(),
                account_holder: "".into(),
            }),
            fees: Some(vec![FeeInput {
                method: PaymentMethod::PayInX,
                bps: 10_001,
                fixed_minor: 0,
            }]),
        };
        let fields: HashSet<String> = invalid_fields(ops::create_store(db, admin, &bad_store).await.unwrap_err())
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        for f in [
            "url",
            "currency",
            "statement_descriptor",
            "payout_day",
            "payout_iban",
            "payout_bic",
            "payout_account_holder",
            "fee_pay_in_x_bps",
        ] {
            assert!(fields.contains(f), "{f} in {fields:?}");
        }
        let mut rename = merchant("Roles AB");
        rename.org_number = "bad".into();
        let cmd = UpdateMerchant {
            merchant_id: id,
            expected_version: None,
            input: rename,
        };
        assert!(matches!(
            ops::update_merchant(db, admin, &cmd).await,
            Err(AppError::Invalid(_))
        ));
        assert!(matches!(
            ops::suspend_merchant(db, admin, id, "  ").await,
            Err(AppError::Invalid(_))
        ));
        assert_eq!(merchant_count(db).await, before);
        assert_eq!(db.audit_events(None, 1000).await.unwrap().len(), audit_before);
        assert_eq!(ops::merchant_stores(db, admin, id).await.unwrap().len(), 1);
        assert_eq!(
            ops::merchant_detail(db, admin, id).await.unwrap().status,
            MerchantStatus::Active
        );
    })
    .await;
}

#[tokio::test]
async fn two_hundred_concurrent_store_creations_get_distinct_ids() {
    on_each_backend(|app| async move {
        let db = app.db().clone();
        let ops_ = operators(&db).await;
        let admin = op(&ops_, OperatorRole::OpsAdmin).clone();
        let id = ops::create_merchant(&db, &admin, &merchant("Many Stores AB"))
            .await
            .unwrap();
        let tasks: Vec<_> = (0..200)
            .map(|i| {
                let (db, admin) = (db.clone(), admin.clone());
                tokio::spawn(async move {
                    let cmd = CreateStore {
                        merchant_id: id,
                        settings: store_settings(&format!("Shop {i}")),
                        payout: None,
                        bank_account: None,
                        fees: None,
                    };
                    ops::create_store(&db, &admin, &cmd).await.unwrap()
                })
            })
            .collect();
        let mut ids = HashSet::new();
        for t in tasks {
            let store = t.await.unwrap();
            assert!(
                store.len() == 7 && store.starts_with('M') && store[1..].chars().all(|c| c.is_ascii_digit()),
                "{store}"
            );
            assert!(store != "M100001" && store != "M100002", "the demo's ids are skipped");
            assert!(ids.insert(store.clone()), "{store} twice");
        }
        assert_eq!(ids.len(), 200);
        let stored = ops::merchant_stores(&db, &admin, id).await.unwrap();
        assert_eq!(stored.len(), 200);
        let created = db.audit_events(Some(AuditAction::StoreCreated), 1000).await.unwrap();
        let subjects: HashSet<_> = created.iter().map(|e| e.subject.clone()).collect();
        assert_eq!(subjects, ids, "one audit event per store, named by its id");
    })
    .await;
}

#[tokio::test]
async fn search_finds_merchants_and_keyset_pages_cover_each_once() {
    on_each_backend(|app| async move {
        let db = app.db();
        let ops_ = operators(db).await;
        let admin = op(&ops_, OperatorRole::OpsAdmin);
        let support = op(&ops_, OperatorRole::Support);
        // Equal names, so name order must break ties by id.
        for i in 0..7 {
            let name = if i % 2 == 0 { "Same Name AB" } else { "Another AB" };
            let mut m = merchant(name);
            m.country = "NO".into();
            m.org_number = "923609016".into();
            m.vat_id = String::new();
            ops::create_merchant(db, admin, &m).await.unwrap();
        }
        let mut target = merchant("Findable Fjällräven AB");
        target.country = "FI".into();
        target.org_number = "0112038-9".into();
        target.vat_id = "FI01120389".into();
        let id = ops::create_merchant(db, admin, &target).await.unwrap();
        let store = ops::create_store(
            db,
            admin,
            &CreateStore {
                merchant_id: id,
                settings: StoreSettingsInput {
                    country: "FI".into(),
                    currency: "EUR".into(),
                    ..store_settings("Findable Shop")
                },
                payout: None,
                bank_account: None,
                fees: None,
            },
        )
        .await
        .unwrap();
        let user = db
            .create_user(
                &kassa_db::NewUser {
                    email: "owner@findable.example",
                    name: "Owner",
                    password_hash: None,
                    language: "en",
                    status: "active",
                    access_expires_at: None,
                },
                0,
            )
            .await
            .unwrap();
        db.set_membership(user, &store, "super_admin", 0).await.unwrap();

        for term in [
            "fjällräven",
            "FINDABLE",
            "0112038-9",
            "01120389",
            store.as_str(),
            &store.to_lowercase(),
            "owner@findable.example",
            "owner@find",
        ] {
            let page = ops::list_merchants(
                db,
                support,
                &MerchantList {
                    search: Some(term.into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
            let found: Vec<i64> = page.rows.iter().map(|r| r.id).collect();
            assert_eq!(found, vec![id], "search {term:?}");
            assert_eq!((page.rows[0].store_count, page.rows[0].user_count), (1, 1));
        }
        let none = ops::list_merchants(
            db,
            support,
            &MerchantList {
                search: Some("100%_".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert!(none.rows.is_empty(), "wildcards are taken literally");

        let total = merchant_count(db).await;
        assert!(total >= 9, "the demo merchant and ours");
        for order in [MerchantOrder::Id, MerchantOrder::Name] {
            let mut seen = Vec::new();
            let mut after = None;
            loop {
                let page = ops::list_merchants(
                    db,
                    support,
                    &MerchantList {
                        order,
                        after: after.clone(),
                        limit: 3,
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
                assert!(page.rows.len() <= 3);
                seen.extend(page.rows.iter().map(|r| (r.sort_name.clone(), r.id)));
                match page.next {
                    Some(next) => after = Some(next),
                    None => break,
                }
            }
            let distinct: HashSet<i64> = seen.iter().map(|(_, id)| *id).collect();
            assert_eq!(
                (seen.len(), distinct.len()),
                (total, total),
                "{order:?}: every merchant once"
            );
            let mut sorted = seen.clone();
            match order {
                MerchantOrder::Id => sorted.sort_by_key(|(_, id)| *id),
                MerchantOrder::Name => sorted.sort(),
            }
            assert_eq!(seen, sorted, "{order:?} order");
        }
    })
    .await;
}

const SUSPENDED_BANNER: &str = "This merchant account is suspended by Kassa";

#[tokio::test]
async fn a_suspended_merchant_reads_but_changes_nothing_until_reinstated() {
    on_each_backend(|app| async move {
        let db = app.db();
        let ops_ = operators(db).await;
        let risk = op(&ops_, OperatorRole::Risk);
        let merchant_id = db.store("M100001").await.unwrap().unwrap().merchant_id;
        let api = app.api("M100001").await;
        let order_id = api.authorized_order(&sample_order()).await;
        let res = api.create_checkout(&sample_order()).await;
        let checkout_id = res.json::<serde_json::Value>().await.unwrap()["order_id"]
            .as_str()
            .unwrap()
            .to_owned();

        assert!(ops::suspend_merchant(db, risk, merchant_id, "Fraud review")
            .await
            .unwrap());

        // The merchant API: valid credentials, refused with Kustom's error body.
        let res = api
            .send(
                reqwest::Method::GET,
                &format!("/ordermanagement/v1/orders/{order_id}"),
                None,
                None,
            )
            .await;
        assert_eq!(res.status(), 403);
        assert_eq!(error_code(res).await, "MERCHANT_SUSPENDED");
        let res = api.create_checkout(&sample_order()).await;
        assert_eq!(res.status(), 403);
        // Wrong credentials still learn nothing about the merchant.
        let stranger = Api {
            password: "kco_test_api_wrong".into(),
            ..api.clone()
        };
        let res = stranger.create_checkout(&sample_order()).await;
        assert_eq!(res.status(), 401);

        // The hosted checkout says it takes no payment.
        let (status, page) = {
            let res = app.client().get(&format!("/checkout/{checkout_id}")).await;
            (res.status().as_u16(), res.text().await.unwrap())
        };
        assert_eq!(status, 200);
        assert!(
            page.contains("Butiken kan inte ta emot betalningar just nu"),
            "in the order's language: {page}"
        );

        // The portal: reading works, with the banner; a capture is refused with a page that
        // says why; signing out still works.
        let c = app.signed_in("user@demo.kassa.test").await;
        let (status, list) = c.page("/portal/orders").await;
        assert_eq!(status, 200);
        assert!(list.contains(SUSPENDED_BANNER), "banner on the order list");
        let (status, page) = c.page(&format!("/portal/orders/{order_id}")).await;
        assert_eq!(status, 200);
        assert!(page.contains(SUSPENDED_BANNER));
        let res = c
            .post_form(
                &format!("/portal/orders/{order_id}/capture"),
                &[("form_key", "x"), ("mode", "full")],
            )
            .await;
        assert_eq!(res.status(), 403);
        let body = res.text().await.unwrap();
        assert!(body.contains("Merchant account suspended"), "{body}");
        assert_eq!(
            api_order_status(&app, &order_id).await,
            Some(kassa_core::order::Status::Authorized),
            "nothing captured"
        );

        // The admins' audit log names the operator as Kassa support, never by email.
        let admin = app.signed_in("superadmin@demo.kassa.test").await;
        let (status, audit) = admin.page("/portal/users/audit").await;
        assert_eq!(status, 200);
        assert!(audit.contains("Merchant account suspended"), "the action in words");
        assert!(audit.contains("Kassa support"));
        assert!(!audit.contains("risk@ops.kassa.test"), "no operator email");
        let res = admin.sign_out().await;
        assert_eq!(res.status(), 303, "sign-out still works");

        assert!(ops::reinstate_merchant(db, risk, merchant_id).await.unwrap());
        let res = api
            .send(
                reqwest::Method::GET,
                &format!("/ordermanagement/v1/orders/{order_id}"),
                None,
                None,
            )
            .await;
        assert_eq!(res.status(), 200, "the same key works again");
        let (_, list) = c.page("/portal/orders").await;
        assert!(!list.contains(SUSPENDED_BANNER));
    })
    .await;
}

async fn api_order_status(app: &TestApp, order_id: &str) -> Option<kassa_core::order::Status> {
    app.db()
        .order("M100001", order_id)
        .await
        .unwrap()
        .expect("order")
        .status
}
